// Strict UTF-8 validation (RFC 3629 §4): no overlong forms, no surrogates, no
// code points above U+10FFFF. Used for passwords and internationalised
// addresses (RFC 6531). Thread rules: pure function.
#pragma once

#include <string_view>

namespace postino::auth {

bool is_valid_utf8(std::string_view s);

}  // namespace postino::auth
