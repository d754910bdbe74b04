// ARC chain validation (RFC 8617 §5.2): collects the ARC Sets of a message,
// checks their structure, validates the most recent ARC-Message-Signature and
// every ARC-Seal, and reports the Chain Validation Status (§4.4):
//  - none: the message carries no ARC header field at all;
//  - pass: the chain is complete and every check below passed;
//  - fail: anything else. All errors are permanent (§5.2.1), DNS failures
//    included, and the reason says which check failed.
// Signatures use the DKIM machinery (RFC 6376 canonicalization, key records
// at selector._domainkey.domain, RFC 8301 key-size floor); an ARC-Seal is
// hashed with relaxed header canonicalization over AAR, AMS, AS of each set in
// increasing instance order (§4.1.3, §5.1.1).
// Outcome::oldest_pass is §5.2 step 5: 0 when every AMS validates, else the
// lowest instance M+1 above the newest AMS M that does not; it is only
// meaningful for a passing chain.
// Ownership: the Resolver is borrowed for the call. Thread rules: each call is
// an independent coroutine; no shared state.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <string>
#include <string_view>

#include "dns/resolver.hpp"

namespace postino::mailauth::arc {

inline constexpr int kMinRsaBits = 1024;  // RFC 8301 §3.2

enum class ArcResult { none, pass, fail };

const char* result_name(ArcResult r);  // "none", "pass", "fail"

struct VerifyOptions {
  int min_rsa_bits = kMinRsaBits;
  // §5.2 step 5 is optional: it costs one key look-up and one signature check
  // per older AMS.
  bool find_oldest_pass = true;
};

struct Outcome {
  ArcResult result = ArcResult::none;
  std::string reason;    // why the chain failed (empty for pass and none)
  int chain_length = 0;  // N, the highest instance seen (0 for none)
  int oldest_pass = 0;   // §5.2 step 5; see above
};

boost::asio::awaitable<Outcome> verify(dns::Resolver& resolver, std::string_view message,
                                       VerifyOptions opt = {});

}  // namespace postino::mailauth::arc
