#include "app/credentials.hpp"

#include "base/strings.hpp"

namespace postino::app {

Result<store::Credentials> make_credentials(std::string_view password) {
  auto c = auth::derive_credentials(password);
  if (!c) return c.take_error();
  store::Credentials out;
  out.password_hash = c->password_hash;
  out.scram_salt = base64_encode(c->scram_salt);
  out.scram_iterations = c->scram_iterations;
  out.scram_stored_key = base64_encode(c->scram_stored_key);
  out.scram_server_key = base64_encode(c->scram_server_key);
  return out;
}

}  // namespace postino::app
