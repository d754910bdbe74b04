// The MX listener: greeting, EHLO, sequencing, local delivery, relay and
// recipient policy, error limits, pipelining.
#include "base/metrics.hpp"
#include "smtp_server/harness.hpp"

namespace postino::smtp::server::testing {
namespace {

constexpr const char* kMessage =
    "From: x@remote.test\r\nTo: alice@example.test\r\nSubject: hi\r\n\r\nHello\r\n..dot\r\n";

TEST_F(SmtpTest, EhloAdvertisesExtensions) {
  start();
  auto c = connect(mx_port_);
  std::string r = c.cmd("EHLO client.test");
  EXPECT_TRUE(starts(r, "250-mail.example.test")) << r;
  for (const char* ext :
       {"PIPELINING", "SIZE 52428800", "8BITMIME", "SMTPUTF8", "ENHANCEDSTATUSCODES", "CHUNKING",
        "BINARYMIME", "DSN", "STARTTLS", "AUTH SCRAM-SHA-256 PLAIN LOGIN"})
    EXPECT_NE(r.find(std::string("250-") + ext + "\r\n"), std::string::npos) << ext << "\n" << r;
  EXPECT_TRUE(starts(c.cmd("HELO client.test"), "250 mail.example.test"));
  EXPECT_TRUE(starts(c.cmd("QUIT"), "221 2.0.0"));
}

TEST_F(SmtpTest, DeliversLocallyWithReceivedHeader) {
  start();
  auto c = connect(mx_port_);
  c.cmd("EHLO client.test");
  EXPECT_TRUE(starts(c.cmd("MAIL FROM:<x@remote.test>"), "250 2.1.0"));
  EXPECT_TRUE(starts(c.cmd("RCPT TO:<alice@example.test>"), "250 2.1.5"));
  EXPECT_TRUE(starts(c.cmd("DATA"), "354 "));
  std::string r = c.cmd(std::string(kMessage) + ".");
  EXPECT_TRUE(starts(r, "250 2.6.0")) << r;
  auto msgs = inbox("alice@example.test");
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_TRUE(starts(msgs[0], "Received: from client.test ([127.0.0.1])\r\n\tby mail.example.test"))
      << msgs[0];
  EXPECT_NE(msgs[0].find("with ESMTP id "), std::string::npos);
  EXPECT_NE(msgs[0].find("for <alice@example.test>;"), std::string::npos) << msgs[0];
  // Byte-exact after the trace header, dot-unstuffed.
  EXPECT_EQ(
      strip_received(msgs[0]),
      "From: x@remote.test\r\nTo: alice@example.test\r\nSubject: hi\r\n\r\nHello\r\n.dot\r\n");
  EXPECT_TRUE(inbox("bob@example.test").empty());
}

TEST_F(SmtpTest, OneMessageForSeveralLocalRecipientsIsStoredOnceEach) {
  start();
  auto c = connect(mx_port_);
  c.cmd("EHLO client.test");
  c.cmd("MAIL FROM:<>");
  EXPECT_TRUE(starts(c.cmd("RCPT TO:<alice@example.test>"), "250 "));
  EXPECT_TRUE(starts(c.cmd("RCPT TO:<BOB@Example.Test>"), "250 "));
  EXPECT_TRUE(starts(c.cmd("RCPT TO:<alice@example.test>"), "250 "));  // duplicate
  c.cmd("DATA");
  EXPECT_TRUE(starts(c.cmd(std::string(kMessage) + "."), "250 2.6.0"));
  EXPECT_EQ(inbox("alice@example.test").size(), 1u);
  ASSERT_EQ(inbox("bob@example.test").size(), 1u);
  EXPECT_EQ(inbox("bob@example.test")[0].find("for <"), std::string::npos);
  EXPECT_EQ(backend_->stats().blobs_written, 1u);
}

TEST_F(SmtpTest, UnknownUserAndRelayAreRefused) {
  start();
  auto c = connect(mx_port_);
  c.cmd("EHLO client.test");
  c.cmd("MAIL FROM:<x@remote.test>");
  EXPECT_TRUE(starts(c.cmd("RCPT TO:<nobody@example.test>"), "550 5.1.1"));
  EXPECT_TRUE(starts(c.cmd("RCPT TO:<victim@elsewhere.test>"), "550 5.7.1"));
  EXPECT_TRUE(starts(c.cmd("RCPT TO:<alice@[127.0.0.1]>"), "550 5.7.1"));
  EXPECT_TRUE(starts(c.cmd("RCPT TO:<\"alice@example.test\"@elsewhere.test>"), "550 5.7.1"));
  EXPECT_TRUE(starts(c.cmd("RCPT TO:<alice%example.test@elsewhere.test>"), "550 5.7.1"));
  EXPECT_TRUE(starts(c.cmd("RCPT TO:<@elsewhere.test:alice@example.test>"), "250 2.1.5"));
  EXPECT_TRUE(queue_.messages().empty());
}

TEST_F(SmtpTest, AliasesPlusAddressingAndCatchAll) {
  start();
  ASSERT_TRUE(backend_->add_alias("info@example.test", "bob@example.test").ok());
  ASSERT_TRUE(backend_->add_alias("fwd@example.test", "someone@remote.test").ok());
  auto c = connect(mx_port_);
  c.cmd("EHLO client.test");
  c.cmd("MAIL FROM:<x@remote.test>");
  EXPECT_TRUE(starts(c.cmd("RCPT TO:<info@example.test>"), "250 "));
  EXPECT_TRUE(starts(c.cmd("RCPT TO:<alice+lists@example.test>"), "250 "));
  EXPECT_TRUE(starts(c.cmd("RCPT TO:<fwd@example.test>"), "250 "));
  EXPECT_TRUE(starts(c.cmd("RCPT TO:<random@example.test>"), "550 5.1.1"));
  c.cmd("DATA");
  EXPECT_TRUE(starts(c.cmd(std::string(kMessage) + "."), "250 "));
  EXPECT_EQ(inbox("alice@example.test").size(), 1u);
  EXPECT_EQ(inbox("bob@example.test").size(), 1u);
  auto q = queue_.messages();
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].rcpts, std::vector<std::string>{"someone@remote.test"});

