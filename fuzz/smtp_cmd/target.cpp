// Fuzz target: one SMTP command line through parse_command(). Invariants: no
// crash; an error maps to a reply; a parsed MAIL/RCPT path survives
// to_string() -> parse_path() unchanged; replies format without CR/LF leaks.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "smtp/proto/command.hpp"
#include "smtp/proto/reply.hpp"

using namespace postino::smtp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view line(reinterpret_cast<const char*>(data), size);
  auto cmd = parse_command(line);
  if (!cmd.ok()) {
    const ReplyCode& rc = command_error_reply(cmd.error());
    if (rc.code < 500) std::abort();
    (void)format_reply(make_reply(rc, cmd.error().message));
    return 0;
  }
  if (cmd->verb == Verb::Mail || cmd->verb == Verb::Rcpt) {
    auto kind = cmd->verb == Verb::Mail ? PathKind::Reverse : PathKind::Forward;
    auto again = parse_path(cmd->path.to_string(), kind);
    if (!again.ok() || again->local != cmd->path.local || again->domain != cmd->path.domain ||
        again->null != cmd->path.null)
      std::abort();
  }
  return 0;
}
