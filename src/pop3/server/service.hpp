// POP3 service (RFC 1939, RFC 2449 CAPA, RFC 2595 STLS, RFC 5034 AUTH) for the
// `pop3` (STLS) and `pop3s` (implicit TLS) listeners.
// The maildrop is the account's INBOX, the same one IMAP shows. A session
// works on a fixed snapshot taken at login (RFC 1939 §4: message numbers and
// sizes do not change during a session); DELE marks in the session only, and
// QUIT (the UPDATE state) flags the marked messages \Deleted and expunges
// exactly those, so IMAP sessions are notified through the store's change bus.
// A session that ends without QUIT changes nothing. One POP3 session per
// maildrop at a time ([IN-USE], RFC 2449 §8.1.2); IMAP may run alongside.
// RETR and TOP stream the blob in chunks through the dot-stuffer.
// Ownership: the Service outlives every session; it owns the maildrop locks.
// Thread rules: handle() runs on the connection's strand; the lock table is
// guarded by a mutex held only for insert/erase.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_set>

#include "login/authenticator.hpp"
#include "net/connection.hpp"
#include "store/async_store.hpp"

namespace postino::pop3::server {

struct Options {
  std::string hostname;
  bool plaintext_auth_on_loopback = true;  // USER/PASS, AUTH without TLS from loopback
  std::chrono::seconds idle_timeout{600};  // RFC 1939 §3: at least 10 minutes
  uint32_t max_errors = 10;                // then -ERR and close
};

class Service {
 public:
  Service(Options opts, store::AsyncStore& store, login::Authenticator& auth);
  boost::asio::awaitable<void> handle(net::Connection& conn);

  // Maildrop locks (RFC 1939 §8: exclusive access for the session).
  bool try_lock(store::AccountId id);
  void unlock(store::AccountId id);

  const Options& options() const { return opts_; }
  store::AsyncStore& store() { return store_; }
  login::Authenticator& authenticator() { return auth_; }

 private:
  Options opts_;
  store::AsyncStore& store_;
  login::Authenticator& auth_;
  std::mutex mu_;
  std::unordered_set<store::AccountId> locked_;
};

}  // namespace postino::pop3::server
