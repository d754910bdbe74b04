// UTF-8 well-formedness check (RFC 3629 §4) used by the SASL mechanisms for
// identities and passwords. Thread rules: pure function.
#pragma once

#include <string_view>

namespace postino::sasl {

// True if `s` is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
bool valid_utf8(std::string_view s);

}  // namespace postino::sasl
