// The MIME structure of one message (RFC 5322, RFC 2045, RFC 2046) as a tree
// of Parts holding byte offsets into the raw message, so IMAP can serve
// BODY[section], .HEADER, .TEXT, .MIME and partial fetches by slicing.
//
// Ownership: a Message holds views into `raw`; the caller keeps those bytes
// alive (and unmoved) as long as the Message is used. A Message is move-only.
// Parsing never fails; malformed mail degrades the way Dovecot's does:
// missing final boundary -> the last part runs to the end of its parent; bad
// Content-Type -> text/plain; header lines without a colon are skipped; bare
// LF line ends are accepted; 8-bit header bytes are kept. Beyond
// limits::kMaxMimeDepth / kMaxMimeParts a part is not split further and
// becomes an opaque application/octet-stream leaf.
// Thread rules: parse_message is pure; a parsed Message is immutable and may
// be read from any number of threads.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mime/content.hpp"
#include "mime/header.hpp"

namespace postino::mime {

struct Part {
  // Offsets into the raw message. The header runs [header_begin, header_end)
  // and includes its blank line; the body runs [header_end, body_end).
  size_t header_begin = 0;
  size_t header_end = 0;
  size_t body_end = 0;
  size_t body_begin() const { return header_end; }
  size_t body_size() const { return body_end - header_end; }

  HeaderList headers;  // this part's own header fields (MIME header for a body part)

  std::string type = "text";  // lowercased
  std::string subtype = "plain";
  ParamList params;                        // Content-Type parameters, RFC 2231 decoded
  bool content_type_defaulted = true;      // no (valid) Content-Type header
  std::string encoding;                    // Content-Transfer-Encoding, lowercased; empty = absent
  std::optional<std::string> id;           // Content-ID, unfolded
  std::optional<std::string> description;  // Content-Description, unfolded, not decoded
  std::optional<std::string> md5;          // Content-MD5
  std::optional<std::string> location;     // Content-Location (RFC 2557), unfolded
  std::optional<Disposition> disposition;  // Content-Disposition (RFC 2183)
  std::vector<std::string> language;       // Content-Language (RFC 3282)
  size_t body_lines = 0;                   // lines in the body (counted for text/* and message/*)

  std::vector<Part> children;     // multipart/*: the body parts, in order
  std::unique_ptr<Part> message;  // message/rfc822, message/global: the encapsulated message

  bool is_multipart() const { return type == "multipart"; }
  bool is_message() const { return message != nullptr; }

  std::optional<std::string_view> header(std::string_view name) const {
    return find_header(headers, name);
  }
  std::vector<std::string_view> header_all(std::string_view name) const {
    return find_headers(headers, name);
  }
};

struct Message {
  std::string_view raw;
  Part root;  // the whole message: its header is the message header
  size_t part_count = 0;
  bool limited = false;  // a depth, part-count or header-size limit was hit
};

Message parse_message(std::string_view raw);

// RFC 3501 §6.4.5 / RFC 9051 §6.4.5 section numbers ("1.2.3"). The empty
// string is the whole message. Each number selects a body part of a
// multipart; in a non-multipart message (or message/rfc822 body) "1" is its
// body. nullptr if there is no such part or the spec is not digits and dots.
const Part* find_section(const Message& msg, std::string_view section);

// Slices of the raw message for IMAP fetch items.
inline std::string_view header_bytes(const Message& m, const Part& p) {
  return m.raw.substr(p.header_begin, p.header_end - p.header_begin);
}
inline std::string_view body_bytes(const Message& m, const Part& p) {
  return m.raw.substr(p.header_end, p.body_end - p.header_end);
}

}  // namespace postino::mime
