#include "smtp/proto/bdat_reader.hpp"

#include <gtest/gtest.h>

#include <string>

namespace postino::smtp {
namespace {

TEST(BdatReader, ExactChunksNoUnstuffing) {
  BdatReader r({}, false);
  std::string out;
  r.start_chunk(8, false);
  auto f = r.feed("..a\r\n.\r\nNEXT", out);
  EXPECT_EQ(f.consumed, 8u);
  EXPECT_TRUE(f.complete);
  EXPECT_FALSE(r.message_complete());
  EXPECT_EQ(out, "..a\r\n.\r\n");
  r.start_chunk(4, true);
  f = r.feed("b\r\n", out);
  EXPECT_EQ(f.consumed, 3u);
  EXPECT_FALSE(f.complete);
  EXPECT_EQ(r.chunk_remaining(), 1u);
  f = r.feed("\nQUIT\r\n", out);  // "b\r\n" + "\n": a bare LF
  EXPECT_EQ(f.consumed, 1u);
  EXPECT_TRUE(r.message_complete());
  EXPECT_TRUE(r.errors().bare_newline);
}

TEST(BdatReader, CrLfAcrossChunksIsFine) {
  BdatReader r({}, false);
  std::string out;
  r.start_chunk(2, false);
  (void)r.feed("a\r", out);
  r.start_chunk(3, false);
  auto f = r.feed("\nb\r\n", out);
  EXPECT_EQ(f.consumed, 3u);
  EXPECT_FALSE(r.message_complete());
  r.start_chunk(1, true);
  (void)r.feed("\n", out);
  EXPECT_TRUE(r.message_complete());
  EXPECT_TRUE(r.errors().ok());
  EXPECT_EQ(out, "a\r\nb\r\n");
}

TEST(BdatReader, EmptyLastChunk) {
  BdatReader r({}, false);
  std::string out;
  r.start_chunk(3, false);
  (void)r.feed("x\r\n", out);
  r.start_chunk(0, true);
  auto f = r.feed("QUIT\r\n", out);
  EXPECT_EQ(f.consumed, 0u);
  EXPECT_TRUE(f.complete);
  EXPECT_TRUE(r.message_complete());
  EXPECT_TRUE(r.errors().ok());
  EXPECT_EQ(out, "x\r\n");
}

TEST(BdatReader, TrailingCrAtEndIsBare) {
  BdatReader r({}, false);
  std::string out;
  r.start_chunk(2, true);
  (void)r.feed("a\r", out);
  EXPECT_TRUE(r.message_complete());
  EXPECT_TRUE(r.errors().bare_newline);
}

TEST(BdatReader, EverySplitGivesIdenticalOutput) {
  const std::string body = "Subject: x\r\n\r\nline\r\n.\r\nmore\nbare\r\n";
  std::string ref;
  BdatReader whole({}, false);
  whole.start_chunk(body.size(), true);
  (void)whole.feed(body, ref);
  for (size_t cut = 0; cut <= body.size(); ++cut) {
    BdatReader r({}, false);
    std::string out;
    r.start_chunk(body.size(), true);
    size_t used = r.feed(body.substr(0, cut), out).consumed;
    used += r.feed(body.substr(cut), out).consumed;
    EXPECT_EQ(used, body.size());
    EXPECT_EQ(out, ref) << cut;
    EXPECT_EQ(r.errors().bare_newline, whole.errors().bare_newline);
    // Same bytes as two BDAT chunks split at `cut`.
    BdatReader c({}, false);
    std::string out2;
    c.start_chunk(cut, false);
    (void)c.feed(body, out2);
    c.start_chunk(body.size() - cut, true);
    (void)c.feed(body.substr(cut), out2);
    EXPECT_EQ(out2, ref) << cut;
    EXPECT_TRUE(c.message_complete());
  }
}

TEST(BdatReader, BinaryMimeIsOpaque) {
  BdatReader r({}, true);
  std::string out;
  std::string bin("\0\n\r\xff.\r\n", 7);
  r.start_chunk(bin.size(), true);
  auto f = r.feed(bin + "extra", out);
  EXPECT_EQ(f.consumed, bin.size());
  EXPECT_EQ(out, bin);
  EXPECT_TRUE(r.errors().ok());
}

TEST(BdatReader, NormaliseAndLimits) {
  BodyOptions o;
  o.bare_newlines = NewlinePolicy::Normalize;
  o.max_message_bytes = 8;
  BdatReader r(o, false);
  std::string out;
  r.start_chunk(6, false);
  (void)r.feed("a\nb\rc", out);
  EXPECT_FALSE(r.errors().bare_newline);
  r.start_chunk(20, true);
  auto f = r.feed(std::string(20, 'z'), out);
  EXPECT_EQ(f.consumed, 20u);
  EXPECT_TRUE(r.errors().size_exceeded);
  EXPECT_LE(out.size(), 8u);
  EXPECT_EQ(out.substr(0, 6), "a\r\nb\r\n");
  EXPECT_EQ(r.message_bytes(), 27u);

  BodyOptions small;
  small.max_line_bytes = 5;
  BdatReader l(small, false);
  std::string o2;
  l.start_chunk(7, true);
  (void)l.feed("abcd\r\nx", o2);
  EXPECT_TRUE(l.errors().line_too_long);
}

}  // namespace
}  // namespace postino::smtp
