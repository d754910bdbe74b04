#include "mime/encoding.hpp"

#include <gtest/gtest.h>

#include "mime/content.hpp"

using namespace postino::mime;

TEST(EncodedWords, RfcExamples) {
  // RFC 2047 §8
  EXPECT_EQ(decode_encoded_words("=?ISO-8859-1?Q?Andr=E9?= Pirard"), "Andr\xC3\xA9 Pirard");
  EXPECT_EQ(decode_encoded_words("(=?ISO-8859-1?Q?a?=)"), "(a)");
  EXPECT_EQ(decode_encoded_words("(=?ISO-8859-1?Q?a?= b)"), "(a b)");
  EXPECT_EQ(decode_encoded_words("(=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=)"), "(ab)");
  EXPECT_EQ(decode_encoded_words("(=?ISO-8859-1?Q?a?=  \r\n  =?ISO-8859-1?Q?b?=)"), "(ab)");
  EXPECT_EQ(decode_encoded_words("(=?ISO-8859-1?Q?a_b?=)"), "(a b)");
  EXPECT_EQ(decode_encoded_words("(=?ISO-8859-1?Q?a?= =?ISO-8859-2?Q?_b?=)"), "(a b)");
  EXPECT_EQ(decode_encoded_words("=?US-ASCII*EN?Q?Keith_Moore?="), "Keith Moore");  // RFC 2231 §5
}

TEST(EncodedWords, BaseAndAdjacent) {
  EXPECT_EQ(decode_encoded_words("=?UTF-8?B?SGVsbG8g?= =?utf-8?b?V29ybGQ=?="), "Hello World");
  // A multi-byte character split across two adjacent words.
  EXPECT_EQ(decode_encoded_words("=?UTF-8?Q?caf=C3?= =?UTF-8?Q?=A9?="), "caf\xC3\xA9");
  EXPECT_EQ(decode_encoded_words("Re: =?utf-8?q?r=C3=A9sum=C3=A9?= now"),
            "Re: r\xC3\xA9sum\xC3\xA9 now");
}

TEST(EncodedWords, MalformedLeftAsIs) {
  EXPECT_EQ(decode_encoded_words("=?UTF-8?X?abc?="), "=?UTF-8?X?abc?=");
  EXPECT_EQ(decode_encoded_words("=?UTF-8?Q?unterminated"), "=?UTF-8?Q?unterminated");
  EXPECT_EQ(decode_encoded_words("=??Q?x?="), "=??Q?x?=");
  EXPECT_EQ(decode_encoded_words("=?UTF-8?Q?has space?="), "=?UTF-8?Q?has space?=");
  EXPECT_EQ(decode_encoded_words("a =? b"), "a =? b");
  // Unknown charset: bytes kept (invalid UTF-8 replaced).
  EXPECT_EQ(decode_encoded_words("=?x-unknown?Q?abc=FF?="), "abc\xEF\xBF\xBD");
}

TEST(EncodedWords, DecodeHeaderValueUnfolds) {
  EXPECT_EQ(decode_header_value(" =?UTF-8?Q?a?=\r\n =?UTF-8?Q?b?= c\r\n"), "ab c");
}

TEST(Charset, ToUtf8) {
  EXPECT_EQ(to_utf8("caf\xE9", "ISO-8859-1"), "caf\xC3\xA9");
  EXPECT_EQ(to_utf8("\x80", "windows-1252"), "\xE2\x82\xAC");
  EXPECT_EQ(to_utf8("\xA4", "iso-8859-15"), "\xE2\x82\xAC");
  EXPECT_EQ(to_utf8("ok\xFF", "utf-8"), "ok\xEF\xBF\xBD");
  EXPECT_EQ(to_utf8("\xC0\xAF", "utf-8"), "\xEF\xBF\xBD\xEF\xBF\xBD");       // overlong
  EXPECT_EQ(to_utf8("\xED\xA0\x80", "utf-8").substr(0, 3), "\xEF\xBF\xBD");  // surrogate
  EXPECT_EQ(to_utf8("abc", "no-such-charset"), "abc");
  EXPECT_EQ(to_utf8("\x1B$B$3\x1B(B", "ISO-2022-JP"), "\xE3\x81\x93");
  EXPECT_EQ(to_utf8("\xE4", "shift_jis").substr(0, 3), "\xEF\xBF\xBD");  // truncated sequence
  EXPECT_TRUE(is_valid_utf8("J\xC3\xB6rg"));
  EXPECT_FALSE(is_valid_utf8("J\xF6rg"));
}

