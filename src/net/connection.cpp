#include "net/connection.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
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
  // Non-blocking mode: flush() tries a direct write before going async.
  socket.non_blocking(true, ec);
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
  waiting = true;
  waiting_interruptible = interruptible;
  timed_out = false;
  interrupted = false;
  deadline = std::chrono::steady_clock::now() + timeout;
  // A shorter timeout than the pending wait (e.g. the close timeout) re-arms it;
  // the replaced wait completes with operation_aborted and does nothing.
  if (!timer_running || deadline < timer.expiry()) start_timer();
}

void Connection::Impl::start_timer() {
  timer_running = true;
  timer.expires_at(deadline);
  timer.async_wait([this](const boost::system::error_code& ec) {
    // ec first: when the Impl is gone (or the wait was replaced) the wait
    // completes with operation_aborted and `this` must not be touched.
    if (ec) return;
    if (!waiting) {
      timer_running = false;
      return;
    }
    if (std::chrono::steady_clock::now() < deadline) {
      start_timer();
      return;
    }
    timer_running = false;
    timed_out = true;
    boost::system::error_code ignored;
    socket.cancel(ignored);
  });
}

void Connection::Impl::disarm() {
  waiting = false;
  waiting_interruptible = false;
  waiting_wakeable = false;
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

// The per-thread buffer plain connections read into. Used only between
// suspension points: a read_some() and the append that follows it.
static char* scratch() {
  thread_local std::unique_ptr<char[]> buf(new char[Connection::Impl::kReadChunk]);
  return buf.get();
}

void Connection::Impl::release_idle_buffers() {
  in.release_idle();
  if (out.empty() && out.capacity() > kKeepOutput) std::string().swap(out);
}

Result<size_t> Connection::Impl::pull_inflated() {
  // Inflater::kMaxPull bounds what one call adds: a small compressed input
  // that expands enormously reaches `in` only as fast as it is consumed.
  std::string plain;
  auto n = inflater->pull(plain);
  if (!n) {
    log::warn("net.inflate_error", {{"conn", id}, {"error", n.error().message}});
    return n;
  }
  in.append(plain);
  return n;
}

Status Connection::Impl::deliver(std::string_view bytes) {
  if (!inflater) {
    in.append(bytes);
    return Status{};
  }
  inflater->push(bytes);
  auto n = pull_inflated();
  if (!n) return n.take_error();
  return Status{};
}

awaitable<Status> Connection::Impl::fill(bool interruptible, bool wakeable) {
  if (interruptible && draining) co_return make_error(Errc::unavailable, "server shutting down");
  if (wakeable && woken) {
    woken = false;
    co_return make_error(Errc::busy, "woken");
  }
  // Decompressed input still held by the inflater comes first.
  if (inflater && inflater->has_pending()) {
    auto n = pull_inflated();
    if (!n) co_return n.take_error();
    if (*n > 0) co_return Status{};
  }
  size_t before = in.size();
  for (;;) {
    // Again before every wait: a shutdown notice that came while a wait was
    // completing (readable, or a compressed read without output) finds no
    // wait to cancel, and arm() would forget it.
    if (interruptible && draining) co_return make_error(Errc::unavailable, "server shutting down");
    boost::system::error_code ec;
    size_t n = 0;
    bool to = false, intr = false, wk = false;
    if (!tls) {
      // Plain TCP (the socket is non-blocking): try the read now; only when
      // nothing is there, wait for readability without holding a buffer.
      n = socket.read_some(asio::buffer(scratch(), kReadChunk), ec);
      if (!ec) {
        if (auto st = deliver(std::string_view(scratch(), n)); !st) co_return st;
      } else if (ec == asio::error::would_block || ec == asio::error::try_again) {
        release_idle_buffers();
        arm(interruptible);
        waiting_wakeable = wakeable;
        std::tie(ec) = co_await socket.async_wait(tcp::socket::wait_read, kTuple);
        to = timed_out;
        intr = interrupted;
        wk = wakeable && woken && ec == asio::error::operation_aborted;
        disarm();
        if (!ec) continue;  // readable: read it (or wait again if it was spurious)
      }
    } else {
      if (!tls_rbuf) tls_rbuf.reset(new char[kReadChunk]);
      release_idle_buffers();
      arm(interruptible);
      waiting_wakeable = wakeable;
      std::tie(ec, n) =
          co_await tls->async_read_some(asio::buffer(tls_rbuf.get(), kReadChunk), kTuple);
      to = timed_out;
      intr = interrupted;
      wk = wakeable && woken && ec == asio::error::operation_aborted;
      disarm();
      if (n > 0) {
        if (auto st = deliver(std::string_view(tls_rbuf.get(), n)); !st) co_return st;
        ec.clear();
      }
    }
    if (ec) {
      if (wk && !to && !intr) {
        woken = false;
        co_return make_error(Errc::busy, "woken");
      }
      co_return map_error(ec, to, intr, "read");
    }
    // A compressed read may complete no output yet (a partial block): read on.
    if (in.size() > before || !inflater) co_return Status{};
    if (wakeable && woken) {
      woken = false;
      co_return make_error(Errc::busy, "woken");
    }
  }
}

void Connection::notify_shutdown() {
  impl_->draining = true;
  if (impl_->waiting && impl_->waiting_interruptible) {
    impl_->interrupted = true;
    boost::system::error_code ignored;
    impl_->socket.cancel(ignored);
  }
}

void Connection::wake() {
  asio::post(impl_->socket.get_executor(), [alive = impl_->alive, im = impl_.get()] {
    if (!*alive) return;
    im->woken = true;
    if (im->waiting && im->waiting_wakeable) {
      boost::system::error_code ignored;
      im->socket.cancel(ignored);
    }
  });
}

awaitable<Result<std::string>> Connection::read_some_wakeable(size_t max) {
  if (impl_->draining) co_return make_error(Errc::unavailable, "server shutting down");
  if (impl_->in.empty()) {
    auto st = co_await impl_->fill(true, true);
    if (!st) co_return st.take_error();
  }
  co_return impl_->in.take(max);
}

Connection::Connection(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Connection::~Connection() = default;

const std::string& Connection::id() const { return impl_->id; }
const std::string& Connection::listener() const { return impl_->listener; }
const std::string& Connection::remote_endpoint() const { return impl_->remote; }
const std::string& Connection::local_endpoint() const { return impl_->local; }
const std::string& Connection::remote_ip() const { return impl_->remote_ip; }
void Connection::quick_ack() {
  int one = 1;
  (void)::setsockopt(impl_->socket.native_handle(), IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
}

bool Connection::is_loopback() const { return impl_->loopback; }
bool Connection::is_tls() const { return impl_->tls_ok; }
std::string Connection::tls_version() const {
  return impl_->tls_ok ? SSL_get_version(impl_->tls->native_handle()) : "";
}
std::string Connection::tls_cipher() const {
  return impl_->tls_ok ? SSL_get_cipher_name(impl_->tls->native_handle()) : "";
}
bool Connection::input_pending() const {
  return !impl_->in.empty() || (impl_->inflater && impl_->inflater->has_pending());
}
bool Connection::compression_active() const { return impl_->deflater != nullptr; }
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
  if (im.deflater) {
    // RFC 4978 §4: each burst ends with a sync flush, so the peer can decode
    // all of it now.
    std::string packed;
    if (auto st = im.deflater->compress(pending, packed); !st) co_return st;
    pending.swap(packed);
  }
  boost::system::error_code ec;
  size_t sent = 0;
  if (!im.tls) {
    // Plain TCP: write what the socket buffer takes now (the socket is in
    // non-blocking mode), and wait only for the rest. Most replies fit, and
    // then no completion has to go through the scheduler.
    sent = im.socket.write_some(asio::buffer(pending), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
      ec.clear();
      sent = 0;
    }
    if (ec) co_return im.map_error(ec, false, false, "write");
    if (sent == pending.size()) {
      pending.clear();
      if (im.out.empty()) im.out.swap(pending);  // keep the buffer's capacity
      co_return Status{};
    }
  }
  im.arm(false);
  if (im.tls) {
    std::tie(ec, std::ignore) = co_await asio::async_write(*im.tls, asio::buffer(pending), kTuple);
  } else {
    std::tie(ec, std::ignore) = co_await asio::async_write(
        im.socket, asio::buffer(pending.data() + sent, pending.size() - sent), kTuple);
  }
  bool to = im.timed_out;
  im.disarm();
  if (ec) co_return im.map_error(ec, to, false, "write");
  pending.clear();
  if (im.out.empty()) im.out.swap(pending);
  co_return Status{};
}

Status Connection::start_compression(std::string_view received) {
  auto& im = *impl_;
  if (im.deflater) return make_error(Errc::exists, "compression already active");
  if (!im.out.empty()) return make_error(Errc::invalid, "output pending before compression");
  auto deflater = std::make_unique<Deflater>();
  auto inflater = std::make_unique<Inflater>();
  if (!deflater->ok() || !inflater->ok())
    return make_error(Errc::internal, "cannot allocate the compression state");
  // RFC 4978 §3: everything the client sends after the command is compressed,
  // including what was already read.
  inflater->push(received);
  inflater->push(im.in.view());
  im.in.clear();
  im.deflater = std::move(deflater);
  im.inflater = std::move(inflater);
  log::info("net.compression", {{"conn", im.id}, {"algorithm", "DEFLATE"}});
  return Status{};
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
