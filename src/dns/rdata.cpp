#include "dns/rdata.hpp"

#include <cstdint>

namespace postino::dns::rdata {
namespace {

inline constexpr uint8_t kPointerBits = 0xC0;  // RFC 1035 §4.1.4 (and 0x40/0x80: RFC 6891 §5)
inline constexpr size_t kMaxWireName = 255;    // RFC 1035 §3.1

Error bad(std::string what) { return make_error(Errc::invalid, "bad RDATA: " + std::move(what)); }

bool plain(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

// Reads one name starting at wire[pos]; advances pos past it.
Result<std::string> read_name(std::string_view wire, size_t& pos) {
  std::string out;
  size_t start = pos;
  for (;;) {
    if (pos >= wire.size()) return bad("name runs past the end");
    auto len = static_cast<unsigned char>(wire[pos]);
    if (len & kPointerBits) return bad("compressed or extended label");
    ++pos;
    if (len == 0) break;
    if (wire.size() - pos < len) return bad("label runs past the end");
    if (!out.empty()) out += '.';
    for (size_t i = 0; i < len; ++i) {
      auto c = static_cast<unsigned char>(wire[pos + i]);
      if (c >= 'A' && c <= 'Z') {
        out += static_cast<char>(c - 'A' + 'a');
      } else if (plain(c)) {
        out += static_cast<char>(c);
      } else if (c == '.' || c == '\\') {
        out += '\\';
        out += static_cast<char>(c);
      } else {
        out += '\\';
        out += static_cast<char>('0' + c / 100);
        out += static_cast<char>('0' + c / 10 % 10);
        out += static_cast<char>('0' + c % 10);
      }
    }
    pos += len;
    if (pos - start > kMaxWireName) return bad("name longer than 255 octets");
  }
  return out;
}

}  // namespace

Result<std::string> name(std::string_view wire) {
  size_t pos = 0;
  auto n = read_name(wire, pos);
  if (!n) return n;
  if (pos != wire.size()) return bad("trailing octets after name");
  return n;
}

Result<Ip4> a(std::string_view wire) {
  if (wire.size() != 4) return bad("A is not 4 octets");
  Ip4::bytes_type b;
  for (size_t i = 0; i < b.size(); ++i) b[i] = static_cast<unsigned char>(wire[i]);
  return Ip4(b);
}

Result<Ip6> aaaa(std::string_view wire) {
  if (wire.size() != 16) return bad("AAAA is not 16 octets");
  Ip6::bytes_type b;
  for (size_t i = 0; i < b.size(); ++i) b[i] = static_cast<unsigned char>(wire[i]);
  return Ip6(b);
}

Result<Mx> mx(std::string_view wire) {
  if (wire.size() < 3) return bad("MX too short");
  Mx out;
  out.preference = static_cast<uint16_t>((static_cast<unsigned char>(wire[0]) << 8) |
                                         static_cast<unsigned char>(wire[1]));
  auto n = name(wire.substr(2));
  if (!n) return n.take_error();
  out.exchange = std::move(*n);
  return out;
}

Result<std::string> txt(std::string_view wire) {
  if (wire.empty()) return bad("empty TXT");
  std::string out;
  size_t pos = 0;
  while (pos < wire.size()) {
    auto len = static_cast<unsigned char>(wire[pos++]);
    if (wire.size() - pos < len) return bad("character-string runs past the end");
    out.append(wire.substr(pos, len));
    pos += len;
  }
  return out;
}

Result<std::string> ptr(std::string_view wire) { return name(wire); }

std::string quote_text(std::string_view text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c > 0x7E) {
      out += '\\';
      out += static_cast<char>('0' + c / 100);
      out += static_cast<char>('0' + c / 10 % 10);
      out += static_cast<char>('0' + c % 10);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

Result<Tlsa> tlsa(std::string_view wire) {
  if (wire.size() < 4) return bad("TLSA too short");  // RFC 6698 §2.1: data is not empty
  Tlsa out;
  out.usage = static_cast<uint8_t>(wire[0]);
  out.selector = static_cast<uint8_t>(wire[1]);
  out.matching_type = static_cast<uint8_t>(wire[2]);
  out.data = std::string(wire.substr(3));
  return out;
}

}  // namespace postino::dns::rdata
