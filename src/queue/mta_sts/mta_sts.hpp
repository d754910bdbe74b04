// MTA-STS (RFC 8461) for outbound delivery: discovering a recipient domain's
// policy and caching it.
//
//  - parse_mta_sts_txt() / parse_mta_sts_policy() are the pure parsers of the
//    "_mta-sts" TXT record (§3.1) and of the policy file (§3.2); they take
//    bytes and give values or a reason (fuzz/mta_sts). format_mta_sts_policy()
//    and mta_sts_policy_id() write what `postino dns DOMAIN` publishes.
//  - MtaStsCache::policy(domain) runs discovery (§3, §5.1): the TXT record
//    through dns::Resolver, then, when its id differs from the cached policy's
//    or the cached policy has expired, an HTTPS GET of
//    https://mta-sts.DOMAIN/.well-known/mta-sts.txt (§3.3: certificate valid
//    for mta-sts.DOMAIN and chaining to a trusted CA, status 200 only, no
//    redirects, text/plain, at most kMaxPolicyBytes, a timeout). Any failure
//    falls back to the cached, non-expired policy, or to mode none (deliver as
//    if the domain had no policy). A failed fetch is not retried for the same
//    id within kFetchRetryDelay (§3.3).
//
// Ownership: the cache borrows the Resolver (it must outlive the cache) and
// owns its entries (at most kMaxCachedDomains; the oldest go first).
// Thread rules: policy() may run concurrently from coroutines on any threads;
// a mutex guards the entries and is never held across co_await.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "dns/resolver.hpp"

namespace postino::queue {

inline constexpr size_t kMaxPolicyBytes = 64 * 1024;  // RFC 8461 §3.3 suggestion
inline constexpr uint64_t kMaxPolicyAge = 31557600;   // RFC 8461 §3.2 max_age ceiling
inline constexpr size_t kMaxPolicyMx = 256;           // mx lines kept from one policy
inline constexpr int64_t kFetchRetryDelay = 300;      // seconds; RFC 8461 §3.3
inline constexpr size_t kMaxCachedDomains = 10000;
inline constexpr std::string_view kPolicyPath = "/.well-known/mta-sts.txt";  // RFC 8461 §3.2

struct MtaStsPolicy {
  enum Mode { none, testing, enforce } mode = none;
  // Patterns as published, lower-case: "mx.example.com", "*.example.net".
  std::vector<std::string> mx;
  uint64_t max_age = 0;  // seconds

  // RFC 8461 §4.1: true if `host` (an MX host name) matches one of the
  // patterns; "*." matches exactly one whole left-most label.
  bool matches_mx(std::string_view host) const;
};

const char* mta_sts_mode_name(MtaStsPolicy::Mode m);

// RFC 8461 §3.1: the id of a "_mta-sts" TXT record ("v=STSv1; id=...;").
// Errors (Errc::invalid): not starting with v=STSv1, no id, a malformed field.
Result<std::string> parse_mta_sts_txt(std::string_view txt);

// RFC 8461 §3.2: a policy file. version, mode and max_age are required (the
// first of each counts; unknown fields are ignored); at least one mx is
// required unless the mode is none. LF or CRLF line ends.
// Errors (Errc::invalid) name the offending line.
Result<MtaStsPolicy> parse_mta_sts_policy(std::string_view body);

// The policy file (§3.2) for `p`, CRLF line ends, for publishing our own.
std::string format_mta_sts_policy(const MtaStsPolicy& p);
// A policy id (§3.1) derived from the policy text: 20 hex digits of its
// SHA-256, so the id changes exactly when the published policy changes.
std::string mta_sts_policy_id(std::string_view policy_text);

class MtaStsCache {
 public:
  struct Options {
    uint16_t port = 443;           // HTTPS port of the policy host (tests only change it)
    std::string ca_file;           // extra trusted CA bundle (PEM); the system store is always used
    int64_t timeout_seconds = 60;  // whole fetch: connect, TLS, request, response (§3.3)
    // Seconds since the epoch; injectable so tests can move time.
    std::function<int64_t()> now;
  };

  MtaStsCache(dns::Resolver& resolver, Options opts);

  // The policy to apply to mail for `domain` (mode none when there is none).
  // Never fails; problems are logged.
  boost::asio::awaitable<MtaStsPolicy> policy(std::string domain);

  // Fetches https://mta-sts.DOMAIN/.well-known/mta-sts.txt (no cache, no TXT
  // look-up) and returns the body. Errors: DNS, connect, TLS or certificate
  // failure, non-200 status, wrong media type, too large, timeout.
  boost::asio::awaitable<Result<std::string>> fetch(std::string domain);

 private:
  struct Entry {
    std::string id;
    MtaStsPolicy policy;
    int64_t fetched_at = 0;
    std::string failed_id;  // the id whose fetch last failed, and when
    int64_t failed_at = 0;
  };
  int64_t now() const;
  bool fresh(const Entry& e, int64_t t) const;
  MtaStsPolicy cached(const std::string& domain, int64_t t);

  dns::Resolver& resolver_;
  Options opts_;
  std::mutex mu_;
  std::map<std::string, Entry> entries_;
};

}  // namespace postino::queue
