#include "pop3/proto/dot_stuffer.hpp"

#include <gtest/gtest.h>

namespace postino::pop3 {
namespace {

// Feeds msg cut at every pair of offsets (three slices) and checks every
// result against the one-slice output.
void expect_split_invariant(std::string_view msg, std::optional<uint32_t> top) {
  const std::string whole = dot_stuff(msg, top);
  for (size_t a = 0; a <= msg.size(); ++a) {
    for (size_t b = a; b <= msg.size(); ++b) {
      DotStuffer d(top);
      std::string out;
      d.feed(msg.substr(0, a), out);
      d.feed(msg.substr(a, b - a), out);
      d.feed(msg.substr(b), out);
      d.finish(out);
      ASSERT_EQ(out, whole) << "split at " << a << "," << b;
    }
  }
  // And byte by byte.
  DotStuffer d(top);
  std::string out;
  for (char c : msg) d.feed(std::string_view(&c, 1), out);
  d.finish(out);
  EXPECT_EQ(out, whole);
}

TEST(DotStuffer, PlainCrlfMessage) {
  EXPECT_EQ(dot_stuff("Subject: hi\r\n\r\nbody\r\n"), "Subject: hi\r\n\r\nbody\r\n.\r\n");
}

TEST(DotStuffer, EmptyMessage) { EXPECT_EQ(dot_stuff(""), ".\r\n"); }

TEST(DotStuffer, LeadingDotsAreDoubled) {
  EXPECT_EQ(dot_stuff(".\r\n..x\r\na.b\r\n.hidden"), "..\r\n...x\r\na.b\r\n..hidden\r\n.\r\n");
  EXPECT_EQ(dot_stuff("S: x\r\n\r\n.\r\nafter\r\n"), "S: x\r\n\r\n..\r\nafter\r\n.\r\n");
}

TEST(DotStuffer, BareLfAndCrBecomeCrlf) {
  EXPECT_EQ(dot_stuff("a\nb\n\nc"), "a\r\nb\r\n\r\nc\r\n.\r\n");
  EXPECT_EQ(dot_stuff("a\rb\r\r\nc\n.d"), "a\r\nb\r\n\r\nc\r\n..d\r\n.\r\n");
  EXPECT_EQ(dot_stuff("a\n\r\n"), "a\r\n\r\n.\r\n");
}

TEST(DotStuffer, UnterminatedLastLine) { EXPECT_EQ(dot_stuff("abc"), "abc\r\n.\r\n"); }

TEST(DotStuffer, ChunkSplitsGiveIdenticalOutput) {
  expect_split_invariant("From: a\r\nSubject: .x\r\n\r\n.line1\r\n..\r\n.\r\nend", std::nullopt);
  expect_split_invariant("a\rb\n\r\n.\r.\n\n\r\r..x", std::nullopt);
}

TEST(DotStuffer, Top) {
  const std::string msg = "From: a\r\nSubject: s\r\n\r\nl1\r\n.l2\r\nl3\r\nl4\r\n";
  EXPECT_EQ(dot_stuff(msg, 0), "From: a\r\nSubject: s\r\n\r\n.\r\n");
  EXPECT_EQ(dot_stuff(msg, 1), "From: a\r\nSubject: s\r\n\r\nl1\r\n.\r\n");
  EXPECT_EQ(dot_stuff(msg, 2), "From: a\r\nSubject: s\r\n\r\nl1\r\n..l2\r\n.\r\n");
  EXPECT_EQ(dot_stuff(msg, 100), dot_stuff(msg));
  // LF-only message: same shape, normalised.
  EXPECT_EQ(dot_stuff("H: v\n\nb1\nb2\n", 1), "H: v\r\n\r\nb1\r\n.\r\n");
  // No body separator: the whole message is header.
  EXPECT_EQ(dot_stuff("H: v\r\nX: y", 0), "H: v\r\nX: y\r\n.\r\n");
  for (uint32_t n : {0u, 1u, 2u, 3u, 9u}) expect_split_invariant(msg, n);
  expect_split_invariant("H: v\n\nb1\r\n\r\n.b3\rb4", 2);
}

TEST(DotStuffer, TopReportsDoneAndIgnoresRest) {
  DotStuffer d(1);
  std::string out;
  d.feed("H: v\r\n\r\nfirst\r\n", out);
  EXPECT_TRUE(d.done());
  d.feed("second\r\n", out);
  d.finish(out);
  d.finish(out);  // idempotent
  EXPECT_EQ(out, "H: v\r\n\r\nfirst\r\n.\r\n");
}

TEST(DotStuffer, LargeMessageStreams) {
  std::string line = ".abcdefghijklmnopqrstuvwxyz\n";
  std::string msg;
  for (int i = 0; i < 2000; ++i) msg += line;
  DotStuffer d;
  std::string total;
  for (size_t off = 0; off < msg.size(); off += 4096) {
    std::string out;  // the caller sends and clears per slice
    d.feed(std::string_view(msg).substr(off, 4096), out);
    EXPECT_LE(out.size(), 4096u * 2);
    total += out;
  }
  d.finish(total);
  EXPECT_EQ(total.size(), msg.size() + 2000 * 2 + 3);  // +1 dot, +1 CR per line, ".\r\n"
  EXPECT_EQ(total, dot_stuff(msg));
}

}  // namespace
}  // namespace postino::pop3
