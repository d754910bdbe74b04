// The IMAP service (RFC 9051 IMAP4rev2 and RFC 3501 IMAP4rev1, chosen per
// client by ENABLE) for the `imap` (143, STARTTLS) and `imaps` (993)
// listeners. The application builds one Service and hands every accepted
// connection to handle(), which runs one Session (session.hpp) to its end.
// Ownership: the Service borrows the store and the authenticator, which must
// outlive it; it owns only its Options.
// Thread rules: handle() may run concurrently for any number of connections;
// the Service itself is immutable after construction.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <string>

#include "login/authenticator.hpp"
#include "net/connection.hpp"
#include "store/async_store.hpp"

namespace postino::imap::server {

struct Options {
  std::string hostname;
  bool plaintext_auth_on_loopback = true;   // LOGIN/AUTHENTICATE PLAIN without TLS from loopback
  uint64_t max_message_size = 50ull << 20;  // APPENDLIMIT (RFC 7889)
  std::chrono::seconds autologout{1800};    // RFC 9051 §5.4 (>= 30 min)
};

class Service {
 public:
  Service(Options opts, store::AsyncStore& store, login::Authenticator& auth);
  boost::asio::awaitable<void> handle(net::Connection& conn);  // conn.is_tls(): imaps vs imap

 private:
  Options opts_;
  store::AsyncStore& store_;
  login::Authenticator& auth_;
};

}  // namespace postino::imap::server
