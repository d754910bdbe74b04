#include "mime/message.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "base/limits.hpp"
#include "sample_mail.hpp"

using namespace postino;
using namespace postino::mime;
using mimetest::crlf;

namespace {
std::string_view body_of(const Message& m, std::string_view section) {
  const Part* p = find_section(m, section);
  if (p == nullptr) return "<none>";
  return body_bytes(m, *p);
}
}  // namespace

TEST(Message, SimpleTextMessage) {
  std::string raw = crlf("From: a@b\nSubject: hi\n\nline one\nline two\n");
  Message m = parse_message(raw);
  EXPECT_EQ(m.root.type, "text");
  EXPECT_EQ(m.root.subtype, "plain");
  EXPECT_TRUE(m.root.content_type_defaulted);
  EXPECT_EQ(header_bytes(m, m.root), "From: a@b\r\nSubject: hi\r\n\r\n");
  EXPECT_EQ(body_bytes(m, m.root), "line one\r\nline two\r\n");
  EXPECT_EQ(m.root.body_lines, 2u);
  EXPECT_EQ(m.root.header("subject"), "hi");
  // A non-multipart message's body is section 1; nothing deeper exists.
  EXPECT_EQ(find_section(m, "1"), &m.root);
  EXPECT_EQ(find_section(m, ""), &m.root);
  EXPECT_EQ(find_section(m, "2"), nullptr);
  EXPECT_EQ(find_section(m, "1.1"), nullptr);
  EXPECT_EQ(m.part_count, 1u);
}

TEST(Message, NestedStructureAndSections) {
  std::string raw = mimetest::nested_mail();
  Message m = parse_message(raw);
  ASSERT_TRUE(m.root.is_multipart());
  ASSERT_EQ(m.root.children.size(), 2u);  // epilogue "--outer" is not a part
  EXPECT_EQ(m.part_count, 10u);  // root, 1, 1.1, 1.2, 1.2.1, 1.2.2, 2, its message, 2.1, 2.2
  EXPECT_FALSE(m.limited);

  const Part* alt = find_section(m, "1");
  ASSERT_NE(alt, nullptr);
  EXPECT_EQ(alt->subtype, "alternative");
  EXPECT_EQ(header_bytes(m, *alt), "Content-Type: multipart/alternative; boundary=alt\r\n\r\n");
  std::string_view alt_body = body_bytes(m, *alt);
  EXPECT_EQ(alt_body.substr(0, 7), "--alt\r\n");
  EXPECT_EQ(alt_body.substr(alt_body.size() - 7), "--alt--");  // CRLF belongs to the delimiter

  EXPECT_EQ(body_of(m, "1.1"), "plain body");
  EXPECT_EQ(find_section(m, "1.1")->body_lines, 1u);
  EXPECT_EQ(header_bytes(m, *find_section(m, "1.1")),
            "Content-Type: text/plain; charset=utf-8\r\n\r\n");
  EXPECT_EQ(find_section(m, "1.2")->subtype, "related");
  EXPECT_EQ(*find_param(find_section(m, "1.2")->params, "type"), "text/html");
  EXPECT_EQ(body_of(m, "1.2.1"), "<p>hi</p>");
  EXPECT_EQ(find_section(m, "1.2.1")->encoding, "quoted-printable");
  const Part* png = find_section(m, "1.2.2");
  ASSERT_NE(png, nullptr);
  EXPECT_EQ(body_bytes(m, *png), "iVBORw0KGgo=");
  EXPECT_EQ(png->id, "<img1@x>");
  ASSERT_TRUE(png->disposition.has_value());
  EXPECT_EQ(png->disposition->type, "inline");
  EXPECT_EQ(*find_param(png->disposition->params, "filename"), "a.png");
  EXPECT_EQ(find_section(m, "1.2.3"), nullptr);

  const Part* att = find_section(m, "2");
  ASSERT_NE(att, nullptr);
  ASSERT_TRUE(att->is_message());
  EXPECT_EQ(body_bytes(m, *att), mimetest::inner_mail());
  const Part& inner = *att->message;
  EXPECT_EQ(inner.header("Subject"), "inner");
  EXPECT_EQ(header_bytes(m, inner).substr(0, 20), "From: c@example.com\r");
  EXPECT_EQ(body_of(m, "2.1"), "inner text");
  const Part* pdf = find_section(m, "2.2");
  ASSERT_NE(pdf, nullptr);
  EXPECT_EQ(body_bytes(m, *pdf), "JVBERi0=");
  EXPECT_EQ(pdf->language, (std::vector<std::string>{"en", "fr"}));
  EXPECT_EQ(pdf->location, "http://example.com/x.pdf");
  EXPECT_EQ(pdf->md5, "Q2hlY2sgSW50ZWdyaXR5IQ==");
  EXPECT_EQ(pdf->description, "A PDF");
  EXPECT_EQ(find_section(m, "2.3"), nullptr);
  EXPECT_EQ(find_section(m, "3"), nullptr);
  for (auto bad : {"0", "1.", ".1", "01", "a", "1..2", "1.2.1.1", "99999999999999999999"})
    EXPECT_EQ(find_section(m, bad), nullptr) << bad;
}

