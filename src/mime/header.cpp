#include "mime/header.hpp"

#include <cstring>

#include "base/limits.hpp"
#include "base/strings.hpp"

namespace postino::mime {

namespace {

bool is_wsp(char c) { return c == ' ' || c == '\t'; }

// One physical line of [pos, end): content excludes the line break; next is
// the start of the following line.
struct Line {
  size_t content_end;
  size_t next;
};

Line next_line(std::string_view raw, size_t pos, size_t end) {
  const void* nl = std::memchr(raw.data() + pos, '\n', end - pos);
  if (nl == nullptr) {
    size_t ce = end;
    if (ce > pos && raw[ce - 1] == '\r') --ce;
    return {ce, end};
  }
  size_t lf = static_cast<size_t>(static_cast<const char*>(nl) - raw.data());
  size_t ce = lf;
  if (ce > pos && raw[ce - 1] == '\r') --ce;
  return {ce, lf + 1};
}

std::string_view strip_line_break(std::string_view v) {
  while (!v.empty() && (v.back() == '\n' || v.back() == '\r')) v.remove_suffix(1);
  return v;
}

}  // namespace

std::string HeaderField::unfolded() const { return unfold(value); }

HeaderSection parse_header_section(std::string_view raw, size_t begin, size_t end) {
  HeaderSection out;
  out.end = end;
  size_t pos = begin;
  HeaderField* open = nullptr;  // field that continuation lines extend
  while (pos < end) {
    Line line = next_line(raw, pos, end);
    if (line.content_end == pos) {  // RFC 5322 §2.1: an empty line ends the header
      out.end = line.next;
      return out;
    }
    if (is_wsp(raw[pos])) {  // RFC 5322 §2.2.3 folded continuation
      if (open != nullptr) {
        open->end = line.next;
        open->value = std::string_view(open->value.data(),
                                       raw.data() + line.content_end - open->value.data());
      }
    } else {
      open = nullptr;
      std::string_view text = raw.substr(pos, line.content_end - pos);
      size_t colon = text.find(':');
      bool room = pos - begin < limits::kMaxHeaderBytes;
      if (!room) out.truncated = true;
      if (colon != std::string_view::npos && room) {
        std::string_view name = text.substr(0, colon);
        while (!name.empty() && is_wsp(name.back())) name.remove_suffix(1);
        if (!name.empty()) {
          size_t v = colon + 1;
          while (v < text.size() && is_wsp(text[v])) ++v;
          HeaderField f;
          f.name = name;
          f.value = text.substr(v);
          f.begin = pos;
          f.end = line.next;
          out.fields.push_back(f);
          open = &out.fields.back();
        }
      }
    }
    pos = line.next;
  }
  return out;
}

std::string unfold(std::string_view value) {
  value = strip_line_break(value);
  std::string out;
  out.reserve(value.size());
  for (size_t i = 0; i < value.size(); ++i) {
    char c = value[i];
    if (c == '\r' || c == '\n') {
      size_t j = i;
      if (c == '\r' && j + 1 < value.size() && value[j + 1] == '\n') ++j;
      if (j + 1 < value.size() && is_wsp(value[j + 1])) {
        i = j;
        continue;
      }
    }
    out.push_back(c);
  }
  return out;
}

std::optional<std::string_view> find_header(const HeaderList& fields, std::string_view name) {
  for (const auto& f : fields)
    if (iequals(f.name, name)) return trim(f.value);
  return std::nullopt;
}

std::vector<std::string_view> find_headers(const HeaderList& fields, std::string_view name) {
  std::vector<std::string_view> out;
  for (const auto& f : fields)
    if (iequals(f.name, name)) out.push_back(trim(f.value));
  return out;
}

}  // namespace postino::mime
