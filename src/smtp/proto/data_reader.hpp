// Incremental reader for the DATA body (RFC 5321 §4.1.1.4, §4.5.2).
//
// The session feeds whatever bytes arrived; the reader appends the message
// (dot-unstuffed, CRLF line ends) to a caller-owned std::string and reports
// how many input bytes it consumed. Bytes after the end marker are not
// consumed: they are the next pipelined command (RFC 2920).
//
// The message ends ONLY at CRLF "." CRLF (the DATA command's own CRLF counts
// as the first one). A bare LF or bare CR never ends a line for the purpose
// of finding the end marker or unstuffing, so "\n.\n", "\n.\r\n", "\r\n.\n"
// and "\r.\r\n" can neither end the message nor smuggle another one. By
// default a bare LF/CR is an error (reply kBareNewline); with
// NewlinePolicy::Normalize it is stored as CRLF instead. After any error the
// reader keeps consuming to the real end marker so the session can answer
// 5xx and stay in step with the client.
// Thread rules: a DataReader is used by one session at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "smtp/proto/reply_codes.hpp"

namespace postino::smtp {

// RFC 5321 §4.5.3.1.6: a text line is at most 1000 octets including CRLF.
inline constexpr size_t kMaxTextLine = 1000;

enum class NewlinePolicy { Reject, Normalize };

struct BodyOptions {
  // 0 = no limit. Beyond it the reader keeps counting and consuming but
  // stores only the first max_message_bytes bytes (size_exceeded is set).
  uint64_t max_message_bytes = 0;
  size_t max_line_bytes = kMaxTextLine;  // incl. CRLF; 0 = no limit
  NewlinePolicy bare_newlines = NewlinePolicy::Reject;
};

// What went wrong with a body; several may be set. The session checks
// ok() when the body is complete and replies with reply() otherwise.
struct BodyErrors {
  bool bare_newline = false;
  bool line_too_long = false;
  bool size_exceeded = false;

  bool ok() const { return !bare_newline && !line_too_long && !size_exceeded; }
  // Size first (RFC 1870 §6: 552), then bare newline, then line length.
  const ReplyCode& reply() const;
};

// Appends bytes to out while counting them into *counted; once the count
// passes max (0 = no limit) the excess is dropped, so exactly the first max
// bytes are kept whatever the chunking. Returns false once over the limit.
bool append_within_limit(std::string& out, std::string_view bytes, uint64_t& counted, uint64_t max);

struct FeedResult {
  size_t consumed = 0;  // input bytes used; the rest belongs to the next command
  bool complete = false;
};

class DataReader {
 public:
  explicit DataReader(BodyOptions opts = {});

  // Consumes from `in` up to and including the end marker; appends message
  // bytes to `out` while the message is within max_message_bytes.
  FeedResult feed(std::string_view in, std::string& out);

  bool complete() const { return state_ == State::Done; }
  const BodyErrors& errors() const { return errors_; }
  // Message size after unstuffing, counted even beyond the limit.
  uint64_t message_bytes() const { return message_bytes_; }
  void reset();

 private:
  enum class State { LineStart, Dot, DotCr, InLine, Cr, Done };
  void emit(std::string_view bytes, std::string& out);
  void end_line(std::string& out);
  void bare(std::string& out);
  void count_line(size_t n);

  BodyOptions opts_;
  State state_ = State::LineStart;
  BodyErrors errors_;
  uint64_t message_bytes_ = 0;
  size_t line_bytes_ = 0;  // wire bytes of the current line so far
};

}  // namespace postino::smtp
