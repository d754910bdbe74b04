// Mail authentication of inbound MX mail at the end of DATA/BDAT
// (src/mailauth/inbound): only on the MX listener and only for clients that
// did not authenticate (submission is the users' own mail; there only step 1
// runs, so a user cannot hand another user a forged result). In order:
//  1. forged Authentication-Results fields carrying our authserv-id are
//     removed from the message (RFC 8601 §5);
//  2. SPF, DKIM and DMARC are evaluated; the Authentication-Results field is
//     prepended above our Received field (RFC 8601 §4: above any other trace
//     field we add) by accept.cpp;
//  3. the operator's policy decides: 550 5.7.1 for a DMARC reject (RFC 8601
//     §4.2: reject in SMTP rather than bounce), the Junk mailbox for
//     quarantine, 451 4.7.1 when a DNS answer the decision needed was missing
//     (RFC 9989 §5.3.6), optionally 550 5.7.23 for an SPF fail (RFC 7372 §3.2);
//  4. for every Author Domain with a DMARC Policy Record, the data of an RFC
//     9990 aggregate-report row is stored (not for a deferred message: it
//     will be evaluated again when the client retries).
#include <boost/asio/ip/address.hpp>

#include "base/log.hpp"
#include "base/strings.hpp"
#include "mailauth/inbound/authres.hpp"
#include "mailauth/inbound/evaluate.hpp"
#include "smtp/server/session.hpp"
#include "store/dmarc_records.hpp"

namespace postino::smtp::server {
namespace {

namespace inbound = mailauth::inbound;
namespace dmarc = mailauth::dmarc;
using inbound::Verdict;

std::string domain_part(std::string_view address) {
  auto at = address.rfind('@');
  return at == std::string_view::npos ? std::string() : to_lower(address.substr(at + 1));
}

const char* alignment_name(dmarc::Alignment a) { return a == dmarc::Alignment::strict ? "s" : "r"; }

std::string policy_or_empty(const std::optional<dmarc::Policy>& p) {
  return p ? dmarc::policy_name(*p) : "";
}

// RFC 9990 ActionDispositionType for what was done with the message.
std::string applied_disposition(const inbound::AuthorResult& a, Verdict v) {
  if (a.outcome.result == dmarc::DmarcResult::pass) return "pass";
  switch (v) {
    case Verdict::reject_dmarc:
    case Verdict::reject_spf:
      return "reject";
    case Verdict::junk:
      return "quarantine";
    default:
      return "none";
  }
}

store::DmarcReportRecord report_record(const inbound::InboundResult& r,
                                       const inbound::AuthorResult& a, Verdict v,
                                       const std::string& ip, const std::string& mail_from,
                                       const std::string& rcpt_domain, int64_t now) {
  const auto& o = a.outcome;
  const dmarc::Record& rec = *o.record;
  store::DmarcReportRecord out;
  out.evaluated_at = now;
  out.source_ip = ip;
  out.disposition = applied_disposition(a, v);
  out.dkim_aligned = o.dkim_aligned ? "pass" : "fail";
  out.spf_aligned = o.spf_aligned ? "pass" : "fail";
  // RFC 9990 §2.1.5 PolicyOverrideType: say why the policy was not followed.
  std::string asked = dmarc::disposition_name(o.disposition);
  if (o.result == dmarc::DmarcResult::fail && out.disposition != asked) {
    out.override_reason = "local_policy";
  } else if (o.result == dmarc::DmarcResult::fail && rec.testing &&
             o.policy != dmarc::Policy::none) {
    out.override_reason = "policy_test_mode";
  }
  if (o.result == dmarc::DmarcResult::temperror || o.result == dmarc::DmarcResult::permerror) {
    out.override_reason = "other";
    out.override_comment = o.reason;
  }
  out.header_from = a.domain;
  out.envelope_from = mail_from.empty() ? "" : domain_part(mail_from);
  out.envelope_to = rcpt_domain;
  out.policy_domain = o.policy_domain;
  out.p = policy_or_empty(rec.p);
  out.sp = policy_or_empty(rec.sp);
  out.np = policy_or_empty(rec.np);
  out.adkim = alignment_name(rec.adkim);
  out.aspf = alignment_name(rec.aspf);
  out.testing = rec.testing;
  out.fo = rec.fo;
  for (const auto& u : rec.rua) out.rua += (out.rua.empty() ? "" : " ") + u;
  for (const auto& s : r.dkim)
    out.dkim.push_back({s.domain, s.selector, mailauth::dkim::result_name(s.result)});
  out.spf_domain = r.spf.outcome.domain;
  out.spf_scope = r.spf.helo_identity ? "helo" : "mfrom";
  out.spf_result = mailauth::spf::result_name(r.spf.outcome.result);
  return out;
}

// Replies for refused messages (RFC 3463 class 7: security or policy).
constexpr ReplyCode kDmarcRejected{550, "5.7.1", "Message rejected by DMARC policy"};
constexpr ReplyCode kSpfRejected{550, "5.7.23", "SPF validation failed"};  // RFC 7372 §3.2
constexpr ReplyCode kAuthTempFailure{451, "4.7.1",
                                     "Temporary DNS failure during authentication checks"};

}  // namespace

bool Session::refused_by_mailauth(const MailAuthDecision& d) {
  switch (d.verdict) {
    case Verdict::reject_dmarc:
      reject(kDmarcRejected, "dmarc",
             "Message rejected: DMARC authentication of " + d.detail + " failed");
      return true;
    case Verdict::reject_spf:
      reject(kSpfRejected, "spf", "SPF check failed for the sender's domain");
      return true;
    case Verdict::defer:
      reject(kAuthTempFailure, "dmarc_temperror",
             "DMARC check of " + (d.detail.empty() ? std::string("the sender") : d.detail) +
                 " failed temporarily; try again later");
      return true;
    case Verdict::deliver:
    case Verdict::junk:
      return false;
  }
  return false;
}

bool Session::mailauth_applies() const {
  // Submission (authenticated users' own mail) is not checked.
  return svc_.resolver() != nullptr && mode_ == Mode::mx && !authenticated_;
}

size_t Session::remove_forged_authres() {
  size_t n = inbound::remove_authres(tx_.body, opts_.mailauth.authserv_id);
  if (n > 0) log::info("smtp.authres_removed", {{"conn", conn_.id()}, {"count", n}});
  return n;
}

awaitable<MailAuthDecision> Session::check_mailauth(int64_t now, const std::string& id) {
  const MailAuthOptions& mo = opts_.mailauth;
  MailAuthDecision d;
  size_t forged = remove_forged_authres();

  boost::system::error_code ec;
  auto ip = boost::asio::ip::make_address(conn_.remote_ip(), ec);
  if (ec) {
    log::warn("smtp.mailauth_skipped",
              {{"conn", conn_.id()}, {"id", id}, {"ip", conn_.remote_ip()}});
    co_return d;
  }
  // RFC 7208 §5: an IPv4-mapped IPv6 client (dual-stack listener) is IPv4.
  if (ip.is_v6() && ip.to_v6().is_v4_mapped())
    ip = boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, ip.to_v6());
  std::string mail_from = tx_.from.null ? "" : tx_.from.address();
  inbound::InboundContext ctx{ip, helo_name_, mail_from, mo.authserv_id, now};
  inbound::InboundResult r =
      co_await inbound::evaluate_inbound(*svc_.resolver(), std::move(ctx), tx_.body);
  d.verdict = inbound::decide(r, mo.policy);
  d.header = r.header;
  if (!r.authors.empty()) d.detail = r.authors.front().domain;
  for (const auto& a : r.authors)
    if (a.outcome.result == dmarc::DmarcResult::fail) d.detail = a.domain;

