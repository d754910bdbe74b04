#include "smtp/proto/bdat_reader.hpp"

#include <algorithm>

namespace postino::smtp {

BdatReader::BdatReader(BodyOptions opts, bool binary) : opts_(opts), binary_(binary) {}

void BdatReader::reset() {
  started_ = false;
  last_ = false;
  pending_cr_ = false;
  remaining_ = 0;
  errors_ = {};
  message_bytes_ = 0;
  line_bytes_ = 0;
}

void BdatReader::start_chunk(uint64_t size, bool last) {
  started_ = true;
  last_ = last;
  remaining_ = size;
}

void BdatReader::emit(std::string_view bytes, std::string& out) {
  if (!append_within_limit(out, bytes, message_bytes_, opts_.max_message_bytes))
    errors_.size_exceeded = true;
}

void BdatReader::bare(std::string& out) {
  if (opts_.bare_newlines == NewlinePolicy::Reject) errors_.bare_newline = true;
  emit("\r\n", out);
  line_bytes_ = 0;
}

// End of the last chunk: a CR left pending had no LF.
void BdatReader::finish(std::string& out) {
  if (pending_cr_) {
    pending_cr_ = false;
    bare(out);
  }
}

FeedResult BdatReader::feed(std::string_view in, std::string& out) {
  size_t n = static_cast<size_t>(std::min<uint64_t>(remaining_, in.size()));
  std::string_view chunk = in.substr(0, n);
  remaining_ -= n;
  if (binary_) {
    emit(chunk, out);  // RFC 3030 §3: BINARYMIME bytes are opaque
  } else {
    size_t i = 0;
    while (i < chunk.size()) {
      if (pending_cr_) {
        pending_cr_ = false;
        if (chunk[i] == '\n') {
          emit("\r\n", out);
          line_bytes_ = 0;
          ++i;
          continue;
        }
        bare(out);
      }
      size_t j = chunk.find_first_of("\r\n", i);
      size_t stop = j == std::string_view::npos ? chunk.size() : j;
      if (stop > i) {
        line_bytes_ += stop - i;
        // RFC 5321 §4.5.3.1.6, incl. the CRLF still to come.
        if (opts_.max_line_bytes != 0 && line_bytes_ + 2 > opts_.max_line_bytes)
          errors_.line_too_long = true;
        emit(chunk.substr(i, stop - i), out);
      }
      i = stop;
      if (j != std::string_view::npos) {
        if (chunk[j] == '\r') {
          pending_cr_ = true;
        } else {
          bare(out);
        }
        ++i;
      }
    }
  }
  bool done = remaining_ == 0;
  if (done && last_) finish(out);
  return FeedResult{n, done};
}

}  // namespace postino::smtp
