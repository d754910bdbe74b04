#include "imap/server/session.hpp"

#include <algorithm>
#include <variant>

#include "base/log.hpp"
#include "base/metrics.hpp"
#include "base/strings.hpp"
#include "imap/proto/mutf7.hpp"
#include "mime/encoding.hpp"

namespace postino::imap::server {

namespace {

// Which state a command needs (RFC 9051 §6.1 - §6.4).
enum class Need { any, not_authenticated, authenticated, selected };

struct NeedOf {
  Need operator()(const CapabilityCmd&) const { return Need::any; }
  Need operator()(const NoopCmd&) const { return Need::any; }
  Need operator()(const LogoutCmd&) const { return Need::any; }
  Need operator()(const IdCmd&) const { return Need::any; }
  Need operator()(const StartTlsCmd&) const { return Need::not_authenticated; }
  Need operator()(const AuthenticateCmd&) const { return Need::not_authenticated; }
  Need operator()(const LoginCmd&) const { return Need::not_authenticated; }
  Need operator()(const CheckCmd&) const { return Need::selected; }
  Need operator()(const CloseCmd&) const { return Need::selected; }
  Need operator()(const UnselectCmd&) const { return Need::selected; }
  Need operator()(const ExpungeCmd&) const { return Need::selected; }
  Need operator()(const SearchCmd&) const { return Need::selected; }
  Need operator()(const FetchCmd&) const { return Need::selected; }
  Need operator()(const StoreCmd&) const { return Need::selected; }
  Need operator()(const CopyCmd&) const { return Need::selected; }
  Need operator()(const SortCmd&) const { return Need::selected; }
  Need operator()(const ThreadCmd&) const { return Need::selected; }
  template <class T>
  Need operator()(const T&) const {
    return Need::authenticated;
  }
};

// RFC 9051 §7.5.1: no EXPUNGE while answering FETCH, STORE or SEARCH that
// use sequence numbers (the client could not tell which message is meant).
bool allows_expunge(const CommandBody& body) {
  if (auto* f = std::get_if<FetchCmd>(&body)) return f->uid;
  if (auto* s = std::get_if<StoreCmd>(&body)) return s->uid;
  if (auto* s = std::get_if<SearchCmd>(&body)) return s->uid;
  if (auto* s = std::get_if<SortCmd>(&body)) return s->uid;
  if (auto* s = std::get_if<ThreadCmd>(&body)) return s->uid;
  if (auto* c = std::get_if<CopyCmd>(&body)) return c->uid;
  return true;
}

metrics::Counter& commands_total() {
  static auto& c = metrics::counter("postino_imap_commands_total", "IMAP commands executed");
  return c;
}
metrics::Gauge& sessions_gauge() {
  static auto& g = metrics::gauge("postino_imap_sessions", "IMAP sessions open");
  return g;
}

}  // namespace

write::ResponseCode badcharset_code() { return write::code::badcharset({"UTF-8", "US-ASCII"}); }

Session::Session(const Options& opts, store::AsyncStore& store, login::Authenticator& auth,
                 net::Connection& conn)
    : opts_(opts), store_(store), auth_(auth), conn_(conn), bus_(std::make_shared<BusNotes>()) {
  ReceiverLimits limits;
  limits.max_append_literal_bytes = static_cast<size_t>(opts.max_message_size);
  rx_.set_limits(limits);
  sessions_gauge().add(1);
}

Session::~Session() {
  unwatch();
  sessions_gauge().sub(1);
}

bool Session::plaintext_allowed() const {
  return conn_.is_tls() || (opts_.plaintext_auth_on_loopback && conn_.is_loopback());
}

std::vector<std::string> Session::capabilities() const {
  std::vector<std::string> caps = {"IMAP4rev1", "IMAP4rev2", "LITERAL+",  "SASL-IR",  "ENABLE",
                                   "ID",        "IDLE",      "NAMESPACE", "UNSELECT", "CHILDREN"};
  if (state_ == State::not_authenticated) {
    if (!conn_.is_tls()) caps.push_back("STARTTLS");
    if (plaintext_allowed()) {
      caps.push_back("AUTH=PLAIN");
      caps.push_back("AUTH=LOGIN");
    } else {
      caps.push_back("LOGINDISABLED");  // RFC 9051 §6.2.3
    }
    caps.push_back("AUTH=SCRAM-SHA-256");
    return caps;
  }
  for (const char* c : {"UIDPLUS", "MOVE", "CONDSTORE", "QRESYNC", "ESEARCH", "SEARCHRES",
                        "LIST-EXTENDED", "LIST-STATUS", "SPECIAL-USE", "CREATE-SPECIAL-USE",
                        "MULTIAPPEND", "BINARY", "UTF8=ACCEPT", "SORT", "THREAD=ORDEREDSUBJECT",
                        "THREAD=REFERENCES", "QUOTA", "QUOTA=RES-STORAGE", "STATUS=SIZE"})
    caps.emplace_back(c);
  caps.push_back("APPENDLIMIT=" + std::to_string(opts_.max_message_size));  // RFC 7889
  if (!conn_.compression_active()) caps.emplace_back("COMPRESS=DEFLATE");   // RFC 4978 §3
  return caps;
}

Result<std::string> Session::decode_name(const std::string& wire) const {
  if (iequals(wire, store::kInbox)) return std::string(store::kInbox);
  if (utf8_) {
    if (!mime::is_valid_utf8(wire)) return make_error(Errc::invalid, "mailbox name is not UTF-8");
    return wire;
  }
  return mutf7_decode(wire);
}

std::string Session::encode_name(const std::string& utf8) const {
  if (utf8_) return utf8;
  auto r = mutf7_encode(utf8);
  return r ? *r : utf8;
}

std::string Session::astring_name(const std::string& utf8) const {
  return write::astring(encode_name(utf8), utf8_);
}

Reply Session::store_error(const Error& e, std::string_view what) const {
  std::string text = std::string(what) + ": " + e.message;
  switch (e.code) {
    case Errc::not_found:
      return Reply::no(text, write::code::nonexistent());
    case Errc::exists:
      return Reply::no(text, write::code::alreadyexists());
    case Errc::quota:
      return Reply::no(text, write::code::overquota());
    case Errc::limit:
      return Reply::no(text, write::code::limit());
    case Errc::invalid:
      return Reply::no(text, write::code::cannot());
    case Errc::busy:
      return Reply::no(text, write::code::inuse());
    default:
      return Reply::no(text, write::code::unavailable());
  }
}

awaitable<bool> Session::fill() {
  if (auto st = co_await conn_.flush(); !st) co_return false;
  if (std::exchange(literal_asked_, false)) conn_.quick_ack();  // see net::Connection
  auto r = co_await conn_.read_some(kReadChunk);
  if (!r) {
    if (r.error().code == Errc::unavailable) {
      send(write::untagged_status(write::Cond::bye, std::nullopt, "server shutting down"));
    } else if (r.error().code == Errc::busy) {
      send(write::untagged_status(write::Cond::bye, std::nullopt, "autologout"));  // RFC 9051 §5.4
    }
    if (r.error().code == Errc::unavailable || r.error().code == Errc::busy)
      (void)co_await conn_.flush();
    co_return false;
  }
  rx_.feed(*r);
  co_return true;
}

awaitable<Result<std::string>> Session::read_client_line() {
  rx_.expect_line();
  for (;;) {
    Event ev = rx_.next();
    if (auto* line = std::get_if<Line>(&ev)) co_return std::move(line->text);
    if (std::holds_alternative<NeedMore>(ev)) {
      if (!co_await fill()) co_return make_error(Errc::io, "connection closed");
      continue;
    }
    if (auto* e = std::get_if<ParseError>(&ev)) co_return make_error(Errc::invalid, e->message);
    co_return make_error(Errc::invalid, "unexpected input");
  }
}

awaitable<void> Session::run() {
  conn_.set_timeout(opts_.autologout);
  // RFC 9051 §7.1.1 greeting, with the capabilities (saves a round trip).
  send(write::untagged_status(write::Cond::ok, write::code::capability(capabilities()),
                              opts_.hostname + " IMAP server ready"));
  while (state_ != State::logout) {
    Event ev = rx_.next();
    if (std::holds_alternative<NeedMore>(ev)) {
      if (!co_await fill()) break;
      continue;
    }
    if (auto* lit = std::get_if<NeedLiteral>(&ev)) {
      if (lit->synchronizing) {
        send(write::continuation("Ready"));  // RFC 9051 §7.5
        literal_asked_ = true;
      }
      continue;
    }
    if (auto* err = std::get_if<ParseError>(&ev)) {
      std::optional<write::ResponseCode> code;
      auto cond = write::Cond::bad;
      if (err->kind == ParseError::Kind::too_big) {
        code = write::code::toobig();  // RFC 7888 §4, RFC 9051 §7.1
        cond = write::Cond::no;
      }
      if (err->tag) {
        send(write::tagged(*err->tag, cond, code, err->message));
      } else {
        send(write::untagged_status(write::Cond::bad, code, err->message));
      }
      continue;
    }
    if (auto* cmd = std::get_if<Command>(&ev)) {
      co_await execute(*cmd);
      continue;
    }
    send(write::untagged_status(write::Cond::bad, std::nullopt, "unexpected input"));
  }
  (void)co_await conn_.flush();
  unwatch();
}

awaitable<void> Session::execute(Command& cmd) {
  commands_total().inc();
  Need need = std::visit(NeedOf{}, cmd.body);
  std::optional<Reply> refused;
  switch (need) {
    case Need::any:
      break;
    case Need::not_authenticated:
      if (state_ != State::not_authenticated) refused = Reply::bad("already authenticated");
      break;
    case Need::authenticated:
      if (state_ == State::not_authenticated) refused = Reply::bad("not authenticated");
      break;
    case Need::selected:
      if (state_ != State::selected) refused = Reply::bad("no mailbox selected");
      break;
  }
  Reply reply;
  if (refused) {
    reply = std::move(*refused);
  } else {
    reply = co_await std::visit([&](auto& c) { return on(cmd.tag, c); }, cmd.body);
  }
  if (state_ == State::selected && reply.cond != write::Cond::bad && !reply.sent)
    co_await sync(allows_expunge(cmd.body));
  if (!reply.sent) send(write::tagged(cmd.tag, reply.cond, reply.code, reply.text));
}

}  // namespace postino::imap::server
