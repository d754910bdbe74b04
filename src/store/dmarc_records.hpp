// What the store keeps, per inbound message evaluated under a DMARC Policy
// Record, for the aggregate reports of RFC 9990 (§2.1 and the XML schema of
// Appendix A): the row (source IP, what was done), the identifiers
// (header_from, envelope_from, envelope_to), the policy published at the
// policy domain, and the underlying SPF and DKIM results. One record per
// message and Author Domain; a report generator groups them later by policy
// domain and time range.
// Thread rules: plain values.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace postino::store {

struct DmarcReportRecord {
  int64_t id = 0;            // assigned by the store
  int64_t evaluated_at = 0;  // unix seconds
  // RowType
  std::string source_ip;
  std::string disposition;       // ActionDispositionType: none | pass | quarantine | reject
  std::string dkim_aligned;      // DMARCResultType: pass | fail
  std::string spf_aligned;       // pass | fail
  std::string override_reason;   // PolicyOverrideType, "" when the policy was followed
  std::string override_comment;  // free text, may be ""
  // IdentifierType
  std::string header_from;    // the Author Domain
  std::string envelope_from;  // RFC5321.MailFrom domain ("" for the null sender)
  std::string envelope_to;    // a recipient domain, may be ""
  // PolicyPublishedType, at policy_domain
  std::string policy_domain;
  std::string p, sp, np;  // none | quarantine | reject; "" when not published
  std::string adkim = "r", aspf = "r";
  bool testing = false;  // t=y
  std::string fo;
  std::string rua;  // the record's rua URIs, space-separated
  // AuthResultType
  struct Dkim {
    std::string domain;
    std::string selector;
    std::string result;  // DKIMResultType: none pass fail policy neutral temperror permerror
    bool operator==(const Dkim&) const = default;
  };
  std::vector<Dkim> dkim;
  std::string spf_domain;
  std::string spf_scope;   // SPFDomainScope: mfrom (or helo for the null sender)
  std::string spf_result;  // SPFResultType

  bool operator==(const DmarcReportRecord&) const = default;
};

}  // namespace postino::store
