#include "pop3/server/session.hpp"

#include <array>
#include <cstdio>

#include "base/log.hpp"
#include "base/metrics.hpp"
#include "base/strings.hpp"
#include "pop3/proto/dot_stuffer.hpp"
#include "pop3/proto/response.hpp"

namespace postino::pop3::server {
namespace {

namespace asio = boost::asio;

constexpr uint64_t kRetrChunk = 64 * 1024;  // blob bytes read per step of RETR/TOP
constexpr size_t kMaxSaslLine = 16 * 1024;  // one base64 SASL response line

// One counter per verb, looked up in the registry once rather than per command.
metrics::Counter& command_counter(Pop3Verb verb) {
  constexpr size_t kVerbs = size_t(Pop3Verb::kUtf8) + 1;
  static const std::array<metrics::Counter*, kVerbs> counters = [] {
    std::array<metrics::Counter*, kVerbs> a{};
    for (size_t i = 0; i < kVerbs; ++i)
      a[i] = &metrics::counter("postino_pop3_commands_total", "POP3 commands received",
                               {{"cmd", std::string(verb_name(Pop3Verb(i)))}});
    return a;
  }();
  return *counters[size_t(verb)];
}

std::string strip_eol(std::string line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  return line;
}

}  // namespace

Session::Session(Service& service, net::Connection& conn) : svc_(service), conn_(conn) {}

Session::~Session() {
  if (locked_ && account_) svc_.unlock(account_->id);
}

bool Session::plaintext_allowed() const {
  return conn_.is_tls() || (conn_.is_loopback() && svc_.options().plaintext_auth_on_loopback);
}

asio::awaitable<void> Session::reply(std::string line) {
  conn_.write(line);
  // RFC 2449 §6.6 PIPELINING: answers to a pipelined group go out together.
  if (!conn_.input_pending()) co_await conn_.flush();
}

void Session::error_reply(std::string line) {
  ++errors_;
  conn_.write(line);
}

asio::awaitable<void> Session::run() {
  conn_.set_timeout(svc_.options().idle_timeout);
  log::info("pop3.connect", {{"conn", conn_.id()},
                             {"ip", conn_.remote_ip()},
                             {"listener", conn_.listener()},
                             {"tls", conn_.is_tls() ? 1 : 0}});
  co_await reply(ok("postino POP3 server ready"));
  while (state_ != State::done) {
    auto line = co_await conn_.read_line(kMaxCommandOctets);
    if (!line) {
      auto code = line.error().code;
      if (code == Errc::limit) {
        error_reply(err("Line too long"));
      } else {
        if (code == Errc::unavailable) {
          conn_.write(err("Server shutting down", RespCode::kSysTemp));
        } else if (code == Errc::busy) {
          conn_.write(err("Autologout; idle for too long"));
        }
        co_await conn_.flush();
        break;  // no UPDATE without QUIT (RFC 1939 §6)
      }
    } else {
      auto cmd = parse_pop3_command(strip_eol(std::move(*line)));
      if (!cmd) {
        error_reply(err(cmd.error().message));
      } else {
        command_counter(cmd->verb).inc();
        co_await dispatch(*cmd);
      }
    }
    if (errors_ >= svc_.options().max_errors) {
      conn_.write(err("Too many errors, closing connection"));
      co_await conn_.flush();
      break;
    }
    if (!conn_.input_pending()) co_await conn_.flush();
  }
  log::info("pop3.disconnect", {{"conn", conn_.id()}});
}

asio::awaitable<void> Session::dispatch(const Pop3Command& cmd) {
  switch (cmd.verb) {
    case Pop3Verb::kCapa:
      co_return co_await cmd_capa();
    case Pop3Verb::kNoop:
      if (state_ != State::transaction) break;
      co_return co_await reply(ok());
    case Pop3Verb::kQuit:
      co_return co_await cmd_quit();
    default:
      break;
  }
  if (state_ == State::authorization) {
    switch (cmd.verb) {
      case Pop3Verb::kStls:
        co_return co_await cmd_stls();
      case Pop3Verb::kUser:
        co_return co_await cmd_user(cmd);
      case Pop3Verb::kPass:
        co_return co_await cmd_pass(cmd);
      case Pop3Verb::kAuth:
        co_return co_await cmd_auth(cmd);
      case Pop3Verb::kApop:
        // APOP needs the plaintext password on the server; postino stores none.
        error_reply(err("APOP is not available"));
        co_return;
      default:
        error_reply(err("Command not valid before login"));
        co_return;
    }
  }
  switch (cmd.verb) {
    case Pop3Verb::kStat:
      co_return co_await cmd_stat();
    case Pop3Verb::kList:
      co_return co_await cmd_list(cmd, false);
    case Pop3Verb::kUidl:
      co_return co_await cmd_list(cmd, true);
    case Pop3Verb::kRetr:
      co_return co_await cmd_retr(cmd, std::nullopt);
    case Pop3Verb::kTop:
      co_return co_await cmd_retr(cmd, cmd.lines);
    case Pop3Verb::kDele:
      co_return co_await cmd_dele(cmd);
    case Pop3Verb::kRset:
      co_return co_await cmd_rset();
    default:
      error_reply(err("Command not valid in this state"));
      co_return;
  }
}

asio::awaitable<void> Session::cmd_capa() {
  // RFC 2449 §5 / §6.
  std::string out = ok("Capability list follows");
  out += "TOP\r\nUIDL\r\nRESP-CODES\r\nAUTH-RESP-CODE\r\nPIPELINING\r\n";
  if (state_ == State::authorization) {
    if (!conn_.is_tls()) out += "STLS\r\n";
    if (plaintext_allowed())
      out += "USER\r\nSASL PLAIN LOGIN SCRAM-SHA-256\r\n";
    else
      out += "SASL SCRAM-SHA-256\r\n";
  }
  out += "EXPIRE NEVER\r\nIMPLEMENTATION postino\r\n.\r\n";
  co_await reply(std::move(out));
}

asio::awaitable<void> Session::cmd_stls() {
  if (conn_.is_tls()) {
    error_reply(err("Already using TLS"));
    co_return;
  }
  conn_.write(ok("Begin TLS negotiation"));
  if (!co_await conn_.flush()) {
    state_ = State::done;
    co_return;
  }
  // RFC 2595 §4: anything the client pipelined after STLS is discarded by start_tls().
  if (Status st = co_await conn_.start_tls(); !st) {
    log::info("pop3.tls_fail", {{"conn", conn_.id()}, {"reason", st.error().message}});
    state_ = State::done;
    co_return;
  }
  user_.clear();
  log::info(
      "pop3.tls",
      {{"conn", conn_.id()}, {"version", conn_.tls_version()}, {"cipher", conn_.tls_cipher()}});
}

asio::awaitable<void> Session::cmd_user(const Pop3Command& cmd) {
  if (!plaintext_allowed()) {
    error_reply(err("Plaintext authentication disallowed without TLS", RespCode::kAuth));
    co_return;
  }
  user_ = cmd.arg;
  co_await reply(ok("Send PASS"));
}

asio::awaitable<void> Session::cmd_pass(const Pop3Command& cmd) {
  if (!plaintext_allowed()) {
    error_reply(err("Plaintext authentication disallowed without TLS", RespCode::kAuth));
    co_return;
  }
  if (user_.empty()) {
    error_reply(err("USER first"));
    co_return;
  }
  auto r = co_await svc_.authenticator().check_password(user_, cmd.arg, conn_.remote_ip());
  user_.clear();
  co_await login_done(r);
}

asio::awaitable<void> Session::cmd_auth(const Pop3Command& cmd) {
  if (cmd.arg.empty()) {
    // A bare AUTH lists the mechanisms (older clients probe with it).
    std::string out = ok("Methods supported");
    if (plaintext_allowed()) out += "PLAIN\r\nLOGIN\r\n";
    out += "SCRAM-SHA-256\r\n.\r\n";
    co_await reply(std::move(out));
    co_return;
  }
  if (!login::Authenticator::supports(cmd.arg)) {
    error_reply(err("Unsupported authentication mechanism"));
    co_return;
  }
  if (!plaintext_allowed() && !iequals(cmd.arg, "SCRAM-SHA-256")) {
    error_reply(err("Plaintext authentication disallowed without TLS", RespCode::kAuth));
    co_return;
  }
  std::optional<std::string> initial;
  if (cmd.initial_response) {
    // RFC 5034 §4: "=" is an empty initial response.
    if (*cmd.initial_response == "=") {
      initial = std::string();
    } else {
      auto dec = base64_decode(*cmd.initial_response);
      if (!dec) {
        error_reply(err("Invalid base64 in initial response"));
        co_return;
      }
      initial = std::move(*dec);
    }
  }
  login::ChallengeFn challenge =
      [this](std::string_view data) -> asio::awaitable<Result<std::string>> {
    conn_.write("+ " + base64_encode(data) + "\r\n");
    if (Status st = co_await conn_.flush(); !st) co_return st.take_error();
    auto line = co_await conn_.read_line(kMaxSaslLine, false);
    if (!line) co_return line.take_error();
    std::string text = strip_eol(std::move(*line));
    if (text == "*") co_return make_error(Errc::invalid, "cancelled");
    auto dec = base64_decode(text);
    if (!dec) co_return make_error(Errc::invalid, "bad base64");
    co_return std::move(*dec);
  };
  auto r = co_await svc_.authenticator().authenticate(cmd.arg, std::move(initial), challenge,
                                                      conn_.remote_ip());
  co_await login_done(r);
}

asio::awaitable<void> Session::login_done(const login::LoginResult& r) {
  using login::Outcome;
  switch (r.outcome) {
    case Outcome::ok:
      break;
    case Outcome::cancelled:
      error_reply(err("Authentication cancelled"));
      co_return;
    case Outcome::malformed:
      error_reply(err("Malformed authentication exchange"));
      co_return;
    case Outcome::unknown_mechanism:
      error_reply(err("Unsupported mechanism"));
      co_return;
    case Outcome::temporary:
      error_reply(err("Temporary authentication failure", RespCode::kSysTemp));
      co_return;
    default:
      error_reply(err("Authentication failed", RespCode::kAuth));
      co_return;
  }
  if (!svc_.try_lock(r.account.id)) {
    co_await reply(err("Maildrop is in use by another POP3 session", RespCode::kInUse));
    co_return;
  }
  locked_ = true;
  account_ = r.account;
  // The snapshot: metadata only, never bodies (a 50,000-message INBOX opens fast).
  auto inbox = co_await svc_.store().get_mailbox(account_->id, store::kInbox);
  if (!inbox) {
    co_await reply(err("Cannot open maildrop", RespCode::kSysTemp));
    svc_.unlock(account_->id);
    locked_ = false;
    account_.reset();
    co_return;
  }
  // Only uid, size and blob id: a 50,000-message maildrop opens without
  // reading any message or its metadata texts.
  auto metas = co_await svc_.store().list_messages(inbox->id);
  if (!metas) {
    co_await reply(err("Cannot read maildrop", RespCode::kSysTemp));
    svc_.unlock(account_->id);
    locked_ = false;
    account_.reset();
    co_return;
  }
  inbox_ = inbox->id;
  uidvalidity_ = inbox->uidvalidity;
  msgs_.clear();
  msgs_.reserve(metas->size());
  for (auto& m : *metas) msgs_.push_back(Entry{m.uid, m.size, std::move(m.blob_id), false});
  state_ = State::transaction;
  log::info("pop3.login",
            {{"conn", conn_.id()}, {"user", account_->address}, {"messages", msgs_.size()}});
  co_await reply(ok("Logged in, " + std::to_string(msgs_.size()) + " messages"));
}

Session::Entry* Session::message(std::optional<uint32_t> n) {
  if (!n || *n == 0 || *n > msgs_.size()) {
    error_reply(err("No such message"));
    return nullptr;
  }
  Entry& e = msgs_[*n - 1];
  if (e.deleted) {
    error_reply(err("Message is deleted"));
    return nullptr;
  }
  return &e;
}

std::string Session::uidl_of(const Entry& e) const {
  // Stable for the life of the message: UIDVALIDITY and UID never change for it.
  char buf[32];
  std::snprintf(buf, sizeof buf, "%08x%08x", uidvalidity_, e.uid);
  return buf;
}

asio::awaitable<void> Session::cmd_stat() {
  uint64_t count = 0, size = 0;
  for (const auto& e : msgs_)
    if (!e.deleted) ++count, size += e.size;
  co_await reply(ok(std::to_string(count) + " " + std::to_string(size)));
}

asio::awaitable<void> Session::cmd_list(const Pop3Command& cmd, bool uidl) {
  auto value = [&](const Entry& e) { return uidl ? uidl_of(e) : std::to_string(e.size); };
  if (cmd.msg) {
    Entry* e = message(cmd.msg);
    if (!e) co_return;
    co_await reply(ok(std::to_string(*cmd.msg) + " " + value(*e)));
    co_return;
  }
  std::string out = ok(uidl ? "Unique-ID listing follows" : "Scan listing follows");
  for (size_t i = 0; i < msgs_.size(); ++i) {
    if (msgs_[i].deleted) continue;
    out += std::to_string(i + 1) + " " + value(msgs_[i]) + "\r\n";
  }
  out += ".\r\n";
  co_await reply(std::move(out));
}

asio::awaitable<void> Session::cmd_retr(const Pop3Command& cmd, std::optional<uint32_t> top) {
  Entry* e = message(cmd.msg);
  if (!e) co_return;
  conn_.write(ok(top ? "Top of message follows" : std::to_string(e->size) + " octets"));
  // Stream the blob: read a chunk, dot-stuff it, send it; memory stays at one chunk.
  DotStuffer stuffer(top);
  std::string out;
  for (uint64_t off = 0;; off += kRetrChunk) {
    auto chunk = co_await svc_.store().read_blob_fast(e->blob_id, off, kRetrChunk);
    if (!chunk) {
      // Mid-response failure: the multi-line answer cannot be turned into -ERR.
      log::error("pop3.retr_fail", {{"conn", conn_.id()}, {"reason", chunk.error().message}});
      state_ = State::done;
      co_return;
    }
    out.clear();
    stuffer.feed(*chunk, out);
    conn_.write(out);
    // Keep at most about one chunk buffered; a small message goes out in one flush.
    if (conn_.output_pending() >= kRetrChunk) {
      if (!co_await conn_.flush()) {
        state_ = State::done;
        co_return;
      }
    }
    if (stuffer.done() || chunk->size() < kRetrChunk) break;
  }
  out.clear();
  stuffer.finish(out);
  conn_.write(out);
  co_await reply("");
}

asio::awaitable<void> Session::cmd_dele(const Pop3Command& cmd) {
  Entry* e = message(cmd.msg);
  if (!e) co_return;
  e->deleted = true;
  co_await reply(ok("Message " + std::to_string(*cmd.msg) + " deleted"));
}

asio::awaitable<void> Session::cmd_rset() {
  for (auto& e : msgs_) e.deleted = false;
  co_await reply(ok());
}

asio::awaitable<void> Session::cmd_quit() {
  if (state_ != State::transaction) {
    state_ = State::done;
    co_await reply(ok("Bye"));
    co_return;
  }
  // UPDATE (RFC 1939 §6): flag exactly the DELE'd messages \Deleted, then
  // expunge only those UIDs (messages IMAP flagged are left alone).
  store::UidSet dele;
  for (const auto& e : msgs_)
    if (e.deleted) dele.ranges.push_back({e.uid, e.uid});
  state_ = State::done;
  if (!dele.ranges.empty()) {
    store::FlagUpdate upd;
    upd.mode = store::FlagMode::add;
    upd.flags = {store::kFlagDeleted};
    auto flagged = co_await svc_.store().store_flags(inbox_, dele, upd);
    if (!flagged) {
      co_await reply(err("Could not delete messages", RespCode::kSysTemp));
      co_return;
    }
    auto gone = co_await svc_.store().expunge(inbox_, dele);
    if (!gone) {
      co_await reply(err("Could not delete messages", RespCode::kSysTemp));
      co_return;
    }
    log::info("pop3.update", {{"conn", conn_.id()}, {"expunged", gone->size()}});
  }
  co_await reply(ok("Bye"));
}

}  // namespace postino::pop3::server
