// DKIM KeyRing: key files made by create_domain_keys (names, modes, no-op when
// present), loading, signing for the From domain or a parent, and the
// signatures verifying through dkim::verify against the published records.
#include "mailauth/dkim/keyring.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "common/temp_dir.hpp"
#include "dns/static_resolver.hpp"
#include "dns/test_run.hpp"
#include "mailauth/dkim/verify.hpp"

namespace postino::mailauth::dkim {
namespace {

namespace fs = std::filesystem;
using postino::testing::run_sync;
using postino::testing::TempDir;

const std::string kMessage =
    "From: Alice <alice@example.test>\r\n"
    "To: bob@example.org\r\n"
    "Subject: keys\r\n"
    "Date: Thu, 26 Nov 2026 10:00:00 +0000\r\n"
    "Message-ID: <k1@example.test>\r\n"
    "\r\n"
    "Hello.\r\n";

std::string with_from(const std::string& from) {
  std::string m = kMessage;
  m.replace(0, m.find("\r\n"), "From: " + from);
  return m;
}

mode_t mode_of(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
  return st.st_mode & 07777;
}

// A zone publishing every key record of `domain` as published_keys() gives them.
void publish(dns::StaticResolver& z, const std::string& data_dir, const std::string& domain) {
  auto keys = published_keys(data_dir, domain);
  ASSERT_TRUE(keys.ok()) << keys.error().message;
  for (const auto& k : *keys) z.add_txt(k.selector + "._domainkey." + domain, k.txt);
}

TEST(DkimKeyRing, CreateMakesOnePairWithPrivateModes) {
  TempDir dir;
  ASSERT_TRUE(create_domain_keys(dir.path(), "Example.TEST", "202611").ok());
  fs::path d = fs::path(dir.path()) / "dkim" / "example.test";
  EXPECT_TRUE(fs::exists(d / "202611r.rsa.pem"));
  EXPECT_TRUE(fs::exists(d / "202611e.ed25519.pem"));
  EXPECT_EQ(mode_of(d / "202611r.rsa.pem"), 0600u);
  EXPECT_EQ(mode_of(d / "202611e.ed25519.pem"), 0600u);
  EXPECT_EQ(mode_of(d), 0700u);
  EXPECT_EQ(mode_of(d.parent_path()), 0700u);
  size_t n = 0;
  for (const auto& e : fs::directory_iterator(d)) n += e.is_regular_file() ? 1 : 0;
  EXPECT_EQ(n, 2u);  // no temporary files left behind

  auto keys = published_keys(dir.path(), "example.test");
  ASSERT_TRUE(keys.ok());
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0].selector, "202611e");
  EXPECT_EQ((*keys)[0].algorithm, "ed25519");
  EXPECT_EQ((*keys)[0].txt.rfind("v=DKIM1; k=ed25519; p=", 0), 0u);
  EXPECT_EQ((*keys)[1].selector, "202611r");
  EXPECT_EQ((*keys)[1].txt.rfind("v=DKIM1; k=rsa; p=", 0), 0u);
  // The records parse, and the RSA key is 2048 bits: its SPKI is 294 octets.
  auto rec = parse_key_record((*keys)[1].txt);
  ASSERT_TRUE(rec.ok());
  EXPECT_EQ(rec->public_key.size(), 294u);
  auto ed = parse_key_record((*keys)[0].txt);
  ASSERT_TRUE(ed.ok());
  EXPECT_EQ(ed->type, KeyType::ed25519);
  EXPECT_EQ(ed->public_key.size(), kEd25519KeyLength);
}

TEST(DkimKeyRing, CreateIsANoOpWhenKeysExist) {
  TempDir dir;
  ASSERT_TRUE(create_domain_keys(dir.path(), "example.test", "202601").ok());
  auto before = published_keys(dir.path(), "example.test");
  ASSERT_TRUE(before.ok());
  ASSERT_TRUE(create_domain_keys(dir.path(), "example.test", "202612").ok());
  ASSERT_TRUE(create_domain_keys(dir.path(), "example.test").ok());
  auto after = published_keys(dir.path(), "example.test");
  ASSERT_TRUE(after.ok());
  ASSERT_EQ(after->size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ((*after)[i].selector, (*before)[i].selector);
    EXPECT_EQ((*after)[i].txt, (*before)[i].txt);
  }
}

