#include "mime/imap_format.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "imap_sexp.hpp"
#include "sample_mail.hpp"

using namespace postino::mime;
using mimetest::crlf;

namespace {
std::string lines_of(const std::string& s) {
  size_t n = static_cast<size_t>(std::count(s.begin(), s.end(), '\n'));
  if (!s.empty() && s.back() != '\n') ++n;
  return std::to_string(n);
}
}  // namespace

TEST(ImapString, QuotedAndLiteral) {
  EXPECT_EQ(imap_string("plain"), "\"plain\"");
  EXPECT_EQ(imap_string(""), "\"\"");
  EXPECT_EQ(imap_string("say \"hi\" \\o/"), "\"say \\\"hi\\\" \\\\o/\"");
  EXPECT_EQ(imap_string("two\r\nlines"), "{10}\r\ntwo\r\nlines");
  EXPECT_EQ(imap_string("caf\xC3\xA9"), "{5}\r\ncaf\xC3\xA9");
  EXPECT_EQ(imap_string(std::string_view("a\0b", 3)), "\"ab\"");
  EXPECT_EQ(imap_nstring(std::nullopt), "NIL");
  EXPECT_EQ(imap_nstring("NIL"), "\"NIL\"");
}

TEST(Envelope, Rfc5322Message) {
  std::string raw = crlf(
      "From: John Doe <jdoe@machine.example>\n"
      "To: Mary Smith <mary@example.net>\n"
      "Subject: Saying Hello\n"
      "Date: Fri, 21 Nov 1997 09:55:06 -0600\n"
      "Message-ID: <1234@local.machine.example>\n"
      "\n"
      "This is a message just to say hello.\n"
      "So, \"Hello\".\n");
  Message m = parse_message(raw);
  const std::string jd = "((\"John Doe\" NIL \"jdoe\" \"machine.example\"))";
  EXPECT_EQ(envelope(m), "(\"Fri, 21 Nov 1997 09:55:06 -0600\" \"Saying Hello\" " + jd + " " + jd +
                             " " + jd +
                             " ((\"Mary Smith\" NIL \"mary\" \"example.net\")) NIL NIL NIL "
                             "\"<1234@local.machine.example>\")");
  // body: 38 + 14 octets, 2 lines
  EXPECT_EQ(
      bodystructure(m, true),
      "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 52 2 NIL NIL NIL NIL)");
  EXPECT_EQ(bodystructure(m, false),
            "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 52 2)");
}

TEST(Envelope, DefaultsGroupsQuotingAndLiterals) {
  std::string raw = crlf(
      "Subject: say \"hi\"\n"
      "  folded \\ back\n"
      "From: \"Doe, John\" <j@x.test>, (comment only)\n"
      "Sender:\n"
      "Reply-To: r@x.test\n"
      "To: undisclosed-recipients:;\n"
      "Cc: team: a@x.test, B <b@x.test>;, solo\n"
      "In-Reply-To: <p@x>\n"
      "X-Ignored: 1\n"
      "\n");
  Message m = parse_message(raw);
  EXPECT_EQ(envelope(m),
            "(NIL \"say \\\"hi\\\"  folded \\\\ back\" "
            "((\"Doe, John\" NIL \"j\" \"x.test\")) "                       // from
            "((\"Doe, John\" NIL \"j\" \"x.test\")) "                       // sender: empty -> from
            "((NIL NIL \"r\" \"x.test\")) "                                 // reply-to
            "((NIL NIL \"undisclosed-recipients\" NIL)(NIL NIL NIL NIL)) "  // to
            "((NIL NIL \"team\" NIL)(NIL NIL \"a\" \"x.test\")(\"B\" NIL \"b\" \"x.test\")"
            "(NIL NIL NIL NIL)(NIL NIL \"solo\" \"MISSING_DOMAIN\")) "  // cc
            "NIL \"<p@x>\" NIL)");
}

