#include "mailauth/spf/macro.hpp"

#include <gtest/gtest.h>

namespace postino::mailauth::spf {
namespace {

MacroContext rfc_context(const char* ip) {
  // RFC 7208 §7.4 example values.
  MacroContext c;
  c.sender = "strong-bad@email.example.com";
  c.local_part = "strong-bad";
  c.sender_domain = "email.example.com";
  c.domain = "email.example.com";
  c.ip = boost::asio::ip::make_address(ip);
  c.helo = "mx.example.org";
  c.receiver = "mx.example.net";
  c.now = 1700000000;
  return c;
}

std::string ex(const char* spec, const MacroContext& c, MacroUse use = MacroUse::domain_spec) {
  auto r = expand(spec, c, use);
  return r ? *r : "<error: " + r.error().message + ">";
}

TEST(SpfMacro, Rfc7208Section74Examples) {
  auto c = rfc_context("192.0.2.3");
  EXPECT_EQ(ex("%{s}", c, MacroUse::plain), "strong-bad@email.example.com");
  EXPECT_EQ(ex("%{o}", c), "email.example.com");
  EXPECT_EQ(ex("%{d}", c), "email.example.com");
  EXPECT_EQ(ex("%{d4}", c), "email.example.com");
  EXPECT_EQ(ex("%{d3}", c), "email.example.com");
  EXPECT_EQ(ex("%{d2}", c), "example.com");
  EXPECT_EQ(ex("%{d1}", c), "com");
  EXPECT_EQ(ex("%{dr}", c), "com.example.email");
  EXPECT_EQ(ex("%{d2r}", c), "example.email");
  EXPECT_EQ(ex("%{l}", c, MacroUse::plain), "strong-bad");
  EXPECT_EQ(ex("%{l-}", c, MacroUse::plain), "strong.bad");
  EXPECT_EQ(ex("%{lr}", c, MacroUse::plain), "strong-bad");
  EXPECT_EQ(ex("%{lr-}", c, MacroUse::plain), "bad.strong");
  EXPECT_EQ(ex("%{l1r-}", c, MacroUse::plain), "strong");
  EXPECT_EQ(ex("%{ir}.%{v}._spf.%{d2}", c), "3.2.0.192.in-addr._spf.example.com");
  EXPECT_EQ(ex("%{lr-}.lp._spf.%{d2}", c), "bad.strong.lp._spf.example.com");
  EXPECT_EQ(ex("%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", c),
            "bad.strong.lp.3.2.0.192.in-addr._spf.example.com");
  EXPECT_EQ(ex("%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", c),
            "3.2.0.192.in-addr.strong.lp._spf.example.com");
  EXPECT_EQ(ex("%{d2}.trusted-domains.example.net", c), "example.com.trusted-domains.example.net");
  auto c6 = rfc_context("2001:db8::cb01");
  EXPECT_EQ(ex("%{ir}.%{v}._spf.%{d2}", c6),
            "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com");
}

TEST(SpfMacro, EscapesUrlEncodingAndExplanationLetters) {
  auto c = rfc_context("192.0.2.3");
  c.local_part = "jack&jill=up";
  EXPECT_EQ(ex("%%%_%-", c, MacroUse::plain), "% %20");
  EXPECT_EQ(ex("%{L}", c, MacroUse::plain), "jack%26jill%3Dup");
  EXPECT_EQ(ex("%{c} %{r} %{t}", c, MacroUse::explanation), "192.0.2.3 mx.example.net 1700000000");
  EXPECT_EQ(ex("%{p}", c, MacroUse::plain), "unknown");
  EXPECT_FALSE(check_macro_string("%{c}.example.com", MacroUse::domain_spec).ok());
  EXPECT_TRUE(check_macro_string("%{c} is bad", MacroUse::explanation).ok());
  EXPECT_FALSE(check_macro_string("a b.com", MacroUse::domain_spec).ok());
  EXPECT_TRUE(uses_p("x.%{p2}.com"));
  EXPECT_FALSE(uses_p("x.%%{p}.com"));
}

TEST(SpfMacro, LongExpansionIsTruncatedFromTheLeft) {
  auto c = rfc_context("192.0.2.3");
  c.domain = std::string(60, 'a') + "." + std::string(60, 'b') + "." + std::string(60, 'c') + "." +
             std::string(60, 'd') + ".example.com";
  auto r = expand("%{d}.%{d}", c, MacroUse::domain_spec);
  ASSERT_TRUE(r.ok());
  EXPECT_LE(r->size(), 253u);
  EXPECT_TRUE(r->ends_with(".example.com"));
  EXPECT_NE(r->front(), '.');
}

}  // namespace
}  // namespace postino::mailauth::spf
