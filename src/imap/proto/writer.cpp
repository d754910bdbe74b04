#include "imap/proto/writer.hpp"

#include "imap/proto/lexer.hpp"

namespace postino::imap::write {

namespace {
constexpr std::string_view kCrlf = "\r\n";

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) {
    if (!out.empty()) out.push_back(' ');
    out += i;
  }
  return out;
}

// Resp-text must be one line; a "[" at its start would read as a code.
std::string clean_text(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c == '\r' || c == '\n' || c == '\0') c = ' ';
  return out;
}

std::string status_line(std::string_view head, Cond cond, const std::optional<ResponseCode>& code,
                        std::string_view text) {
  std::string out(head);
  out.push_back(' ');
  out += cond_name(cond);
  if (code) {
    out += " [";
    out += clean_text(code->text);
    out.push_back(']');
  }
  out.push_back(' ');
  out += clean_text(text.empty() ? std::string_view("done") : text);
  out += kCrlf;
  return out;
}

}  // namespace

bool quotable(std::string_view s, bool utf8) {
  if (s.size() > kMaxQuotedBytes) return false;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u == 0 || u == '\r' || u == '\n') return false;
    if (u >= 0x80 && !utf8) return false;
  }
  return true;
}

std::string quoted(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out.push_back('"');
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string literal(std::string_view s) {
  std::string out = "{" + std::to_string(s.size()) + "}\r\n";
  out += s;
  return out;
}

std::string literal8(std::string_view s) { return "~" + literal(s); }

std::string string(std::string_view s, bool utf8) {
  return quotable(s, utf8) ? quoted(s) : literal(s);
}

std::string nstring(std::optional<std::string_view> s, bool utf8) {
  return s ? string(*s, utf8) : std::string("NIL");
}

std::string astring(std::string_view s, bool utf8) {
  bool atom = !s.empty() && s.size() <= kMaxQuotedBytes;
  for (char c : s) atom = atom && is_astring_char(c);
  if (atom && !(s.size() == 3 && (s[0] == 'N' || s[0] == 'n') && (s[1] == 'I' || s[1] == 'i') &&
                (s[2] == 'L' || s[2] == 'l')))
    return std::string(s);
  return string(s, utf8);
}

std::string flag_list(const std::vector<std::string>& flags) { return "(" + join(flags) + ")"; }

std::string sequence_set(const SequenceSet& set) { return set.to_string(); }

std::string sequence_set(std::vector<uint32_t> numbers) {
  return SequenceSet::from_numbers(std::move(numbers)).to_string();
}

std::string date_time(const DateTime& dt) { return "\"" + format_date_time(dt) + "\""; }

namespace code {
ResponseCode alert() { return {"ALERT"}; }
ResponseCode alreadyexists() { return {"ALREADYEXISTS"}; }
ResponseCode appenduid(uint32_t v, const SequenceSet& uids) {
  return {"APPENDUID " + std::to_string(v) + " " + uids.to_string()};
}
ResponseCode authenticationfailed() { return {"AUTHENTICATIONFAILED"}; }
ResponseCode authorizationfailed() { return {"AUTHORIZATIONFAILED"}; }
ResponseCode badcharset(const std::vector<std::string>& charsets) {
  if (charsets.empty()) return {"BADCHARSET"};
  std::vector<std::string> q;
  for (const auto& c : charsets) q.push_back(astring(c));
  return {"BADCHARSET (" + join(q) + ")"};
}
ResponseCode cannot() { return {"CANNOT"}; }
ResponseCode capability(const std::vector<std::string>& caps) {
  return {"CAPABILITY " + join(caps)};
}
ResponseCode clientbug() { return {"CLIENTBUG"}; }
ResponseCode closed() { return {"CLOSED"}; }
ResponseCode compressionactive() { return {"COMPRESSIONACTIVE"}; }
ResponseCode contactadmin() { return {"CONTACTADMIN"}; }
ResponseCode copyuid(uint32_t v, const SequenceSet& src, const SequenceSet& dst) {
  return {"COPYUID " + std::to_string(v) + " " + src.to_string() + " " + dst.to_string()};
}
ResponseCode corruption() { return {"CORRUPTION"}; }
ResponseCode expired() { return {"EXPIRED"}; }
ResponseCode expungeissued() { return {"EXPUNGEISSUED"}; }
ResponseCode haschildren() { return {"HASCHILDREN"}; }
ResponseCode highestmodseq(uint64_t m) { return {"HIGHESTMODSEQ " + std::to_string(m)}; }
ResponseCode inuse() { return {"INUSE"}; }
ResponseCode limit() { return {"LIMIT"}; }
ResponseCode modified(const SequenceSet& set) { return {"MODIFIED " + set.to_string()}; }
ResponseCode nomodseq() { return {"NOMODSEQ"}; }
ResponseCode nonexistent() { return {"NONEXISTENT"}; }
ResponseCode noperm() { return {"NOPERM"}; }
ResponseCode notsaved() { return {"NOTSAVED"}; }
ResponseCode overquota() { return {"OVERQUOTA"}; }
ResponseCode parse() { return {"PARSE"}; }
ResponseCode permanentflags(const std::vector<std::string>& flags) {
  return {"PERMANENTFLAGS " + flag_list(flags)};
}
ResponseCode privacyrequired() { return {"PRIVACYREQUIRED"}; }
ResponseCode readonly() { return {"READ-ONLY"}; }
ResponseCode readwrite() { return {"READ-WRITE"}; }
ResponseCode serverbug() { return {"SERVERBUG"}; }
ResponseCode toobig() { return {"TOOBIG"}; }
ResponseCode trycreate() { return {"TRYCREATE"}; }
ResponseCode uidnext(uint32_t uid) { return {"UIDNEXT " + std::to_string(uid)}; }
ResponseCode uidnotsticky() { return {"UIDNOTSTICKY"}; }
ResponseCode uidvalidity(uint32_t v) { return {"UIDVALIDITY " + std::to_string(v)}; }
ResponseCode unavailable() { return {"UNAVAILABLE"}; }
ResponseCode unknown_cte() { return {"UNKNOWN-CTE"}; }
ResponseCode unseen(uint32_t seq) { return {"UNSEEN " + std::to_string(seq)}; }
ResponseCode useattr() { return {"USEATTR"}; }
}  // namespace code

const char* cond_name(Cond c) {
  switch (c) {
    case Cond::ok:
      return "OK";
    case Cond::no:
      return "NO";
    case Cond::bad:
      return "BAD";
    case Cond::bye:
      return "BYE";
    case Cond::preauth:
      return "PREAUTH";
  }
  return "BAD";
}

std::string tagged(std::string_view tag, Cond cond, const std::optional<ResponseCode>& code,
                   std::string_view text) {
  return status_line(tag, cond, code, text);
}

std::string untagged_status(Cond cond, const std::optional<ResponseCode>& code,
                            std::string_view text) {
  return status_line("*", cond, code, text);
}

std::string untagged(std::string_view payload) {
  std::string out = "* ";
  out += payload;
  out += kCrlf;
  return out;
}

std::string continuation(std::string_view text) {
  std::string out = "+ ";
  out += clean_text(text);
  out += kCrlf;
  return out;
}

}  // namespace postino::imap::write
