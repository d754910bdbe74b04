#include "sasl/scram_attr.hpp"

#include "base/strings.hpp"
#include "sasl/utf8.hpp"

namespace postino::sasl {

namespace {
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
}  // namespace

Result<std::vector<ScramAttr>> split_scram_attrs(std::string_view msg) {
  std::vector<ScramAttr> out;
  for (std::string_view part : split(msg, ',')) {
    if (part.size() < 2 || !is_alpha(part[0]) || part[1] != '=')
      return make_error(Errc::invalid, "malformed SCRAM attribute");
    out.push_back(ScramAttr{part[0], part.substr(2)});
  }
  return out;
}

Result<std::string> decode_saslname(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == ',') return make_error(Errc::invalid, "raw ',' in saslname");
    if (c == '=') {
      std::string_view esc = s.substr(i + 1, 2);
      if (esc == "2C") {
        out.push_back(',');
      } else if (esc == "3D") {
        out.push_back('=');
      } else {
        return make_error(Errc::invalid, "bad '=' escape in saslname");
      }
      i += 2;
      continue;
    }
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      return make_error(Errc::invalid, "control character in saslname");
    out.push_back(c);
  }
  if (out.empty()) return make_error(Errc::invalid, "empty saslname");
  if (!valid_utf8(out)) return make_error(Errc::invalid, "saslname is not UTF-8");
  return out;
}

std::string encode_saslname(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == ',') {
      out += "=2C";
    } else if (c == '=') {
      out += "=3D";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

bool valid_scram_nonce(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x21 || u > 0x7e || c == ',') return false;
  }
  return true;
}

}  // namespace postino::sasl
