#include "mailauth/spf/record.hpp"

#include <boost/asio/ip/address.hpp>

#include "base/strings.hpp"
#include "mailauth/spf/macro.hpp"

namespace postino::mailauth::spf {
namespace {

constexpr std::string_view kVersion = "v=spf1";

Error syntax(std::string_view what, std::string_view term) {
  return make_error(Errc::invalid, std::string(what) + ": '" + std::string(term) + "'");
}

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// RFC 7208 §12: name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." )
bool valid_modifier_name(std::string_view n) {
  if (n.empty() || !is_alpha(n[0])) return false;
  for (char c : n) {
    if (!is_alpha(c) && !is_digit(c) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

// ip4-cidr-length / ip6-cidr-length digits: no leading zero (RFC 7208 §5.6 ABNF).
std::optional<int> parse_prefix(std::string_view s, int max) {
  if (s.empty() || s.size() > 3 || (s.size() > 1 && s[0] == '0')) return std::nullopt;
  auto v = parse_u64(s);
  if (!v || *v > uint64_t(max)) return std::nullopt;
  return int(*v);
}

// Splits a trailing dual-cidr-length ("/N", "//M", "/N//M"; RFC 7208 §5.6) off
// `arg`: a '/' followed by digits only, at the end. A domain-spec may itself hold
// '/' (it is a macro-literal), so the split is made from the right.
std::string_view split_cidr(std::string_view& arg) {
  auto digits_suffix = [](std::string_view s, size_t& start) {
    size_t i = s.size();
    while (i > 0 && s[i - 1] >= '0' && s[i - 1] <= '9') --i;
    if (i == s.size() || i == 0 || s[i - 1] != '/') return false;
    start = i - 1;
    return true;
  };
  size_t start = arg.size(), p = 0;
  std::string_view rest = arg;
  if (digits_suffix(rest, p)) {
    if (p > 0 && rest[p - 1] == '/') {  // "//M"
      start = p - 1;
      rest = rest.substr(0, start);
      if (digits_suffix(rest, p)) start = p;
    } else {
      start = p;
    }
  }
  std::string_view cidr = arg.substr(start);
  arg = arg.substr(0, start);
  return cidr;
}

// dual-cidr-length = [ ip4-cidr-length ] [ "/" ip6-cidr-length ] (RFC 7208 §5.6)
Status parse_dual_cidr(std::string_view c, Mechanism& m) {
  if (c.empty()) return {};
  std::string_view v4, v6;
  bool has6 = false;
  if (auto p = c.find("//"); p != std::string_view::npos) {
    v4 = c.substr(0, p);
    v6 = c.substr(p + 2);
    has6 = true;
  } else {
    v4 = c;
  }
  if (!v4.empty()) {
    auto n = v4[0] == '/' ? parse_prefix(v4.substr(1), kMaxIp4Prefix) : std::nullopt;
    if (!n) return make_error(Errc::invalid, "bad ip4 cidr length");
    m.prefix4 = *n;
  }
  if (has6) {
    auto n = parse_prefix(v6, kMaxIp6Prefix);
    if (!n) return make_error(Errc::invalid, "bad ip6 cidr length");
    m.prefix6 = *n;
  }
  return {};
}

Result<Mechanism> parse_mechanism(std::string_view term) {
  Mechanism m;
  std::string_view t = term;
  switch (t.empty() ? '\0' : t[0]) {
    case '+':
    case '-':
    case '~':
    case '?':
      m.qualifier = Qualifier(t[0]);
      t.remove_prefix(1);
      break;
    default:
      break;
  }
  size_t name_end = 0;
  while (name_end < t.size() && is_alpha(t[name_end])) ++name_end;
  if (name_end < t.size() && is_digit(t[name_end])) {
    while (name_end < t.size() && is_digit(t[name_end])) ++name_end;  // "ip4", "ip6"
  }
  std::string name = to_lower(t.substr(0, name_end));
  std::string_view rest = t.substr(name_end);
  bool has_arg = !rest.empty() && rest[0] == ':';
  std::string_view arg = has_arg ? rest.substr(1) : std::string_view();
  std::string_view cidr = has_arg ? std::string_view() : rest;
  if (has_arg && (name == "a" || name == "mx")) cidr = split_cidr(arg);
  auto domain_spec = [&]() -> Status {
    auto st = check_macro_string(arg, MacroUse::domain_spec);
    if (!st) return syntax(st.error().message, term);
    m.domain_spec = std::string(arg);
    return {};
  };

  if (name == "all") {
    m.kind = MechanismKind::all;
    if (!rest.empty()) return syntax("'all' takes no argument", term);
  } else if (name == "include" || name == "exists") {
    m.kind = name == "include" ? MechanismKind::include : MechanismKind::exists;
    if (!has_arg) return syntax("domain-spec required", term);
    if (auto st = domain_spec(); !st) return st.take_error();
  } else if (name == "a" || name == "mx" || name == "ptr") {
    m.kind = name == "a" ? MechanismKind::a : name == "mx" ? MechanismKind::mx : MechanismKind::ptr;
    if (has_arg) {
      if (auto st = domain_spec(); !st) return st.take_error();
    }
    if (m.kind == MechanismKind::ptr) {
      if (!cidr.empty()) return syntax("'ptr' takes no cidr", term);
    } else if (auto st = parse_dual_cidr(cidr, m); !st) {
      return syntax(st.error().message, term);
    }
  } else if (name == "ip4" || name == "ip6") {
    m.kind = name == "ip4" ? MechanismKind::ip4 : MechanismKind::ip6;
    if (!has_arg) return syntax("network required", term);
    std::string_view net = arg, c;
    if (auto p = arg.find('/'); p != std::string_view::npos) {
      net = arg.substr(0, p);
      c = arg.substr(p);
    }
    boost::system::error_code ec;
    if (net.find('%') != std::string_view::npos) return syntax("bad network", term);
    if (m.kind == MechanismKind::ip4) {
      auto a = boost::asio::ip::make_address_v4(std::string(net), ec);
      if (ec) return syntax("bad ip4 network", term);
      m.network = a;
      if (!c.empty()) {
        auto n = parse_prefix(c.substr(1), kMaxIp4Prefix);
        if (!n || c[0] != '/') return syntax("bad ip4 cidr length", term);
        m.prefix4 = *n;
      }
    } else {
      auto a = boost::asio::ip::make_address_v6(std::string(net), ec);
      if (ec) return syntax("bad ip6 network", term);
      m.network = a;
      if (!c.empty()) {
        auto n = parse_prefix(c.substr(1), kMaxIp6Prefix);
        if (!n || c[0] != '/') return syntax("bad ip6 cidr length", term);
        m.prefix6 = *n;
      }
    }
  } else {
    return syntax("unknown mechanism", term);
  }
  return m;
}

}  // namespace

const char* mechanism_name(MechanismKind k) {
  switch (k) {
    case MechanismKind::all:
      return "all";
    case MechanismKind::include:
      return "include";
    case MechanismKind::a:
      return "a";
    case MechanismKind::mx:
      return "mx";
    case MechanismKind::ptr:
      return "ptr";
    case MechanismKind::ip4:
      return "ip4";
    case MechanismKind::ip6:
      return "ip6";
    case MechanismKind::exists:
      return "exists";
  }
  return "?";
}

bool is_spf_record(std::string_view txt) {
  return txt.size() >= kVersion.size() && iequals(txt.substr(0, kVersion.size()), kVersion) &&
         (txt.size() == kVersion.size() || txt[kVersion.size()] == ' ');
}

Result<Record> parse_record(std::string_view txt) {
  if (txt.size() > kMaxRecordLength) return make_error(Errc::invalid, "record too long");
  if (!is_spf_record(txt)) return make_error(Errc::invalid, "not an SPF version 1 record");
  Record rec;
  size_t terms = 0;
  // RFC 7208 §4.6.1: terms are separated by one or more SP (and only SP).
  for (auto term : split(txt.substr(kVersion.size()), ' ')) {
    if (term.empty()) continue;
    if (++terms > kMaxTerms) return make_error(Errc::invalid, "too many terms");
    auto eq = term.find('=');
    if (eq != std::string_view::npos && valid_modifier_name(term.substr(0, eq))) {
      std::string name = to_lower(term.substr(0, eq));
      std::string_view value = term.substr(eq + 1);
      if (name == "redirect" || name == "exp") {
        // RFC 7208 §6: each of these MUST NOT appear more than once.
        auto& slot = name == "redirect" ? rec.redirect : rec.exp;
        if (slot) return syntax("duplicate modifier", term);
        auto st = check_macro_string(value, MacroUse::domain_spec);
        if (!st) return syntax(st.error().message, term);
        slot = std::string(value);
      } else {
        auto st = check_macro_string(value, MacroUse::plain);
        if (!st) return syntax(st.error().message, term);
        rec.unknown.push_back(Modifier{std::move(name), std::string(value)});
      }
      continue;
    }
    auto m = parse_mechanism(term);
    if (!m) return m.take_error();
    rec.mechanisms.push_back(std::move(*m));
  }
  return rec;
}

}  // namespace postino::mailauth::spf
