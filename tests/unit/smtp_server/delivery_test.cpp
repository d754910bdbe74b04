// src/delivery: recipient resolution against a real SQLite store, and the
// durable spool queue.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <filesystem>

#include "delivery/recipients.hpp"
#include "delivery/spool_queue.hpp"
#include "net/test_client.hpp"
#include "store/open.hpp"

namespace postino::delivery {
namespace {

class ResolveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = postino::testing::temp_dir("resolve");
    auto be = store::open_store({.backend = "sqlite", .data_dir = dir_, .url = ""});
    ASSERT_TRUE(be.ok());
    b_ = std::move(*be);
    ASSERT_TRUE(b_->add_domain("example.test").ok());
    ASSERT_TRUE(b_->add_domain("other.test").ok());
    store::Credentials none;
    none.password_hash = "x";
    alice_ = b_->add_account("alice@example.test", none)->id;
    bob_ = b_->add_account("bob@example.test", none)->id;
  }
  void TearDown() override {
    b_.reset();
    std::filesystem::remove_all(dir_);
  }
  Resolution resolve(const std::string& a, ResolveOptions o = {}) {
    auto r = resolve_recipient(*b_, a, o);
    EXPECT_TRUE(r.ok()) << a;
    return r.ok() ? *r : Resolution{};
  }

  std::string dir_;
  std::unique_ptr<store::StoreBackend> b_;
  store::AccountId alice_ = 0, bob_ = 0;
};

TEST_F(ResolveTest, AccountsCaseAndPlus) {
  auto r = resolve("Alice@EXAMPLE.test");
  EXPECT_EQ(r.kind, RecipientKind::local);
  ASSERT_EQ(r.accounts.size(), 1u);
  EXPECT_EQ(r.accounts[0].id, alice_);
  EXPECT_EQ(r.address, "alice@example.test");
  EXPECT_EQ(resolve("alice+news@example.test").accounts.at(0).id, alice_);
  EXPECT_EQ(resolve("alice+news@example.test", {.catch_all = true, .plus = false}).kind,
            RecipientKind::unknown_user);
  EXPECT_EQ(resolve("+x@example.test").kind, RecipientKind::unknown_user);
  EXPECT_EQ(resolve("carol@example.test").kind, RecipientKind::unknown_user);
  EXPECT_EQ(resolve("carol@remote.test").kind, RecipientKind::not_local);
  EXPECT_EQ(resolve("alice@[127.0.0.1]").kind, RecipientKind::not_local);
  EXPECT_FALSE(resolve_recipient(*b_, "not an address").ok());
}

TEST_F(ResolveTest, AliasesChainsListsForwardsAndCatchAll) {
  ASSERT_TRUE(b_->add_alias("team@example.test", "alice@example.test").ok());
  ASSERT_TRUE(b_->add_alias("boss@other.test", "team@example.test").ok());
  ASSERT_TRUE(b_->add_alias("out@example.test", "x@remote.test").ok());
  ASSERT_TRUE(b_->add_alias("loop1@example.test", "loop2@example.test").ok());
  ASSERT_TRUE(b_->add_alias("loop2@example.test", "loop1@example.test").ok());
  auto team = resolve("boss@other.test");  // alias -> alias -> account
  EXPECT_EQ(team.kind, RecipientKind::local);
  ASSERT_EQ(team.accounts.size(), 1u);
  EXPECT_EQ(team.accounts[0].id, alice_);
  auto out = resolve("out@example.test");
  EXPECT_EQ(out.kind, RecipientKind::forward);
  EXPECT_EQ(out.forwards, std::vector<std::string>{"x@remote.test"});
  auto loop = resolve_recipient(*b_, "loop1@example.test");
  ASSERT_FALSE(loop.ok());
  EXPECT_EQ(loop.error().code, Errc::limit);
  EXPECT_EQ(resolve("nobody@other.test").kind, RecipientKind::unknown_user);
  ASSERT_TRUE(b_->add_alias("list@example.test", "alice@example.test,bob@example.test").ok());
  EXPECT_EQ(resolve("list@example.test").accounts.size(), 2u);
  ASSERT_TRUE(b_->add_alias("@other.test", "bob@example.test").ok());
  EXPECT_EQ(resolve("nobody@other.test").accounts.at(0).id, bob_);
}

