#include "dns/resolver.hpp"

#include "base/strings.hpp"

namespace postino::dns {

const char* rcode_name(Rcode r) {
  switch (r) {
    case Rcode::ok:
      return "ok";
    case Rcode::nxdomain:
      return "nxdomain";
    case Rcode::nodata:
      return "nodata";
  }
  return "?";
}

std::string reverse_name(const IpAddress& addr) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  if (addr.is_v4()) {
    auto b = addr.to_v4().to_bytes();
    for (int i = 3; i >= 0; --i) {
      out += std::to_string(b[size_t(i)]);
      out += '.';
    }
    return out + "in-addr.arpa";
  }
  auto b = addr.to_v6().to_bytes();
  for (int i = 15; i >= 0; --i) {
    out += kHex[b[size_t(i)] & 0xF];
    out += '.';
    out += kHex[b[size_t(i)] >> 4];
    out += '.';
  }
  return out + "ip6.arpa";
}

std::string normalize_name(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  return to_lower(name);
}

bool valid_query_name(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (name.empty() || name.size() > kMaxNameLength) return false;
  for (auto label : split(name, '.')) {
    if (label.empty() || label.size() > kMaxLabelLength) return false;
  }
  return true;
}

}  // namespace postino::dns
