// Sequence sets, dates and modified UTF-7.
#include <gtest/gtest.h>

#include "imap/proto/datetime.hpp"
#include "imap/proto/mutf7.hpp"
#include "imap/proto/sequence_set.hpp"

namespace postino::imap {
namespace {

TEST(SequenceSet, ParseAndFormat) {
  for (const char* s : {"1", "1:3", "2,4:7,9,12:*", "*", "*:4", "$", "4294967295"}) {
    auto set = SequenceSet::parse(s);
    ASSERT_TRUE(set.ok()) << s;
    EXPECT_EQ(set->to_string(), s);
  }
  for (const char* s :
       {"", "0", "1:0", "1,", ",1", "1::2", "a", "4294967296", "1:2:3", "$,1", " 1", "01"})
    EXPECT_FALSE(SequenceSet::parse(s).ok()) << s;
}

TEST(SequenceSet, ContainsAndStar) {
  auto set = *SequenceSet::parse("2,4:7,9,12:*");
  EXPECT_FALSE(set.contains(1, 15));
  EXPECT_TRUE(set.contains(2, 15));
  EXPECT_TRUE(set.contains(5, 15));
  EXPECT_FALSE(set.contains(8, 15));
  EXPECT_TRUE(set.contains(15, 15));
  EXPECT_FALSE(set.contains(16, 15));
  // RFC 9051 §9: "559:*" includes the largest UID even if it is below 559.
  auto high = *SequenceSet::parse("559:*");
  EXPECT_TRUE(high.contains(100, 100));
  EXPECT_FALSE(high.contains(99, 100));
  EXPECT_FALSE(SequenceSet::parse("$")->contains(1, 10));
}

TEST(SequenceSet, NormaliseAndExpand) {
  auto set = *SequenceSet::parse("9:7,1,2,3,*,5:6,20");
  auto n = set.normalised(10);
  EXPECT_EQ(n, (std::vector<SeqRange>{{1, 3}, {5, 10}}));
  EXPECT_EQ(set.expand(10, 100).value(), (std::vector<uint32_t>{1, 2, 3, 5, 6, 7, 8, 9, 10}));
  EXPECT_FALSE(set.expand(10, 5).ok());
  EXPECT_TRUE(set.normalised(0).empty());
  auto huge = *SequenceSet::parse("1:4294967295");
  EXPECT_FALSE(huge.expand(4294967295u, 1000).ok());
  EXPECT_EQ(huge.normalised(4294967295u), (std::vector<SeqRange>{{1, 4294967295u}}));
  EXPECT_TRUE(set.exceeds(10));
  EXPECT_FALSE(set.exceeds(20));
}

TEST(SequenceSet, FromNumbersCompacts) {
  EXPECT_EQ(SequenceSet::from_numbers({7, 3, 1, 2, 3, 9, 8}).to_string(), "1:3,7:9");
  EXPECT_EQ(SequenceSet::from_numbers({}).to_string(), "");
  EXPECT_EQ(SequenceSet::from_numbers({4294967295u, 4294967294u}).to_string(),
            "4294967294:4294967295");
}

TEST(DateTime, ParseDate) {
  EXPECT_EQ(parse_date("1-Feb-1994").value(), (Date{1994, 2, 1}));
  EXPECT_EQ(parse_date("01-feb-1994").value(), (Date{1994, 2, 1}));
  EXPECT_EQ(parse_date("29-Feb-2000").value(), (Date{2000, 2, 29}));
  for (const char* bad : {"29-Feb-1900", "32-Jan-2000", "0-Jan-2000", "1-Foo-2000", "1-Jan-200",
                          "001-Jan-2000", "1 Jan 2000", "", "-Jan-2000", "1-Jan-20000"})
    EXPECT_FALSE(parse_date(bad).ok()) << bad;
}

TEST(DateTime, ParseDateTimeAndRoundTrip) {
  auto dt = parse_date_time("17-Jul-1996 02:44:25 -0700");
  ASSERT_TRUE(dt.ok());
  EXPECT_EQ(dt->date, (Date{1996, 7, 17}));
  EXPECT_EQ(dt->hour, 2);
  EXPECT_EQ(dt->second, 25);
  EXPECT_EQ(dt->zone_minutes, -420);
  EXPECT_EQ(format_date_time(*dt), "17-Jul-1996 02:44:25 -0700");
  auto sp = parse_date_time(" 5-Jan-2021 10:11:12 +0130");
  ASSERT_TRUE(sp.ok());
  EXPECT_EQ(sp->zone_minutes, 90);
  EXPECT_EQ(format_date_time(*sp), "05-Jan-2021 10:11:12 +0130");
  EXPECT_EQ(parse_date_time(format_date_time(*sp)).value(), *sp);
  for (const char* bad :
       {"17-Jul-1996 24:00:00 +0000", "17-Jul-1996 02:44:25 0700", "17-Jul-1996 02:44:25 +07",
        "7-Jul-1996 02:44:25 +0000", "17-Jul-1996T02:44:25 +0000", "17-Jul-1996 02:60:00 +0000"})
    EXPECT_FALSE(parse_date_time(bad).ok()) << bad;
}

TEST(DateTime, UnixConversion) {
  auto dt = *parse_date_time("01-Jan-1970 01:00:00 +0100");
  EXPECT_EQ(to_unix_seconds(dt), 0);
  auto t = to_unix_seconds(*parse_date_time("17-Jul-1996 02:44:25 -0700"));
  EXPECT_EQ(t, 837596665);
  EXPECT_EQ(from_unix_seconds(t, -420), *parse_date_time("17-Jul-1996 02:44:25 -0700"));
  EXPECT_EQ(format_date_time(from_unix_seconds(951782400)), "29-Feb-2000 00:00:00 +0000");
  EXPECT_EQ(format_date(Date{1994, 2, 1}), "1-Feb-1994");
}

TEST(Mutf7, RfcExample) {
  // RFC 3501 §5.1.3
  std::string utf8 = "~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e";
  EXPECT_EQ(mutf7_encode(utf8).value(), "~peter/mail/&U,BTFw-/&ZeVnLIqe-");
  EXPECT_EQ(mutf7_decode("~peter/mail/&U,BTFw-/&ZeVnLIqe-").value(), utf8);
}

TEST(Mutf7, Ampersand) {
  EXPECT_EQ(mutf7_encode("Tom & Jerry").value(), "Tom &- Jerry");
  EXPECT_EQ(mutf7_decode("Tom &- Jerry").value(), "Tom & Jerry");
  EXPECT_EQ(mutf7_decode("&-&-").value(), "&&");
}

TEST(Mutf7, RoundTrips) {
  for (std::string s :
       {std::string(""), std::string("INBOX"),
        std::string("a\x7f"
                    "b"),
        std::string("\xc3\xa9t\xc3\xa9 & co"), std::string("\xf0\x9f\x98\x80"),
        std::string("x\xe2\x82\xac\xf0\x9f\x98\x80y\xc3\xa4"), std::string("tab\there")}) {
    auto enc = mutf7_encode(s);
    ASSERT_TRUE(enc.ok()) << s;
    for (char c : *enc) EXPECT_TRUE(c >= 0x20 && c <= 0x7e) << *enc;
    auto dec = mutf7_decode(*enc);
    ASSERT_TRUE(dec.ok()) << *enc;
    EXPECT_EQ(*dec, s);
  }
}

TEST(Mutf7, RejectsBadInput) {
  EXPECT_FALSE(mutf7_encode("\xff").ok());
  EXPECT_FALSE(mutf7_encode("\xc3").ok());
  EXPECT_FALSE(mutf7_encode("\xed\xa0\x80").ok());  // UTF-8 encoded surrogate
  for (const char* bad : {"&", "&U,BTFw", "&AGE-",  // shifted printable ASCII "a"
                          "&U,BTFw-&ZeVnLIqe-",     // adjacent shifts
                          "&2D0-",                  // lone high surrogate
                          "&3gA-",                  // lone low surrogate
                          "&U,BTFx-",               // non-zero pad bits
                          "\xc3\xa9", "a\tb", "&U!-"})
    EXPECT_FALSE(mutf7_decode(bad).ok()) << bad;
}

}  // namespace
}  // namespace postino::imap
