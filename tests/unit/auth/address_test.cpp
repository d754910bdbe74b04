#include "auth/address.hpp"

#include <gtest/gtest.h>

namespace postino::auth {
namespace {

Address ok(std::string_view s) {
  auto r = parse_address(s);
  EXPECT_TRUE(r.ok()) << s << ": " << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : Address{};
}

TEST(Address, Simple) {
  auto a = ok("John.Doe@Example.COM");
  EXPECT_EQ(a.local, "John.Doe");  // local part keeps its case
  EXPECT_EQ(a.domain, "example.com");
  EXPECT_FALSE(a.domain_is_literal);
  EXPECT_EQ(a.str(), "John.Doe@example.com");
}

TEST(Address, Atext) {
  EXPECT_EQ(ok("a+tag!#$%&'*/=?^_`{|}~-@x.example").local, "a+tag!#$%&'*/=?^_`{|}~-");
}

TEST(Address, Idn) {
  EXPECT_EQ(ok("info@b\xc3\xbc"
               "cher.example")
                .domain,
            "xn--bcher-kva.example");
  EXPECT_EQ(ok("info@B\xc3\x9c"
               "CHER.example")
                .domain,
            "xn--bcher-kva.example");
  // Non-transitional: ß stays ß (xn--fa-hia), not "ss".
  EXPECT_EQ(ok("x@fa\xc3\x9f.example").domain, "xn--fa-hia.example");
  EXPECT_EQ(ok("x@XN--BCHER-KVA.example").domain, "xn--bcher-kva.example");
  auto d = normalize_domain(
      "B\xc3\xbc"
      "cher.Example");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d, "xn--bcher-kva.example");
}

TEST(Address, Utf8LocalPart) {
  auto a = ok("j\xc3\xb6rg@example.com");
  EXPECT_EQ(a.local, "j\xc3\xb6rg");
}

TEST(Address, QuotedLocalPart) {
  EXPECT_EQ(ok("\"john\"@example.com").local, "john");  // needless quotes removed
  EXPECT_EQ(ok("\"a b\"@example.com").local, "\"a b\"");
  EXPECT_EQ(ok("\"a\\ b\"@example.com").local, "\"a b\"");
  EXPECT_EQ(ok("\"a\\\"b\"@example.com").local, "\"a\\\"b\"");
  EXPECT_EQ(ok("\"x@y\"@example.com").local, "\"x@y\"");
  EXPECT_EQ(ok("\"a..b\"@example.com").local, "\"a..b\"");
  EXPECT_EQ(ok("\"\"@example.com").local, "\"\"");
}

TEST(Address, Literals) {
  auto a = ok("postmaster@[192.0.2.1]");
  EXPECT_TRUE(a.domain_is_literal);
  EXPECT_EQ(a.domain, "[192.0.2.1]");
  EXPECT_EQ(ok("x@[ipv6:2001:DB8:0::1]").domain, "[IPv6:2001:db8::1]");
  for (const char* bad :
       {"x@[1.2.3]", "x@[2001:db8::1]", "x@[IPv6:zz]", "x@[]", "x@[1.2.3.4", "x@[tag:foo]"})
    EXPECT_FALSE(parse_address(bad).ok()) << bad;
}

TEST(Address, Invalid) {
  for (const char* bad : {"",
                          "plain",
                          "@example.com",
                          "a@",
                          ".a@example.com",
                          "a.@example.com",
                          "a..b@example.com",
                          "a b@example.com",
                          "a(b)@example.com",
                          "a,b@example.com",
                          "\"unterminated@example.com",
                          "\"a\"b@example.com",
                          "\"a\\\"@example.com",
                          "a@-example.com",
                          "a@example-.com",
                          "a@exa_mple.com",
                          "a@example..com",
                          "a@.example.com",
                          "a@example.com.",
                          "a@exa mple.com",
                          "<a@example.com>",
                          "a@example.com\r\n",
                          "a\xff@example.com",
                          "a@\xff.example"})
    EXPECT_FALSE(parse_address(bad).ok()) << bad;
}

TEST(Address, Lengths) {
  std::string l64(64, 'a');
  EXPECT_TRUE(parse_address(l64 + "@example.com").ok());
  auto r = parse_address(l64 + "a@example.com");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::limit);
  std::string label63(63, 'b');
  EXPECT_TRUE(parse_address("a@" + label63 + ".example").ok());
  EXPECT_FALSE(parse_address("a@" + label63 + "b.example").ok());
  // 254 octets in all: local (64) + "@" + domain (189).
  std::string domain;
  while (domain.size() < 189) domain += "abcdefgh.";
  domain.resize(189);
  if (domain.back() == '.') domain.back() = 'x';
  EXPECT_TRUE(parse_address(l64 + "@" + domain).ok()) << domain;
  EXPECT_FALSE(parse_address(l64 + "@" + domain + "z").ok());
  EXPECT_FALSE(parse_address(std::string(5000, 'a') + "@example.com").ok());
}

TEST(Address, NormalizeDomainRejects) {
  for (const char* bad : {"", ".", "a..b", "-a.example", "a_b.example", "xn--a.example",
                          "exa mple.com", "a/b.example"})
    EXPECT_FALSE(normalize_domain(bad).ok()) << bad;
}

}  // namespace
}  // namespace postino::auth
