// DKIM signing (RFC 6376 §5): rsa-sha256 or ed25519-sha256 (RFC 8463), relaxed/
// relaxed canonicalization by default. Produces the complete DKIM-Signature
// header field (folded, ending in CRLF) to prepend to the message.
// Ownership: the key is borrowed. Thread rules: pure; a PrivateKey may be used
// by several threads at once (OpenSSL keys are read-only here).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "mailauth/dkim/crypto.hpp"

namespace postino::mailauth::dkim {

struct SignOptions {
  std::string domain;    // d=
  std::string selector;  // s=
  std::string identity;  // i= (optional)
  Canon header_canon = Canon::relaxed;
  Canon body_canon = Canon::relaxed;
  // h=; empty: the default set below, each name listed once per field present
  // plus once more, so that added fields break the signature (RFC 6376 §8.15).
  std::vector<std::string> headers;
  int64_t timestamp = 0;              // t= (0: omitted)
  std::optional<int64_t> expiration;  // x=
};

// The header fields signed by default (RFC 6376 §5.4.1 recommendations).
const std::vector<std::string>& default_signed_headers();

// Signs `message`; the algorithm follows the key type (RSA → rsa-sha256).
// Errors: no From field (RFC 6376 §5.4), or a crypto failure.
Result<std::string> sign(std::string_view message, const PrivateKey& key, const SignOptions& opt);

}  // namespace postino::mailauth::dkim