TEST(Rfc2231, Continuations) {
  // RFC 2231 §4.1
  auto p = parse_params(
      "; title*0*=us-ascii'en'This%20is%20even%20more%20;\r\n"
      " title*1*=%2A%2A%2Afun%2A%2A%2A%20; title*2=\"isn't it!\"");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].name, "title");
  EXPECT_EQ(p[0].value, "This is even more ***fun*** isn't it!");
}

TEST(Rfc2231, CharsetOutOfOrderAndMissing) {
  auto p = parse_params("; Name*=iso-8859-1'fr'%E9t%E9; b*1=y; b*0=x; c*0=1; c*2=3; d=plain");
  ASSERT_EQ(p.size(), 4u);
  EXPECT_EQ(p[0].name, "name");
  EXPECT_EQ(p[0].value, "\xC3\xA9t\xC3\xA9");
  EXPECT_EQ(p[1].value, "xy");
  EXPECT_EQ(p[2].value, "1");  // gap at section 1: stop
  EXPECT_EQ(p[3].value, "plain");
  EXPECT_EQ(decode_rfc2231_value("utf-8''%E2%82%AC%zz", true), "\xE2\x82\xAC%zz");
  EXPECT_EQ(decode_rfc2231_value("no-quotes%41", true), "no-quotesA");
}

TEST(ContentType, ParseAndDefaults) {
  auto ct = parse_content_type("Text/HTML; Charset=\"UTF-8\" (comment); format=flowed");
  ASSERT_TRUE(ct.has_value());
  EXPECT_EQ(ct->type, "text");
  EXPECT_EQ(ct->subtype, "html");
  ASSERT_EQ(ct->params.size(), 2u);
  EXPECT_EQ(ct->params[0].name, "charset");
  EXPECT_EQ(ct->params[0].value, "UTF-8");
  EXPECT_EQ(*find_param(ct->params, "FORMAT"), "flowed");
  EXPECT_FALSE(parse_content_type("garbage").has_value());
  EXPECT_FALSE(parse_content_type("text/").has_value());
  EXPECT_FALSE(parse_content_type("").has_value());
  auto junk = parse_content_type("text/plain; ;; =x; charset=us-ascii junk; name=\"q\\\"t\"");
  ASSERT_TRUE(junk.has_value());
  ASSERT_EQ(junk->params.size(), 2u);
  EXPECT_EQ(junk->params[1].value, "q\"t");
}

TEST(ContentType, DispositionEncodingLanguage) {
  auto d = parse_disposition("Attachment; filename=\"a b.pdf\"; size=12");
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->type, "attachment");
  EXPECT_EQ(d->params.size(), 2u);
  EXPECT_FALSE(parse_disposition("  ").has_value());
  EXPECT_EQ(parse_transfer_encoding(" Base64 (yes)"), "base64");
  EXPECT_EQ(parse_language_list("en-US, (comment) fr ,de"),
            (std::vector<std::string>{"en-US", "fr", "de"}));
}

TEST(TransferEncoding, QuotedPrintable) {
  EXPECT_EQ(decode_quoted_printable("a=3Db=\r\nc  \r\nd=ZZ=4"), "a=bc\r\nd=ZZ=4");
  EXPECT_EQ(decode_quoted_printable("soft=\nbreak\n"), "softbreak\n");
  EXPECT_EQ(decode_quoted_printable("caf=e9"), "caf\xE9");
  EXPECT_EQ(decode_quoted_printable(""), "");
}

TEST(TransferEncoding, Base64Lenient) {
  EXPECT_EQ(decode_base64("SGVsbG8="), "Hello");
  EXPECT_EQ(decode_base64("SGVs\r\nbG8"), "Hello");
  EXPECT_EQ(decode_base64("SG*Vs bG8=junk"), "Hello");
  EXPECT_EQ(decode_base64("QQ"), "A");
  EXPECT_EQ(decode_base64("Q"), "");
  EXPECT_EQ(decode_transfer_encoding("SGk=", "base64"), "Hi");
  EXPECT_EQ(decode_transfer_encoding("a=3D", "quoted-printable"), "a=");
  EXPECT_EQ(decode_transfer_encoding("a=3D", "7bit"), "a=3D");
}
