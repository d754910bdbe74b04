// DKIM signing: round trips through our verifier with the dkimpy keys and
// messages, and interoperability with python3-dkim in both directions.
#include "mailauth/dkim/sign.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>

#include "base/strings.hpp"
#include "dkim/test_data.hpp"
#include "dns/static_resolver.hpp"
#include "dns/test_run.hpp"
#include "mailauth/dkim/verify.hpp"

namespace postino::mailauth::dkim {
namespace {

using postino::testing::read_file;
using postino::testing::rfc_tests_dir;
using postino::testing::run_sync;

class DkimSign : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = rfc_tests_dir() / "dkimpy";
    if (!std::filesystem::exists(dir_ / "test.private")) GTEST_SKIP() << "no data at " << dir_;
  }
  std::string file(const char* n) { return read_file(dir_ / n); }
  std::string key_txt(const char* n) { return std::string(trim(file(n))); }
  PrivateKeyPtr key(const char* n) {
    auto k = load_private_key(file(n));
    EXPECT_TRUE(k.ok()) << n;
    return k ? std::move(*k) : nullptr;
  }
  std::string signed_msg(const char* msg, const PrivateKey& k, SignOptions o) {
    std::string m = file(msg);
    auto s = sign(m, k, o);
    EXPECT_TRUE(s.ok()) << (s ? "" : s.error().message);
    return s ? *s + m : m;
  }
  DkimResult check(const std::string& msg, const char* name, const std::string& txt) {
    dns::StaticResolver z;
    z.add_txt(name, txt);
    auto rs = run_sync(verify(z, msg));
    EXPECT_EQ(rs.size(), 1u);
    return rs.empty() ? DkimResult::none : rs[0].result;
  }
  std::filesystem::path dir_;
};

SignOptions opts(const char* d, const char* s, Canon hc = Canon::relaxed,
                 Canon bc = Canon::relaxed) {
  SignOptions o;
  o.domain = d;
  o.selector = s;
  o.header_canon = hc;
  o.body_canon = bc;
  return o;
}

TEST_F(DkimSign, RsaRoundTripAllCanonicalizations) {
  auto k = key("test.private");
  ASSERT_TRUE(k);
  for (Canon hc : {Canon::simple, Canon::relaxed}) {
    for (Canon bc : {Canon::simple, Canon::relaxed}) {
      std::string m = signed_msg("test.message", *k, opts("example.com", "test", hc, bc));
      EXPECT_EQ(check(m, "test._domainkey.example.com", key_txt("test.txt")), DkimResult::pass);
      EXPECT_EQ(check(m, "test._domainkey.example.com", key_txt("test2.txt")), DkimResult::pass);
      EXPECT_EQ(check(m + "foo", "test._domainkey.example.com", key_txt("test.txt")),
                DkimResult::fail);
    }
  }
}

TEST_F(DkimSign, BadKeyRecordsAreRejected) {
  auto k = key("test.private");
  ASSERT_TRUE(k);
  std::string m = signed_msg("test.message", *k, opts("example.com", "test"));
  for (const char* bad : {"badversion.txt", "badk.txt", "test_bad.txt", "test_tlsrpt.txt"}) {
    EXPECT_EQ(check(m, "test._domainkey.example.com", key_txt(bad)), DkimResult::permerror) << bad;
  }
}

