#include "imap/server/fetch_render.hpp"

#include <algorithm>

#include "base/strings.hpp"
#include "mime/encoding.hpp"

namespace postino::imap::server {

namespace {

std::string part_path(const std::vector<uint32_t>& part) {
  std::string s;
  for (size_t i = 0; i < part.size(); ++i) {
    if (i) s += '.';
    s += std::to_string(part[i]);
  }
  return s;
}

bool listed(const std::vector<std::string>& names, std::string_view name) {
  return std::any_of(names.begin(), names.end(),
                     [&](const std::string& n) { return iequals(n, name); });
}

// RFC 9051 §6.4.5 HEADER.FIELDS / HEADER.FIELDS.NOT: the chosen fields as
// they appear, then the blank line.
std::string filter_fields(const mime::Message& msg, const mime::Part& p,
                          const std::vector<std::string>& names, bool negate) {
  std::string out;
  for (const auto& f : p.headers) {
    if (listed(names, trim(f.name)) == negate) continue;
    out.append(msg.raw.substr(f.begin, f.end - f.begin));
    if (out.empty() || out.back() != '\n') out += "\r\n";
  }
  out += "\r\n";
  return out;
}

}  // namespace

std::optional<std::string> section_bytes(const mime::Message& msg, const Section& s) {
  const mime::Part* target = &msg.root;
  if (!s.part.empty()) {
    const mime::Part* p = mime::find_section(msg, part_path(s.part));
    if (!p) return std::nullopt;
    if (s.text == Section::Text::none) return std::string(mime::body_bytes(msg, *p));
    if (s.text == Section::Text::mime) return std::string(mime::header_bytes(msg, *p));
    if (!p->is_message()) return std::nullopt;  // HEADER/TEXT need message/rfc822
    target = p->message.get();
  }
  switch (s.text) {
    case Section::Text::none:
      return std::string(msg.raw);
    case Section::Text::header:
      return std::string(mime::header_bytes(msg, *target));
    case Section::Text::header_fields:
      return filter_fields(msg, *target, s.fields, false);
    case Section::Text::header_fields_not:
      return filter_fields(msg, *target, s.fields, true);
    case Section::Text::text:
      return std::string(mime::body_bytes(msg, *target));
    case Section::Text::mime:
      return std::nullopt;
  }
  return std::nullopt;
}

Result<std::string> binary_bytes(const mime::Message& msg, const Section& s) {
  const mime::Part* p = &msg.root;
  if (!s.part.empty()) p = mime::find_section(msg, part_path(s.part));
  if (!p) return make_error(Errc::not_found, "no such part");
  if (s.part.empty()) return std::string(msg.raw);  // BINARY[]: the message as is
  const std::string& enc = p->encoding;
  if (enc.empty() || enc == "7bit" || enc == "8bit" || enc == "binary")
    return std::string(mime::body_bytes(msg, *p));
  if (enc == "base64" || enc == "quoted-printable")
    return mime::decode_transfer_encoding(mime::body_bytes(msg, *p), enc);
  return make_error(Errc::invalid, "unknown Content-Transfer-Encoding");
}

std::string section_label(const FetchAtt& att) {
  std::string s;
  switch (att.kind) {
    case FetchAtt::Kind::binary:
      s = "BINARY[";
      break;
    case FetchAtt::Kind::binary_size:
      s = "BINARY.SIZE[";
      break;
    default:
      s = "BODY[";
      break;
  }
  s += part_path(att.section.part);
  auto dot = [&] {
    if (!att.section.part.empty()) s += '.';
  };
  switch (att.section.text) {
    case Section::Text::none:
      break;
    case Section::Text::header:
      dot();
      s += "HEADER";
      break;
    case Section::Text::text:
      dot();
      s += "TEXT";
      break;
    case Section::Text::mime:
      dot();
      s += "MIME";
      break;
    case Section::Text::header_fields:
    case Section::Text::header_fields_not: {
      dot();
      s += att.section.text == Section::Text::header_fields ? "HEADER.FIELDS ("
                                                            : "HEADER.FIELDS.NOT (";
      for (size_t i = 0; i < att.section.fields.size(); ++i) {
        if (i) s += ' ';
        s += to_upper(att.section.fields[i]);
      }
      s += ')';
      break;
    }
  }
  s += ']';
  if (att.partial && att.kind != FetchAtt::Kind::binary_size)
    s += "<" + std::to_string(att.partial->offset) + ">";
  return s;
}

std::string apply_partial(std::string bytes, const std::optional<Partial>& p) {
  if (!p) return bytes;
  if (p->offset >= bytes.size()) return {};
  return bytes.substr(static_cast<size_t>(p->offset),
                      static_cast<size_t>(std::min<uint64_t>(p->length, bytes.size() - p->offset)));
}

}  // namespace postino::imap::server
