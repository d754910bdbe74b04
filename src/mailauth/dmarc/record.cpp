#include "mailauth/dmarc/record.hpp"

#include <cctype>

#include "base/strings.hpp"

namespace postino::mailauth::dmarc {
namespace {

std::string_view trim_wsp(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool all_alpha(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) return false;
  }
  return true;
}

std::optional<Policy> parse_policy(std::string_view v) {
  // Values are compared case-insensitively, as receivers commonly do.
  if (iequals(v, "none")) return Policy::none;
  if (iequals(v, "quarantine")) return Policy::quarantine;
  if (iequals(v, "reject")) return Policy::reject;
  return std::nullopt;
}

// A URI: scheme ":" rest (RFC 3986 §3.1), with RFC 7489's "!size" suffix dropped.
std::vector<std::string> parse_uris(std::string_view v) {
  std::vector<std::string> out;
  for (auto part : split(v, ',')) {
    part = trim_wsp(part);
    if (auto bang = part.find('!'); bang != std::string_view::npos) part = part.substr(0, bang);
    auto colon = part.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == part.size()) continue;
    bool scheme_ok = (part[0] >= 'a' && part[0] <= 'z') || (part[0] >= 'A' && part[0] <= 'Z');
    for (char c : part.substr(0, colon)) {
      scheme_ok = scheme_ok &&
                  (std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.');
    }
    if (!scheme_ok || out.size() >= kMaxUris) continue;
    out.emplace_back(part);
  }
  return out;
}

bool valid_fo(std::string_view v) {
  for (auto opt : split(v, ':')) {
    opt = trim_wsp(opt);
    if (opt != "0" && opt != "1" && opt != "d" && opt != "s") return false;
  }
  return true;
}

}  // namespace

const char* policy_name(Policy p) {
  switch (p) {
    case Policy::none:
      return "none";
    case Policy::quarantine:
      return "quarantine";
    case Policy::reject:
      return "reject";
  }
  return "?";
}

bool is_dmarc_record(std::string_view txt) {
  auto first = trim_wsp(txt.substr(0, txt.find(';')));
  auto eq = first.find('=');
  if (eq == std::string_view::npos) return false;
  // RFC 9989 §4.8: dmarc-version = "v" equals %s"DMARC1" (case-sensitive value).
  return trim_wsp(first.substr(0, eq)) == "v" && trim_wsp(first.substr(eq + 1)) == "DMARC1";
}

Result<Record> parse_record(std::string_view txt) {
  if (txt.size() > kMaxRecordLength) return make_error(Errc::invalid, "DMARC record too long");
  if (!is_dmarc_record(txt)) return make_error(Errc::invalid, "not a DMARC1 record");
  Record r;
  std::vector<std::string> seen;
  auto parts = split(txt, ';');
  for (size_t i = 1; i < parts.size(); ++i) {
    auto spec = trim_wsp(parts[i]);
    auto eq = spec.find('=');
    if (eq == std::string_view::npos) continue;  // syntax error: ignored (§4.8)
    std::string name = to_lower(trim_wsp(spec.substr(0, eq)));
    std::string_view value = trim_wsp(spec.substr(eq + 1));
    if (!all_alpha(name) || value.empty()) continue;
    bool dup = false;
    for (const auto& s : seen) dup = dup || s == name;
    if (dup) continue;  // the first occurrence wins
    seen.push_back(name);
    if (name == "p") {
      r.p = parse_policy(value);
    } else if (name == "sp") {
      r.sp = parse_policy(value);
      r.sp_invalid = !r.sp;
    } else if (name == "np") {
      r.np = parse_policy(value);
      r.np_invalid = !r.np;
    } else if (name == "adkim" || name == "aspf") {
      Alignment a = Alignment::relaxed;
      if (iequals(value, "s")) {
        a = Alignment::strict;
      } else if (!iequals(value, "r")) {
        continue;
      }
      (name == "adkim" ? r.adkim : r.aspf) = a;
    } else if (name == "psd") {
      if (iequals(value, "y")) r.psd = PsdFlag::yes;
      if (iequals(value, "n")) r.psd = PsdFlag::no;
    } else if (name == "t") {
      r.testing = iequals(value, "y");
    } else if (name == "rua") {
      r.rua = parse_uris(value);
    } else if (name == "ruf") {
      r.ruf = parse_uris(value);
    } else if (name == "fo") {
      if (valid_fo(value)) r.fo = std::string(value);
    }
    // Anything else (pct, rf, ri, future tags) is ignored (§4.7).
  }
  return r;
}

}  // namespace postino::mailauth::dmarc
