#include "smtp/proto/command.hpp"

#include "base/strings.hpp"
#include "smtp/proto/reply_codes.hpp"

namespace postino::smtp {

namespace {

struct VerbInfo {
  std::string_view name;
  Verb verb;
};

constexpr VerbInfo kVerbs[] = {
    {"EHLO", Verb::Ehlo},         {"HELO", Verb::Helo}, {"MAIL", Verb::Mail}, {"RCPT", Verb::Rcpt},
    {"DATA", Verb::Data},         {"BDAT", Verb::Bdat}, {"RSET", Verb::Rset}, {"NOOP", Verb::Noop},
    {"QUIT", Verb::Quit},         {"VRFY", Verb::Vrfy}, {"EXPN", Verb::Expn}, {"HELP", Verb::Help},
    {"STARTTLS", Verb::StartTls}, {"AUTH", Verb::Auth},
};

Error syntax(std::string msg) { return make_error(Errc::invalid, std::move(msg)); }

size_t line_limit(Verb v) {
  switch (v) {
    case Verb::Mail:
      return kMaxMailCommandLine;
    case Verb::Rcpt:
      return kMaxRcptCommandLine;
    case Verb::Auth:
      return kMaxAuthCommandLine;
    default:
      return kMaxCommandLine;
  }
}

// Finds the '>' that closes a path starting at s[0] == '<', skipping quoted
// strings and quoted-pairs in the local part.
size_t find_path_end(std::string_view s) {
  bool quoted = false;
  for (size_t i = 1; i < s.size(); ++i) {
    char c = s[i];
    if (quoted) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        quoted = false;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == '>') {
      return i;
    }
  }
  return std::string_view::npos;
}

// "FROM:<path> params" / "TO:<path> params" (RFC 5321 §4.1.1.2, §4.1.1.3).
// A space after the colon is tolerated, as widely deployed clients send it.
Status parse_path_and_params(std::string_view rest, std::string_view keyword, Command& cmd) {
  if (!istarts_with(rest, keyword)) return syntax("expected " + std::string(keyword));
  rest.remove_prefix(keyword.size());
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  if (rest.empty() || rest.front() != '<') return syntax("path must be enclosed in <>");
  size_t end = find_path_end(rest);
  if (end == std::string_view::npos) return syntax("unterminated path");
  bool is_mail = cmd.verb == Verb::Mail;
  auto path = parse_path(rest.substr(0, end + 1), is_mail ? PathKind::Reverse : PathKind::Forward);
  if (!path) {
    Error e = path.take_error();
    return make_error(e.code == Errc::limit ? Errc::invalid : e.code, e.message);
  }
  cmd.path = std::move(*path);
  std::string_view params = rest.substr(end + 1);
  if (!params.empty() && params.front() != ' ') return syntax("expected SP after path");
  cmd.has_8bit = cmd.path.utf8 || has_8bit(params);
  if (is_mail) {
    auto mp = parse_mail_params(params);
    if (!mp) return mp.take_error();
    cmd.mail = std::move(*mp);
  } else {
    auto rp = parse_rcpt_params(params);
    if (!rp) return rp.take_error();
    cmd.rcpt = std::move(*rp);
  }
  return {};
}

// RFC 4954 §4: AUTH SP sasl-mech [SP initial-response]
Status parse_auth(std::string_view rest, Command& cmd) {
  size_t sp = rest.find(' ');
  std::string_view mech = rest.substr(0, sp);
  if (mech.empty() || mech.size() > kMaxAuthMechanismChars) return syntax("bad SASL mechanism");
  for (char c : mech) {  // RFC 4422 §3.1
    char u = ascii_upper(c);
    if (!((u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || u == '-' || u == '_'))
      return syntax("bad SASL mechanism");
  }
  cmd.auth_mechanism = to_upper(mech);
  if (sp == std::string_view::npos) return {};
  std::string_view ir = rest.substr(sp + 1);
  if (ir.empty() || ir.find(' ') != std::string_view::npos) return syntax("bad initial response");
  if (ir == "=") {
    cmd.auth_initial_response = std::string();
    return {};
  }
  auto decoded = base64_decode(ir);
  if (!decoded) return syntax("initial response is not base64");
  cmd.auth_initial_response = std::move(*decoded);
  return {};
}

Status parse_hello(std::string_view rest, Command& cmd) {
  if (rest.empty()) return syntax("EHLO/HELO needs a domain");
  if (rest.front() == '[') {
    if (!valid_address_literal(rest)) return syntax("bad address literal");
    cmd.argument_is_literal = true;
  } else if (!valid_domain(rest)) {
    return syntax("bad domain");
  }
  cmd.argument = std::string(rest);
  cmd.has_8bit = has_8bit(rest);
  return {};
}

Status parse_bdat(std::string_view rest, Command& cmd) {
  // RFC 3030 §2: bdat-cmd = "BDAT" SP chunk-size [SP end-marker]
  size_t sp = rest.find(' ');
  auto size = parse_u64(rest.substr(0, sp));
  if (!size) return syntax("bad BDAT chunk size");
  cmd.bdat_size = *size;
  if (sp != std::string_view::npos) {
    if (!iequals(rest.substr(sp + 1), "LAST")) return syntax("bad BDAT end marker");
    cmd.bdat_last = true;
  }
  return {};
}

}  // namespace

std::string_view verb_name(Verb v) {
  for (const auto& vi : kVerbs)
    if (vi.verb == v) return vi.name;
  return "?";
}

Result<Command> parse_command(std::string_view line) {
  if (line.size() + 2 > kMaxCommandLineBuffer) return make_error(Errc::limit, "line too long");
  for (char c : line)
    if (c == '\0' || c == '\r' || c == '\n') return syntax("control character in command line");
  // Trailing white space is tolerated (RFC 5321 §4.1.1 asks receivers to be
  // lenient about it in practice; it carries no meaning).
  std::string_view body = line;
  while (!body.empty() && (body.back() == ' ' || body.back() == '\t')) body.remove_suffix(1);

  size_t sp = body.find(' ');
  std::string_view word = body.substr(0, sp);
  std::string_view rest = sp == std::string_view::npos ? std::string_view() : body.substr(sp + 1);
  Command cmd;
  bool known = false;
  for (const auto& vi : kVerbs) {
    if (iequals(word, vi.name)) {
      cmd.verb = vi.verb;
      known = true;
      break;
    }
  }
  if (!known) {
    if (line.size() + 2 > kMaxCommandLine) return make_error(Errc::limit, "line too long");
    return make_error(Errc::not_found, "unrecognized command");
  }
  if (line.size() + 2 > line_limit(cmd.verb)) return make_error(Errc::limit, "line too long");
  bool has_arg = sp != std::string_view::npos;

  Status st;
  switch (cmd.verb) {
    case Verb::Ehlo:
    case Verb::Helo:
      st = parse_hello(rest, cmd);
      break;
    case Verb::Mail:
      st = has_arg ? parse_path_and_params(rest, "FROM:", cmd) : syntax("MAIL needs FROM:");
      break;
    case Verb::Rcpt:
      st = has_arg ? parse_path_and_params(rest, "TO:", cmd) : syntax("RCPT needs TO:");
      break;
    case Verb::Bdat:
      st = parse_bdat(rest, cmd);
      break;
    case Verb::Auth:
      st = parse_auth(rest, cmd);
      break;
    case Verb::Data:
    case Verb::Rset:
    case Verb::Quit:
    case Verb::StartTls:
      // RFC 5321 §4.1.1.4, §4.1.1.5, §4.1.1.10; RFC 3207 §4: no arguments.
      if (has_arg) st = syntax(std::string(verb_name(cmd.verb)) + " takes no arguments");
      break;
    case Verb::Vrfy:
    case Verb::Expn:
      if (rest.empty()) st = syntax(std::string(verb_name(cmd.verb)) + " needs an argument");
      cmd.argument = std::string(rest);
      break;
    case Verb::Noop:
    case Verb::Help:
      cmd.argument = std::string(rest);
      break;
  }
  if (!st) return st.take_error();
  if (!cmd.has_8bit) cmd.has_8bit = has_8bit(rest);
  return cmd;
}

const ReplyCode& command_error_reply(const Error& e) {
  switch (e.code) {
    case Errc::not_found:
      return kUnknownCommand;
    case Errc::limit:
      return kLineTooLong;
    case Errc::unavailable:
      return kBadParams;
    default:
      return kSyntax;
  }
}

}  // namespace postino::smtp