TEST(Envelope, EightBitAndEncodedWordsAndEmpty) {
  std::string raw =
      "Subject: Gr\xC3\xBC\xC3\x9F\x65\r\n"
      "From: =?utf-8?q?J=C3=B6rg?= <j@x>\r\n"
      "Date:\r\n"
      "\r\n";
  Message m = parse_message(raw);
  EXPECT_EQ(envelope(m),
            "(\"\" {7}\r\nGr\xC3\xBC\xC3\x9F\x65 "
            "((\"=?utf-8?q?J=C3=B6rg?=\" NIL \"j\" \"x\")) ((\"=?utf-8?q?J=C3=B6rg?=\" NIL \"j\" "
            "\"x\")) ((\"=?utf-8?q?J=C3=B6rg?=\" NIL \"j\" \"x\")) NIL NIL NIL NIL NIL)");
  Message none = parse_message("\r\nbody");
  EXPECT_EQ(envelope(none), "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)");
}

TEST(BodyStructure, NestedMailPartByPart) {
  std::string raw = mimetest::nested_mail();
  Message m = parse_message(raw);
  const std::string p11 = "(\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 10 1";
  const std::string p121 =
      "(\"text\" \"html\" (\"charset\" \"utf-8\") NIL NIL \"quoted-printable\" 9 1";
  const std::string p122 = "(\"image\" \"png\" NIL \"<img1@x>\" NIL \"base64\" 12";
  const std::string p21 = "(\"text\" \"plain\" NIL NIL NIL \"7bit\" 10 1";
  const std::string p22 =
      "(\"application\" \"pdf\" (\"name\" \"x.pdf\") NIL \"A PDF\" \"base64\" 8";
  const std::string inner_env =
      "(NIL \"inner\" ((NIL NIL \"c\" \"example.com\")) ((NIL NIL \"c\" \"example.com\")) "
      "((NIL NIL \"c\" \"example.com\")) NIL NIL NIL NIL NIL)";
  std::string inner = mimetest::inner_mail();
  const std::string p2 = "(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" " +
                         std::to_string(inner.size()) + " " + inner_env + " ";
  const std::string env =
      "(\"Fri, 21 Nov 1997 09:55:06 -0600\" \"nested\" "
      "((\"John Doe\" NIL \"jdoe\" \"machine.example\")) "
      "((\"John Doe\" NIL \"jdoe\" \"machine.example\")) "
      "((\"John Doe\" NIL \"jdoe\" \"machine.example\")) "
      "((\"Mary Smith\" NIL \"mary\" \"example.net\")(NIL NIL \"undisclosed\" NIL)"
      "(NIL NIL NIL NIL)) NIL NIL NIL \"<1234@local.machine.example>\")";
  EXPECT_EQ(envelope(m), env);

  // BODYSTRUCTURE, part by part.
  EXPECT_EQ(bodystructure(*find_section(m, "1.1"), true), p11 + " NIL NIL NIL NIL)");
  EXPECT_EQ(bodystructure(*find_section(m, "1.2.1"), true), p121 + " NIL NIL NIL NIL)");
  EXPECT_EQ(bodystructure(*find_section(m, "1.2.2"), true),
            p122 + " NIL (\"inline\" (\"filename\" \"a.png\")) NIL NIL)");
  const std::string rel = p121 + " NIL NIL NIL NIL)" + p122 +
                          " NIL (\"inline\" (\"filename\" \"a.png\")) NIL NIL) \"related\" "
                          "(\"boundary\" \"rel\" \"type\" \"text/html\") NIL NIL NIL)";
  EXPECT_EQ(bodystructure(*find_section(m, "1.2"), true), "(" + rel);
  const std::string alt = "(" + p11 + " NIL NIL NIL NIL)(" + rel +
                          " \"alternative\" (\"boundary\" \"alt\") NIL NIL NIL)";
  EXPECT_EQ(bodystructure(*find_section(m, "1"), true), alt);
  const std::string pdf_ext =
      " \"Q2hlY2sgSW50ZWdyaXR5IQ==\" NIL (\"en\" \"fr\") \"http://example.com/x.pdf\")";
  EXPECT_EQ(bodystructure(*find_section(m, "2.2"), true), p22 + pdf_ext);
  const std::string inner_body = "(" + p21 + " NIL NIL NIL NIL)" + p22 + pdf_ext +
                                 " \"mixed\" (\"boundary\" \"inner\") NIL NIL NIL)";
  const std::string msg =
      p2 + inner_body + " " + lines_of(inner) + " NIL (\"attachment\" NIL) NIL NIL)";
  EXPECT_EQ(bodystructure(*find_section(m, "2"), true), msg);
  EXPECT_EQ(bodystructure(m, true),
            "(" + alt + msg + " \"mixed\" (\"boundary\" \"outer\") NIL NIL NIL)");

  // BODY: the same without extension data.
  const std::string body_alt =
      "(" + p11 + ")(" + p121 + ")" + p122 + ") \"related\") \"alternative\")";
  const std::string body_msg = p2 + "(" + p21 + ")" + p22 + ") \"mixed\") " + lines_of(inner) + ")";
  EXPECT_EQ(bodystructure(m, false), "(" + body_alt + body_msg + " \"mixed\")");

  for (bool ext : {false, true}) {
    auto sx = mimetest::parse_sexp(bodystructure(m, ext));
    ASSERT_TRUE(sx.has_value());
    EXPECT_EQ(mimetest::check_body(*sx, ext), "");
  }
}

