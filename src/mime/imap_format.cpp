#include "mime/imap_format.hpp"

#include "base/strings.hpp"
#include "mime/address.hpp"

namespace postino::mime {

namespace {

constexpr std::string_view kNil = "NIL";
constexpr std::string_view kDefaultEncoding = "7bit";            // RFC 2045 §6.1
constexpr std::string_view kMissingMailbox = "MISSING_MAILBOX";  // as Dovecot fills them
constexpr std::string_view kMissingDomain = "MISSING_DOMAIN";

void append_params(std::string& out, const ParamList& params) {
  if (params.empty()) {
    out += kNil;
    return;
  }
  out.push_back('(');
  for (size_t i = 0; i < params.size(); ++i) {
    if (i) out.push_back(' ');
    append_imap_string(out, params[i].name);
    out.push_back(' ');
    append_imap_string(out, params[i].value);
  }
  out.push_back(')');
}

std::optional<std::string_view> opt_view(const std::optional<std::string>& s) {
  if (!s) return std::nullopt;
  return std::string_view(*s);
}

// RFC 9051 §9 address = "(" addr-name SP addr-adl SP addr-mailbox SP addr-host ")"
void append_address(std::string& out, const Address& a) {
  out.push_back('(');
  switch (a.kind) {
    case Address::Kind::group_start:  // RFC 9051 §7.5.2: host NIL, mailbox = group name
      out += "NIL NIL ";
      append_imap_string(out, a.display_name);
      out += " NIL";
      break;
    case Address::Kind::group_end:
      out += "NIL NIL NIL NIL";
      break;
    case Address::Kind::mailbox:
      append_imap_nstring(out, a.display_name.empty()
                                   ? std::nullopt
                                   : std::optional<std::string_view>(a.display_name));
      out.push_back(' ');
      append_imap_nstring(
          out, a.route.empty() ? std::nullopt : std::optional<std::string_view>(a.route));
      out.push_back(' ');
      append_imap_string(out, a.local.empty() ? kMissingMailbox : std::string_view(a.local));
      out.push_back(' ');
      append_imap_string(out, a.domain.empty() ? kMissingDomain : std::string_view(a.domain));
      break;
  }
  out.push_back(')');
}

// An address list, or NIL when the header is absent or holds no address.
bool append_address_list(std::string& out, const Part& m, std::string_view name) {
  auto v = m.header(name);
  if (!v) return false;
  std::vector<Address> list = parse_address_list(*v);
  if (list.empty()) return false;
  out.push_back('(');
  for (const auto& a : list) append_address(out, a);
  out.push_back(')');
  return true;
}

void append_header_nstring(std::string& out, const Part& m, std::string_view name) {
  auto v = m.header(name);
  if (!v) {
    out += kNil;
    return;
  }
  append_imap_string(out, trim(unfold(*v)));
}

void append_envelope(std::string& out, const Part& m) {
  out.push_back('(');
  append_header_nstring(out, m, "Date");
  out.push_back(' ');
  append_header_nstring(out, m, "Subject");
  out.push_back(' ');
  std::string from;
  if (!append_address_list(from, m, "From")) from = kNil;
  out += from;
  // RFC 3501 §7.4.2: absent or empty Sender / Reply-To default to From.
  for (std::string_view name : {"Sender", "Reply-To"}) {
    out.push_back(' ');
    if (!append_address_list(out, m, name)) out += from;
  }
  for (std::string_view name : {"To", "Cc", "Bcc"}) {
    out.push_back(' ');
    if (!append_address_list(out, m, name)) out += kNil;
  }
  out.push_back(' ');
  append_header_nstring(out, m, "In-Reply-To");
  out.push_back(' ');
  append_header_nstring(out, m, "Message-ID");
  out.push_back(')');
}

// RFC 9051 §9 body-fld-dsp / body-fld-lang / body-fld-loc
void append_dsp_lang_loc(std::string& out, const Part& p) {
  out.push_back(' ');
  if (p.disposition) {
    out.push_back('(');
    append_imap_string(out, p.disposition->type);
    out.push_back(' ');
    append_params(out, p.disposition->params);
    out.push_back(')');
  } else {
    out += kNil;
  }
  out.push_back(' ');
  if (p.language.empty()) {
    out += kNil;
  } else if (p.language.size() == 1) {
    append_imap_string(out, p.language[0]);
  } else {
    out.push_back('(');
    for (size_t i = 0; i < p.language.size(); ++i) {
      if (i) out.push_back(' ');
      append_imap_string(out, p.language[i]);
    }
    out.push_back(')');
  }
  out.push_back(' ');
  append_imap_nstring(out, opt_view(p.location));
}

void append_body(std::string& out, const Part& p, bool ext) {
  out.push_back('(');
  if (p.is_multipart()) {
    // body-type-mpart = 1*body SP media-subtype [SP body-ext-mpart]
    for (const Part& c : p.children) append_body(out, c, ext);
    out.push_back(' ');
    append_imap_string(out, p.subtype);
    if (ext) {
      out.push_back(' ');
      append_params(out, p.params);
      append_dsp_lang_loc(out, p);
    }
    out.push_back(')');
    return;
  }
  // body-type-1part: media type, body-fields
  append_imap_string(out, p.type);
  out.push_back(' ');
  append_imap_string(out, p.subtype);
  out.push_back(' ');
  append_params(out, p.params);
  out.push_back(' ');
  append_imap_nstring(out, opt_view(p.id));
  out.push_back(' ');
  append_imap_nstring(out, opt_view(p.description));
  out.push_back(' ');
  append_imap_string(out, p.encoding.empty() ? kDefaultEncoding : std::string_view(p.encoding));
  out.push_back(' ');
  out += std::to_string(p.body_size());
  if (p.message) {  // body-type-msg: envelope, body, body-fld-lines
    out.push_back(' ');
    append_envelope(out, *p.message);
    out.push_back(' ');
    append_body(out, *p.message, ext);
    out.push_back(' ');
    out += std::to_string(p.body_lines);
  } else if (p.type == "text") {  // body-type-text: body-fld-lines
    out.push_back(' ');
    out += std::to_string(p.body_lines);
  }
  if (ext) {  // body-ext-1part = body-fld-md5 [SP body-fld-dsp [SP body-fld-lang [SP loc]]]
    out.push_back(' ');
    append_imap_nstring(out, opt_view(p.md5));
    append_dsp_lang_loc(out, p);
  }
  out.push_back(')');
}

}  // namespace

void append_imap_string(std::string& out, std::string_view s) {
  bool quoted = true;
  size_t nuls = 0;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u == 0) ++nuls;
    if (u == '\r' || u == '\n' || u >= 0x80) quoted = false;
  }
  if (quoted) {
    out.push_back('"');
    for (char c : s) {
      if (c == 0) continue;
      if (c == '"' || c == '\\') out.push_back('\\');
      out.push_back(c);
    }
    out.push_back('"');
    return;
  }
  out.push_back('{');
  out += std::to_string(s.size() - nuls);
  out += "}\r\n";
  for (char c : s)
    if (c != 0) out.push_back(c);
}

void append_imap_nstring(std::string& out, std::optional<std::string_view> s) {
  if (!s) {
    out += kNil;
    return;
  }
  append_imap_string(out, *s);
}

std::string imap_string(std::string_view s) {
  std::string out;
  append_imap_string(out, s);
  return out;
}

std::string imap_nstring(std::optional<std::string_view> s) {
  std::string out;
  append_imap_nstring(out, s);
  return out;
}

std::string envelope(const Part& message_root) {
  std::string out;
  append_envelope(out, message_root);
  return out;
}

std::string envelope(const Message& msg) { return envelope(msg.root); }

std::string bodystructure(const Part& part, bool extensible) {
  std::string out;
  out.reserve(256);
  append_body(out, part, extensible);
  return out;
}

std::string bodystructure(const Message& msg, bool extensible) {
  return bodystructure(msg.root, extensible);
}

}  // namespace postino::mime
