#include "pop3/proto/dot_stuffer.hpp"

#include <cstring>

#include "pop3/proto/response.hpp"

namespace postino::pop3 {
namespace {

// Position of the first CR or LF in s at or after i, or s.size(). Two memchr
// scans (vectorised) instead of a per-byte search for either character.
size_t find_eol(std::string_view s, size_t i) {
  const char* base = s.data();
  size_t n = s.size();
  const void* lf = std::memchr(base + i, '\n', n - i);
  size_t end = lf ? size_t(static_cast<const char*>(lf) - base) : n;
  const void* cr = std::memchr(base + i, '\r', end - i);
  return cr ? size_t(static_cast<const char*>(cr) - base) : end;
}

}  // namespace

void DotStuffer::end_line(std::string& out) {
  out += kCrlf;
  bool was_empty = at_line_start_;
  at_line_start_ = true;
  if (!top_lines_) return;
  if (!in_body_) {
    // RFC 5322 §2.1: the first empty line ends the header section.
    if (was_empty) {
      in_body_ = true;
      if (*top_lines_ == 0) done_ = true;
    }
    return;
  }
  if (++body_lines_ >= *top_lines_) done_ = true;
}

void DotStuffer::feed(std::string_view s, std::string& out) {
  size_t i = 0;
  while (i < s.size() && !done_) {
    char c = s[i];
    if (after_cr_) {
      after_cr_ = false;
      if (c == '\n') {  // the LF of a CRLF whose CR was already turned into CRLF
        ++i;
        continue;
      }
    }
    if (c == '\r') {
      after_cr_ = true;
      end_line(out);
      ++i;
      continue;
    }
    if (c == '\n') {
      end_line(out);
      ++i;
      continue;
    }
    if (at_line_start_ && c == '.') out += '.';  // RFC 1939 §3 byte-stuffing
    at_line_start_ = false;
    // Copy the run up to the next line break in one go.
    size_t end = find_eol(s, i);
    out.append(s.data() + i, end - i);
    i = end;
  }
}

void DotStuffer::finish(std::string& out) {
  if (finished_) return;
  finished_ = true;
  if (!at_line_start_) out += kCrlf;
  out += kEndOfMultiline;
}

std::string dot_stuff(std::string_view message, std::optional<uint32_t> top_lines) {
  DotStuffer d(top_lines);
  std::string out;
  out.reserve(message.size() + message.size() / 32 + 8);
  d.feed(message, out);
  d.finish(out);
  return out;
}

}  // namespace postino::pop3