TEST_F(DkimSign, Ed25519RoundTrips) {
  auto k = key("ed25519test.key");
  ASSERT_TRUE(k);
  std::string m = signed_msg("ed25519test.msg", *k, opts("example.net", "test"));
  EXPECT_EQ(check(m, "test._domainkey.example.net", key_txt("ed25519test.dns")), DkimResult::pass);
  auto r = key("rfc8032_7_1.key");
  ASSERT_TRUE(r);
  auto pub = public_key_bytes(*r);
  ASSERT_TRUE(pub.ok());
  EXPECT_EQ(base64_encode(*pub), "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
  std::string m2 = signed_msg("rfc6376.msg", *r, opts("football.example.com", "brisbane"));
  EXPECT_EQ(check(m2, "brisbane._domainkey.football.example.com",
                  "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="),
            DkimResult::pass);
}

TEST_F(DkimSign, MessageWithoutFromIsRefused) {
  auto k = key("test.private");
  ASSERT_TRUE(k);
  EXPECT_FALSE(sign(file("test_nofrom.message"), *k, opts("example.com", "test")).ok());
}

// Runs the dkimpy helper; nullopt if python3-dkim is unavailable.
std::optional<std::string> run_python(const std::string& args) {
  if (std::system("/usr/bin/python3 -c 'import dkim' >/dev/null 2>&1") != 0) return std::nullopt;
  const char* src = std::getenv("POSTINO_SOURCE_DIR");
  std::string cmd = "/usr/bin/python3 " + std::string(src ? src : ".") +
                    "/tests/unit/dkim/dkimpy_helper.py " + args;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return std::nullopt;
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

std::string tmp_file(const std::string& name, const std::string& content) {
  const char* t = std::getenv("POSTINO_TEST_TMP");
  std::filesystem::path dir = t ? t : std::filesystem::temp_directory_path();
  std::filesystem::create_directories(dir);
  auto p = dir / ("dkim_" + name);
  FILE* f = std::fopen(p.c_str(), "wb");
  std::fwrite(content.data(), 1, content.size(), f);
  std::fclose(f);
  return p.string();
}

TEST_F(DkimSign, InteropWithDkimpy) {
  std::string msg_path = (dir_ / "test.message").string();
  std::string key_path = (dir_ / "test.private").string();
  auto signed_by_py = run_python("sign " + msg_path + " " + key_path + " example.com test");
  if (!signed_by_py) GTEST_SKIP() << "python3-dkim not installed";
  ASSERT_NE(signed_by_py->find("DKIM-Signature"), std::string::npos);
  EXPECT_EQ(check(*signed_by_py, "test._domainkey.example.com", key_txt("test.txt")),
            DkimResult::pass);

  auto k = key("test.private");
  ASSERT_TRUE(k);
  for (Canon c : {Canon::simple, Canon::relaxed}) {
    std::string ours = signed_msg("test.message", *k, opts("example.com", "test", c, c));
    std::string path = tmp_file("ours.eml", ours);
    auto verdict = run_python("verify " + path + " test._domainkey.example.com " +
                              (dir_ / "test.txt").string());
    ASSERT_TRUE(verdict);
    EXPECT_EQ(trim(*verdict), "pass");
  }
  // l=: the signed prefix verifies, and text appended after it is reported.
  auto with_l = run_python("sign-l " + msg_path + " " + key_path + " example.com test");
  ASSERT_TRUE(with_l);
  dns::StaticResolver z;
  z.add_txt("test._domainkey.example.com", key_txt("test.txt"));
  auto rs = run_sync(verify(z, *with_l));
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].result, DkimResult::pass) << rs[0].reason;
  ASSERT_TRUE(rs[0].body_length.has_value());
  EXPECT_EQ(rs[0].unsigned_body_bytes, 0u);
  auto appended = run_sync(verify(z, *with_l + "Click here: http://phish.example/\r\n"));
  ASSERT_EQ(appended.size(), 1u);
  EXPECT_EQ(appended[0].result, DkimResult::pass);
  EXPECT_GT(appended[0].unsigned_body_bytes, 0u);

  auto ek = key("ed25519test.key");
  ASSERT_TRUE(ek);
  std::string ed = signed_msg("ed25519test.msg", *ek, opts("example.net", "test"));
  auto verdict = run_python("verify " + tmp_file("ed.eml", ed) + " test._domainkey.example.net " +
                            (dir_ / "ed25519test.dns").string());
  ASSERT_TRUE(verdict);
  EXPECT_EQ(trim(*verdict), "pass");
}

}  // namespace
}  // namespace postino::mailauth::dkim
