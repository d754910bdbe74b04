// SMTP reply values: building one from a ReplyCode, formatting it for the
// wire (RFC 5321 §4.2.1: "250-a\r\n250 b\r\n", with the enhanced code on every
// line per RFC 2034 §4), and assembling a reply from received lines (client
// side, RFC 5321 §4.2). Thread rules: plain values and pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "smtp/proto/reply_codes.hpp"

namespace postino::smtp {

inline constexpr size_t kMaxReplyLine = 512;   // RFC 5321 §4.5.3.1.5, incl. CRLF
inline constexpr size_t kMaxReplyLines = 100;  // bound on one received multi-line reply

struct Reply {
  uint16_t code = 0;
  std::string enhanced;            // may be empty
  std::vector<std::string> lines;  // text of each line, without code / enhanced code

  bool positive() const { return code >= 200 && code < 400; }
  bool transient() const { return code >= 400 && code < 500; }
  bool permanent() const { return code >= 500; }
};

Reply make_reply(const ReplyCode& rc);
Reply make_reply(const ReplyCode& rc, std::string text);
Reply make_reply(const ReplyCode& rc, std::vector<std::string> lines);

// Wire form. CR and LF inside a text line are replaced by spaces; an empty
// lines vector yields one line with no text.
std::string format_reply(const Reply& r);
std::string format_reply(const ReplyCode& rc);

// Assembles a reply from lines received one at a time (without CRLF). add()
// returns the complete Reply after its last line ("250 ..."), nullopt while
// more lines are expected, or Errc::invalid for a malformed line, a code
// change mid-reply or too many lines. An enhanced code is split off when
// every line carries one (RFC 2034 §4).
class ReplyAssembler {
 public:
  Result<std::optional<Reply>> add(std::string_view line);
  void reset();

 private:
  uint16_t code_ = 0;
  std::vector<std::string> raw_;
};

}  // namespace postino::smtp
