#include "smtp/server/command_table.hpp"

namespace postino::smtp::server {
namespace {

// RFC 2920 §3.1: EHLO, DATA, VRFY, EXPN, TURN, QUIT and NOOP end a group;
// AUTH (RFC 4954 §4) and STARTTLS (RFC 3207 §4) wait for their reply too.
constexpr CommandSpec kTable[] = {
    {Verb::Ehlo, "EHLO", kEndsGroup},
    {Verb::Helo, "HELO", kEndsGroup},
    {Verb::Mail, "MAIL", kNeedsHello},
    {Verb::Rcpt, "RCPT", kNeedsHello},
    {Verb::Data, "DATA", kNeedsHello | kEndsGroup},
    {Verb::Bdat, "BDAT", kNeedsHello | kNeedsEsmtp},
    {Verb::Rset, "RSET", 0},
    {Verb::Noop, "NOOP", kEndsGroup},
    {Verb::Quit, "QUIT", kEndsGroup},
    {Verb::Vrfy, "VRFY", kEndsGroup},
    {Verb::Expn, "EXPN", kEndsGroup},
    {Verb::Help, "HELP", kEndsGroup},
    {Verb::StartTls, "STARTTLS", kNeedsHello | kNeedsEsmtp | kNotInTransaction | kEndsGroup},
    {Verb::Auth, "AUTH", kNeedsHello | kNeedsEsmtp | kNotInTransaction | kEndsGroup},
};

}  // namespace

const CommandSpec& command_spec(Verb v) {
  for (const auto& s : kTable)
    if (s.verb == v) return s;
  return kTable[0];  // unreachable: every Verb is listed
}

}  // namespace postino::smtp::server
