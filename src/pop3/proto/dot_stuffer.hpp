// DotStuffer: turns message bytes into the body of a POP3 multi-line reply
// (RFC 1939 §3) for RETR and TOP, one slice at a time, so a large message is
// streamed from its blob without ever being copied whole. It
//   - ends every line with CRLF (a bare LF or bare CR becomes CRLF),
//   - doubles a '.' at the start of a line,
//   - for TOP n (RFC 1939 §7) passes the header section, the empty separator
//     line and then only the first n body lines, and
//   - finish() ends an unterminated last line and appends ".\r\n".
// The output is identical however the input is cut into slices.
// The "+OK" status line is the caller's. Thread rules: one instance per
// reply, used by one thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace postino::pop3 {

class DotStuffer {
 public:
  // top_lines: nullopt for RETR (whole message); n for TOP msg n.
  explicit DotStuffer(std::optional<uint32_t> top_lines = std::nullopt) : top_lines_(top_lines) {}

  // Appends the stuffed form of the next slice to out. After done(), input
  // is ignored.
  void feed(std::string_view slice, std::string& out);
  // Completes the reply: CRLF if the last line was open, then ".\r\n".
  void finish(std::string& out);
  // True once TOP has emitted all it needs; the caller may stop reading.
  bool done() const { return done_; }

 private:
  void end_line(std::string& out);

  std::optional<uint32_t> top_lines_;
  bool at_line_start_ = true;
  bool after_cr_ = false;  // previous byte was CR, already emitted as CRLF
  bool in_body_ = false;
  uint32_t body_lines_ = 0;
  bool done_ = false;
  bool finished_ = false;
};

// Whole-message convenience: the stuffed body plus the terminating ".\r\n".
std::string dot_stuff(std::string_view message, std::optional<uint32_t> top_lines = std::nullopt);

}  // namespace postino::pop3
