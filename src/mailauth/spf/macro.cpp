#include "mailauth/spf/macro.hpp"

#include <algorithm>
#include <vector>

#include "base/strings.hpp"

namespace postino::mailauth::spf {
namespace {

constexpr std::string_view kDelimiters = ".-+,/_=";  // RFC 7208 §7.1 delimiter
constexpr size_t kMaxTransformDigits = 3;            // "128" parts is already plenty

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) { return is_alpha(c) || is_digit(c); }

bool letter_allowed(char c, MacroUse use) {
  switch (ascii_lower(c)) {
    case 's':
    case 'l':
    case 'o':
    case 'd':
    case 'i':
    case 'p':
    case 'h':
    case 'v':
      return true;
    case 'c':
    case 'r':
    case 't':
      return use == MacroUse::explanation;  // RFC 7208 §7.1: only in "exp" text
    default:
      return false;
  }
}

// One parsed macro-expand "%{" letter digits ["r"] delimiters "}".
struct Expand {
  char letter = 0;
  size_t keep = 0;  // 0: all parts
  bool reverse = false;
  std::string delims;
};

// Parses a macro-expand starting after "%{"; advances `i` past "}".
Result<Expand> parse_expand(std::string_view s, size_t& i, MacroUse use) {
  Expand e;
  if (i >= s.size() || !letter_allowed(s[i], use)) {
    return make_error(Errc::invalid, "bad macro letter");
  }
  e.letter = s[i++];
  size_t digits = 0;
  while (i < s.size() && is_digit(s[i])) {
    if (++digits > kMaxTransformDigits) return make_error(Errc::invalid, "macro digits too long");
    e.keep = e.keep * 10 + size_t(s[i++] - '0');
  }
  // RFC 7208 §7.3: "If a DIGIT is specified, the value MUST be at least one."
  if (digits > 0 && e.keep == 0) return make_error(Errc::invalid, "macro transformer 0");
  if (i < s.size() && ascii_lower(s[i]) == 'r') {
    e.reverse = true;
    ++i;
  }
  while (i < s.size() && kDelimiters.find(s[i]) != std::string_view::npos) e.delims += s[i++];
  if (i >= s.size() || s[i] != '}') return make_error(Errc::invalid, "unterminated macro");
  ++i;
  return e;
}

std::string ip_dotted(const dns::IpAddress& ip) {
  if (ip.is_v4()) return ip.to_string();
  // RFC 7208 §7.3: IPv6 "i" is dot-separated nibbles, most significant first.
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (auto b : ip.to_v6().to_bytes()) {
    if (!out.empty()) out += '.';
    out += kHex[b >> 4];
    out += '.';
    out += kHex[b & 0xF];
  }
  return out;
}

std::string letter_value(char letter, const MacroContext& ctx) {
  switch (ascii_lower(letter)) {
    case 's':
      return ctx.sender;
    case 'l':
      return ctx.local_part;
    case 'o':
      return ctx.sender_domain;
    case 'd':
      return ctx.domain;
    case 'i':
      return ip_dotted(ctx.ip);
    case 'p':
      return ctx.validated.empty() ? "unknown" : ctx.validated;
    case 'v':
      return ctx.ip.is_v4() ? "in-addr" : "ip6";
    case 'h':
      return ctx.helo;
    case 'c':
      return ctx.ip.to_string();
    case 'r':
      return ctx.receiver.empty() ? "unknown" : ctx.receiver;
    case 't':
      return std::to_string(ctx.now);
  }
  return {};
}

// RFC 7208 §7.3: uppercase macro letters URL-escape the value (RFC 3986 unreserved kept).
std::string url_escape(std::string_view v) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : v) {
    if (is_alnum(char(c)) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += char(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

std::string transform(const std::string& value, const Expand& e) {
  if (e.keep == 0 && !e.reverse && e.delims.empty()) return value;
  std::string delims = e.delims.empty() ? "." : e.delims;
  std::vector<std::string> parts;
  std::string cur;
  for (char c : value) {
    if (delims.find(c) != std::string::npos) {
      parts.push_back(std::move(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  parts.push_back(std::move(cur));
  if (e.reverse) std::reverse(parts.begin(), parts.end());
  size_t first = (e.keep > 0 && e.keep < parts.size()) ? parts.size() - e.keep : 0;
  std::string out;
  for (size_t i = first; i < parts.size(); ++i) {
    if (i > first) out += '.';
    out += parts[i];
  }
  return out;
}

// RFC 7208 §7.1 toplabel.
bool valid_toplabel(std::string_view t) {
  if (t.empty()) return false;
  bool alpha = false, dash = false;
  for (char c : t) {
    if (c == '-') {
      dash = true;
    } else if (is_alpha(c)) {
      alpha = true;
    } else if (!is_digit(c)) {
      return false;
    }
  }
  if (dash) return is_alnum(t.front()) && is_alnum(t.back());
  return alpha;
}

// Walks `s`, calling on_literal(char) and on_expand(Expand) / on_escape(text).
template <class Lit, class Exp>
Status walk(std::string_view s, MacroUse use, Lit on_literal, Exp on_expand) {
  for (size_t i = 0; i < s.size();) {
    char c = s[i];
    if (c == '%') {
      if (i + 1 >= s.size()) return make_error(Errc::invalid, "'%' at end of macro string");
      char n = s[i + 1];
      i += 2;
      if (n == '%') {
        on_literal('%', true);
      } else if (n == '_') {
        on_literal(' ', true);
      } else if (n == '-') {
        for (char x : std::string_view("%20")) on_literal(x, true);
      } else if (n == '{') {
        auto e = parse_expand(s, i, use);
        if (!e) return e.take_error();
        on_expand(*e);
      } else {
        return make_error(Errc::invalid, "bad '%' escape in macro string");
      }
      continue;
    }
    bool ok = (c >= 0x21 && c <= 0x7e) || (c == ' ' && use == MacroUse::explanation);
    if (!ok) return make_error(Errc::invalid, "bad character in macro string");
    on_literal(c, false);
    ++i;
  }
  return {};
}

}  // namespace

Status check_macro_string(std::string_view spec, MacroUse use) {
  std::string tail;  // literal text after the last macro-expand
  bool last_is_macro = false;
  auto st = walk(
      spec, use,
      [&](char c, bool escape) {
        if (escape) {
          last_is_macro = true;
          tail.clear();
        } else {
          last_is_macro = false;
          tail += c;
        }
      },
      [&](const Expand&) {
        last_is_macro = true;
        tail.clear();
      });
  if (!st) return st;
  if (use != MacroUse::domain_spec) return {};
  if (spec.empty()) return make_error(Errc::invalid, "empty domain-spec");
  if (last_is_macro) return {};
  // domain-end = "." toplabel ["."] (RFC 7208 §7.1)
  std::string_view t = tail;
  if (!t.empty() && t.back() == '.') t.remove_suffix(1);
  auto dot = t.rfind('.');
  if (dot == std::string_view::npos)
    return make_error(Errc::invalid, "domain-spec lacks a top label");
  if (!valid_toplabel(t.substr(dot + 1))) return make_error(Errc::invalid, "bad top label");
  return {};
}

bool uses_p(std::string_view spec) {
  for (size_t i = 0; i + 2 < spec.size(); ++i) {
    if (spec[i] == '%' && spec[i + 1] == '%') {
      ++i;
    } else if (spec[i] == '%' && spec[i + 1] == '{' && ascii_lower(spec[i + 2]) == 'p') {
      return true;
    }
  }
  return false;
}

Result<std::string> expand(std::string_view spec, const MacroContext& ctx, MacroUse use) {
  std::string out;
  auto st = walk(
      spec, use, [&](char c, bool) { out += c; },
      [&](const Expand& e) {
        std::string v = transform(letter_value(e.letter, ctx), e);
        out += (e.letter >= 'A' && e.letter <= 'Z') ? url_escape(v) : v;
      });
  if (!st) return st.take_error();
  if (use == MacroUse::domain_spec) {
    // RFC 7208 §7.3: shorten from the left, whole labels, to at most 253 octets.
    if (!out.empty() && out.back() == '.') out.pop_back();
    while (out.size() > dns::kMaxNameLength) {
      auto dot = out.find('.');
      if (dot == std::string::npos) return make_error(Errc::invalid, "expanded name too long");
      out.erase(0, dot + 1);
    }
  }
  return out;
}

}  // namespace postino::mailauth::spf
