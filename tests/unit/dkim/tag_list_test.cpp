#include "mailauth/dkim/tag_list.hpp"

#include <gtest/gtest.h>

#include "mailauth/dkim/records.hpp"

namespace postino::mailauth::dkim {
namespace {

TEST(DkimTagList, ParsesWithFoldingAndTrailingSemicolon) {
  auto t = parse_tag_list(" v = 1 ;\r\n\ta=rsa-sha256; h=from : to;\r\n b=abc\r\n def ;");
  ASSERT_TRUE(t.ok()) << t.error().message;
  ASSERT_EQ(t->tags.size(), 4u);
  EXPECT_EQ(*t->find("v"), "1");
  EXPECT_EQ(*t->find("h"), "from : to");
  EXPECT_EQ(*t->find("b"), "abc\r\n def");
  EXPECT_EQ(strip_whitespace(*t->find("b")), "abcdef");
  EXPECT_EQ(split_colon_list(*t->find("h")), (std::vector<std::string>{"from", "to"}));
  EXPECT_EQ(t->find("x"), nullptr);
}

TEST(DkimTagList, Errors) {
  EXPECT_FALSE(parse_tag_list("a=1; a=2").ok());       // duplicate
  EXPECT_FALSE(parse_tag_list("k=rsa; t; p=x").ok());  // no '='
  EXPECT_FALSE(parse_tag_list("1a=x").ok());           // bad name
  EXPECT_FALSE(parse_tag_list("a=1;;b=2").ok());       // empty spec in the middle
  EXPECT_FALSE(parse_tag_list(std::string("a=\x01")).ok());
  EXPECT_FALSE(parse_tag_list(std::string(kMaxTagListLength + 1, 'a')).ok());
  EXPECT_TRUE(parse_tag_list("").ok());
  EXPECT_TRUE(parse_tag_list("a=").ok());
}

TEST(DkimTagList, EveryPrefixIsHandled) {
  const std::string sig =
      "v=1; a=rsa-sha256; c=relaxed/simple; d=example.com; s=sel; i=joe=40sub.example.com; "
      "h=from:to; l=10; t=1; x=2; bh=YWJj; b=ZGVm";
  for (size_t i = 0; i <= sig.size(); ++i) {
    auto r = parse_signature(sig.substr(0, i));  // must not crash; most prefixes are errors
    if (i == sig.size()) {
      ASSERT_TRUE(r.ok()) << r.error().message;
      EXPECT_EQ(r->identity, "joe@sub.example.com");
      EXPECT_EQ(r->header_canon, Canon::relaxed);
      EXPECT_EQ(r->body_canon, Canon::simple);
      EXPECT_EQ(*r->body_length, 10u);
    }
  }
}

TEST(DkimSignature, RequiredTagsAndValues) {
  const std::string ok = "v=1; a=rsa-sha256; d=example.com; s=sel; h=from; bh=YWJj; b=ZGVm";
  EXPECT_TRUE(parse_signature(ok).ok());
  EXPECT_FALSE(parse_signature("a=rsa-sha256; d=example.com; s=sel; h=from; bh=YWJj; b=ZGVm").ok());
  EXPECT_TRUE(parse_signature("a=rsa-sha256; d=example.com; s=sel; h=from; bh=YWJj; b=ZGVm",
                              SignatureOptions{true})
                  .ok());
  EXPECT_FALSE(parse_signature("v=5; a=rsa-sha256; d=e.com; s=s; h=from; bh=YWJj; b=ZGVm").ok());
  EXPECT_FALSE(parse_signature("v=1; a=rsa-md5; d=e.com; s=s; h=from; bh=YWJj; b=ZGVm").ok());
  EXPECT_FALSE(
      parse_signature("v=1; a=rsa-sha256; c=future; d=e.com; s=s; h=from; bh=YWJj; b=ZGVm").ok());
  EXPECT_FALSE(
      parse_signature("v=1; a=rsa-sha256; q=http; d=e.com; s=s; h=from; bh=YWJj; b=ZGVm").ok());
  EXPECT_FALSE(
      parse_signature("v=1; a=rsa-sha256; i=a@other.com; d=e.com; s=s; h=from; bh=YWJj; b=ZGVm")
          .ok());
  EXPECT_FALSE(parse_signature("v=1; a=rsa-sha256; d=e.com; s=s; h=from; bh=YWJj; b=!!").ok());
  EXPECT_FALSE(
      parse_signature("v=1; a=rsa-sha256; d=e.com; s=s; h=from; bh=YWJj; b=ZGVm; t=5; x=4").ok());
  auto ed = parse_signature("v=1; a=ed25519-sha256; d=e.com; s=s; h=from; bh=YWJj; b=ZGVm");
  ASSERT_TRUE(ed.ok());
  EXPECT_EQ(ed->algorithm, Algorithm::ed25519_sha256);
  EXPECT_EQ(ed->identity, "@e.com");
}

TEST(DkimKeyRecord, Parses) {
  auto k = parse_key_record("v=DKIM1; k=ed25519; t=y:s; s=email:*; h=sha256; p=YWJj");
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(k->type, KeyType::ed25519);
  EXPECT_TRUE(k->testing);
  EXPECT_TRUE(k->strict_identity);
  EXPECT_EQ(k->public_key, "abc");
  EXPECT_EQ(k->hashes, std::vector<std::string>{"sha256"});
  auto revoked = parse_key_record("k=rsa; p=");
  ASSERT_TRUE(revoked.ok());
  EXPECT_TRUE(revoked->public_key.empty());
  EXPECT_FALSE(parse_key_record("v=DKIM1: g=*; k=rsa; p=YWJj").ok());
  EXPECT_FALSE(parse_key_record("k=rsa; v=DKIM1; p=YWJj").ok());  // v= must come first
  EXPECT_FALSE(parse_key_record("v=DKIM1; k=ed25519-sha256; p=YWJj").ok());
  EXPECT_FALSE(parse_key_record("v=DKIM1; k=rsa").ok());
}

}  // namespace
}  // namespace postino::mailauth::dkim
