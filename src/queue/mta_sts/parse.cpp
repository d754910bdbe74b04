// The pure parts of MTA-STS: the TXT record (RFC 8461 §3.1), the policy file
// (§3.2) and MX pattern matching (§4.1).
#include <openssl/evp.h>

#include <algorithm>

#include "base/strings.hpp"
#include "config/endpoint.hpp"
#include "queue/mta_sts/mta_sts.hpp"

namespace postino::queue {
namespace {

constexpr size_t kMaxIdLength = 32;       // RFC 8461 §3.1 sts-id = 1*32(ALPHA / DIGIT)
constexpr size_t kMaxExtNameLength = 32;  // §3.1/§3.2: 1 + *31 characters
constexpr size_t kMaxAgeDigits = 10;      // §3.2 sts-policy-max-age-value = 1*10(DIGIT)

bool is_wsp(char c) { return c == ' ' || c == '\t'; }
bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// sts-ext-name / sts-policy-ext-name: (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")
bool valid_ext_name(std::string_view n) {
  if (n.empty() || n.size() > kMaxExtNameLength || !is_alnum(n[0])) return false;
  return std::all_of(n.begin(), n.end(),
                     [](char c) { return is_alnum(c) || c == '_' || c == '-' || c == '.'; });
}

// sts-ext-value = 1*(%x21-3A / %x3C / %x3E-7E)
bool valid_txt_value(std::string_view v) {
  if (v.empty()) return false;
  return std::all_of(v.begin(), v.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u >= 0x21 && u <= 0x7e && c != ';' && c != '=';
  });
}

// sts-policy-ext-value: VCHAR or UTF-8 (octets >= 0x80), inner spaces only.
bool valid_policy_value(std::string_view v) {
  if (v.empty() || v.front() == ' ' || v.back() == ' ') return false;
  return std::all_of(v.begin(), v.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u == 0x20 || (u >= 0x21 && u <= 0x7e) || u >= 0x80;
  });
}

Error invalid(std::string msg) { return make_error(Errc::invalid, std::move(msg)); }

// sts-policy-mx-value = ["*."] Domain (RFC 5321 §4.1.2); A-labels only (§3.2).
Result<std::string> mx_pattern(std::string_view v) {
  std::string p = to_lower(v);
  if (!p.empty() && p.back() == '.') p.pop_back();  // a root dot is tolerated
  std::string_view name = p;
  if (name.substr(0, 2) == "*.") name.remove_prefix(2);
  if (!config::is_valid_hostname(name) || name.find('*') != std::string_view::npos)
    return invalid("'" + std::string(v) + "' is not an mx pattern");
  return p;
}

}  // namespace

const char* mta_sts_mode_name(MtaStsPolicy::Mode m) {
  switch (m) {
    case MtaStsPolicy::testing:
      return "testing";
    case MtaStsPolicy::enforce:
      return "enforce";
    case MtaStsPolicy::none:
      break;
  }
  return "none";
}

Result<std::string> parse_mta_sts_txt(std::string_view txt) {
  // sts-text-record = sts-version 1*(sts-field-delim sts-field) [sts-field-delim]
  constexpr std::string_view kVersion = "v=STSv1";
  if (txt.substr(0, kVersion.size()) != kVersion) return invalid("does not begin with v=STSv1");
  std::string_view rest = txt.substr(kVersion.size());
  std::string id;
  size_t fields = 0;
  while (true) {
    // sts-field-delim = *WSP ";" *WSP
    size_t i = 0;
    while (i < rest.size() && is_wsp(rest[i])) ++i;
    if (i == rest.size()) break;
    if (rest[i] != ';') return invalid("expected ';' before '" + std::string(rest.substr(i)) + "'");
    ++i;
    while (i < rest.size() && is_wsp(rest[i])) ++i;
    rest.remove_prefix(i);
    if (rest.empty()) break;  // the optional trailing delimiter
    size_t end = 0;
    while (end < rest.size() && rest[end] != ';' && !is_wsp(rest[end])) ++end;
    std::string_view field = rest.substr(0, end);
    rest.remove_prefix(end);
    size_t eq = field.find('=');
    if (eq == std::string_view::npos)
      return invalid("field '" + std::string(field) + "' has no '='");
    std::string_view name = field.substr(0, eq), value = field.substr(eq + 1);
    if (!valid_ext_name(name) || !valid_txt_value(value))
      return invalid("malformed field '" + std::string(field) + "'");
    ++fields;
    if (name == "id") {
      if (value.size() > kMaxIdLength || !std::all_of(value.begin(), value.end(), is_alnum))
        return invalid("id must be 1 to 32 letters or digits");
      if (id.empty()) id = std::string(value);  // §3.2: the first of a repeated field counts
    }
  }
  if (fields == 0 || id.empty()) return invalid("no id field");
  return id;
}

