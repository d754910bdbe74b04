#include "sasl/framing.hpp"

#include "base/strings.hpp"
#include "sasl/mechanism.hpp"

namespace postino::sasl {

namespace {
// Base64 of kMaxClientMessage bytes plus slack.
constexpr size_t kMaxEncodedResponse = (kMaxClientMessage / 3 + 1) * 4 + 4;
}  // namespace

Result<ClientResponse> decode_response(std::string_view line) {
  if (line == "*") return ClientResponse{ResponseKind::Cancel, {}};
  if (line.size() > kMaxEncodedResponse) return make_error(Errc::limit, "SASL response too long");
  if (line.empty() || line == "=") return ClientResponse{ResponseKind::Data, {}};
  auto bytes = base64_decode(line);
  if (!bytes) return make_error(Errc::invalid, "SASL response is not base64");
  return ClientResponse{ResponseKind::Data, std::move(*bytes)};
}

Result<std::string> decode_initial_response(std::string_view arg) {
  if (arg == "=") return std::string();
  if (arg.size() > kMaxEncodedResponse) return make_error(Errc::limit, "SASL response too long");
  auto bytes = base64_decode(arg);
  if (!bytes) return make_error(Errc::invalid, "initial response is not base64");
  return std::move(*bytes);
}

std::string encode_challenge(std::string_view bytes) { return base64_encode(bytes); }

std::string encode_initial_response(std::string_view bytes) {
  if (bytes.empty()) return "=";
  return base64_encode(bytes);
}

}  // namespace postino::sasl
