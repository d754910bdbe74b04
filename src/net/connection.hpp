// Connection: one accepted TCP socket, plain or TLS, as seen by a protocol
// session (SMTP, IMAP, POP3, admin HTTP). The Server creates it and runs the
// listener's handler with it; the handler never owns or closes the socket.
//
// Reads are buffered and bounded; every read (and flush) has a timeout
// (set_timeout). Error mapping, the same for every read function:
//   Errc::not_found    the peer closed the connection (EOF)
//   Errc::io           any other network or TLS error
//   Errc::busy         the timeout expired with no progress
//   Errc::unavailable  the server is shutting down (interruptible reads only)
//   Errc::limit        read_line: the line exceeded max (it was discarded)
//   Errc::invalid      the peer's compressed stream is corrupt (COMPRESS; logged
//                      as net.inflate_error); the session must end
// Shutdown: when the server drains, an *interruptible* read (read_line by
// default: the read of the next command) returns Errc::unavailable at once,
// even if it was already waiting, so the session can say goodbye (421 / BYE /
// -ERR) and return. Non-interruptible reads (message bodies, literals) and a
// command being processed are not disturbed; the server waits for them up to
// its shutdown deadline.
// Thread rules: all members must be used from the connection's own coroutine
// (it runs on a strand); nothing here is thread-safe. The server only touches
// a Connection through its strand.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace postino::net {

template <class T>
using awaitable = boost::asio::awaitable<T>;

class Connection {
 public:
  struct Impl;
  explicit Connection(std::unique_ptr<Impl> impl);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // --- identity -----------------------------------------------------------
  const std::string& id() const;               // "c" + base36 counter, unique per process
  const std::string& listener() const;         // listener name, e.g. "submission"
  const std::string& remote_endpoint() const;  // "1.2.3.4:5678" / "[::1]:5678"
  const std::string& local_endpoint() const;
  const std::string& remote_ip() const;  // without port; v4-mapped v6 shown as v4
  bool is_loopback() const;
  bool is_tls() const;
  std::string tls_version() const;  // "TLSv1.3"; empty when not TLS
  std::string tls_cipher() const;   // empty when not TLS

  // --- reading ------------------------------------------------------------
  // One line including its terminator (CRLF or bare LF, as received). Over max
  // bytes without LF: input is discarded through the next LF, then
  // Errc::limit; the next call reads the following line.
  awaitable<Result<std::string>> read_line(size_t max, bool interruptible = true);
  // Exactly n bytes (IMAP literal, BDAT chunk). The caller bounds n.
  awaitable<Result<std::string>> read_exact(size_t n);
  // n bytes delivered in pieces as they arrive, so a large body is never one
  // buffer. A non-ok Status from sink stops reading and is returned (the rest
  // of the n bytes stays unread).
  using Sink = std::function<Status(std::string_view)>;
  awaitable<Status> read_exact_chunked(size_t n, Sink sink);
  // Whatever is buffered (up to max), or one network read if nothing is.
  awaitable<Result<std::string>> read_some(size_t max, bool interruptible = true);
  // read_some() that wake() can end early: then Errc::busy with message
  // "woken", as a timeout would (IMAP IDLE waits for DONE or a store change).
  awaitable<Result<std::string>> read_some_wakeable(size_t max);
  // Thread-safe: ends a pending read_some_wakeable(), or makes the next one
  // return at once. The caller guarantees the Connection outlives the call
  // (e.g. a ChangeBus callback whose Subscription dies before the session).
  void wake();
  // Bytes received but not consumed yet (PIPELINING, STARTTLS checks).
  bool input_pending() const;

  // --- writing ------------------------------------------------------------
  // Appends to the output buffer; nothing is sent until flush().
  void write(std::string_view bytes);
  awaitable<Status> flush();
  size_t output_pending() const;
  // Acknowledge the next segments at once rather than after the delayed-ACK
  // timer (TCP_QUICKACK, until the kernel turns it off when data is sent). For
  // a reply that asks the client for more (an IMAP literal's "+"): a client
  // that sends the literal and its final CRLF as two writes holds the CRLF
  // (Nagle) until the literal is acknowledged, and the delayed ACK cost 40 ms.
  void quick_ack();

  // --- TLS ----------------------------------------------------------------
  // Server-side handshake on this socket. Plaintext buffered before it is
  // DISCARDED (RFC 3207 §4.2; STARTTLS command injection). Pending output is
  // flushed first. Errc::unavailable when no TLS is configured, Errc::invalid
  // when already TLS. After a failed handshake the session must end.
  awaitable<Status> start_tls();

  // --- compression --------------------------------------------------------
  // Turns on raw DEFLATE both ways (IMAP COMPRESS, RFC 4978 §3) for the rest
  // of the connection: every flush() sends its bytes compressed and ended
  // with a sync flush; every read decompresses. `received` is what the
  // protocol parser had already taken from the connection beyond the
  // command (compressed bytes, in order); input still buffered here is
  // treated the same way. Inside TLS when TLS is on (RFC 4978 §3 order).
  // Output must be flushed first (the tagged OK goes out uncompressed):
  // Errc::invalid if output is pending; Errc::exists if already on;
  // Errc::internal if zlib cannot allocate its state.
  Status start_compression(std::string_view received = {});
  bool compression_active() const;

  // --- timeouts and shutdown ----------------------------------------------
  void set_timeout(std::chrono::steady_clock::duration d);
  std::chrono::steady_clock::duration timeout() const;
  // True once the server has started draining.
  bool shutting_down() const;

  // Used by the Server: closes the connection (TLS close_notify, best effort).
  awaitable<void> close();
  // Used by the Server (on the connection's strand): start of drain.
  void notify_shutdown();
  Impl& impl() { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

// Formats a connection id from a counter value: "c" + base36.
std::string make_connection_id(uint64_t n);

}  // namespace postino::net
