#include "pop3/proto/response.hpp"

namespace postino::pop3 {
namespace {

// One status line: prefix [SP text] CRLF, CR/LF replaced, cut to 512 octets.
std::string status_line(std::string_view prefix, std::string_view text) {
  std::string out(prefix);
  if (!text.empty()) out += ' ';
  size_t room = kMaxResponseLine - kCrlf.size();
  for (char c : text) {
    if (out.size() >= room) break;
    out += (c == '\r' || c == '\n' || c == '\0') ? ' ' : c;
  }
  out += kCrlf;
  return out;
}

}  // namespace

std::string_view resp_code_text(RespCode c) {
  switch (c) {
    case RespCode::kNone:
      return "";
    case RespCode::kInUse:
      return "IN-USE";
    case RespCode::kLoginDelay:
      return "LOGIN-DELAY";
    case RespCode::kSysTemp:
      return "SYS/TEMP";
    case RespCode::kSysPerm:
      return "SYS/PERM";
    case RespCode::kAuth:
      return "AUTH";
    case RespCode::kUtf8:
      return "UTF8";
  }
  return "";
}

std::string ok(std::string_view text) { return status_line(kOk, text); }

std::string err(std::string_view text, RespCode code) {
  if (code == RespCode::kNone) return status_line(kErr, text);
  std::string t = "[";
  t += resp_code_text(code);
  t += "]";
  if (!text.empty()) {
    t += ' ';
    t += text;
  }
  return status_line(kErr, t);
}

std::string continuation(std::string_view base64) {
  std::string out = "+ ";
  for (char c : base64) out += (c == '\r' || c == '\n') ? ' ' : c;
  out += kCrlf;
  return out;
}

std::string multiline(std::string_view first, const std::vector<std::string>& lines) {
  std::string out = ok(first);
  for (const auto& l : lines) {
    if (!l.empty() && l.front() == '.') out += '.';  // RFC 1939 §3 byte-stuffing
    for (char c : l) out += (c == '\r' || c == '\n') ? ' ' : c;
    out += kCrlf;
  }
  out += kEndOfMultiline;
  return out;
}

}  // namespace postino::pop3
