// IMAP renderings of a parsed message: the ENVELOPE and BODY/BODYSTRUCTURE
// strings of RFC 3501 §7.4.2 / RFC 9051 §7.5.2, exact to the formal syntax of
// RFC 9051 §9 (envelope, body-type-1part, body-type-mpart, body-fld-*,
// nstring, string = quoted / literal). The store caches these strings at
// delivery and sends them verbatim, so their bytes are a stable contract.
// Conventions (as Dovecot): media type, subtype, parameter names and the
// transfer encoding are lowercase; absent Content-Type gives
// "text" "plain" ("charset" "us-ascii"); absent encoding gives "7bit".
// Thread rules: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "mime/message.hpp"

namespace postino::mime {

// RFC 9051 §4.3 string: a quoted string when every byte is 7-bit text
// without CR, LF or NUL, else a literal "{n}\r\n" followed by the bytes.
// NUL bytes (not allowed in either form) are dropped.
void append_imap_string(std::string& out, std::string_view s);
// nstring: NIL when absent.
void append_imap_nstring(std::string& out, std::optional<std::string_view> s);
std::string imap_string(std::string_view s);
std::string imap_nstring(std::optional<std::string_view> s);

// ENVELOPE of a message (or of an encapsulated message/rfc822 part's message).
std::string envelope(const Part& message_root);
std::string envelope(const Message& msg);

// BODY (extensible = false) or BODYSTRUCTURE (extensible = true).
std::string bodystructure(const Part& part, bool extensible);
std::string bodystructure(const Message& msg, bool extensible);

}  // namespace postino::mime
