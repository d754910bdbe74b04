// DKIM verification (RFC 6376 §6, RFC 8301, RFC 8463): every DKIM-Signature of
// a message gets its own result with the d=/s= it names and a reason.
//  - rsa-sha1 signatures and RSA keys under 1024 bits give "policy" (RFC 8301
//    §3.1, §3.2) unless VerifyOptions relaxes that (legacy corpora only);
//  - l= is honoured as written but reported (body_length, unsigned_body_bytes),
//    so a caller can treat mail with appended unsigned text with suspicion;
//  - at most kMaxSignatures signatures are checked; the rest are ignored.
// Ownership: the Resolver is borrowed for the call. Thread rules: each call is
// an independent coroutine; no shared state.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dns/resolver.hpp"
#include "mailauth/dkim/records.hpp"

namespace postino::mailauth::dkim {

inline constexpr size_t kMaxSignatures = 8;
inline constexpr int kMinRsaBits = 1024;  // RFC 8301 §3.2

// RFC 8601 §2.7.1
enum class DkimResult { none, pass, fail, policy, neutral, temperror, permerror };

const char* result_name(DkimResult r);

struct VerifyOptions {
  int64_t now = 0;  // seconds since the epoch, for x= (0: do not check expiry)
  bool allow_rsa_sha1 = false;
  int min_rsa_bits = kMinRsaBits;
  SignatureOptions parse;
};

struct SignatureResult {
  DkimResult result = DkimResult::none;
  std::string domain;    // d=
  std::string selector;  // s=
  std::string identity;  // i= (or "@d")
  std::string algorithm;
  std::string b_prefix;                 // for Authentication-Results header.b (RFC 6008)
  std::string reason;                   // human-readable detail for anything but pass
  std::optional<uint64_t> body_length;  // l= when present
  uint64_t unsigned_body_bytes = 0;     // canonical body bytes beyond l=
  bool testing = false;                 // key has t=y
};

boost::asio::awaitable<std::vector<SignatureResult>> verify(dns::Resolver& resolver,
                                                            std::string_view message,
                                                            VerifyOptions opt = {});

}  // namespace postino::mailauth::dkim
