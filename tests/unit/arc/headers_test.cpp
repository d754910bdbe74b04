// ARC header field parsers (RFC 8617 §4.1) and chain collection (§5.2 steps 1-3).
#include "mailauth/arc/headers.hpp"

#include <gtest/gtest.h>

#include "mailauth/arc/chain.hpp"

namespace postino::mailauth::arc {
namespace {

TEST(ArcHeaders, Instance) {
  EXPECT_EQ(*parse_instance("1"), 1);
  EXPECT_EQ(*parse_instance(" 50 "), 50);
  EXPECT_FALSE(parse_instance("0"));
  EXPECT_FALSE(parse_instance("51"));
  EXPECT_FALSE(parse_instance("001"));  // 1*2DIGIT
  EXPECT_FALSE(parse_instance(""));
  EXPECT_FALSE(parse_instance("1a"));
  EXPECT_FALSE(parse_instance("-1"));
}

TEST(ArcHeaders, FieldKind) {
  EXPECT_EQ(field_kind("arc-seal"), FieldKind::seal);
  EXPECT_EQ(field_kind("ARC-Message-Signature"), FieldKind::ams);
  EXPECT_EQ(field_kind("Arc-Authentication-Results"), FieldKind::aar);
  EXPECT_FALSE(field_kind("Authentication-Results"));
  EXPECT_FALSE(field_kind("ARC-Seal2"));
}

TEST(ArcHeaders, AuthenticationResults) {
  auto a = parse_aar(" i=3; mx.example.org; spf=pass smtp.mailfrom=a@b.example\r\n");
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->instance, 3);
  EXPECT_EQ(a->authserv_id, "mx.example.org");
  EXPECT_EQ(a->payload, "mx.example.org; spf=pass smtp.mailfrom=a@b.example");
  // CFWS around the instance (RFC 8617 §3.9), including comments.
  a = parse_aar("(first) i (x) = (y) 12 (z) ; mx.example.org; none");
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->instance, 12);
  EXPECT_FALSE(parse_aar("mx.example.org; i=1; spf=pass"));  // instance must lead
  EXPECT_FALSE(parse_aar("i=1 mx.example.org; spf=pass"));   // ';' after the instance
  EXPECT_FALSE(parse_aar("i=; mx.example.org"));
  EXPECT_FALSE(parse_aar("i=0; mx.example.org"));
  EXPECT_FALSE(parse_aar("i=51; mx.example.org"));
  EXPECT_FALSE(parse_aar("I=1; mx.example.org"));  // %s"i": case-sensitive
  EXPECT_FALSE(parse_aar("i=1;"));                 // no authserv-id
  EXPECT_FALSE(parse_aar("i=1 (unterminated; mx.example.org"));
  EXPECT_FALSE(parse_aar("i=1; ((((((((((deep)))))))))) mx"));
}

constexpr const char* kAms =
    "i=2; a=rsa-sha256; c=relaxed/simple; d=example.org; s=sel;\r\n"
    " h=From : to::Subject; bh=KWSe46TZKCcDbH4klJPo+tjk5LWJnVRlP5pvjXFZYLQ=;\r\n"
    " t=12345; b=AAEC\r\n AwQF";

TEST(ArcHeaders, MessageSignature) {
  auto m = parse_ams(kAms);
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->instance, 2);
  EXPECT_EQ(m->algorithm, dkim::Algorithm::rsa_sha256);
  EXPECT_EQ(m->header_canon, dkim::Canon::relaxed);
  EXPECT_EQ(m->body_canon, dkim::Canon::simple);
  EXPECT_EQ(m->domain, "example.org");
  EXPECT_EQ(m->selector, "sel");
  EXPECT_EQ(m->signed_headers, (std::vector<std::string>{"From", "to", "Subject"}));
  EXPECT_EQ(m->signature, std::string("\x00\x01\x02\x03\x04\x05", 6));
  EXPECT_EQ(m->body_hash.size(), 32u);
  EXPECT_EQ(m->timestamp, 12345u);
  // Defaults: c= simple/simple, no t=, empty h= allowed; v= ignored (§4.1.2).
  m = parse_ams("v=9; i=1; a=rsa-sha256; d=d.example; s=s; h=; bh=AAAA; b=AAAA");
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->header_canon, dkim::Canon::simple);
  EXPECT_TRUE(m->signed_headers.empty());
  EXPECT_FALSE(m->timestamp);
  // §4.1.2: the seal of the AMS's own set cannot be signed by it.
  EXPECT_FALSE(parse_ams("i=1; a=rsa-sha256; d=d.example; s=s; h=from:ARC-Seal; bh=AAAA; b=AAAA"));
  EXPECT_TRUE(
      parse_ams("i=1; a=rsa-sha256; d=d.example; s=s; h=from:arc-message-signature; "
                "bh=AAAA; b=AAAA"));
}

