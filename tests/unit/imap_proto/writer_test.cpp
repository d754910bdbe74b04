// Response writer, and write → parse round trips through the Receiver.
#include "imap/proto/writer.hpp"

#include <gtest/gtest.h>

#include "imap_proto/test_util.hpp"

namespace postino::imap {
namespace {

TEST(Writer, Strings) {
  EXPECT_EQ(write::string("hello"), "\"hello\"");
  EXPECT_EQ(write::string("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(write::string("a\r\nb"), "{4}\r\na\r\nb");
  EXPECT_EQ(write::string("\xc3\xa9"), "\"\xc3\xa9\"");
  EXPECT_EQ(write::string("\xc3\xa9", false), "{2}\r\n\xc3\xa9");
  EXPECT_EQ(write::string(std::string(2000, 'x')).substr(0, 8), "{2000}\r\n");
  EXPECT_EQ(write::literal8("ab"), "~{2}\r\nab");
  EXPECT_EQ(write::nstring(std::nullopt), "NIL");
  EXPECT_EQ(write::nstring(std::string_view("")), "\"\"");
  EXPECT_EQ(write::astring("INBOX"), "INBOX");
  EXPECT_EQ(write::astring("a]b"), "a]b");
  EXPECT_EQ(write::astring("nil"), "\"nil\"");
  EXPECT_EQ(write::astring(""), "\"\"");
  EXPECT_EQ(write::astring("two words"), "\"two words\"");
  EXPECT_EQ(write::astring("a*b"), "\"a*b\"");
}

TEST(Writer, ListsAndSets) {
  EXPECT_EQ(write::flag_list({"\\Seen", "$Junk"}), "(\\Seen $Junk)");
  EXPECT_EQ(write::flag_list({}), "()");
  EXPECT_EQ(write::sequence_set({5, 1, 2, 3, 9, 10}), "1:3,5,9:10");
  EXPECT_EQ(write::date_time(*parse_date_time("17-Jul-1996 02:44:25 -0700")),
            "\"17-Jul-1996 02:44:25 -0700\"");
}

TEST(Writer, StatusLines) {
  using write::Cond;
  namespace code = write::code;
  EXPECT_EQ(write::tagged("a1", Cond::ok, std::nullopt, "LOGIN completed"),
            "a1 OK LOGIN completed\r\n");
  EXPECT_EQ(write::tagged("a2", Cond::bad, code::toobig(), "literal too big"),
            "a2 BAD [TOOBIG] literal too big\r\n");
  EXPECT_EQ(write::tagged("A3", Cond::ok, code::appenduid(38505, SequenceSet::from_numbers({3955})),
                          "APPEND completed"),
            "A3 OK [APPENDUID 38505 3955] APPEND completed\r\n");
  EXPECT_EQ(write::tagged("A4", Cond::ok,
                          code::copyuid(38505, *SequenceSet::parse("304,319:320"),
                                        *SequenceSet::parse("3956:3958")),
                          "Done"),
            "A4 OK [COPYUID 38505 304,319:320 3956:3958] Done\r\n");
  EXPECT_EQ(write::untagged_status(Cond::ok, code::uidnext(4392), "Predicted next UID"),
            "* OK [UIDNEXT 4392] Predicted next UID\r\n");
  EXPECT_EQ(write::untagged_status(Cond::ok, code::permanentflags({"\\Deleted", "\\Seen", "\\*"}),
                                   "Limited"),
            "* OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] Limited\r\n");
  EXPECT_EQ(write::untagged_status(Cond::ok, code::highestmodseq(715194045007), "Ok"),
            "* OK [HIGHESTMODSEQ 715194045007] Ok\r\n");
  EXPECT_EQ(write::tagged("d", Cond::ok, code::modified(*SequenceSet::parse("7,9")), "Conditional"),
            "d OK [MODIFIED 7,9] Conditional\r\n");
  EXPECT_EQ(write::untagged_status(Cond::ok, code::closed(), "x"), "* OK [CLOSED] x\r\n");
  EXPECT_EQ(write::tagged("t", Cond::no, code::alreadyexists(), "Mailbox exists"),
            "t NO [ALREADYEXISTS] Mailbox exists\r\n");
  EXPECT_EQ(write::tagged("t", Cond::no, code::nonexistent(), ""), "t NO [NONEXISTENT] done\r\n");
  EXPECT_EQ(write::tagged("t", Cond::no, code::trycreate(), "x"), "t NO [TRYCREATE] x\r\n");
  EXPECT_EQ(write::tagged("t", Cond::no, code::readonly(), "x"), "t NO [READ-ONLY] x\r\n");
  EXPECT_EQ(write::tagged("t", Cond::no, code::badcharset({"UTF-8", "US-ASCII"}), "x"),
            "t NO [BADCHARSET (UTF-8 US-ASCII)] x\r\n");
  EXPECT_EQ(write::tagged("t", Cond::no, std::nullopt, "evil\r\nt2 OK injected"),
            "t NO evil  t2 OK injected\r\n");
  EXPECT_EQ(write::untagged("3 EXISTS"), "* 3 EXISTS\r\n");
  EXPECT_EQ(write::continuation("Ready"), "+ Ready\r\n");
  EXPECT_EQ(write::continuation(""), "+ \r\n");
}

// Write arbitrary bytes as astring/string, put them in a LOGIN command, and
// parse them back through the Receiver.
TEST(Writer, StringRoundTripThroughParser) {
  std::vector<std::string> values = {"",
                                     "plain",
                                     "NIL",
                                     "two words",
                                     "q\"u\\o",
                                     "a]b",
                                     "{3}",
                                     "line\r\nbreak",
                                     "\xc3\xa9t\xc3\xa9",
                                     "%*()",
                                     std::string(1500, 'z'),
                                     "x{5}"};
  for (const auto& v : values) {
    for (bool utf8 : {true, false}) {
      std::string cmd =
          "a LOGIN " + write::astring(v, utf8) + " " + write::string(v, utf8) + "\r\n";
      auto login = test::body<LoginCmd>(cmd);
      EXPECT_EQ(login.user, v) << cmd;
      EXPECT_EQ(login.password, v) << cmd;
    }
  }
}

TEST(Writer, FlagsAndSetsRoundTripThroughParser) {
  std::vector<std::string> flags = {"\\Seen", "\\Answered", "$Junk", "NonJunk"};
  auto store = test::body<StoreCmd>("a STORE " + write::sequence_set({1, 2, 3, 7, 8, 100}) +
                                    " +FLAGS " + write::flag_list(flags) + "\r\n");
  EXPECT_EQ(store.flags, flags);
  EXPECT_EQ(store.set, SequenceSet::from_numbers({1, 2, 3, 7, 8, 100}));
  auto dt = *parse_date_time("05-Jan-2021 10:11:12 +0100");
  auto append = test::body<AppendCmd>("a APPEND " + write::astring("Sent Items") + " " +
                                      write::flag_list(flags) + " " + write::date_time(dt) + " " +
                                      write::literal("body") + "\r\n");
  EXPECT_EQ(append.mailbox, "Sent Items");
  EXPECT_EQ(append.messages.at(0).internal_date, dt);
  EXPECT_EQ(append.messages.at(0).flags, flags);
}

}  // namespace
}  // namespace postino::imap
