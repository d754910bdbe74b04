#include "smtp/client/session.hpp"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "base/strings.hpp"
#include "smtp/client/dot_stuff.hpp"

namespace postino::smtp::client {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using asio::awaitable;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr size_t kReadChunk = 16 * 1024;
constexpr size_t kWriteChunk = 64 * 1024;
constexpr size_t kMaxBuffered = 64 * 1024;  // unread bytes kept between replies
constexpr Seconds kQuitTimeout{10};

bool xtext_plain(unsigned char c) { return c >= 33 && c <= 126 && c != '+' && c != '='; }

// RFC 6698 §2.1.1 / RFC 7218 certificate usages.
constexpr uint8_t kDaneTa = 2;

// Turns on OpenSSL's DANE verifier for one connection (RFC 7671, RFC 7672 §3).
Status enable_dane(SSL* ssl_handle, const ClientOptions& o) {
  if (o.dane_tlsa.empty() || o.dane_names.empty())
    return make_error(Errc::internal, "DANE: no TLSA records or no TLSA base domain");
  // The TLSA base domain is the primary reference identifier (RFC 7672 §3.2.2).
  if (SSL_dane_enable(ssl_handle, o.dane_names.front().c_str()) <= 0)
    return make_error(Errc::internal, "DANE: cannot enable TLSA verification");
  for (size_t i = 1; i < o.dane_names.size(); ++i)
    SSL_add1_host(ssl_handle, o.dane_names[i].c_str());
  // §3.2.1: no name checks with DANE-EE(3); §3.2.3: a wildcard only as the
  // whole left-most label.
  SSL_dane_set_flags(ssl_handle, DANE_FLAG_NO_DANE_EE_NAMECHECKS);
  SSL_set_hostflags(ssl_handle, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  int usable = 0;
  for (const auto& t : o.dane_tlsa) {
    const auto* data = reinterpret_cast<const unsigned char*>(t.data.data());  // NOLINT
    if (SSL_dane_tlsa_add(ssl_handle, t.usage, t.selector, t.matching_type, data, t.data.size()) >
        0)
      ++usable;
  }
  if (usable == 0) return make_error(Errc::auth, "DANE: no TLSA record usable by OpenSSL");
  return {};
}

}  // namespace

std::string xtext_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (xtext_plain(c)) {
      out += char(c);
    } else {
      out += '+';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

const Reply& TransactionResult::outcome(size_t i) const {
  if (!mail.positive()) return mail;
  if (i < recipients.size() && !recipients[i].positive()) return recipients[i];
  return data;
}

struct ClientSession::Impl {
  explicit Impl(asio::any_io_executor ex) : socket(ex), timer(ex) {}

  tcp::socket socket;
  asio::steady_timer timer;
  std::shared_ptr<ssl::context> ctx;
  std::unique_ptr<ssl::stream<tcp::socket&>> tls;
  std::string in;
  std::array<char, kReadChunk> rbuf{};
  uint64_t gen = 0;
  bool timed_out = false;

  void arm(Seconds t) {
    ++gen;
    timed_out = false;
    timer.expires_after(t);
    timer.async_wait([this, g = gen](const boost::system::error_code& ec) {
      if (ec || g != gen) return;
      timed_out = true;
      boost::system::error_code ignored;
      socket.cancel(ignored);
    });
  }
  void disarm() {
    ++gen;
    timer.cancel();
  }
  Error io_error(const boost::system::error_code& ec, std::string_view what) const {
    if (timed_out) return make_error(Errc::unavailable, std::string(what) + ": timeout");
    return make_error(Errc::io, std::string(what) + ": " + ec.message());
  }

  awaitable<Status> write(std::string_view data, Seconds t, std::string_view what) {
    arm(t);
    boost::system::error_code ec;
    while (!data.empty() && !ec) {
      size_t n = std::min(data.size(), kWriteChunk);
      if (tls) {
        std::tie(ec, std::ignore) =
            co_await asio::async_write(*tls, asio::buffer(data.data(), n), kTuple);
      } else {
        std::tie(ec, std::ignore) =
            co_await asio::async_write(socket, asio::buffer(data.data(), n), kTuple);
      }
      data.remove_prefix(n);
      if (!ec && !data.empty()) arm(t);  // RFC 5321 §4.5.3.2.5: per data block
    }
    disarm();
    if (ec) co_return io_error(ec, what);
    co_return Status{};
  }

  awaitable<Result<Reply>> read_reply(Seconds t, std::string_view what) {
    ReplyAssembler assembler;
    arm(t);
    for (;;) {
      size_t nl = in.find('\n');
      while (nl != std::string::npos) {
        std::string line = in.substr(0, nl);
        in.erase(0, nl + 1);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        auto r = assembler.add(line);
        if (!r) {
          disarm();
          co_return make_error(Errc::invalid,
                               std::string(what) + ": bad reply: " + r.error().message);
        }
        if (*r) {
          disarm();
          co_return std::move(**r);
        }
        nl = in.find('\n');
      }
      if (in.size() > kMaxReplyLine * 2) {
        disarm();
        co_return make_error(Errc::invalid, std::string(what) + ": reply line too long");
      }
      boost::system::error_code ec;
      size_t n = 0;
      if (tls)
        std::tie(ec, n) = co_await tls->async_read_some(asio::buffer(rbuf), kTuple);
      else
        std::tie(ec, n) = co_await socket.async_read_some(asio::buffer(rbuf), kTuple);
      if (ec) {
        disarm();
        co_return io_error(ec, what);
      }
      if (in.size() + n > kMaxBuffered) {
        disarm();
        co_return make_error(Errc::limit, std::string(what) + ": too much unread data");
      }
      in.append(rbuf.data(), n);
    }
  }

  // g++ 12: callers pass named strings or literals, never a temporary std::string
  // inside the co_await expression (it may be destroyed twice).
  awaitable<Result<Reply>> command(std::string_view text, Seconds t, std::string_view what) {
    std::string line(text);
    line += "\r\n";
    auto st = co_await write(line, t, what);
    if (!st) co_return st.take_error();
    co_return co_await read_reply(t, what);
  }

  void close() {
    boost::system::error_code ignored;
    timer.cancel();
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
  }
};

ClientSession::ClientSession(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ClientSession::~ClientSession() {
  if (impl_) impl_->close();
}

bool ClientSession::tls_active() const { return impl_->tls != nullptr; }

Result<std::shared_ptr<ssl::context>> ClientSession::make_tls_context() {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  SSL_CTX* c = ctx->native_handle();
  SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION);
  SSL_CTX_set_options(c, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  boost::system::error_code ec;
  ctx->set_default_verify_paths(ec);  // a missing trust store only makes verification fail
  // RFC 7671 §5: the digests DANE needs (SHA2-256, SHA2-512) for TLSA matching.
  if (SSL_CTX_dane_enable(c) <= 0)
    return make_error(Errc::internal, "TLS: cannot enable DANE in the client context");
  return ctx;
}

awaitable<Status> ClientSession::hello() {
  auto& im = *impl_;
  // RFC 5321 §4.1.1.1: EHLO, or HELO when the server does not know EHLO.
  const std::string ehlo = "EHLO " + opts_.helo_name;
  auto r = co_await im.command(ehlo, opts_.command_timeout, "EHLO");
  if (!r) co_return r.take_error();
  if (r->code == 250) {
    caps_ = parse_ehlo(*r);
    co_return Status{};
  }
  if (r->code == 500 || r->code == 502 || r->code == 504 || r->code == 550) {
    const std::string helo = "HELO " + opts_.helo_name;
    auto h = co_await im.command(helo, opts_.command_timeout, "HELO");
    if (!h) co_return h.take_error();
    if (h->code == 250) {
      caps_ = Capabilities{};
      co_return Status{};
    }
    co_return make_error(Errc::unavailable, "HELO refused: " + reply_line(*h));
  }
  co_return make_error(Errc::unavailable, "EHLO refused: " + reply_line(*r));
}

awaitable<Result<std::unique_ptr<ClientSession>>> ClientSession::open(
    asio::any_io_executor ex, tcp::endpoint endpoint, ClientOptions opts,
    std::shared_ptr<ssl::context> tls_ctx) {
  auto impl = std::make_unique<Impl>(ex);
  auto& im = *impl;
  std::unique_ptr<ClientSession> s(new ClientSession(std::move(impl)));
  s->opts_ = std::move(opts);
  const ClientOptions& o = s->opts_;
  s->peer_ = endpoint.address().to_string() + ":" + std::to_string(endpoint.port());

  im.arm(o.connect_timeout);
  auto [ec] = co_await im.socket.async_connect(endpoint, kTuple);
  im.disarm();
  if (ec) co_return im.io_error(ec, "connect " + s->peer_);
  boost::system::error_code ignored;
  im.socket.set_option(tcp::no_delay(true), ignored);

  // RFC 5321 §3.1: a 554 greeting (or any non-220) means no service here.
  auto greet = co_await im.read_reply(o.greeting_timeout, "greeting");
  if (!greet) co_return greet.take_error();
  s->greeting_ = *greet;
  if (greet->code != 220) {
    (void)co_await im.command("QUIT", kQuitTimeout, "QUIT");
    co_return make_error(Errc::unavailable, "greeting: " + reply_line(*greet));
  }
  if (auto st = co_await s->hello(); !st) co_return st.take_error();

  if (o.tls == TlsMode::none) co_return s;
  const bool mandatory = o.tls != TlsMode::opportunistic;
  if (!s->caps_.starttls || !tls_ctx) {
    if (mandatory) {
      (void)co_await im.command("QUIT", kQuitTimeout, "QUIT");
      co_return make_error(Errc::auth, "STARTTLS required but not offered by " + s->peer_);
    }
    co_return s;
  }
  // RFC 3207 §4: STARTTLS, 220, handshake; then forget everything learnt before.
  auto r = co_await im.command("STARTTLS", o.command_timeout, "STARTTLS");
  if (!r) co_return r.take_error();
  if (r->code != 220) {
    if (mandatory) co_return make_error(Errc::auth, "STARTTLS refused: " + reply_line(*r));
    co_return s;
  }
  im.in.clear();  // bytes sent before the handshake are not trusted (RFC 3207 §6)
  im.ctx = tls_ctx;
  im.tls = std::make_unique<ssl::stream<tcp::socket&>>(im.socket, *tls_ctx);
  SSL* ssl_handle = im.tls->native_handle();
  if (!o.tls_name.empty()) SSL_set_tlsext_host_name(ssl_handle, o.tls_name.c_str());
  if (o.tls == TlsMode::dane) {
    if (auto st = enable_dane(ssl_handle, o); !st) co_return st.take_error();
  } else if (!o.tls_name.empty()) {
    SSL_set1_host(ssl_handle, o.tls_name.c_str());
  }
  // Opportunistic TLS encrypts without authenticating (RFC 3207 §4.1: a client
  // may go on with an unverified certificate); `required` verifies the chain
  // and the name (RFC 8461 §4.2). DANE is checked after the handshake, so that
  // the error says which check failed (nothing is sent before that).
  SSL_set_verify(ssl_handle, o.tls == TlsMode::required ? SSL_VERIFY_PEER : SSL_VERIFY_NONE,
                 nullptr);
  im.arm(o.command_timeout);
  auto [hec] = co_await im.tls->async_handshake(ssl::stream_base::client, kTuple);
  im.disarm();
  if (hec) {
    auto e = im.io_error(hec, "TLS handshake with " + s->peer_);
    if (mandatory) e.code = Errc::auth;
    co_return e;
  }
  const long verify = SSL_get_verify_result(ssl_handle);
  if (o.tls == TlsMode::dane) {
    // RFC 7672 §3.2: no delivery through a server that fails authentication.
    uint8_t usage = 0;
    int depth = SSL_get0_dane_tlsa(ssl_handle, &usage, nullptr, nullptr, nullptr, nullptr);
    if (verify != X509_V_OK || depth < 0)
      co_return make_error(Errc::auth, "certificate of " + s->peer_ +
                                           " does not match its TLSA records: " +
                                           X509_verify_cert_error_string(verify));
    s->tls_verified_ = true;
    s->tls_auth_ = usage == kDaneTa ? "dane-ta" : "dane-ee";
  } else {
    s->tls_verified_ = verify == X509_V_OK && !o.tls_name.empty();
    if (s->tls_verified_) s->tls_auth_ = "pkix";
  }
  if (auto st = co_await s->hello(); !st) co_return st.take_error();
  co_return s;
}

awaitable<Result<TransactionResult>> ClientSession::send(const ClientEnvelope& env,
                                                         std::string_view message) {
  auto& im = *impl_;
  TransactionResult res;
  std::string mail = "MAIL FROM:<" + env.mail_from + ">";
  if (caps_.size) mail += " SIZE=" + std::to_string(message.size());  // RFC 1870 §6
  if (caps_.eightbitmime && (env.body_type == "8BITMIME" || env.body_type == "7BIT"))
    mail += " BODY=" + env.body_type;                       // RFC 6152 §2
  if (env.smtputf8 && caps_.smtputf8) mail += " SMTPUTF8";  // RFC 6531 §3.4
  if (caps_.dsn) {                                          // RFC 3461 §4.3, §4.4
    if (!env.ret.empty()) mail += " RET=" + env.ret;
    if (!env.envid.empty()) mail += " ENVID=" + xtext_encode(env.envid);
  }
  mail += "\r\n";
  std::vector<std::string> rcpts;
  for (const auto& r : env.recipients) {
    std::string line = "RCPT TO:<" + r.address + ">";
    if (caps_.dsn) {  // RFC 3461 §4.1, §4.2
      if (!r.notify.empty()) line += " NOTIFY=" + r.notify;
      size_t semi = r.orcpt.find(';');
      if (semi != std::string::npos)
        line += " ORCPT=" + r.orcpt.substr(0, semi) + ";" + xtext_encode(r.orcpt.substr(semi + 1));
    }
    rcpts.push_back(line + "\r\n");
  }
  ++transactions_;

  if (caps_.pipelining) {
    // RFC 2920 §3.1: MAIL and RCPT may go out in one group; replies come in order.
    std::string group = mail;
    for (const auto& l : rcpts) group += l;
    if (auto st = co_await im.write(group, opts_.command_timeout, "MAIL"); !st)
      co_return st.take_error();
    auto m = co_await im.read_reply(opts_.command_timeout, "MAIL");
    if (!m) co_return m.take_error();
    res.mail = std::move(*m);
    for (size_t i = 0; i < rcpts.size(); ++i) {
      auto r = co_await im.read_reply(opts_.command_timeout, "RCPT");
      if (!r) co_return r.take_error();
      res.recipients.push_back(std::move(*r));
    }
  } else {
    if (auto st = co_await im.write(mail, opts_.command_timeout, "MAIL"); !st)
      co_return st.take_error();
    auto m = co_await im.read_reply(opts_.command_timeout, "MAIL");
    if (!m) co_return m.take_error();
    res.mail = std::move(*m);
    if (res.mail.positive()) {
      for (const auto& l : rcpts) {
        if (auto st = co_await im.write(l, opts_.command_timeout, "RCPT"); !st)
          co_return st.take_error();
        auto r = co_await im.read_reply(opts_.command_timeout, "RCPT");
        if (!r) co_return r.take_error();
        res.recipients.push_back(std::move(*r));
      }
    } else {
      res.recipients.assign(rcpts.size(), res.mail);
    }
  }
  bool any = false;
  for (const auto& r : res.recipients) any = any || r.positive();
  if (!res.mail.positive() || !any) {
    res.data = res.mail.positive() && !res.recipients.empty() ? res.recipients.front() : res.mail;
    // A failed RSET shows up as an error on the next transaction (the queue
    // then reconnects); these replies are what counts now.
    if (res.mail.positive()) (void)co_await reset();
    co_return res;
  }
  auto d = co_await im.command("DATA", opts_.data_init_timeout, "DATA");
  if (!d) co_return d.take_error();
  if (d->code != 354) {
    // The transaction is still open on the server: end it before the next one.
    res.data = std::move(*d);
    (void)co_await reset();
    co_return res;
  }
  std::string payload = dot_stuff(message);
  if (auto st = co_await im.write(payload, opts_.data_block_timeout, "message"); !st)
    co_return st.take_error();
  auto fin = co_await im.read_reply(opts_.data_final_timeout, "end of data");
  if (!fin) co_return fin.take_error();
  res.data = std::move(*fin);
  res.data_sent = true;
  co_return res;
}

awaitable<bool> ClientSession::reset() {
  auto r = co_await impl_->command("RSET", opts_.command_timeout, "RSET");
  co_return r && r->code == 250;
}

awaitable<void> ClientSession::quit() {
  auto r = co_await impl_->command("QUIT", kQuitTimeout, "QUIT");
  (void)r;
  if (impl_->tls) {
    impl_->arm(kQuitTimeout);
    auto [ec] = co_await impl_->tls->async_shutdown(kTuple);
    (void)ec;
    impl_->disarm();
  }
  impl_->close();
}

}  // namespace postino::smtp::client
