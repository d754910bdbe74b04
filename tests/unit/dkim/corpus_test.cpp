// The Mail::DKIM verifier corpus and the dkimpy test data, with the expected
// results written out in ../shared/rfc/tests/README.md.
#include <gtest/gtest.h>

#include <map>

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

// The corpus predates RFC 8301: 512/768-bit keys, rsa-sha1, draft signatures
// without v=. These options let it test canonicalization and crypto; the
// default (RFC 8301) behaviour is checked separately below.
VerifyOptions legacy_options() {
  VerifyOptions o;
  o.allow_rsa_sha1 = true;
  o.min_rsa_bits = 0;
  o.parse.accept_draft_signatures = true;
  o.now = 1800000000;
  return o;
}

void load_fake_dns(dns::StaticResolver& r, const std::string& text) {
  for (auto line : split(text, '\n')) {
    line = trim(line);
    if (line.empty() || line[0] == '#') continue;
    auto sp = line.find_first_of(" \t");
    if (sp == std::string_view::npos) continue;
    std::string name(line.substr(0, sp));
    std::string_view value = trim(line.substr(sp));
    if (value == "NXDOMAIN") continue;
    if (value.starts_with("~~")) {
      r.set_timeout(name);
    } else if (value == "\"\"") {
      r.add_txt(name, std::string());
    } else {
      r.add_txt(name, std::string(value));
    }
  }
}

std::string overall(const std::vector<SignatureResult>& rs) {
  bool any_fail = false;
  for (const auto& r : rs) {
    if (r.result == DkimResult::pass) return "pass";
    any_fail = any_fail || r.result == DkimResult::fail;
  }
  if (rs.empty()) return "none";
  return any_fail ? "fail" : "invalid";
}

const std::map<std::string, std::string>& expected() {
  static const std::map<std::string, std::string> k = {
      {"mine_ietf01_1.txt", "pass"},
      {"mine_ietf01_2.txt", "pass"},
      {"mine_ietf01_3.txt", "pass"},
      {"mine_ietf01_4.txt", "pass"},
      {"mine_ietf05_1.txt", "pass"},
      {"good_ietf01_1.txt", "pass"},
      {"good_ietf01_2.txt", "pass"},
      {"good_rfc4871_3.txt", "pass"},
      {"good_rfc4871_4.txt", "pass"},
      {"good_1878523.txt", "pass"},
      {"good_83176.txt", "pass"},
      {"multiple_1.txt", "pass"},
      {"multiple_2.txt", "pass"},
      {"good_qp_1.txt", "pass"},
      {"good_qp_2.txt", "pass"},
      {"good_qp_3.txt", "pass"},
      {"bad_ietf01_1.txt", "fail"},
      {"bad_ietf01_2.txt", "fail"},
      {"bad_ietf01_3.txt", "fail"},
      {"bad_1.txt", "fail"},
      {"bad_1878954.txt", "fail"},
      {"no_body_1.txt", "pass"},
      {"no_body_2.txt", "pass"},
      {"no_body_3.txt", "pass"},
      {"ignore_1.txt", "invalid"},
      {"ignore_2.txt", "invalid"},
      {"ignore_3.txt", "invalid"},
      {"ignore_4.txt", "invalid"},
      {"ignore_5.txt", "invalid"},
      {"ignore_6.txt", "invalid"},
      {"ignore_7.txt", "invalid"},
      {"ignore_8.txt", "invalid"},
      {"goodkey_1.txt", "pass"},
      {"goodkey_2.txt", "pass"},
      {"goodkey_3.txt", "pass"},
      {"goodkey_4.txt", "pass"},
      {"badkey_1.txt", "invalid"},
      {"badkey_2.txt", "invalid"},
      {"badkey_3.txt", "invalid"},
      {"badkey_4.txt", "invalid"},
      {"badkey_5.txt", "invalid"},
      {"badkey_6.txt", "invalid"},
      {"badkey_7.txt", "invalid"},
      {"badkey_8.txt", "invalid"},
      {"badkey_9.txt", "invalid"},
      {"badkey_10.txt", "invalid"},
      {"badkey_11.txt", "invalid"},
      {"badkey_12.txt", "invalid"},
      {"badkey_13.txt", "invalid"},
      {"badkey_14.txt", "invalid"},
      {"badkey_15.txt", "invalid"},
      {"goodkey_ed25519.txt", "pass"},
      {"badkey1_ed25519.txt", "invalid"},
      {"badkey2_ed25519.txt", "fail"},
      {"badkey3_ed25519.txt", "fail"},
      {"badkey4_ed25519.txt", "invalid"},
      {"badkey5_ed25519.txt", "invalid"},
      // DomainKeys (RFC 4870) only: a DKIM verifier sees no DKIM signature.
      {"good_dk_gmail.txt", "none"},
      {"good_dk_yahoo.txt", "none"},
      {"good_dk_1.txt", "none"},
      {"good_dk_2.txt", "none"},
      {"good_dk_3.txt", "none"},
      {"good_dk_4.txt", "none"},
      {"good_dk_5.txt", "none"},
      {"good_dk_6.txt", "none"},
      {"good_dk_7.txt", "none"},
      {"dk_headers_1.txt", "none"},
      {"dk_headers_2.txt", "none"},
      {"bad_dk_1.txt", "none"},
      {"bad_dk_2.txt", "none"},
      {"bad_dk_3.txt", "none"},
      {"bad_dk_4.txt", "none"},
      {"bad_dk_5.txt", "none"},
      {"dk_multiple_1.txt", "none"},
  };
  return k;
}

