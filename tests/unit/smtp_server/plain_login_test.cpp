// AUTH PLAIN and LOGIN (RFC 4954 framing: 334 challenges, "*" cancel,
// base64 errors) through the shared Authenticator.
#include "smtp_server/harness.hpp"

namespace postino::smtp::server::testing {
namespace {

constexpr const char* kMessage = "From: alice@example.test\r\nSubject: out\r\n\r\nbody\r\n";

TEST_F(SmtpTest, AuthPlainOverStartTls) {
  start();
  auto c = connect(sub_port_);
  c.cmd("EHLO client.test");
  ASSERT_TRUE(starts(c.cmd("STARTTLS"), "220 "));
  ASSERT_TRUE(c.start_tls());
  c.cmd("EHLO client.test");
  EXPECT_TRUE(starts(c.cmd("AUTH PLAIN " + plain_token("alice@example.test", "alice-secret")),
                     "235 2.7.0"));
  EXPECT_TRUE(starts(c.cmd("MAIL FROM:<alice@example.test>"), "250 "));
}

TEST_F(SmtpTest, AuthLoginOnImplicitTlsAndAliasSender) {
  start();
  ASSERT_TRUE(backend_->add_alias("sales@example.test", "alice@example.test").ok());
  auto c = connect(subs_port_, /*implicit_tls=*/true);
  std::string ehlo = c.cmd("EHLO client.test");
  EXPECT_EQ(ehlo.find("STARTTLS"), std::string::npos);
  EXPECT_TRUE(starts(c.cmd("AUTH LOGIN"), "334 " + base64_encode("Username:")));
  EXPECT_TRUE(starts(c.cmd(base64_encode("alice@example.test")), "334 "));
  EXPECT_TRUE(starts(c.cmd(base64_encode("alice-secret")), "235 2.7.0"));
  EXPECT_TRUE(starts(c.cmd("MAIL FROM:<sales@example.test>"), "250 "));
  c.cmd("RSET");
  EXPECT_TRUE(starts(c.cmd("MAIL FROM:<alice+tag@example.test>"), "250 "));
  c.cmd("RSET");
  EXPECT_TRUE(starts(c.cmd("MAIL FROM:<alice@elsewhere.test>"), "553 5.7.1"));
}

TEST_F(SmtpTest, WrongPasswordCancelAndBadBase64) {
  start();
  auto c = connect(subs_port_, true);
  c.cmd("EHLO client.test");
  EXPECT_TRUE(
      starts(c.cmd("AUTH PLAIN " + plain_token("alice@example.test", "wrong")), "535 5.7.8"));
  EXPECT_TRUE(starts(c.cmd("AUTH PLAIN"), "334 "));
  EXPECT_TRUE(starts(c.cmd("*"), "501 "));
  EXPECT_TRUE(starts(c.cmd("AUTH LOGIN"), "334 "));
  EXPECT_TRUE(starts(c.cmd("!!!notbase64"), "501 5.5.2"));
  EXPECT_TRUE(starts(c.cmd("AUTH CRAM-MD5"), "504 5.5.4"));
  EXPECT_TRUE(starts(c.cmd("MAIL FROM:<alice@example.test>"), "530 5.7.0"));
}

}  // namespace
}  // namespace postino::smtp::server::testing