TEST(DkimKeyRing, DefaultSelectorIsTheMonth) {
  TempDir dir;
  ASSERT_TRUE(create_domain_keys(dir.path(), "example.test").ok());
  auto keys = published_keys(dir.path(), "example.test");
  ASSERT_TRUE(keys.ok());
  ASSERT_EQ(keys->size(), 2u);
  char buf[16];
  time_t t = ::time(nullptr);
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(buf, sizeof buf, "%Y%m", &tm);
  EXPECT_EQ((*keys)[0].selector, std::string(buf) + "e");
  EXPECT_EQ((*keys)[1].selector, std::string(buf) + "r");
}

TEST(DkimKeyRing, BadNamesAreRefusedAndChangeNothing) {
  TempDir dir;
  for (const char* d : {"../evil", "a/b", "", "example..test", "-x.test/..", "a b.test"}) {
    auto st = create_domain_keys(dir.path(), d);
    EXPECT_FALSE(st.ok()) << d;
  }
  for (const char* s : {"a.b", "x/y", "-a", "a_b", "abcdefghijklmnopqrstuvwxyz0123456789"}) {
    EXPECT_FALSE(create_domain_keys(dir.path(), "example.test", s).ok()) << s;
  }
  EXPECT_FALSE(fs::exists(fs::path(dir.path()) / "dkim" / "example.test" / "a.br.rsa.pem"));
  auto keys = published_keys(dir.path(), "example.test");
  ASSERT_FALSE(keys.ok());
  EXPECT_EQ(keys.error().code, Errc::not_found);
}

TEST(DkimKeyRing, SignsWithBothAlgorithmsAndVerifies) {
  TempDir dir;
  ASSERT_TRUE(create_domain_keys(dir.path(), "example.test", "202611").ok());
  auto ring = KeyRing::load(dir.path());
  ASSERT_TRUE(ring.ok()) << ring.error().message;
  EXPECT_TRUE(ring->has_domain("example.test"));
  EXPECT_TRUE(ring->has_domain("EXAMPLE.test."));
  EXPECT_FALSE(ring->has_domain("example.org"));

  auto fields = ring->sign(kMessage);
  ASSERT_TRUE(fields.ok()) << fields.error().message;
  // RSA first, then Ed25519; each one CRLF-terminated header field.
  size_t rsa = fields->find("a=rsa-sha256");
  size_t ed = fields->find("a=ed25519-sha256");
  ASSERT_NE(rsa, std::string::npos);
  ASSERT_NE(ed, std::string::npos);
  EXPECT_LT(rsa, ed);
  EXPECT_EQ(fields->rfind("DKIM-Signature:", 0), 0u);
  EXPECT_EQ(fields->substr(fields->size() - 2), "\r\n");
  EXPECT_NE(fields->find("c=relaxed/relaxed"), std::string::npos);
  EXPECT_NE(fields->find("d=example.test"), std::string::npos);
  EXPECT_NE(fields->find("from:from"), std::string::npos);  // oversigned

  dns::StaticResolver z;
  publish(z, dir.path(), "example.test");
  std::string msg = *fields + kMessage;
  auto rs = run_sync(verify(z, msg));
  ASSERT_EQ(rs.size(), 2u);
  for (const auto& r : rs) {
    EXPECT_EQ(r.result, DkimResult::pass) << r.algorithm << ": " << r.reason;
    EXPECT_EQ(r.domain, "example.test");
  }
  EXPECT_EQ(rs[0].selector, "202611r");
  EXPECT_EQ(rs[1].selector, "202611e");

  // A changed body fails both; an added From fails both (oversigning).
  auto bad = run_sync(verify(z, msg + "more\r\n"));
  ASSERT_EQ(bad.size(), 2u);
  for (const auto& r : bad) EXPECT_EQ(r.result, DkimResult::fail);
  auto added = run_sync(verify(z, *fields + "From: mallory@example.org\r\n" + kMessage));
  ASSERT_EQ(added.size(), 2u);
  for (const auto& r : added) EXPECT_EQ(r.result, DkimResult::fail);
}

