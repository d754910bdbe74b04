// The SMTP command table: each verb with the flags that drive the session's
// generic checks before its handler runs (the idea of Postfix's
// smtpd_cmd_table). Handlers then do their own sequencing checks.
// Thread rules: constants only.
#pragma once

#include <cstdint>
#include <string_view>

#include "smtp/proto/command.hpp"

namespace postino::smtp::server {

enum CommandFlag : uint32_t {
  kNeedsHello = 1u << 0,  // 503 before EHLO/HELO (RFC 5321 §4.1.4)
  kEndsGroup = 1u << 1,  // reply flushed at once: last command of a pipelined group (RFC 2920 §3.1)
  kNotInTransaction = 1u << 2,  // 503 while a mail transaction is open (STARTTLS, AUTH)
  kNeedsEsmtp = 1u << 3,        // an extension command: needs EHLO, not HELO (RFC 5321 §2.2.1)
};

struct CommandSpec {
  Verb verb;
  std::string_view name;
  uint32_t flags;
};

// The spec of a verb (every Verb has one).
const CommandSpec& command_spec(Verb v);

}  // namespace postino::smtp::server
