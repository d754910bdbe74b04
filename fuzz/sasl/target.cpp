// Fuzz target: SASL mechanisms and the SCRAM client. The first byte picks the
// mechanism and options; the rest is split at '\n' into client messages fed
// to start()/step() (SCRAM gets fixed credentials or a decoy when asked).
// The same messages also drive a ScramClient as server messages, and the
// framing decoder. Invariant: no crash, every step ends in a defined result.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "base/strings.hpp"
#include "sasl/framing.hpp"
#include "sasl/mechanism.hpp"
#include "sasl/scram_client.hpp"
#include "sasl/scram_crypto.hpp"

using namespace postino::sasl;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  uint8_t sel = data[0];
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  std::vector<std::string_view> msgs = postino::split(rest, '\n');

  static const ScramCredentials creds = *derive_scram_credentials("pencil", "saltsaltsaltsalt", 1);
  MechanismOptions opts;
  opts.nonce_source = [] { return std::string("servernonce"); };
  auto m = make_mechanism(kMechanismNames[sel % 3], opts);
  if (!m) std::abort();
  bool use_ir = sel & 4;
  size_t i = 0;
  StepResult r =
      m->start(use_ir && !msgs.empty() ? std::optional<std::string_view>(msgs[i++]) : std::nullopt);
  for (int guard = 0; guard < 16; ++guard) {
    if (r.kind == StepKind::NeedCredentials) {
      r = m->supply_credentials((sel & 8) ? std::nullopt : std::optional(creds));
    } else if (r.kind == StepKind::Continue && i < msgs.size()) {
      r = m->step(msgs[i++]);
    } else {
      break;
    }
  }

  // Client side: the messages play the server.
  ScramClientOptions co;
  co.nonce = "clientnonce";
  co.min_iterations = 1;
  co.max_iterations = 4096;
  ScramClient client("user", "pencil", co);
  (void)client.client_first();
  if (!msgs.empty()) {
    auto fin = client.client_final(msgs[0].substr(0, 256));
    if (fin.ok() && msgs.size() > 1) (void)client.verify_server_final(msgs[1]);
  }
  for (auto msg : msgs) (void)decode_response(msg);
  return 0;
}
