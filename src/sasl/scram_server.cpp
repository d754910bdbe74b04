#include "sasl/scram_server.hpp"

#include "base/strings.hpp"
#include "sasl/scram_attr.hpp"
#include "sasl/scram_crypto.hpp"

namespace postino::sasl {

namespace {

// A per-process secret so that decoy salts are stable per user name but not
// predictable: repeated probes of an unknown user look like a real account.
const std::string& decoy_secret() {
  static const std::string secret = random_bytes(kScramKeyBytes);
  return secret;
}

}  // namespace

ScramServer::ScramServer(std::function<std::string()> nonce_source)
    : nonce_source_(std::move(nonce_source)) {}

StepResult ScramServer::fail(std::string why) {
  state_ = State::Done;
  return StepResult::fail("SCRAM: " + why);
}

StepResult ScramServer::start(std::optional<std::string_view> initial_response) {
  if (state_ != State::Start) return fail("restarted");
  state_ = State::WantClientFirst;
  // RFC 5802 §5: the client speaks first; without an initial response the
  // server sends an empty challenge (RFC 4422 §5).
  if (!initial_response) return StepResult::cont("");
  return on_client_first(*initial_response);
}

StepResult ScramServer::step(std::string_view client_data) {
  if (client_data.size() > kMaxClientMessage) return fail("message too long");
  switch (state_) {
    case State::WantClientFirst:
      return on_client_first(client_data);
    case State::WantClientFinal:
      return on_client_final(client_data);
    default:
      return fail("unexpected step");
  }
}

// RFC 5802 §7: client-first-message = gs2-header client-first-message-bare
StepResult ScramServer::on_client_first(std::string_view msg) {
  if (msg.size() > kMaxClientMessage) return fail("message too long");
  if (msg.starts_with("p=")) return fail("channel-binding-not-supported");
  if (!msg.starts_with("n,") && !msg.starts_with("y,")) return fail("bad gs2 header");
  size_t second = msg.find(',', 2);
  if (second == std::string_view::npos) return fail("bad gs2 header");
  std::string_view authz = msg.substr(2, second - 2);
  if (!authz.empty()) {
    if (!authz.starts_with("a=")) return fail("bad gs2 authzid");
    auto name = decode_saslname(authz.substr(2));
    if (!name) return fail("bad gs2 authzid");
    if (name->size() > kMaxIdentityBytes) return fail("authzid too long");
    authzid_ = std::move(*name);
  }
  gs2_header_ = std::string(msg.substr(0, second + 1));
  std::string_view bare = msg.substr(second + 1);
  auto attrs = split_scram_attrs(bare);
  if (!attrs) return fail("bad client-first-message");
  const auto& a = *attrs;
  // RFC 5802 §5.1: a mandatory extension ("m") we do not know must fail.
  if (!a.empty() && a[0].name == 'm') return fail("extensions-not-supported");
  if (a.size() < 2 || a[0].name != 'n' || a[1].name != 'r') return fail("bad client-first-message");
  auto user = decode_saslname(a[0].value);
  if (!user) return fail("invalid-username-encoding");
  if (user->size() > kMaxIdentityBytes) return fail("username too long");
  if (!valid_scram_nonce(a[1].value) || a[1].value.size() > kScramMaxNonceChars)
    return fail("bad client nonce");
  authcid_ = std::move(*user);
  client_first_bare_ = std::string(bare);
  std::string server_nonce = nonce_source_ ? nonce_source_() : random_token(kScramServerNonceChars);
  if (!valid_scram_nonce(server_nonce)) return fail("bad server nonce");
  nonce_ = std::string(a[1].value) + server_nonce;
  state_ = State::WantCredentials;
  StepResult r;
  r.kind = StepKind::NeedCredentials;
  r.authcid = authcid_;
  r.authzid = authzid_;
  return r;
}

StepResult ScramServer::supply_credentials(std::optional<ScramCredentials> creds) {
  if (state_ != State::WantCredentials) return fail("credentials not expected");
  if (creds) {
    if (creds->salt.empty() || creds->iterations < 1 || creds->iterations > kScramMaxIterations ||
        creds->stored_key.size() != kScramKeyBytes || creds->server_key.size() != kScramKeyBytes)
      return fail("unusable stored credentials");
    creds_ = std::move(*creds);
    decoy_ = false;
  } else {
    decoy_ = true;
    creds_.salt = hmac_sha256(decoy_secret(), authcid_).substr(0, kScramSaltBytes);
    creds_.iterations = kScramMinIterations;
    creds_.stored_key = std::string(kScramKeyBytes, '\0');
    creds_.server_key = std::string(kScramKeyBytes, '\0');
  }
  // RFC 5802 §7: server-first-message = nonce "," salt "," iteration-count
  server_first_ = "r=" + nonce_ + ",s=" + base64_encode(creds_.salt) +
                  ",i=" + std::to_string(creds_.iterations);
  state_ = State::WantClientFinal;
  return StepResult::cont(server_first_);
}

// RFC 5802 §7: client-final-message = channel-binding "," nonce ["," ext] "," proof
StepResult ScramServer::on_client_final(std::string_view msg) {
  size_t p = msg.rfind(",p=");
  if (p == std::string_view::npos) return fail("missing proof");
  std::string_view without_proof = msg.substr(0, p);
  std::string_view proof_b64 = msg.substr(p + 3);
  auto attrs = split_scram_attrs(without_proof);
  if (!attrs) return fail("bad client-final-message");
  const auto& a = *attrs;
  if (a.size() < 2 || a[0].name != 'c' || a[1].name != 'r') return fail("bad client-final-message");
  for (size_t i = 2; i < a.size(); ++i)
    if (a[i].name == 'p') return fail("bad client-final-message");
  // Without channel binding, c= carries exactly the gs2 header (RFC 5802 §6).
  auto cbind = base64_decode(a[0].value);
  if (!cbind || *cbind != gs2_header_) return fail("channel-bindings-dont-match");
  if (a[1].value != nonce_) return fail("nonce mismatch");
  auto proof = base64_decode(proof_b64);
  if (!proof || proof->size() != kScramKeyBytes) return fail("invalid-proof");

  // RFC 5802 §3: verify ClientProof against StoredKey.
  std::string auth_message =
      client_first_bare_ + "," + server_first_ + "," + std::string(without_proof);
  std::string client_signature = hmac_sha256(creds_.stored_key, auth_message);
  std::string client_key = xor_bytes(*proof, client_signature);
  bool ok = constant_time_equal(sha256(client_key), creds_.stored_key);
  if (!ok || decoy_) return fail("invalid-proof");

  state_ = State::Done;
  StepResult r;
  r.kind = StepKind::Success;
  r.authcid = authcid_;
  r.authzid = authzid_;
  r.data = "v=" + base64_encode(hmac_sha256(creds_.server_key, auth_message));
  r.has_data = true;
  return r;
}

}  // namespace postino::sasl
