// One inbound ESMTP session (RFC 5321) on one connection: the command loop,
// the session state (HELO name, TLS, authenticated account, the open mail
// transaction) and one handler per command family, each in its own file:
//   session.cpp  loop, replies, error limit, timeouts
//   hello.cpp    EHLO/HELO and the extension list
//   auth.cpp     AUTH (RFC 4954) and STARTTLS (RFC 3207)
//   envelope.cpp MAIL and RCPT: sequencing, limits, relay and sender policy
//   body.cpp     DATA and BDAT (RFC 3030): reading the message
//   accept.cpp   the end of a transaction: Received header, durable delivery
//   mailauth.cpp SPF/DKIM/DMARC on inbound MX mail, Authentication-Results, policy
//   misc.cpp     RSET, NOOP, QUIT, VRFY, EXPN, HELP
// Limits: a command line is read up to kMaxCommandLineBuffer; a DATA line up
// to kMaxDataLineBytes; a message body up to Options::max_message_size;
// recipients up to Options::max_recipients; commands up to
// kMaxCommandsPerSession.
// Thread rules: a Session lives inside one connection coroutine and is never
// shared; it holds no locks.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "delivery/recipients.hpp"
#include "mailauth/inbound/policy.hpp"
#include "net/connection.hpp"
#include "smtp/proto/bdat_reader.hpp"
#include "smtp/proto/command.hpp"
#include "smtp/proto/reply.hpp"
#include "smtp/server/service.hpp"

namespace postino::smtp::server {

template <class T>
using awaitable = boost::asio::awaitable<T>;

inline constexpr size_t kMaxDataLineBytes = 1 << 20;        // one DATA line, incl. CRLF
inline constexpr uint64_t kMaxCommandsPerSession = 100000;  // then 421
inline constexpr size_t kMessageIdChars = 16;

// The bytes of a message being received and what the client declared.
struct Recipient {
  std::string address;  // as given (forward-path mailbox)
  RcptParams params;
  delivery::Resolution resolution;
  bool remote = false;  // relayed (authenticated) or forwarded by an alias
};

struct Transaction {
  bool active = false;  // MAIL accepted
  Path from;
  MailParams params;
  std::vector<Recipient> rcpts;
  std::optional<BdatReader> bdat;  // a BDAT sequence has started
  bool bdat_failed = false;        // a chunk was refused: later chunks get 503
  std::string body;
};

// What mail authentication decided for the message in hand (mailauth.cpp).
struct MailAuthDecision {
  mailauth::inbound::Verdict verdict = mailauth::inbound::Verdict::deliver;
  std::string header;  // Authentication-Results to prepend ("" when not checked)
  std::string detail;  // for the reply text: the Author Domain, or why
};

class Session {
 public:
  Session(Service& service, net::Connection& conn, Mode mode);
  awaitable<void> run();

 private:
  enum class Next { go_on, close };

  // --- replies (session.cpp) ---
  void reply(const ReplyCode& rc);
  void reply(const ReplyCode& rc, std::string text);
  void reply(const Reply& r);
  void reject(const ReplyCode& rc, std::string_view reason, std::string text = {});
  awaitable<bool> flush();
  awaitable<Next> dispatch(const Command& cmd);
  awaitable<Next> read_error(const Error& e);

  // --- handlers ---
  awaitable<Next> on_ehlo(const Command& cmd);
  awaitable<Next> on_auth(const Command& cmd);
  awaitable<Next> on_starttls(const Command& cmd);
  awaitable<Next> on_mail(const Command& cmd);
  awaitable<Next> on_rcpt(const Command& cmd);
  awaitable<Next> on_data(const Command& cmd);
  awaitable<Next> on_bdat(const Command& cmd);
  awaitable<Next> on_misc(const Command& cmd);

  // --- helpers ---
  bool auth_allowed() const;
  std::vector<std::string> ehlo_lines() const;
  awaitable<Result<std::string>> sasl_challenge(std::string_view data);
  BodyOptions body_options() const;
  awaitable<void> accept_message();  // replies 250 / 4xx / 5xx and resets the transaction
  bool mailauth_applies() const;
  // RFC 8601 §5 on every path while mail authentication is on (submission
  // too): removes Authentication-Results fields claiming our authserv-id.
  size_t remove_forged_authres();
  // Removes forged Authentication-Results from tx_.body, evaluates it, stores
  // the DMARC report data and returns the verdict (mailauth.cpp).
  awaitable<MailAuthDecision> check_mailauth(int64_t now, const std::string& id);
  // Sends the 4xx/5xx reply if the decision refuses the message; true if so.
  bool refused_by_mailauth(const MailAuthDecision& d);
  void reset_transaction();
  void reset_session_state();  // RFC 3207 §4.2 after STARTTLS

  Service& svc_;
  const Options& opts_;
  net::Connection& conn_;
  Mode mode_;

  bool helo_ = false;
  bool esmtp_ = false;
  std::string helo_name_;
  bool authenticated_ = false;
  std::string auth_user_;
  store::AccountId auth_account_ = 0;
  uint32_t errors_ = 0;
  uint64_t commands_ = 0;
  Transaction tx_;
};

}  // namespace postino::smtp::server
