// Fuzz target for the IMAP Receiver and command parser. The first input byte
// picks the limits (tiny ones reach every refusal path) and the chunking; the
// rest is the byte stream a client would send. Checks, beyond "no crash":
// feeding the stream whole or in chunks gives the same events, and a mailbox
// name that decodes as modified UTF-7 encodes back to itself.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "imap/proto/mutf7.hpp"
#include "imap/proto/receiver.hpp"

namespace {

using namespace postino::imap;

void check_mailbox(const std::string& name) {
  auto decoded = mutf7_decode(name);
  if (!decoded) return;
  auto encoded = mutf7_encode(*decoded);
  if (!encoded || *encoded != name) __builtin_trap();
}

std::vector<Event> collect(std::string_view input, const ReceiverLimits& limits, uint32_t seed) {
  Receiver r(limits);
  std::vector<Event> out;
  size_t pos = 0;
  while (true) {
    size_t chunk = input.size() - pos;
    if (seed != 0 && chunk > 0) {
      seed = seed * 1103515245u + 12345u;
      chunk = std::min<size_t>(chunk, 1 + (seed >> 16) % 23);
    }
    r.feed(input.substr(pos, chunk));
    pos += chunk;
    for (int guard = 0; guard < 1000000; ++guard) {
      Event e = r.next();
      if (std::holds_alternative<NeedMore>(e)) break;
      if (auto* cmd = std::get_if<Command>(&e)) {
        if (command_name(*cmd).empty()) __builtin_trap();
        if (std::holds_alternative<IdleCmd>(cmd->body) ||
            std::holds_alternative<AuthenticateCmd>(cmd->body))
          r.expect_line();
        if (auto* sel = std::get_if<SelectCmd>(&cmd->body)) check_mailbox(sel->mailbox);
        if (auto* c = std::get_if<CreateCmd>(&cmd->body)) check_mailbox(c->mailbox);
      }
      out.push_back(std::move(e));
    }
    if (pos >= input.size()) break;
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  uint8_t knobs = data[0];
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  ReceiverLimits limits;
  if (knobs & 1) {
    limits.max_line_bytes = 64;
    limits.max_literal_bytes = 32;
    limits.max_append_literal_bytes = 256;
    limits.max_command_bytes = 512;
    limits.max_literals = 4;
  }
  if (knobs & 2) limits.max_nonsync_literal_bytes = 16;
  auto whole = collect(input, limits, 0);
  auto split = collect(input, limits, 1u + knobs);
  if (whole != split) __builtin_trap();
  return 0;
}
