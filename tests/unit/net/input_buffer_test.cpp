#include "net/input_buffer.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace postino::net {
namespace {

// Feeds `input` split at `cut` and collects every outcome of take_line(max):
// a line as-is, or "<limit>".
std::vector<std::string> lines_of(const std::string& input, size_t max, size_t cut) {
  InputBuffer b;
  std::vector<std::string> out;
  auto drain = [&] {
    while (auto r = b.take_line(max)) out.push_back(r->ok() ? r->value() : "<limit>");
  };
  b.append(std::string_view(input).substr(0, cut));
  drain();
  b.append(std::string_view(input).substr(cut));
  drain();
  return out;
}

TEST(InputBuffer, ReturnsLinesWithTheirTerminatorAtEverySplit) {
  const std::string in = "EHLO a\r\nbare\nlast\r\n";
  for (size_t cut = 0; cut <= in.size(); ++cut) {
    EXPECT_EQ(lines_of(in, 100, cut),
              (std::vector<std::string>{"EHLO a\r\n", "bare\n", "last\r\n"}))
        << "cut " << cut;
  }
}

TEST(InputBuffer, OverlongLineIsDiscardedThroughLfThenNextLineReads) {
  const std::string in = std::string(50, 'x') + "\r\nok\r\n";
  for (size_t cut = 0; cut <= in.size(); ++cut) {
    EXPECT_EQ(lines_of(in, 10, cut), (std::vector<std::string>{"<limit>", "ok\r\n"}))
        << "cut " << cut;
  }
}

TEST(InputBuffer, LineOfExactlyMaxBytesIsAccepted) {
  // max counts the terminator: "abc\r\n" is 5 bytes.
  EXPECT_EQ(lines_of("abc\r\nabcd\r\n", 5, 0), (std::vector<std::string>{"abc\r\n", "<limit>"}));
}

TEST(InputBuffer, LimitOnlyAfterTheLfArrives) {
  InputBuffer b;
  b.append(std::string(20, 'y'));
  EXPECT_FALSE(b.take_line(8).has_value());
  EXPECT_TRUE(b.discarding());
  EXPECT_EQ(b.size(), 0u);  // discarded bytes are not kept
  b.append(std::string(1000, 'y'));
  EXPECT_FALSE(b.take_line(8).has_value());
  EXPECT_EQ(b.size(), 0u);
  b.append("y\nnext\n");
  auto r = b.take_line(8);
  ASSERT_TRUE(r.has_value());
  ASSERT_FALSE(r->ok());
  EXPECT_EQ(r->error().code, Errc::limit);
  auto n = b.take_line(8);
  ASSERT_TRUE(n.has_value() && n->ok());
  EXPECT_EQ(n->value(), "next\n");
}

TEST(InputBuffer, TakeAndClear) {
  InputBuffer b;
  b.append("hello world");
  EXPECT_EQ(b.take(5), "hello");
  EXPECT_EQ(b.take(100), " world");
  EXPECT_TRUE(b.empty());
  b.append("partial");
  (void)b.take_line(3);  // enters discard mode
  b.clear();
  EXPECT_FALSE(b.discarding());
  b.append("x\n");
  auto r = b.take_line(3);
  ASSERT_TRUE(r.has_value() && r->ok());
  EXPECT_EQ(r->value(), "x\n");
}

TEST(InputBuffer, ManySmallAppendsStayCompact) {
  InputBuffer b;
  for (int i = 0; i < 10000; ++i) {
    b.append("abc\n");
    auto r = b.take_line(10);
    ASSERT_TRUE(r.has_value() && r->ok());
  }
  EXPECT_TRUE(b.empty());
}

TEST(InputBuffer, ReleaseIdleKeepsPendingBytesAndDiscardState) {
  InputBuffer b;
  b.append(std::string(8000, 'x') + "\nrest");
  ASSERT_TRUE(b.take_line(10000).has_value());
  b.release_idle();  // not empty: nothing may change
  EXPECT_EQ(b.view(), "rest");
  EXPECT_EQ(b.take(100), "rest");
  b.release_idle();
  EXPECT_TRUE(b.empty());
  b.append("next\r\n");
  auto line = b.take_line(100);
  ASSERT_TRUE(line && line->ok());
  EXPECT_EQ(**line, "next\r\n");
  // In discard mode the over-long line's end is still awaited after a release.
  b.append(std::string(200, 'y'));
  EXPECT_FALSE(b.take_line(100).has_value());
  b.release_idle();
  b.append("tail\nok\n");
  auto err = b.take_line(100);
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(err->error().code, Errc::limit);
  EXPECT_EQ(**b.take_line(100), "ok\n");
}

}  // namespace
}  // namespace postino::net
