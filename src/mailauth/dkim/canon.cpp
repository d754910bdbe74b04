#include "mailauth/dkim/canon.hpp"

#include "base/strings.hpp"

namespace postino::mailauth::dkim {
namespace {

bool is_wsp(char c) { return c == ' ' || c == '\t'; }

std::string to_crlf(std::string_view m) {
  std::string out;
  out.reserve(m.size() + m.size() / 32);
  for (size_t i = 0; i < m.size(); ++i) {
    if (m[i] == '\n' && (i == 0 || m[i - 1] != '\r')) out += '\r';
    out += m[i];
  }
  return out;
}

}  // namespace

SplitMessage split_message(std::string_view message) {
  std::string m = to_crlf(message);
  SplitMessage out;
  size_t pos = 0;
  while (pos < m.size()) {
    size_t eol = m.find("\r\n", pos);
    if (eol == std::string::npos) eol = m.size();
    if (eol == pos) {  // the empty line
      out.body = m.substr(std::min(m.size(), pos + 2));
      return out;
    }
    bool continuation = is_wsp(m[pos]);
    std::string line = m.substr(pos, std::min(m.size(), eol + 2) - pos);
    if (continuation && !out.headers.empty()) {
      out.headers.back().raw += line;
    } else if (out.headers.size() < kMaxHeaderFields) {
      auto colon = line.find(':');
      std::string name = colon == std::string::npos ? std::string() : line.substr(0, colon);
      out.headers.push_back(HeaderField{std::string(trim(name)), line});
    }
    pos = eol + 2;
  }
  return out;
}

std::string canon_header(const HeaderField& h, Canon c) {
  if (c == Canon::simple) {
    std::string r = h.raw;
    if (r.size() < 2 || r.compare(r.size() - 2, 2, "\r\n") != 0) r += "\r\n";
    return r;
  }
  // RFC 6376 §3.4.2
  auto colon = h.raw.find(':');
  std::string_view value =
      colon == std::string::npos ? std::string_view() : std::string_view(h.raw).substr(colon + 1);
  std::string v;
  bool pending_space = false;
  for (char ch : value) {
    if (ch == '\r' || ch == '\n') continue;  // unfold
    if (is_wsp(ch)) {
      pending_space = true;
      continue;
    }
    if (pending_space && !v.empty()) v += ' ';
    pending_space = false;
    v += ch;
  }
  return to_lower(trim(h.name)) + ":" + v + "\r\n";
}

std::string canon_body(std::string_view body, Canon c) {
  std::string out;
  if (c == Canon::simple) {
    out = std::string(body);
    if (!out.empty() && out.compare(out.size() - std::min<size_t>(2, out.size()), 2, "\r\n") != 0)
      out += "\r\n";
  } else {
    // RFC 6376 §3.4.4: per line, drop trailing WSP and squeeze WSP runs.
    size_t pos = 0;
    while (pos < body.size()) {
      size_t eol = body.find("\r\n", pos);
      bool has_eol = eol != std::string_view::npos;
      std::string_view line = body.substr(pos, (has_eol ? eol : body.size()) - pos);
      std::string l;
      bool ws = false;
      for (char ch : line) {
        if (is_wsp(ch)) {
          ws = true;
          continue;
        }
        if (ws) l += ' ';
        ws = false;
        l += ch;
      }
      out += l;
      out += "\r\n";
      pos = has_eol ? eol + 2 : body.size();
    }
  }
  // Both: remove empty lines at the end of the body.
  while (out.size() >= 4 && out.compare(out.size() - 4, 4, "\r\n\r\n") == 0)
    out.resize(out.size() - 2);
  if (out == "\r\n" && c == Canon::relaxed) out.clear();
  if (out.empty() && c == Canon::simple) out = "\r\n";  // RFC 6376 §3.4.3
  return out;
}

std::string blank_b_tag(std::string_view raw) {
  auto colon = raw.find(':');
  if (colon == std::string_view::npos) return std::string(raw);
  std::string out(raw.substr(0, colon + 1));
  std::string_view rest = raw.substr(colon + 1);
  size_t pos = 0;
  while (pos <= rest.size()) {
    size_t semi = rest.find(';', pos);
    size_t end = semi == std::string_view::npos ? rest.size() : semi;
    std::string_view spec = rest.substr(pos, end - pos);
    auto eq = spec.find('=');
    if (eq != std::string_view::npos && trim(spec.substr(0, eq)) == "b") {
      out += spec.substr(0, eq + 1);
      // Keep the line ending of a last tag so the field stays one line.
      if (semi == std::string_view::npos && spec.ends_with("\r\n")) out += "\r\n";
    } else {
      out += spec;
    }
    if (semi == std::string_view::npos) break;
    out += ';';
    pos = semi + 1;
  }
  return out;
}

std::vector<const HeaderField*> select_headers(const std::vector<HeaderField>& headers,
                                               const std::vector<std::string>& names) {
  std::vector<const HeaderField*> out;
  std::vector<bool> used(headers.size(), false);
  for (const auto& name : names) {
    for (size_t i = headers.size(); i-- > 0;) {
      if (!used[i] && iequals(headers[i].name, name)) {
        used[i] = true;
        out.push_back(&headers[i]);
        break;
      }
    }
  }
  return out;
}

}  // namespace postino::mailauth::dkim
