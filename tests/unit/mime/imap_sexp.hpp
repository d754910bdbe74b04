// Test helper: a small reader for IMAP response data (NIL, numbers, quoted
// strings, literals, parenthesised lists) and a checker of the RFC 9051 §9
// `body` and `envelope` grammar, used to validate generated strings.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mimetest {

struct Sexp {
  enum Kind { nil, number, string, list } kind = nil;
  std::string text;  // number digits or string contents
  std::vector<Sexp> items;
};

// Parses exactly one value spanning all of `s`; nullopt on any syntax error.
std::optional<Sexp> parse_sexp(std::string_view s);

// Empty on success, else a description of the first grammar violation.
std::string check_body(const Sexp& body, bool extensible);
std::string check_envelope(const Sexp& env);

}  // namespace mimetest
