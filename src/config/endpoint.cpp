#include "config/endpoint.hpp"

#include <arpa/inet.h>

#include "base/strings.hpp"

namespace postino::config {
namespace {

inline constexpr uint64_t kMaxPort = 65535;

Error bad(std::string msg) { return make_error(Errc::invalid, std::move(msg)); }

}  // namespace

bool is_ip_literal(std::string_view host) {
  if (host.empty() || host.size() > INET6_ADDRSTRLEN) return false;
  std::string s(host);
  unsigned char buf[sizeof(in6_addr)];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

bool is_valid_hostname(std::string_view name) {
  if (name.empty() || name.size() > kMaxHostnameLength) return false;
  for (auto label : split(name, '.')) {
    if (label.empty() || label.size() > kMaxLabelLength) return false;
    if (label.front() == '-' || label.back() == '-') return false;
    for (char c : label) {
      bool ok =
          (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
      if (!ok) return false;
    }
  }
  return true;
}

Result<Endpoint> parse_endpoint(std::string_view text, EndpointRules rules) {
  if (text.empty()) return bad("empty address");
  std::string_view host;
  std::string_view port_text;
  bool bracketed = false;
  if (text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos) return bad("missing ']' after IPv6 address");
    host = text.substr(1, close - 1);
    bracketed = true;
    auto rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return bad("expected ':port' after ']'");
      port_text = rest.substr(1);
      if (port_text.empty()) return bad("missing port");
    }
  } else {
    auto colon = text.rfind(':');
    if (colon != std::string_view::npos && text.find(':') != colon)
      return bad("IPv6 address must be written in brackets, e.g. [::1]:143");
    if (colon == std::string_view::npos) {
      host = text;
    } else {
      host = text.substr(0, colon);
      port_text = text.substr(colon + 1);
      if (port_text.empty()) return bad("missing port");
    }
  }
  if (host.empty()) return bad("missing host");

  Endpoint ep;
  if (bracketed) {
    std::string h(host);
    unsigned char buf[sizeof(in6_addr)];
    if (inet_pton(AF_INET6, h.c_str(), buf) != 1) return bad("'" + h + "' is not an IPv6 address");
  } else if (host == kAnyHost || host == kLocalhost) {
    if (!rules.allow_names) return bad("host must be an IP address");
  } else {
    std::string h(host);
    unsigned char buf[sizeof(in_addr)];
    if (inet_pton(AF_INET, h.c_str(), buf) != 1)
      return bad(rules.allow_names
                     ? "host '" + h + "' must be an IP address, \"localhost\" or \"*\""
                     : "host '" + h + "' must be an IP address");
  }
  ep.host = std::string(host);

  if (port_text.empty()) {
    if (!rules.default_port) return bad("missing ':port'");
    ep.port = *rules.default_port;
  } else {
    auto p = parse_u64(port_text);
    if (!p) return bad("port '" + std::string(port_text) + "' is not a number");
    if (*p < 1 || *p > kMaxPort) return bad("port " + std::to_string(*p) + " is not in 1-65535");
    ep.port = static_cast<uint16_t>(*p);
  }
  ep.text = (bracketed ? "[" + ep.host + "]" : ep.host) + ":" + std::to_string(ep.port);
  return ep;
}

}  // namespace postino::config
