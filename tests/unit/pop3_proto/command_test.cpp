#include "pop3/proto/command.hpp"

#include <gtest/gtest.h>

namespace postino::pop3 {
namespace {

Pop3Command ok(std::string_view line) {
  auto r = parse_pop3_command(line);
  EXPECT_TRUE(r.ok()) << line << ": " << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : Pop3Command{};
}

Pop3ErrorKind fails(std::string_view line) {
  auto r = parse_pop3_command(line);
  EXPECT_FALSE(r.ok()) << line;
  return r.ok() ? Pop3ErrorKind::kBadArgument : pop3_error_kind(r.error());
}

TEST(Pop3Command, NoArgumentCommands) {
  EXPECT_EQ(ok("STAT").verb, Pop3Verb::kStat);
  EXPECT_EQ(ok("noop").verb, Pop3Verb::kNoop);
  EXPECT_EQ(ok("RsEt").verb, Pop3Verb::kRset);
  EXPECT_EQ(ok("QUIT").verb, Pop3Verb::kQuit);
  EXPECT_EQ(ok("capa").verb, Pop3Verb::kCapa);
  EXPECT_EQ(ok("STLS").verb, Pop3Verb::kStls);
  EXPECT_EQ(ok("UTF8").verb, Pop3Verb::kUtf8);
  EXPECT_EQ(ok("QUIT ").verb, Pop3Verb::kQuit);  // trailing space tolerated
  EXPECT_EQ(fails("STAT 1"), Pop3ErrorKind::kBadArgument);
  EXPECT_EQ(fails("QUIT now"), Pop3ErrorKind::kBadArgument);
  EXPECT_EQ(fails("STLS x"), Pop3ErrorKind::kBadArgument);
}

TEST(Pop3Command, UserPass) {
  auto u = ok("user alice@example.com");
  EXPECT_EQ(u.verb, Pop3Verb::kUser);
  EXPECT_EQ(u.arg, "alice@example.com");
  EXPECT_EQ(ok("USER j\xc3\xb6rg").arg, "j\xc3\xb6rg");  // RFC 6856 UTF-8 user names
  EXPECT_EQ(fails("USER"), Pop3ErrorKind::kBadArgument);
  EXPECT_EQ(fails("USER a b"), Pop3ErrorKind::kBadArgument);
  auto p = ok("PASS secret with  spaces ");
  EXPECT_EQ(p.verb, Pop3Verb::kPass);
  EXPECT_EQ(p.arg, "secret with  spaces ");
  EXPECT_EQ(fails("PASS"), Pop3ErrorKind::kBadArgument);
  EXPECT_EQ(fails("PASS a\tb"), Pop3ErrorKind::kBadArgument);
}

TEST(Pop3Command, MessageNumbers) {
  EXPECT_FALSE(ok("LIST").msg.has_value());
  EXPECT_EQ(ok("LIST 3").msg, 3u);
  EXPECT_FALSE(ok("UIDL").msg.has_value());
  EXPECT_EQ(ok("uidl 12").msg, 12u);
  EXPECT_EQ(ok("RETR 1").msg, 1u);
  EXPECT_EQ(ok("DELE 4294967295").msg, 4294967295u);
  EXPECT_EQ(fails("RETR"), Pop3ErrorKind::kBadArgument);
  EXPECT_EQ(fails("DELE"), Pop3ErrorKind::kBadArgument);
  EXPECT_EQ(fails("RETR 0"), Pop3ErrorKind::kBadArgument);
  EXPECT_EQ(fails("RETR -1"), Pop3ErrorKind::kBadArgument);
  EXPECT_EQ(fails("RETR +1"), Pop3ErrorKind::kBadArgument);
  EXPECT_EQ(fails("RETR 1x"), Pop3ErrorKind::kBadArgument);
  EXPECT_EQ(fails("RETR 4294967296"), Pop3ErrorKind::kBadArgument);
  EXPECT_EQ(fails("RETR 99999999999999999999999"), Pop3ErrorKind::kBadArgument);
  EXPECT_EQ(fails("LIST 1 2"), Pop3ErrorKind::kBadArgument);
}

TEST(Pop3Command, Top) {
  auto t = ok("TOP 2 10");
  EXPECT_EQ(t.verb, Pop3Verb::kTop);
  EXPECT_EQ(t.msg, 2u);
  EXPECT_EQ(t.lines, 10u);
  EXPECT_EQ(ok("top 1 0").lines, 0u);
  EXPECT_EQ(fails("TOP 1"), Pop3ErrorKind::kBadArgument);
  EXPECT_EQ(fails("TOP 0 1"), Pop3ErrorKind::kBadArgument);
  EXPECT_EQ(fails("TOP 1 x"), Pop3ErrorKind::kBadArgument);
  EXPECT_EQ(fails("TOP 1 2 3"), Pop3ErrorKind::kBadArgument);
}

TEST(Pop3Command, Apop) {
  // RFC 1939 §7 example.
  auto a = ok("APOP mrose c4c9334bac560ecc979e58001b3e22fb");
  EXPECT_EQ(a.verb, Pop3Verb::kApop);
  EXPECT_EQ(a.arg, "mrose");
  EXPECT_EQ(a.digest, "c4c9334bac560ecc979e58001b3e22fb");
  EXPECT_EQ(ok("APOP mrose C4C9334BAC560ECC979E58001B3E22FB").digest,
            "c4c9334bac560ecc979e58001b3e22fb");
  EXPECT_EQ(fails("APOP mrose"), Pop3ErrorKind::kBadArgument);
  EXPECT_EQ(fails("APOP mrose c4c9334bac560ecc979e58001b3e22f"), Pop3ErrorKind::kBadArgument);
  EXPECT_EQ(fails("APOP mrose g4c9334bac560ecc979e58001b3e22fb"), Pop3ErrorKind::kBadArgument);
}

TEST(Pop3Command, Auth) {
  auto a = ok("AUTH plain AGFsaWNlAHNlY3JldA==");
  EXPECT_EQ(a.verb, Pop3Verb::kAuth);
  EXPECT_EQ(a.arg, "PLAIN");
  EXPECT_EQ(a.initial_response, "AGFsaWNlAHNlY3JldA==");
  auto s = ok("AUTH SCRAM-SHA-256");
  EXPECT_EQ(s.arg, "SCRAM-SHA-256");
  EXPECT_FALSE(s.initial_response.has_value());
  EXPECT_EQ(ok("AUTH PLAIN =").initial_response, "=");  // RFC 5034 §4 empty response
  EXPECT_TRUE(ok("AUTH").arg.empty());
  EXPECT_EQ(fails("AUTH PLAIN abc"), Pop3ErrorKind::kBadArgument);
  EXPECT_EQ(fails("AUTH PLAIN ab=c"), Pop3ErrorKind::kBadArgument);
  EXPECT_EQ(fails("AUTH PLAIN a==="), Pop3ErrorKind::kBadArgument);
  EXPECT_EQ(fails("AUTH PL@IN"), Pop3ErrorKind::kBadArgument);
  EXPECT_EQ(fails("AUTH ABCDEFGHIJKLMNOPQRSTU"), Pop3ErrorKind::kBadArgument);  // 21 chars
  EXPECT_EQ(fails("AUTH PLAIN = x"), Pop3ErrorKind::kBadArgument);
}

TEST(Pop3Command, Unknown) {
  EXPECT_EQ(fails(""), Pop3ErrorKind::kUnknownCommand);
  EXPECT_EQ(fails("HELO"), Pop3ErrorKind::kUnknownCommand);
  EXPECT_EQ(fails("RETRX 1"), Pop3ErrorKind::kUnknownCommand);
  EXPECT_EQ(fails(" RETR 1"), Pop3ErrorKind::kUnknownCommand);
  EXPECT_EQ(fails("ST\xc3\x84T"), Pop3ErrorKind::kUnknownCommand);
}

TEST(Pop3Command, ControlCharacters) {
  EXPECT_EQ(fails(std::string("USER a\0b", 8)), Pop3ErrorKind::kBadArgument);
  EXPECT_EQ(fails("USER a\rb"), Pop3ErrorKind::kBadArgument);
  EXPECT_EQ(fails("NOOP\n"), Pop3ErrorKind::kBadArgument);
  EXPECT_EQ(fails("USER a\x7f"), Pop3ErrorKind::kBadArgument);
}

TEST(Pop3Command, LineLengthLimit) {
  std::string pass = "PASS ";
  pass += std::string(kMaxCommandLine - pass.size(), 'x');
  ASSERT_EQ(pass.size() + 2, kMaxCommandOctets);  // 255 with CRLF: accepted
  EXPECT_TRUE(parse_pop3_command(pass).ok());
  EXPECT_EQ(fails(pass + "x"), Pop3ErrorKind::kLineTooLong);
  EXPECT_EQ(fails(std::string(100000, 'A')), Pop3ErrorKind::kLineTooLong);
}

TEST(Pop3Command, RoundTrip) {
  for (const char* line : {"USER alice",   "PASS a b c",
                           "STAT",         "LIST",
                           "LIST 7",       "RETR 3",
                           "DELE 9",       "NOOP",
                           "RSET",         "QUIT",
                           "TOP 1 5",      "UIDL",
                           "UIDL 2",       "APOP bob 0123456789abcdef0123456789abcdef",
                           "CAPA",         "STLS",
                           "AUTH",         "AUTH PLAIN",
                           "AUTH PLAIN =", "AUTH PLAIN AGEAYg==",
                           "UTF8"}) {
    auto c = ok(line);
    EXPECT_EQ(format_pop3_command(c), line);
    EXPECT_EQ(ok(format_pop3_command(c)), c);
  }
  EXPECT_EQ(format_pop3_command(ok("list   7")), "LIST 7");
}

TEST(Pop3Command, VerbNames) {
  EXPECT_EQ(verb_name(Pop3Verb::kTop), "TOP");
  EXPECT_EQ(verb_name(Pop3Verb::kUtf8), "UTF8");
}

}  // namespace
}  // namespace postino::pop3
