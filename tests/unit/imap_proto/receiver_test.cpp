// Receiver: framing, literals, limits, recovery and the incremental path.
#include "imap/proto/receiver.hpp"

#include <gtest/gtest.h>

#include "imap_proto/test_util.hpp"

namespace postino::imap {
namespace {

using test::drain;
using test::results;
using test::run;

TEST(Receiver, NeedMoreUntilLineComplete) {
  Receiver r;
  r.feed("a1 NO");
  EXPECT_TRUE(std::holds_alternative<NeedMore>(r.next()));
  r.feed("OP\r");
  EXPECT_TRUE(std::holds_alternative<NeedMore>(r.next()));
  r.feed("\n");
  Event e = r.next();
  ASSERT_TRUE(std::holds_alternative<Command>(e));
  EXPECT_EQ(std::get<Command>(e).tag, "a1");
  EXPECT_TRUE(std::holds_alternative<NoopCmd>(std::get<Command>(e).body));
  EXPECT_TRUE(std::holds_alternative<NeedMore>(r.next()));
}

TEST(Receiver, PipelinedCommandsInOneFeed) {
  auto events = run("a NOOP\r\nb CAPABILITY\r\n\r\nc LOGOUT\r\n");
  ASSERT_EQ(events.size(), 3u);  // the empty line is ignored
  EXPECT_EQ(std::get<Command>(events[0]).tag, "a");
  EXPECT_EQ(std::get<Command>(events[1]).tag, "b");
  EXPECT_EQ(std::get<Command>(events[2]).tag, "c");
}

TEST(Receiver, BareLfAccepted) {
  auto events = run("a NOOP\n");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<Command>(events[0]));
}

TEST(Receiver, SynchronizingLiteralAsksFirst) {
  Receiver r;
  r.feed("A1 LOGIN {4}\r\n");
  Event e = r.next();
  ASSERT_TRUE(std::holds_alternative<NeedLiteral>(e));
  EXPECT_EQ(std::get<NeedLiteral>(e).size, 4u);
  EXPECT_TRUE(std::get<NeedLiteral>(e).synchronizing);
  EXPECT_TRUE(std::holds_alternative<NeedMore>(r.next()));
  r.feed("us");
  EXPECT_TRUE(std::holds_alternative<NeedMore>(r.next()));
  r.feed("er pass\r\n");
  e = r.next();
  ASSERT_TRUE(std::holds_alternative<Command>(e));
  auto login = std::get<LoginCmd>(std::get<Command>(e).body);
  EXPECT_EQ(login.user, "user");
  EXPECT_EQ(login.password, "pass");
}

TEST(Receiver, NonSynchronizingLiteral) {
  auto events = run("A1 LOGIN {4+}\r\nuser {2+}\r\npw\r\n");
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(std::get<NeedLiteral>(events[0]), (NeedLiteral{4, false}));
  EXPECT_EQ(std::get<NeedLiteral>(events[1]), (NeedLiteral{2, false}));
  auto login = std::get<LoginCmd>(std::get<Command>(events[2]).body);
  EXPECT_EQ(login.user, "user");
  EXPECT_EQ(login.password, "pw");
}

TEST(Receiver, LiteralMayContainCrlfAndBraces) {
  auto events = results(run("A1 LOGIN {5}\r\na\r\n{} \"x{3}\"\r\n"));
  ASSERT_EQ(events.size(), 1u);
  auto login = std::get<LoginCmd>(std::get<Command>(events[0]).body);
  EXPECT_EQ(login.user, "a\r\n{}");
  EXPECT_EQ(login.password, "x{3}");
}

TEST(Receiver, BraceInsideQuotedStringIsNotALiteral) {
  auto events = run("A1 LOGIN user \"pa{3}\r\n");
  ASSERT_EQ(events.size(), 1u);
  auto err = std::get<ParseError>(events[0]);  // unterminated quoted string, no literal wait
  EXPECT_EQ(err.tag, "A1");
}

TEST(Receiver, OversizedSyncLiteralRefusedBeforeBytes) {
  ReceiverLimits limits;
  limits.max_literal_bytes = 10;
  Receiver r(limits);
  r.feed("A1 LOGIN {11}\r\n");
  Event e = r.next();
  ASSERT_TRUE(std::holds_alternative<ParseError>(e));
  auto err = std::get<ParseError>(e);
  EXPECT_EQ(err.kind, ParseError::Kind::too_big);
  EXPECT_EQ(err.tag, "A1");
  EXPECT_EQ(err.literal_size, 11u);
  EXPECT_NE(err.message.find("too big"), std::string::npos);
  // The client does not send the literal; its next command parses.
  r.feed("A2 NOOP\r\n");
  e = r.next();
  ASSERT_TRUE(std::holds_alternative<Command>(e));
  EXPECT_EQ(std::get<Command>(e).tag, "A2");
}

TEST(Receiver, OversizedNonSyncLiteralDiscarded) {
  ReceiverLimits limits;
  limits.max_literal_bytes = 10;
  Receiver r(limits);
  r.feed("A1 LOGIN {20+}\r\n");
  Event e = r.next();
  ASSERT_TRUE(std::holds_alternative<ParseError>(e));
  EXPECT_EQ(std::get<ParseError>(e).kind, ParseError::Kind::too_big);
  // The 20 bytes (which look like commands) and the rest of the line are dropped.
  r.feed("X1 NOOP\r\nX2 NOOP\r\n");
  EXPECT_TRUE(std::holds_alternative<NeedMore>(r.next()));
  r.feed("xx {3+}\r\nabc rest\r\nA2 NOOP\r\n");
  e = r.next();
  ASSERT_TRUE(std::holds_alternative<Command>(e));
  EXPECT_EQ(std::get<Command>(e).tag, "A2");
  EXPECT_TRUE(std::holds_alternative<NeedMore>(r.next()));
}

TEST(Receiver, AppendUsesAppendLimit) {
  ReceiverLimits limits;
  limits.max_literal_bytes = 4;
  limits.max_append_literal_bytes = 100;
  auto events = results(run("A1 APPEND INBOX {10}\r\n0123456789\r\n", {}, limits));
  ASSERT_EQ(events.size(), 1u);
  auto append = std::get<AppendCmd>(std::get<Command>(events[0]).body);
  EXPECT_EQ(append.messages.at(0).data, "0123456789");
  events = results(run("A1 APPEND INBOX {101}\r\n", {}, limits));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(std::get<ParseError>(events[0]).kind, ParseError::Kind::too_big);
}

TEST(Receiver, LiteralMinusLimit) {
  ReceiverLimits limits;
  limits.max_nonsync_literal_bytes = kLiteralMinusMax;
  auto events =
      run("A1 APPEND INBOX {5000+}\r\n" + std::string(5000, 'x') + "\r\nA2 NOOP\r\n", {}, limits);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(std::get<ParseError>(events[0]).kind, ParseError::Kind::too_big);
  EXPECT_EQ(std::get<Command>(events[1]).tag, "A2");
  // The same size as a synchronizing literal is fine.
  events = results(run("A1 APPEND INBOX {5000}\r\n" + std::string(5000, 'x') + "\r\n", {}, limits));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<Command>(events[0]));
}

