// RFC 2045 §5 / RFC 2183 structured MIME header values: Content-Type,
// Content-Disposition (type plus parameters), Content-Transfer-Encoding,
// Content-Language. Parameters are RFC 2231 decoded: continuations joined,
// charset'language' values converted to UTF-8.
// Thread rules: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace postino::mime {

// RFC 2045 §5.1 token character: no SPACE, CTLs or tspecials; 8-bit bytes
// are tolerated. RFC 8601's value grammar uses the same token.
bool is_token_char(char c);

inline constexpr size_t kMaxParams = 64;              // parameters kept per header value
inline constexpr size_t kMaxParamContinuations = 64;  // RFC 2231 sections joined per parameter

struct Param {
  std::string name;   // lowercased, without RFC 2231 "*n" / "*" markers
  std::string value;  // unquoted; RFC 2231 values decoded to UTF-8
};
using ParamList = std::vector<Param>;

// Case-insensitive lookup; nullptr if absent.
const std::string* find_param(const ParamList& params, std::string_view name);

struct ContentType {
  std::string type;     // lowercased
  std::string subtype;  // lowercased
  ParamList params;
};

// RFC 2045 §5.1 "type/subtype *(; param)"; nullopt if type or subtype is missing
// or not a token (callers then fall back to text/plain, RFC 2045 §5.2).
std::optional<ContentType> parse_content_type(std::string_view value);

struct Disposition {
  std::string type;  // lowercased: "inline", "attachment", ...
  ParamList params;
};
// RFC 2183 §2; nullopt if there is no disposition token.
std::optional<Disposition> parse_disposition(std::string_view value);

// RFC 2045 §6.1 mechanism token, lowercased; empty if absent or malformed.
std::string parse_transfer_encoding(std::string_view value);

// RFC 3282 §2 comma-separated language tags (comments dropped).
std::vector<std::string> parse_language_list(std::string_view value);

// Parses "; attr=value ..." (starting at `value`), joining RFC 2231 sections.
ParamList parse_params(std::string_view value);

}  // namespace postino::mime
