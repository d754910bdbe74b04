// SPF record parser (RFC 7208 §4.5, §4.6, §5, §6, §12 ABNF). Pure: text in,
// Record out; no DNS. A record that is not exactly valid yields an Error whose
// message says which term is wrong; check_host() turns that into "permerror"
// (RFC 7208 §4.6: a syntax error anywhere → permerror before any evaluation).
// Domain-specs are kept unexpanded; macro.hpp checks and expands them.
// Thread rules: pure functions and plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "dns/resolver.hpp"

namespace postino::mailauth::spf {

// RFC 7208 §4.6.2
enum class Qualifier : char { pass = '+', fail = '-', softfail = '~', neutral = '?' };

// RFC 7208 §5
enum class MechanismKind { all, include, a, mx, ptr, ip4, ip6, exists };

const char* mechanism_name(MechanismKind k);

inline constexpr int kMaxIp4Prefix = 32;
inline constexpr int kMaxIp6Prefix = 128;
// A record longer than this is refused before parsing (a TXT record set is
// bounded by the DNS message size anyway; RFC 7208 §3.4).
inline constexpr size_t kMaxRecordLength = 4096;
inline constexpr size_t kMaxTerms = 256;

struct Mechanism {
  Qualifier qualifier = Qualifier::pass;
  MechanismKind kind = MechanismKind::all;
  std::string domain_spec;      // include/exists (required), a/mx/ptr (optional, "" = <domain>)
  dns::IpAddress network;       // ip4/ip6
  int prefix4 = kMaxIp4Prefix;  // ip4, a, mx
  int prefix6 = kMaxIp6Prefix;  // ip6, a, mx
};

struct Modifier {
  std::string name;  // lower-cased
  std::string value;
};

struct Record {
  std::vector<Mechanism> mechanisms;
  std::optional<std::string> redirect;  // RFC 7208 §6.1
  std::optional<std::string> exp;       // RFC 7208 §6.2
  std::vector<Modifier> unknown;        // RFC 7208 §6: ignored, but syntax-checked
};

// True if `txt` is an SPF version 1 record: "v=spf1" then a space or the end
// (RFC 7208 §4.5).
bool is_spf_record(std::string_view txt);

// Parses a whole record including the "v=spf1" prefix.
Result<Record> parse_record(std::string_view txt);

}  // namespace postino::mailauth::spf
