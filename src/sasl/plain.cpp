#include "sasl/plain.hpp"

#include "sasl/utf8.hpp"

namespace postino::sasl {

StepResult PlainMechanism::start(std::optional<std::string_view> initial_response) {
  // RFC 4422 §5: without an initial response the server sends an empty challenge.
  if (!initial_response) return StepResult::cont("");
  return step(*initial_response);
}

StepResult PlainMechanism::step(std::string_view client_data) {
  if (done_) return StepResult::fail("PLAIN: unexpected step");
  done_ = true;
  return parse_plain_message(client_data);
}

// RFC 4616 §2: message = [authzid] UTF8NUL authcid UTF8NUL passwd
StepResult parse_plain_message(std::string_view msg) {
  if (msg.size() > kMaxClientMessage) return StepResult::fail("PLAIN: message too long");
  size_t a = msg.find('\0');
  if (a == std::string_view::npos) return StepResult::fail("PLAIN: missing separator");
  size_t b = msg.find('\0', a + 1);
  if (b == std::string_view::npos) return StepResult::fail("PLAIN: missing separator");
  if (msg.find('\0', b + 1) != std::string_view::npos)
    return StepResult::fail("PLAIN: too many separators");
  std::string_view authzid = msg.substr(0, a);
  std::string_view authcid = msg.substr(a + 1, b - a - 1);
  std::string_view passwd = msg.substr(b + 1);
  if (authcid.empty()) return StepResult::fail("PLAIN: empty authcid");
  if (passwd.empty()) return StepResult::fail("PLAIN: empty password");
  if (authzid.size() > kMaxIdentityBytes || authcid.size() > kMaxIdentityBytes ||
      passwd.size() > kMaxPasswordBytes)
    return StepResult::fail("PLAIN: field too long");
  if (!valid_utf8(authzid) || !valid_utf8(authcid) || !valid_utf8(passwd))
    return StepResult::fail("PLAIN: not UTF-8");
  StepResult r;
  r.kind = StepKind::NeedVerify;
  r.authzid = std::string(authzid);
  r.authcid = std::string(authcid);
  r.password = std::string(passwd);
  return r;
}

std::string make_plain_message(std::string_view authzid, std::string_view authcid,
                               std::string_view password) {
  std::string m(authzid);
  m.push_back('\0');
  m.append(authcid);
  m.push_back('\0');
  m.append(password);
  return m;
}

}  // namespace postino::sasl