TEST(ArcHeaders, MessageSignatureErrors) {
  const char* base = "i=1; a=rsa-sha256; d=d.example; s=s; h=from; bh=AAAA; b=AAAA";
  ASSERT_TRUE(parse_ams(base));
  for (const char* bad : {
           "a=rsa-sha256; d=d.example; s=s; h=from; bh=AAAA; b=AAAA",           // no i=
           "i=0; a=rsa-sha256; d=d.example; s=s; h=from; bh=AAAA; b=AAAA",      // i range
           "i=1; a=rsa-sha1; d=d.example; s=s; h=from; bh=AAAA; b=AAAA",        // RFC 8301
           "i=1; a=RSA-SHA256; d=d.example; s=s; h=from; bh=AAAA; b=AAAA",      // value case
           "i=1; d=d.example; s=s; h=from; bh=AAAA; b=AAAA",                    // no a=
           "i=1; a=rsa-sha256; s=s; h=from; bh=AAAA; b=AAAA",                   // no d=
           "i=1; a=rsa-sha256; d=; s=s; h=from; bh=AAAA; b=AAAA",               // empty d=
           "i=1; a=rsa-sha256; d=d.example; h=from; bh=AAAA; b=AAAA",           // no s=
           "i=1; a=rsa-sha256; d=d.example; s=s; bh=AAAA; b=AAAA",              // no h=
           "i=1; a=rsa-sha256; d=d.example; s=s; h=from; b=AAAA",               // no bh=
           "i=1; a=rsa-sha256; d=d.example; s=s; h=from; bh=; b=AAAA",          // empty bh=
           "i=1; a=rsa-sha256; d=d.example; s=s; h=from; bh=AAAA",              // no b=
           "i=1; a=rsa-sha256; d=d.example; s=s; h=from; bh=AAAA; b=!!",        // base64
           "i=1; a=rsa-sha256; d=d.example; s=s; h=from; bh=AAAA; b=AAAA; c=",  // empty c=
           "i=1; a=rsa-sha256; d=d.example; s=s; h=from; bh=AAAA; b=AAAA; c=odd/simple",
           "i=1; a=rsa-sha256; d=d.example; s=s; h=from; bh=AAAA; b=AAAA; t=",
           "i=1; a=rsa-sha256; d=d.example; s=s; h=from; bh=AAAA; b=AAAA; t=soon",
           "i=1; a=rsa-sha256; d=d.example; s=s; h=from; bh=AAAA; b=AAAA; t=1234567890123",
           "i=1; i=1; a=rsa-sha256; d=d.example; s=s; h=from; bh=AAAA; b=AAAA",   // dup tag
           "i=1; a=rsa-sha256;; d=d.example; s=s; h=from; bh=AAAA; b=AAAA",       // stray ';'
           "i=1; 1a=x; a=rsa-sha256; d=d.example; s=s; h=from; bh=AAAA; b=AAAA",  // tag name
       }) {
    EXPECT_FALSE(parse_ams(bad)) << bad;
  }
}

TEST(ArcHeaders, Seal) {
  auto s = parse_seal(" i=1; a=rsa-sha256; cv=none; d=example.org; s=sel; t=7; b=AAEC;");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->instance, 1);
  EXPECT_EQ(s->cv, ChainStatus::none);
  EXPECT_EQ(s->domain, "example.org");
  EXPECT_EQ(s->selector, "sel");
  EXPECT_EQ(s->timestamp, 7u);
  EXPECT_EQ(s->signature, std::string("\x00\x01\x02", 3));
  EXPECT_EQ(parse_seal("i=2; a=rsa-sha256; cv=pass; d=e; s=s; b=AAAA")->cv, ChainStatus::pass);
  EXPECT_EQ(parse_seal("i=2; a=rsa-sha256; cv=fail; d=e; s=s; b=AAAA")->cv, ChainStatus::fail);
  // Unknown tags are ignored (RFC 6376 §3.2) ...
  EXPECT_TRUE(parse_seal("i=2; a=rsa-sha256; cv=pass; d=e; s=s; b=AAAA; x1=what"));
  // ... but h= is an error (RFC 8617 §4.1.3).
  EXPECT_FALSE(parse_seal("i=2; a=rsa-sha256; cv=pass; d=e; s=s; b=AAAA; h=from"));
  EXPECT_FALSE(parse_seal("i=2; a=rsa-sha256; cv=Pass; d=e; s=s; b=AAAA"));
  EXPECT_FALSE(parse_seal("i=2; a=rsa-sha256; cv=; d=e; s=s; b=AAAA"));
  EXPECT_FALSE(parse_seal("i=2; a=rsa-sha256; d=e; s=s; b=AAAA"));
  EXPECT_FALSE(parse_seal("i=2; a=rsa-sha256; cv=pass; s=s; b=AAAA"));
  EXPECT_FALSE(parse_seal("i=2; a=rsa-sha256; cv=pass; d=e; b=AAAA"));
  EXPECT_FALSE(parse_seal("i=2; a=rsa-sha256; cv=pass; d=e; s=s; b="));
  EXPECT_FALSE(parse_seal("i=2; cv=pass; d=e; s=s; b=AAAA"));
  EXPECT_FALSE(parse_seal("a=rsa-sha256; cv=pass; d=e; s=s; b=AAAA"));
}

