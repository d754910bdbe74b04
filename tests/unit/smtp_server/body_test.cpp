// DATA and BDAT: the four smuggling sequences, SIZE at MAIL and mid-body,
// chunking with BINARYMIME, normalisation when configured.
#include "smtp_server/harness.hpp"

namespace postino::smtp::server::testing {
namespace {

class BodyTest : public SmtpTest {
 protected:
  SmtpClient open_transaction() {
    auto c = connect(mx_port_);
    c.cmd("EHLO client.test");
    EXPECT_TRUE(starts(c.cmd("MAIL FROM:<x@remote.test>"), "250 "));
    EXPECT_TRUE(starts(c.cmd("RCPT TO:<alice@example.test>"), "250 "));
    return c;
  }
};

// Each sequence would end the message in a lenient parser and start a
// second, smuggled transaction. Here the message only ends at CRLF.CRLF,
// the bare newline makes it a 5xx, and nothing is delivered.
TEST_F(BodyTest, SmugglingSequencesAreRefused) {
  start();
  const char* seqs[] = {"\n.\n", "\n.\r\n", "\r\n.\n", "\r.\r\n"};
  for (const char* seq : seqs) {
    auto c = open_transaction();
    EXPECT_TRUE(starts(c.cmd("DATA"), "354 "));
    std::string smuggled = std::string("Subject: a\r\n\r\nfirst") + seq +
                           "MAIL FROM:<evil@remote.test>\r\nRCPT TO:<bob@example.test>\r\n"
                           "DATA\r\nSubject: smuggled\r\n\r\nevil\r\n.\r\n";
    ASSERT_TRUE(c.send(smuggled));
    std::string r = c.reply();
    EXPECT_TRUE(starts(r, "550 5.5.2")) << r;
    // The session is still in step: the next command is answered normally.
    EXPECT_TRUE(starts(c.cmd("NOOP"), "250 ")) << seq;
  }
  EXPECT_TRUE(inbox("alice@example.test").empty());
  EXPECT_TRUE(inbox("bob@example.test").empty());
}

TEST_F(BodyTest, BareNewlinesNormalisedWhenConfigured) {
  Options o;
  o.normalize_bare_lf = true;
  start(o);
  auto c = open_transaction();
  c.cmd("DATA");
  EXPECT_TRUE(starts(c.cmd("Subject: a\r\n\r\nfirst\n.\nstill body\r\n."), "250 "));
  auto msgs = inbox("alice@example.test");
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(strip_received(msgs[0]), "Subject: a\r\n\r\nfirst\r\n.\r\nstill body\r\n");
}

TEST_F(BodyTest, SizeAtMailAndMidData) {
  Options o;
  o.max_message_size = 1000;
  start(o);
  auto c = connect(mx_port_);
  std::string ehlo = c.cmd("EHLO client.test");
  EXPECT_NE(ehlo.find("250-SIZE 1000\r\n"), std::string::npos);
  EXPECT_TRUE(starts(c.cmd("MAIL FROM:<x@remote.test> SIZE=1001"), "552 5.3.4"));
  EXPECT_TRUE(starts(c.cmd("MAIL FROM:<x@remote.test> SIZE=900"), "250 "));
  c.cmd("RCPT TO:<alice@example.test>");
  c.cmd("DATA");
  std::string big = "Subject: big\r\n\r\n";
  for (int i = 0; i < 50; ++i) big += std::string(70, 'a') + "\r\n";
  EXPECT_TRUE(starts(c.cmd(big + "."), "552 5.3.4"));
  EXPECT_TRUE(starts(c.cmd("RCPT TO:<alice@example.test>"), "503 "));  // transaction is gone
  EXPECT_TRUE(inbox("alice@example.test").empty());
}

TEST_F(BodyTest, BdatChunksWithPipelining) {
  start();
  auto c = open_transaction();
  std::string part1 = "Subject: chunked\r\n\r\nline one\r\n";
  std::string part2 = "line two\r\n.not stuffed\r\n";
  ASSERT_TRUE(c.send("BDAT " + std::to_string(part1.size()) + "\r\n" + part1 + "BDAT " +
                     std::to_string(part2.size()) + " LAST\r\n" + part2));
  EXPECT_TRUE(starts(c.reply(), "250 2.0.0"));
  EXPECT_TRUE(starts(c.reply(), "250 2.6.0"));
  auto msgs = inbox("alice@example.test");
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(strip_received(msgs[0]), part1 + part2);
}

TEST_F(BodyTest, BdatBinaryMimeKeepsBytesAndDataIsRefused) {
  start();
  auto c = connect(mx_port_);
  c.cmd("EHLO client.test");
  c.cmd("MAIL FROM:<x@remote.test> BODY=BINARYMIME");
  c.cmd("RCPT TO:<alice@example.test>");
  EXPECT_TRUE(starts(c.cmd("DATA"), "503 "));
  std::string body = std::string("Subject: bin\r\n\r\n") + std::string("\x00\x01\n\r\xff", 5);
  ASSERT_TRUE(c.send("BDAT " + std::to_string(body.size()) + " LAST\r\n" + body));
  EXPECT_TRUE(starts(c.reply(), "250 2.6.0"));
  auto msgs = inbox("alice@example.test");
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(strip_received(msgs[0]), body);
}

TEST_F(BodyTest, BdatWithoutTransactionIsConsumedThenRefused) {
  start();
  auto c = connect(mx_port_);
  c.cmd("EHLO client.test");
  ASSERT_TRUE(c.send("BDAT 10 LAST\r\nNOOP\r\nNOOP"));
  EXPECT_TRUE(starts(c.reply(), "503 "));
  EXPECT_TRUE(starts(c.cmd("NOOP"), "250 "));
}

TEST_F(BodyTest, BdatBareLfRefusedAndLaterChunksToo) {
  start();
  auto c = open_transaction();
  std::string bad = "Subject: a\r\n\r\nx\n.\n";
  ASSERT_TRUE(c.send("BDAT " + std::to_string(bad.size()) + "\r\n" + bad));
  EXPECT_TRUE(starts(c.reply(), "550 5.5.2"));
  ASSERT_TRUE(c.send("BDAT 3 LAST\r\nok\n"));
  EXPECT_TRUE(starts(c.reply(), "503 "));
  EXPECT_TRUE(starts(c.cmd("RSET"), "250 "));
  EXPECT_TRUE(inbox("alice@example.test").empty());
}

TEST_F(BodyTest, StoreQuotaFailureAfterDataIsTemporary) {
  start();
  auto c = open_transaction();
  ASSERT_TRUE(backend_->set_quota("alice@example.test", 10).ok());
  c.cmd("DATA");
  EXPECT_TRUE(starts(c.cmd("Subject: q\r\n\r\nsome body text\r\n."), "452 4.2.2"));
  EXPECT_TRUE(inbox("alice@example.test").empty());
}

}  // namespace
}  // namespace postino::smtp::server::testing
