#include "config/endpoint.hpp"

#include <gtest/gtest.h>

namespace postino::config {
namespace {

TEST(Endpoint, Ipv4) {
  auto ep = parse_endpoint("127.0.0.1:25");
  ASSERT_TRUE(ep.ok()) << ep.error().message;
  EXPECT_EQ(ep->host, "127.0.0.1");
  EXPECT_EQ(ep->port, 25);
  EXPECT_EQ(ep->text, "127.0.0.1:25");
}

TEST(Endpoint, Ipv6Bracketed) {
  auto ep = parse_endpoint("[::1]:143");
  ASSERT_TRUE(ep.ok());
  EXPECT_EQ(ep->host, "::1");
  EXPECT_EQ(ep->port, 143);
  EXPECT_EQ(ep->text, "[::1]:143");
}

TEST(Endpoint, NamesAndWildcard) {
  EXPECT_TRUE(parse_endpoint("localhost:2525").ok());
  auto any = parse_endpoint("*:25");
  ASSERT_TRUE(any.ok());
  EXPECT_EQ(any->host, "*");
  EXPECT_FALSE(parse_endpoint("*:25", {.allow_names = false, .default_port = {}}).ok());
}

TEST(Endpoint, Rejects) {
  for (const char* bad : {"", ":25", "127.0.0.1", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536",
                          "127.0.0.1:x", "::1:143", "[::1:143", "[::1]143", "[127.0.0.1]:25",
                          "mail.example.com:25", "1.2.3:25", "[::1]:", "256.1.1.1:25"}) {
    EXPECT_FALSE(parse_endpoint(bad).ok()) << bad;
  }
}

TEST(Endpoint, DefaultPort) {
  auto ep = parse_endpoint("9.9.9.9", {.allow_names = false, .default_port = 53});
  ASSERT_TRUE(ep.ok());
  EXPECT_EQ(ep->port, 53);
  EXPECT_EQ(ep->text, "9.9.9.9:53");
  auto v6 = parse_endpoint("[2001:db8::1]", {.allow_names = false, .default_port = 53});
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->text, "[2001:db8::1]:53");
}

TEST(Endpoint, Hostname) {
  EXPECT_TRUE(is_valid_hostname("mail.example.com"));
  EXPECT_TRUE(is_valid_hostname("localhost"));
  EXPECT_TRUE(is_valid_hostname("a-b.c0"));
  EXPECT_FALSE(is_valid_hostname(""));
  EXPECT_FALSE(is_valid_hostname("-a.example"));
  EXPECT_FALSE(is_valid_hostname("a-.example"));
  EXPECT_FALSE(is_valid_hostname("a..example"));
  EXPECT_FALSE(is_valid_hostname("mail.example.com."));
  EXPECT_FALSE(is_valid_hostname("under_score.example"));
  EXPECT_FALSE(is_valid_hostname(std::string(64, 'a') + ".example"));
  EXPECT_TRUE(is_valid_hostname(std::string(63, 'a') + ".example"));
  std::string longname;
  while (longname.size() < 260) longname += "abcdefgh.";
  longname += "x";
  EXPECT_FALSE(is_valid_hostname(longname));
}

TEST(Endpoint, IpLiteral) {
  EXPECT_TRUE(is_ip_literal("10.0.0.1"));
  EXPECT_TRUE(is_ip_literal("fe80::1"));
  EXPECT_FALSE(is_ip_literal("example.com"));
  EXPECT_FALSE(is_ip_literal(""));
}

}  // namespace
}  // namespace postino::config
