// ARC sealing (RFC 8617 §5.1): adds an ARC Set to a message that this ADMD
// forwards. The caller validates the chain first (verify.hpp) and passes the
// Chain Validation Status it found; seal() then
//  - refuses a message whose newest ARC-Seal already says cv=fail (§5.1 step 2)
//    or whose chain has 50 sets (§4.2.1);
//  - takes instance N+1 (§5.1 step 3);
//  - writes the ARC-Authentication-Results from the message's Authentication-
//    Results fields of our authserv-id, their results combined in order
//    (§4.1.1: one AAR holds all results of the ADMD), or "none" without any
//    (RFC 8601 §2.2 no-result);
//  - signs the AMS like a DKIM signature (relaxed/relaxed, rsa-sha256) over
//    the given header fields, which must not name ARC fields (§4.1.2);
//  - signs the AS over every set in instance order (§5.1.1), or over the new
//    set alone when the chain failed (§5.1.2).
// Tags are written in alphabetical order with one space after each ';' and
// no whitespace inside values, the form of the ARC test suite's signing cases.
// The result is the three fields, each ending in CRLF, to put on top of the
// message in the order returned (ARC-Seal first).
// Ownership: the key is borrowed. Thread rules: pure; see dkim/sign.hpp for keys.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "mailauth/arc/verify.hpp"
#include "mailauth/dkim/crypto.hpp"

namespace postino::mailauth::arc {

struct SealOptions {
  std::string domain;       // d=
  std::string selector;     // s=
  std::string authserv_id;  // our Authentication-Results authserv-id (RFC 8601 §2.5)
  // AMS h=; empty: the DKIM default set (dkim::default_signed_headers()) of
  // the names present in the message, and every DKIM-Signature (§4.1.2).
  std::vector<std::string> headers;
  int64_t timestamp = 0;  // t= on both signatures (0: omitted)
};

// `cv` is the status verify() gave for the message as it arrived.
// Errors: Errc::exists when the chain already failed at an earlier hop (no set
// is added), Errc::limit at 50 sets, Errc::invalid for bad options (an ARC
// field in headers, no From field, an Ed25519 key, a cv that contradicts the
// ARC header fields present), or a crypto failure.
Result<std::string> seal(std::string_view message, const dkim::PrivateKey& key, ArcResult cv,
                         const SealOptions& opt);

// The combined results of the Authentication-Results fields whose authserv-id
// is `authserv_id`, in message order (top first), each result with its
// whitespace folded to single spaces. Exposed for tests.
std::vector<std::string> collect_results(std::string_view message, std::string_view authserv_id);

}  // namespace postino::mailauth::arc