TEST(Message, Rfc822WithSinglePartBody) {
  std::string raw = crlf(
      "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: message/rfc822\n\n"
      "Subject: fwd\n\nforwarded body\n--b--\n");
  Message m = parse_message(raw);
  const Part* fwd = find_section(m, "1");
  ASSERT_NE(fwd, nullptr);
  ASSERT_TRUE(fwd->is_message());
  // RFC 3501 §6.4.5: 1.1 is the body of the encapsulated non-multipart message.
  EXPECT_EQ(find_section(m, "1.1"), fwd->message.get());
  EXPECT_EQ(body_of(m, "1.1"), "forwarded body");
  EXPECT_EQ(header_bytes(m, *fwd->message), "Subject: fwd\r\n\r\n");
  EXPECT_EQ(find_section(m, "1.2"), nullptr);
}

TEST(Message, MissingFinalBoundary) {
  std::string raw = crlf(
      "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nfirst\n"
      "--b\n\nsecond runs to the end\n");
  Message m = parse_message(raw);
  ASSERT_EQ(m.root.children.size(), 2u);
  EXPECT_EQ(body_of(m, "1"), "first");
  EXPECT_EQ(body_of(m, "2"), "second runs to the end\r\n");
  EXPECT_EQ(m.root.children[1].body_end, raw.size());
}

TEST(Message, BoundaryNeverAppearsOrMissing) {
  std::string raw = crlf("Content-Type: multipart/mixed; boundary=zzz\n\nno parts here\n");
  Message m = parse_message(raw);
  ASSERT_EQ(m.root.children.size(), 1u);  // synthetic empty text/plain
  EXPECT_EQ(body_of(m, "1"), "");
  EXPECT_EQ(m.root.children[0].type, "text");
  std::string raw2 = crlf("Content-Type: multipart/mixed\n\n--x\n\nbody\n--x--\n");
  Message m2 = parse_message(raw2);
  ASSERT_EQ(m2.root.children.size(), 1u);
  EXPECT_EQ(body_of(m2, "1"), "");
  // Immediately closed: no parts either.
  Message m3 = parse_message(crlf("Content-Type: multipart/mixed; boundary=x\n\n--x--\n"));
  EXPECT_EQ(m3.root.children.size(), 1u);
}

TEST(Message, BoundaryLookalikes) {
  std::string raw = crlf(
      "Content-Type: multipart/mixed; boundary=b\n\n"
      "x --b not at line start\n"
      "--bb is a different boundary\n"
      "--b  \n"
      "\n"
      "one\n"
      "--b-- \n"
      "--b\n"
      "after close\n");
  Message m = parse_message(raw);
  ASSERT_EQ(m.root.children.size(), 1u);
  EXPECT_EQ(body_of(m, "1"), "one");
}

TEST(Message, EmptyPartsAndEmptyBody) {
  std::string raw = crlf("Content-Type: multipart/mixed; boundary=b\n\n--b\n--b\n\n--b--\n");
  Message m = parse_message(raw);
  ASSERT_EQ(m.root.children.size(), 2u);
  EXPECT_EQ(body_of(m, "1"), "");
  EXPECT_EQ(body_of(m, "2"), "");
  Message e = parse_message("Subject: x\r\n\r\n");
  EXPECT_EQ(e.root.body_size(), 0u);
  EXPECT_EQ(e.root.body_lines, 0u);
  Message z = parse_message("");
  EXPECT_EQ(z.root.header_end, 0u);
  EXPECT_EQ(z.root.body_end, 0u);
  EXPECT_TRUE(z.root.headers.empty());
}

TEST(Message, NoHeadersAtAll) {
  Message m = parse_message("\r\njust a body\r\n");
  EXPECT_TRUE(m.root.headers.empty());
  EXPECT_EQ(m.root.header_end, 2u);
  EXPECT_EQ(body_bytes(m, m.root), "just a body\r\n");
  Message n = parse_message("no colon and no blank line");
  EXPECT_TRUE(n.root.headers.empty());
  EXPECT_EQ(n.root.body_size(), 0u);
}