TEST(Receiver, HugeLiteralSizeIsTooBig) {
  auto events = run("A1 LOGIN {99999999999999999999999}\r\nA2 NOOP\r\n");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(std::get<ParseError>(events[0]).kind, ParseError::Kind::too_big);
  EXPECT_EQ(std::get<Command>(events[1]).tag, "A2");
}

TEST(Receiver, LineTooLongWithoutNewline) {
  ReceiverLimits limits;
  limits.max_line_bytes = 100;
  Receiver r(limits);
  r.feed("T1 NOOP " + std::string(200, 'a'));
  Event e = r.next();
  ASSERT_TRUE(std::holds_alternative<ParseError>(e));
  EXPECT_EQ(std::get<ParseError>(e).kind, ParseError::Kind::line_too_long);
  EXPECT_EQ(std::get<ParseError>(e).tag, "T1");
  r.feed(std::string(5000, 'b'));  // still the same line: dropped, no memory kept
  EXPECT_TRUE(std::holds_alternative<NeedMore>(r.next()));
  r.feed("bbb\r\nT2 NOOP\r\n");
  e = r.next();
  ASSERT_TRUE(std::holds_alternative<Command>(e));
  EXPECT_EQ(std::get<Command>(e).tag, "T2");
  EXPECT_TRUE(r.take_buffered().empty());
}

