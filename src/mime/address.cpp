#include "mime/address.hpp"

#include "base/strings.hpp"

namespace postino::mime {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

bool is_special(char c) {
  switch (c) {
    case '<':
    case '>':
    case '@':
    case ',':
    case ';':
    case ':':
    case '(':
    case ')':
    case '"':
    case '[':
    case ']':
    case '\\':
      return true;
    default:
      return false;
  }
}

struct Token {
  enum Kind { atom, quoted, special, comment };
  Kind kind;
  char ch = 0;       // for special
  std::string text;  // atom / quoted (unescaped) / domain literal "[...]" / comment content
};

// RFC 5322 §3.2 lexical tokens. '.' is part of atoms (obs-phrase, dot-atom);
// a domain literal is one atom including its brackets.
std::vector<Token> tokenize(std::string_view s) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (is_space(c)) {
      ++i;
    } else if (c == '"') {
      Token t{Token::quoted, 0, {}};
      for (++i; i < s.size() && s[i] != '"'; ++i) {
        if (s[i] == '\\' && i + 1 < s.size()) ++i;
        if (s[i] == '\r' || s[i] == '\n') continue;
        t.text.push_back(s[i]);
      }
      ++i;
      out.push_back(std::move(t));
    } else if (c == '(') {
      Token t{Token::comment, 0, {}};
      int depth = 0;
      for (; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 1 < s.size()) {
          t.text.push_back(s[++i]);
          continue;
        }
        if (s[i] == '(' && depth++ == 0) continue;
        if (s[i] == ')' && --depth == 0) {
          ++i;
          break;
        }
        if (s[i] == '\r' || s[i] == '\n') continue;
        t.text.push_back(s[i]);
      }
      out.push_back(std::move(t));
    } else if (c == '[') {
      size_t e = s.find(']', i);
      e = e == std::string_view::npos ? s.size() : e + 1;
      Token t{Token::atom, 0, {}};
      for (size_t k = i; k < e; ++k)
        if (!is_space(s[k])) t.text.push_back(s[k]);
      out.push_back(std::move(t));
      i = e;
    } else if (is_special(c)) {
      out.push_back(Token{Token::special, c, {}});
      ++i;
    } else {
      size_t b = i;
      while (i < s.size() && !is_space(s[i]) && !is_special(s[i])) ++i;
      out.push_back(Token{Token::atom, 0, std::string(s.substr(b, i - b))});
    }
  }
  return out;
}

bool is_special_tok(const Token& t, char c) { return t.kind == Token::special && t.ch == c; }

// Words joined by single spaces; specials glued to their neighbours.
std::string phrase(const std::vector<Token>& t, size_t b, size_t e) {
  std::string out;
  bool glue = true;
  for (size_t i = b; i < e; ++i) {
    if (t[i].kind == Token::comment) continue;
    if (t[i].kind == Token::special) {
      if (t[i].ch != '"' && t[i].ch != '\\') out.push_back(t[i].ch);
      glue = true;
      continue;
    }
    if (!glue) out.push_back(' ');
    out += t[i].text;
    glue = false;
  }
  return out;
}

// addr-spec from tokens [b, e): the last '@' splits local-part from domain.
void fill_addr_spec(const std::vector<Token>& t, size_t b, size_t e, Address* a) {
  size_t at = e;
  for (size_t i = b; i < e; ++i)
    if (is_special_tok(t[i], '@')) at = i;
  auto concat = [&](size_t x, size_t y) {
    std::string s;
    for (size_t i = x; i < y; ++i) {
      if (t[i].kind == Token::atom || t[i].kind == Token::quoted) s += t[i].text;
      if (t[i].kind == Token::special && t[i].ch == '@') s.push_back('@');
    }
    return s;
  };
  a->local = concat(b, at);
  if (at < e) a->domain = concat(at + 1, e);
}

// One mailbox from tokens [b, e) (no top-level ',' ';' inside).
bool parse_mailbox(const std::vector<Token>& t, size_t b, size_t e, Address* a) {
  size_t lt = e;
  for (size_t i = b; i < e; ++i)
    if (is_special_tok(t[i], '<')) {
      lt = i;
      break;
    }
  if (lt < e) {  // name-addr: [display-name] angle-addr
    a->display_name = phrase(t, b, lt);
    size_t gt = e;
    for (size_t i = lt + 1; i < e; ++i)
      if (is_special_tok(t[i], '>')) {
        gt = i;
        break;
      }
    size_t s = lt + 1;
    if (s < gt && is_special_tok(t[s], '@')) {  // RFC 5322 §4.4 obs-route "@a,@b:"
      size_t colon = s;
      while (colon < gt && !is_special_tok(t[colon], ':')) ++colon;
      if (colon < gt) {
        a->route = phrase(t, s, colon);
        std::string r;
        for (char c : a->route)
          if (c != ' ') r.push_back(c);
        a->route = r;
        s = colon + 1;
      }
    }
    fill_addr_spec(t, s, gt, a);
  } else {
    fill_addr_spec(t, b, e, a);
    for (size_t i = b; i < e; ++i)  // "user@host (Full Name)"
      if (t[i].kind == Token::comment && !trim(t[i].text).empty()) {
        a->display_name = std::string(trim(t[i].text));
        break;
      }
  }
  return !a->local.empty() || !a->domain.empty();  // a lone comment or phrase is no address
}

}  // namespace

std::vector<Address> parse_address_list(std::string_view value) {
  std::vector<Address> out;
  std::vector<Token> t = tokenize(value);
  bool in_group = false;
  size_t i = 0;
  while (i < t.size() && out.size() < kMaxAddresses) {
    // A segment ends at a top-level ',' ';' or ':' (inside <...> they are route syntax).
    size_t e = i;
    bool angle = false, has_angle = false;
    for (; e < t.size(); ++e) {
      if (is_special_tok(t[e], '<')) angle = has_angle = true;
      if (is_special_tok(t[e], '>')) angle = false;
      if (angle) continue;
      if (is_special_tok(t[e], ',') || is_special_tok(t[e], ';') || is_special_tok(t[e], ':'))
        break;
    }
    char term = e < t.size() ? t[e].ch : 0;
    if (term == ':' && !has_angle) {  // RFC 5322 §3.4 group: display-name ":" [group-list] ";"
      if (in_group) out.push_back(Address{Address::Kind::group_end, {}, {}, {}, {}});
      Address g;
      g.kind = Address::Kind::group_start;
      g.display_name = phrase(t, i, e);
      out.push_back(std::move(g));
      in_group = true;
    } else {
      Address a;
      if (parse_mailbox(t, i, e, &a)) out.push_back(std::move(a));
      if (term == ';' && in_group) {
        out.push_back(Address{Address::Kind::group_end, {}, {}, {}, {}});
        in_group = false;
      }
    }
    i = e + 1;
  }
  if (in_group) out.push_back(Address{Address::Kind::group_end, {}, {}, {}, {}});
  return out;
}

std::string addr_spec(const Address& a) {
  bool dot_atom = !a.local.empty() && a.local.front() != '.' && a.local.back() != '.' &&
                  a.local.find("..") == std::string::npos;
  for (char c : a.local)
    if (is_space(c) || is_special(c) || static_cast<unsigned char>(c) < 0x20) dot_atom = false;
  std::string out;
  if (dot_atom) {
    out = a.local;
  } else {
    out.push_back('"');
    for (char c : a.local) {
      if (c == '"' || c == '\\') out.push_back('\\');
      out.push_back(c);
    }
    out.push_back('"');
  }
  if (!a.domain.empty()) out += "@" + a.domain;
  return out;
}

}  // namespace postino::mime
