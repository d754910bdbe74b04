#include "sasl/scram_client.hpp"

#include "base/strings.hpp"
#include "sasl/scram_attr.hpp"
#include "sasl/scram_crypto.hpp"
#include "sasl/scram_server.hpp"

namespace postino::sasl {

ScramClient::ScramClient(std::string username, std::string password, ScramClientOptions opts)
    : username_(std::move(username)), password_(std::move(password)), opts_(std::move(opts)) {
  if (opts_.nonce.empty()) opts_.nonce = random_token(kScramServerNonceChars);
}

std::string ScramClient::client_first() {
  gs2_header_ = "n,";
  if (!opts_.authzid.empty()) gs2_header_ += "a=" + encode_saslname(opts_.authzid);
  gs2_header_ += ",";
  client_first_bare_ = "n=" + encode_saslname(username_) + ",r=" + opts_.nonce;
  return gs2_header_ + client_first_bare_;
}

Result<std::string> ScramClient::client_final(std::string_view server_first) {
  if (client_first_bare_.empty()) return make_error(Errc::internal, "client_first not sent");
  auto attrs = split_scram_attrs(server_first);
  if (!attrs) return attrs.take_error();
  const auto& a = *attrs;
  if (!a.empty() && a[0].name == 'm') return make_error(Errc::invalid, "SCRAM: mandatory ext");
  if (a.size() < 3 || a[0].name != 'r' || a[1].name != 's' || a[2].name != 'i')
    return make_error(Errc::invalid, "SCRAM: bad server-first-message");
  std::string_view nonce = a[0].value;
  if (!nonce.starts_with(opts_.nonce) || nonce.size() == opts_.nonce.size() ||
      !valid_scram_nonce(nonce))
    return make_error(Errc::auth, "SCRAM: server nonce does not extend ours");
  auto salt = base64_decode(a[1].value);
  if (!salt || salt->empty()) return make_error(Errc::invalid, "SCRAM: bad salt");
  auto iters = parse_u64(a[2].value);
  if (!iters || *iters < opts_.min_iterations || *iters < 1 || *iters > opts_.max_iterations)
    return make_error(Errc::invalid, "SCRAM: unacceptable iteration count");

  std::string salted = pbkdf2_sha256(password_, *salt, static_cast<uint32_t>(*iters));
  if (salted.empty()) return make_error(Errc::internal, "PBKDF2 failed");
  std::string client_key = hmac_sha256(salted, "Client Key");
  std::string stored_key = sha256(client_key);
  std::string server_key = hmac_sha256(salted, "Server Key");
  std::string without_proof = "c=" + base64_encode(gs2_header_) + ",r=" + std::string(nonce);
  std::string auth_message =
      client_first_bare_ + "," + std::string(server_first) + "," + without_proof;
  std::string proof = xor_bytes(client_key, hmac_sha256(stored_key, auth_message));
  server_signature_ = hmac_sha256(server_key, auth_message);
  return without_proof + ",p=" + base64_encode(proof);
}

Status ScramClient::verify_server_final(std::string_view server_final) {
  if (server_signature_.empty()) return make_error(Errc::internal, "client_final not sent");
  auto attrs = split_scram_attrs(server_final);
  if (!attrs || attrs->empty()) return make_error(Errc::invalid, "SCRAM: bad server-final");
  const auto& first = attrs->front();
  if (first.name == 'e')
    return make_error(Errc::auth, "SCRAM: server error " + std::string(first.value));
  if (first.name != 'v') return make_error(Errc::invalid, "SCRAM: bad server-final");
  auto sig = base64_decode(first.value);
  if (!sig || !constant_time_equal(*sig, server_signature_))
    return make_error(Errc::auth, "SCRAM: server signature mismatch");
  return {};
}

}  // namespace postino::sasl
