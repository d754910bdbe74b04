// ClientSession against a scripted server on loopback: what goes on the wire
// (pipelined MAIL/RCPT, DSN parameters only when offered, dot-stuffing) and
// how replies map to recipients; HELO fallback; refused greetings.
#include "smtp/client/session.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>
#include <functional>
#include <optional>
#include <thread>

namespace postino::smtp::client {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// Serves one connection: sends `greeting`, then answers each line with
// respond(line) (empty = no reply), recording every line received.
class ScriptServer {
 public:
  using Respond = std::function<std::string(const std::string& line, bool in_data)>;
  ScriptServer(std::string greeting, Respond respond)
      : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    thread_ = std::thread([this, greeting, respond] {
      boost::system::error_code ec;
      tcp::socket s(io_);
      acceptor_.accept(s, ec);
      if (ec) return;
      asio::write(s, asio::buffer(greeting), ec);
      asio::streambuf buf;
      bool in_data = false;
      while (!ec) {
        size_t n = asio::read_until(s, buf, "\r\n", ec);
        if (ec) break;
        std::string line(asio::buffers_begin(buf.data()), asio::buffers_begin(buf.data()) + n);
        buf.consume(n);
        line.resize(line.size() - 2);
        lines.push_back(line);
        if (in_data) {
          if (line == ".") {
            in_data = false;
            asio::write(s, asio::buffer(respond(".", false)), ec);
          }
          continue;
        }
        std::string reply = respond(line, false);
        if (reply.rfind("354", 0) == 0) in_data = true;
        if (!reply.empty()) asio::write(s, asio::buffer(reply), ec);
        if (line == "QUIT") break;
      }
    });
  }
  ~ScriptServer() {
    boost::system::error_code ec;
    acceptor_.close(ec);
    if (thread_.joinable()) thread_.join();
  }
  tcp::endpoint endpoint() const { return acceptor_.local_endpoint(); }
  std::vector<std::string> lines;

 private:
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::thread thread_;
};

std::string standard(const std::string& line, const std::string& ehlo) {
  if (line.rfind("EHLO", 0) == 0) return ehlo;
  if (line.rfind("MAIL", 0) == 0) return "250 2.1.0 ok\r\n";
  if (line.rfind("RCPT TO:<bad", 0) == 0) return "550 5.1.1 no such user\r\n";
  if (line.rfind("RCPT TO:<later", 0) == 0) return "451 4.2.0 later\r\n";
  if (line.rfind("RCPT", 0) == 0) return "250 2.1.5 ok\r\n";
  if (line == "DATA") return "354 go\r\n";
  if (line == ".") return "250 2.0.0 queued as X\r\n";
  if (line == "RSET") return "250 2.0.0 ok\r\n";
  if (line == "QUIT") return "221 2.0.0 bye\r\n";
  return "502 5.5.2 what\r\n";
}

// co_spawn wants a default-constructible result: carry Result<T> in an optional.
template <class T>
asio::awaitable<std::optional<T>> wrap(asio::awaitable<T> a) {
  T v = co_await std::move(a);
  std::optional<T> o(std::move(v));
  co_return o;
}

template <class T>
T run(asio::io_context& io, asio::awaitable<T> a) {
  std::optional<T> out;
  asio::co_spawn(io, wrap(std::move(a)), [&out](std::exception_ptr e, std::optional<T> v) {
    if (e) std::rethrow_exception(e);
    out = std::move(v);
  });
  io.restart();
  io.run();
  return std::move(*out);
}

void run(asio::io_context& io, asio::awaitable<void> a) {
  asio::co_spawn(io, std::move(a), [](std::exception_ptr e) {
    if (e) std::rethrow_exception(e);
  });
  io.restart();
  io.run();
}

ClientOptions options() {
  ClientOptions o;
  o.helo_name = "client.example";
  o.tls = TlsMode::none;
  o.command_timeout = std::chrono::seconds(5);
  return o;
}

TEST(ClientSession, PipelinedTransactionWithPerRecipientReplies) {
  const std::string ehlo =
      "250-mx\r\n250-PIPELINING\r\n250-SIZE 100000\r\n250-DSN\r\n250 8BITMIME\r\n";
  ScriptServer srv("220 mx ESMTP\r\n",
                   [&](const std::string& l, bool) { return standard(l, ehlo); });
  asio::io_context io;
  auto s = run(io, ClientSession::open(io.get_executor(), srv.endpoint(), options(), nullptr));
  ASSERT_TRUE(s.ok()) << s.error().message;
  auto& session = **s;
  EXPECT_TRUE(session.capabilities().pipelining);
  ClientEnvelope env;
  env.mail_from = "a@example.org";
  env.recipients = {{"good@example.net", "FAILURE,DELAY", "rfc822;orig+x@example.net"},
                    {"bad@example.net", "", ""},
                    {"later@example.net", "", ""}};
  env.ret = "HDRS";
  env.envid = "id 1";
  env.body_type = "8BITMIME";
  const std::string msg = "Subject: t\r\n\r\n.dot line\r\nend\r\n";
  auto res = run(io, session.send(env, msg));
  ASSERT_TRUE(res.ok()) << res.error().message;
  EXPECT_TRUE(res->data_sent);
  EXPECT_EQ(res->outcome(0).code, 250);
  EXPECT_EQ(res->outcome(1).code, 550);
  EXPECT_EQ(res->outcome(2).code, 451);
  run(io, session.quit());
  const auto& w = srv.lines;
  ASSERT_GE(w.size(), 9u);
  EXPECT_EQ(w[0], "EHLO client.example");
  EXPECT_EQ(w[1], "MAIL FROM:<a@example.org> SIZE=" + std::to_string(msg.size()) +
                      " BODY=8BITMIME RET=HDRS ENVID=id+201");
  EXPECT_EQ(w[2],
            "RCPT TO:<good@example.net> NOTIFY=FAILURE,DELAY ORCPT=rfc822;orig+2Bx@example.net");
  EXPECT_EQ(w[3], "RCPT TO:<bad@example.net>");
  EXPECT_EQ(w[5], "DATA");
  EXPECT_EQ(w[6], "Subject: t");
  EXPECT_EQ(w[8], "..dot line");  // RFC 5321 §4.5.2
  EXPECT_EQ(w.back(), "QUIT");
}

