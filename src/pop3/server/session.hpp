// One POP3 session: the AUTHORIZATION → TRANSACTION → UPDATE state machine of
// RFC 1939 §3 over one Connection. See service.hpp for the maildrop rules.
// Thread rules: used only from its connection's coroutine.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>
#include <vector>

#include "pop3/proto/command.hpp"
#include "pop3/server/service.hpp"

namespace postino::pop3::server {

class Session {
 public:
  Session(Service& service, net::Connection& conn);
  ~Session();
  boost::asio::awaitable<void> run();

 private:
  enum class State { authorization, transaction, done };

  struct Entry {  // one message of the snapshot
    store::Uid uid = 0;
    uint64_t size = 0;
    std::string blob_id;
    bool deleted = false;
  };

  boost::asio::awaitable<void> dispatch(const Pop3Command& cmd);
  boost::asio::awaitable<void> cmd_capa();
  boost::asio::awaitable<void> cmd_stls();
  boost::asio::awaitable<void> cmd_user(const Pop3Command& cmd);
  boost::asio::awaitable<void> cmd_pass(const Pop3Command& cmd);
  boost::asio::awaitable<void> cmd_auth(const Pop3Command& cmd);
  boost::asio::awaitable<void> login_done(const login::LoginResult& r);
  boost::asio::awaitable<void> cmd_stat();
  boost::asio::awaitable<void> cmd_list(const Pop3Command& cmd, bool uidl);
  boost::asio::awaitable<void> cmd_retr(const Pop3Command& cmd, std::optional<uint32_t> top);
  boost::asio::awaitable<void> cmd_dele(const Pop3Command& cmd);
  boost::asio::awaitable<void> cmd_rset();
  boost::asio::awaitable<void> cmd_quit();

  bool plaintext_allowed() const;
  // The snapshot entry for a message number, or nullptr after writing -ERR.
  Entry* message(std::optional<uint32_t> n);
  std::string uidl_of(const Entry& e) const;
  boost::asio::awaitable<void> reply(std::string line);
  void error_reply(std::string line);

  Service& svc_;
  net::Connection& conn_;
  State state_ = State::authorization;
  std::string user_;  // from USER, until PASS
  std::optional<store::Account> account_;
  bool locked_ = false;
  store::MailboxId inbox_ = 0;
  uint32_t uidvalidity_ = 0;
  std::vector<Entry> msgs_;
  uint32_t errors_ = 0;
};

}  // namespace postino::pop3::server