TEST_F(ResolveTest, SenderOwnership) {
  ASSERT_TRUE(b_->add_alias("sales@example.test", "alice@example.test").ok());
  ASSERT_TRUE(b_->add_alias("@other.test", "alice@example.test").ok());
  EXPECT_TRUE(*sender_owned_by(*b_, "alice@example.test", alice_));
  EXPECT_TRUE(*sender_owned_by(*b_, "ALICE+x@example.test", alice_));
  EXPECT_TRUE(*sender_owned_by(*b_, "sales@example.test", alice_));
  EXPECT_FALSE(*sender_owned_by(*b_, "sales@example.test", bob_));
  EXPECT_FALSE(*sender_owned_by(*b_, "bob@example.test", alice_));
  // A catch-all alias does not make every address yours.
  EXPECT_FALSE(*sender_owned_by(*b_, "anything@other.test", alice_));
  EXPECT_FALSE(*sender_owned_by(*b_, "alice@remote.test", alice_));
  EXPECT_FALSE(*sender_owned_by(*b_, "garbage", alice_));
}

OutboundMessage sample() {
  OutboundMessage m;
  m.id = "q1";
  m.mail_from = "a b@example.test";
  m.rcpts = {"x@remote.test", "\"y%z\"@remote.test"};
  m.recipients = {{"x@remote.test", "SUCCESS,FAILURE", "rfc822;x@remote.test"},
                  {"\"y%z\"@remote.test", "", ""}};
  m.dsn_ret = "HDRS";
  m.dsn_envid = "env id\r\n";
  m.body_type = "8BITMIME";
  m.smtputf8 = true;
  m.raw = std::make_shared<const std::string>("Subject: x\r\n\r\nbody\r\n\r\n");
  m.authenticated_user = "a@example.test";
  m.client_ip = "127.0.0.1";
  m.received_at = 1700000000;
  return m;
}

TEST(Spool, RoundTrip) {
  OutboundMessage m = sample();
  auto back = parse_spool(serialize_spool(m));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->id, m.id);
  EXPECT_EQ(back->mail_from, m.mail_from);
  EXPECT_EQ(back->rcpts, m.rcpts);
  EXPECT_EQ(back->recipients[0].notify, "SUCCESS,FAILURE");
  EXPECT_EQ(back->recipients[0].orcpt, "rfc822;x@remote.test");
  EXPECT_EQ(back->recipients[1].notify, "");
  EXPECT_EQ(back->dsn_ret, "HDRS");
  EXPECT_EQ(back->dsn_envid, m.dsn_envid);
  EXPECT_EQ(back->body_type, "8BITMIME");
  EXPECT_TRUE(back->smtputf8);
  EXPECT_EQ(*back->raw, *m.raw);
  EXPECT_EQ(back->authenticated_user, m.authenticated_user);
  EXPECT_EQ(back->received_at, m.received_at);
}

TEST(Spool, BadInputIsAnError) {
  EXPECT_FALSE(parse_spool("id: x\n").ok());
  EXPECT_FALSE(parse_spool("garbage\n\n").ok());
  EXPECT_FALSE(parse_spool("id: %4\n\n").ok());
  EXPECT_FALSE(parse_spool("notify: x\n\n").ok());
}

TEST(Spool, EnqueueWritesDurableFile) {
  std::string dir = postino::testing::temp_dir("spool");
  {
    SpoolQueue q(dir);
    boost::asio::io_context io;
    auto fut = boost::asio::co_spawn(io, q.enqueue(sample()), boost::asio::use_future);
    io.run();
    Status st = fut.get();
    ASSERT_TRUE(st.ok()) << st.error().message;
    std::string path = q.directory() + "/q1.msg";
    ASSERT_TRUE(std::filesystem::exists(path));
    auto back = read_spool_file(path);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back->raw, *sample().raw);
    EXPECT_TRUE(std::filesystem::is_empty(q.directory() + "/tmp"));
    OutboundMessage bad = sample();
    bad.id = "../escape";
    EXPECT_FALSE(q.write(bad).ok());
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace postino::delivery