TEST(Receiver, LineTooLongInOneFeed) {
  ReceiverLimits limits;
  limits.max_line_bytes = 50;
  auto events = run("T1 NOOP " + std::string(60, 'a') + "\r\nT2 NOOP\r\n", {}, limits);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(std::get<ParseError>(events[0]).kind, ParseError::Kind::line_too_long);
  EXPECT_EQ(std::get<Command>(events[1]).tag, "T2");
}

TEST(Receiver, CommandTooLong) {
  ReceiverLimits limits;
  limits.max_command_bytes = 64;
  auto events = run("A1 LOGIN {40+}\r\n" + std::string(40, 'u') + " {40+}\r\n" +
                        std::string(40, 'p') + "\r\nA2 NOOP\r\n",
                    {}, limits);
  ASSERT_EQ(results(events).size(), 2u);
  EXPECT_EQ(std::get<ParseError>(results(events)[0]).kind, ParseError::Kind::command_too_long);
  EXPECT_EQ(std::get<Command>(results(events)[1]).tag, "A2");
}

TEST(Receiver, TooManyLiterals) {
  ReceiverLimits limits;
  limits.max_literals = 2;
  auto events =
      results(run("A1 APPEND X {1+}\r\na {1+}\r\nb {1+}\r\nc\r\nA2 NOOP\r\n", {}, limits));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(std::get<ParseError>(events[0]).kind, ParseError::Kind::command_too_long);
  EXPECT_EQ(std::get<Command>(events[1]).tag, "A2");
}

TEST(Receiver, BadCommandThenGoodOne) {
  auto events = run("x1 FROB a b\r\nx2 FETCH\r\n+bad NOOP\r\n\"q\" NOOP\r\nx3 NOOP\r\n");
  ASSERT_EQ(events.size(), 5u);
  EXPECT_EQ(std::get<ParseError>(events[0]).tag, "x1");
  EXPECT_EQ(std::get<ParseError>(events[1]).tag, "x2");
  EXPECT_FALSE(std::get<ParseError>(events[2]).tag.has_value());
  EXPECT_FALSE(std::get<ParseError>(events[3]).tag.has_value());
  EXPECT_EQ(std::get<Command>(events[4]).tag, "x3");
}

TEST(Receiver, IdleDoneViaExpectLine) {
  Receiver r;
  r.feed("A4 IDLE\r\nDONE\r\nA5 NOOP\r\n");
  Event e = r.next();
  ASSERT_TRUE(std::holds_alternative<IdleCmd>(std::get<Command>(e).body));
  r.expect_line();
  e = r.next();
  ASSERT_TRUE(std::holds_alternative<Line>(e));
  EXPECT_EQ(std::get<Line>(e).text, "DONE");
  e = r.next();
  EXPECT_EQ(std::get<Command>(e).tag, "A5");
}

TEST(Receiver, AuthenticateContinuationLine) {
  Receiver r;
  r.feed("A1 AUTHENTICATE PLAIN\r\n");
  Event e = r.next();
  auto auth = std::get<AuthenticateCmd>(std::get<Command>(e).body);
  EXPECT_EQ(auth.mechanism, "PLAIN");
  EXPECT_FALSE(auth.initial_response.has_value());
  r.expect_line();
  EXPECT_TRUE(std::holds_alternative<NeedMore>(r.next()));
  r.feed("AGZvbwBiYXI=\r\n");
  e = r.next();
  EXPECT_EQ(std::get<Line>(e).text, "AGZvbwBiYXI=");
}

