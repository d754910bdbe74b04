#include "imap/proto/receiver.hpp"

#include <algorithm>

#include "base/strings.hpp"
#include "imap/proto/lexer.hpp"

namespace postino::imap {

namespace {

// RFC 9051 §4.3 / RFC 7888 §3 / RFC 3516 §4.2: a line that ends with "{n}",
// "{n+}", "~{n}" or "~{n+}" outside a quoted string announces a literal.
std::optional<LiteralMarker> literal_marker(std::string_view line) {
  if (line.empty() || line.back() != '}') return std::nullopt;
  size_t open = line.rfind('{');
  if (open == std::string_view::npos) return std::nullopt;
  bool in_quote = false;
  for (size_t i = 0; i < open; ++i) {
    if (in_quote && line[i] == '\\') {
      ++i;
    } else if (line[i] == '"') {
      in_quote = !in_quote;
    }
  }
  if (in_quote) return std::nullopt;
  std::string_view inner = line.substr(open + 1, line.size() - open - 2);
  LiteralMarker m;
  if (!inner.empty() && inner.back() == '+') {
    m.sync = false;
    inner.remove_suffix(1);
  }
  if (inner.empty()) return std::nullopt;
  for (char c : inner) {
    if (c < '0' || c > '9') return std::nullopt;
    m.size = m.size > (UINT64_MAX - 9) / 10 ? UINT64_MAX : m.size * 10 + uint64_t(c - '0');
  }
  return m;
}

constexpr size_t kSkipTailBytes = 32;  // kept while skipping, to spot a trailing "{n+}"

// The last bytes of a skipped line decide whether a non-synchronizing literal follows.
std::optional<LiteralMarker> tail_marker(std::string_view line) {
  if (line.size() > kSkipTailBytes) line.remove_prefix(line.size() - kSkipTailBytes);
  return literal_marker(line);
}

}  // namespace

Receiver::Receiver(ReceiverLimits limits) : limits_(limits) {}

void Receiver::feed(std::string_view bytes) {
  // Fast path: literal bytes go straight into the literal's string.
  if (pos_ == buf_.size() && remaining_ > 0 &&
      (state_ == State::literal || state_ == State::discard_literal)) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(remaining_, bytes.size()));
    if (state_ == State::literal) frame_.literals.back().append(bytes.data(), n);
    remaining_ -= n;
    bytes.remove_prefix(n);
  }
  compact();
  buf_.append(bytes);
}

void Receiver::compact() {
  if (pos_ == 0) return;
  buf_.erase(0, pos_);
  scan_ = scan_ > pos_ ? scan_ - pos_ : 0;
  pos_ = 0;
}

void Receiver::reset_frame() {
  frame_ = Frame{};
  command_bytes_ = 0;
  is_append_ = false;
}

std::string Receiver::take_buffered() {
  std::string rest = buf_.substr(pos_);
  buf_.clear();
  pos_ = scan_ = 0;
  return rest;
}

void Receiver::clear() {
  buf_.clear();
  pos_ = scan_ = 0;
  remaining_ = 0;
  state_ = State::line;
  want_line_ = false;
  reset_frame();
}

std::optional<std::string> Receiver::frame_tag(std::string_view text) const {
  size_t end = 0;
  while (end < text.size() && is_tag_char(text[end])) ++end;
  if (end == 0 || (end < text.size() && text[end] != ' ')) return std::nullopt;
  return std::string(text.substr(0, end));
}

bool Receiver::frame_is_append(std::string_view text) const {
  size_t sp = text.find(' ');
  if (sp == std::string_view::npos) return false;
  std::string_view name = text.substr(sp + 1, 7);
  return name.size() == 7 && iequals(name.substr(0, 6), "APPEND") && name[6] == ' ';
}

ParseError Receiver::fail(ParseError::Kind kind, std::string message, uint64_t size) {
  ParseError e;
  e.tag = frame_tag(frame_.text);
  e.message = std::move(message);
  e.kind = kind;
  e.literal_size = size;
  reset_frame();
  return e;
}

