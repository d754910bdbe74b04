// DMARC evaluation (RFC 9989 §4.10, §5.3): policy discovery by the DNS Tree
// Walk, Organizational Domains without a public suffix list, relaxed/strict
// Identifier Alignment, and the resulting pass/fail and disposition.
// Inputs are the already-computed SPF and DKIM results (so this library does
// not depend on spf/ or dkim/); the caller decides what to do with a
// temperror (fail open or 451; RFC 9989 §4.10.1 leaves it to the receiver).
// Ownership: the Resolver is borrowed for the call. Thread rules: each call is
// an independent coroutine; no shared state.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>
#include <vector>

#include "dns/resolver.hpp"
#include "mailauth/dmarc/record.hpp"

namespace postino::mailauth::dmarc {

// RFC 9989 §4.10: a Tree Walk makes at most 8 queries.
inline constexpr size_t kMaxTreeWalkQueries = 8;
inline constexpr size_t kTreeWalkShortenTo = 7;
inline constexpr size_t kMaxDkimIdentifiers = 8;

// One valid record met during a Tree Walk.
struct Found {
  std::string domain;
  Record record;
};

// The records of a Tree Walk, longest name first; Errc::unavailable on a DNS
// temporary failure.
boost::asio::awaitable<Result<std::vector<Found>>> tree_walk(dns::Resolver& resolver,
                                                             std::string start,
                                                             bool query_start = true);

// RFC 9989 §4.10.2 selection of the Organizational Domain from a walk from `start`.
std::string organizational_domain(const std::string& start, const std::vector<Found>& walk);

enum class DmarcResult { none, pass, fail, temperror, permerror };
enum class Disposition { none, quarantine, reject };

const char* result_name(DmarcResult r);
const char* disposition_name(Disposition d);

struct Input {
  std::string author_domain;                   // RFC5322.From domain
  std::optional<std::string> spf_pass_domain;  // MAIL FROM (or HELO) domain if SPF passed
  std::vector<std::string> dkim_pass_domains;  // d= of every DKIM pass
};

struct Outcome {
  DmarcResult result = DmarcResult::none;
  Disposition disposition = Disposition::none;
  std::string policy_domain;  // where the applied record was found
  std::string org_domain;     // the Author Domain's Organizational Domain
  std::optional<Record> record;
  Policy policy = Policy::none;  // p, sp or np as applied (before t=y)
  bool spf_aligned = false;
  bool dkim_aligned = false;
  std::string reason;
};

boost::asio::awaitable<Outcome> evaluate(dns::Resolver& resolver, Input in);

}  // namespace postino::mailauth::dmarc