TEST(DkimKeyRing, PicksFromDomainThenParentElseNothing) {
  TempDir dir;
  ASSERT_TRUE(create_domain_keys(dir.path(), "example.test", "202611").ok());
  ASSERT_TRUE(create_domain_keys(dir.path(), "lists.example.test", "202610").ok());
  auto ring = KeyRing::load(dir.path());
  ASSERT_TRUE(ring.ok());
  dns::StaticResolver z;
  publish(z, dir.path(), "example.test");
  publish(z, dir.path(), "lists.example.test");

  auto check = [&](const std::string& from, const std::string& want_d, const char* want_s) {
    std::string m = with_from(from);
    auto f = ring->sign(m);
    ASSERT_TRUE(f.ok());
    auto rs = run_sync(verify(z, *f + m));
    ASSERT_EQ(rs.size(), 2u) << from;
    EXPECT_EQ(rs[0].domain, want_d);
    EXPECT_EQ(rs[0].selector, want_s);
    for (const auto& r : rs) EXPECT_EQ(r.result, DkimResult::pass) << r.reason;
  };
  check("x@lists.example.test", "lists.example.test", "202610r");
  check("\"Deep\" <x@a.b.Example.Test>", "example.test", "202611r");
  check("x@example.test", "example.test", "202611r");

  auto none = ring->sign(with_from("x@example.org"));
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, "");
  auto suffix_only = ring->sign(with_from("x@notexample.test"));
  ASSERT_TRUE(suffix_only.ok());
  EXPECT_EQ(*suffix_only, "");

  auto as = ring->sign_as(with_from("x@example.org"), "example.test");
  ASSERT_TRUE(as.ok());
  EXPECT_NE(as->find("d=example.test;"), std::string::npos);
  EXPECT_EQ(ring->sign_as(kMessage, "other.test").value(), "");
}

TEST(DkimKeyRing, NewestPairIsUsedAfterRotation) {
  TempDir dir;
  ASSERT_TRUE(create_domain_keys(dir.path(), "example.test", "202601").ok());
  // A rotation: a newer pair beside the old one (made in a scratch dir, moved in).
  TempDir other;
  ASSERT_TRUE(create_domain_keys(other.path(), "example.test", "202611").ok());
  fs::path src = fs::path(other.path()) / "dkim" / "example.test";
  fs::path dst = fs::path(dir.path()) / "dkim" / "example.test";
  for (const auto& e : fs::directory_iterator(src)) fs::copy(e.path(), dst / e.path().filename());
  auto ring = KeyRing::load(dir.path());
  ASSERT_TRUE(ring.ok());
  auto f = ring->sign(kMessage);
  ASSERT_TRUE(f.ok());
  EXPECT_NE(f->find("s=202611r;"), std::string::npos);
  EXPECT_NE(f->find("s=202611e;"), std::string::npos);
  EXPECT_EQ(f->find("s=202601"), std::string::npos);
  auto keys = published_keys(dir.path(), "example.test");
  ASSERT_TRUE(keys.ok());
  EXPECT_EQ(keys->size(), 4u);  // both pairs stay publishable
}

TEST(DkimKeyRing, LoadReportsBrokenKeyFiles) {
  TempDir dir;
  auto empty = KeyRing::load(dir.path());
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->domains().empty());
  ASSERT_TRUE(create_domain_keys(dir.path(), "example.test", "202611").ok());
  fs::path bad = fs::path(dir.path()) / "dkim" / "example.test" / "202612r.rsa.pem";
  std::ofstream(bad) << "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n";
  auto ring = KeyRing::load(dir.path());
  ASSERT_FALSE(ring.ok());
  EXPECT_NE(ring.error().message.find("202612r.rsa.pem"), std::string::npos);
  // An Ed25519 key under an .rsa.pem name is refused too.
  fs::remove(bad);
  fs::copy(fs::path(dir.path()) / "dkim" / "example.test" / "202611e.ed25519.pem", bad);
  EXPECT_FALSE(KeyRing::load(dir.path()).ok());
}

TEST(DkimKeyRing, MessageWithoutFromIsAnErrorOnlyWhenSigningAs) {
  TempDir dir;
  ASSERT_TRUE(create_domain_keys(dir.path(), "example.test", "202611").ok());
  auto ring = KeyRing::load(dir.path());
  ASSERT_TRUE(ring.ok());
  std::string no_from = "To: bob@example.org\r\nSubject: x\r\n\r\nbody\r\n";
  auto f = ring->sign(no_from);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(*f, "");                                          // no From domain: nothing to sign for
  EXPECT_FALSE(ring->sign_as(no_from, "example.test").ok());  // RFC 6376 §5.4: From is required
}

}  // namespace
}  // namespace postino::mailauth::dkim
