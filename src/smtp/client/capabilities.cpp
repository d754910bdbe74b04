#include "smtp/client/capabilities.hpp"

#include "base/strings.hpp"

namespace postino::smtp::client {

Capabilities parse_ehlo(const Reply& reply) {
  Capabilities c;
  c.esmtp = reply.code == 250;
  for (size_t i = 1; i < reply.lines.size(); ++i) {
    std::string_view line = trim(reply.lines[i]);
    if (line.empty()) continue;
    size_t sp = line.find(' ');
    std::string key = to_upper(line.substr(0, sp));
    std::string_view params = sp == std::string_view::npos ? "" : trim(line.substr(sp + 1));
    if (key == "PIPELINING") {
      c.pipelining = true;
    } else if (key == "STARTTLS") {
      c.starttls = true;
    } else if (key == "8BITMIME") {
      c.eightbitmime = true;
    } else if (key == "SMTPUTF8") {
      c.smtputf8 = true;
    } else if (key == "DSN") {
      c.dsn = true;
    } else if (key == "CHUNKING") {
      c.chunking = true;
    } else if (key == "ENHANCEDSTATUSCODES") {
      c.enhancedstatuscodes = true;
    } else if (key == "SIZE") {
      // RFC 1870 §4: "SIZE" [SP number]; 0 or absent = no fixed limit.
      c.size = true;
      if (auto n = parse_u64(params)) c.size_limit = *n;
    } else if (c.others.size() < 64) {
      c.others.push_back(key);
    }
  }
  return c;
}

std::string status_of(const Reply& reply) {
  if (!reply.enhanced.empty()) return reply.enhanced;
  int cls = reply.code / 100;
  if (cls == 2 || cls == 4 || cls == 5) return std::to_string(cls) + ".0.0";
  return "4.0.0";
}

std::string reply_line(const Reply& reply) {
  std::string out = std::to_string(reply.code);
  if (!reply.enhanced.empty()) out += " " + reply.enhanced;
  for (const auto& l : reply.lines) {
    if (l.empty()) continue;
    out += ' ';
    for (unsigned char ch : l) out += (ch >= 0x20 && ch < 0x7f) ? char(ch) : '?';
  }
  constexpr size_t kMaxLine = 900;
  if (out.size() > kMaxLine) out.resize(kMaxLine);
  return out;
}

Result<Reply> parse_reply_line(std::string_view line) {
  ReplyAssembler a;
  if (line.size() > 4 && line[3] == '-') return make_error(Errc::invalid, "not a reply line");
  std::string text(line.substr(0, kMaxReplyLine - 2));
  auto r = a.add(text);
  if (!r) return r.take_error();
  if (!*r) return make_error(Errc::invalid, "incomplete reply");
  return std::move(**r);
}

}  // namespace postino::smtp::client
