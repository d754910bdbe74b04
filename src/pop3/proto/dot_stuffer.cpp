#include "pop3/proto/dot_stuffer.hpp"

#include "pop3/proto/response.hpp"

namespace postino::pop3 {

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
    size_t end = s.find_first_of("\r\n", i);
    if (end == std::string_view::npos) end = s.size();
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
