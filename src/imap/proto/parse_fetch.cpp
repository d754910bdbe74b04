// FETCH / UID FETCH (RFC 9051 §6.4.5, BINARY RFC 3516 §4.1, CONDSTORE/QRESYNC
// modifiers RFC 7162 §3.1.4.1 and §3.2.6).
#include "imap/proto/parse_internal.hpp"

namespace postino::imap::detail {

namespace {

using A = FetchAtt::Kind;
constexpr size_t kMaxSectionParts = 100;  // depth of "1.2.3..." section parts

// The name of a fetch-att: everything up to SP, "(", ")", "[" or "<".
std::string att_name(Lexer& lx) {
  std::string name;
  while (!lx.at_end()) {
    char c = lx.peek();
    if (c == ' ' || c == '(' || c == ')' || c == '[' || c == '<') break;
    name.push_back(ascii_upper(c));
    lx.consume(c);
  }
  return name;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// section-part = nz-number *("." nz-number); stops before a "." not followed by a digit.
Result<std::vector<uint32_t>> parse_part(Lexer& lx) {
  std::vector<uint32_t> part;
  if (!is_digit(lx.peek())) return part;
  while (true) {
    if (part.size() >= kMaxSectionParts) return lx.error("section part too deep");
    IMAP_TRY_ASSIGN(n, lx.nz_number());
    part.push_back(n);
    if (lx.peek() != '.' || !is_digit(lx.peek_ahead(1))) return part;
    lx.consume('.');
  }
}

// section = "[" [section-spec] "]"
//   section-spec = section-msgtext / (section-part ["." section-text])
//   section-msgtext = "HEADER" / "HEADER.FIELDS" [".NOT"] SP header-list / "TEXT"
//   section-text = section-msgtext / "MIME"
Result<Section> parse_section(Lexer& lx) {
  IMAP_TRY(lx.expect('['));
  Section s;
  IMAP_TRY_ASSIGN(part, parse_part(lx));
  s.part = std::move(part);
  if (!s.part.empty() && lx.peek() == '.') {
    lx.consume('.');
    if (lx.peek() == ']') return lx.error("bad section");
  }
  if (lx.peek() != ']') {
    std::string word;
    while (!lx.at_end() && lx.peek() != ']' && lx.peek() != ' ') {
      word.push_back(ascii_upper(lx.peek()));
      lx.consume(lx.peek());
    }
    if (word == "HEADER") {
      s.text = Section::Text::header;
    } else if (word == "TEXT") {
      s.text = Section::Text::text;
    } else if (word == "MIME" && !s.part.empty()) {
      s.text = Section::Text::mime;
    } else if (word == "HEADER.FIELDS" || word == "HEADER.FIELDS.NOT") {
      s.text =
          word == "HEADER.FIELDS" ? Section::Text::header_fields : Section::Text::header_fields_not;
      IMAP_TRY(lx.sp());
      IMAP_TRY(lx.open());
      while (true) {
        IMAP_TRY_ASSIGN(field, lx.astring());
        s.fields.push_back(std::move(field));
        if (lx.peek() == ')') break;
        IMAP_TRY(lx.sp());
      }
      IMAP_TRY(lx.close());
    } else {
      return lx.error("bad section");
    }
  }
  IMAP_TRY(lx.expect(']'));
  return s;
}

// partial = "<" number64 "." nz-number64 ">"
Result<std::optional<Partial>> parse_partial(Lexer& lx) {
  if (!lx.consume('<')) return std::optional<Partial>();
  IMAP_TRY_ASSIGN(offset, lx.number64());
  IMAP_TRY(lx.expect('.'));
  IMAP_TRY_ASSIGN(length, lx.number64());
  if (length == 0) return lx.error("partial length must be non-zero");
  IMAP_TRY(lx.expect('>'));
  return std::optional<Partial>(Partial{offset, length});
}

Result<FetchAtt> parse_att(Lexer& lx) {
  static constexpr std::pair<const char*, A> kSimple[] = {{"ENVELOPE", A::envelope},
                                                          {"FLAGS", A::flags},
                                                          {"INTERNALDATE", A::internaldate},
                                                          {"RFC822", A::rfc822},
                                                          {"RFC822.HEADER", A::rfc822_header},
                                                          {"RFC822.SIZE", A::rfc822_size},
                                                          {"RFC822.TEXT", A::rfc822_text},
                                                          {"BODYSTRUCTURE", A::bodystructure},
                                                          {"UID", A::uid},
                                                          {"MODSEQ", A::modseq}};
  std::string name = att_name(lx);
  FetchAtt att;
  if (lx.peek() != '[') {
    if (name == "BODY") {
      att.kind = A::body;
      return att;
    }
    for (const auto& [n, kind] : kSimple) {
      if (name == n) {
        att.kind = kind;
        return att;
      }
    }
    return lx.error("unknown fetch attribute");
  }
  if (name == "BODY" || name == "BODY.PEEK") {
    att.kind = A::body_section;
    att.peek = name == "BODY.PEEK";
    IMAP_TRY_ASSIGN(section, parse_section(lx));
    att.section = std::move(section);
  } else if (name == "BINARY" || name == "BINARY.PEEK" || name == "BINARY.SIZE") {
    // RFC 3516 §6: section-binary = "[" [section-part] "]"
    att.kind = name == "BINARY.SIZE" ? A::binary_size : A::binary;
    att.peek = name == "BINARY.PEEK";
    IMAP_TRY(lx.expect('['));
    IMAP_TRY_ASSIGN(part, parse_part(lx));
    att.section.part = std::move(part);
    IMAP_TRY(lx.expect(']'));
    if (att.kind == A::binary_size) return att;
  } else {
    return lx.error("unknown fetch attribute");
  }
  IMAP_TRY_ASSIGN(partial, parse_partial(lx));
  att.partial = partial;
  return att;
}

std::vector<FetchAtt> macro(std::initializer_list<A> kinds) {
  std::vector<FetchAtt> out;
  for (A k : kinds) out.push_back(FetchAtt{k, false, {}, std::nullopt});
  return out;
}

// fetch-modifiers = SP "(" fetch-modifier *(SP fetch-modifier) ")"
Status parse_modifiers(Lexer& lx, FetchCmd& cmd) {
  IMAP_TRY(lx.open());
  while (true) {
    if (lx.keyword("CHANGEDSINCE")) {
      IMAP_TRY(lx.sp());
      IMAP_TRY_ASSIGN(v, lx.mod_sequence_value());
      cmd.changedsince = v;
    } else if (lx.keyword("VANISHED")) {
      cmd.vanished = true;
    } else {
      return lx.error("unknown FETCH modifier");
    }
    if (lx.peek() == ')') break;
    IMAP_TRY(lx.sp());
  }
  IMAP_TRY(lx.close());
  // RFC 7162 §3.2.6: VANISHED only in UID FETCH together with CHANGEDSINCE.
  if (cmd.vanished && (!cmd.uid || !cmd.changedsince))
    return lx.error("VANISHED needs UID FETCH and CHANGEDSINCE");
  return {};
}

}  // namespace

// fetch = "FETCH" SP sequence-set SP ("ALL" / "FULL" / "FAST" / fetch-att /
//         "(" fetch-att *(SP fetch-att) ")") [fetch-modifiers]
BodyResult parse_fetch(Lexer& lx, bool uid) {
  FetchCmd cmd;
  cmd.uid = uid;
  IMAP_TRY(lx.sp());
  IMAP_TRY_ASSIGN(set, lx.sequence_set());
  cmd.set = std::move(set);
  IMAP_TRY(lx.sp());
  if (lx.keyword("ALL")) {
    cmd.atts = macro({A::flags, A::internaldate, A::rfc822_size, A::envelope});
  } else if (lx.keyword("FAST")) {
    cmd.atts = macro({A::flags, A::internaldate, A::rfc822_size});
  } else if (lx.keyword("FULL")) {
    cmd.atts = macro({A::flags, A::internaldate, A::rfc822_size, A::envelope, A::body});
  } else if (lx.peek() == '(') {
    IMAP_TRY(lx.open());
    while (true) {
      IMAP_TRY_ASSIGN(att, parse_att(lx));
      cmd.atts.push_back(std::move(att));
      if (lx.peek() == ')') break;
      IMAP_TRY(lx.sp());
    }
    IMAP_TRY(lx.close());
  } else {
    IMAP_TRY_ASSIGN(att, parse_att(lx));
    cmd.atts.push_back(std::move(att));
  }
  if (lx.consume(' ')) IMAP_TRY(parse_modifiers(lx, cmd));
  IMAP_TRY(lx.end());
  return CommandBody(std::move(cmd));
}

}  // namespace postino::imap::detail
