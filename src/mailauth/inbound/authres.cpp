#include "mailauth/inbound/authres.hpp"

#include "base/strings.hpp"
#include "mime/content.hpp"

namespace postino::mailauth::inbound {
namespace {

constexpr size_t kMaxCommentDepth = 32;  // nested comments while skipping CFWS
constexpr std::string_view kFold = "\r\n\t";
constexpr std::string_view kFoldMore = "\r\n\t  ";  // continuation inside one resinfo

bool is_ctl(unsigned char c) { return c < 0x20 || c == 0x7f; }

// RFC 8601 §2.2 value tokens are RFC 2045 §5.1 tokens.
bool is_token_char(unsigned char c) { return mime::is_token_char(char(c)); }

bool is_wsp(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Cuts `s` to at most `max` bytes without splitting a UTF-8 sequence.
void cut_utf8(std::string& s, size_t max) {
  if (s.size() <= max) return;
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  s.resize(n);
}

// RFC 5322 §3.2.2 CFWS: whitespace (folds included) and nested comments.
// Advances i; false on an unterminated or too deeply nested comment.
bool skip_cfws(std::string_view s, size_t& i) {
  while (i < s.size()) {
    if (is_wsp(s[i])) {
      ++i;
      continue;
    }
    if (s[i] != '(') return true;
    size_t depth = 0;
    while (i < s.size()) {
      char c = s[i++];
      if (c == '\\') {
        if (i >= s.size()) return false;
        ++i;  // quoted-pair
      } else if (c == '(') {
        if (++depth > kMaxCommentDepth) return false;
      } else if (c == ')') {
        if (--depth == 0) break;
      }
    }
    if (depth != 0) return false;
  }
  return true;
}

// RFC 2045 §5.1 value = token / quoted-string, at s[i].
std::optional<std::string> read_value(std::string_view s, size_t& i) {
  if (i >= s.size()) return std::nullopt;
  std::string out;
  if (s[i] == '"') {
    ++i;
    while (i < s.size()) {
      char c = s[i++];
      if (c == '"') return out;
      if (c == '\\') {
        if (i >= s.size()) return std::nullopt;
        c = s[i++];
      } else if (c == '\r' || c == '\n') {
        continue;  // FWS inside a quoted-string: the fold is invisible
      }
      if (out.size() < kMaxAuthservIdChars) out += c;
    }
    return std::nullopt;  // unterminated
  }
  while (i < s.size() && is_token_char(static_cast<unsigned char>(s[i]))) {
    if (out.size() < kMaxAuthservIdChars) out += s[i];
    ++i;
  }
  if (out.empty()) return std::nullopt;
  return out;
}

std::string_view without_trailing_dot(std::string_view s) {
  if (!s.empty() && s.back() == '.') s.remove_suffix(1);
  return s;
}

// One line of the field being written, folded at word boundaries.
class Folder {
 public:
  explicit Folder(std::string start) : out_(std::move(start)), col_(out_.size()), words_(1) {}
  // Starts a new folded line (each resinfo begins on one).
  void new_line() {
    out_ += kFold;
    col_ = 1;
    words_ = 0;
  }
  void word(std::string_view w) {
    if (words_ > 0) {
      if (col_ + 1 + w.size() > kFoldWidth) {
        out_ += kFoldMore;
        col_ = 3;
      } else {
        out_ += ' ';
        ++col_;
      }
    }
    out_ += w;
    col_ += w.size();
    ++words_;
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
  size_t col_ = 0;
  size_t words_ = 0;  // on the current line
};

}  // namespace

std::string format_value(std::string_view v, size_t max) {
  std::string clean;
  for (char c : v)
    if (!is_ctl(static_cast<unsigned char>(c))) clean += c;
  cut_utf8(clean, max);
  bool token = !clean.empty();
  for (char c : clean) token = token && is_token_char(static_cast<unsigned char>(c));
  if (token) return clean;
  std::string q = "\"";
  for (char c : clean) {
    if (c == '"' || c == '\\') q += '\\';
    q += c;
  }
  q += '"';
  return q;
}

std::string escape_comment(std::string_view text, size_t max) {
  std::string clean;
  for (char c : text) clean += is_ctl(static_cast<unsigned char>(c)) ? ' ' : c;
  cut_utf8(clean, max);
  std::string out;
  for (char c : clean) {
    if (c == '(' || c == ')' || c == '\\') out += '\\';  // RFC 5322 §3.2.1 quoted-pair
    out += c;
  }
  return out;
}

std::string AuthResBuilder::render() const {
  // RFC 8601 §2.2: authres-payload = [CFWS] authserv-id ( no-result / 1*resinfo )
  Folder f(std::string(kAuthResName) + ": " + format_value(authserv_id_) + ";");
  if (results_.empty()) {
    f.word("none");
    return f.take() + "\r\n";
  }
  for (size_t n = 0; n < results_.size(); ++n) {
    const ResInfo& r = results_[n];
    std::vector<std::string> words;
    words.push_back(r.method + "=" + r.result);
    if (!r.comment.empty()) {
      std::vector<std::string> cw;
      const std::string text = escape_comment(r.comment);
      for (auto w : split(text, ' '))
        if (!w.empty()) cw.emplace_back(w);
      if (!cw.empty()) {
        cw.front().insert(0, "(");
        cw.back() += ")";
        for (auto& w : cw) words.push_back(std::move(w));
      }
    }
    if (!r.reason.empty()) {
      // reasonspec: always a quoted-string so free text stays one value.
      std::string v = format_value(r.reason, kMaxCommentChars);
      if (v.front() != '"') v = "\"" + v + "\"";
      words.push_back("reason=" + v);
    }
    for (const auto& p : r.props) words.push_back(p.name + "=" + format_value(p.value));
    if (n + 1 < results_.size()) words.back() += ";";
    f.new_line();
    for (const auto& w : words) f.word(w);
  }
  return f.take() + "\r\n";
}

std::optional<AuthservId> parse_authserv_id(std::string_view v) {
  size_t i = 0;
  if (!skip_cfws(v, i)) return std::nullopt;
  auto id = read_value(v, i);
  if (!id) return std::nullopt;
  AuthservId out{std::move(*id), std::nullopt};
  // [CFWS authres-version]: digits followed by CFWS, ';' or the end.
  size_t j = i;
  if (!skip_cfws(v, j) || j == i) return out;
  size_t d = j;
  unsigned version = 0;
  while (d < v.size() && v[d] >= '0' && v[d] <= '9' && d - j < 9) {
    version = version * 10 + unsigned(v[d] - '0');
    ++d;
  }
  if (d > j && (d == v.size() || v[d] == ';' || v[d] == '(' || is_wsp(v[d]))) out.version = version;
  return out;
}

size_t remove_authres(std::string& m, std::string_view authserv_id) {
  const size_t n = m.size();
  auto next_line = [&](size_t p) {
    size_t lf = m.find('\n', p);
    return lf == std::string::npos ? n : lf + 1;
  };
  std::string_view ours = without_trailing_dot(authserv_id);
  std::string out;
  size_t copied = 0, removed = 0, pos = 0;
  while (pos < n) {
    // The blank line ends the header section (RFC 5322 §2.1).
    if (m[pos] == '\n' || (m[pos] == '\r' && pos + 1 < n && m[pos + 1] == '\n')) break;
    size_t begin = pos;
    size_t end = next_line(pos);
    while (end < n && (m[end] == ' ' || m[end] == '\t')) end = next_line(end);  // folds
    std::string_view field(m.data() + begin, end - begin);
    pos = end;
    size_t colon = field.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view name = field.substr(0, colon);
    while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.remove_suffix(1);
    if (!iequals(name, kAuthResName)) continue;
    auto id = parse_authserv_id(field.substr(colon + 1));
    bool drop =
        !id || iequals(without_trailing_dot(id->id), ours) || (id->version && *id->version != 1);
    if (!drop) continue;
    out.append(m, copied, begin - copied);
    copied = end;
    ++removed;
  }
  if (removed > 0) {
    out.append(m, copied, std::string::npos);
    m = std::move(out);
  }
  return removed;
}

}  // namespace postino::mailauth::inbound