TEST(BodyStructure, MultipartWithoutPartsGetsEmptyBody) {
  Message m = parse_message("Content-Type: multipart/mixed\r\n\r\nx");
  EXPECT_EQ(bodystructure(m, true),
            "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0 NIL NIL NIL NIL)"
            " \"mixed\" NIL NIL NIL NIL)");
  EXPECT_EQ(bodystructure(m, false),
            "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0) \"mixed\")");
}

TEST(BodyStructure, Rfc2231ParamsAndLiteralValues) {
  std::string raw = crlf(
      "Content-Type: application/octet-stream;\n"
      " name*0*=utf-8''%E2%82%AC;\n"
      " name*1=\"uro.txt\"\n"
      "Content-Disposition: attachment; filename*=iso-8859-1''%E9t%E9.txt\n"
      "Content-Language: de\n"
      "\n"
      "data");
  Message m = parse_message(raw);
  EXPECT_EQ(bodystructure(m, true),
            "(\"application\" \"octet-stream\" (\"name\" {10}\r\n\xE2\x82\xACuro.txt) NIL NIL "
            "\"7bit\" 4 NIL (\"attachment\" (\"filename\" {9}\r\n\xC3\xA9t\xC3\xA9.txt)) \"de\" "
            "NIL)");
  auto sx = mimetest::parse_sexp(bodystructure(m, true));
  ASSERT_TRUE(sx.has_value());
  EXPECT_EQ(mimetest::check_body(*sx, true), "");
}

TEST(BodyStructure, OpaqueLeafAtDepthLimitIsValid) {
  std::string raw;
  for (int i = 0; i < 40; ++i) raw += "Content-Type: message/rfc822\r\n\r\n";
  Message m = parse_message(raw);
  for (bool ext : {false, true}) {
    auto sx = mimetest::parse_sexp(bodystructure(m, ext));
    ASSERT_TRUE(sx.has_value());
    EXPECT_EQ(mimetest::check_body(*sx, ext), "");
  }
}

TEST(ImapString, RoundTripThroughReader) {
  for (std::string s : {std::string(""), std::string("a \"b\" \\c"), std::string("x\r\ny"),
                        std::string("\xC3\xA9\xFF"), std::string("NIL"), std::string(300, 'z')}) {
    auto sx = mimetest::parse_sexp(imap_string(s));
    ASSERT_TRUE(sx.has_value()) << s;
    EXPECT_EQ(sx->kind, mimetest::Sexp::string);
    EXPECT_EQ(sx->text, s);
  }
}
