// ARC header fields (RFC 8617 §4.1) parsed into values: ARC-Authentication-
// Results (AAR, §4.1.1), ARC-Message-Signature (AMS, §4.1.2) and ARC-Seal (AS,
// §4.1.3). Pure: text in, values out; no DNS, no crypto. The tag lists are read
// with the DKIM tag-list parser (RFC 6376 §3.2), so duplicate tags, bad tag
// names and stray semicolons are errors; unknown tags are ignored (RFC 6376
// §3.2), except h= in an ARC-Seal (§4.1.3: "MUST result in a cv status of fail").
// An AMS whose h= names ARC-Seal is refused: §4.1.2 keeps ARC header fields
// out of the AMS, and the seal of the AMS's own set does not exist when the
// AMS is made, so bottom-up selection (RFC 6376 §5.4.2) would sign an older
// set's seal instead. ARC-Authentication-Results and ARC-Message-Signature in
// h= are tolerated, as deployed sealers sign the AAR of their own set.
// Instance values are 1..50 (§4.2.1); anything else is an error.
// Only rsa-sha256 is accepted as a= (RFC 8301 §3.1 rules out rsa-sha1; ARC
// sets for other algorithms are left to [ARC-MULTI], which RFC 8617 does not
// define).
// Thread rules: pure functions and plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "mailauth/dkim/records.hpp"

namespace postino::mailauth::arc {

inline constexpr int kMaxInstance = 50;  // RFC 8617 §4.2.1

// RFC 8617 §4.4 Chain Validation Status, as written in cv= (§3.9 chain-status).
enum class ChainStatus { none, pass, fail };

const char* chain_status_name(ChainStatus s);

enum class FieldKind { aar, ams, seal };

inline constexpr std::string_view kAarName = "ARC-Authentication-Results";
inline constexpr std::string_view kAmsName = "ARC-Message-Signature";
inline constexpr std::string_view kSealName = "ARC-Seal";

// The kind of an ARC header field by its name (case-insensitive), if it is one.
std::optional<FieldKind> field_kind(std::string_view header_name);

// RFC 8617 §3.9 position = 1*2DIGIT, 1..50. `text` may carry FWS around it.
Result<int> parse_instance(std::string_view text);

// RFC 8617 §4.1.1: arc-info = instance [CFWS] ";" authres-payload.
struct AuthResults {
  int instance = 0;
  std::string authserv_id;  // the first token of the payload (RFC 8601 §2.2)
  std::string payload;      // authres-payload as written, trimmed
};

// Parses the value of an AAR header field (everything after the colon). The
// instance tag must come first. The payload is only checked for a non-empty
// authserv-id; it is evidence for people and policy, not for validation.
Result<AuthResults> parse_aar(std::string_view value);

// RFC 8617 §4.1.2: the DKIM-Signature tags (RFC 6376 §3.5) with i= as the
// instance and no v= (ignored if present).
struct MessageSignature {
  int instance = 0;
  dkim::Algorithm algorithm = dkim::Algorithm::rsa_sha256;
  std::string signature;                           // b=, decoded
  std::string body_hash;                           // bh=, decoded
  dkim::Canon header_canon = dkim::Canon::simple;  // RFC 6376 §3.5 c= default
  dkim::Canon body_canon = dkim::Canon::simple;
  std::string domain;                       // d=
  std::string selector;                     // s=
  std::vector<std::string> signed_headers;  // h=, empty names dropped
  std::optional<uint64_t> timestamp;        // t=
};

// Parses the value of an AMS header field (everything after the colon).
Result<MessageSignature> parse_ams(std::string_view value);

// RFC 8617 §4.1.3: i, a, b, d, s, t and cv; no bh, no c (relaxed only), no h.
struct Seal {
  int instance = 0;
  dkim::Algorithm algorithm = dkim::Algorithm::rsa_sha256;
  std::string signature;  // b=, decoded
  ChainStatus cv = ChainStatus::none;
  std::string domain;                 // d=
  std::string selector;               // s=
  std::optional<uint64_t> timestamp;  // t=
};

// Parses the value of an AS header field (everything after the colon).
Result<Seal> parse_seal(std::string_view value);

}  // namespace postino::mailauth::arc
