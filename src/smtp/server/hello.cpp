// EHLO / HELO (RFC 5321 §4.1.1.1) and the extensions postino announces.
#include "base/log.hpp"
#include "smtp/server/session.hpp"

namespace postino::smtp::server {

std::vector<std::string> Session::ehlo_lines() const {
  std::vector<std::string> lines;
  lines.push_back(opts_.hostname + " Hello " + helo_name_);
  lines.push_back("PIPELINING");                                      // RFC 2920
  lines.push_back("SIZE " + std::to_string(opts_.max_message_size));  // RFC 1870
  lines.push_back("8BITMIME");                                        // RFC 6152
  lines.push_back("SMTPUTF8");                                        // RFC 6531
  lines.push_back("ENHANCEDSTATUSCODES");                             // RFC 2034
  lines.push_back("CHUNKING");                                        // RFC 3030
  lines.push_back("BINARYMIME");
  lines.push_back("DSN");  // RFC 3461
  // RFC 3207 §4.2: not offered again once TLS is active.
  if (!conn_.is_tls() && opts_.tls_available) lines.push_back("STARTTLS");
  // RFC 4954 §4: AUTH only where a password may travel (TLS, or loopback
  // when configured); never after a successful AUTH.
  if (auth_allowed() && !authenticated_) lines.push_back("AUTH SCRAM-SHA-256 PLAIN LOGIN");
  lines.push_back("HELP");
  return lines;
}

awaitable<Session::Next> Session::on_ehlo(const Command& cmd) {
  // RFC 5321 §4.1.4: EHLO/HELO resets the state as RSET does.
  reset_transaction();
  helo_ = true;
  esmtp_ = cmd.verb == Verb::Ehlo;
  helo_name_ = cmd.argument;
  log::info("smtp.helo", {{"conn", conn_.id()},
                          {"verb", esmtp_ ? "EHLO" : "HELO"},
                          {"name", helo_name_},
                          {"ip", conn_.remote_ip()}});
  if (esmtp_)
    reply(make_reply(kHelloOk, ehlo_lines()));
  else
    reply(kHelloOk, opts_.hostname);
  co_return Next::go_on;
}

}  // namespace postino::smtp::server