  std::string dkim;
  for (const auto& s : r.dkim) {
    if (!dkim.empty()) dkim += ',';
    dkim += s.domain + ":" + mailauth::dkim::result_name(s.result);
  }
  log::info("smtp.mailauth", {{"conn", conn_.id()},
                              {"id", id},
                              {"spf", mailauth::spf::result_name(r.spf.outcome.result)},
                              {"dkim", dkim.empty() ? "none" : dkim},
                              {"dmarc", dmarc::result_name(r.dmarc)},
                              {"from_domain", d.detail},
                              {"disposition", dmarc::disposition_name(r.disposition)},
                              {"verdict", inbound::verdict_name(d.verdict)},
                              {"forged_removed", forged}});

  if (mo.record_dmarc && d.verdict != Verdict::defer) {
    std::string rcpt_domain;
    if (!tx_.rcpts.empty()) rcpt_domain = domain_part(tx_.rcpts.front().address);
    for (const auto& a : r.authors) {
      if (!a.outcome.record) continue;  // RFC 9990: only mail under a DMARC record
      store::DmarcReportRecord rec =
          report_record(r, a, d.verdict, ip.to_string(), mail_from, rcpt_domain, now);
      // A named local: g++ 12 mishandles temporaries in co_await expressions.
      auto insert = [rec = std::move(rec)](store::StoreBackend& b) {
        return b.add_dmarc_record(rec);
      };
      auto added = co_await svc_.store().run<Result<int64_t>>(std::move(insert));
      if (!added)
        log::warn("smtp.dmarc_record_failed",
                  {{"conn", conn_.id()}, {"id", id}, {"error", added.error().message}});
    }
  }
  co_return d;
}

}  // namespace postino::smtp::server
