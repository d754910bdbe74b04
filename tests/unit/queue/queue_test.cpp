// queue::Queue end to end inside one process: a StaticResolver routes the
// recipient domain to 127.0.0.1; the "remote MX" is either nothing (connection
// refused) or a scripted accept-all server on a loopback port.
#include "queue/queue.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <thread>

#include "common/temp_dir.hpp"
#include "dns/static_resolver.hpp"
#include "store/open.hpp"

namespace postino::queue {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct Env {
  postino::testing::TempDir dir{"queue"};
  std::unique_ptr<store::StoreBackend> backend;
  dns::StaticResolver resolver;
  store::AccountId alice = 0;
  Env() {
    auto b = store::open_store(store::StoreOptions{"sqlite", dir.path(), ""});
    EXPECT_TRUE(b.ok());
    backend = std::move(*b);
    EXPECT_TRUE(backend->add_domain("example.org").ok());
    auto a = backend->add_account("alice@example.org", store::Credentials{});
    EXPECT_TRUE(a.ok());
    alice = a->id;
    resolver.add_mx("remote.example", 10, "mx.remote.example");
    resolver.add_a("mx.remote.example", asio::ip::make_address_v4("127.0.0.1"));
  }
  std::unique_ptr<Queue> make_queue(uint16_t port, RetryPolicy retry) {
    Options o;
    o.hostname = "mail.example.org";
    o.smtp_port = port;
    o.retry = retry;
    o.poll_interval = std::chrono::seconds(1);
    o.client.tls = smtp::client::TlsMode::none;
    o.client.connect_timeout = std::chrono::seconds(2);
    auto qs = store::open_queue_store(*backend);
    EXPECT_TRUE(qs.ok());
    return std::make_unique<Queue>(o, *backend, std::move(*qs), &resolver);
  }
  size_t inbox_count() {
    auto mb = backend->get_mailbox(alice, "INBOX");
    return mb ? mb->message_count : 0;
  }
};

delivery::OutboundMessage outbound(const std::string& id, const std::string& rcpt) {
  delivery::OutboundMessage m;
  m.id = id;
  m.mail_from = "alice@example.org";
  m.rcpts = {rcpt};
  m.recipients = {{rcpt, "", ""}};
  m.body_type = "7BIT";
  m.raw =
      std::make_shared<const std::string>("From: alice@example.org\r\nSubject: q\r\n\r\nhi\r\n");
  m.received_at = 1;
  return m;
}

Status enqueue(Queue& q, delivery::OutboundMessage m) {
  asio::io_context io;
  auto fut = asio::co_spawn(io, q.enqueue(std::move(m)), asio::use_future);
  io.run();
  return fut.get();
}

template <class Pred>
bool eventually(Pred p, int seconds = 15) {
  auto end = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < end) {
    if (p()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return p();
}

uint16_t closed_port() {
  asio::io_context io;
  tcp::acceptor a(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return a.local_endpoint().port();  // closed again when `a` goes
}

TEST(Queue, UnreachableMxPastLifetimeBouncesWithLocalDsn) {
  Env env;
  RetryPolicy rp;
  rp.lifetime = 0;  // every temporary failure is already past the lifetime
  auto q = env.make_queue(closed_port(), rp);
  ASSERT_TRUE(q->start().ok());
  ASSERT_TRUE(enqueue(*q, outbound("exp1", "bob@remote.example")).ok());
  ASSERT_TRUE(eventually([&] { return env.inbox_count() == 1; })) << "no DSN delivered";
  EXPECT_TRUE(eventually([&] { return q->store().list()->empty(); }));
  q->stop();
  auto mb = env.backend->get_mailbox(env.alice, "INBOX");
  auto msgs = env.backend->fetch(mb->id, store::UidSet::all());
  ASSERT_TRUE(msgs.ok());
  ASSERT_EQ(msgs->size(), 1u);
  auto raw = env.backend->read_blob((*msgs)[0].blob_id);
  ASSERT_TRUE(raw.ok());
  EXPECT_NE(raw->find("Action: failed\r\nStatus: 4.4.7\r\n"), std::string::npos) << *raw;
  EXPECT_NE(raw->find("Final-Recipient: rfc822; bob@remote.example"), std::string::npos);
}

TEST(Queue, UnreachableMxDefersWithBackoff) {
  Env env;
  RetryPolicy rp;
  rp.retry_min = 600;
  auto q = env.make_queue(closed_port(), rp);
  ASSERT_TRUE(q->start().ok());
  ASSERT_TRUE(enqueue(*q, outbound("def1", "bob@remote.example")).ok());
  ASSERT_TRUE(eventually([&] {
    auto m = q->store().get("def1");
    return m && m->recipients[0].status == store::RcptStatus::deferred;
  }));
  auto m = q->store().get("def1");
  EXPECT_EQ(m->recipients[0].attempts, 1u);
  EXPECT_GE(m->recipients[0].next_attempt - m->recipients[0].last_attempt, 600);
  EXPECT_NE(m->recipients[0].last_reply.find("4.4.1"), std::string::npos);
  q->stop();
  EXPECT_EQ(env.inbox_count(), 0u);  // no DSN for a deferral before delay_warning
}

// Serves SMTP connections (no STARTTLS) on `acc` until `connections` have
// ended; records every command line, and the message lines in *data if given.
std::thread plain_smtp_server(tcp::acceptor& acc, std::vector<std::string>& commands,
                              int connections, std::string* data_lines = nullptr) {
  return std::thread([&acc, &commands, connections, data_lines] {
    for (int c = 0; c < connections; ++c) {
      tcp::socket s(acc.get_executor());
      boost::system::error_code ec;
      acc.accept(s, ec);
      if (ec) return;
      asio::write(s, asio::buffer(std::string("220 mx\r\n")), ec);
      asio::streambuf buf;
      bool data = false;
      while (!ec) {
        size_t n = asio::read_until(s, buf, "\r\n", ec);
        if (ec) break;
        std::string line(asio::buffers_begin(buf.data()), asio::buffers_begin(buf.data()) + n);
        buf.consume(n);
        if (data) {
          if (line == ".\r\n") {
            data = false;
            asio::write(s, asio::buffer(std::string("250 2.0.0 ok\r\n")), ec);
          } else if (data_lines) {
            *data_lines += line;
          }
          continue;
        }
        commands.push_back(line.substr(0, line.size() - 2));
        std::string reply = "250 ok\r\n";
        if (line.rfind("EHLO", 0) == 0) reply = "250-mx\r\n250 PIPELINING\r\n";
        if (line == "DATA\r\n") {
          reply = "354 go\r\n";
          data = true;
        }
        if (line == "QUIT\r\n") reply = "221 bye\r\n";
        asio::write(s, asio::buffer(reply), ec);
        if (line == "QUIT\r\n") break;
      }
    }
  });
}

TEST(Queue, DeliversToAcceptingServerAndRemovesEntry) {
  Env env;
  asio::io_context sio;
  tcp::acceptor acc(sio, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  std::string received;
  std::vector<std::string> commands;
  auto server = plain_smtp_server(acc, commands, 1, &received);
  auto q = env.make_queue(acc.local_endpoint().port(), RetryPolicy{});
  ASSERT_TRUE(q->start().ok());
  ASSERT_TRUE(enqueue(*q, outbound("ok1", "bob@remote.example")).ok());
  EXPECT_TRUE(eventually([&] { return q->store().list()->empty(); }));
  q->stop();
  server.join();
  EXPECT_NE(received.find("Subject: q\r\n"), std::string::npos);
  EXPECT_TRUE(std::any_of(commands.begin(), commands.end(), [](const std::string& c) {
    return c.rfind("RCPT TO:<bob@remote.example>", 0) == 0;
  }));
  EXPECT_EQ(env.inbox_count(), 0u);  // no DSN for a plain delivery
}

// DANE (RFC 7672) in the queue: the decision per MX host, with a
// StaticResolver whose zone is marked DNSSEC-secure.

dns::Tlsa dane_ee(char fill) { return dns::Tlsa{3, 1, 1, std::string(32, fill)}; }

bool sent_envelope(const std::vector<std::string>& commands) {
  for (const auto& c : commands)
    if (c.rfind("MAIL", 0) == 0 || c.rfind("RCPT", 0) == 0) return true;
  return false;
}

// Queues message `id` for remote.example, whose only MX (a server without
// STARTTLS) has the secure TLSA RRset {tlsa}; waits until the recipient is
// deferred and returns its last reply and the commands the server saw.
void run_until_deferred(const std::string& id, const dns::Tlsa& tlsa, std::string& reply,
                        std::vector<std::string>& commands) {
  Env env;
  asio::io_context sio;
  tcp::acceptor acc(sio, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  uint16_t port = acc.local_endpoint().port();
  env.resolver.set_secure("remote.example");
  env.resolver.add_tlsa("_" + std::to_string(port) + "._tcp.mx.remote.example", tlsa);
  auto server = plain_smtp_server(acc, commands, 1);
  RetryPolicy rp;
  rp.retry_min = 600;
  auto q = env.make_queue(port, rp);
  ASSERT_TRUE(q->start().ok());
  ASSERT_TRUE(enqueue(*q, outbound(id, "bob@remote.example")).ok());
  ASSERT_TRUE(eventually([&] {
    auto m = q->store().get(id);
    return m && m->recipients[0].status == store::RcptStatus::deferred;
  }));
  q->stop();
  server.join();
  reply = q->store().get(id)->recipients[0].last_reply;
}

TEST(QueueDane, SecureTlsaAndNoStartTlsDefersWithoutSendingInClear) {
  std::string reply;
  std::vector<std::string> commands;
  run_until_deferred("dane1", dane_ee('x'), reply, commands);
  EXPECT_NE(reply.find("451 4.7.5"), std::string::npos) << reply;
  EXPECT_NE(reply.find("DANE"), std::string::npos) << reply;
  EXPECT_NE(reply.find("STARTTLS required"), std::string::npos) << reply;
  ASSERT_FALSE(commands.empty());
  EXPECT_EQ(commands.front().rfind("EHLO", 0), 0u);
  EXPECT_FALSE(sent_envelope(commands)) << "envelope sent in clear";
}

TEST(QueueDane, OnlyUnusableSecureTlsaStillRequiresTls) {
  // RFC 7672 §2.2: a secure RRset of unusable records (PKIX-EE, §3.1.3)
  // still means TLS is mandatory, though not authenticated.
  std::string reply;
  std::vector<std::string> commands;
  run_until_deferred("dane5", dns::Tlsa{1, 1, 1, std::string(32, 'x')}, reply, commands);
  EXPECT_NE(reply.find("4.7.5"), std::string::npos) << reply;
  EXPECT_NE(reply.find("STARTTLS required"), std::string::npos) << reply;
  ASSERT_FALSE(commands.empty());  // it was reached, and nothing went out in clear
  EXPECT_FALSE(sent_envelope(commands));
}

TEST(QueueDane, FailedTlsaLookupSkipsTheHostAndTheNextMxIsUsed) {
  Env env;
  asio::io_context sio;
  tcp::acceptor acc(sio, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  uint16_t port = acc.local_endpoint().port();
  // RFC 7672 §2.1.2: mx.remote.example's TLSA answer is bogus, so it must not
  // be used; mx2 has a secure denial of TLSA records: opportunistic.
  env.resolver.set_secure("remote.example");
  env.resolver.set_bogus("_" + std::to_string(port) + "._tcp.mx.remote.example");
  env.resolver.add_mx("remote.example", 20, "mx2.remote.example");
  env.resolver.add_a("mx2.remote.example", asio::ip::make_address_v4("127.0.0.1"));
  std::vector<std::string> commands;
  auto server = plain_smtp_server(acc, commands, 1);
  auto q = env.make_queue(port, RetryPolicy{});
  ASSERT_TRUE(q->start().ok());
  ASSERT_TRUE(enqueue(*q, outbound("dane2", "bob@remote.example")).ok());
  EXPECT_TRUE(eventually([&] { return q->store().list()->empty(); }));
  q->stop();
  server.join();
  EXPECT_TRUE(sent_envelope(commands));
}

TEST(QueueDane, FailedTlsaLookupOfTheOnlyMxDefers) {
  Env env;
  uint16_t port = closed_port();
  env.resolver.set_secure("remote.example");
  env.resolver.set_timeout("_" + std::to_string(port) + "._tcp.mx.remote.example");
  RetryPolicy rp;
  rp.retry_min = 600;
  auto q = env.make_queue(port, rp);
  ASSERT_TRUE(q->start().ok());
  ASSERT_TRUE(enqueue(*q, outbound("dane3", "bob@remote.example")).ok());
  ASSERT_TRUE(eventually([&] {
    auto m = q->store().get("dane3");
    return m && m->recipients[0].status == store::RcptStatus::deferred;
  }));
  q->stop();
  const std::string reply = q->store().get("dane3")->recipients[0].last_reply;
  EXPECT_NE(reply.find("4.7.5"), std::string::npos) << reply;
  EXPECT_NE(reply.find("DANE: TLSA lookup failed"), std::string::npos) << reply;
  EXPECT_EQ(reply.find("refused"), std::string::npos) << "the host was contacted: " << reply;
}

TEST(QueueDane, InsecureTlsaIsIgnored) {
  Env env;
  asio::io_context sio;
  tcp::acceptor acc(sio, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  uint16_t port = acc.local_endpoint().port();
  // Same records, but the zone is not signed: pre-DANE behaviour.
  env.resolver.add_tlsa("_" + std::to_string(port) + "._tcp.mx.remote.example", dane_ee('x'));
  std::vector<std::string> commands;
  auto server = plain_smtp_server(acc, commands, 1);
  auto q = env.make_queue(port, RetryPolicy{});
  ASSERT_TRUE(q->start().ok());
  ASSERT_TRUE(enqueue(*q, outbound("dane4", "bob@remote.example")).ok());
  EXPECT_TRUE(eventually([&] { return q->store().list()->empty(); }));
  q->stop();
  server.join();
  EXPECT_TRUE(sent_envelope(commands));
}

}  // namespace
}  // namespace postino::queue
