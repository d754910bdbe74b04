#include "mailauth/dkim/canon.hpp"

#include <gtest/gtest.h>

namespace postino::mailauth::dkim {
namespace {

// RFC 6376 §3.4.5 example.
const char kExample[] =
    "A: X\r\n"
    "B : Y\t\r\n"
    "\tZ  \r\n"
    "\r\n"
    " C \r\n"
    "D \t E\r\n"
    "\r\n"
    "\r\n";

TEST(DkimCanon, Rfc6376Example) {
  auto m = split_message(kExample);
  ASSERT_EQ(m.headers.size(), 2u);
  EXPECT_EQ(canon_header(m.headers[0], Canon::relaxed), "a:X\r\n");
  EXPECT_EQ(canon_header(m.headers[1], Canon::relaxed), "b:Y Z\r\n");
  EXPECT_EQ(canon_header(m.headers[1], Canon::simple), "B : Y\t\r\n\tZ  \r\n");
  EXPECT_EQ(canon_body(m.body, Canon::relaxed), " C\r\nD E\r\n");
  EXPECT_EQ(canon_body(m.body, Canon::simple), " C \r\nD \t E\r\n");
}

TEST(DkimCanon, EmptyBodies) {
  EXPECT_EQ(canon_body("", Canon::simple), "\r\n");
  EXPECT_EQ(canon_body("\r\n\r\n", Canon::simple), "\r\n");
  EXPECT_EQ(canon_body("", Canon::relaxed), "");
  EXPECT_EQ(canon_body(" \r\n\t\r\n", Canon::relaxed), "");
  EXPECT_EQ(canon_body("abc", Canon::relaxed), "abc\r\n");
  EXPECT_EQ(canon_body("abc", Canon::simple), "abc\r\n");
}

TEST(DkimCanon, BareLfIsConvertedAndHeadersSelectedBottomUp) {
  auto m = split_message("Received: 1\nFrom: a@b\nReceived: 2\n\nbody\n");
  ASSERT_EQ(m.headers.size(), 3u);
  EXPECT_EQ(m.body, "body\r\n");
  auto sel = select_headers(m.headers, {"received", "received", "received", "from"});
  ASSERT_EQ(sel.size(), 3u);
  EXPECT_EQ(sel[0]->raw, "Received: 2\r\n");
  EXPECT_EQ(sel[1]->raw, "Received: 1\r\n");
  EXPECT_EQ(sel[2]->name, "From");
}

TEST(DkimCanon, BlankBTag) {
  EXPECT_EQ(blank_b_tag("DKIM-Signature: a=1; b=abc\r\n def; bh=xyz\r\n"),
            "DKIM-Signature: a=1; b=; bh=xyz\r\n");
  EXPECT_EQ(blank_b_tag("DKIM-Signature: a=1; bh=xyz; b = abc\r\n"),
            "DKIM-Signature: a=1; bh=xyz; b =\r\n");
}

}  // namespace
}  // namespace postino::mailauth::dkim
