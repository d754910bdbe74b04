#include "pop3/proto/command.hpp"

#include <array>
#include <vector>

#include "base/strings.hpp"

namespace postino::pop3 {
namespace {

struct VerbInfo {
  Pop3Verb verb;
  std::string_view name;
};

constexpr std::array<VerbInfo, 16> kVerbs = {{
    {Pop3Verb::kUser, "USER"},
    {Pop3Verb::kPass, "PASS"},
    {Pop3Verb::kStat, "STAT"},
    {Pop3Verb::kList, "LIST"},
    {Pop3Verb::kRetr, "RETR"},
    {Pop3Verb::kDele, "DELE"},
    {Pop3Verb::kNoop, "NOOP"},
    {Pop3Verb::kRset, "RSET"},
    {Pop3Verb::kQuit, "QUIT"},
    {Pop3Verb::kTop, "TOP"},
    {Pop3Verb::kUidl, "UIDL"},
    {Pop3Verb::kApop, "APOP"},
    {Pop3Verb::kCapa, "CAPA"},
    {Pop3Verb::kStls, "STLS"},
    {Pop3Verb::kAuth, "AUTH"},
    {Pop3Verb::kUtf8, "UTF8"},
}};

Error unknown(std::string_view why) { return make_error(Errc::not_found, std::string(why)); }
Error bad(std::string why) { return make_error(Errc::invalid, std::move(why)); }

bool is_ctl(char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }

// Arguments are separated by one or more spaces (RFC 1939 §3 says one; we
// accept runs so sloppy clients still work).
std::vector<std::string_view> words(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') ++i;
    size_t start = i;
    while (i < s.size() && s[i] != ' ') ++i;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
  return out;
}

Result<uint32_t> msg_number(std::string_view s, bool allow_zero = false) {
  auto v = parse_u64(s);
  if (!v || *v > UINT32_MAX) return bad("invalid number '" + std::string(s.substr(0, 20)) + "'");
  if (*v == 0 && !allow_zero) return bad("message numbers start at 1");
  return static_cast<uint32_t>(*v);
}

bool is_sasl_mech(std::string_view s) {
  if (s.empty() || s.size() > kMaxSaslMechLength) return false;
  for (char c : s) {
    char u = ascii_upper(c);
    if (!((u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || u == '-' || u == '_')) return false;
  }
  return true;
}

// RFC 5034 §4 initial-response = base64 / "=".
bool is_initial_response(std::string_view s) {
  if (s == "=") return true;
  if (s.empty() || s.size() % 4 != 0) return false;
  size_t pad = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool b64 = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '+' || c == '/';
    if (c == '=') {
      ++pad;
    } else if (!b64 || pad > 0) {
      return false;
    }
  }
  return pad <= 2;
}

Status expect_count(const std::vector<std::string_view>& args, size_t min, size_t max,
                    std::string_view verb) {
  if (args.size() < min) return bad(std::string(verb) + ": missing argument");
  if (args.size() > max) return bad(std::string(verb) + ": too many arguments");
  return {};
}

}  // namespace

std::string_view verb_name(Pop3Verb v) {
  for (const auto& i : kVerbs)
    if (i.verb == v) return i.name;
  return "?";
}

Pop3ErrorKind pop3_error_kind(const Error& e) {
  switch (e.code) {
    case Errc::not_found:
      return Pop3ErrorKind::kUnknownCommand;
    case Errc::limit:
      return Pop3ErrorKind::kLineTooLong;
    default:
      return Pop3ErrorKind::kBadArgument;
  }
}

Result<Pop3Command> parse_pop3_command(std::string_view line) {
  if (line.size() > kMaxCommandLine) return make_error(Errc::limit, "command line too long");
  for (char c : line)
    if (c == '\0' || c == '\r' || c == '\n') return bad("control character in command");
  auto sp = line.find(' ');
  std::string_view keyword = line.substr(0, sp);
  std::string_view rest = sp == std::string_view::npos ? std::string_view{} : line.substr(sp + 1);

  const VerbInfo* info = nullptr;
  for (const auto& i : kVerbs)
    if (iequals(keyword, i.name)) info = &i;
  if (!info) return unknown("unknown command");

  Pop3Command c;
  c.verb = info->verb;
  if (c.verb == Pop3Verb::kPass) {
    // RFC 1939 §7: the password is the rest of the line and may hold spaces.
    if (rest.empty()) return bad("PASS: missing argument");
    for (char ch : rest)
      if (is_ctl(ch)) return bad("PASS: control character in argument");
    c.arg = std::string(rest);
    return c;
  }
  for (char ch : rest)
    if (is_ctl(ch)) return bad(std::string(info->name) + ": control character in argument");
  auto args = words(rest);
  auto name = info->name;
  switch (c.verb) {
    case Pop3Verb::kStat:
    case Pop3Verb::kNoop:
    case Pop3Verb::kRset:
    case Pop3Verb::kQuit:
    case Pop3Verb::kCapa:
    case Pop3Verb::kStls:
    case Pop3Verb::kUtf8:
      if (auto st = expect_count(args, 0, 0, name); !st) return st.take_error();
      break;
    case Pop3Verb::kUser:
      if (auto st = expect_count(args, 1, 1, name); !st) return st.take_error();
      c.arg = std::string(args[0]);
      break;
    case Pop3Verb::kList:
    case Pop3Verb::kUidl:
    case Pop3Verb::kRetr:
    case Pop3Verb::kDele: {
      bool optional = c.verb == Pop3Verb::kList || c.verb == Pop3Verb::kUidl;
      if (auto st = expect_count(args, optional ? 0 : 1, 1, name); !st) return st.take_error();
      if (!args.empty()) {
        auto n = msg_number(args[0]);
        if (!n) return n.take_error();
        c.msg = *n;
      }
      break;
    }
    case Pop3Verb::kTop: {
      if (auto st = expect_count(args, 2, 2, name); !st) return st.take_error();
      auto n = msg_number(args[0]);
      if (!n) return n.take_error();
      auto lines = msg_number(args[1], /*allow_zero=*/true);
      if (!lines) return lines.take_error();
      c.msg = *n;
      c.lines = *lines;
      break;
    }
    case Pop3Verb::kApop: {
      if (auto st = expect_count(args, 2, 2, name); !st) return st.take_error();
      if (args[1].size() != kApopDigestLength) return bad("APOP: digest must be 32 hex digits");
      for (char ch : args[1]) {
        char l = ascii_lower(ch);
        if (!((l >= '0' && l <= '9') || (l >= 'a' && l <= 'f')))
          return bad("APOP: digest must be 32 hex digits");
      }
      c.arg = std::string(args[0]);
      c.digest = to_lower(args[1]);
      break;
    }
    case Pop3Verb::kAuth:
      // A bare AUTH lists mechanisms (RFC 1734 clients still send it).
      if (auto st = expect_count(args, 0, 2, name); !st) return st.take_error();
      if (!args.empty()) {
        if (!is_sasl_mech(args[0])) return bad("AUTH: invalid mechanism name");
        c.arg = to_upper(args[0]);
      }
      if (args.size() == 2) {
        if (!is_initial_response(args[1])) return bad("AUTH: initial response is not base64");
        c.initial_response = std::string(args[1]);
      }
      break;
    case Pop3Verb::kPass:
      break;
  }
  return c;
}

std::string format_pop3_command(const Pop3Command& c) {
  std::string out(verb_name(c.verb));
  auto add = [&](std::string_view s) {
    out += ' ';
    out += s;
  };
  switch (c.verb) {
    case Pop3Verb::kUser:
    case Pop3Verb::kPass:
      add(c.arg);
      break;
    case Pop3Verb::kApop:
      add(c.arg);
      add(c.digest);
      break;
    case Pop3Verb::kTop:
      add(std::to_string(c.msg.value_or(0)));
      add(std::to_string(c.lines));
      break;
    case Pop3Verb::kAuth:
      if (!c.arg.empty()) add(c.arg);
      if (c.initial_response) add(*c.initial_response);
      break;
    default:
      if (c.msg) add(std::to_string(*c.msg));
      break;
  }
  return out;
}

}  // namespace postino::pop3
