// Client-side reply handling: assembling replies (every split), EHLO
// capabilities, status codes, stored reply lines, dot-stuffing, xtext.
#include "smtp/proto/reply.hpp"

#include <gtest/gtest.h>

#include "smtp/client/capabilities.hpp"
#include "smtp/client/dot_stuff.hpp"
#include "smtp/client/session.hpp"

namespace postino::smtp::client {
namespace {

Result<Reply> assemble(const std::vector<std::string>& lines) {
  ReplyAssembler a;
  for (size_t i = 0; i < lines.size(); ++i) {
    auto r = a.add(lines[i]);
    if (!r) return r.take_error();
    if (*r) {
      EXPECT_EQ(i + 1, lines.size()) << "reply ended early";
      return std::move(**r);
    }
  }
  return make_error(Errc::invalid, "incomplete");
}

TEST(ClientReply, MultiLineEhloGivesCapabilities) {
  auto r = assemble({"250-mx.example.net Hello", "250-PIPELINING", "250-SIZE 10240000",
                     "250-8bitmime", "250-STARTTLS", "250-DSN", "250-SMTPUTF8", "250-CHUNKING",
                     "250-X-UNKNOWN foo", "250 ENHANCEDSTATUSCODES"});
  ASSERT_TRUE(r.ok()) << r.error().message;
  Capabilities c = parse_ehlo(*r);
  EXPECT_TRUE(c.esmtp);
  EXPECT_TRUE(c.pipelining);
  EXPECT_TRUE(c.size);
  EXPECT_EQ(c.size_limit, 10240000u);
  EXPECT_TRUE(c.eightbitmime);  // keywords are case-insensitive
  EXPECT_TRUE(c.starttls);
  EXPECT_TRUE(c.dsn);
  EXPECT_TRUE(c.smtputf8);
  EXPECT_TRUE(c.chunking);
  EXPECT_TRUE(c.enhancedstatuscodes);
  ASSERT_EQ(c.others.size(), 1u);
  EXPECT_EQ(c.others[0], "X-UNKNOWN");
}

TEST(ClientReply, GreetingLineIsNotACapability) {
  auto r = assemble({"250 STARTTLS"});  // a one-line reply: only the greeting
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(parse_ehlo(*r).starttls);
}

TEST(ClientReply, SizeWithoutNumberMeansNoLimit) {
  auto r = assemble({"250-mx", "250 SIZE"});
  ASSERT_TRUE(r.ok());
  auto c = parse_ehlo(*r);
  EXPECT_TRUE(c.size);
  EXPECT_EQ(c.size_limit, 0u);
}

TEST(ClientReply, EnhancedCodeSplitAndStatus) {
  auto r = assemble({"550-5.1.1 No such user", "550 5.1.1 here"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->code, 550);
  EXPECT_EQ(r->enhanced, "5.1.1");
  EXPECT_EQ(status_of(*r), "5.1.1");
  EXPECT_EQ(reply_line(*r), "550 5.1.1 No such user here");
  auto plain = assemble({"451 try later"});
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(status_of(*plain), "4.0.0");  // RFC 3463 §3.1 class only
  EXPECT_TRUE(plain->transient());
}

TEST(ClientReply, MalformedRepliesAreErrors) {
  EXPECT_FALSE(assemble({"25 short"}).ok());
  EXPECT_FALSE(assemble({"abc nope"}).ok());
  EXPECT_FALSE(assemble({"250-a", "251 b"}).ok());  // code changed mid-reply
  EXPECT_FALSE(assemble({"250xno separator"}).ok());
  EXPECT_FALSE(assemble({"650 bad class"}).ok());
  EXPECT_FALSE(assemble({std::string(600, '2')}).ok());  // RFC 5321 §4.5.3.1.5
  std::vector<std::string> many(kMaxReplyLines + 1, "250-x");
  many.back() = "250 end";
  EXPECT_FALSE(assemble(many).ok());
}

TEST(ClientReply, ReplyLineEscapesControlsAndRoundTrips) {
  Reply r;
  r.code = 421;
  r.enhanced = "4.4.2";
  r.lines = {"bye\x01now", "\xc3\xa9t\xc3\xa9"};
  std::string line = reply_line(r);
  EXPECT_EQ(line, "421 4.4.2 bye?now ??t??");
  auto back = parse_reply_line(line);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->code, 421);
  EXPECT_EQ(back->enhanced, "4.4.2");
  EXPECT_FALSE(parse_reply_line("250-continued").ok());
  EXPECT_FALSE(parse_reply_line("hello").ok());
}

TEST(DotStuff, LeadingDotsDoubledAndTerminated) {
  EXPECT_EQ(dot_stuff("a\r\n.b\r\n..c\r\n"), "a\r\n..b\r\n...c\r\n.\r\n");
  EXPECT_EQ(dot_stuff(".first\r\nlast"), "..first\r\nlast\r\n.\r\n");
  EXPECT_EQ(dot_stuff(""), ".\r\n");
  EXPECT_EQ(dot_stuff("bare\nlf\r\n"), "bare\r\nlf\r\n.\r\n");
  EXPECT_EQ(dot_stuff("x\r\n.\r\ny\r\n"), "x\r\n..\r\ny\r\n.\r\n");  // no early end
}

TEST(DotStuff, EightBitDetection) {
  EXPECT_FALSE(has_8bit("plain ascii\r\n"));
  EXPECT_TRUE(has_8bit("caf\xc3\xa9\r\n"));
}

TEST(Xtext, EncodesPlusEqualsAndControls) {
  // RFC 3461 §4: "+" and "=" and characters outside 33..126 become +XX.
  EXPECT_EQ(xtext_encode("a+b=c d"), "a+2Bb+3Dc+20d");
  EXPECT_EQ(xtext_encode("user@example.com"), "user@example.com");
}

TEST(TransactionOutcome, MailRcptAndDataDecideInOrder) {
  TransactionResult t;
  t.mail.code = 250;
  t.recipients.resize(2);
  t.recipients[0].code = 250;
  t.recipients[1].code = 550;
  t.data.code = 451;
  EXPECT_EQ(t.outcome(0).code, 451);
  EXPECT_EQ(t.outcome(1).code, 550);
  t.mail.code = 421;
  EXPECT_EQ(t.outcome(0).code, 421);
}

}  // namespace
}  // namespace postino::smtp::client
