// Pure parts of the session: BODY[section] slicing, BINARY decoding,
// section labels, SEARCH key matching and Date header parsing.
#include <gtest/gtest.h>

#include "imap/server/date_header.hpp"
#include "imap/server/fetch_render.hpp"
#include "imap/server/search.hpp"
#include "mime/message.hpp"

namespace postino::imap::server {
namespace {

const std::string kMultipart =
    "From: Ann <ann@example.org>\r\n"
    "To: bob@example.com\r\n"
    "Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?= report\r\n"
    "Date: Tue, 3 Mar 2026 10:00:00 +0100\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"b1\"\r\n"
    "\r\n"
    "preamble\r\n"
    "--b1\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "\r\n"
    "hello body\r\n"
    "--b1\r\n"
    "Content-Type: application/octet-stream\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "AAECAw==\r\n"
    "--b1\r\n"
    "Content-Type: message/rfc822\r\n"
    "\r\n"
    "Subject: inner\r\n"
    "X-A: 1\r\n"
    "\r\n"
    "inner text\r\n"
    "--b1--\r\n";

Section sec(std::vector<uint32_t> part, Section::Text t = Section::Text::none,
            std::vector<std::string> fields = {}) {
  Section s;
  s.part = std::move(part);
  s.text = t;
  s.fields = std::move(fields);
  return s;
}

TEST(SectionBytes, WholeHeaderTextAndParts) {
  auto msg = mime::parse_message(kMultipart);
  EXPECT_EQ(*section_bytes(msg, sec({})), kMultipart);
  auto header = *section_bytes(msg, sec({}, Section::Text::header));
  EXPECT_TRUE(header.starts_with("From: Ann"));
  EXPECT_TRUE(header.ends_with("\r\n\r\n"));
  EXPECT_TRUE(section_bytes(msg, sec({}, Section::Text::text))->starts_with("preamble"));
  EXPECT_EQ(*section_bytes(msg, sec({1})), "hello body");
  EXPECT_EQ(*section_bytes(msg, sec({1}, Section::Text::mime)),
            "Content-Type: text/plain; charset=utf-8\r\n\r\n");
  EXPECT_EQ(*section_bytes(msg, sec({3}, Section::Text::header)),
            "Subject: inner\r\nX-A: 1\r\n\r\n");
  EXPECT_EQ(*section_bytes(msg, sec({3}, Section::Text::text)), "inner text");
  EXPECT_FALSE(section_bytes(msg, sec({9})));
  EXPECT_FALSE(section_bytes(msg, sec({1}, Section::Text::header)));  // not message/rfc822
}

TEST(SectionBytes, HeaderFieldsAndNot) {
  auto msg = mime::parse_message(kMultipart);
  EXPECT_EQ(*section_bytes(msg, sec({}, Section::Text::header_fields, {"to", "X-NONE"})),
            "To: bob@example.com\r\n\r\n");
  auto rest = *section_bytes(msg, sec({}, Section::Text::header_fields_not,
                                      {"From", "To", "Date", "MIME-Version", "Content-Type"}));
  EXPECT_TRUE(rest.starts_with("Subject:"));
  EXPECT_EQ(rest.find("From:"), std::string::npos);
  EXPECT_TRUE(rest.ends_with("\r\n\r\n"));
}

TEST(BinaryBytes, DecodesTransferEncoding) {
  auto msg = mime::parse_message(kMultipart);
  auto b = binary_bytes(msg, sec({2}));
  ASSERT_TRUE(b);
  EXPECT_EQ(*b, std::string("\x00\x01\x02\x03", 4));
  EXPECT_EQ(*binary_bytes(msg, sec({1})), "hello body");
  std::string odd = "Content-Transfer-Encoding: x-uuencode\r\n\r\nbegin\r\n";
  auto m2 = mime::parse_message(odd);
  auto r = binary_bytes(m2, sec({1}));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::invalid);
}

TEST(SectionLabel, Formats) {
  FetchAtt a;
  a.kind = FetchAtt::Kind::body_section;
  a.section = sec({1, 2}, Section::Text::header_fields, {"from", "to"});
  a.partial = Partial{10, 5};
  EXPECT_EQ(section_label(a), "BODY[1.2.HEADER.FIELDS (FROM TO)]<10>");
  a.section = sec({});
  a.partial.reset();
  EXPECT_EQ(section_label(a), "BODY[]");
  a.kind = FetchAtt::Kind::binary_size;
  a.section = sec({3});
  EXPECT_EQ(section_label(a), "BINARY.SIZE[3]");
  EXPECT_EQ(apply_partial("abcdef", Partial{2, 3}), "cde");
  EXPECT_EQ(apply_partial("abcdef", Partial{9, 3}), "");
  EXPECT_EQ(apply_partial("abcdef", Partial{4, 30}), "ef");
}

SearchKey key(SearchKey::Kind k, std::string str = {}) {
  SearchKey s;
  s.kind = k;
  s.str = std::move(str);
  return s;
}

TEST(Search, MatchesFlagsHeadersBodyAndLogic) {
  auto msg = mime::parse_message(kMultipart);
  store::MessageMeta meta;
  meta.uid = 5;
  meta.size = kMultipart.size();
  meta.flags = {"\\Seen", "$Work"};
  meta.internal_date = 1772528400;  // 2026-03-03
  SearchSubject s{2, &meta, &msg, 4, 9, nullptr};
  using K = SearchKey::Kind;
  EXPECT_TRUE(matches(key(K::seen), s));
  EXPECT_FALSE(matches(key(K::unseen), s));
  EXPECT_TRUE(matches(key(K::keyword, "$work"), s));
  EXPECT_TRUE(matches(key(K::from, "ANN@example"), s));
  EXPECT_TRUE(matches(key(K::subject, "grüße"), s));  // decoded RFC 2047
  EXPECT_TRUE(matches(key(K::body, "hello BODY"), s));
  EXPECT_FALSE(matches(key(K::body, "MIME-Version"), s));
  EXPECT_TRUE(matches(key(K::text, "MIME-Version"), s));
  auto hdr = key(K::header, "x-none");
  EXPECT_FALSE(matches(hdr, s));
  SearchKey n = key(K::not_);
  n.children.push_back(key(K::seen));
  EXPECT_FALSE(matches(n, s));
  SearchKey o = key(K::or_);
  o.children = {key(K::unseen), key(K::from, "ann")};
  EXPECT_TRUE(matches(o, s));
  SearchKey seq = key(K::sequence);
  seq.set = *SequenceSet::parse("2:*");
  EXPECT_TRUE(matches(seq, s));
  SearchKey uid = key(K::uid);
  uid.set = *SequenceSet::parse("6:*");
  EXPECT_FALSE(matches(uid, s));
  SearchKey on = key(K::senton);
  on.date = Date{2026, 3, 3};
  EXPECT_TRUE(matches(on, s));
  SearchKey before = key(K::before);
  before.date = Date{2026, 3, 3};
  EXPECT_FALSE(matches(before, s));
  SearchKey larger = key(K::larger);
  larger.number = 10;
  EXPECT_TRUE(matches(larger, s));
  EXPECT_TRUE(needs_message(o));
  EXPECT_FALSE(needs_body(o));
  EXPECT_FALSE(needs_message(seq));
}

TEST(HeaderDate, ParsesCommonForms) {
  auto d = parse_header_date("Tue, 3 Mar 2026 10:00:00 +0100");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->date, (Date{2026, 3, 3}));
  EXPECT_EQ(d->unix, 1772528400);
  auto o = parse_header_date("3 Mar 99 10:00 GMT (comment)");
  ASSERT_TRUE(o);
  EXPECT_EQ(o->date.year, 1999);
  EXPECT_FALSE(parse_header_date("yesterday"));
  EXPECT_FALSE(parse_header_date("31 Feb 2026 10:00:00 +0000"));
}

}  // namespace
}  // namespace postino::imap::server
