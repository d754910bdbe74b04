#include <gtest/gtest.h>

#include "base/log.hpp"
#include "base/metrics.hpp"
#include "base/result.hpp"
#include "base/strings.hpp"

using namespace postino;

TEST(Result, ValueAndError) {
  Result<int> a = 5;
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(*a, 5);
  Result<int> b = make_error(Errc::not_found, "nope");
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().code, Errc::not_found);
  EXPECT_EQ(b.error().message, "nope");
  Status s;
  EXPECT_TRUE(s.ok());
  Status t = make_error(Errc::io, "disk");
  EXPECT_FALSE(t.ok());
  EXPECT_STREQ(errc_name(t.error().code), "io");
}

TEST(Strings, CaseAndTrim) {
  EXPECT_TRUE(iequals("EHLO", "ehlo"));
  EXPECT_FALSE(iequals("EHLO", "ehl"));
  EXPECT_TRUE(istarts_with("MAIL FROM:<a@b>", "mail from:"));
  EXPECT_EQ(trim("  x y \r\n"), "x y");
  EXPECT_EQ(to_lower("AbC"), "abc");
  auto parts = split("a,b,,c", ',');
  ASSERT_EQ(parts.size(), 4u);
  EXPECT_EQ(parts[2], "");
}

TEST(Strings, ParseU64) {
  EXPECT_EQ(parse_u64("0"), 0u);
  EXPECT_EQ(parse_u64("18446744073709551615"), UINT64_MAX);
  EXPECT_FALSE(parse_u64("18446744073709551616"));
  EXPECT_FALSE(parse_u64(""));
  EXPECT_FALSE(parse_u64("12a"));
  EXPECT_FALSE(parse_u64("-1"));
}

TEST(Strings, Base64RoundTrip) {
  for (std::string s : std::vector<std::string>{"", "f", "fo", "foo", "foob", "fooba", "foobar",
                                                std::string("\0\xff\x10", 3)}) {
    auto enc = base64_encode(s);
    auto dec = base64_decode(enc);
    ASSERT_TRUE(dec.has_value()) << enc;
    EXPECT_EQ(*dec, s);
  }
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_FALSE(base64_decode("Zm9"));
  EXPECT_FALSE(base64_decode("Zm9v!A=="));
  EXPECT_FALSE(base64_decode("Z==="));
}

TEST(Strings, RandomToken) {
  auto a = random_token(24), b = random_token(24);
  EXPECT_EQ(a.size(), 24u);
  EXPECT_NE(a, b);
  for (char c : a) EXPECT_TRUE(isalnum(static_cast<unsigned char>(c)));
  EXPECT_EQ(hex_encode("\x01\xab"), "01ab");
}

TEST(Log, KeyValueQuoting) {
  auto line = log::format_line(log::Level::info, "smtp.connect",
                               {{"conn", "c1"}, {"msg", "hello world"}, {"n", 3}});
  EXPECT_NE(line.find(" level=info event=smtp.connect conn=c1 msg=\"hello world\" n=3"),
            std::string::npos)
      << line;
  EXPECT_EQ(line.rfind("ts=", 0), 0u);
  auto inj = log::format_line(log::Level::warn, "x", {{"v", "a\nlevel=error"}});
  EXPECT_EQ(inj.find('\n'), std::string::npos) << "newline must be escaped";
}

TEST(Log, Json) {
  log::set_format(log::Format::json);
  auto line = log::format_line(log::Level::error, "e", {{"k", "a\"b"}});
  log::set_format(log::Format::kv);
  EXPECT_EQ(line.front(), '{');
  EXPECT_NE(line.find("\"k\":\"a\\\"b\""), std::string::npos) << line;
}

TEST(Metrics, RenderPrometheus) {
  auto& c = metrics::counter("postino_test_total", "test counter", {{"kind", "a"}});
  c.inc(3);
  auto& h = metrics::histogram("postino_test_seconds", "test histogram");
  h.observe(0.002);
  h.observe(20);
  auto text = metrics::render_prometheus();
  EXPECT_NE(text.find("# TYPE postino_test_total counter"), std::string::npos);
  EXPECT_NE(text.find("postino_test_total{kind=\"a\"} 3"), std::string::npos) << text;
  EXPECT_NE(text.find("postino_test_seconds_bucket{le=\"0.0025\"} 1"), std::string::npos) << text;
  EXPECT_NE(text.find("postino_test_seconds_bucket{le=\"+Inf\"} 2"), std::string::npos) << text;
  EXPECT_NE(text.find("postino_test_seconds_count 2"), std::string::npos);
  EXPECT_EQ(&c, &metrics::counter("postino_test_total", "test counter", {{"kind", "a"}}));
}
