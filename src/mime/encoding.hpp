// Content decoding for MIME: RFC 2047 encoded-words in headers, RFC 2231
// parameter values, charset conversion to UTF-8, and lenient
// quoted-printable / base64 body decoding (IMAP BINARY[], SEARCH).
// All functions are total: malformed input is kept or replaced, never an error.
// Thread rules: pure functions; iconv descriptors are opened per call.
#pragma once

#include <string>
#include <string_view>

namespace postino::mime {

// Converts `bytes` in `charset` to UTF-8. us-ascii / utf-8 / an unknown
// charset keep the bytes and replace invalid UTF-8 sequences with U+FFFD;
// known charsets go through iconv, invalid input becomes U+FFFD.
std::string to_utf8(std::string_view bytes, std::string_view charset);

// Replaces every invalid UTF-8 sequence (overlong, surrogate, truncated) with U+FFFD.
std::string sanitize_utf8(std::string_view bytes);
bool is_valid_utf8(std::string_view bytes);

// RFC 2047 §6: decodes encoded-words ("=?cs?B?..?=" / "=?cs?Q?..?=") to UTF-8.
// Whitespace between adjacent encoded-words is dropped (§6.2); a malformed
// word is left as written; other text is kept (invalid UTF-8 replaced).
std::string decode_encoded_words(std::string_view text);

// "%XX" escapes decoded; a '%' not followed by two hex digits is kept.
std::string percent_decode(std::string_view value);

// Unfolds a raw header value and decodes its encoded-words: what a person reads.
std::string decode_header_value(std::string_view raw_value);

// RFC 2231 §4: decodes "%XX" escapes of an extended parameter value. When
// `with_charset` the value starts with "charset'language'", and the result is
// converted from that charset to UTF-8.
std::string decode_rfc2231_value(std::string_view value, bool with_charset);

// RFC 2045 §6.7, lenient: soft line breaks removed, "=XX" decoded (either
// case), a stray '=' kept, trailing whitespace before a line break dropped.
std::string decode_quoted_printable(std::string_view body);

// RFC 2045 §6.8, lenient: characters outside the alphabet are skipped,
// decoding stops at padding, a final partial quantum yields its whole bytes.
std::string decode_base64(std::string_view body);

// Decodes a body by its (lowercased) Content-Transfer-Encoding; 7bit, 8bit,
// binary and anything unknown return the bytes unchanged.
std::string decode_transfer_encoding(std::string_view body, std::string_view encoding);

}  // namespace postino::mime
