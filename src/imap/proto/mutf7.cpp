#include "imap/proto/mutf7.hpp"

#include <cstdint>
#include <vector>

namespace postino::imap {

namespace {

// RFC 3501 §5.1.3: modified BASE64 of RFC 2152 with "," instead of "/".
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

int b64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == ',') return 63;
  return -1;
}

bool printable(unsigned char c) { return c >= 0x20 && c <= 0x7e; }

Error bad(const char* what) { return make_error(Errc::invalid, what); }

// Decodes one UTF-8 code point at s[i]; advances i. -1 on malformed input.
int32_t next_code_point(std::string_view s, size_t& i) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
  if (len == 0 || i + len > s.size()) return -1;
  int32_t cp = len == 1 ? c : len == 2 ? (c & 0x1f) : len == 3 ? (c & 0x0f) : (c & 0x07);
  for (int k = 1; k < len; ++k) {
    if ((b(i + k) & 0xc0) != 0x80) return -1;
    cp = (cp << 6) | (b(i + k) & 0x3f);
  }
  static constexpr int32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return -1;
  i += len;
  return cp;
}

void put_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xc0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xe0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else {
    out.push_back(static_cast<char>(0xf0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  }
}

void flush_shift(std::string& out, std::vector<uint16_t>& units) {
  if (units.empty()) return;
  out.push_back('&');
  uint32_t bits = 0;
  int nbits = 0;
  for (uint16_t u : units) {
    bits = (bits << 16) | u;
    nbits += 16;
    while (nbits >= 6) {
      nbits -= 6;
      out.push_back(kAlphabet[(bits >> nbits) & 0x3f]);
    }
    bits &= (1u << nbits) - 1;
  }
  if (nbits > 0) out.push_back(kAlphabet[(bits << (6 - nbits)) & 0x3f]);
  out.push_back('-');
  units.clear();
}

}  // namespace

Result<std::string> mutf7_encode(std::string_view utf8) {
  std::string out;
  std::vector<uint16_t> units;
  size_t i = 0;
  while (i < utf8.size()) {
    int32_t cp = next_code_point(utf8, i);
    if (cp < 0) return bad("malformed UTF-8 in mailbox name");
    if (cp < 0x80 && printable(static_cast<unsigned char>(cp))) {
      flush_shift(out, units);
      if (cp == '&')
        out += "&-";
      else
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x10000) {
      units.push_back(static_cast<uint16_t>(cp));
    } else {
      uint32_t v = static_cast<uint32_t>(cp) - 0x10000;
      units.push_back(static_cast<uint16_t>(0xd800 | (v >> 10)));
      units.push_back(static_cast<uint16_t>(0xdc00 | (v & 0x3ff)));
    }
  }
  flush_shift(out, units);
  return out;
}

Result<std::string> mutf7_decode(std::string_view s) {
  std::string out;
  bool last_was_shift = false;  // "&..-&..-" is not canonical (RFC 3501 §5.1.3)
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (!printable(c)) return bad("non-printable byte in modified UTF-7");
    if (c != '&') {
      out.push_back(static_cast<char>(c));
      ++i;
      last_was_shift = false;
      continue;
    }
    size_t end = s.find('-', i + 1);
    if (end == std::string_view::npos) return bad("unterminated modified UTF-7 shift");
    if (end == i + 1) {  // "&-"
      out.push_back('&');
      i = end + 1;
      last_was_shift = false;
      continue;
    }
    if (last_was_shift) return bad("adjacent modified UTF-7 shifts");
    uint32_t bits = 0;
    int nbits = 0;
    uint16_t high = 0;  // pending high surrogate
    for (size_t k = i + 1; k < end; ++k) {
      int v = b64_value(s[k]);
      if (v < 0) return bad("bad modified BASE64 character");
      bits = (bits << 6) | static_cast<uint32_t>(v);
      nbits += 6;
      if (nbits >= 16) {
        nbits -= 16;
        auto u = static_cast<uint16_t>((bits >> nbits) & 0xffff);
        bits &= (1u << nbits) - 1;
        if (high != 0) {
          if (u < 0xdc00 || u > 0xdfff) return bad("unpaired surrogate");
          put_utf8(out, 0x10000 + ((uint32_t{high} - 0xd800) << 10) + (u - 0xdc00));
          high = 0;
        } else if (u >= 0xd800 && u <= 0xdbff) {
          high = u;
        } else if (u >= 0xdc00 && u <= 0xdfff) {
          return bad("unpaired surrogate");
        } else if (u < 0x80 && printable(static_cast<unsigned char>(u))) {
          return bad("printable ASCII must not be shifted");
        } else {
          put_utf8(out, u);
        }
      }
    }
    if (high != 0) return bad("unpaired surrogate");
    if (nbits >= 6 || bits != 0) return bad("bad modified BASE64 padding");
    i = end + 1;
    last_was_shift = true;
  }
  return out;
}

}  // namespace postino::imap
