#include "smtp/server/session.hpp"

#include <exception>

#include "base/log.hpp"
#include "base/strings.hpp"
#include "smtp/proto/reply_codes.hpp"
#include "smtp/server/command_table.hpp"
#include "smtp/server/smtp_metrics.hpp"

namespace postino::smtp::server {

Session::Session(Service& service, net::Connection& conn, Mode mode)
    : svc_(service), opts_(service.options()), conn_(conn), mode_(mode) {}

void Session::reply(const ReplyCode& rc) { reply(make_reply(rc)); }

void Session::reply(const ReplyCode& rc, std::string text) {
  reply(make_reply(rc, std::move(text)));
}

void Session::reply(const Reply& r) {
  if (r.code >= 400) ++errors_;
  conn_.write(format_reply(r));
}

void Session::reject(const ReplyCode& rc, std::string_view reason, std::string text) {
  reject_counter(reason).inc();
  log::info(
      "smtp.reject",
      {{"conn", conn_.id()}, {"reason", reason}, {"code", rc.code}, {"enhanced", rc.enhanced}});
  if (text.empty())
    reply(rc);
  else
    reply(rc, std::move(text));
}

awaitable<bool> Session::flush() {
  if (conn_.output_pending() == 0) co_return true;
  auto st = co_await conn_.flush();
  co_return st.ok();
}

awaitable<Session::Next> Session::read_error(const Error& e) {
  switch (e.code) {
    case Errc::busy:  // RFC 5321 §4.5.3.2: the server may close after a timeout
      log::info("smtp.timeout", {{"conn", conn_.id()}});
      reply(kTimeout);
      break;
    case Errc::unavailable:  // server shutting down
      reply(kServiceUnavailable, opts_.hostname + " Service shutting down");
      break;
    default:  // EOF or network error: nobody to answer
      co_return Next::close;
  }
  co_await flush();
  co_return Next::close;
}

awaitable<void> Session::run() {
  log::info("smtp.connect", {{"conn", conn_.id()},
                             {"ip", conn_.remote_ip()},
                             {"mode", mode_name(mode_)},
                             {"tls", conn_.is_tls() ? "yes" : "no"}});
  reply(kServiceReady, opts_.hostname + " ESMTP postino");
  for (;;) {
    // RFC 2920 §3.2: replies of a pipelined group may be held until the
    // client waits for them, i.e. until no more input is buffered.
    if (!conn_.input_pending() && !co_await flush()) break;
    conn_.set_timeout(opts_.command_timeout);
    auto line = co_await conn_.read_line(kMaxCommandLineBuffer);
    if (!line) {
      if (line.error().code == Errc::limit) {
        // RFC 5321 §4.5.3.1.10: too long; the rest of the line was discarded.
        command_counter(std::nullopt).inc();
        reject(kLineTooLong, "line_too_long");
      } else if (co_await read_error(line.error()) == Next::close) {
        break;
      }
    } else {
      std::string_view text = *line;
      if (text.ends_with("\r\n"))
        text.remove_suffix(2);
      else if (text.ends_with('\n'))
        text.remove_suffix(1);
      auto cmd = parse_command(text);
      if (!cmd) {
        command_counter(std::nullopt).inc();
        reject(command_error_reply(cmd.error()), "bad_command");
      } else {
        command_counter(cmd->verb).inc();
        if (co_await dispatch(*cmd) == Next::close) break;
      }
    }
    if (++commands_ > kMaxCommandsPerSession || errors_ >= opts_.max_errors) {
      log::info("smtp.too_many_errors", {{"conn", conn_.id()}, {"errors", errors_}});
      reply(kTooManyErrors);
      co_await flush();
      break;
    }
  }
  log::info("smtp.disconnect", {{"conn", conn_.id()}, {"commands", commands_}});
}

awaitable<Session::Next> Session::dispatch(const Command& cmd) {
  const CommandSpec& spec = command_spec(cmd.verb);
  if ((spec.flags & kNeedsHello) && !helo_) {
    reply(kBadSequence, "Send EHLO/HELO first");
    co_return Next::go_on;
  }
  if ((spec.flags & kNeedsEsmtp) && !esmtp_) {
    reply(kBadSequence, "Send EHLO first");
    co_return Next::go_on;
  }
  if ((spec.flags & kNotInTransaction) && tx_.active) {
    reply(kBadSequence, "Not permitted during a mail transaction");
    co_return Next::go_on;
  }
  Next next = Next::go_on;
  switch (cmd.verb) {
    case Verb::Ehlo:
    case Verb::Helo:
      next = co_await on_ehlo(cmd);
      break;
    case Verb::Auth:
      next = co_await on_auth(cmd);
      break;
    case Verb::StartTls:
      next = co_await on_starttls(cmd);
      break;
    case Verb::Mail:
      next = co_await on_mail(cmd);
      break;
    case Verb::Rcpt:
      next = co_await on_rcpt(cmd);
      break;
    case Verb::Data:
      next = co_await on_data(cmd);
      break;
    case Verb::Bdat:
      next = co_await on_bdat(cmd);
      break;
    default:
      next = co_await on_misc(cmd);
      break;
  }
  if (next == Next::go_on && (spec.flags & kEndsGroup) && !co_await flush()) co_return Next::close;
  co_return next;
}

void Session::reset_transaction() { tx_ = Transaction{}; }

void Session::reset_session_state() {
  helo_ = false;
  esmtp_ = false;
  helo_name_.clear();
  authenticated_ = false;
  auth_user_.clear();
  auth_account_ = 0;
  reset_transaction();
}

bool Session::auth_allowed() const {
  return conn_.is_tls() || (conn_.is_loopback() && opts_.plaintext_auth_on_loopback);
}

BodyOptions Session::body_options() const {
  BodyOptions o;
  o.max_message_bytes = opts_.max_message_size;
  o.max_line_bytes = 0;  // long lines are accepted; the read itself is bounded
  o.bare_newlines = opts_.normalize_bare_lf ? NewlinePolicy::Normalize : NewlinePolicy::Reject;
  return o;
}

}  // namespace postino::smtp::server
