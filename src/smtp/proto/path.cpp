#include "smtp/proto/path.hpp"

#include <arpa/inet.h>

#include "base/limits.hpp"
#include "base/strings.hpp"

namespace postino::smtp {

namespace {

bool is_alpha(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

// RFC 5322 §3.2.3 atext, plus UTF8-non-ascii (RFC 6531 §3.3).
bool is_atext(unsigned char c) {
  if (is_alpha(c) || is_digit(c) || c >= 0x80) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '/':
    case '=':
    case '?':
    case '^':
    case '_':
    case '`':
    case '{':
    case '|':
    case '}':
    case '~':
      return true;
    default:
      return false;
  }
}

// RFC 5321 §4.1.2 qtextSMTP (+ UTF8-non-ascii).
bool is_qtext(unsigned char c) {
  return (c >= 32 && c <= 126 && c != '"' && c != '\\') || c >= 0x80;
}

bool valid_dot_string(std::string_view s) {
  if (s.empty() || s.front() == '.' || s.back() == '.') return false;
  char prev = 0;
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (ch == '.') {
      if (prev == '.') return false;
    } else if (!is_atext(c)) {
      return false;
    }
    prev = ch;
  }
  return true;
}

// Parses the local part at the start of s; sets `consumed`.
Result<std::string> parse_local_part(std::string_view s, size_t& consumed) {
  if (!s.empty() && s[0] == '"') {
    std::string out;
    for (size_t i = 1; i < s.size(); ++i) {
      auto c = static_cast<unsigned char>(s[i]);
      if (c == '"') {
        consumed = i + 1;
        return out;
      }
      if (c == '\\') {
        // RFC 5321 §4.1.2 quoted-pairSMTP = %d92 %d32-126
        if (i + 1 >= s.size()) break;
        auto n = static_cast<unsigned char>(s[i + 1]);
        if (n < 32 || n > 126) return make_error(Errc::invalid, "bad quoted-pair");
        out.push_back(char(n));
        ++i;
        continue;
      }
      if (!is_qtext(c)) return make_error(Errc::invalid, "bad character in quoted local part");
      out.push_back(char(c));
    }
    return make_error(Errc::invalid, "unterminated quoted local part");
  }
  size_t at = s.rfind('@');
  if (at == std::string_view::npos) return make_error(Errc::invalid, "missing '@'");
  std::string_view local = s.substr(0, at);
  if (!valid_dot_string(local)) return make_error(Errc::invalid, "bad local part");
  consumed = at;
  return std::string(local);
}

bool needs_quoting(std::string_view local) { return !valid_dot_string(local); }

bool valid_ipv4(std::string_view s) {
  auto parts = split(s, '.');
  if (parts.size() != 4) return false;
  for (auto p : parts) {
    if (p.empty() || p.size() > 3) return false;
    auto v = parse_u64(p);
    if (!v || *v > 255) return false;
  }
  return true;
}

}  // namespace

bool has_8bit(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return true;
  return false;
}

// RFC 3629 §4.
bool valid_utf8(std::string_view s) {
  size_t i = 0;
  const size_t n = s.size();
  auto in = [&](size_t k, unsigned lo, unsigned hi) {
    return k < n && static_cast<unsigned char>(s[k]) >= lo &&
           static_cast<unsigned char>(s[k]) <= hi;
  };
  while (i < n) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      i += 1;
    } else if (c >= 0xC2 && c <= 0xDF && in(i + 1, 0x80, 0xBF)) {
      i += 2;
    } else if (c >= 0xE0 && c <= 0xEF &&
               in(i + 1, c == 0xE0 ? 0xA0 : 0x80, c == 0xED ? 0x9F : 0xBF) &&
               in(i + 2, 0x80, 0xBF)) {
      i += 3;
    } else if (c >= 0xF0 && c <= 0xF4 &&
               in(i + 1, c == 0xF0 ? 0x90 : 0x80, c == 0xF4 ? 0x8F : 0xBF) &&
               in(i + 2, 0x80, 0xBF) && in(i + 3, 0x80, 0xBF)) {
      i += 4;
    } else {
      return false;
    }
  }
  return true;
}

