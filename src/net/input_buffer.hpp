// InputBuffer: the bytes a connection has received but nobody has consumed
// yet, and the line-splitting rules every text protocol here relies on.
// Pure: no sockets, so the line limit and the discard mode are unit-testable
// byte by byte. Owned by one Connection; not thread-safe.
//
// take_line(max) returns a line INCLUDING its terminator (CRLF or a bare LF,
// returned as received so SMTP can refuse bare LF). A line longer than max
// bytes (terminator included) switches the buffer into discard mode: input is
// dropped up to and including the next LF, and only then is Errc::limit
// returned, so the session can answer and read the next line. Discarding
// holds no more than what one append() brought in.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace postino::net {

class InputBuffer {
 public:
  void append(std::string_view bytes);
  size_t size() const { return data_.size() - off_; }
  bool empty() const { return size() == 0; }
  std::string_view view() const { return std::string_view(data_).substr(off_); }

  // nullopt: need more input. A value: the line. Errc::limit: an over-long
  // line was discarded (see above).
  std::optional<Result<std::string>> take_line(size_t max);
  // Up to n bytes from the front (fewer if fewer are buffered).
  std::string take(size_t n);
  // Drops everything, including a pending discard (used by STARTTLS).
  void clear();
  // When empty, gives back storage above kKeepBytes (a connection about to
  // wait for its peer holds no large buffer; see Connection).
  void release_idle();
  static constexpr size_t kKeepBytes = 1024;
  bool discarding() const { return discarding_; }

 private:
  void consume(size_t n);

  std::string data_;
  size_t off_ = 0;
  bool discarding_ = false;
};

}  // namespace postino::net
