// Submission (STARTTLS) and submissions (implicit TLS): AUTH, sender
// ownership, relaying to the outbound queue, STARTTLS state reset.
#include "smtp_server/harness.hpp"

namespace postino::smtp::server::testing {
namespace {

constexpr const char* kMessage = "From: alice@example.test\r\nSubject: out\r\n\r\nbody\r\n";

TEST_F(SmtpTest, SubmissionNeedsAuthBeforeMail) {
  start();
  auto c = connect(sub_port_);
  c.cmd("EHLO client.test");
  EXPECT_TRUE(starts(c.cmd("MAIL FROM:<alice@example.test>"), "530 5.7.0"));
}

TEST_F(SmtpTest, AuthOverStartTlsRelaysToQueue) {
  start();
  auto c = connect(sub_port_);
  c.cmd("EHLO client.test");
  EXPECT_TRUE(starts(c.cmd("STARTTLS"), "220 2.0.0"));
  ASSERT_TRUE(c.start_tls());
  std::string ehlo = c.cmd("EHLO client.test");
  EXPECT_EQ(ehlo.find("STARTTLS"), std::string::npos) << ehlo;
  EXPECT_NE(ehlo.find("AUTH "), std::string::npos) << ehlo;
  EXPECT_TRUE(starts(scram_login(c, "alice@example.test", "alice-secret"), "235 2.7.0"));
  EXPECT_TRUE(starts(scram_login(c, "alice@example.test", "alice-secret"), "503 "));
  EXPECT_TRUE(starts(c.cmd("MAIL FROM:<bob@example.test>"), "553 5.7.1"));
  EXPECT_TRUE(starts(c.cmd("MAIL FROM:<>"), "553 5.7.1"));
  EXPECT_TRUE(starts(c.cmd("MAIL FROM:<alice@example.test> RET=HDRS ENVID=abc"), "250 "));
  EXPECT_TRUE(starts(c.cmd("RCPT TO:<friend@remote.test> NOTIFY=SUCCESS,FAILURE"), "250 "));
  EXPECT_TRUE(starts(c.cmd("RCPT TO:<bob@example.test>"), "250 "));
  c.cmd("DATA");
  EXPECT_TRUE(starts(c.cmd(std::string(kMessage) + "."), "250 2.6.0"));
  auto q = queue_.messages();
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].mail_from, "alice@example.test");
  EXPECT_EQ(q[0].rcpts, std::vector<std::string>{"friend@remote.test"});
  EXPECT_EQ(q[0].recipients[0].notify, "SUCCESS,FAILURE");
  EXPECT_EQ(q[0].dsn_ret, "HDRS");
  EXPECT_EQ(q[0].dsn_envid, "abc");
  EXPECT_EQ(q[0].authenticated_user, "alice@example.test");
  EXPECT_EQ(strip_received(*q[0].raw), kMessage);
  auto bob = inbox("bob@example.test");
  ASSERT_EQ(bob.size(), 1u);
  EXPECT_NE(bob[0].find("with ESMTPSA id"), std::string::npos) << bob[0];
  EXPECT_NE(bob[0].find("(version=TLSv1."), std::string::npos) << bob[0];
}

TEST_F(SmtpTest, ScramSha256) {
  start();
  auto c = connect(subs_port_, true);
  c.cmd("EHLO client.test");
  sasl::ScramClient scram("bob@example.test", "bob-secret");
  std::string r = c.cmd("AUTH SCRAM-SHA-256 " + base64_encode(scram.client_first()));
  ASSERT_TRUE(starts(r, "334 ")) << r;
  auto server_first = base64_decode(trim(r.substr(4)));
  ASSERT_TRUE(server_first.has_value());
  auto final_msg = scram.client_final(*server_first);
  ASSERT_TRUE(final_msg.ok());
  r = c.cmd(base64_encode(*final_msg));
  ASSERT_TRUE(starts(r, "334 ")) << r;
  auto server_final = base64_decode(trim(r.substr(4)));
  ASSERT_TRUE(server_final.has_value());
  EXPECT_TRUE(scram.verify_server_final(*server_final).ok());
  EXPECT_TRUE(starts(c.cmd(""), "235 2.7.0"));
}

