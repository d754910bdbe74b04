// Mail authentication of one inbound message, as the MX runs it at the end of
// DATA/BDAT: SPF (RFC 7208) on the MAIL FROM identity, DKIM (RFC 6376) on
// every signature, DMARC (RFC 9989 §5.3) on the RFC5322.From domain, and the
// Authentication-Results header field (RFC 8601) that reports them.
//  - SPF: check_host() on the MAIL FROM domain; for the null sender on the
//    HELO identity (RFC 7208 §2.4), reported as smtp.helo (RFC 8601 §2.7.2).
//  - DKIM: every signature (up to dkim::kMaxSignatures), one resinfo each.
//  - ARC (RFC 8617 §5.2): the chain's validation status, reported as arc=
//    with smtp.remote-ip and header.oldest-pass (§6) when the message has
//    ARC header fields. It is reported only; DMARC does not use it.
//  - DMARC: RFC 9989 §5.3.1: zero From domains (no From field, or no address
//    with a domain) is a permerror with no disposition. Several domains (in
//    one field or in repeated From fields, which RFC 5322 §3.6 forbids) are
//    each evaluated as an Author Domain and the strictest failing policy is
//    applied (RFC 9989 §11.5); past kMaxAuthorDomains the evaluation is
//    incomplete, reported as permerror, and handled as at least quarantine,
//    so extra From addresses cannot hide a spoofed domain.
//  - A DMARC fail under quarantine/reject while SPF or a DKIM signature had a
//    temporary DNS failure is reported as temperror: the message "cannot be
//    considered to pass or fail" (RFC 9989 §5.3.6), so no policy is applied.
// Ownership: the Resolver is borrowed for the call; results are plain values.
// Thread rules: each call is an independent coroutine; no shared state.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dns/resolver.hpp"
#include "mailauth/arc/verify.hpp"
#include "mailauth/dkim/verify.hpp"
#include "mailauth/dmarc/evaluate.hpp"
#include "mailauth/spf/check_host.hpp"

namespace postino::mailauth::inbound {

inline constexpr size_t kMaxAuthorDomains = 4;         // RFC 9989 §11.5 "limiting the number"
inline constexpr size_t kMaxListedAuthorDomains = 64;  // distinct domains collected at most

struct InboundContext {
  dns::IpAddress client_ip;
  std::string helo;         // EHLO/HELO argument
  std::string mail_from;    // reverse-path without <>; "" for the null sender
  std::string authserv_id;  // RFC 8601 §2.5; also SPF's %{r}
  int64_t now = 0;          // unix seconds (SPF %{t}, DKIM x=)
};

struct SpfReport {
  spf::Outcome outcome;
  bool helo_identity = false;  // null sender: the HELO identity was checked
  std::string identity;        // the domain reported (smtp.mailfrom or smtp.helo)
};

// DMARC for one Author Domain.
struct AuthorResult {
  std::string domain;  // as extracted and normalised (A-labels, lower case)
  dmarc::Outcome outcome;
};

struct InboundResult {
  SpfReport spf;
  std::vector<dkim::SignatureResult> dkim;
  arc::Outcome arc;
  std::string client_ip;              // for arc's smtp.remote-ip
  std::vector<AuthorResult> authors;  // one per evaluated Author Domain
  size_t authors_skipped = 0;         // Author Domains past kMaxAuthorDomains
  // The DMARC verdict over all Author Domains, and the disposition the Domain
  // Owners ask for (after t=y), before local policy.
  dmarc::DmarcResult dmarc = dmarc::DmarcResult::none;
  dmarc::Disposition disposition = dmarc::Disposition::none;
  std::string dmarc_problem;  // why permerror / temperror, for the header and logs
  std::string header;         // the Authentication-Results field, ending in CRLF

  // True if a DMARC Policy Record applied to at least one Author Domain.
  bool dmarc_applied() const;
};

// The Author Domains of a message (RFC 9989 §5.3.1): every distinct domain of
// every mailbox in every From field, normalised to lower-case A-labels (a
// domain that is not a valid host name is kept lower-cased, and fails later).
// At most kMaxListedAuthorDomains are collected (memory and time stay bounded
// whatever a header holds).
// `from_fields` counts the From fields (RFC 5322 §3.6 allows exactly one).
struct AuthorDomains {
  std::vector<std::string> domains;
  size_t from_fields = 0;
};
AuthorDomains author_domains(std::string_view message);

boost::asio::awaitable<InboundResult> evaluate_inbound(dns::Resolver& resolver, InboundContext ctx,
                                                       std::string_view message);

// The Authentication-Results field for a result (what evaluate_inbound puts in
// InboundResult::header).
std::string render_header(const InboundResult& r, std::string_view authserv_id);

}  // namespace postino::mailauth::inbound