TEST(Receiver, TakeBufferedAfterStarttls) {
  Receiver r;
  r.feed("a STARTTLS\r\n\x16\x03\x01junk");
  Event e = r.next();
  ASSERT_TRUE(std::holds_alternative<StartTlsCmd>(std::get<Command>(e).body));
  EXPECT_EQ(r.take_buffered(), "\x16\x03\x01junk");
  r.feed("b NOOP\r\n");
  EXPECT_EQ(std::get<Command>(r.next()).tag, "b");
}

TEST(Receiver, LiteralBytesStreamedIntoCommand) {
  // Big APPEND fed in many small reads, as a socket would deliver it.
  std::string msg(100000, 'm');
  for (size_t i = 0; i < msg.size(); i += 77) msg[i] = '\n';
  std::string input = "A1 APPEND INBOX {" + std::to_string(msg.size()) + "}\r\n" + msg + "\r\n";
  Receiver r;
  std::optional<Command> cmd;
  for (size_t i = 0; i < input.size(); i += 4096) {
    r.feed(std::string_view(input).substr(i, 4096));
    for (auto& e : drain(r))
      if (auto* c = std::get_if<Command>(&e)) cmd = std::move(*c);
  }
  ASSERT_TRUE(cmd.has_value());
  EXPECT_EQ(std::get<AppendCmd>(cmd->body).messages.at(0).data, msg);
}

// Every sample command, split at every byte offset (and every pair of
// offsets for short ones), gives the same events as when fed whole.
TEST(Receiver, EverySplitGivesSameResult) {
  for (const auto& input : test::sample_commands()) {
    auto whole = run(input);
    ASSERT_EQ(results(whole).size(), 1u) << input;
    ASSERT_TRUE(std::holds_alternative<Command>(results(whole)[0])) << input;
    for (size_t cut = 0; cut <= input.size(); ++cut) {
      EXPECT_EQ(run(input, {cut}), whole) << input << " cut at " << cut;
    }
    if (input.size() < 64) {
      for (size_t a = 1; a < input.size(); ++a)
        for (size_t b = a; b < input.size(); ++b) EXPECT_EQ(run(input, {a, b}), whole);
    }
  }
}

TEST(Receiver, ByteAtATimeStream) {
  std::string all;
  for (const auto& s : test::sample_commands()) all += s;
  std::vector<size_t> cuts;
  for (size_t i = 1; i < all.size(); ++i) cuts.push_back(i);
  EXPECT_EQ(run(all, cuts), run(all));
  EXPECT_EQ(results(run(all)).size(), test::sample_commands().size());
}

}  // namespace
}  // namespace postino::imap

namespace postino::imap {
namespace {

TEST(Receiver, OverlongLineWithNonSyncLiteralSkipsTheLiteral) {
  ReceiverLimits limits;
  limits.max_line_bytes = 64;
  std::string input =
      "A1 APPEND " + std::string(100, 'x') + " {12+}\r\nX1 NOOP\r\nX2\r\nA2 NOOP\r\n";
  for (size_t cut = 0; cut <= input.size(); ++cut) {
    auto events = test::run(input, {cut}, limits);
    ASSERT_EQ(events.size(), 2u) << cut;
    EXPECT_EQ(std::get<ParseError>(events[0]).kind, ParseError::Kind::line_too_long);
    EXPECT_EQ(std::get<ParseError>(events[0]).tag, "A1");
    EXPECT_EQ(std::get<Command>(events[1]).tag, "A2");
  }
}

TEST(Receiver, RefusalsAreTheSameHoweverSplit) {
  ReceiverLimits limits;
  limits.max_line_bytes = 40;
  limits.max_literal_bytes = 8;
  std::string input = "a LOGIN {9}\r\nb LOGIN {9+}\r\n123456789 x\r\nc NOOP " +
                      std::string(50, 'z') + "\r\nd IDLE\r\n" +
                      "e LOGIN {3+}\r\nabc {9+}\r\n123456789\r\nf NOOP\r\n";
  auto whole = test::run(input, {}, limits);
  ASSERT_EQ(whole.size(), 7u);  // 4 errors, NeedLiteral, IDLE, NOOP
  for (size_t cut = 0; cut <= input.size(); ++cut)
    EXPECT_EQ(test::run(input, {cut}, limits), whole);
}

}  // namespace
}  // namespace postino::imap