TEST(Message, LfOnlyMail) {
  std::string raw =
      "Subject: lf\nContent-Type: multipart/alternative; boundary=\"q\"\n\n--q\n"
      "Content-Type: text/plain\n\nplain\nlines\n--q\nContent-Type: text/html\n\n<b>x</b>\n--q--\n";
  Message m = parse_message(raw);
  ASSERT_EQ(m.root.children.size(), 2u);
  EXPECT_EQ(body_of(m, "1"), "plain\nlines");
  EXPECT_EQ(find_section(m, "1")->body_lines, 2u);
  EXPECT_EQ(body_of(m, "2"), "<b>x</b>");
  EXPECT_EQ(header_bytes(m, *find_section(m, "2")), "Content-Type: text/html\n\n");
}

TEST(Message, BadContentTypeIsTextPlain) {
  Message m = parse_message("Content-Type: garbage\r\n\r\nx");
  EXPECT_EQ(m.root.type, "text");
  EXPECT_EQ(m.root.subtype, "plain");
  EXPECT_TRUE(m.root.content_type_defaulted);
  ASSERT_EQ(m.root.params.size(), 1u);
  EXPECT_EQ(m.root.params[0].value, "us-ascii");
}

TEST(Message, DigestDefaultsToRfc822) {
  std::string raw = crlf(
      "Content-Type: multipart/digest; boundary=d\n\n--d\n\nSubject: one\n\nfirst\n"
      "--d\nContent-Type: text/plain\n\nnot a message\n--d--\n");
  Message m = parse_message(raw);
  ASSERT_EQ(m.root.children.size(), 2u);
  EXPECT_TRUE(m.root.children[0].is_message());
  EXPECT_EQ(m.root.children[0].message->header("Subject"), "one");
  EXPECT_FALSE(m.root.children[1].is_message());
}

TEST(Message, EightBitHeadersKept) {
  std::string raw = "Subject: Gr\xC3\xBC\xC3\x9F\x65 \xE9t\xE9\r\n\r\nbody";
  Message m = parse_message(raw);
  EXPECT_EQ(m.root.header("Subject"), "Gr\xC3\xBC\xC3\x9F\x65 \xE9t\xE9");
}

TEST(Message, DeepNestingStopsAtLimit) {
  std::string raw;
  const int kLevels = 50;
  for (int i = 0; i < kLevels; ++i)
    raw += "Content-Type: multipart/mixed; boundary=b" + std::to_string(i) + "\r\n\r\n--b" +
           std::to_string(i) + "\r\n";
  raw += "\r\ndeepest\r\n";
  Message m = parse_message(raw);
  EXPECT_TRUE(m.limited);
  size_t depth = 0;
  const Part* p = &m.root;
  while (p->is_multipart()) {
    ASSERT_EQ(p->children.size(), 1u);
    p = &p->children[0];
    ++depth;
  }
  EXPECT_EQ(depth, limits::kMaxMimeDepth);
  EXPECT_EQ(p->type, "application");  // opaque leaf
  EXPECT_EQ(p->subtype, "octet-stream");
  EXPECT_EQ(p->body_end, raw.size());

  // message/rfc822 nesting obeys the same limit.
  std::string msgs;
  for (int i = 0; i < kLevels; ++i) msgs += "Content-Type: message/rfc822\r\n\r\n";
  msgs += "Subject: bottom\r\n\r\nx";
  Message mm = parse_message(msgs);
  EXPECT_TRUE(mm.limited);
  size_t mdepth = 0;
  for (p = &mm.root; p->is_message(); p = p->message.get()) ++mdepth;
  EXPECT_EQ(mdepth, limits::kMaxMimeDepth);
}

TEST(Message, HugePartCountStopsAtLimit) {
  std::string raw = "Content-Type: multipart/mixed; boundary=b\r\n\r\n";
  for (int i = 0; i < 6000; ++i) raw += "--b\r\n\r\np\r\n";
  raw += "--b--\r\n";
  Message m = parse_message(raw);
  EXPECT_TRUE(m.limited);
  EXPECT_EQ(m.part_count, limits::kMaxMimeParts);
  EXPECT_EQ(m.root.children.size(), limits::kMaxMimeParts - 1);
  EXPECT_EQ(body_of(m, "4095"), "p");
  EXPECT_EQ(find_section(m, "4096"), nullptr);
}

TEST(Message, OversizedHeaderIsTruncatedNotFatal) {
  std::string raw;
  while (raw.size() <= limits::kMaxHeaderBytes) raw += "X-Filler: 0123456789abcdef\r\n";
  raw += "Subject: too late\r\n\r\nbody";
  Message m = parse_message(raw);
  EXPECT_TRUE(m.limited);
  EXPECT_FALSE(m.root.header("Subject").has_value());
  EXPECT_EQ(body_bytes(m, m.root), "body");
}
