#include "net/connection.hpp"

#include <openssl/ssl.h>

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "base/log.hpp"
#include "base/metrics.hpp"
#include "net/connection_impl.hpp"

namespace postino::net {
namespace {

using asio::use_awaitable;
constexpr auto kTuple = asio::as_tuple(use_awaitable);
// close_notify exchange on close; never let a silent peer hold us longer.
constexpr auto kCloseTimeout = std::chrono::seconds(2);

metrics::Counter& tls_failures() {
  static auto& c = metrics::counter("postino_tls_handshake_failures_total",
                                    "TLS handshakes that failed (implicit TLS and STARTTLS)");
  return c;
}

std::atomic<uint64_t> g_next_id{1};

asio::ip::address canonical(asio::ip::address a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped())
    return asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6());
  return a;
}

std::string format_endpoint(const tcp::endpoint& ep) {
  auto a = canonical(ep.address());
  std::string host = a.to_string();
  if (a.is_v6()) host = "[" + host + "]";
  return host + ":" + std::to_string(ep.port());
}

}  // namespace

std::string make_connection_id(uint64_t n) {
  static constexpr char kDigits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string digits;
  do {
    digits.insert(digits.begin(), kDigits[n % 36]);
    n /= 36;
  } while (n != 0);
  return "c" + digits;
}

Connection::Impl::Impl(tcp::socket s, std::string listener_name, std::shared_ptr<TlsContext> source)
    : socket(std::move(s)),
      timer(socket.get_executor()),
      tls_source(std::move(source)),
      id(make_connection_id(g_next_id.fetch_add(1, std::memory_order_relaxed))),
      listener(std::move(listener_name)) {
  boost::system::error_code ec;
  auto r = socket.remote_endpoint(ec);
  if (!ec) {
    remote = format_endpoint(r);
    auto a = canonical(r.address());
    remote_ip = a.to_string();
    loopback = a.is_loopback();
  }
  auto l = socket.local_endpoint(ec);
  if (!ec) local = format_endpoint(l);
}

void Connection::Impl::arm(bool interruptible) {
  ++gen;
  waiting = true;
  waiting_interruptible = interruptible;
  timed_out = false;
  interrupted = false;
  timer.expires_after(timeout);
  timer.async_wait([this, g = gen](const boost::system::error_code& ec) {
    // ec first: after the Impl is gone the wait completes with operation_aborted.
    if (ec || g != gen || !waiting) return;
    timed_out = true;
    boost::system::error_code ignored;
    socket.cancel(ignored);
  });
}

void Connection::Impl::disarm() {
  ++gen;
  waiting = false;
  waiting_interruptible = false;
  timer.cancel();
}

Status Connection::Impl::map_error(const boost::system::error_code& ec, bool to, bool intr,
                                   std::string_view what) const {
  if (to) return make_error(Errc::busy, std::string(what) + ": timeout");
  if (intr) return make_error(Errc::unavailable, "server shutting down");
  if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated ||
      ec == asio::error::connection_reset)
    return make_error(Errc::not_found, "connection closed by peer");
  return make_error(Errc::io, std::string(what) + ": " + ec.message());
}

awaitable<Status> Connection::Impl::fill(bool interruptible) {
  if (interruptible && draining) co_return make_error(Errc::unavailable, "server shutting down");
  arm(interruptible);
  boost::system::error_code ec;
  size_t n = 0;
  if (tls) {
    std::tie(ec, n) = co_await tls->async_read_some(asio::buffer(rbuf), kTuple);
  } else {
    std::tie(ec, n) = co_await socket.async_read_some(asio::buffer(rbuf), kTuple);
  }
  bool to = timed_out, intr = interrupted;
  disarm();
  if (n > 0) {
    in.append(std::string_view(rbuf.data(), n));
    co_return Status{};
  }
  if (!ec) co_return Status{};
  co_return map_error(ec, to, intr, "read");
}

void Connection::notify_shutdown() {
  impl_->draining = true;
  if (impl_->waiting && impl_->waiting_interruptible) {
    impl_->interrupted = true;
    boost::system::error_code ignored;
    impl_->socket.cancel(ignored);
  }
}