class MailDkimCorpus : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = rfc_tests_dir() / "mail-dkim";
    if (!std::filesystem::exists(dir_ / "FAKE_DNS.dat")) GTEST_SKIP() << "no corpus at " << dir_;
    load_fake_dns(dns_, read_file(dir_ / "FAKE_DNS.dat"));
  }
  std::vector<SignatureResult> run(const std::string& file, VerifyOptions o) {
    return run_sync(verify(dns_, read_file(dir_ / "corpus" / file), o));
  }
  std::filesystem::path dir_;
  dns::StaticResolver dns_;
};

TEST_F(MailDkimCorpus, ExpectedResults) {
  size_t checked = 0;
  for (const auto& [file, want] : expected()) {
    auto rs = run(file, legacy_options());
    std::string detail;
    for (const auto& r : rs) detail += std::string(result_name(r.result)) + "(" + r.reason + ") ";
    EXPECT_EQ(overall(rs), want) << file << ": " << detail;
    ++checked;
  }
  EXPECT_EQ(checked, 74u);
}

TEST_F(MailDkimCorpus, PerSignatureDetails) {
  auto m2 = run("multiple_2.txt", legacy_options());
  ASSERT_GE(m2.size(), 3u);
  EXPECT_EQ(m2[0].result, DkimResult::permerror);  // c=foobar
  EXPECT_EQ(m2[1].result, DkimResult::pass);
  EXPECT_EQ(m2[2].result, DkimResult::fail);
  EXPECT_EQ(run("bad_ietf01_1.txt", legacy_options()).at(0).reason, "body hash did not verify");
  EXPECT_EQ(run("bad_ietf01_3.txt", legacy_options()).at(0).reason, "signature did not verify");
  EXPECT_EQ(run("badkey_14.txt", legacy_options()).at(0).result, DkimResult::temperror);
  EXPECT_EQ(run("badkey_15.txt", legacy_options()).at(0).result, DkimResult::temperror);
  auto g = run("goodkey_ed25519.txt", legacy_options()).at(0);
  EXPECT_EQ(g.domain, "wander.science");
  EXPECT_EQ(g.selector, "2023-05-ed25519");
  EXPECT_EQ(g.algorithm, "ed25519-sha256");
}

TEST_F(MailDkimCorpus, Rfc8301RejectsSha1AndShortKeys) {
  // Default options: rsa-sha1 and RSA keys under 1024 bits are "policy".
  auto sha1 = run("good_rfc4871_3.txt", VerifyOptions{});
  ASSERT_EQ(sha1.size(), 1u);
  EXPECT_EQ(sha1[0].result, DkimResult::policy);
  auto ed = run("goodkey_ed25519.txt", VerifyOptions{});
  EXPECT_EQ(ed.at(0).result, DkimResult::pass);
}

class DkimpyData : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = rfc_tests_dir() / "dkimpy";
    if (!std::filesystem::exists(dir_ / "test.txt")) GTEST_SKIP() << "no data at " << dir_;
  }
  std::string file(const char* n) { return read_file(dir_ / n); }
  std::filesystem::path dir_;
};

TEST_F(DkimpyData, GmailSignedMessageVerifies) {
  dns::StaticResolver z;
  z.add_txt("20120113._domainkey.gmail.com",
            "k=rsa; "
            "p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA1Kd87/"
            "UeJjenpabgbFwh+eBCsSTrqmwIYYvywlbhbqoo2DymndFkbjOVIPIldNs/"
            "m40KF+yzMn1skyoxcTUGCQs8g3FgD2Ap3ZB5DekAo5wMmk4wimDO+U8QzI3SD07y2+"
            "07wlNWwIt8svnxgdxGkVbbhzY8i+RQ9DpSVpPbF7ykQxtKXkv/"
            "ahW3KjViiAH+ghvvIhkx4xYSIc9oSwVmAl5OctMEeWUwg8Istjqz8BZeTWbf41fbNhte7Y+"
            "YqZOwq1Sd0DbvYAD9NOZK9vlfuac0598HY+"
            "vtSBczUiKERHv1yRbcaQtZFh5wtiRrN04BLUTD21MycBX5jYchHjPY/wIDAQAB");
  auto rs = run_sync(verify(z, file("test2.message")));
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].result, DkimResult::pass) << rs[0].reason;
}

TEST_F(DkimpyData, EximEd25519SignatureVerifies) {
  dns::StaticResolver z;
  z.add_txt("sed._domainkey.test.ex", std::string(trim(file("eximtest.dns"))));
  auto rs = run_sync(verify(z, file("ed25519test2.msg")));
  ASSERT_GE(rs.size(), 1u);
  bool any = false;
  for (const auto& r : rs) any = any || (r.selector == "sed" && r.result == DkimResult::pass);
  EXPECT_TRUE(any) << rs[0].reason;
}

TEST_F(DkimpyData, Rfc8463ExampleSignatures) {
  dns::StaticResolver z;
  z.add_txt("brisbane._domainkey.football.example.com",
            "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
  z.add_txt("test._domainkey.football.example.com", std::string(trim(file("test.txt"))));
  auto rs = run_sync(verify(z, file("rfc6376.signed.msg")));
  ASSERT_EQ(rs.size(), 2u);
  EXPECT_EQ(rs[0].algorithm, "ed25519-sha256");
  EXPECT_EQ(rs[0].result, DkimResult::pass) << rs[0].reason;
  EXPECT_EQ(rs[1].algorithm, "rsa-sha256");
  EXPECT_EQ(rs[1].result, DkimResult::pass) << rs[1].reason;
}

}  // namespace
}  // namespace postino::mailauth::dkim
