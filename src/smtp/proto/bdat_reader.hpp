// Reader for BDAT chunks (RFC 3030 §2): exactly `size` bytes per chunk, no
// dot-unstuffing, no end marker. One BdatReader spans a whole message: size
// and line checks carry across chunk boundaries (a CR ending one chunk and
// an LF starting the next are one CRLF). With BODY=BINARYMIME the bytes are
// taken as they are; otherwise bare LF/CR and line length are checked as
// for DATA (see smtp/proto/data_reader.hpp). Every chunk byte is consumed
// even after an error, so the session stays in step with the client.
// Thread rules: used by one session at a time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "smtp/proto/data_reader.hpp"

namespace postino::smtp {

class BdatReader {
 public:
  BdatReader(BodyOptions opts, bool binary);

  // Begins a chunk announced by "BDAT size [LAST]".
  void start_chunk(uint64_t size, bool last);
  // Consumes at most the rest of the current chunk; complete = chunk done.
  FeedResult feed(std::string_view in, std::string& out);

  uint64_t chunk_remaining() const { return remaining_; }
  bool message_complete() const { return last_ && remaining_ == 0 && started_; }
  const BodyErrors& errors() const { return errors_; }
  uint64_t message_bytes() const { return message_bytes_; }
  void reset();

 private:
  void emit(std::string_view bytes, std::string& out);
  void bare(std::string& out);
  void finish(std::string& out);

  BodyOptions opts_;
  bool binary_;
  bool started_ = false;
  bool last_ = false;
  bool pending_cr_ = false;
  uint64_t remaining_ = 0;
  BodyErrors errors_;
  uint64_t message_bytes_ = 0;
  size_t line_bytes_ = 0;
};

}  // namespace postino::smtp