TEST_F(SmtpTest, AuthBeforeTlsRefusedWhenNotAllowedOnLoopback) {
  Options o;
  o.plaintext_auth_on_loopback = false;
  start(o);
  auto c = connect(sub_port_);
  std::string ehlo = c.cmd("EHLO client.test");
  EXPECT_EQ(ehlo.find("AUTH"), std::string::npos) << ehlo;
  EXPECT_TRUE(starts(scram_login(c, "alice@example.test", "alice-secret"), "538 5.7.11"));
  EXPECT_TRUE(starts(c.cmd("STARTTLS"), "220 "));
  ASSERT_TRUE(c.start_tls());
  c.cmd("EHLO client.test");
  EXPECT_TRUE(starts(scram_login(c, "alice@example.test", "alice-secret"), "235 "));
}

TEST_F(SmtpTest, StartTlsDiscardsPipelinedPlaintextAndResetsState) {
  start();
  auto c = connect(mx_port_);
  c.cmd("EHLO client.test");
  EXPECT_TRUE(starts(scram_login(c, "alice@example.test", "alice-secret"), "235 "));
  // RFC 3207 §4.2: the MAIL sent with STARTTLS must never be acted upon.
  ASSERT_TRUE(c.send("STARTTLS\r\nMAIL FROM:<alice@example.test>\r\n"));
  EXPECT_TRUE(starts(c.reply(), "220 2.0.0"));
  ASSERT_TRUE(c.start_tls());
  // EHLO and the authentication are forgotten.
  EXPECT_TRUE(starts(c.cmd("MAIL FROM:<x@remote.test>"), "503 5.5.1"));
  c.cmd("EHLO client.test");
  EXPECT_TRUE(starts(c.cmd("MAIL FROM:<x@remote.test>"), "250 "));
  EXPECT_TRUE(starts(c.cmd("RCPT TO:<friend@remote.test>"), "550 5.7.1"));
  EXPECT_TRUE(starts(c.cmd("STARTTLS"), "503 "));
}

TEST_F(SmtpTest, AuthenticatedOnMxMayRelay) {
  start();
  auto c = connect(mx_port_);
  c.cmd("EHLO client.test");
  scram_login(c, "bob@example.test", "bob-secret");
  EXPECT_TRUE(starts(c.cmd("MAIL FROM:<x@remote.test>"), "553 5.7.1"));
  EXPECT_TRUE(starts(c.cmd("MAIL FROM:<bob@example.test>"), "250 "));
  EXPECT_TRUE(starts(c.cmd("RCPT TO:<friend@remote.test>"), "250 "));
}

TEST_F(SmtpTest, RelayRefusedOnEveryListenerWithoutAuth) {
  start();
  for (auto [port, tls] : {std::pair{mx_port_, false}, {sub_port_, false}, {subs_port_, true}}) {
    auto c = connect(port, tls);
    c.cmd("EHLO client.test");
    std::string mail = c.cmd("MAIL FROM:<alice@example.test>");
    if (starts(mail, "250")) {
      EXPECT_TRUE(starts(c.cmd("RCPT TO:<victim@remote.test>"), "550 5.7.1"));
    } else {
      EXPECT_TRUE(starts(mail, "530 5.7.0")) << mail;
    }
  }
  EXPECT_TRUE(queue_.messages().empty());
}

TEST_F(SmtpTest, QueueFailureIsTemporary) {
  start();
  queue_.fail = true;
  auto c = connect(subs_port_, true);
  c.cmd("EHLO client.test");
  scram_login(c, "alice@example.test", "alice-secret");
  c.cmd("MAIL FROM:<alice@example.test>");
  c.cmd("RCPT TO:<friend@remote.test>");
  c.cmd("DATA");
  EXPECT_TRUE(starts(c.cmd(std::string(kMessage) + "."), "451 4.3.0"));
}

}  // namespace
}  // namespace postino::smtp::server::testing
