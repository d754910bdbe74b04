// The inbound SMTP service: one Service serves every connection of the
// smtp (MX), submission (587, STARTTLS) and submissions (465, implicit TLS,
// RFC 8314) listeners. handle() runs one ESMTP session (RFC 5321) on a
// connection until QUIT, an error limit, a timeout, server shutdown or the
// peer going away.
//
// Security exposure: this is the code every host on the Internet talks to.
// It never relays for an unauthenticated client (no combination of listener,
// auth state and addresses makes an open relay), it accepts a message only
// once it is durable (local INBOXes committed, remote recipients queued), and
// every buffer it fills from the network is bounded (see session.hpp).
//
// Mail authentication (mail arriving on the MX listener from a client that did
// not authenticate): SPF, DKIM and DMARC at the end of DATA/BDAT, an
// Authentication-Results header, and the DMARC policy (src/mailauth/inbound;
// see mailauth.cpp). Off when the Service has no resolver.
//
// Ownership: the Service borrows the store, authenticator, outbound queue and
// resolver; they must outlive it. Thread rules: handle() may run concurrently for many
// connections; the Service itself is immutable after construction.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <string>

#include "delivery/outbound.hpp"
#include "dns/resolver.hpp"
#include "login/authenticator.hpp"
#include "mailauth/inbound/policy.hpp"
#include "net/connection.hpp"
#include "store/async_store.hpp"

namespace postino::smtp::server {

enum class Mode { mx, submission, submissions };

const char* mode_name(Mode m);

// [mailauth] of the configuration.
struct MailAuthOptions {
  std::string authserv_id;  // RFC 8601 §2.5; "" = Options::hostname
  mailauth::inbound::Policy policy;
  std::string junk_mailbox = "Junk";  // where quarantined mail goes (falls back to INBOX)
  bool record_dmarc = true;           // keep RFC 9990 aggregate-report data in the store
};

struct Options {
  std::string hostname;
  uint64_t max_message_size = 50ull << 20;
  uint32_t max_recipients = 1000;
  uint32_t max_errors = 10;                   // then 421 and close
  std::chrono::seconds command_timeout{300};  // RFC 5321 §4.5.3.2
  std::chrono::seconds data_timeout{600};
  bool plaintext_auth_on_loopback = true;  // AUTH without TLS allowed from loopback
  bool normalize_bare_lf = false;          // default: bare LF/CR in DATA -> 5xx (smuggling)
  bool tls_available = true;               // STARTTLS offered (the server has a certificate)
  MailAuthOptions mailauth;
};

class Service {
 public:
  // resolver: nullptr turns mail authentication off.
  Service(Options opts, store::AsyncStore& store, login::Authenticator& auth,
          delivery::OutboundQueue& outbound, dns::Resolver* resolver = nullptr);
  boost::asio::awaitable<void> handle(net::Connection& conn, Mode mode);

  const Options& options() const { return opts_; }
  store::AsyncStore& store() { return store_; }
  login::Authenticator& authenticator() { return auth_; }
  delivery::OutboundQueue& outbound() { return outbound_; }
  dns::Resolver* resolver() { return resolver_; }

 private:
  Options opts_;
  store::AsyncStore& store_;
  login::Authenticator& auth_;
  delivery::OutboundQueue& outbound_;
  dns::Resolver* resolver_;
};

}  // namespace postino::smtp::server
