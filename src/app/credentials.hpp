// Bridges auth::Credentials (binary SCRAM keys) and the store's columns
// (base64 text), so every caller stores and reads credentials the same way.
// Thread rules: pure functions; make_credentials is slow (argon2id).
#pragma once

#include <string_view>

#include "auth/password.hpp"
#include "base/result.hpp"
#include "store/types.hpp"

namespace postino::app {

Result<store::Credentials> make_credentials(std::string_view password);

}  // namespace postino::app
