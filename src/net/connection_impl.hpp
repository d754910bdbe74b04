// Connection::Impl: the Asio state behind a Connection. Internal to
// postino_net (connection.cpp and server.cpp); not for protocol modules.
// Thread rules: everything runs on the connection's strand (the socket's
// executor); the timer and shutdown callbacks are posted there too.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <memory>
#include <string>

#include "net/connection.hpp"
#include "net/deflate.hpp"
#include "net/input_buffer.hpp"
#include "net/tls.hpp"

namespace postino::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Strand = asio::strand<asio::any_io_executor>;

struct Connection::Impl {
  Impl(tcp::socket s, std::string listener_name, std::shared_ptr<TlsContext> tls_source);

  // Arms the watchdog for one network operation; disarm() after it. The timer
  // is lazy: arm() only moves `deadline`; the one pending wait re-checks it
  // when it fires, so an operation that finishes in time costs no timer
  // queue work (no cancel, no aborted handler to run).
  void arm(bool interruptible);
  void disarm();
  void start_timer();
  // At least one byte more into `in` (one network read, decompressed when
  // COMPRESS is on; a compressed read that completes no output reads again).
  awaitable<Status> fill(bool interruptible, bool wakeable = false);
  // Received bytes (after TLS) into `in`, through the inflater when active.
  Status deliver(std::string_view bytes);
  // Inflater output into `in`; the number of bytes it added.
  Result<size_t> pull_inflated();
  // Before waiting for the peer: give back buffers that only a burst needed.
  void release_idle_buffers();
  Status map_error(const boost::system::error_code& ec, bool timed_out, bool interrupted,
                   std::string_view what) const;

  tcp::socket socket;
  asio::steady_timer timer;
  std::shared_ptr<TlsContext> tls_source;
  std::shared_ptr<asio::ssl::context> ssl_ctx;  // kept alive while tls exists
  std::unique_ptr<asio::ssl::stream<tcp::socket&>> tls;

  // Bytes asked of the socket per read. A plain connection reads into a
  // per-thread scratch buffer (a non-blocking read once the socket is
  // readable), so an idle one holds no read buffer at all; a TLS one reads
  // through tls_rbuf, allocated at its first read.
  static constexpr size_t kReadChunk = 16 * 1024;
  // Output capacity kept after a flush; a larger buffer is given back before
  // the connection waits for its peer.
  static constexpr size_t kKeepOutput = 4 * 1024;
  std::unique_ptr<char[]> tls_rbuf;
  InputBuffer in;
  std::string out;
  // COMPRESS=DEFLATE (RFC 4978): both set together, for the rest of the connection.
  std::unique_ptr<Deflater> deflater;
  std::unique_ptr<Inflater> inflater;
  std::chrono::steady_clock::duration timeout = std::chrono::minutes(5);

  std::string id, listener, remote, local, remote_ip;
  bool loopback = false;
  bool tls_ok = false;  // handshake completed

  // Watchdog and shutdown state (strand only).
  std::chrono::steady_clock::time_point deadline{};
  bool timer_running = false;
  bool waiting = false;
  bool waiting_interruptible = false;
  bool timed_out = false;
  bool interrupted = false;
  bool waiting_wakeable = false;
  bool woken = false;  // wake() arrived; consumed by the next wakeable read
  // False once the Impl is gone: wake() posts to the strand and checks it there.
  std::shared_ptr<bool> alive = std::make_shared<bool>(true);
  ~Impl() { *alive = false; }
  bool draining = false;
};

}  // namespace postino::net
