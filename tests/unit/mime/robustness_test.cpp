// Truncated and mangled input: no crash, offsets in range, grammar-valid IMAP output.
#include <gtest/gtest.h>

#include <functional>

#include "imap_sexp.hpp"
#include "mime/address.hpp"
#include "mime/encoding.hpp"
#include "mime/imap_format.hpp"
#include "sample_mail.hpp"

using namespace postino::mime;

namespace {

void check_part(const Part& p, size_t size, size_t* count) {
  ++*count;
  ASSERT_LE(p.header_begin, p.header_end);
  ASSERT_LE(p.header_end, p.body_end);
  ASSERT_LE(p.body_end, size);
  for (const auto& c : p.children) {
    ASSERT_GE(c.header_begin, p.header_end);
    ASSERT_LE(c.body_end, p.body_end);
    check_part(c, size, count);
  }
  if (p.message) {
    ASSERT_EQ(p.message->header_begin, p.header_end);
    ASSERT_EQ(p.message->body_end, p.body_end);
    check_part(*p.message, size, count);
  }
}

// Every section number that exists, found again by find_section.
void check_sections(const Message& m, const Part& container, const std::string& prefix) {
  if (container.is_multipart()) {
    for (size_t i = 0; i < container.children.size(); ++i) {
      std::string s = prefix + std::to_string(i + 1);
      const Part& c = container.children[i];
      ASSERT_EQ(find_section(m, s), &c) << s;
      if (c.message) check_sections(m, *c.message, s + ".");
      if (c.is_multipart()) check_sections(m, c, s + ".");
    }
  } else {
    std::string s = prefix + "1";
    ASSERT_EQ(find_section(m, s), &container) << s;
  }
}

void check_all(const std::string& raw) {
  Message m = parse_message(raw);
  size_t count = 0;
  check_part(m.root, raw.size(), &count);
  EXPECT_EQ(count, m.part_count);
  check_sections(m, m.root, "");
  for (bool ext : {false, true}) {
    std::string bs = bodystructure(m, ext);
    auto sx = mimetest::parse_sexp(bs);
    ASSERT_TRUE(sx.has_value()) << bs;
    ASSERT_EQ(mimetest::check_body(*sx, ext), "") << bs;
  }
  std::string env = envelope(m);
  auto ex = mimetest::parse_sexp(env);
  ASSERT_TRUE(ex.has_value()) << env;
  ASSERT_EQ(mimetest::check_envelope(*ex), "") << env;
}

}  // namespace

TEST(Robustness, NestedMailTruncatedAtEveryOffset) {
  std::string full = mimetest::nested_mail();
  for (size_t n = 0; n <= full.size(); ++n) {
    SCOPED_TRACE(n);
    check_all(full.substr(0, n));
    if (HasFatalFailure()) return;
  }
}

TEST(Robustness, LfOnlyTruncatedAtEveryOffset) {
  std::string full = mimetest::nested_mail();
  std::string lf;
  for (char c : full)
    if (c != '\r') lf.push_back(c);
  for (size_t n = 0; n <= lf.size(); ++n) {
    check_all(lf.substr(0, n));
    if (HasFatalFailure()) return;
  }
}

TEST(Robustness, EveryByteFlipped) {
  std::string full = mimetest::nested_mail();
  for (size_t i = 0; i < full.size(); ++i) {
    for (char c : {'\0', '\n', '-', '"', '(', '\xFF'}) {
      std::string s = full;
      s[i] = c;
      check_all(s);
      if (HasFatalFailure()) return;
    }
  }
}

TEST(Robustness, HeaderDecodersOnTruncatedInput) {
  std::string v = "\"Giant; \\\"Big\\\" Box\" <a@b>, g: =?utf-8?q?x=C3=A9?= (c (n)) <@r:x@[1.2]>;";
  for (size_t n = 0; n <= v.size(); ++n) {
    std::string s = v.substr(0, n);
    (void)parse_address_list(s);
    EXPECT_TRUE(is_valid_utf8(decode_encoded_words(s)));
    (void)parse_params(s);
    (void)decode_quoted_printable(s);
    (void)decode_base64(s);
  }
}

TEST(Robustness, PathologicalHeadersStayLinear) {
  // Many "=?" that never close, many unterminated groups and brackets, many
  // delimiter look-alikes: each would be quadratic with a naive scanner.
  std::string ew;
  while (ew.size() < 400000) ew += "=?a?q?x";
  EXPECT_EQ(decode_encoded_words(ew), ew);
  std::string spaced;
  while (spaced.size() < 400000) spaced += "=?a?q?x y?=";
  EXPECT_EQ(decode_encoded_words(spaced).size(), spaced.size());
  std::string addr;
  while (addr.size() < 400000) addr += "a:[b(c\"<";
  (void)parse_address_list(addr);
  std::string mail = "Content-Type: multipart/mixed; boundary=b\r\n\r\n";
  while (mail.size() < 400000) mail += "--bx\r\nx--b\r\n";
  Message m = parse_message(mail);
  EXPECT_EQ(m.root.children.size(), 1u);
}
