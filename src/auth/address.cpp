#include "auth/address.hpp"

#include <arpa/inet.h>
#include <idn2.h>

#include <cstdlib>

#include "auth/utf8.hpp"
#include "base/limits.hpp"
#include "base/strings.hpp"

namespace postino::auth {
namespace {

inline constexpr std::string_view kIpv6Tag = "IPv6:";  // RFC 5321 §4.1.3

Error bad(std::string why) { return make_error(Errc::invalid, std::move(why)); }

bool is_non_ascii(char c) { return static_cast<unsigned char>(c) >= 0x80; }

// RFC 5322 §3.2.3 atext, extended by RFC 6531 §3.3 with UTF8-non-ascii.
bool is_atext(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  if (is_non_ascii(c)) return true;
  static constexpr std::string_view kSpecials = "!#$%&'*+-/=?^_`{|}~";
  return kSpecials.find(c) != std::string_view::npos;
}

// RFC 5321 §4.1.2 qtextSMTP (+ RFC 6531 UTF8-non-ascii).
bool is_qtext(char c) {
  auto u = static_cast<unsigned char>(c);
  return (u >= 32 && u <= 126 && c != '"' && c != '\\') || u >= 0x80;
}

bool is_dot_string(std::string_view s) {
  if (s.empty()) return false;
  for (auto atom : split(s, '.')) {
    if (atom.empty()) return false;
    for (char c : atom)
      if (!is_atext(c)) return false;
  }
  return true;
}

bool is_ldh(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

// RFC 5321 §4.1.2 Dot-string / Quoted-string → canonical form.
Result<std::string> parse_local(std::string_view s) {
  if (s.empty()) return bad("empty local part");
  if (s.front() != '"') {
    if (!is_dot_string(s)) return bad("local part is not a valid dot-string");
    return std::string(s);
  }
  if (s.size() < 2 || s.back() != '"') return bad("unterminated quoted local part");
  std::string content;
  for (size_t i = 1; i + 1 < s.size(); ++i) {
    char c = s[i];
    if (c == '\\') {
      // quoted-pairSMTP = %d92 %d32-126
      if (i + 2 >= s.size()) return bad("dangling backslash in quoted local part");
      char n = s[++i];
      if (n < 32 || n > 126) return bad("bad quoted-pair in local part");
      content += n;
    } else if (is_qtext(c)) {
      content += c;
    } else {
      return bad("bad character in quoted local part");
    }
  }
  // RFC 5321 §4.1.2: a local part that is valid unquoted should not be quoted.
  if (is_dot_string(content)) return content;
  std::string out = "\"";
  for (char c : content) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

// RFC 5321 §4.1.3 address literals; we accept IPv4 and IPv6 forms only.
Result<std::string> parse_literal(std::string_view s) {
  if (s.size() < 3 || s.back() != ']') return bad("unterminated address literal");
  std::string inner(s.substr(1, s.size() - 2));
  unsigned char buf[sizeof(in6_addr)];
  char text[INET6_ADDRSTRLEN];
  if (istarts_with(inner, kIpv6Tag)) {
    std::string v6 = inner.substr(kIpv6Tag.size());
    if (v6.empty() || v6.size() >= INET6_ADDRSTRLEN || inet_pton(AF_INET6, v6.c_str(), buf) != 1)
      return bad("bad IPv6 address literal");
    inet_ntop(AF_INET6, buf, text, sizeof(text));
    return "[" + std::string(kIpv6Tag) + text + "]";
  }
  if (inner.empty() || inner.size() >= INET_ADDRSTRLEN ||
      inet_pton(AF_INET, inner.c_str(), buf) != 1)
    return bad("address literal is not IPv4 or [IPv6:...]");
  inet_ntop(AF_INET, buf, text, sizeof(text));
  return "[" + std::string(text) + "]";
}

}  // namespace

Result<std::string> normalize_domain(std::string_view domain) {
  if (domain.empty()) return bad("empty domain");
  if (domain.size() > kMaxAddressInputBytes) return bad("domain is too long");
  if (!is_valid_utf8(domain)) return bad("domain is not valid UTF-8");
  for (char c : domain) {
    if (!is_non_ascii(c) && !is_ldh(c) && c != '.') return bad("bad character in domain");
  }
  std::string in(domain);
  char* out = nullptr;
  // RFC 5891 §5 lookup with UTS #46 non-transitional mapping (lowercases too).
  int rc = idn2_to_ascii_8z(in.c_str(), &out,
                            IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL | IDN2_USE_STD3_ASCII_RULES);
  if (rc != IDN2_OK) return bad(std::string("bad domain: ") + idn2_strerror(rc));
  std::string ascii = to_lower(out);
  idn2_free(out);
  if (ascii.size() > limits::kMaxDomainLength) return bad("domain is longer than 255 octets");
  for (auto label : split(ascii, '.')) {
    if (label.empty()) return bad("empty label in domain");
    if (label.size() > kMaxLabelLength) return bad("domain label is longer than 63 octets");
    if (label.front() == '-' || label.back() == '-')
      return bad("domain label starts or ends with '-'");
    for (char c : label)
      if (!is_ldh(c)) return bad("bad character in domain");
  }
  return ascii;
}

Result<Address> parse_address(std::string_view text) {
  if (text.empty()) return bad("empty address");
  if (text.size() > kMaxAddressInputBytes) return bad("address is too long");
  if (!is_valid_utf8(text)) return bad("address is not valid UTF-8");
  auto at = text.rfind('@');
  if (at == std::string_view::npos) return bad("address has no '@'");
  auto local = parse_local(text.substr(0, at));
  if (!local) return local.take_error();
  Address a;
  a.local = std::move(*local);
  auto dom = text.substr(at + 1);
  if (!dom.empty() && dom.front() == '[') {
    auto lit = parse_literal(dom);
    if (!lit) return lit.take_error();
    a.domain = std::move(*lit);
    a.domain_is_literal = true;
  } else {
    auto d = normalize_domain(dom);
    if (!d) return d.take_error();
    a.domain = std::move(*d);
  }
  // RFC 5321 §4.5.3.1.1 and §4.5.3.1.3.
  if (a.local.size() > limits::kMaxLocalPartLength)
    return make_error(Errc::limit, "local part is longer than 64 octets");
  if (a.str().size() > limits::kMaxAddressLength)
    return make_error(Errc::limit, "address is longer than 254 octets");
  return a;
}

}  // namespace postino::auth
