// The ARC Sets of one message (RFC 8617 §4.2) and the data each ARC signature
// is computed over. Used by the validator (verify.hpp) and the sealer.
//  - collect_chain() is §5.2 steps 1-3: it parses every ARC header field,
//    groups them by instance, and checks the structure: exactly one AAR, AMS
//    and AS per instance (§4.2.1), instances 1..N without gaps, at most 50
//    sets, cv=none at i=1 and cv=pass above (§5.2 step 3C); the highest
//    instance carrying cv=fail fails the chain first (step 2).
//  - ams_hash_input() is the RFC 6376 §3.7 header hash input of an AMS.
//  - seal_hash_input() is the §5.1.1 input of an AS: AAR, AMS, AS of every set
//    in increasing instance order, relaxed (§4.1.3), the last AS with its b=
//    emptied and without its trailing CRLF (RFC 6376 §3.7).
// Ownership: an ArcSet points into the header list it was collected from;
// that list must outlive it. Thread rules: pure functions and plain values.
#pragma once

#include <string>
#include <vector>

#include "base/result.hpp"
#include "mailauth/arc/headers.hpp"
#include "mailauth/dkim/canon.hpp"

namespace postino::mailauth::arc {

struct ArcSet {
  const dkim::HeaderField* aar_field = nullptr;
  const dkim::HeaderField* ams_field = nullptr;
  const dkim::HeaderField* seal_field = nullptr;
  AuthResults aar;
  MessageSignature ams;
  Seal seal;
};

struct Chain {
  std::vector<ArcSet> sets;    // sets[i - 1] is instance i
  int highest = 0;             // N: the highest instance seen, even on error
  size_t field_count = 0;      // ARC header fields seen
  bool newest_failed = false;  // the AS of instance N says cv=fail (§5.2 step 2)
};

// §5.2 steps 1-3. An empty chain (no ARC header field) is not an error; any
// other problem is, with a reason, and `out` keeps what was seen.
Status collect_chain(const std::vector<dkim::HeaderField>& headers, Chain& out);

std::string ams_hash_input(const dkim::SplitMessage& msg, const dkim::HeaderField& ams_field,
                           const MessageSignature& ams);

// `fields`: AAR(1), AMS(1), AS(1), ..., AAR(i), AMS(i), AS(i); the last one is
// the seal being checked or made.
std::string seal_hash_input(const std::vector<const dkim::HeaderField*>& fields);

// The `fields` list above for instance `i` of a collected chain.
std::vector<const dkim::HeaderField*> seal_fields(const Chain& chain, size_t i);

}  // namespace postino::mailauth::arc
