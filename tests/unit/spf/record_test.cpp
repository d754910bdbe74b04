#include "mailauth/spf/record.hpp"

#include <gtest/gtest.h>

namespace postino::mailauth::spf {
namespace {

TEST(SpfRecord, VersionDetection) {
  EXPECT_TRUE(is_spf_record("v=spf1"));
  EXPECT_TRUE(is_spf_record("V=SPF1 -all"));
  EXPECT_FALSE(is_spf_record("v=spf10 -all"));
  EXPECT_FALSE(is_spf_record("spf2.0/pra -all"));
}

TEST(SpfRecord, ParsesEveryMechanismAndModifier) {
  auto r = parse_record(
      "v=spf1 +all -include:_spf.example.com ~a ?a:mail.example.com/24//64 mx/30 "
      "mx:%{d}.example.net ptr ptr:example.org ip4:192.0.2.0/24 ip6:2001:db8::/32 "
      "exists:%{ir}.%{l1r+-}._spf.%{d} redirect=_spf.example.com exp=exp.%{d} foo=bar");
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->mechanisms.size(), 11u);
  EXPECT_EQ(r->mechanisms[0].kind, MechanismKind::all);
  EXPECT_EQ(r->mechanisms[1].qualifier, Qualifier::fail);
  EXPECT_EQ(r->mechanisms[1].domain_spec, "_spf.example.com");
  EXPECT_EQ(r->mechanisms[2].qualifier, Qualifier::softfail);
  EXPECT_EQ(r->mechanisms[3].qualifier, Qualifier::neutral);
  EXPECT_EQ(r->mechanisms[3].domain_spec, "mail.example.com");
  EXPECT_EQ(r->mechanisms[3].prefix4, 24);
  EXPECT_EQ(r->mechanisms[3].prefix6, 64);
  EXPECT_EQ(r->mechanisms[4].prefix4, 30);
  EXPECT_EQ(r->mechanisms[4].prefix6, 128);
  EXPECT_EQ(r->mechanisms[8].kind, MechanismKind::ip4);
  EXPECT_EQ(r->mechanisms[8].network.to_string(), "192.0.2.0");
  EXPECT_EQ(r->mechanisms[9].prefix6, 32);
  EXPECT_EQ(r->mechanisms[10].kind, MechanismKind::exists);
  ASSERT_TRUE(r->redirect.has_value());
  EXPECT_EQ(*r->redirect, "_spf.example.com");
  EXPECT_EQ(*r->exp, "exp.%{d}");
  ASSERT_EQ(r->unknown.size(), 1u);
  EXPECT_EQ(r->unknown[0].name, "foo");
}

TEST(SpfRecord, SyntaxErrors) {
  for (const char* bad : {
           "v=spf1 a:",
           "v=spf1 include",
           "v=spf1 all:foo",
           "v=spf1 ip4:1.2.3.4/33",
           "v=spf1 ip4:1.2.3",
           "v=spf1 ip6:2001:db8::/129",
           "v=spf1 a/024",
           "v=spf1 redirect=a.com redirect=b.com",
           "v=spf1 exp=a.com exp=b.com",
           "v=spf1 frobnicate",
           "v=spf1 a:foo.%{x}.com",
           "v=spf1 a:%{d0}.com",
           "v=spf1 a:museum",
           "v=spf1 a:1.2.3.4",
           "v=spf1 -redirect=a.com",
           "v=spf1 ptr/24",
           "v=spf1 a:%",
           "v=spf1 exists:%{d",
           "v=spf1 a\r -all",
           "v=spf1 foo=%y",
           "v=spf1 a:foo.com/",
           "v=spf1 exists:%{c}.example.com",
       }) {
    EXPECT_FALSE(parse_record(bad).ok()) << bad;
  }
}

TEST(SpfRecord, AcceptedEdgeCases) {
  for (const char* good : {
           "v=spf1",
           "v=spf1 ",
           "v=spf1  a   -all  ",
           "v=spf1 a:foo-bar.com.",
           "v=spf1 a:x.123-4",
           "v=spf1 a:%{d}",
           "v=spf1 a//0",
           "v=spf1 ip4:0.0.0.0/0",
           "v=spf1 moo.cow-far_out=man:dog/cat",
           "v=spf1 exists:%%%_%-.example.com",
       }) {
    EXPECT_TRUE(parse_record(good).ok()) << good;
  }
}

}  // namespace
}  // namespace postino::mailauth::spf
