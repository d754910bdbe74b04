// DKIM-Signature header fields (RFC 6376 §3.5) and DKIM key records (RFC 6376
// §3.6.1, RFC 8463 §4 for k=ed25519) parsed into values. Pure: no DNS, no crypto.
// Parse errors carry a reason; the verifier reports them as permerror.
// Thread rules: pure functions and plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace postino::mailauth::dkim {

enum class Algorithm { rsa_sha1, rsa_sha256, ed25519_sha256 };
enum class Canon { simple, relaxed };
enum class KeyType { rsa, ed25519 };

const char* algorithm_name(Algorithm a);

struct SignatureOptions {
  // Pre-RFC 4871 drafts (ietf-01..05): v= may be absent or "0.5", q=dns is accepted.
  // Off by default; RFC 6376 §3.5 makes v=1 required.
  bool accept_draft_signatures = false;
};

struct Signature {
  Algorithm algorithm = Algorithm::rsa_sha256;
  std::string signature;  // b=, decoded
  std::string body_hash;  // bh=, decoded
  Canon header_canon = Canon::simple;
  Canon body_canon = Canon::simple;
  std::string domain;                       // d=, as written
  std::string selector;                     // s=
  std::string identity;                     // i=, decoded; "@" + d when absent (RFC 6376 §3.5)
  std::vector<std::string> signed_headers;  // h=, as written
  std::optional<uint64_t> body_length;      // l=
  std::optional<uint64_t> timestamp;        // t=
  std::optional<uint64_t> expiration;       // x=
  std::string b_prefix;                     // the first characters of b= as written
};

// Parses the value of a DKIM-Signature header field (everything after the colon).
// RFC 6376 §3.5 c= value "header[/body]" (body defaults to simple); the
// caller decides about case. Errc::invalid for an unknown algorithm.
struct Canonicalization {
  Canon header = Canon::simple;
  Canon body = Canon::simple;
};
Result<Canonicalization> parse_canonicalization(std::string_view value);

Result<Signature> parse_signature(std::string_view value, const SignatureOptions& opt = {});

struct KeyRecord {
  KeyType type = KeyType::rsa;
  std::string public_key;                  // p=, decoded; empty: the key is revoked
  std::vector<std::string> hashes;         // h=; empty: any
  std::vector<std::string> services;       // s=; default {"*"}
  bool testing = false;                    // t=y
  bool strict_identity = false;            // t=s: i= domain must equal d=
  std::optional<std::string> granularity;  // g= (RFC 4871 §3.6.1; dropped by RFC 6376)
};

// Parses a key TXT record (its strings already concatenated).
Result<KeyRecord> parse_key_record(std::string_view txt);

// Decodes dkim-quoted-printable (RFC 6376 §2.11), as used in i= and z=.
Result<std::string> decode_dkim_qp(std::string_view v);

}  // namespace postino::mailauth::dkim
