#include "smtp/proto/data_reader.hpp"

#include <gtest/gtest.h>

#include <string>

namespace postino::smtp {
namespace {

struct Outcome {
  std::string message;
  size_t consumed = 0;
  bool complete = false;
  BodyErrors errors;
};

// Feeds `in` whole.
Outcome run(std::string_view in, BodyOptions opts = {}) {
  DataReader r(opts);
  Outcome o;
  auto f = r.feed(in, o.message);
  o.consumed = f.consumed;
  o.complete = f.complete;
  o.errors = r.errors();
  EXPECT_EQ(f.complete, r.complete());
  return o;
}

// Feeds `in` split at `cut`, as two chunks.
Outcome run_split(std::string_view in, size_t cut, BodyOptions opts = {}) {
  DataReader r(opts);
  Outcome o;
  auto a = r.feed(in.substr(0, cut), o.message);
  o.consumed = a.consumed;
  if (!a.complete) {
    auto b = r.feed(in.substr(cut), o.message);
    o.consumed += b.consumed;
    o.complete = b.complete;
  } else {
    o.complete = true;
  }
  o.errors = r.errors();
  return o;
}

// Feeds one byte at a time.
Outcome run_bytes(std::string_view in, BodyOptions opts = {}) {
  DataReader r(opts);
  Outcome o;
  for (size_t i = 0; i < in.size() && !r.complete(); ++i)
    o.consumed += r.feed(in.substr(i, 1), o.message).consumed;
  o.complete = r.complete();
  o.errors = r.errors();
  return o;
}

void expect_same(const Outcome& a, const Outcome& b, const std::string& ctx) {
  EXPECT_EQ(a.message, b.message) << ctx;
  EXPECT_EQ(a.consumed, b.consumed) << ctx;
  EXPECT_EQ(a.complete, b.complete) << ctx;
  EXPECT_EQ(a.errors.bare_newline, b.errors.bare_newline) << ctx;
  EXPECT_EQ(a.errors.line_too_long, b.errors.line_too_long) << ctx;
  EXPECT_EQ(a.errors.size_exceeded, b.errors.size_exceeded) << ctx;
}

TEST(DataReader, SimpleMessage) {
  auto o = run("Subject: hi\r\n\r\nbody\r\n.\r\n");
  EXPECT_TRUE(o.complete);
  EXPECT_TRUE(o.errors.ok());
  EXPECT_EQ(o.message, "Subject: hi\r\n\r\nbody\r\n");
  EXPECT_EQ(o.consumed, 24u);
}

TEST(DataReader, EmptyMessage) {
  auto o = run(".\r\n");
  EXPECT_TRUE(o.complete);
  EXPECT_EQ(o.message, "");
  EXPECT_EQ(o.consumed, 3u);
}

TEST(DataReader, DotUnstuffing) {
  auto o = run("..leading\r\n...two\r\n.x\r\n. \r\nmid.dle\r\n..\r\n.\r\n");
  EXPECT_TRUE(o.complete);
  EXPECT_TRUE(o.errors.ok());
  EXPECT_EQ(o.message, ".leading\r\n..two\r\nx\r\n \r\nmid.dle\r\n.\r\n");
}

TEST(DataReader, PipelinedBytesAfterEndAreNotConsumed) {
  std::string in = "line\r\n.\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\n";
  auto o = run(in);
  EXPECT_TRUE(o.complete);
  EXPECT_EQ(o.message, "line\r\n");
  EXPECT_EQ(in.substr(o.consumed), "MAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\n");
  // Feeding after completion consumes nothing.
  DataReader r;
  std::string msg;
  (void)r.feed(in, msg);
  auto again = r.feed("more", msg);
  EXPECT_EQ(again.consumed, 0u);
  EXPECT_TRUE(again.complete);
}

TEST(DataReader, EverySplitGivesIdenticalOutput) {
  const std::string inputs[] = {
      "Subject: hi\r\n\r\n..stuffed\r\nbody\r\n.\r\nQUIT\r\n",
      ".\r\n",
      "a\r\n.\r\n",
      "bare\nlf\r\n.\r\n",
      "bare\rcr\r\n.\r\n",
      "x\r\n.\n.\r\n",
      "x\n.\r\nDATA\r\n\r\n.\r\nRSET\r\n",
      ".\r.\r\n",
      "x\r\r\n\r\n.\r\nNOOP\r\n",
      "\r\n\r\n..\r\n.\r\n",
  };
  for (const auto& in : inputs) {
    Outcome whole = run(in);
    for (size_t cut = 0; cut <= in.size(); ++cut)
      expect_same(whole, run_split(in, cut), "cut " + std::to_string(cut) + " of " + in);
    expect_same(whole, run_bytes(in), "bytewise " + in);
  }
}

// RFC 5321 §4.1.1.4 and the SMTP smuggling sequences: none of them may end
// the message; each sets the bare-newline error; the real end is found.
TEST(DataReader, SmugglingSequencesNeverEndTheMessage) {
  const std::string tails[] = {"\n.\n", "\n.\r\n", "\r\n.\n", "\r.\r\n"};
  for (const auto& t : tails) {
    std::string injected = "MAIL FROM:<evil@example.com>\r\nRCPT TO:<victim@example.org>\r\n";
    std::string in = "Subject: x\r\n\r\nhello" + t + injected + "DATA\r\nspoof\r\n.\r\nQUIT\r\n";
    auto o = run(in);
    EXPECT_TRUE(o.complete) << t.size();
    EXPECT_TRUE(o.errors.bare_newline);
    EXPECT_EQ(o.errors.reply().code, 550);
    // The message swallowed the injected commands; only QUIT remains.
    EXPECT_EQ(in.substr(o.consumed), "QUIT\r\n");
    EXPECT_NE(o.message.find("MAIL FROM:<evil@example.com>"), std::string::npos);

    // Same in normalise mode: repaired, but still not an end marker.
    BodyOptions norm;
    norm.bare_newlines = NewlinePolicy::Normalize;
    auto n = run(in, norm);
    EXPECT_TRUE(n.complete);
    EXPECT_FALSE(n.errors.bare_newline);
    EXPECT_EQ(in.substr(n.consumed), "QUIT\r\n");
    // Normalised output has only CRLF line ends.
    for (size_t i = 0; i < n.message.size(); ++i) {
      if (n.message[i] == '\n') {
        EXPECT_TRUE(i > 0 && n.message[i - 1] == '\r');
      }
      if (n.message[i] == '\r') {
        EXPECT_TRUE(i + 1 < n.message.size() && n.message[i + 1] == '\n');
      }
    }
  }
}

TEST(DataReader, SmugglingTailAloneIsIncomplete) {
  for (std::string_view t : {"\n.\n", "\n.\r\n", "\r\n.\n", "\r.\r\n"}) {
    std::string in = "x" + std::string(t);
    auto o = run(in);
    EXPECT_FALSE(o.complete);
    EXPECT_EQ(o.consumed, in.size());
    EXPECT_TRUE(o.errors.bare_newline);
  }
}

TEST(DataReader, NormaliseBareNewlines) {
  BodyOptions norm;
  norm.bare_newlines = NewlinePolicy::Normalize;
  auto o = run("a\nb\rc\r\n.\r\n", norm);
  EXPECT_TRUE(o.complete);
  EXPECT_TRUE(o.errors.ok());
  EXPECT_EQ(o.message, "a\r\nb\r\nc\r\n");
}

TEST(DataReader, SizeLimit) {
  BodyOptions opts;
  opts.max_message_bytes = 10;
  auto o = run("0123456789abcdef\r\nmore\r\n.\r\nNOOP\r\n", opts);
  EXPECT_TRUE(o.complete);
  EXPECT_TRUE(o.errors.size_exceeded);
  EXPECT_EQ(o.errors.reply().code, 552);
  EXPECT_EQ(o.errors.reply().enhanced, "5.3.4");
  EXPECT_EQ(o.message, "0123456789");  // exactly the first max bytes
  DataReader r(opts);
  std::string msg;
  (void)r.feed("0123456789abcdef\r\nmore\r\n.\r\n", msg);
  EXPECT_EQ(r.message_bytes(), 24u);  // keeps counting past the limit

  auto exact = run("12345678\r\n.\r\n", opts);  // exactly 10 bytes
  EXPECT_TRUE(exact.errors.ok());
  EXPECT_EQ(exact.message, "12345678\r\n");
}

TEST(DataReader, LineLengthLimit) {
  std::string ok_line(998, 'a');
  auto o = run(ok_line + "\r\n.\r\n");
  EXPECT_TRUE(o.errors.ok());
  auto bad = run(ok_line + "a\r\n.\r\n");
  EXPECT_TRUE(bad.complete);
  EXPECT_TRUE(bad.errors.line_too_long);
  EXPECT_EQ(bad.errors.reply().code, 554);
  BodyOptions unlimited;
  unlimited.max_line_bytes = 0;
  EXPECT_TRUE(run(std::string(5000, 'z') + "\r\n.\r\n", unlimited).errors.ok());
  BodyOptions small;
  small.max_line_bytes = 10;
  EXPECT_TRUE(run("12345678\r\n.\r\n", small).errors.ok());
  EXPECT_TRUE(run("123456789\r\n.\r\n", small).errors.line_too_long);
}

TEST(DataReader, Reset) {
  DataReader r;
  std::string msg;
  (void)r.feed("a\nb\r\n.\r\n", msg);
  EXPECT_TRUE(r.complete());
  EXPECT_FALSE(r.errors().ok());
  r.reset();
  EXPECT_FALSE(r.complete());
  EXPECT_TRUE(r.errors().ok());
  msg.clear();
  auto f = r.feed("ok\r\n.\r\n", msg);
  EXPECT_TRUE(f.complete);
  EXPECT_EQ(msg, "ok\r\n");
}

}  // namespace
}  // namespace postino::smtp
