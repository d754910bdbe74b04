// SPF macro strings (RFC 7208 §7): syntax check and expansion. Pure: the values
// of every macro letter come in a MacroContext; the caller resolves %{p} (the
// validated host name, which needs DNS) beforehand when uses_p() says so.
// Thread rules: pure functions and plain values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "dns/resolver.hpp"

namespace postino::mailauth::spf {

struct MacroContext {
  std::string sender;         // s: full <sender> (local-part@domain)
  std::string local_part;     // l
  std::string sender_domain;  // o
  std::string domain;         // d: the current <domain>
  dns::IpAddress ip;          // i, c, v
  std::string validated;      // p (resolved by the caller; "unknown" if none)
  std::string helo;           // h
  std::string receiver;       // r (explanations only)
  int64_t now = 0;            // t (explanations only), seconds since the epoch
};

enum class MacroUse {
  domain_spec,  // RFC 7208 §7.1 domain-spec: macro-string + domain-end, no c/r/t
  plain,        // macro-string (unknown modifier values), no c/r/t
  explanation,  // explain-string: spaces allowed, c/r/t allowed (RFC 7208 §7.1, §6.2)
};

// Checks the syntax of `spec` for the given use.
Status check_macro_string(std::string_view spec, MacroUse use);

// True if `spec` contains a %{p} macro (either case).
bool uses_p(std::string_view spec);

// Expands `spec` (which must pass check_macro_string). For domain_spec use, a result
// over 253 octets is shortened by removing labels from the left (RFC 7208 §7.3).
Result<std::string> expand(std::string_view spec, const MacroContext& ctx, MacroUse use);

}  // namespace postino::mailauth::spf
