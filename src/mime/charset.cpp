// Charset conversion to UTF-8 (iconv) and UTF-8 validation.
#include <errno.h>
#include <iconv.h>

#include <string>
#include <string_view>

#include "base/strings.hpp"
#include "mime/encoding.hpp"

namespace postino::mime {

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD
constexpr size_t kMaxCharsetName = 64;

// Length of the valid UTF-8 sequence starting at s[i], or 0 if invalid.
size_t utf8_seq_len(std::string_view s, size_t i) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  if (c < 0x80) return 1;
  size_t n;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;  // no overlongs
    if (c == 0xED) hi = 0x9F;  // no surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;  // <= U+10FFFF
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  if (b(i + 1) < lo || b(i + 1) > hi) return 0;
  for (size_t k = 2; k < n; ++k)
    if (b(i + k) < 0x80 || b(i + k) > 0xBF) return 0;
  return n;
}

// Canonical iconv name for a MIME charset label; empty = treat as UTF-8.
std::string iconv_name(std::string_view charset) {
  std::string cs = to_lower(trim(charset));
  if (cs.empty() || cs == "us-ascii" || cs == "ascii" || cs == "utf-8" || cs == "utf8" ||
      cs == "ansi_x3.4-1968")
    return {};
  // WHATWG Encoding: these labels are decoded as windows-1252 in practice.
  if (cs == "iso-8859-1" || cs == "latin1" || cs == "iso8859-1" || cs == "l1")
    return "WINDOWS-1252";
  return cs;
}

}  // namespace

bool is_valid_utf8(std::string_view bytes) {
  for (size_t i = 0; i < bytes.size();) {
    size_t n = utf8_seq_len(bytes, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string sanitize_utf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (size_t i = 0; i < bytes.size();) {
    size_t n = utf8_seq_len(bytes, i);
    if (n == 0) {
      out += kReplacement;
      ++i;
    } else {
      out.append(bytes.data() + i, n);
      i += n;
    }
  }
  return out;
}

std::string to_utf8(std::string_view bytes, std::string_view charset) {
  if (charset.size() > kMaxCharsetName) return sanitize_utf8(bytes);
  std::string name = iconv_name(charset);
  if (name.empty()) return sanitize_utf8(bytes);
  iconv_t cd = iconv_open("UTF-8", name.c_str());
  if (cd == reinterpret_cast<iconv_t>(-1)) return sanitize_utf8(bytes);  // unknown charset

  std::string out;
  out.reserve(bytes.size() + bytes.size() / 2 + 8);
  char buf[1024];
  char* in = const_cast<char*>(bytes.data());
  size_t in_left = bytes.size();
  while (in_left > 0) {
    char* o = buf;
    size_t o_left = sizeof buf;
    size_t rc = iconv(cd, &in, &in_left, &o, &o_left);
    out.append(buf, static_cast<size_t>(o - buf));
    if (rc != static_cast<size_t>(-1)) continue;
    if (errno == E2BIG) continue;
    out += kReplacement;  // EILSEQ: skip one byte; EINVAL: truncated sequence at the end
    if (errno == EINVAL) break;
    ++in;
    --in_left;
    iconv(cd, nullptr, nullptr, nullptr, nullptr);
  }
  char* o = buf;
  size_t o_left = sizeof buf;
  iconv(cd, nullptr, nullptr, &o, &o_left);  // flush shift state
  out.append(buf, static_cast<size_t>(o - buf));
  iconv_close(cd);
  return out;
}

}  // namespace postino::mime