TEST(ClientSession, NoDsnParametersWithoutDsnAndHeloFallback) {
  ScriptServer srv("220 old\r\n", [&](const std::string& l, bool) -> std::string {
    if (l.rfind("EHLO", 0) == 0) return "500 5.5.1 what is EHLO\r\n";
    if (l.rfind("HELO", 0) == 0) return "250 old\r\n";
    return standard(l, "");
  });
  asio::io_context io;
  auto s = run(io, ClientSession::open(io.get_executor(), srv.endpoint(), options(), nullptr));
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_FALSE((*s)->capabilities().esmtp);
  ClientEnvelope env;
  env.mail_from = "";
  env.recipients = {{"bad@example.net", "NEVER", "rfc822;x@y"}};
  env.ret = "FULL";
  auto res = run(io, (*s)->send(env, "x\r\n"));
  ASSERT_TRUE(res.ok());
  EXPECT_FALSE(res->data_sent);  // no recipient accepted: no DATA, RSET instead
  EXPECT_EQ(res->outcome(0).code, 550);
  run(io, (*s)->quit());
  ASSERT_GE(srv.lines.size(), 4u);
  EXPECT_EQ(srv.lines[1], "HELO client.example");
  EXPECT_EQ(srv.lines[2], "MAIL FROM:<>");
  EXPECT_EQ(srv.lines[3], "RCPT TO:<bad@example.net>");
  EXPECT_EQ(srv.lines[4], "RSET");
}

TEST(ClientSession, RefusedDataEndsTheTransactionAndTheConnectionIsReused) {
  ScriptServer srv("220 mx\r\n", [](const std::string& l, bool) -> std::string {
    if (l == "DATA") return "554 5.7.1 content refused\r\n";
    return standard(l, "250-mx\r\n250 PIPELINING\r\n");
  });
  asio::io_context io;
  auto s = run(io, ClientSession::open(io.get_executor(), srv.endpoint(), options(), nullptr));
  ASSERT_TRUE(s.ok()) << s.error().message;
  ClientEnvelope env;
  env.mail_from = "a@example.org";
  env.recipients = {{"good@example.net", "", ""}};
  for (int i = 0; i < 2; ++i) {
    auto res = run(io, (*s)->send(env, "x\r\n"));
    ASSERT_TRUE(res.ok()) << res.error().message;
    EXPECT_FALSE(res->data_sent);
    EXPECT_EQ(res->outcome(0).code, 554);
  }
  EXPECT_EQ((*s)->transactions(), 2u);
  run(io, (*s)->quit());
  std::vector<std::string> expect = {"EHLO client.example",
                                     "MAIL FROM:<a@example.org>",
                                     "RCPT TO:<good@example.net>",
                                     "DATA",
                                     "RSET",
                                     "MAIL FROM:<a@example.org>",
                                     "RCPT TO:<good@example.net>",
                                     "DATA",
                                     "RSET",
                                     "QUIT"};
  EXPECT_EQ(srv.lines, expect);
}

TEST(ClientSession, RefusedGreetingAndRequiredTlsAreErrors) {
  {
    ScriptServer srv("554 5.3.2 go away\r\n",
                     [](const std::string& l, bool) { return standard(l, "250 mx\r\n"); });
    asio::io_context io;
    auto s = run(io, ClientSession::open(io.get_executor(), srv.endpoint(), options(), nullptr));
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.error().message.find("554 5.3.2"), std::string::npos);
  }
  {
    ScriptServer srv("220 mx\r\n", [](const std::string& l, bool) {
      return standard(l, "250-mx\r\n250 PIPELINING\r\n");
    });
    asio::io_context io;
    ClientOptions o = options();
    o.tls = TlsMode::required;  // RFC 8461 §5: never in clear when enforced
    auto ctx = ClientSession::make_tls_context();
    ASSERT_TRUE(ctx.ok());
    auto s = run(io, ClientSession::open(io.get_executor(), srv.endpoint(), o, *ctx));
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, Errc::auth);
    for (const auto& l : srv.lines) EXPECT_EQ(l.rfind("MAIL", 0), std::string::npos);
  }
}

TEST(ClientSession, SilentServerTimesOut) {
  asio::io_context sio;
  tcp::acceptor acc(sio, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  tcp::socket peer(sio);
  std::thread t([&] { acc.accept(peer); });  // accepts, never greets
  asio::io_context io;
  ClientOptions o = options();
  o.greeting_timeout = std::chrono::seconds(1);
  auto start = std::chrono::steady_clock::now();
  auto s = run(io, ClientSession::open(io.get_executor(), acc.local_endpoint(), o, nullptr));
  t.join();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("timeout"), std::string::npos) << s.error().message;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

}  // namespace
}  // namespace postino::smtp::client
