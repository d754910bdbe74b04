// Server: the listening side of every protocol. Owns the io_context and the
// pool of I/O threads that run it, the listening sockets, the registry of live
// connections, and the connection limits. Each accepted connection runs as one
// coroutine on its own strand: (implicit TLS handshake) -> listener handler ->
// close. Protocol modules only ever see a Connection&.
//
// Lifecycle: construct, add_listener() for each port (binds at once, so the
// caller can drop_privileges() afterwards), run() blocks until stop() or
// SIGTERM/SIGINT; then it stops accepting, asks every session to finish
// (Connection::notify_shutdown), waits up to shutdown_grace, and returns.
// SIGHUP reloads the TLS certificate.
// Thread rules: add_listener() before run(), from one thread. stop() and
// active_connections() are thread-safe and may be called from any thread,
// including from inside a handler.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "base/result.hpp"
#include "net/connection.hpp"
#include "net/tls.hpp"

namespace boost::asio {
class io_context;
}

namespace postino::net {

struct ServerOptions {
  unsigned threads = 0;                // I/O threads; 0 = one per core
  size_t max_connections = 2000;       // all listeners together
  size_t max_connections_per_ip = 50;  // loopback included
  std::chrono::steady_clock::duration idle_timeout = std::chrono::minutes(5);
  std::chrono::steady_clock::duration tls_handshake_timeout = std::chrono::seconds(30);
  std::chrono::steady_clock::duration shutdown_grace = std::chrono::seconds(30);
  bool handle_signals = true;  // SIGTERM/SIGINT stop, SIGHUP reloads TLS
};

using Handler = std::function<boost::asio::awaitable<void>(Connection&)>;

struct ListenerOptions {
  std::string name{};         // "smtp", "submission", "imaps", "admin", ...
  std::string host{};         // IP literal ("0.0.0.0", "::", "127.0.0.1", "[::1]") or "localhost"
  uint16_t port = 0;          // 0 = any free port (tests); see the returned port
  bool implicit_tls = false;  // handshake before the handler runs (465, 993, 995)
  // Sent (best effort) to a connection refused by a limit, then it is closed,
  // e.g. "421 4.7.0 Too many connections\r\n". Empty = close silently.
  std::string refusal_line{};
};

class Server {
 public:
  // tls may be null: then STARTTLS answers Errc::unavailable and implicit TLS
  // listeners are refused by add_listener().
  Server(ServerOptions opts, std::shared_ptr<TlsContext> tls);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens (SO_REUSEADDR; IPv6 sockets are v6-only). Returns the
  // bound port.
  Result<uint16_t> add_listener(ListenerOptions opts, Handler handler);

  // Runs the I/O threads; returns after stop() / SIGTERM and the drain.
  void run();
  // Begins the orderly shutdown described above. Idempotent.
  void stop();

  size_t active_connections() const;
  boost::asio::io_context& io_context();
  const std::shared_ptr<TlsContext>& tls() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace postino::net
