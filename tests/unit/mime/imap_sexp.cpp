#include "imap_sexp.hpp"

#include <cctype>

namespace mimetest {

namespace {

struct Reader {
  std::string_view s;
  size_t i = 0;

  bool value(Sexp* out) {
    if (i >= s.size()) return false;
    char c = s[i];
    if (c == '(') {
      ++i;
      out->kind = Sexp::list;
      while (i < s.size() && s[i] != ')') {
        if (!out->items.empty()) {
          // SP separates items, except that bodies of a multipart (and the
          // addresses of a list) follow each other directly.
          bool list_after_list = out->items.back().kind == Sexp::list && s[i] == '(';
          if (s[i] == ' ')
            ++i;
          else if (!list_after_list)
            return false;
        }
        Sexp item;
        if (!value(&item)) return false;
        out->items.push_back(std::move(item));
      }
      if (i >= s.size()) return false;
      ++i;
      return true;
    }
    if (c == '"') {
      out->kind = Sexp::string;
      for (++i; i < s.size() && s[i] != '"'; ++i) {
        if (s[i] == '\\') ++i;
        if (i >= s.size()) return false;
        unsigned char u = static_cast<unsigned char>(s[i]);
        if (u == '\r' || u == '\n' || u >= 0x80 || u == 0) return false;
        out->text.push_back(s[i]);
      }
      if (i >= s.size()) return false;
      ++i;
      return true;
    }
    if (c == '{') {
      size_t close = s.find("}\r\n", i);
      if (close == std::string_view::npos) return false;
      size_t n = std::stoul(std::string(s.substr(i + 1, close - i - 1)));
      i = close + 3;
      if (i + n > s.size()) return false;
      out->kind = Sexp::string;
      out->text = std::string(s.substr(i, n));
      i += n;
      return true;
    }
    if (s.substr(i, 3) == "NIL") {
      i += 3;
      out->kind = Sexp::nil;
      return true;
    }
    if (std::isdigit(static_cast<unsigned char>(c))) {
      out->kind = Sexp::number;
      while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) out->text += s[i++];
      return true;
    }
    return false;
  }
};

bool is_str(const Sexp& x) { return x.kind == Sexp::string; }
bool is_nstr(const Sexp& x) { return x.kind == Sexp::string || x.kind == Sexp::nil; }
bool is_num(const Sexp& x) { return x.kind == Sexp::number; }

std::string check_params(const Sexp& p) {
  if (p.kind == Sexp::nil) return {};
  if (p.kind != Sexp::list || p.items.empty() || p.items.size() % 2) return "bad body-fld-param";
  for (const auto& x : p.items)
    if (!is_str(x)) return "param not a string";
  return {};
}

std::string check_dsp_lang_loc(const std::vector<Sexp>& it, size_t k) {
  if (k >= it.size()) return "missing body-fld-dsp";
  const Sexp& d = it[k];
  if (d.kind == Sexp::list) {
    if (d.items.size() != 2 || !is_str(d.items[0])) return "bad body-fld-dsp";
    if (auto e = check_params(d.items[1]); !e.empty()) return e;
  } else if (d.kind != Sexp::nil) {
    return "bad body-fld-dsp";
  }
  if (k + 1 >= it.size()) return "missing body-fld-lang";
  const Sexp& l = it[k + 1];
  if (l.kind == Sexp::list) {
    if (l.items.empty()) return "empty lang list";
    for (const auto& x : l.items)
      if (!is_str(x)) return "bad lang";
  } else if (!is_nstr(l)) {
    return "bad body-fld-lang";
  }
  if (k + 2 >= it.size() || !is_nstr(it[k + 2])) return "bad body-fld-loc";
  if (k + 3 != it.size()) return "trailing extension data";
  return {};
}

std::string check_address_list(const Sexp& a) {
  if (a.kind == Sexp::nil) return {};
  if (a.kind != Sexp::list || a.items.empty()) return "bad address list";
  for (const auto& x : a.items) {
    if (x.kind != Sexp::list || x.items.size() != 4) return "bad address";
    for (const auto& f : x.items)
      if (!is_nstr(f)) return "bad address field";
  }
  return {};
}

}  // namespace

std::optional<Sexp> parse_sexp(std::string_view s) {
  Reader r{s};
  Sexp out;
  if (!r.value(&out) || r.i != s.size()) return std::nullopt;
  return out;
}

std::string check_envelope(const Sexp& e) {
  if (e.kind != Sexp::list || e.items.size() != 10) return "envelope needs 10 fields";
  if (!is_nstr(e.items[0]) || !is_nstr(e.items[1])) return "bad date/subject";
  for (size_t k = 2; k < 8; ++k)
    if (auto err = check_address_list(e.items[k]); !err.empty()) return err;
  if (!is_nstr(e.items[8]) || !is_nstr(e.items[9])) return "bad in-reply-to/message-id";
  return {};
}

std::string check_body(const Sexp& b, bool ext) {
  if (b.kind != Sexp::list || b.items.empty()) return "body is not a list";
  const auto& it = b.items;
  if (it[0].kind == Sexp::list) {  // body-type-mpart
    size_t k = 0;
    while (k < it.size() && it[k].kind == Sexp::list) {
      if (auto e = check_body(it[k], ext); !e.empty()) return e;
      ++k;
    }
    if (k >= it.size() || !is_str(it[k])) return "missing media-subtype";
    ++k;
    if (!ext) return k == it.size() ? "" : "extension data in BODY";
    if (k >= it.size()) return "missing body-ext-mpart";
    if (auto e = check_params(it[k]); !e.empty()) return e;
    return check_dsp_lang_loc(it, k + 1);
  }
  if (it.size() < 7) return "short body-type-1part";
  for (size_t k = 0; k < 2; ++k)
    if (!is_str(it[k])) return "media type not a string";
  if (auto e = check_params(it[2]); !e.empty()) return e;
  if (!is_nstr(it[3]) || !is_nstr(it[4]) || !is_str(it[5]) || !is_num(it[6]))
    return "bad body-fields";
  size_t k = 7;
  std::string type, sub;
  for (char c : it[0].text) type += static_cast<char>(std::tolower(c));
  for (char c : it[1].text) sub += static_cast<char>(std::tolower(c));
  if (type == "message" && (sub == "rfc822" || sub == "global")) {
    if (it.size() < 10) return "short body-type-msg";
    if (auto e = check_envelope(it[7]); !e.empty()) return e;
    if (auto e = check_body(it[8], ext); !e.empty()) return e;
    if (!is_num(it[9])) return "missing msg lines";
    k = 10;
  } else if (type == "text") {
    if (it.size() < 8 || !is_num(it[7])) return "missing text lines";
    k = 8;
  }
  if (!ext) return k == it.size() ? "" : "extension data in BODY";
  if (k >= it.size() || !is_nstr(it[k])) return "bad body-fld-md5";
  return check_dsp_lang_loc(it, k + 1);
}

}  // namespace mimetest