  ASSERT_TRUE(backend_->add_alias("@example.test", "alice@example.test").ok());
  c.cmd("MAIL FROM:<x@remote.test>");
  EXPECT_TRUE(starts(c.cmd("RCPT TO:<random@example.test>"), "250 "));
}

TEST_F(SmtpTest, SequencingErrorsChangeNothing) {
  start();
  auto c = connect(mx_port_);
  EXPECT_TRUE(starts(c.cmd("MAIL FROM:<x@remote.test>"), "503 5.5.1"));
  c.cmd("EHLO client.test");
  EXPECT_TRUE(starts(c.cmd("RCPT TO:<alice@example.test>"), "503 5.5.1"));
  EXPECT_TRUE(starts(c.cmd("DATA"), "503 5.5.1"));
  EXPECT_TRUE(starts(c.cmd("FOO bar"), "500 5.5.1"));
  EXPECT_TRUE(starts(c.cmd("MAIL FROM:bad"), "501 "));
  EXPECT_TRUE(starts(c.cmd("MAIL FROM:<x@remote.test>"), "250 "));
  EXPECT_TRUE(starts(c.cmd("MAIL FROM:<x@remote.test>"), "503 5.5.1"));
  EXPECT_TRUE(starts(c.cmd("DATA"), "554 5.5.1"));  // no recipients yet
  EXPECT_TRUE(starts(c.cmd("VRFY alice"), "252 2.5.0"));
  EXPECT_TRUE(starts(c.cmd("EXPN list"), "502 5.5.1"));
  EXPECT_TRUE(starts(c.cmd("HELP"), "214 2.0.0"));
  EXPECT_TRUE(starts(c.cmd("NOOP"), "250 2.0.0"));
  EXPECT_TRUE(starts(c.cmd("RSET"), "250 2.0.0"));
  EXPECT_TRUE(starts(c.cmd("RCPT TO:<alice@example.test>"), "503 5.5.1"));
}

TEST_F(SmtpTest, ErrorLimitCloses) {
  Options o;
  o.max_errors = 3;
  start(o);
  auto c = connect(mx_port_);
  EXPECT_TRUE(starts(c.cmd("BOGUS"), "500 "));
  EXPECT_TRUE(starts(c.cmd("BOGUS"), "500 "));
  std::string r = c.cmd("BOGUS");
  EXPECT_NE(r.find("500 5.5.1"), std::string::npos) << r;
  std::string rest = r.find("421") == std::string::npos ? c.reply() : r;
  EXPECT_NE(rest.find("421 4.7.0"), std::string::npos) << rest;
  EXPECT_EQ(c.read_all(), "");
}

