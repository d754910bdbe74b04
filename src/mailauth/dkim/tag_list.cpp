#include "mailauth/dkim/tag_list.hpp"

#include "base/strings.hpp"

namespace postino::mailauth::dkim {
namespace {

bool is_wsp(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view trim_fws(std::string_view s) {
  while (!s.empty() && is_wsp(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_wsp(s.back())) s.remove_suffix(1);
  return s;
}

// tag-name = ALPHA *ALNUMPUNC (RFC 6376 §3.2)
bool valid_tag_name(std::string_view n) {
  if (n.empty()) return false;
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  if (!alpha(n[0])) return false;
  for (char c : n) {
    if (!alpha(c) && !(c >= '0' && c <= '9') && c != '_') return false;
  }
  return true;
}

}  // namespace

const std::string* TagList::find(std::string_view name) const {
  for (const auto& t : tags) {
    if (t.name == name) return &t.value;
  }
  return nullptr;
}

Result<TagList> parse_tag_list(std::string_view text) {
  if (text.size() > kMaxTagListLength) return make_error(Errc::limit, "tag list too long");
  TagList out;
  auto specs = split(text, ';');
  for (size_t i = 0; i < specs.size(); ++i) {
    std::string_view spec = trim_fws(specs[i]);
    if (spec.empty()) {
      // RFC 6376 §3.2: only a trailing ';' may leave an empty spec.
      if (i + 1 == specs.size()) break;
      return make_error(Errc::invalid, "empty tag-spec");
    }
    auto eq = spec.find('=');
    if (eq == std::string_view::npos) return make_error(Errc::invalid, "tag-spec without '='");
    std::string_view name = trim_fws(spec.substr(0, eq));
    std::string_view value = trim_fws(spec.substr(eq + 1));
    if (!valid_tag_name(name)) return make_error(Errc::invalid, "bad tag name");
    for (unsigned char c : value) {
      if ((c < 0x20 && !is_wsp(char(c))) || c == 0x7f) {
        return make_error(Errc::invalid, "control character in tag value");
      }
    }
    if (out.find(name)) return make_error(Errc::invalid, "duplicate tag " + std::string(name));
    if (out.tags.size() >= kMaxTags) return make_error(Errc::limit, "too many tags");
    out.tags.push_back(Tag{std::string(name), std::string(value)});
  }
  return out;
}

std::string strip_whitespace(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (!is_wsp(c)) out += c;
  }
  return out;
}

std::vector<std::string> split_colon_list(std::string_view v) {
  std::vector<std::string> out;
  for (auto part : split(v, ':')) out.emplace_back(trim_fws(part));
  return out;
}

}  // namespace postino::mailauth::dkim