Result<MtaStsPolicy> parse_mta_sts_policy(std::string_view body) {
  if (body.size() > kMaxPolicyBytes) return invalid("policy larger than 64 KiB");
  MtaStsPolicy p;
  bool have_version = false, have_mode = false, have_max_age = false;
  size_t line_no = 0;
  while (!body.empty()) {
    // sts-policy-term = LF / CRLF
    size_t nl = body.find('\n');
    std::string_view line = body.substr(0, nl);
    body.remove_prefix(nl == std::string_view::npos ? body.size() : nl + 1);
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    while (!line.empty() && is_wsp(line.back())) line.remove_suffix(1);  // field *WSP
    if (line.empty()) continue;  // blank lines (often a trailing one) are tolerated
    auto where = [&](const std::string& what) {
      return invalid("line " + std::to_string(line_no) + ": " + what);
    };
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) return where("no ':'");
    std::string_view name = line.substr(0, colon);
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && is_wsp(value.front())) value.remove_prefix(1);  // ":" *WSP
    if (!valid_ext_name(name)) return where("malformed field name");
    if (!valid_policy_value(value)) return where("malformed value of " + std::string(name));
    // Field names and the version/mode values are case-sensitive (%s in the ABNF).
    // §3.2: of a repeated field other than mx, only the first counts.
    if (name == "version") {
      if (have_version) continue;
      if (value != "STSv1") return where("unsupported version '" + std::string(value) + "'");
      have_version = true;
    } else if (name == "mode") {
      if (have_mode) continue;
      if (value == "enforce") {
        p.mode = MtaStsPolicy::enforce;
      } else if (value == "testing") {
        p.mode = MtaStsPolicy::testing;
      } else if (value == "none") {
        p.mode = MtaStsPolicy::none;
      } else {
        return where("unknown mode '" + std::string(value) + "'");
      }
      have_mode = true;
    } else if (name == "max_age") {
      if (have_max_age) continue;
      if (value.size() > kMaxAgeDigits || !std::all_of(value.begin(), value.end(), is_digit))
        return where("max_age must be 1 to 10 digits");
      // §3.2: at most 31557600; a larger value is capped rather than refused.
      p.max_age = std::min(*parse_u64(value), kMaxPolicyAge);
      have_max_age = true;
    } else if (name == "mx") {
      auto pat = mx_pattern(value);
      if (!pat) return where(pat.error().message);
      if (p.mx.size() >= kMaxPolicyMx) return where("too many mx fields");
      if (std::find(p.mx.begin(), p.mx.end(), *pat) == p.mx.end()) p.mx.push_back(*pat);
    }
    // Other fields are extensions and are ignored (§3.2).
  }
  if (!have_version) return invalid("no version field");
  if (!have_mode) return invalid("no mode field");
  if (!have_max_age) return invalid("no max_age field");
  if (p.mx.empty() && p.mode != MtaStsPolicy::none) return invalid("no mx field");
  return p;
}

std::string format_mta_sts_policy(const MtaStsPolicy& p) {
  std::string out = "version: STSv1\r\nmode: ";
  out += mta_sts_mode_name(p.mode);
  out += "\r\n";
  for (const auto& mx : p.mx) out += "mx: " + mx + "\r\n";
  out += "max_age: " + std::to_string(p.max_age) + "\r\n";
  return out;
}

std::string mta_sts_policy_id(std::string_view policy_text) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(policy_text.data(), policy_text.size(), md, &len, EVP_sha256(), nullptr);
  return hex_encode(std::string_view(reinterpret_cast<char*>(md), len)).substr(0, 20);
}

bool MtaStsPolicy::matches_mx(std::string_view host) const {
  std::string h = to_lower(host);
  if (!h.empty() && h.back() == '.') h.pop_back();
  if (h.empty()) return false;
  for (const auto& pat : mx) {
    if (pat.size() > 2 && pat[0] == '*' && pat[1] == '.') {
      // RFC 8461 §4.1: "*" stands for exactly one whole left-most label.
      std::string_view suffix = std::string_view(pat).substr(1);  // ".example.com"
      if (h.size() <= suffix.size()) continue;
      std::string_view head = std::string_view(h).substr(0, h.size() - suffix.size());
      if (std::string_view(h).substr(head.size()) == suffix &&
          head.find('.') == std::string_view::npos)
        return true;
    } else if (h == pat) {
      return true;
    }
  }
  return false;
}

}  // namespace postino::queue
