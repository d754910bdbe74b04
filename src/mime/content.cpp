#include "mime/content.hpp"

#include <algorithm>

#include "base/strings.hpp"
#include "mime/encoding.hpp"

namespace postino::mime {

namespace {

constexpr size_t kMaxSectionIndex = 999;  // RFC 2231 §3 section numbers we accept

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// RFC 2045 §5.1 token: no SPACE, CTLs or tspecials. 8-bit bytes tolerated.
bool token_char(char c) {
  auto u = static_cast<unsigned char>(c);
  if (u <= 0x20 || u == 0x7F) return false;
  switch (c) {
    case '(':
    case ')':
    case '<':
    case '>':
    case '@':
    case ',':
    case ';':
    case ':':
    case '\\':
    case '"':
    case '/':
    case '[':
    case ']':
    case '?':
    case '=':
      return false;
    default:
      return true;
  }
}

// Skips whitespace and RFC 5322 §3.2.2 comments (nested, with quoted-pairs).
size_t skip_cfws(std::string_view s, size_t i) {
  while (i < s.size()) {
    if (is_space(s[i])) {
      ++i;
    } else if (s[i] == '(') {
      int depth = 0;
      for (; i < s.size(); ++i) {
        if (s[i] == '\\') {
          ++i;
        } else if (s[i] == '(') {
          ++depth;
        } else if (s[i] == ')' && --depth == 0) {
          ++i;
          break;
        }
      }
    } else {
      break;
    }
  }
  return std::min(i, s.size());
}

std::string_view read_token(std::string_view s, size_t* i) {
  size_t b = *i;
  while (*i < s.size() && token_char(s[*i])) ++*i;
  return s.substr(b, *i - b);
}

// RFC 5322 §3.2.4 quoted-string starting at s[*i] == '"'; unterminated runs to the end.
std::string read_quoted(std::string_view s, size_t* i) {
  std::string out;
  for (++*i; *i < s.size(); ++*i) {
    char c = s[*i];
    if (c == '"') {
      ++*i;
      break;
    }
    if (c == '\\' && *i + 1 < s.size()) c = s[++*i];
    if (c == '\r' || c == '\n') continue;  // folding inside quotes
    out.push_back(c);
  }
  return out;
}

struct RawParam {
  std::string base;       // lowercased name without the RFC 2231 suffix
  long section = -1;      // -1: not a continuation
  bool extended = false;  // trailing '*': value is charset'lang'%XX encoded
  std::string value;
};

RawParam split_name(std::string_view attr, std::string value) {
  RawParam p;
  p.value = std::move(value);
  std::string name = to_lower(attr);
  size_t star = name.find('*');
  p.base = name;
  if (star == std::string::npos || star == 0) return p;
  std::string_view rest = std::string_view(name).substr(star + 1);
  bool ext = rest.empty();  // "name*": one extended value
  if (!rest.empty() && rest.back() == '*') {
    ext = true;
    rest.remove_suffix(1);
    if (rest.empty()) return p;  // "name**": not RFC 2231
  }
  if (!rest.empty()) {
    auto n = parse_u64(rest);
    if (!n || *n > kMaxSectionIndex) return p;  // not RFC 2231: keep the literal name
    p.section = static_cast<long>(*n);
  }
  p.base = name.substr(0, star);
  p.extended = ext;
  return p;
}

// RFC 2231 §3-4: joins sections 0..n of `base` in order (stopping at a gap) and decodes.
std::string join_sections(const std::vector<RawParam>& raw, const std::string& base) {
  std::vector<const RawParam*> parts;
  for (const auto& r : raw)
    if (r.base == base && r.section >= 0) parts.push_back(&r);
  std::stable_sort(parts.begin(), parts.end(),
                   [](const RawParam* a, const RawParam* b) { return a->section < b->section; });
  std::string bytes;
  std::string_view charset;
  long expect = 0;
  for (const RawParam* p : parts) {
    if (p->section != expect) {
      if (p->section < expect) continue;  // duplicate section: first wins
      break;
    }
    if (++expect > static_cast<long>(kMaxParamContinuations)) break;
    std::string_view v = p->value;
    if (p->extended && p->section == 0) {
      size_t q1 = v.find('\'');
      size_t q2 = q1 == std::string_view::npos ? q1 : v.find('\'', q1 + 1);
      if (q2 != std::string_view::npos) {
        charset = v.substr(0, q1);
        v = v.substr(q2 + 1);
      }
    }
    bytes += p->extended ? percent_decode(v) : std::string(v);
  }
  return to_utf8(bytes, charset);
}

}  // namespace

bool is_token_char(char c) { return token_char(c); }

const std::string* find_param(const ParamList& params, std::string_view name) {
  for (const auto& p : params)
    if (iequals(p.name, name)) return &p.value;
  return nullptr;
}

ParamList parse_params(std::string_view s) {
  std::vector<RawParam> raw;
  size_t i = 0;
  while (i < s.size() && raw.size() < kMaxParams) {
    i = skip_cfws(s, i);
    if (i >= s.size()) break;
    if (s[i] != ';') {  // junk between parameters: resynchronise at the next ';'
      size_t semi = s.find(';', i);
      if (semi == std::string_view::npos) break;
      i = semi;
    }
    i = skip_cfws(s, i + 1);
    std::string_view attr = read_token(s, &i);
    i = skip_cfws(s, i);
    if (attr.empty() || i >= s.size() || s[i] != '=') continue;
    i = skip_cfws(s, i + 1);
    std::string value;
    if (i < s.size() && s[i] == '"') {
      value = read_quoted(s, &i);
    } else {
      value = std::string(read_token(s, &i));
    }
    raw.push_back(split_name(attr, std::move(value)));
  }

  ParamList out;
  for (const auto& r : raw) {
    bool seen = false;
    for (const auto& o : out) seen = seen || o.name == r.base;
    if (seen) continue;
    bool has_sections = false, has_ext = false;
    for (const auto& x : raw) {
      if (x.base != r.base) continue;
      has_sections = has_sections || x.section >= 0;
      has_ext = has_ext || (x.extended && x.section < 0);
    }
    Param p;
    p.name = r.base;
    if (has_sections) {
      p.value = join_sections(raw, r.base);
    } else if (has_ext) {
      for (const auto& x : raw)
        if (x.base == r.base && x.extended) {
          p.value = decode_rfc2231_value(x.value, true);
          break;
        }
    } else {
      p.value = r.value;
    }
    out.push_back(std::move(p));
  }
  return out;
}

std::optional<ContentType> parse_content_type(std::string_view s) {
  size_t i = skip_cfws(s, 0);
  std::string_view type = read_token(s, &i);
  i = skip_cfws(s, i);
  if (type.empty() || i >= s.size() || s[i] != '/') return std::nullopt;
  i = skip_cfws(s, i + 1);
  std::string_view sub = read_token(s, &i);
  if (sub.empty()) return std::nullopt;
  ContentType ct;
  ct.type = to_lower(type);
  ct.subtype = to_lower(sub);
  ct.params = parse_params(s.substr(i));
  return ct;
}

std::optional<Disposition> parse_disposition(std::string_view s) {
  size_t i = skip_cfws(s, 0);
  std::string_view type = read_token(s, &i);
  if (type.empty()) return std::nullopt;
  Disposition d;
  d.type = to_lower(type);
  d.params = parse_params(s.substr(i));
  return d;
}

std::string parse_transfer_encoding(std::string_view s) {
  size_t i = skip_cfws(s, 0);
  std::string_view tok = read_token(s, &i);
  return to_lower(tok);
}

std::vector<std::string> parse_language_list(std::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size() && out.size() < kMaxParams) {
    i = skip_cfws(s, i);
    if (i >= s.size()) break;
    std::string_view tok = read_token(s, &i);
    if (!tok.empty()) out.emplace_back(tok);
    i = skip_cfws(s, i);
    if (i < s.size() && s[i] != ',' && tok.empty()) ++i;  // skip a stray special
    if (i < s.size() && s[i] == ',') ++i;
  }
  return out;
}

}  // namespace postino::mime
