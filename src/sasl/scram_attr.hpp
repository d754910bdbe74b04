// SCRAM message grammar helpers (RFC 5802 §5, §7): attribute lists, saslname
// escaping (=2C / =3D) and nonce validation. Strict: any deviation from the
// ABNF is an error value.
// Thread rules: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace postino::sasl {

struct ScramAttr {
  char name = 0;
  std::string_view value;
};

// Splits "a=v,b=w" into attributes; each must be one ALPHA, '=', value.
// Errc::invalid on an empty element or a malformed attribute.
Result<std::vector<ScramAttr>> split_scram_attrs(std::string_view msg);

// saslname decoding (RFC 5802 §5.1): "=2C" -> ',', "=3D" -> '='; any other
// '=' or a raw ',' is an error; the result must be non-empty UTF-8 without
// control characters.
Result<std::string> decode_saslname(std::string_view s);
std::string encode_saslname(std::string_view s);

// RFC 5802 §7: printable = %x21-2B / %x2D-7E (no ',').
bool valid_scram_nonce(std::string_view s);

}  // namespace postino::sasl
