#include "mailauth/inbound/evaluate.hpp"

#include <algorithm>

#include "auth/address.hpp"
#include "base/strings.hpp"
#include "mailauth/inbound/authres.hpp"
#include "mime/address.hpp"
#include "mime/header.hpp"

namespace postino::mailauth::inbound {
namespace {

namespace asio = boost::asio;
using dmarc::Disposition;
using dmarc::DmarcResult;

// Ranking of per-domain DMARC results when several Author Domains are
// evaluated: a failure decides (its policy applies), then an unfinished
// evaluation, then a broken one, then a pass.
int rank(DmarcResult r) {
  switch (r) {
    case DmarcResult::fail:
      return 4;
    case DmarcResult::temperror:
      return 3;
    case DmarcResult::permerror:
      return 2;
    case DmarcResult::pass:
      return 1;
    case DmarcResult::none:
      return 0;
  }
  return 0;
}

std::string domain_of(std::string_view address) {
  auto at = address.rfind('@');
  return std::string(at == std::string_view::npos ? address : address.substr(at + 1));
}

}  // namespace

bool InboundResult::dmarc_applied() const {
  return std::any_of(authors.begin(), authors.end(),
                     [](const AuthorResult& a) { return a.outcome.record.has_value(); });
}

AuthorDomains author_domains(std::string_view message) {
  AuthorDomains out;
  auto hs = mime::parse_header_section(message, 0, message.size());
  for (const auto& f : hs.fields) {
    if (!iequals(f.name, "From")) continue;
    ++out.from_fields;
    for (const auto& a : mime::parse_address_list(f.unfolded())) {
      if (a.kind != mime::Address::Kind::mailbox || a.domain.empty()) continue;
      if (out.domains.size() >= kMaxListedAuthorDomains) break;
      // RFC 9989 §5.3.1: a U-label is converted to an A-label.
      auto norm = auth::normalize_domain(a.domain);
      std::string d = norm ? *norm : to_lower(a.domain);
      if (std::find(out.domains.begin(), out.domains.end(), d) == out.domains.end())
        out.domains.push_back(std::move(d));
    }
  }
  return out;
}

asio::awaitable<InboundResult> evaluate_inbound(dns::Resolver& resolver, InboundContext ctx,
                                                std::string_view message) {
  InboundResult out;

  // SPF (RFC 7208 §2.3, §2.4): the MAIL FROM identity; postmaster@HELO for
  // the null sender, reported as the helo property (RFC 8601 §2.7.2).
  spf::Request req;
  req.ip = ctx.client_ip;
  req.helo = ctx.helo;
  req.mail_from = ctx.mail_from;
  req.receiver = ctx.authserv_id.empty() ? "unknown" : ctx.authserv_id;
  req.now = ctx.now;
  out.spf.helo_identity = ctx.mail_from.empty();
  spf::Outcome spf_outcome = co_await spf::check_mail_from(resolver, req);
  out.spf.outcome = std::move(spf_outcome);
  out.spf.identity = out.spf.helo_identity ? ctx.helo : to_lower(domain_of(ctx.mail_from));

  // DKIM (RFC 6376 §6): every signature.
  dkim::VerifyOptions vopt;
  vopt.now = ctx.now;
  std::vector<dkim::SignatureResult> sigs = co_await dkim::verify(resolver, message, vopt);
  out.dkim = std::move(sigs);

  // ARC (RFC 8617 §5.2).
  arc::Outcome chain = co_await arc::verify(resolver, message);
  out.arc = std::move(chain);
  out.client_ip = ctx.client_ip.to_string();

  // DMARC (RFC 9989 §5.3).
  std::optional<std::string> spf_domain;
  if (out.spf.outcome.result == spf::SpfResult::pass) spf_domain = out.spf.outcome.domain;
  std::vector<std::string> dkim_domains;
  bool auth_temperror = out.spf.outcome.result == spf::SpfResult::temperror;
  for (const auto& s : out.dkim) {
    if (s.result == dkim::DkimResult::pass) dkim_domains.push_back(s.domain);
    if (s.result == dkim::DkimResult::temperror) auth_temperror = true;
  }

  AuthorDomains ad = author_domains(message);
  if (ad.domains.empty()) {
    // RFC 9989 §5.3.1: DMARC validation is not possible.
    out.dmarc = DmarcResult::permerror;
    out.dmarc_problem = ad.from_fields == 0 ? "no From header field" : "no domain in From";
  } else {
    int best = -1;
    for (size_t i = 0; i < ad.domains.size() && i < kMaxAuthorDomains; ++i) {
      dmarc::Input in{ad.domains[i], spf_domain, dkim_domains};
      dmarc::Outcome o = co_await dmarc::evaluate(resolver, std::move(in));
      // RFC 9989 §5.3.6: with an SPF or DKIM answer missing for a temporary
      // DNS failure the message neither passes nor fails.
      // Only when the failure would have consequences (not p=none).
      if (o.result == DmarcResult::fail && auth_temperror && o.disposition != Disposition::none) {
        o.result = DmarcResult::temperror;
        o.disposition = Disposition::none;
        o.reason = "SPF or DKIM had a temporary DNS failure";
      }
      if (rank(o.result) > best) {
        best = rank(o.result);
        out.dmarc = o.result;
        out.dmarc_problem = o.result == DmarcResult::pass ? "" : o.reason;
      }
      if (o.result == DmarcResult::fail)
        out.disposition = std::max(out.disposition, o.disposition);  // strictest
      out.authors.push_back(AuthorResult{ad.domains[i], std::move(o)});
    }
    if (ad.domains.size() > kMaxAuthorDomains) {
      out.authors_skipped = ad.domains.size() - kMaxAuthorDomains;
      // RFC 9989 §11.5: an incomplete evaluation; never let it pass.
      if (out.dmarc != DmarcResult::fail) {
        out.dmarc = DmarcResult::permerror;
        out.dmarc_problem = "more than " + std::to_string(kMaxAuthorDomains) + " From domains";
      }
      out.disposition = std::max(out.disposition, Disposition::quarantine);
    }
  }
  out.header = render_header(out, ctx.authserv_id);
  co_return out;
}

std::string render_header(const InboundResult& r, std::string_view authserv_id) {
  AuthResBuilder b{std::string(authserv_id)};

  // RFC 8601 §2.7.2: spf, ptype smtp, property mailfrom or helo; the domain
  // only, since SPF does not authenticate the local-part.
  ResInfo spf{"spf", spf::result_name(r.spf.outcome.result), r.spf.outcome.problem, "", {}};
  if (!r.spf.identity.empty())
    spf.props.push_back({r.spf.helo_identity ? "smtp.helo" : "smtp.mailfrom", r.spf.identity});
  b.add(std::move(spf));

  // RFC 8601 §2.7.1, RFC 6008: one dkim result per signature.
  if (r.dkim.empty()) b.add(ResInfo{"dkim", "none", "", "", {}});
  for (const auto& s : r.dkim) {
    ResInfo d{"dkim", dkim::result_name(s.result), "", "", {}};
    if (s.result != dkim::DkimResult::pass) d.reason = s.reason;
    if (s.testing) d.comment = "key in testing mode";
    if (!s.domain.empty()) d.props.push_back({"header.d", s.domain});
    if (!s.selector.empty()) d.props.push_back({"header.s", s.selector});
    if (!s.algorithm.empty()) d.props.push_back({"header.a", s.algorithm});
    if (!s.b_prefix.empty()) d.props.push_back({"header.b", s.b_prefix});
    b.add(std::move(d));
  }

  // RFC 8617 §6: arc, with smtp.remote-ip and header.oldest-pass.
  if (r.arc.result != arc::ArcResult::none) {
    ResInfo a{"arc", arc::result_name(r.arc.result), "", r.arc.reason, {}};
    a.comment = "i=" + std::to_string(r.arc.chain_length);
    if (r.arc.result == arc::ArcResult::pass)
      a.props.push_back({"header.oldest-pass", std::to_string(r.arc.oldest_pass)});
    if (!r.client_ip.empty()) a.props.push_back({"smtp.remote-ip", r.client_ip});
    b.add(std::move(a));
  }

  // RFC 9989 §5.4 / RFC 8601: dmarc, header.from = the Author Domain.
  if (r.authors.empty()) {
    b.add(ResInfo{"dmarc", dmarc::result_name(r.dmarc), "", r.dmarc_problem, {}});
  }
  for (const auto& a : r.authors) {
    const auto& o = a.outcome;
    ResInfo d{"dmarc", dmarc::result_name(o.result), "", "", {}};
    if (o.record) {
      d.comment = std::string("p=") + dmarc::policy_name(o.policy) +
                  " dis=" + dmarc::disposition_name(o.disposition);
      if (o.record->testing) d.comment += " t=y";
    }
    if (o.result != DmarcResult::pass && o.result != DmarcResult::none) d.reason = o.reason;
    d.props.push_back({"header.from", a.domain});
    b.add(std::move(d));
  }
  if (r.authors_skipped > 0) {
    std::string why = std::to_string(r.authors_skipped) + " more From domains not evaluated";
    b.add(ResInfo{"dmarc", "permerror", "", std::move(why), {}});
  }
  return b.render();
}

}  // namespace postino::mailauth::inbound
