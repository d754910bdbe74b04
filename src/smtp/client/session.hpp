// ClientSession: one outbound SMTP connection (RFC 5321) over Asio, used by
// the queue to deliver and by tests to talk to servers.
//  open(): TCP connect (connect_timeout), greeting, EHLO (HELO when EHLO is
//   refused, RFC 5321 §4.1.1.1), then STARTTLS (RFC 3207) when offered and
//   tls != none; with tls == required, a peer without STARTTLS or whose
//   certificate does not verify for tls_name is an error and nothing is sent
//   in clear (RFC 8461 §5 enforce). tls == encrypted requires STARTTLS but
//   not a valid certificate (RFC 7672 §2.2: secure TLSA records, none
//   usable). tls == dane requires STARTTLS and a certificate that matches
//   one of dane_tlsa (OpenSSL's DANE verifier, RFC 7671/7672 §3): DANE-EE(3)
//   without name or expiry checks (§3.1.1, §3.2.1), DANE-TA(2) with the name
//   checked against dane_names (§3.2.2); a mismatch is an error before any
//   command is sent over the connection. After TLS, EHLO again (RFC 3207 §4.2).
//  send(): one mail transaction: MAIL FROM with SIZE/BODY/SMTPUTF8/RET/ENVID,
//   RCPT TO with NOTIFY/ORCPT when the peer offers DSN (RFC 3461 §4), MAIL
//   and RCPT pipelined when the peer offers PIPELINING (RFC 2920 §3.1), DATA
//   with dot-stuffing (RFC 5321 §4.5.2). The reply to every command is kept
//   per recipient. A connection may carry several transactions (reuse).
//  quit(): QUIT and close.
// Timeouts follow RFC 5321 §4.5.3.2 (greeting 5 min, MAIL/RCPT 5 min, DATA
// initiation 2 min, data block 3 min, final "." 10 min), each configurable.
// Errors (Result errors) are I/O failures, timeouts and protocol violations:
// the connection is then unusable. Replies of any code are values.
// Ownership: a session owns its socket (and TLS stream).
// Thread rules: one coroutine at a time; its executor must be single-threaded
// or a strand (the timeout watchdog runs there too).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "dns/resolver.hpp"
#include "smtp/client/capabilities.hpp"
#include "smtp/proto/reply.hpp"

namespace boost::asio::ssl {
class context;
}

namespace postino::smtp::client {

using Seconds = std::chrono::seconds;

enum class TlsMode {
  none,           // never STARTTLS
  opportunistic,  // STARTTLS when offered, certificate not checked (RFC 3207 §4.1)
  encrypted,      // STARTTLS mandatory, certificate not checked (RFC 7672 §2.2)
  required,       // STARTTLS mandatory, PKIX chain and tls_name checked (RFC 8461 §5)
  dane,           // STARTTLS mandatory, certificate matches dane_tlsa (RFC 7672 §3)
};

struct ClientOptions {
  std::string helo_name = "localhost";
  Seconds connect_timeout{30};
  Seconds greeting_timeout{300};    // RFC 5321 §4.5.3.2.1
  Seconds command_timeout{300};     // MAIL, RCPT, EHLO, STARTTLS (§4.5.3.2.2, .3)
  Seconds data_init_timeout{120};   // §4.5.3.2.4
  Seconds data_block_timeout{180};  // §4.5.3.2.5
  Seconds data_final_timeout{600};  // §4.5.3.2.6
  TlsMode tls = TlsMode::opportunistic;
  std::string tls_name;  // SNI and, with tls == required, the name the certificate must match
  // tls == dane: the usable TLSA records, and the reference identifiers for
  // DANE-TA(2) name checks (the TLSA base domain first, RFC 7672 §3.2.2).
  std::vector<dns::Tlsa> dane_tlsa;
  std::vector<std::string> dane_names;
};

struct ClientRecipient {
  std::string address;
  std::string notify;  // RFC 3461 §4.1, "" = absent
  std::string orcpt;   // "addr-type;address" (address decoded), "" = absent
};

struct ClientEnvelope {
  std::string mail_from;  // "" = null reverse-path
  std::vector<ClientRecipient> recipients;
  std::string ret;        // "", "FULL", "HDRS"
  std::string envid;      // decoded; encoded as xtext on the wire
  std::string body_type;  // "", "7BIT", "8BITMIME"
  bool smtputf8 = false;
};

struct TransactionResult {
  Reply mail;
  std::vector<Reply> recipients;  // one per envelope recipient
  Reply data;                     // reply to the final "." (or to DATA when refused)
  bool data_sent = false;         // the message went out and `data` is its final reply
  // The reply that decides recipient i: MAIL's if refused, else RCPT's if
  // refused, else the final reply.
  const Reply& outcome(size_t i) const;
};

// RFC 3461 §4: xtext encoding of ORCPT / ENVID values.
std::string xtext_encode(std::string_view s);

class ClientSession {
 public:
  ~ClientSession();
  ClientSession(const ClientSession&) = delete;
  ClientSession& operator=(const ClientSession&) = delete;

  // tls_ctx may be null (then TLS is never attempted; tls == required fails).
  static boost::asio::awaitable<Result<std::unique_ptr<ClientSession>>> open(
      boost::asio::any_io_executor ex, boost::asio::ip::tcp::endpoint endpoint, ClientOptions opts,
      std::shared_ptr<boost::asio::ssl::context> tls_ctx);

  boost::asio::awaitable<Result<TransactionResult>> send(const ClientEnvelope& env,
                                                         std::string_view message);
  // RSET (RFC 5321 §4.1.1.5); false if the connection should not be reused.
  boost::asio::awaitable<bool> reset();
  boost::asio::awaitable<void> quit();

  const Capabilities& capabilities() const { return caps_; }
  const Reply& greeting() const { return greeting_; }
  bool tls_active() const;
  bool tls_verified() const { return tls_verified_; }
  // How the peer was authenticated: "dane-ee", "dane-ta", "pkix", or "" (not).
  const std::string& tls_auth() const { return tls_auth_; }
  std::string peer() const { return peer_; }
  size_t transactions() const { return transactions_; }

  // A client TLS context: TLS 1.2+, system trust store, no compression, DANE
  // enabled (SSL_CTX_dane_enable; used only by connections with tls == dane).
  static Result<std::shared_ptr<boost::asio::ssl::context>> make_tls_context();

  struct Impl;

 private:
  explicit ClientSession(std::unique_ptr<Impl> impl);
  boost::asio::awaitable<Status> hello();

  std::unique_ptr<Impl> impl_;
  ClientOptions opts_;
  Capabilities caps_;
  Reply greeting_;
  bool tls_verified_ = false;
  std::string tls_auth_;
  std::string peer_;
  size_t transactions_ = 0;
};

}  // namespace postino::smtp::client
