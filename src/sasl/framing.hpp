// Base64 framing of SASL exchanges as SMTP (RFC 4954 §4), IMAP (RFC 9051
// §6.2.2) and POP3 (RFC 5034) carry them. The protocol session owns the line;
// these helpers turn it into the bytes a Mechanism takes, and back.
// Thread rules: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace postino::sasl {

enum class ResponseKind { Data, Cancel };

struct ClientResponse {
  ResponseKind kind = ResponseKind::Data;
  std::string data;  // decoded bytes (Data only)
};

// Decodes one client response line (without CRLF). "*" cancels the exchange
// (RFC 4954 §4); "=" as an initial response means empty (RFC 4954 §4), and an
// empty line means empty in a continuation. Bad base64 is Errc::invalid.
Result<ClientResponse> decode_response(std::string_view line);

// Decodes an initial response argument: "=" is empty, otherwise base64.
Result<std::string> decode_initial_response(std::string_view arg);

// Encodes a challenge for "334 <base64>" / "+ <base64>". Empty stays empty.
std::string encode_challenge(std::string_view bytes);

// Encodes a client response; an empty initial response becomes "=".
std::string encode_initial_response(std::string_view bytes);

}  // namespace postino::sasl