TEST_F(SmtpTest, LongCommandLineIsRefusedAndSessionLives) {
  start();
  auto c = connect(mx_port_);
  c.cmd("EHLO client.test");
  EXPECT_TRUE(starts(c.cmd("NOOP " + std::string(5000, 'x')), "500 5.5.2"));
  EXPECT_TRUE(starts(c.cmd("NOOP " + std::string(20000, 'x')), "500 5.5.2"));
  EXPECT_TRUE(starts(c.cmd("NOOP"), "250 "));
}

TEST_F(SmtpTest, FiftyPipelinedRecipients) {
  start();
  std::string batch = "EHLO client.test\r\nMAIL FROM:<x@remote.test>\r\n";
  for (int i = 0; i < 50; ++i)
    batch += "RCPT TO:<alice+" + std::to_string(i) + "@example.test>\r\n";
  batch += "DATA\r\n";
  auto c = connect(mx_port_);
  ASSERT_TRUE(c.send(batch));
  EXPECT_TRUE(starts(c.reply(), "250-"));
  EXPECT_TRUE(starts(c.reply(), "250 2.1.0"));
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(starts(c.reply(), "250 2.1.5")) << i;
  EXPECT_TRUE(starts(c.reply(), "354 "));
  EXPECT_TRUE(starts(c.cmd(std::string(kMessage) + "."), "250 2.6.0"));
  EXPECT_EQ(inbox("alice@example.test").size(), 1u);
}

TEST_F(SmtpTest, RecipientLimit) {
  Options o;
  o.max_recipients = 2;
  start(o);
  auto c = connect(mx_port_);
  c.cmd("EHLO client.test");
  c.cmd("MAIL FROM:<x@remote.test>");
  EXPECT_TRUE(starts(c.cmd("RCPT TO:<alice@example.test>"), "250 "));
  EXPECT_TRUE(starts(c.cmd("RCPT TO:<bob@example.test>"), "250 "));
  EXPECT_TRUE(starts(c.cmd("RCPT TO:<alice+x@example.test>"), "452 4.5.3"));
}

TEST_F(SmtpTest, OverQuotaAtRcpt) {
  start();
  ASSERT_TRUE(backend_->set_quota("bob@example.test", 100).ok());
  auto c = connect(mx_port_);
  c.cmd("EHLO client.test");
  c.cmd("MAIL FROM:<x@remote.test> SIZE=500");
  EXPECT_TRUE(starts(c.cmd("RCPT TO:<bob@example.test>"), "452 4.2.2"));
  EXPECT_TRUE(starts(c.cmd("RCPT TO:<alice@example.test>"), "250 "));
}

TEST_F(SmtpTest, NonAsciiNeedsSmtputf8) {
  start();
  auto c = connect(mx_port_);
  c.cmd("EHLO client.test");
  EXPECT_TRUE(starts(c.cmd("MAIL FROM:<j\xc3\xb6rg@remote.test>"), "553 5.6.7"));
  EXPECT_TRUE(starts(c.cmd("MAIL FROM:<j\xc3\xb6rg@remote.test> SMTPUTF8"), "250 "));
  EXPECT_TRUE(starts(c.cmd("RCPT TO:<alice@example.test>"), "250 "));
  c.cmd("DATA");
  EXPECT_TRUE(starts(c.cmd(std::string(kMessage) + "."), "250 "));
  auto msgs = inbox("alice@example.test");
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_NE(msgs[0].find("with UTF8SMTP id"), std::string::npos);
}

TEST_F(SmtpTest, MetricsCountCommandsAndRejects) {
  start();
  auto& rejects = metrics::counter("postino_smtp_rejects_total", "", {{"reason", "relay_denied"}});
  uint64_t before = rejects.value();
  auto c = connect(mx_port_);
  c.cmd("EHLO client.test");
  c.cmd("MAIL FROM:<x@remote.test>");
  c.cmd("RCPT TO:<a@elsewhere.test>");
  EXPECT_EQ(rejects.value(), before + 1);
  std::string text = metrics::render_prometheus();
  EXPECT_NE(text.find("postino_smtp_commands_total{cmd=\"EHLO\"}"), std::string::npos);
}

}  // namespace
}  // namespace postino::smtp::server::testing
