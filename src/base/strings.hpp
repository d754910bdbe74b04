// Small string helpers shared by every module. ASCII-only case folding:
// protocol keywords are ASCII; anything else is compared byte for byte.
// Thread rules: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace postino {

inline char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; }
inline char ascii_upper(char c) { return (c >= 'a' && c <= 'z') ? char(c - 'a' + 'A') : c; }

std::string to_lower(std::string_view s);
std::string to_upper(std::string_view s);
bool iequals(std::string_view a, std::string_view b);
bool istarts_with(std::string_view s, std::string_view prefix);
std::string_view trim(std::string_view s);  // spaces, tabs, CR, LF
std::vector<std::string_view> split(std::string_view s, char sep);
// Parses a whole string of decimal digits; nullopt on anything else or overflow.
std::optional<uint64_t> parse_u64(std::string_view s);
// Random bytes from the OS (getrandom); used for ids, salts, demo passwords.
std::string random_bytes(size_t n);
std::string random_token(size_t n);  // n characters of [A-Za-z0-9]
std::string hex_encode(std::string_view bytes);
std::string base64_encode(std::string_view bytes);
std::optional<std::string> base64_decode(std::string_view text);  // strict; nullopt on bad input

}  // namespace postino
