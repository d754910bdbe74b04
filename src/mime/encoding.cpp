#include "mime/encoding.hpp"

#include <cstdint>

#include "base/strings.hpp"
#include "mime/header.hpp"

namespace postino::mime {

namespace {

constexpr size_t kMaxEncodedWordCharset = 64;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Appends QP-decoded `s` (no line breaks inside) to out; `underscore_space`
// for RFC 2047 §4.2 "Q" where '_' stands for a space.
void qp_decode_into(std::string& out, std::string_view s, bool underscore_space) {
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '=' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2])));
      i += 2;
    } else if (c == '_' && underscore_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
}

// One RFC 2047 §2 encoded-word: "=?" charset "?" encoding "?" encoded-text "?=".
struct EncodedWord {
  std::string_view charset;  // without an RFC 2231 §5 "*language" suffix
  char encoding = 'B';
  std::string_view text;
  size_t end = 0;  // one past "?="
};

// Positions of the next "?=" and the next whitespace at or after a point,
// remembered across calls so that scanning a header stays linear even when it
// holds many "=?" that never close.
struct Scan {
  size_t close = 0, close_from = 0;
  size_t space = 0, space_from = 0;
  bool close_valid = false, space_valid = false;

  size_t next_close(std::string_view s, size_t from) {
    if (!close_valid || (close != std::string_view::npos && close < from) || from < close_from) {
      close = s.find("?=", from);
      close_from = from;
      close_valid = true;
    }
    return close;
  }
  size_t next_space(std::string_view s, size_t from) {
    if (!space_valid || (space != std::string_view::npos && space < from) || from < space_from) {
      space = s.find_first_of(" \t\r\n", from);
      space_from = from;
      space_valid = true;
    }
    return space;
  }
};

bool parse_encoded_word(std::string_view s, size_t p, Scan* scan, EncodedWord* ew) {
  size_t i = p + 2;
  size_t q1 = s.find('?', i);
  if (q1 == std::string_view::npos || q1 == i || q1 - i > kMaxEncodedWordCharset) return false;
  std::string_view cs = s.substr(i, q1 - i);
  for (char c : cs)
    if (is_space(c) || c == '=') return false;
  if (q1 + 2 >= s.size() || s[q1 + 2] != '?') return false;
  char enc = ascii_upper(s[q1 + 1]);
  if (enc != 'B' && enc != 'Q') return false;
  size_t t = q1 + 3;
  size_t close = scan->next_close(s, t);
  if (close == std::string_view::npos) return false;
  size_t space = scan->next_space(s, t);
  if (space < close) return false;  // RFC 2047 §5: no whitespace inside an encoded-word
  size_t star = cs.find('*');
  if (star != std::string_view::npos) cs = cs.substr(0, star);
  ew->charset = cs;
  ew->encoding = enc;
  ew->text = s.substr(t, close - t);
  ew->end = close + 2;
  return true;
}

bool all_space(std::string_view s) {
  for (char c : s)
    if (!is_space(c)) return false;
  return true;
}

}  // namespace

std::string percent_decode(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (size_t i = 0; i < value.size(); ++i) {
    if (value[i] == '%' && i + 2 < value.size() && hex_value(value[i + 1]) >= 0 &&
        hex_value(value[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(value[i + 1]) * 16 + hex_value(value[i + 2])));
      i += 2;
    } else {
      out.push_back(value[i]);
    }
  }
  return out;
}

std::string decode_encoded_words(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::string pending;  // decoded bytes of adjacent words sharing one charset
  std::string_view pending_charset;
  auto flush = [&] {
    if (!pending.empty()) out += to_utf8(pending, pending_charset);
    pending.clear();
  };
  auto plain = [&](std::string_view s) {
    flush();
    out += sanitize_utf8(s);
  };
  size_t i = 0;
  bool prev_word = false;
  Scan scan;
  while (i < text.size()) {
    size_t p = text.find("=?", i);
    if (p == std::string_view::npos) {
      plain(text.substr(i));
      break;
    }
    EncodedWord ew;
    if (!parse_encoded_word(text, p, &scan, &ew)) {
      plain(text.substr(i, p + 2 - i));
      i = p + 2;
      prev_word = false;
      continue;
    }
    std::string_view between = text.substr(i, p - i);
    // RFC 2047 §6.2: whitespace between adjacent encoded-words is not displayed.
    if (!(prev_word && all_space(between))) plain(between);
    if (!iequals(ew.charset, pending_charset)) flush();
    if (ew.encoding == 'B')
      pending += decode_base64(ew.text);
    else
      qp_decode_into(pending, ew.text, true);
    pending_charset = ew.charset;
    i = ew.end;
    prev_word = true;
  }
  flush();
  return out;
}

std::string decode_header_value(std::string_view raw_value) {
  return decode_encoded_words(trim(unfold(raw_value)));
}

std::string decode_rfc2231_value(std::string_view value, bool with_charset) {
  std::string_view charset;
  if (with_charset) {
    size_t q1 = value.find('\'');
    size_t q2 = q1 == std::string_view::npos ? q1 : value.find('\'', q1 + 1);
    if (q2 != std::string_view::npos) {
      charset = value.substr(0, q1);
      value = value.substr(q2 + 1);
    }
  }
  return to_utf8(percent_decode(value), charset);
}

std::string decode_quoted_printable(std::string_view body) {
  std::string out;
  out.reserve(body.size());
  size_t pos = 0;
  while (pos < body.size()) {
    size_t nl = body.find('\n', pos);
    size_t next = nl == std::string_view::npos ? body.size() : nl + 1;
    std::string_view line =
        body.substr(pos, (nl == std::string_view::npos ? body.size() : nl) - pos);
    std::string_view brk = body.substr(pos + line.size(), next - pos - line.size());
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
      brk = body.substr(pos + line.size(), next - pos - line.size());
    }
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    if (!line.empty() && line.back() == '=') {  // RFC 2045 §6.7 rule 5: soft line break
      line.remove_suffix(1);
      qp_decode_into(out, line, false);
    } else {
      qp_decode_into(out, line, false);
      out.append(brk);
    }
    pos = next;
  }
  return out;
}

std::string decode_base64(std::string_view body) {
  std::string out;
  out.reserve(body.size() / 4 * 3 + 3);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : body) {
    if (c == '=') break;
    int v = base64_value(c);
    if (v < 0) continue;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

std::string decode_transfer_encoding(std::string_view body, std::string_view encoding) {
  if (iequals(encoding, "base64")) return decode_base64(body);
  if (iequals(encoding, "quoted-printable")) return decode_quoted_printable(body);
  return std::string(body);
}

}  // namespace postino::mime
