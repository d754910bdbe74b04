#include "mime/header.hpp"

#include <gtest/gtest.h>

using namespace postino::mime;

TEST(Header, FieldsOffsetsAndFolding) {
  std::string raw =
      "Subject: hello\r\n"
      " world\r\n"
      "X-Empty:\r\n"
      "To : a@b\r\n"
      "\r\n"
      "body";
  auto hs = parse_header_section(raw, 0, raw.size());
  ASSERT_EQ(hs.fields.size(), 3u);
  EXPECT_EQ(hs.end, raw.find("body"));
  EXPECT_EQ(hs.fields[0].name, "Subject");
  EXPECT_EQ(hs.fields[0].value, "hello\r\n world");
  EXPECT_EQ(hs.fields[0].unfolded(), "hello world");
  EXPECT_EQ(raw.substr(hs.fields[0].begin, hs.fields[0].end - hs.fields[0].begin),
            "Subject: hello\r\n world\r\n");
  EXPECT_EQ(hs.fields[1].name, "X-Empty");
  EXPECT_EQ(hs.fields[1].value, "");
  EXPECT_EQ(hs.fields[2].name, "To");  // obs-header: WSP before the colon
  EXPECT_EQ(hs.fields[2].value, "a@b");
  EXPECT_FALSE(hs.truncated);
}

TEST(Header, LfOnlyAndLinesWithoutColon) {
  std::string raw =
      "From: x@y\nthis line has no colon\n\tcontinuation of nothing\nTo: z@w\n\nbody\n";
  auto hs = parse_header_section(raw, 0, raw.size());
  ASSERT_EQ(hs.fields.size(), 2u);
  EXPECT_EQ(hs.fields[0].value, "x@y");
  EXPECT_EQ(hs.fields[1].name, "To");
  EXPECT_EQ(raw.substr(hs.end), "body\n");
}

TEST(Header, NoBlankLineRunsToEnd) {
  std::string raw = "Subject: only\r\nFrom: a@b";
  auto hs = parse_header_section(raw, 0, raw.size());
  EXPECT_EQ(hs.end, raw.size());
  ASSERT_EQ(hs.fields.size(), 2u);
  EXPECT_EQ(hs.fields[1].value, "a@b");
}

TEST(Header, EmptyHeader) {
  std::string raw = "\r\nbody";
  auto hs = parse_header_section(raw, 0, raw.size());
  EXPECT_TRUE(hs.fields.empty());
  EXPECT_EQ(hs.end, 2u);
  auto none = parse_header_section("", 0, 0);
  EXPECT_EQ(none.end, 0u);
}

TEST(Header, EightBitKept) {
  std::string raw = "Subject: Gr\xC3\xBC\xC3\x9F\x65 \xFF\r\n\r\n";
  auto hs = parse_header_section(raw, 0, raw.size());
  ASSERT_EQ(hs.fields.size(), 1u);
  EXPECT_EQ(hs.fields[0].value, "Gr\xC3\xBC\xC3\x9F\x65 \xFF");
}

TEST(Header, FindCaseInsensitiveAndAll) {
  std::string raw = "Received: one\r\nreceived: two\r\nSUBJECT:  x  \r\n\r\n";
  auto hs = parse_header_section(raw, 0, raw.size());
  EXPECT_EQ(find_header(hs.fields, "subject"), "x");
  EXPECT_EQ(find_header(hs.fields, "RECEIVED"), "one");
  EXPECT_FALSE(find_header(hs.fields, "From").has_value());
  auto all = find_headers(hs.fields, "Received");
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[1], "two");
}

TEST(Header, Unfold) {
  EXPECT_EQ(unfold("a\r\n b\n\tc\r\n"), "a b\tc");
  EXPECT_EQ(unfold("no fold"), "no fold");
  EXPECT_EQ(unfold("bare\r\nbreak"), "bare\r\nbreak");  // not followed by WSP: kept
}