// A syntactically complete set for instance i (signatures are not checked by
// collect_chain()).
std::string set(int i, const char* cv) {
  std::string n = std::to_string(i);
  return "ARC-Seal: i=" + n + "; a=rsa-sha256; cv=" + cv + "; d=e.example; s=s; b=AAAA\r\n" +
         "ARC-Message-Signature: i=" + n +
         "; a=rsa-sha256; d=e.example; s=s; h=from; bh=AAAA; b=AAAA\r\n" +
         "ARC-Authentication-Results: i=" + n + "; mx.example; none\r\n";
}

Status collect(const std::string& message, Chain& chain) {
  static dkim::SplitMessage msg;  // the chain points into it
  msg = dkim::split_message(message);
  return collect_chain(msg.headers, chain);
}

TEST(ArcChain, Structure) {
  Chain c;
  EXPECT_TRUE(collect("From: a@b.example\r\n\r\nbody\r\n", c));
  EXPECT_TRUE(c.sets.empty());
  EXPECT_EQ(c.field_count, 0u);

  ASSERT_TRUE(collect(set(2, "pass") + set(1, "none") + "From: a@b.example\r\n\r\n", c));
  ASSERT_EQ(c.sets.size(), 2u);
  EXPECT_EQ(c.sets[0].seal.instance, 1);
  EXPECT_EQ(c.sets[1].aar.instance, 2);
  auto fields = seal_fields(c, 2);
  ASSERT_EQ(fields.size(), 6u);
  EXPECT_EQ(fields[0]->name, "ARC-Authentication-Results");
  EXPECT_EQ(fields[1]->name, "ARC-Message-Signature");
  EXPECT_EQ(fields[2]->name, "ARC-Seal");
  EXPECT_NE(fields[5]->raw.find("i=2"), std::string::npos);

  // Gap, wrong cv, duplicates, missing fields, newest cv=fail.
  Status st = collect(set(3, "pass") + set(1, "none"), c);
  ASSERT_FALSE(st);
  EXPECT_EQ(c.highest, 3);
  EXPECT_NE(st.error().message.find("missing"), std::string::npos);
  st = collect(set(1, "pass"), c);
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("cv=pass"), std::string::npos);
  EXPECT_FALSE(collect(set(2, "none") + set(1, "none"), c));
  EXPECT_FALSE(collect(set(1, "none") + set(1, "none"), c));
  st = collect(set(2, "fail") + set(1, "none"), c);
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("cv=fail"), std::string::npos);
  EXPECT_FALSE(collect("ARC-Seal: i=1; a=rsa-sha256; cv=none; d=e; s=s; b=AAAA\r\n\r\n", c));
  // A malformed field fails the chain (§5.2.1) even next to a good set.
  EXPECT_FALSE(collect(set(1, "none") + "ARC-Authentication-Results: i=x; mx\r\n", c));
}

TEST(ArcChain, FiftySetsAtMost) {
  std::string msg;
  for (int i = kMaxInstance; i >= 1; --i) msg += set(i, i == 1 ? "none" : "pass");
  Chain c;
  ASSERT_TRUE(collect(msg + "\r\n", c));
  EXPECT_EQ(c.sets.size(), 50u);
  // A 51st set: its i=51 is out of range, and its fields exceed 50 sets.
  Status st = collect(set(51, "pass") + msg + "\r\n", c);
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("50"), std::string::npos);
}

TEST(ArcChain, SealHashInput) {
  dkim::HeaderField aar{"ARC-Authentication-Results",
                        "ARC-Authentication-Results:  i=1;\r\n  mx.example;  none\r\n"};
  dkim::HeaderField ams{"ARC-Message-Signature", "ARC-Message-Signature: i=1; b=AA\r\n BB\r\n"};
  dkim::HeaderField as{"ARC-Seal", "ARC-Seal: i=1; cv=none; b=CC\r\n DD; d=x\r\n"};
  // RFC 8617 §5.1.1 order, relaxed (§4.1.3); the seal's own b= emptied and no
  // final CRLF (RFC 6376 §3.7).
  EXPECT_EQ(seal_hash_input({&aar, &ams, &as}),
            "arc-authentication-results:i=1; mx.example; none\r\n"
            "arc-message-signature:i=1; b=AA BB\r\n"
            "arc-seal:i=1; cv=none; b=; d=x");
}

}  // namespace
}  // namespace postino::mailauth::arc
