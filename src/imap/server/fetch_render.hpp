// Message data items that need the message bytes: BODY[section]<partial>,
// BINARY[section] / BINARY.SIZE (RFC 3516) and the section names echoed in
// FETCH responses (RFC 9051 §6.4.5, §7.5.2). Sections are sliced out of the
// raw message using the MIME tree of src/mime.
// Thread rules: pure functions over a parsed message the caller keeps alive.
#pragma once

#include <optional>
#include <string>

#include "base/result.hpp"
#include "imap/proto/command.hpp"
#include "mime/message.hpp"

namespace postino::imap::server {

// The bytes BODY[section] names, or nullopt when there is no such part
// (served as an empty string).
std::optional<std::string> section_bytes(const mime::Message& msg, const Section& s);

// BINARY[section]: the part's body with its Content-Transfer-Encoding undone.
// Errc::invalid for an encoding we do not know (RFC 3516 §4.3 UNKNOWN-CTE);
// Errc::not_found when there is no such part.
Result<std::string> binary_bytes(const mime::Message& msg, const Section& s);

// "BODY[1.HEADER.FIELDS (FROM TO)]", "BINARY[2]", "BINARY.SIZE[2]" ...
// origin: the partial's offset, appended as "<n>" (RFC 9051 §7.5.2).
std::string section_label(const FetchAtt& att);

// The partial range of bytes, clipped (RFC 9051 §6.4.5 <partial>).
std::string apply_partial(std::string bytes, const std::optional<Partial>& p);

}  // namespace postino::imap::server
