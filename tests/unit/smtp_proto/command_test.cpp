#include "smtp/proto/command.hpp"

#include <gtest/gtest.h>

#include <string>

#include "base/strings.hpp"

namespace postino::smtp {
namespace {

Command ok(std::string_view line) {
  auto r = parse_command(line);
  EXPECT_TRUE(r.ok()) << line << ": " << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : Command{};
}

const ReplyCode& err(std::string_view line) {
  auto r = parse_command(line);
  EXPECT_FALSE(r.ok()) << line;
  static const Error none{};
  return command_error_reply(r.ok() ? none : r.error());
}

TEST(Command, HeloEhlo) {
  auto c = ok("EHLO mail.example.com");
  EXPECT_EQ(c.verb, Verb::Ehlo);
  EXPECT_EQ(c.argument, "mail.example.com");
  EXPECT_FALSE(c.argument_is_literal);
  c = ok("helo Example.ORG");
  EXPECT_EQ(c.verb, Verb::Helo);
  EXPECT_EQ(c.argument, "Example.ORG");
  c = ok("EHLO [192.0.2.1]");
  EXPECT_TRUE(c.argument_is_literal);
  c = ok("EHLO [IPv6:2001:db8::1]");
  EXPECT_TRUE(c.argument_is_literal);
  c = ok("EHLO my_pc.local");  // underscore tolerated
  c = ok("EHLO bücher.example");
  EXPECT_TRUE(c.has_8bit);
  EXPECT_EQ(err("EHLO").code, 501);
  EXPECT_EQ(err("EHLO bad..domain").code, 501);
  EXPECT_EQ(err("EHLO -bad.example").code, 501);
  EXPECT_EQ(err("EHLO [300.1.1.1]").code, 501);
  EXPECT_EQ(err("EHLO [IPv6:zz::1]").code, 501);
  EXPECT_EQ(err("EHLO a.example extra").code, 501);
}

TEST(Command, MailFrom) {
  auto c = ok("MAIL FROM:<alice@example.com>");
  EXPECT_EQ(c.verb, Verb::Mail);
  EXPECT_EQ(c.path.local, "alice");
  EXPECT_EQ(c.path.domain, "example.com");
  EXPECT_FALSE(c.path.null);
  c = ok("mail from:<>");
  EXPECT_TRUE(c.path.null);
  c = ok("MAIL FROM: <bob@example.com>");  // space after colon tolerated
  EXPECT_EQ(c.path.local, "bob");
  c = ok("MAIL FROM:<a@b.example> SIZE=12345 BODY=8BITMIME");
  ASSERT_TRUE(c.mail.size);
  EXPECT_EQ(*c.mail.size, 12345u);
  ASSERT_TRUE(c.mail.body);
  EXPECT_EQ(*c.mail.body, BodyType::EightBitMime);
  c = ok("MAIL FROM:<a@b.example> SMTPUTF8 BODY=BINARYMIME RET=HDRS ENVID=QQ+2B1 AUTH=<>");
  EXPECT_TRUE(c.mail.smtputf8);
  EXPECT_EQ(*c.mail.body, BodyType::BinaryMime);
  EXPECT_EQ(*c.mail.ret, DsnRet::Headers);
  EXPECT_EQ(*c.mail.envid, "QQ+1");
  EXPECT_EQ(*c.mail.auth, "");
  c = ok("MAIL FROM:<a@b.example> AUTH=e+3Dmc2@example.com");
  EXPECT_EQ(*c.mail.auth, "e=mc2@example.com");
  c = ok("MAIL FROM:<a@b.example>   ");  // trailing space tolerated
  EXPECT_EQ(c.path.domain, "b.example");
  c = ok("MAIL FROM:<jöe@exämple.org> SMTPUTF8");
  EXPECT_TRUE(c.has_8bit);
  EXPECT_TRUE(c.path.utf8);
  c = ok("MAIL FROM:<a@b.example>");
  EXPECT_FALSE(c.has_8bit);

  EXPECT_EQ(err("MAIL").code, 501);
  EXPECT_EQ(err("MAIL TO:<a@b.example>").code, 501);
  EXPECT_EQ(err("MAIL FROM:a@b.example").code, 501);
  EXPECT_EQ(err("MAIL FROM:<a@b.example").code, 501);
  EXPECT_EQ(err("MAIL FROM:<a@b.example>SIZE=1").code, 501);
  EXPECT_EQ(err("MAIL FROM:<a@b.example> SIZE=abc").code, 501);
  EXPECT_EQ(err("MAIL FROM:<a@b.example> SIZE=").code, 501);
  EXPECT_EQ(err("MAIL FROM:<a@b.example> SIZE=123456789012345678901").code, 501);
  EXPECT_EQ(err("MAIL FROM:<a@b.example> BODY=9BIT").code, 501);
  EXPECT_EQ(err("MAIL FROM:<a@b.example> RET=ALL").code, 501);
  EXPECT_EQ(err("MAIL FROM:<a@b.example> SMTPUTF8=yes").code, 501);
  EXPECT_EQ(err("MAIL FROM:<a@b.example> ENVID=a+zz").code, 501);
  EXPECT_EQ(err("MAIL FROM:<a@b.example> ENVID=" + std::string(101, 'x')).code, 501);
  const auto& dup = err("MAIL FROM:<a@b.example> SIZE=1 size=2");
  EXPECT_EQ(dup.code, 555);
  EXPECT_EQ(dup.enhanced, "5.5.4");
  EXPECT_EQ(err("MAIL FROM:<a@b.example> FOO=bar").code, 555);
  EXPECT_EQ(err("MAIL FROM:<a@b.example> NOTIFY=NEVER").code, 555);  // RCPT-only
}

TEST(Command, RcptTo) {
  auto c = ok("RCPT TO:<bob@example.com>");
  EXPECT_EQ(c.verb, Verb::Rcpt);
  EXPECT_EQ(c.path.address(), "bob@example.com");
  c = ok("RCPT TO:<Postmaster>");
  EXPECT_TRUE(c.path.postmaster);
  EXPECT_TRUE(c.path.domain.empty());
  c = ok("RCPT TO:<postmaster@example.com>");
  EXPECT_TRUE(c.path.postmaster);
  c = ok("RCPT TO:<u@example.com> NOTIFY=SUCCESS,DELAY ORCPT=rfc822;u+40example.com");
  EXPECT_TRUE(c.rcpt.notify_set);
  EXPECT_TRUE(c.rcpt.notify_success);
  EXPECT_TRUE(c.rcpt.notify_delay);
  EXPECT_FALSE(c.rcpt.notify_failure);
  ASSERT_TRUE(c.rcpt.orcpt);
  EXPECT_EQ(c.rcpt.orcpt->addr_type, "rfc822");
  EXPECT_EQ(c.rcpt.orcpt->address, "u@example.com");
  c = ok("RCPT TO:<u@example.com> NOTIFY=never");
  EXPECT_TRUE(c.rcpt.notify_never);

  EXPECT_EQ(err("RCPT TO:<>").code, 501);
  EXPECT_EQ(err("RCPT TO:").code, 501);
  EXPECT_EQ(err("RCPT FROM:<a@b.example>").code, 501);
  EXPECT_EQ(err("RCPT TO:<u@example.com> NOTIFY=NEVER,SUCCESS").code, 501);
  EXPECT_EQ(err("RCPT TO:<u@example.com> NOTIFY=SUCCESS,SUCCESS").code, 501);
  EXPECT_EQ(err("RCPT TO:<u@example.com> NOTIFY=SOMETIMES").code, 501);
  EXPECT_EQ(err("RCPT TO:<u@example.com> ORCPT=rfc822").code, 501);
  EXPECT_EQ(err("RCPT TO:<u@example.com> ORCPT=;a@b").code, 501);
  EXPECT_EQ(err("RCPT TO:<u@example.com> SIZE=10").code, 555);
  EXPECT_EQ(err("RCPT TO:<u@example.com> NOTIFY=NEVER NOTIFY=NEVER").code, 555);
}

TEST(Command, SimpleVerbs) {
  EXPECT_EQ(ok("DATA").verb, Verb::Data);
  EXPECT_EQ(ok("data").verb, Verb::Data);
  EXPECT_EQ(ok("RSET").verb, Verb::Rset);
  EXPECT_EQ(ok("QUIT").verb, Verb::Quit);
  EXPECT_EQ(ok("STARTTLS").verb, Verb::StartTls);
  EXPECT_EQ(ok("NOOP").verb, Verb::Noop);
  EXPECT_EQ(ok("NOOP hello there").argument, "hello there");
  EXPECT_EQ(ok("HELP").argument, "");
  EXPECT_EQ(ok("HELP MAIL").argument, "MAIL");
  EXPECT_EQ(ok("VRFY alice").argument, "alice");
  EXPECT_EQ(ok("EXPN staff").verb, Verb::Expn);
  EXPECT_EQ(err("DATA now").code, 501);
  EXPECT_EQ(err("RSET x").code, 501);
  EXPECT_EQ(err("QUIT please").code, 501);
  EXPECT_EQ(err("STARTTLS x").code, 501);
  EXPECT_EQ(err("VRFY").code, 501);
  EXPECT_EQ(err("EXPN").code, 501);
}

TEST(Command, UnknownAndMalformed) {
  const auto& u = err("FOO bar");
  EXPECT_EQ(u.code, 500);
  EXPECT_EQ(u.enhanced, "5.5.1");
  EXPECT_EQ(err("").code, 500);
  EXPECT_EQ(err(" EHLO x").code, 500);
  EXPECT_EQ(err("MAILFROM:<a@b>").code, 500);
  EXPECT_EQ(err(std::string("NOOP a\0b", 8)).code, 501);
  EXPECT_EQ(err("NOOP a\nb").code, 501);
}

TEST(Command, LineLengthLimits) {
  std::string noop = "NOOP " + std::string(kMaxCommandLine - 2 - 5, 'x');
  EXPECT_TRUE(parse_command(noop).ok());
  const auto& too_long = err(noop + "x");
  EXPECT_EQ(too_long.code, 500);
  EXPECT_EQ(too_long.enhanced, "5.5.2");
  EXPECT_EQ(err(std::string(600, 'Z')).code, 500);
  // AUTH may be longer (RFC 4954 §4).
  std::string auth = "AUTH PLAIN " + std::string(4000, 'A');
  EXPECT_TRUE(parse_command(auth).ok());
  EXPECT_EQ(err("AUTH PLAIN " + std::string(kMaxAuthCommandLine, 'A')).code, 500);
  // MAIL may carry extension parameters beyond 512.
  std::string mail = "MAIL FROM:<a@b.example> ENVID=" + std::string(100, 'e') +
                     " AUTH=" + std::string(400, 'a') + "@x";
  EXPECT_GT(mail.size(), kMaxCommandLine);
  EXPECT_TRUE(parse_command(mail).ok());
}

TEST(Command, Bdat) {
  auto c = ok("BDAT 1000");
  EXPECT_EQ(c.verb, Verb::Bdat);
  EXPECT_EQ(c.bdat_size, 1000u);
  EXPECT_FALSE(c.bdat_last);
  c = ok("BDAT 0 LAST");
  EXPECT_EQ(c.bdat_size, 0u);
  EXPECT_TRUE(c.bdat_last);
  c = ok("bdat 5 last");
  EXPECT_TRUE(c.bdat_last);
  EXPECT_EQ(err("BDAT").code, 501);
  EXPECT_EQ(err("BDAT x").code, 501);
  EXPECT_EQ(err("BDAT -1").code, 501);
  EXPECT_EQ(err("BDAT 10 FIRST").code, 501);
  EXPECT_EQ(err("BDAT 10 LAST x").code, 501);
  EXPECT_EQ(err("BDAT 99999999999999999999999").code, 501);
}

TEST(Command, Auth) {
  auto c = ok("AUTH plain");
  EXPECT_EQ(c.verb, Verb::Auth);
  EXPECT_EQ(c.auth_mechanism, "PLAIN");
  EXPECT_FALSE(c.auth_initial_response);
  c = ok("AUTH PLAIN AGFsaWNlAHB3");
  ASSERT_TRUE(c.auth_initial_response);
  EXPECT_EQ(*c.auth_initial_response, std::string("\0alice\0pw", 9));
  c = ok("AUTH SCRAM-SHA-256 =");
  ASSERT_TRUE(c.auth_initial_response);
  EXPECT_EQ(*c.auth_initial_response, "");
  EXPECT_EQ(err("AUTH").code, 501);
  EXPECT_EQ(err("AUTH PL@IN").code, 501);
  EXPECT_EQ(err("AUTH PLAIN not-base64").code, 501);
  EXPECT_EQ(err("AUTH PLAIN AAAA BBBB").code, 501);
  EXPECT_EQ(err("AUTH THIS-MECHANISM-NAME-IS-TOO-LONG").code, 501);
}

TEST(Command, VerbNames) {
  EXPECT_EQ(verb_name(Verb::StartTls), "STARTTLS");
  EXPECT_EQ(verb_name(Verb::Bdat), "BDAT");
}

}  // namespace
}  // namespace postino::smtp
