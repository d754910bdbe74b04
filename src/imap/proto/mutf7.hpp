// Modified UTF-7 mailbox names (RFC 3501 §5.1.3), used with clients that have
// not enabled UTF8=ACCEPT (RFC 9051 §5.1, RFC 6855). Printable US-ASCII
// stands for itself except "&", written "&-"; everything else is UTF-16 in
// modified BASE64 ("," for "/", no padding) between "&" and "-".
// Thread rules: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "base/result.hpp"

namespace postino::imap {

// UTF-8 → modified UTF-7. Error (Errc::invalid) on malformed UTF-8.
Result<std::string> mutf7_encode(std::string_view utf8);
// Modified UTF-7 → UTF-8. Strict: rejects raw 8-bit or control bytes, an
// unterminated shift, non-zero pad bits, shifted printable ASCII, "&-"-less
// bare "&", and unpaired surrogates.
Result<std::string> mutf7_decode(std::string_view mutf7);

}  // namespace postino::imap
