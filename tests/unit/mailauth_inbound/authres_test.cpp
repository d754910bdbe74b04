// Authentication-Results: rendering (RFC 8601 §2.2, folding), authserv-id
// parsing, and removal of forged fields (RFC 8601 §5).
#include "mailauth/inbound/authres.hpp"

#include <gtest/gtest.h>

#include "base/strings.hpp"

namespace postino::mailauth::inbound {
namespace {

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < s.size()) {
    size_t e = s.find("\r\n", pos);
    if (e == std::string::npos) e = s.size();
    out.push_back(s.substr(pos, e - pos));
    pos = e + 2;
  }
  return out;
}

TEST(AuthResRender, ThreeMethodsOneLineEach) {
  AuthResBuilder b("mail.example.test");
  b.add({"spf", "pass", "", "", {{"smtp.mailfrom", "example.test"}}});
  b.add({"dkim", "pass", "", "", {{"header.d", "example.test"}, {"header.s", "sel"}}});
  b.add({"dmarc", "pass", "p=reject dis=none", "", {{"header.from", "example.test"}}});
  EXPECT_EQ(b.render(),
            "Authentication-Results: mail.example.test;\r\n"
            "\tspf=pass smtp.mailfrom=example.test;\r\n"
            "\tdkim=pass header.d=example.test header.s=sel;\r\n"
            "\tdmarc=pass (p=reject dis=none) header.from=example.test\r\n");
}

TEST(AuthResRender, NoResultIsNone) {
  AuthResBuilder b("mx.example.test");
  EXPECT_EQ(b.render(), "Authentication-Results: mx.example.test; none\r\n");
}

TEST(AuthResRender, FoldsLongResultsAt78) {
  AuthResBuilder b("mail.example.test");
  b.add({"dkim",
         "fail",
         "",
         "signature did not verify (body hash mismatch)",
         {{"header.d", "a-rather-long-subdomain.of-an-organisation.example.test"},
          {"header.s", "selector2026-11"},
          {"header.a", "rsa-sha256"},
          {"header.b", "AbCdEfGh"}}});
  std::string h = b.render();
  ASSERT_TRUE(h.size() > 2 && h.substr(h.size() - 2) == "\r\n");
  auto lines = lines_of(h);
  ASSERT_GT(lines.size(), 2u);
  for (size_t i = 0; i < lines.size(); ++i) {
    EXPECT_LE(lines[i].size(), kFoldWidth) << lines[i];
    if (i > 0) {
      EXPECT_EQ(lines[i][0], '\t') << "continuation must start with WSP";
    }
  }
  // Unfolding gives back every word.
  std::string unfolded;
  for (auto& l : lines) unfolded += (unfolded.empty() ? "" : " ") + std::string(trim(l));
  EXPECT_NE(unfolded.find("reason=\"signature did not verify (body hash mismatch)\""),
            std::string::npos)
      << unfolded;
  EXPECT_NE(unfolded.find("header.d=a-rather-long-subdomain.of-an-organisation.example.test"),
            std::string::npos);
}

TEST(AuthResRender, ValuesAndCommentsAreEscaped) {
  EXPECT_EQ(format_value("example.test"), "example.test");
  EXPECT_EQ(format_value("ab/cd+e="), "\"ab/cd+e=\"");  // '/' and '=' are tspecials
  EXPECT_EQ(format_value("a \"q\" \\b"), "\"a \\\"q\\\" \\\\b\"");
  EXPECT_EQ(format_value(""), "\"\"");
  EXPECT_EQ(format_value("evil\r\nInjected: yes"), "\"evilInjected: yes\"");
  EXPECT_EQ(format_value(std::string(300, 'a')).size(), kMaxValueChars);
  EXPECT_EQ(escape_comment("a (b) \\ c"), "a \\(b\\) \\\\ c");
  EXPECT_EQ(escape_comment("x\r\ny"), "x  y");
  // A cut never splits a UTF-8 sequence.
  std::string u = std::string(kMaxCommentChars - 1, 'a') + "\xC3\xA9";
  EXPECT_EQ(escape_comment(u).size(), kMaxCommentChars - 1);

  AuthResBuilder b("mail.example.test");
  b.add({"spf", "fail", "bad (nested) \\ text\r\nX-Injected: 1", "", {}});
  std::string h = b.render();
  EXPECT_EQ(h.find("\r\nX-Injected"), std::string::npos) << h;
  EXPECT_NE(h.find("(bad \\(nested\\) \\\\ text X-Injected: 1)"), std::string::npos) << h;
}

