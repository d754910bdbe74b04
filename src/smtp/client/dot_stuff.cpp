#include "smtp/client/dot_stuff.hpp"

namespace postino::smtp::client {

std::string dot_stuff(std::string_view m) {
  std::string out;
  out.reserve(m.size() + m.size() / 64 + 8);
  bool line_start = true;
  for (size_t i = 0; i < m.size(); ++i) {
    char c = m[i];
    if (line_start && c == '.') out += '.';
    if (c == '\n' && (i == 0 || m[i - 1] != '\r')) out += '\r';
    if (c == '\r' && (i + 1 >= m.size() || m[i + 1] != '\n')) {
      out += "\r\n";  // bare CR: end the line
      line_start = true;
      continue;
    }
    out += c;
    line_start = c == '\n';
  }
  if (!line_start) out += "\r\n";
  out += ".\r\n";
  return out;
}

bool has_8bit(std::string_view m) {
  for (unsigned char c : m)
    if (c & 0x80) return true;
  return false;
}

}  // namespace postino::smtp::client