// RFC 5321 §4.1.2: Domain = sub-domain *("." sub-domain);
// sub-domain = Let-dig [Ldh-str]; RFC 6531 adds U-labels.
bool valid_domain(std::string_view d) {
  if (d.empty() || d.size() > limits::kMaxDomainLength || !valid_utf8(d)) return false;
  for (auto label : split(d, '.')) {
    if (label.empty() || label.size() > 63) return false;
    auto first = static_cast<unsigned char>(label.front());
    auto last = static_cast<unsigned char>(label.back());
    if (first == '-' || last == '-') return false;
    for (char ch : label) {
      auto c = static_cast<unsigned char>(ch);
      if (!(is_alpha(c) || is_digit(c) || c == '-' || c == '_' || c >= 0x80)) return false;
    }
  }
  return true;
}

// RFC 5321 §4.1.3: IPv4, "IPv6:" + IPv6, or Standardized-tag ":" dcontent.
bool valid_address_literal(std::string_view lit) {
  if (lit.size() < 3 || lit.front() != '[' || lit.back() != ']') return false;
  std::string_view in = lit.substr(1, lit.size() - 2);
  if (valid_ipv4(in)) return true;
  if (istarts_with(in, "IPv6:")) {
    std::string v6(in.substr(5));
    unsigned char buf[16];
    return v6.size() < 64 && inet_pton(AF_INET6, v6.c_str(), buf) == 1;
  }
  size_t colon = in.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == in.size()) return false;
  std::string_view tag = in.substr(0, colon);
  if (!is_alpha(tag[0]) && !is_digit(tag[0])) return false;
  if (tag.back() == '-') return false;
  for (char c : tag)
    if (!is_alpha(c) && !is_digit(c) && c != '-') return false;
  for (char ch : in.substr(colon + 1)) {
    auto c = static_cast<unsigned char>(ch);
    if (c < 33 || c > 126 || c == '[' || c == ']' || c == '\\') return false;  // dcontent
  }
  return true;
}

std::string Path::address() const {
  if (null) return "";
  if (postmaster && domain.empty()) return local;
  std::string out;
  if (needs_quoting(local)) {
    out.push_back('"');
    for (char c : local) {
      if (c == '"' || c == '\\') out.push_back('\\');
      out.push_back(c);
    }
    out.push_back('"');
  } else {
    out = local;
  }
  out.push_back('@');
  out += domain;
  return out;
}

std::string Path::to_string() const { return "<" + address() + ">"; }

Result<Path> parse_path(std::string_view s, PathKind kind) {
  if (s.size() < 2 || s.front() != '<' || s.back() != '>')
    return make_error(Errc::invalid, "path must be enclosed in <>");
  if (s.size() > kMaxPathBytes)  // RFC 5321 §4.5.3.1.3
    return make_error(Errc::limit, "path too long");
  std::string_view in = s.substr(1, s.size() - 2);
  Path p;
  if (in.empty()) {
    if (kind == PathKind::Forward) return make_error(Errc::invalid, "empty forward-path");
    p.null = true;
    return p;
  }
  if (!valid_utf8(in)) return make_error(Errc::invalid, "path is not valid UTF-8");
  p.utf8 = has_8bit(in);
  // RFC 5321 §4.1.2 A-d-l: "@" Domain *("," "@" Domain) ":" — accepted, ignored.
  if (in.front() == '@') {
    size_t colon = in.find(':');
    if (colon == std::string_view::npos) return make_error(Errc::invalid, "bad source route");
    for (auto hop : split(in.substr(0, colon), ',')) {
      if (hop.size() < 2 || hop[0] != '@' || !valid_domain(hop.substr(1)))
        return make_error(Errc::invalid, "bad source route");
    }
    in = in.substr(colon + 1);
  }
  // RFC 5321 §4.1.1.3: "<Postmaster>" (case-insensitive) without a domain.
  if (kind == PathKind::Forward && iequals(in, "postmaster")) {
    p.postmaster = true;
    p.local = std::string(in);
    return p;
  }
  size_t consumed = 0;
  auto local = parse_local_part(in, consumed);
  if (!local) return local.take_error();
  if (consumed >= in.size() || in[consumed] != '@')
    return make_error(Errc::invalid, "missing '@' after local part");
  if (consumed > limits::kMaxLocalPartLength) return make_error(Errc::limit, "local part too long");
  std::string_view domain = in.substr(consumed + 1);
  if (!domain.empty() && domain.front() == '[') {
    if (!valid_address_literal(domain)) return make_error(Errc::invalid, "bad address literal");
    p.domain_is_literal = true;
  } else if (!valid_domain(domain)) {
    return make_error(Errc::invalid, "bad domain");
  }
  p.local = std::move(*local);
  p.domain = std::string(domain);
  p.postmaster = iequals(p.local, "postmaster");
  return p;
}

}  // namespace postino::smtp
