#include "smtp/proto/reply.hpp"

namespace postino::smtp {

namespace {

std::string clean(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c == '\r' || c == '\n') c = ' ';
  return out;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// RFC 3463 §2: class "." subject "." detail; class 2/4/5, 1-3 digits each.
size_t enhanced_code_length(std::string_view s) {
  if (s.size() < 5 || (s[0] != '2' && s[0] != '4' && s[0] != '5') || s[1] != '.') return 0;
  size_t i = 2;
  for (int part = 0; part < 2; ++part) {
    size_t start = i;
    while (i < s.size() && is_digit(s[i]) && i - start < 4) ++i;
    if (i == start || i - start > 3) return 0;
    if (part == 0) {
      if (i >= s.size() || s[i] != '.') return 0;
      ++i;
    }
  }
  if (i < s.size() && s[i] != ' ') return 0;
  return i;
}

}  // namespace

Reply make_reply(const ReplyCode& rc) { return make_reply(rc, std::string(rc.text)); }

Reply make_reply(const ReplyCode& rc, std::string text) {
  return make_reply(rc, std::vector<std::string>{std::move(text)});
}

Reply make_reply(const ReplyCode& rc, std::vector<std::string> lines) {
  Reply r;
  r.code = rc.code;
  r.enhanced = std::string(rc.enhanced);
  r.lines = std::move(lines);
  return r;
}

// RFC 5321 §4.2.1: every line but the last has "-" after the code.
std::string format_reply(const Reply& r) {
  std::string out;
  std::string code = std::to_string(r.code);
  size_t n = r.lines.empty() ? 1 : r.lines.size();
  for (size_t i = 0; i < n; ++i) {
    out += code;
    out.push_back(i + 1 < n ? '-' : ' ');
    std::string text = r.lines.empty() ? std::string() : clean(r.lines[i]);
    if (!r.enhanced.empty()) {
      out += r.enhanced;
      if (!text.empty()) out.push_back(' ');
    }
    out += text;
    out += "\r\n";
  }
  return out;
}

std::string format_reply(const ReplyCode& rc) { return format_reply(make_reply(rc)); }

void ReplyAssembler::reset() {
  code_ = 0;
  raw_.clear();
}

Result<std::optional<Reply>> ReplyAssembler::add(std::string_view line) {
  // RFC 5321 §4.2: Reply-code [ SP / "-" text ]
  if (line.size() + 2 > kMaxReplyLine || line.size() < 3 || !is_digit(line[0]) ||
      !is_digit(line[1]) || !is_digit(line[2]) || line[0] < '2' || line[0] > '5') {
    reset();
    return make_error(Errc::invalid, "malformed SMTP reply line");
  }
  auto code = static_cast<uint16_t>((line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0'));
  bool more = false;
  if (line.size() > 3) {
    if (line[3] == '-') {
      more = true;
    } else if (line[3] != ' ') {
      reset();
      return make_error(Errc::invalid, "malformed SMTP reply line");
    }
  }
  if (!raw_.empty() && code != code_) {
    reset();
    return make_error(Errc::invalid, "reply code changed within a multi-line reply");
  }
  if (raw_.size() >= kMaxReplyLines) {
    reset();
    return make_error(Errc::limit, "too many reply lines");
  }
  code_ = code;
  raw_.emplace_back(line.size() > 4 ? line.substr(4) : std::string_view());
  if (more) return std::optional<Reply>();

  Reply r;
  r.code = code_;
  // The enhanced code is split off only if every line carries the same one.
  size_t len = enhanced_code_length(raw_.front());
  std::string_view first = raw_.front();
  std::string enhanced(first.substr(0, len));
  bool all = len > 0 && code_ / 100 == static_cast<uint16_t>(enhanced[0] - '0');
  for (const auto& l : raw_)
    if (!all || enhanced_code_length(l) != len || std::string_view(l).substr(0, len) != enhanced)
      all = false;
  for (auto& l : raw_) {
    if (all) {
      size_t skip = l.size() > len ? len + 1 : len;
      r.lines.push_back(l.substr(skip));
    } else {
      r.lines.push_back(std::move(l));
    }
  }
  if (all) r.enhanced = std::move(enhanced);
  reset();
  return std::optional<Reply>(std::move(r));
}

}  // namespace postino::smtp
