#include "smtp/proto/reply.hpp"

#include <gtest/gtest.h>

namespace postino::smtp {
namespace {

TEST(Reply, SingleLine) {
  EXPECT_EQ(format_reply(kOk), "250 2.0.0 OK\r\n");
  EXPECT_EQ(format_reply(kAuthInvalid), "535 5.7.8 Authentication credentials invalid\r\n");
  EXPECT_EQ(format_reply(make_reply(kStartMailInput)), "354 End data with <CR><LF>.<CR><LF>\r\n");
  EXPECT_EQ(format_reply(make_reply(kAuthContinue, "")), "334 \r\n");
}

TEST(Reply, MultiLineCarriesEnhancedCodeOnEveryLine) {
  auto r = make_reply(kHelp, std::vector<std::string>{"first", "second", "third"});
  EXPECT_EQ(format_reply(r), "214-2.0.0 first\r\n214-2.0.0 second\r\n214 2.0.0 third\r\n");
}

TEST(Reply, EhloHasNoEnhancedCode) {
  auto r =
      make_reply(kHelloOk, std::vector<std::string>{"mx.example.com", "PIPELINING", "SIZE 1000"});
  EXPECT_EQ(format_reply(r), "250-mx.example.com\r\n250-PIPELINING\r\n250 SIZE 1000\r\n");
}

TEST(Reply, CrLfInTextIsNeutralised) {
  auto r = make_reply(kSyntax, "bad\r\n250 injected");
  EXPECT_EQ(format_reply(r), "501 5.5.4 bad  250 injected\r\n");
}

TEST(ReplyAssembler, RoundTrip) {
  auto r = make_reply(kHelp, std::vector<std::string>{"a", "b c"});
  std::string wire = format_reply(r);
  ReplyAssembler as;
  std::optional<Reply> got;
  size_t pos = 0;
  while (pos < wire.size()) {
    size_t e = wire.find("\r\n", pos);
    auto res = as.add(std::string_view(wire).substr(pos, e - pos));
    ASSERT_TRUE(res.ok());
    if (*res) got = **res;
    pos = e + 2;
  }
  ASSERT_TRUE(got);
  EXPECT_EQ(got->code, 214);
  EXPECT_EQ(got->enhanced, "2.0.0");
  EXPECT_EQ(got->lines, (std::vector<std::string>{"a", "b c"}));
}

TEST(ReplyAssembler, EhloLinesKeepText) {
  ReplyAssembler as;
  auto a = as.add("250-mx.example.com Hello");
  ASSERT_TRUE(a.ok());
  EXPECT_FALSE(*a);
  auto b = as.add("250 8BITMIME");
  ASSERT_TRUE(b.ok() && *b);
  EXPECT_EQ((*b)->enhanced, "");
  EXPECT_EQ((*b)->lines[0], "mx.example.com Hello");
  EXPECT_TRUE((*b)->positive());
}

TEST(ReplyAssembler, Errors) {
  ReplyAssembler as;
  EXPECT_FALSE(as.add("25").ok());
  EXPECT_FALSE(as.add("abc hello").ok());
  EXPECT_FALSE(as.add("250xhello").ok());
  EXPECT_FALSE(as.add("650 nope").ok());
  ASSERT_TRUE(as.add("250-one").ok());
  EXPECT_FALSE(as.add("251 two").ok());  // code changed
  auto bare = as.add("221");
  ASSERT_TRUE(bare.ok() && *bare);
  EXPECT_EQ((*bare)->code, 221);
  for (size_t i = 0; i < kMaxReplyLines; ++i) ASSERT_TRUE(as.add("250-x").ok());
  EXPECT_FALSE(as.add("250-x").ok());
}

TEST(ReplyAssembler, PermanentAndTransient) {
  ReplyAssembler as;
  auto r = as.add("550 5.1.1 no such user");
  ASSERT_TRUE(r.ok() && *r);
  EXPECT_TRUE((*r)->permanent());
  EXPECT_EQ((*r)->enhanced, "5.1.1");
  EXPECT_EQ((*r)->lines[0], "no such user");
  auto t = as.add("451 4.3.0");
  ASSERT_TRUE(t.ok() && *t);
  EXPECT_TRUE((*t)->transient());
  EXPECT_EQ((*t)->enhanced, "4.3.0");
  EXPECT_EQ((*t)->lines[0], "");
}

}  // namespace
}  // namespace postino::smtp
