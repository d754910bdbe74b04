// Endpoint: one "address:port" from the configuration (a listener or a DNS
// server), and the syntax checks for host names. Parsing is pure.
// Accepted forms: "1.2.3.4:25", "[::1]:143", "localhost:2525", "*:25" (all
// addresses). IPv6 literals must be bracketed. Thread rules: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace postino::config {

inline constexpr std::string_view kAnyHost = "*";
inline constexpr std::string_view kLocalhost = "localhost";
inline constexpr size_t kMaxHostnameLength = 253;  // RFC 1035 §2.3.4 (text form, no final dot)
inline constexpr size_t kMaxLabelLength = 63;      // RFC 1035 §2.3.4

struct Endpoint {
  std::string host;  // IP literal without brackets, "localhost" or "*"
  uint16_t port = 0;
  std::string text;  // canonical "host:port" / "[v6]:port", as written back in logs

  bool operator==(const Endpoint&) const = default;
};

struct EndpointRules {
  bool allow_names = true;               // "localhost" and "*" accepted
  std::optional<uint16_t> default_port;  // if set, ":port" may be omitted
};

// Parses "host:port"; the error message is the reason only (no file/key).
Result<Endpoint> parse_endpoint(std::string_view text, EndpointRules rules = {});

// True for an IPv4 or IPv6 literal (no brackets).
bool is_ip_literal(std::string_view host);

// RFC 1123 §2.1 host name: LDH labels of 1..63 octets, no leading or trailing
// hyphen, at most 253 octets in all.
bool is_valid_hostname(std::string_view name);

}  // namespace postino::config