Event Receiver::next() {
  while (true) {
    if (state_ == State::literal || state_ == State::discard_literal) {
      size_t n = static_cast<size_t>(std::min<uint64_t>(remaining_, buf_.size() - pos_));
      if (state_ == State::literal) frame_.literals.back().append(buf_, pos_, n);
      pos_ += n;
      remaining_ -= n;
      scan_ = pos_;
      if (remaining_ > 0) {
        compact();
        return NeedMore{};
      }
      state_ = state_ == State::literal ? State::line : State::skip_command;
      continue;
    }
    size_t lf = buf_.find('\n', std::max(scan_, pos_));
    if (lf == std::string::npos) {
      scan_ = buf_.size();
      size_t have = buf_.size() - pos_;
      // +1: a line of exactly max_line_bytes may have its CR here without its LF.
      if (state_ == State::line && have > limits_.max_line_bytes + 1) {
        // RFC 9051 §7.1.3 BAD; the rest of this line is dropped when it arrives.
        bool raw = want_line_ && frame_.text.empty() && frame_.literals.empty();
        if (!raw && frame_.text.empty()) frame_.text.assign(buf_, pos_, limits_.max_line_bytes);
        want_line_ = false;
        state_ = raw ? State::skip_line : State::skip_command;
        pos_ = buf_.size() - std::min(have, kSkipTailBytes);
        compact();
        return fail(ParseError::Kind::line_too_long, "line too long");
      }
      if (state_ == State::skip_line) pos_ = buf_.size();
      if (state_ == State::skip_command && have > kSkipTailBytes)
        pos_ = buf_.size() - kSkipTailBytes;
      compact();
      return NeedMore{};
    }
    std::string_view line(buf_.data() + pos_, lf - pos_);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos_ = lf + 1;
    scan_ = pos_;
    if (state_ == State::skip_line) {
      state_ = State::line;
      continue;
    }
    if (state_ == State::skip_command) {
      skip_after(tail_marker(line));
      continue;
    }
    if (want_line_ && frame_.text.empty() && frame_.literals.empty()) {
      if (line.size() > limits_.max_line_bytes) {
        want_line_ = false;
        return fail(ParseError::Kind::line_too_long, "line too long");
      }
      want_line_ = false;
      return Line{std::string(line)};
    }
    if (line.empty() && frame_.text.empty() && frame_.literals.empty()) continue;
    return on_line(line);
  }
}

void Receiver::skip_after(const std::optional<LiteralMarker>& marker) {
  if (marker && !marker->sync) {
    remaining_ = marker->size;
    state_ = State::discard_literal;
  } else {
    state_ = State::line;
  }
}

Event Receiver::on_line(std::string_view line) {
  auto marker = literal_marker(line);
  // Whatever follows a refused command is skipped: a non-synchronizing
  // literal's bytes are already on their way (RFC 7888 §4 choice 1).
  auto refuse = [&](ParseError::Kind kind, std::string msg, uint64_t size) -> Event {
    if (frame_.text.empty()) frame_.text.assign(line.substr(0, limits_.max_line_bytes));
    // An over-long line is judged by its tail only, as when it arrives in pieces.
    skip_after(kind == ParseError::Kind::line_too_long ? tail_marker(line) : marker);
    return fail(kind, std::move(msg), size);
  };
  if (line.size() > limits_.max_line_bytes)
    return refuse(ParseError::Kind::line_too_long, "line too long", 0);
  command_bytes_ += line.size() + 2;
  if (command_bytes_ > limits_.max_command_bytes)
    return refuse(ParseError::Kind::command_too_long, "command too long", 0);
  bool first = frame_.text.empty() && frame_.literals.empty();
  frame_.text.append(line);
  if (!marker) {
    ParseResult r = parse_command(frame_);
    reset_frame();
    if (auto* cmd = std::get_if<Command>(&r)) return std::move(*cmd);
    return std::get<ParseError>(std::move(r));
  }
  if (first) is_append_ = frame_is_append(frame_.text);
  if (frame_.literals.size() >= limits_.max_literals)
    return refuse(ParseError::Kind::command_too_long, "too many literals", 0);
  uint64_t limit = is_append_ ? limits_.max_append_literal_bytes : limits_.max_literal_bytes;
  if (!marker->sync) limit = std::min(limit, limits_.max_nonsync_literal_bytes);
  if (marker->size > limit)  // RFC 7888 §4, RFC 9051 §7.1 TOOBIG
    return refuse(ParseError::Kind::too_big, "literal too big", marker->size);
  if (!is_append_) {
    command_bytes_ += marker->size;
    if (command_bytes_ > limits_.max_command_bytes)
      return refuse(ParseError::Kind::command_too_long, "command too long", 0);
  }
  frame_.literal_at.push_back(frame_.text.size());
  frame_.literals.emplace_back();
  frame_.literals.back().reserve(static_cast<size_t>(marker->size));
  remaining_ = marker->size;
  state_ = State::literal;
  return NeedLiteral{marker->size, marker->sync};
}

}  // namespace postino::imap
