#include "imap/proto/lexer.hpp"

#include <cstring>

#include "base/strings.hpp"

namespace postino::imap {

namespace {
constexpr uint64_t kMaxModSeq = (uint64_t{1} << 63) - 1;  // RFC 7162 §7 mod-sequence-value
}

bool is_atom_char(char c) {
  auto u = static_cast<unsigned char>(c);
  if (u <= 0x1f || u >= 0x7f) return false;  // CTL and 8-bit
  return std::strchr("(){ %*\"\\]", c) == nullptr;
}
bool is_astring_char(char c) { return is_atom_char(c) || c == ']'; }
bool is_tag_char(char c) { return is_astring_char(c) && c != '+'; }
bool is_list_char(char c) { return is_atom_char(c) || c == '%' || c == '*' || c == ']'; }

std::string fold_inbox(std::string name) {
  if (iequals(name, "INBOX")) return "INBOX";
  return name;
}

Error Lexer::error(std::string message) const {
  return make_error(Errc::invalid, std::move(message));
}

Status Lexer::count_token() {
  if (++tokens_ > kMaxArguments) return error("too many arguments");
  return {};
}

bool Lexer::consume(char c) {
  if (peek() != c || at_end()) return false;
  ++pos_;
  return true;
}

Status Lexer::expect(char c) {
  if (consume(c)) return {};
  if (c == ' ') return error("expected a space");
  return error(std::string("expected '") + c + "'");
}

Status Lexer::end() {
  if (!at_end()) return error("unexpected characters at end of command");
  return {};
}

Status Lexer::open() {
  if (!consume('(')) return error("expected '('");
  if (++depth_ > kMaxNestingDepth) return error("lists nested too deeply");
  return count_token();
}

Status Lexer::close() {
  if (!consume(')')) return error("expected ')'");
  if (depth_ > 0) --depth_;
  return {};
}

bool Lexer::keyword(std::string_view kw) {
  if (pos_ + kw.size() > f_.text.size()) return false;
  if (!iequals(std::string_view(f_.text).substr(pos_, kw.size()), kw)) return false;
  size_t after = pos_ + kw.size();
  if (after < f_.text.size() && is_atom_char(f_.text[after]) && is_atom_char(kw.back()))
    return false;
  pos_ = after;
  return true;
}

Result<std::string> Lexer::atom() {
  size_t start = pos_;
  while (!at_end() && is_atom_char(f_.text[pos_])) ++pos_;
  if (pos_ == start) return error("expected an atom");
  if (auto st = count_token(); !st) return st.take_error();
  return f_.text.substr(start, pos_ - start);
}

Result<std::string> Lexer::tag() {
  size_t start = pos_;
  while (!at_end() && is_tag_char(f_.text[pos_])) ++pos_;
  if (pos_ == start) return error("missing or invalid tag");
  return f_.text.substr(start, pos_ - start);
}

Result<uint64_t> Lexer::number64() {
  size_t start = pos_;
  while (!at_end() && f_.text[pos_] >= '0' && f_.text[pos_] <= '9') ++pos_;
  if (pos_ == start) return error("expected a number");
  auto v = parse_u64(std::string_view(f_.text).substr(start, pos_ - start));
  if (!v || *v > static_cast<uint64_t>(INT64_MAX)) return error("number out of range");
  if (auto st = count_token(); !st) return st.take_error();
  return *v;
}

Result<uint32_t> Lexer::number() {
  auto v = number64();
  if (!v) return v.take_error();
  if (*v > UINT32_MAX) return error("number out of range");
  return static_cast<uint32_t>(*v);
}

Result<uint32_t> Lexer::nz_number() {
  auto v = number();
  if (!v) return v;
  if (*v == 0) return error("expected a non-zero number");
  return v;
}

Result<uint64_t> Lexer::mod_sequence_value() {
  auto v = number64();
  if (!v) return v;
  if (*v > kMaxModSeq) return error("mod-sequence out of range");
  return v;
}

bool Lexer::at_literal() const {
  char c = peek();
  return c == '{' || (c == '~' && pos_ + 1 < f_.text.size() && f_.text[pos_ + 1] == '{');
}

Result<std::string> Lexer::string(bool binary_ok, bool* was_binary) {
  if (auto st = count_token(); !st) return st.take_error();
  if (consume('"')) {
    // RFC 9051 §4.3: quoted chars; "\" escapes only DQUOTE and "\"; 8-bit allowed (UTF-8).
    std::string out;
    while (true) {
      if (at_end()) return error("unterminated quoted string");
      char c = f_.text[pos_++];
      if (c == '"') return out;
      if (c == '\\') {
        if (at_end()) return error("unterminated quoted string");
        char e = f_.text[pos_++];
        if (e != '"' && e != '\\') return error("bad escape in quoted string");
        out.push_back(e);
        continue;
      }
      if (c == '\0' || c == '\r' || c == '\n') return error("bad character in quoted string");
      out.push_back(c);
    }
  }
  if (!at_literal()) return error("expected a string");
  bool binary = consume('~');
  if (binary && !binary_ok) return error("literal8 not allowed here");
  consume('{');
  while (!at_end() && f_.text[pos_] >= '0' && f_.text[pos_] <= '9') ++pos_;
  if (peek() == '+') ++pos_;  // RFC 7888 §3 non-synchronizing literal
  if (!consume('}')) return error("malformed literal");
  if (next_literal_ >= f_.literals.size() || f_.literal_at[next_literal_] != pos_)
    return error("literal not at end of line");
  std::string data = std::move(f_.literals[next_literal_++]);
  if (!binary_ok && data.find('\0') != std::string::npos)
    return error("NUL in literal");  // RFC 9051 §4.3: CHAR8 excludes NUL
  if (was_binary) *was_binary = binary;
  return data;
}

Result<std::string> Lexer::astring() {
  if (peek() == '"' || at_literal()) return string();
  size_t start = pos_;
  while (!at_end() && is_astring_char(f_.text[pos_])) ++pos_;
  if (pos_ == start) return error("expected an astring");
  if (auto st = count_token(); !st) return st.take_error();
  return f_.text.substr(start, pos_ - start);
}

Result<std::optional<std::string>> Lexer::nstring() {
  if (peek() == '"' || at_literal()) {
    auto s = string();
    if (!s) return s.take_error();
    return std::optional<std::string>(std::move(*s));
  }
  if (keyword("NIL")) return std::optional<std::string>();
  return error("expected a string or NIL");
}

Result<std::string> Lexer::mailbox() {
  auto s = astring();
  if (!s) return s;
  return fold_inbox(std::move(*s));
}

Result<std::string> Lexer::list_mailbox() {
  if (peek() == '"' || at_literal()) return string();
  size_t start = pos_;
  while (!at_end() && is_list_char(f_.text[pos_])) ++pos_;
  if (pos_ == start) return error("expected a mailbox pattern");
  if (auto st = count_token(); !st) return st.take_error();
  return f_.text.substr(start, pos_ - start);
}

Result<std::string> Lexer::flag() {
  if (consume('\\')) {
    if (consume('*')) return std::string("\\*");  // flag-perm (PERMANENTFLAGS); checked by caller
    auto a = atom();
    if (!a) return a;
    return "\\" + *a;
  }
  return atom();
}

Result<std::vector<std::string>> Lexer::flag_list() {
  if (auto st = open(); !st) return st.take_error();
  std::vector<std::string> flags;
  if (!consume(')')) {
    while (true) {
      auto f = flag();
      if (!f) return f.take_error();
      if (*f == "\\*") return error("\\* is not a flag");
      flags.push_back(std::move(*f));
      if (consume(')')) break;
      if (auto st = sp(); !st) return st.take_error();
    }
  }
  if (depth_ > 0) --depth_;
  return flags;
}

Result<SequenceSet> Lexer::sequence_set() {
  size_t start = pos_;
  while (!at_end()) {
    char c = f_.text[pos_];
    if ((c >= '0' && c <= '9') || c == ':' || c == ',' || c == '*' || c == '$')
      ++pos_;
    else
      break;
  }
  if (pos_ == start) return error("expected a sequence set");
  if (auto st = count_token(); !st) return st.take_error();
  return SequenceSet::parse(std::string_view(f_.text).substr(start, pos_ - start));
}

Result<std::string> Lexer::date_text() {
  if (peek() == '"') return string();
  size_t start = pos_;
  while (!at_end() && is_atom_char(f_.text[pos_])) ++pos_;
  if (pos_ == start) return error("expected a date");
  return f_.text.substr(start, pos_ - start);
}

}  // namespace postino::imap
