// Transparency for DATA (RFC 5321 §4.5.2): a line that starts with "." gets
// one more "."; the message is terminated by CRLF "." CRLF (a missing final
// CRLF is added first). Bare LF is written as CRLF so the peer never sees a
// bare line end (the store keeps CRLF already; this is a safety net).
// Thread rules: pure.
#pragma once

#include <string>
#include <string_view>

namespace postino::smtp::client {

// The DATA payload for `message`, ending in "\r\n.\r\n".
std::string dot_stuff(std::string_view message);

// True if any byte has the high bit set (needs 8BITMIME, RFC 6152).
bool has_8bit(std::string_view message);

}  // namespace postino::smtp::client
