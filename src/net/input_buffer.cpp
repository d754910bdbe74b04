#include "net/input_buffer.hpp"

namespace postino::net {

void InputBuffer::append(std::string_view bytes) {
  // Compact before growing so the consumed prefix never accumulates.
  if (off_ > 0 && (off_ >= data_.size() / 2 || off_ == data_.size())) {
    data_.erase(0, off_);
    off_ = 0;
  }
  data_.append(bytes);
}

void InputBuffer::consume(size_t n) {
  off_ += n;
  if (off_ >= data_.size()) {
    data_.clear();
    off_ = 0;
  }
}

std::optional<Result<std::string>> InputBuffer::take_line(size_t max) {
  std::string_view v = view();
  if (!discarding_) {
    size_t window = v.size() < max ? v.size() : max;
    size_t lf = v.substr(0, window).find('\n');
    if (lf != std::string_view::npos) {
      std::string line(v.substr(0, lf + 1));
      consume(lf + 1);
      return Result<std::string>(std::move(line));
    }
    if (v.size() < max) return std::nullopt;
    discarding_ = true;  // max bytes and still no LF: the line is too long
  }
  size_t lf = v.find('\n');
  if (lf == std::string_view::npos) {
    consume(v.size());
    return std::nullopt;
  }
  consume(lf + 1);
  discarding_ = false;
  return Result<std::string>(make_error(Errc::limit, "line too long"));
}

std::string InputBuffer::take(size_t n) {
  std::string_view v = view();
  if (n > v.size()) n = v.size();
  std::string out(v.substr(0, n));
  consume(n);
  return out;
}

void InputBuffer::release_idle() {
  if (empty() && data_.capacity() > kKeepBytes) {
    std::string().swap(data_);
    off_ = 0;
  }
}

void InputBuffer::clear() {
  data_.clear();
  off_ = 0;
  discarding_ = false;
}

}  // namespace postino::net
