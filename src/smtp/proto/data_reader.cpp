#include "smtp/proto/data_reader.hpp"

namespace postino::smtp {

const ReplyCode& BodyErrors::reply() const {
  if (size_exceeded) return kSizeExceeded;
  if (bare_newline) return kBareNewline;
  if (line_too_long) return kDataLineTooLong;
  return kMessageAccepted;
}

DataReader::DataReader(BodyOptions opts) : opts_(opts) {}

void DataReader::reset() {
  state_ = State::LineStart;
  errors_ = {};
  message_bytes_ = 0;
  line_bytes_ = 0;
}

void DataReader::count_line(size_t n) {
  line_bytes_ += n;
  // RFC 5321 §4.5.3.1.6: the limit includes the CRLF still to come.
  if (opts_.max_line_bytes != 0 && line_bytes_ + 2 > opts_.max_line_bytes)
    errors_.line_too_long = true;
}

bool append_within_limit(std::string& out, std::string_view bytes, uint64_t& counted,
                         uint64_t max) {
  uint64_t before = counted;
  counted += bytes.size();
  if (max == 0 || counted <= max) {
    out.append(bytes);
    return true;
  }
  if (before < max) out.append(bytes.substr(0, static_cast<size_t>(max - before)));
  return false;
}

void DataReader::emit(std::string_view bytes, std::string& out) {
  if (!append_within_limit(out, bytes, message_bytes_, opts_.max_message_bytes))
    errors_.size_exceeded = true;
}

void DataReader::end_line(std::string& out) {
  emit("\r\n", out);
  line_bytes_ = 0;
}

// A CR not followed by LF, or an LF not preceded by CR. It is stored as CRLF
// but never counts as a line start (no unstuffing, no end marker).
void DataReader::bare(std::string& out) {
  if (opts_.bare_newlines == NewlinePolicy::Reject) errors_.bare_newline = true;
  end_line(out);
}

FeedResult DataReader::feed(std::string_view in, std::string& out) {
  size_t i = 0;
  while (i < in.size() && state_ != State::Done) {
    char c = in[i];
    switch (state_) {
      case State::LineStart:
        if (c == '.') {
          state_ = State::Dot;
          ++i;
        } else {
          state_ = State::InLine;
        }
        break;
      case State::Dot:
        // RFC 5321 §4.5.2: a leading dot followed by more text is removed.
        if (c == '\r') {
          state_ = State::DotCr;
          ++i;
        } else {
          state_ = State::InLine;
        }
        break;
      case State::DotCr:
        if (c == '\n') {  // CRLF "." CRLF: the end (RFC 5321 §4.1.1.4)
          state_ = State::Done;
          ++i;
        } else {
          bare(out);  // ".<CR>x": the CR is bare
          state_ = State::InLine;
        }
        break;
      case State::InLine: {
        size_t j = in.find_first_of("\r\n", i);
        size_t stop = j == std::string_view::npos ? in.size() : j;
        if (stop > i) {
          count_line(stop - i);
          emit(in.substr(i, stop - i), out);
        }
        i = stop;
        if (j != std::string_view::npos) {
          if (in[j] == '\r') {
            state_ = State::Cr;
          } else {
            bare(out);  // LF without CR
          }
          ++i;
        }
        break;
      }
      case State::Cr:
        if (c == '\n') {
          end_line(out);
          state_ = State::LineStart;
          ++i;
        } else {
          bare(out);  // CR without LF
          state_ = State::InLine;
        }
        break;
      case State::Done:
        break;
    }
  }
  return FeedResult{i, state_ == State::Done};
}

}  // namespace postino::smtp
