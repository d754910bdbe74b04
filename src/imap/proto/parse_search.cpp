// SEARCH (RFC 9051 §6.4.4, RFC 3501 §6.4.4, ESEARCH RFC 4731, SEARCHRES
// RFC 5182, CONDSTORE MODSEQ RFC 7162 §3.1.5), SORT and THREAD (RFC 5256).
#include "imap/proto/parse_internal.hpp"

namespace postino::imap::detail {

namespace {

using K = SearchKey::Kind;

struct KeywordInfo {
  const char* name;
  K kind;
  enum Arg { none, astring, date, number, flag, header } arg;
};

constexpr KeywordInfo kKeys[] = {
    {"ALL", K::all, KeywordInfo::none},
    {"ANSWERED", K::answered, KeywordInfo::none},
    {"BCC", K::bcc, KeywordInfo::astring},
    {"BEFORE", K::before, KeywordInfo::date},
    {"BODY", K::body, KeywordInfo::astring},
    {"CC", K::cc, KeywordInfo::astring},
    {"DELETED", K::deleted, KeywordInfo::none},
    {"DRAFT", K::draft, KeywordInfo::none},
    {"FLAGGED", K::flagged, KeywordInfo::none},
    {"FROM", K::from, KeywordInfo::astring},
    {"HEADER", K::header, KeywordInfo::header},
    {"KEYWORD", K::keyword, KeywordInfo::flag},
    {"LARGER", K::larger, KeywordInfo::number},
    {"NEW", K::new_, KeywordInfo::none},
    {"OLD", K::old, KeywordInfo::none},
    {"ON", K::on, KeywordInfo::date},
    {"RECENT", K::recent, KeywordInfo::none},
    {"SEEN", K::seen, KeywordInfo::none},
    {"SENTBEFORE", K::sentbefore, KeywordInfo::date},
    {"SENTON", K::senton, KeywordInfo::date},
    {"SENTSINCE", K::sentsince, KeywordInfo::date},
    {"SINCE", K::since, KeywordInfo::date},
    {"SMALLER", K::smaller, KeywordInfo::number},
    {"SUBJECT", K::subject, KeywordInfo::astring},
    {"TEXT", K::text, KeywordInfo::astring},
    {"TO", K::to, KeywordInfo::astring},
    {"UNANSWERED", K::unanswered, KeywordInfo::none},
    {"UNDELETED", K::undeleted, KeywordInfo::none},
    {"UNDRAFT", K::undraft, KeywordInfo::none},
    {"UNFLAGGED", K::unflagged, KeywordInfo::none},
    {"UNKEYWORD", K::unkeyword, KeywordInfo::flag},
    {"UNSEEN", K::unseen, KeywordInfo::none},
};

Result<SearchKey> parse_key(Lexer& lx, size_t depth);

// "(" search-key *(SP search-key) ")" or the top-level program: keys until ")" / end.
Status parse_key_list(Lexer& lx, size_t depth, SearchKey& into, bool parenthesised) {
  while (true) {
    IMAP_TRY_ASSIGN(key, parse_key(lx, depth));
    into.children.push_back(std::move(key));
    if (parenthesised ? lx.peek() == ')' : lx.at_end()) return {};
    IMAP_TRY(lx.sp());
  }
}

// RFC 7162 §7: "MODSEQ" [SP entry-name SP entry-type-req] SP mod-sequence-valzer
Status parse_modseq(Lexer& lx, SearchKey& key) {
  IMAP_TRY(lx.sp());
  if (lx.peek() == '"') {
    IMAP_TRY_ASSIGN(entry, lx.string());
    if (entry.rfind("/flags/", 0) != 0) return lx.error("bad MODSEQ entry name");
    key.modseq_entry = std::move(entry);
    IMAP_TRY(lx.sp());
    IMAP_TRY_ASSIGN(type, lx.atom());
    type = to_lower(type);
    if (type != "priv" && type != "shared" && type != "all")
      return lx.error("bad MODSEQ entry type");
    key.modseq_entry_type = std::move(type);
    IMAP_TRY(lx.sp());
  }
  IMAP_TRY_ASSIGN(value, lx.mod_sequence_value());
  key.number = value;
  return {};
}

Result<SearchKey> parse_key(Lexer& lx, size_t depth) {
  if (depth > kMaxNestingDepth) return lx.error("search keys nested too deeply");
  SearchKey key;
  char c = lx.peek();
  if (c == '(') {
    IMAP_TRY(lx.open());
    key.kind = K::and_;
    IMAP_TRY(parse_key_list(lx, depth + 1, key, true));
    IMAP_TRY(lx.close());
    return key;
  }
  if ((c >= '0' && c <= '9') || c == '*' || c == '$') {
    key.kind = K::sequence;
    IMAP_TRY_ASSIGN(set, lx.sequence_set());
    key.set = std::move(set);
    return key;
  }
  IMAP_TRY_ASSIGN(word, lx.atom());
  std::string name = upper(std::move(word));
  if (name == "NOT" || name == "OR") {
    key.kind = name == "NOT" ? K::not_ : K::or_;
    for (int i = name == "NOT" ? 1 : 2; i > 0; --i) {
      IMAP_TRY(lx.sp());
      IMAP_TRY_ASSIGN(sub, parse_key(lx, depth + 1));
      key.children.push_back(std::move(sub));
    }
    return key;
  }
  if (name == "UID") {
    key.kind = K::uid;
    IMAP_TRY(lx.sp());
    IMAP_TRY_ASSIGN(set, lx.sequence_set());
    key.set = std::move(set);
    return key;
  }
  if (name == "MODSEQ") {
    key.kind = K::modseq;
    IMAP_TRY(parse_modseq(lx, key));
    return key;
  }
  for (const auto& info : kKeys) {
    if (name != info.name) continue;
    key.kind = info.kind;
    if (info.arg == KeywordInfo::none) return key;
    IMAP_TRY(lx.sp());
    switch (info.arg) {
      case KeywordInfo::astring: {
        IMAP_TRY_ASSIGN(s, lx.astring());
        key.str = std::move(s);
        break;
      }
      case KeywordInfo::header: {
        IMAP_TRY_ASSIGN(field, lx.astring());
        IMAP_TRY(lx.sp());
        IMAP_TRY_ASSIGN(value, lx.astring());
        key.str = std::move(field);
        key.value = std::move(value);
        break;
      }
      case KeywordInfo::date: {
        IMAP_TRY_ASSIGN(text, lx.date_text());
        IMAP_TRY_ASSIGN(date, parse_date(text));
        key.date = date;
        break;
      }
      case KeywordInfo::number: {
        IMAP_TRY_ASSIGN(n, lx.number64());
        key.number = n;
        break;
      }
      case KeywordInfo::flag: {
        IMAP_TRY_ASSIGN(kw, lx.atom());
        key.str = std::move(kw);
        break;
      }
      case KeywordInfo::none:
        break;
    }
    return key;
  }
  return lx.error("unknown search key");
}

// charset = atom / quoted
Result<std::string> parse_charset(Lexer& lx) {
  if (lx.peek() == '"') return lx.string();
  return lx.atom();
}

// search-program = ["CHARSET" SP charset SP] search-key *(SP search-key)
Result<SearchKey> parse_program(Lexer& lx, std::optional<std::string>* charset) {
  if (charset && lx.keyword("CHARSET")) {
    IMAP_TRY(lx.sp());
    IMAP_TRY_ASSIGN(cs, parse_charset(lx));
    *charset = std::move(cs);
    IMAP_TRY(lx.sp());
  }
  SearchKey root;
  root.kind = K::and_;
  IMAP_TRY(parse_key_list(lx, 0, root, false));
  return root;
}

}  // namespace

// search = "SEARCH" [SP "RETURN" SP "(" [search-return-opt *(SP search-return-opt)] ")"]
//          SP search-program
BodyResult parse_search(Lexer& lx, bool uid) {
  SearchCmd cmd;
  cmd.uid = uid;
  IMAP_TRY(lx.sp());
  if (lx.keyword("RETURN")) {
    IMAP_TRY(lx.sp());
    IMAP_TRY(lx.open());
    SearchReturn ret;
    while (lx.peek() != ')') {
      IMAP_TRY_ASSIGN(opt, lx.atom());
      std::string o = upper(std::move(opt));
      if (o == "MIN")
        ret.min = true;
      else if (o == "MAX")
        ret.max = true;
      else if (o == "ALL")
        ret.all = true;
      else if (o == "COUNT")
        ret.count = true;
      else if (o == "SAVE")
        ret.save = true;
      else
        return lx.error("unknown SEARCH return option");
      if (lx.peek() == ')') break;
      IMAP_TRY(lx.sp());
    }
    IMAP_TRY(lx.close());
    cmd.ret = ret;
    IMAP_TRY(lx.sp());
  }
  IMAP_TRY_ASSIGN(key, parse_program(lx, &cmd.charset));
  cmd.key = std::move(key);
  IMAP_TRY(lx.end());
  return CommandBody(std::move(cmd));
}

// RFC 5256 §5: sort = ["UID" SP] "SORT" SP sort-criteria SP search-criteria
//   sort-criteria = "(" sort-criterion *(SP sort-criterion) ")"
//   sort-criterion = ["REVERSE" SP] sort-key;  search-criteria = charset 1*(SP search-key)
BodyResult parse_sort(Lexer& lx, bool uid) {
  static constexpr std::pair<const char*, SortKey::Kind> kSortKeys[] = {
      {"ARRIVAL", SortKey::Kind::arrival},
      {"CC", SortKey::Kind::cc},
      {"DATE", SortKey::Kind::date},
      {"FROM", SortKey::Kind::from},
      {"SIZE", SortKey::Kind::size},
      {"SUBJECT", SortKey::Kind::subject},
      {"TO", SortKey::Kind::to}};
  SortCmd cmd;
  cmd.uid = uid;
  IMAP_TRY(lx.sp());
  IMAP_TRY(lx.open());
  while (true) {
    SortKey sk;
    if (lx.keyword("REVERSE")) {
      sk.reverse = true;
      IMAP_TRY(lx.sp());
    }
    IMAP_TRY_ASSIGN(word, lx.atom());
    std::string name = upper(std::move(word));
    bool found = false;
    for (const auto& [n, kind] : kSortKeys) {
      if (name == n) {
        sk.kind = kind;
        found = true;
      }
    }
    if (!found) return lx.error("unknown sort key");
    cmd.keys.push_back(sk);
    if (lx.peek() == ')') break;
    IMAP_TRY(lx.sp());
  }
  IMAP_TRY(lx.close());
  IMAP_TRY(lx.sp());
  IMAP_TRY_ASSIGN(cs, parse_charset(lx));
  cmd.charset = std::move(cs);
  IMAP_TRY(lx.sp());
  IMAP_TRY_ASSIGN(key, parse_program(lx, nullptr));
  cmd.key = std::move(key);
  IMAP_TRY(lx.end());
  return CommandBody(std::move(cmd));
}

// RFC 5256 §5: thread = ["UID" SP] "THREAD" SP thread-alg SP search-criteria
BodyResult parse_thread(Lexer& lx, bool uid) {
  ThreadCmd cmd;
  cmd.uid = uid;
  IMAP_TRY(lx.sp());
  IMAP_TRY_ASSIGN(alg, lx.atom());
  cmd.algorithm = upper(std::move(alg));
  IMAP_TRY(lx.sp());
  IMAP_TRY_ASSIGN(cs, parse_charset(lx));
  cmd.charset = std::move(cs);
  IMAP_TRY(lx.sp());
  IMAP_TRY_ASSIGN(key, parse_program(lx, nullptr));
  cmd.key = std::move(key);
  IMAP_TRY(lx.end());
  return CommandBody(std::move(cmd));
}

}  // namespace postino::imap::detail
