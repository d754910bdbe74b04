// RSET, NOOP, QUIT, VRFY, EXPN, HELP (RFC 5321 §4.1.1.5 - §4.1.1.10).
#include "base/log.hpp"
#include "smtp/server/session.hpp"

namespace postino::smtp::server {

awaitable<Session::Next> Session::on_misc(const Command& cmd) {
  switch (cmd.verb) {
    case Verb::Rset:
      reset_transaction();
      reply(kResetOk);
      break;
    case Verb::Noop:
      reply(kOk);
      break;
    case Verb::Quit:
      reply(kClosing, opts_.hostname + " closing connection");
      co_await flush();
      co_return Next::close;
    case Verb::Vrfy:
      // RFC 5321 §3.5.3: 252 rather than leak which users exist.
      reply(kVrfyCannot);
      break;
    case Verb::Expn:
      // RFC 5321 §3.5.2: list expansion is not offered (it reveals members).
      reply(kNotImplemented, "EXPN not available");
      break;
    case Verb::Help:
      reply(kHelp,
            "Commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY STARTTLS AUTH HELP");
      break;
    default:
      reply(kNotImplemented);
      break;
  }
  co_return Next::go_on;
}

}  // namespace postino::smtp::server