TEST(AuthservId, ParsesTokensQuotedCommentsAndVersion) {
  auto a = parse_authserv_id(" mail.example.test; spf=pass");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->id, "mail.example.test");
  EXPECT_FALSE(a->version);

  auto b = parse_authserv_id("(a (nested) comment \\) here)\r\n\t  Mail.Example.Test 1 ; none");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->id, "Mail.Example.Test");
  ASSERT_TRUE(b->version);
  EXPECT_EQ(*b->version, 1u);

  auto c = parse_authserv_id(" \"quoted id\"; none");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->id, "quoted id");

  auto d = parse_authserv_id("example.org 2 (future); foo=bar");
  ASSERT_TRUE(d && d->version);
  EXPECT_EQ(*d->version, 2u);

  EXPECT_FALSE(parse_authserv_id(""));
  EXPECT_FALSE(parse_authserv_id("   ; spf=pass"));
  EXPECT_FALSE(parse_authserv_id(" (unterminated comment mail.example.test; spf=pass"));
  EXPECT_FALSE(parse_authserv_id(" \"unterminated"));
}

TEST(AuthResRemove, RemovesOursOnly) {
  std::string m =
      "Received: from a by b; Thu, 26 Nov 2026 21:00:00 +0000\r\n"
      "Authentication-Results: MAIL.example.test;\r\n"
      "\tspf=pass smtp.mailfrom=evil.test\r\n"
      "Authentication-Results: other.example; dkim=pass header.d=x.test\r\n"
      "authentication-results : (forged) mail.example.test. ; dmarc=pass\r\n"
      "Authentication-Results: example.org 2; future=yes\r\n"
      "Authentication-Results:\r\n"
      "From: a@example.test\r\n"
      "\r\n"
      "Authentication-Results: mail.example.test; body text stays\r\n";
  EXPECT_EQ(remove_authres(m, "mail.example.test"), 4u);
  EXPECT_EQ(m,
            "Received: from a by b; Thu, 26 Nov 2026 21:00:00 +0000\r\n"
            "Authentication-Results: other.example; dkim=pass header.d=x.test\r\n"
            "From: a@example.test\r\n"
            "\r\n"
            "Authentication-Results: mail.example.test; body text stays\r\n");
  // Nothing left to remove: the same bytes again.
  std::string again = m;
  EXPECT_EQ(remove_authres(again, "mail.example.test"), 0u);
  EXPECT_EQ(again, m);
}

TEST(AuthResRemove, LfOnlyAndNoBodyAndFirstField) {
  std::string m = "Authentication-Results: mx.test; none\nSubject: s\n";
  EXPECT_EQ(remove_authres(m, "MX.TEST"), 1u);
  EXPECT_EQ(m, "Subject: s\n");
  std::string last = "Subject: s\r\nAuthentication-Results: mx.test; spf=pass";
  EXPECT_EQ(remove_authres(last, "mx.test"), 1u);
  EXPECT_EQ(last, "Subject: s\r\n");
  std::string none = "Subject: s\r\n\r\nbody";
  EXPECT_EQ(remove_authres(none, "mx.test"), 0u);
  EXPECT_EQ(none, "Subject: s\r\n\r\nbody");
}

TEST(AuthResRemove, OurRenderedFieldRoundTrips) {
  AuthResBuilder b("mail.example.test");
  b.add({"spf", "pass", "matched ip4", "", {{"smtp.mailfrom", "example.test"}}});
  std::string h = b.render();
  auto id = parse_authserv_id(h.substr(h.find(':') + 1));
  ASSERT_TRUE(id);
  EXPECT_EQ(id->id, "mail.example.test");
  std::string m = h + "Subject: x\r\n\r\nbody\r\n";
  EXPECT_EQ(remove_authres(m, "mail.example.test"), 1u);
  EXPECT_EQ(m, "Subject: x\r\n\r\nbody\r\n");
}

}  // namespace
}  // namespace postino::mailauth::inbound
