#include <gtest/gtest.h>

#include <string>

#include "smtp/proto/params.hpp"
#include "smtp/proto/path.hpp"

namespace postino::smtp {
namespace {

Path fwd(std::string_view s) {
  auto r = parse_path(s, PathKind::Forward);
  EXPECT_TRUE(r.ok()) << s << ": " << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : Path{};
}

bool bad(std::string_view s, PathKind k = PathKind::Forward) { return !parse_path(s, k).ok(); }

TEST(Path, Plain) {
  auto p = fwd("<user.name+tag@sub.example.com>");
  EXPECT_EQ(p.local, "user.name+tag");
  EXPECT_EQ(p.domain, "sub.example.com");
  EXPECT_EQ(p.to_string(), "<user.name+tag@sub.example.com>");
}

TEST(Path, SourceRouteIgnored) {
  auto p = fwd("<@relay1.example,@relay2.example:joe@example.net>");
  EXPECT_EQ(p.local, "joe");
  EXPECT_EQ(p.domain, "example.net");
  EXPECT_TRUE(bad("<@relay1.example joe@example.net>"));
  EXPECT_TRUE(bad("<@,@x:joe@example.net>"));
  EXPECT_TRUE(bad("<relay1.example:joe@example.net>"));
}

TEST(Path, QuotedLocalPart) {
  auto p = fwd(R"(<"john doe"@example.com>)");
  EXPECT_EQ(p.local, "john doe");
  EXPECT_EQ(p.address(), R"("john doe"@example.com)");
  p = fwd(R"(<"a\"b\\c@d"@example.com>)");
  EXPECT_EQ(p.local, R"(a"b\c@d)");
  EXPECT_EQ(p.address(), R"("a\"b\\c@d"@example.com)");
  p = fwd(R"(<"plain"@example.com>)");
  EXPECT_EQ(p.address(), "plain@example.com");  // quotes not needed
  EXPECT_TRUE(bad(R"(<"unterminated@example.com>)"));
  EXPECT_TRUE(bad("<\"tab\there\"@example.com>"));
  EXPECT_TRUE(bad(R"(<"x"y@example.com>)"));
}

TEST(Path, RoundTrip) {
  for (std::string_view s :
       {"<a@b.example>", R"(<"sp ace"@x.example>)", "<x@[192.0.2.1]>", "<x@[IPv6:2001:db8::1]>",
        R"(<"q\"uote"@x.example>)", "<üser@exämple.org>", "<a!#$%&'*+-/=?^_`{|}~@x.example>"}) {
    auto p = fwd(s);
    EXPECT_EQ(p.to_string(), s);
    auto again = fwd(p.to_string());
    EXPECT_EQ(again.local, p.local);
    EXPECT_EQ(again.domain, p.domain);
  }
}

TEST(Path, AddressLiterals) {
  auto p = fwd("<x@[192.0.2.55]>");
  EXPECT_TRUE(p.domain_is_literal);
  EXPECT_EQ(p.domain, "[192.0.2.55]");
  EXPECT_TRUE(fwd("<x@[IPv6:::1]>").domain_is_literal);
  EXPECT_TRUE(fwd("<x@[tag:some-content]>").domain_is_literal);
  EXPECT_TRUE(bad("<x@[192.0.2]>"));
  EXPECT_TRUE(bad("<x@[192.0.2.256]>"));
  EXPECT_TRUE(bad("<x@[IPv6:1:2:3]>"));
  EXPECT_TRUE(bad("<x@[]>"));
  EXPECT_TRUE(bad("<x@[192.0.2.1>"));
  EXPECT_TRUE(bad("<x@[tag:]>"));
}

TEST(Path, NullAndPostmaster) {
  auto r = parse_path("<>", PathKind::Reverse);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->null);
  EXPECT_EQ(r->to_string(), "<>");
  EXPECT_TRUE(bad("<>", PathKind::Forward));
  EXPECT_TRUE(fwd("<POSTMASTER>").postmaster);
  EXPECT_EQ(fwd("<PostMaster>").to_string(), "<PostMaster>");
  EXPECT_TRUE(bad("<postmaster>", PathKind::Reverse));
}

TEST(Path, Malformed) {
  for (std::string_view s : {"a@b.example",      "<a@b.example",
                             "a@b.example>",     "<a>",
                             "<@b.example>",     "<a@>",
                             "<a@b..c>",         "<.a@b.example>",
                             "<a.@b.example>",   "<a..b@b.example>",
                             "<a b@b.example>",  "<a@-b.example>",
                             "<a@b-.example>",   "<a@b.example.>",
                             "<a@@b.example>",   "<a@b example>",
                             "<\xff@b.example>", "<a@b\xc3.example>",
                             "<a,b@c.example>",  "<a@b.ex(ample>"})
    EXPECT_TRUE(bad(s)) << s;
}

TEST(Path, Limits) {
  std::string local64(64, 'l');
  EXPECT_TRUE(parse_path("<" + local64 + "@x.example>", PathKind::Forward).ok());
  auto r = parse_path("<" + local64 + "l@x.example>", PathKind::Forward);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::limit);
  std::string label(63, 'd');
  EXPECT_TRUE(parse_path("<a@" + label + ".example>", PathKind::Forward).ok());
  EXPECT_TRUE(bad("<a@" + label + "d.example>"));
  std::string longdomain;
  while (longdomain.size() < 260) longdomain += label + ".";
  longdomain += "com";
  EXPECT_TRUE(bad("<a@" + longdomain + ">"));
}

TEST(Xtext, DecodeEncode) {
  EXPECT_EQ(*xtext_decode("abc+2B+3Ddef"), "abc+=def");
  EXPECT_EQ(*xtext_decode("a+2b"), "a+");  // lower-case hex tolerated
  EXPECT_FALSE(xtext_decode("a+"));
  EXPECT_FALSE(xtext_decode("a+2"));
  EXPECT_FALSE(xtext_decode("a+ZZ"));
  EXPECT_FALSE(xtext_decode("a=b"));
  EXPECT_FALSE(xtext_decode("a b"));
  EXPECT_EQ(xtext_encode("a+b=c d\xff"), "a+2Bb+3Dc+20d+FF");
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(char(i));
  EXPECT_EQ(*xtext_decode(xtext_encode(all)), all);
}

TEST(Params, Empty) {
  auto m = parse_mail_params("");
  ASSERT_TRUE(m.ok());
  EXPECT_FALSE(m->size);
  EXPECT_FALSE(m->smtputf8);
  auto r = parse_rcpt_params("   ");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->notify_set);
}

TEST(Params, KeywordSyntax) {
  EXPECT_FALSE(parse_mail_params("-SIZE=1").ok());
  EXPECT_FALSE(parse_mail_params("SI_ZE=1").ok());
  EXPECT_FALSE(parse_mail_params("=1").ok());
  EXPECT_FALSE(parse_mail_params("SIZE=1=2").ok());
  EXPECT_EQ(parse_mail_params("X-UNKNOWN").error().code, Errc::unavailable);
  EXPECT_EQ(parse_mail_params("BODY=7BIT body=7bit").error().code, Errc::unavailable);
  auto s = parse_mail_params("size=0");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(*s->size, 0u);
}

}  // namespace
}  // namespace postino::smtp