Connection::Connection(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Connection::~Connection() = default;

const std::string& Connection::id() const { return impl_->id; }
const std::string& Connection::listener() const { return impl_->listener; }
const std::string& Connection::remote_endpoint() const { return impl_->remote; }
const std::string& Connection::local_endpoint() const { return impl_->local; }
const std::string& Connection::remote_ip() const { return impl_->remote_ip; }
bool Connection::is_loopback() const { return impl_->loopback; }
bool Connection::is_tls() const { return impl_->tls_ok; }
std::string Connection::tls_version() const {
  return impl_->tls_ok ? SSL_get_version(impl_->tls->native_handle()) : "";
}
std::string Connection::tls_cipher() const {
  return impl_->tls_ok ? SSL_get_cipher_name(impl_->tls->native_handle()) : "";
}
bool Connection::input_pending() const { return !impl_->in.empty(); }
size_t Connection::output_pending() const { return impl_->out.size(); }
void Connection::set_timeout(std::chrono::steady_clock::duration d) { impl_->timeout = d; }
std::chrono::steady_clock::duration Connection::timeout() const { return impl_->timeout; }
bool Connection::shutting_down() const { return impl_->draining; }

awaitable<Result<std::string>> Connection::read_line(size_t max, bool interruptible) {
  if (interruptible && impl_->draining)
    co_return make_error(Errc::unavailable, "server shutting down");
  for (;;) {
    if (auto line = impl_->in.take_line(max)) co_return std::move(*line);
    auto st = co_await impl_->fill(interruptible);
    if (!st) co_return st.take_error();
  }
}

awaitable<Result<std::string>> Connection::read_exact(size_t n) {
  while (impl_->in.size() < n) {
    auto st = co_await impl_->fill(false);
    if (!st) co_return st.take_error();
  }
  co_return impl_->in.take(n);
}

awaitable<Status> Connection::read_exact_chunked(size_t n, Sink sink) {
  while (n > 0) {
    if (impl_->in.empty()) {
      auto st = co_await impl_->fill(false);
      if (!st) co_return st;
    }
    std::string piece = impl_->in.take(n);
    n -= piece.size();
    if (auto st = sink(piece); !st) co_return st;
  }
  co_return Status{};
}

awaitable<Result<std::string>> Connection::read_some(size_t max, bool interruptible) {
  if (interruptible && impl_->draining)
    co_return make_error(Errc::unavailable, "server shutting down");
  if (impl_->in.empty()) {
    auto st = co_await impl_->fill(interruptible);
    if (!st) co_return st.take_error();
  }
  co_return impl_->in.take(max);
}

void Connection::write(std::string_view bytes) { impl_->out.append(bytes); }

awaitable<Status> Connection::flush() {
  auto& im = *impl_;
  if (im.out.empty()) co_return Status{};
  std::string pending;
  pending.swap(im.out);
  im.arm(false);
  boost::system::error_code ec;
  if (im.tls) {
    std::tie(ec, std::ignore) = co_await asio::async_write(*im.tls, asio::buffer(pending), kTuple);
  } else {
    std::tie(ec, std::ignore) =
        co_await asio::async_write(im.socket, asio::buffer(pending), kTuple);
  }
  bool to = im.timed_out;
  im.disarm();
  if (ec) co_return im.map_error(ec, to, false, "write");
  co_return Status{};
}

awaitable<Status> Connection::start_tls() {
  auto& im = *impl_;
  if (im.tls) co_return make_error(Errc::invalid, "TLS already active");
  if (!im.tls_source) co_return make_error(Errc::unavailable, "TLS not configured");
  if (auto st = co_await flush(); !st) co_return st;
  // RFC 3207 §4.2: nothing received before the handshake may be acted upon.
  im.in.clear();
  im.ssl_ctx = im.tls_source->current();
  im.tls = std::make_unique<asio::ssl::stream<tcp::socket&>>(im.socket, *im.ssl_ctx);
  im.arm(false);
  auto [ec] = co_await im.tls->async_handshake(asio::ssl::stream_base::server, kTuple);
  bool to = im.timed_out;
  im.disarm();
  if (ec) {
    tls_failures().inc();
    log::warn("tls.handshake_failed",
              {{"conn", im.id}, {"ip", im.remote_ip}, {"error", to ? "timeout" : ec.message()}});
    co_return im.map_error(ec, to, false, "tls handshake");
  }
  im.tls_ok = true;
  log::info("tls.established",
            {{"conn", im.id}, {"version", tls_version()}, {"cipher", tls_cipher()}});
  co_return Status{};
}

awaitable<void> Connection::close() {
  auto& im = *impl_;
  if (im.tls_ok) {
    auto saved = im.timeout;
    im.timeout = kCloseTimeout;
    im.arm(false);
    co_await im.tls->async_shutdown(kTuple);
    im.disarm();
    im.timeout = saved;
  }
  boost::system::error_code ignored;
  im.socket.shutdown(tcp::socket::shutdown_both, ignored);
  im.socket.close(ignored);
}

}  // namespace postino::net
