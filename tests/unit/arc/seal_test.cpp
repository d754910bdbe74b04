// Sealing (RFC 8617 §5.1) and validation (§5.2) round trips: chains built hop
// by hop with arc::seal(), then changed, cut or served broken keys, must give
// the status, chain length and oldest-pass the RFC prescribes.
#include "mailauth/arc/seal.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

#include "base/strings.hpp"
#include "dkim/test_data.hpp"
#include "dns/static_resolver.hpp"
#include "dns/test_run.hpp"
#include "mailauth/arc/headers.hpp"
#include "mailauth/arc/verify.hpp"

namespace postino::mailauth::arc {
namespace {

using postino::testing::read_file;
using postino::testing::rfc_tests_dir;
using postino::testing::run_sync;

constexpr const char* kMessage =
    "From: Alice <alice@origin.example>\r\n"
    "To: list@lists.example\r\n"
    "Subject: hello\r\n"
    "Date: Thu, 14 Jan 2015 15:00:01 -0800\r\n"
    "Message-ID: <1@origin.example>\r\n"
    "\r\n"
    "Hello, list.\r\n";

class ArcSeal : public ::testing::Test {
 protected:
  void SetUp() override {
    auto k = dkim::load_private_key(read_file(rfc_tests_dir() / "dkimpy" / "test.private"));
    ASSERT_TRUE(k) << "dkimpy/test.private: " << k.error().message;
    key_ = std::move(*k);
    std::string record = read_file(rfc_tests_dir() / "dkimpy" / "test.txt");
    for (int hop = 1; hop <= kMaxInstance + 1; ++hop) {
      resolver_.add_txt("s" + std::to_string(hop) + "._domainkey.hop.example", record);
    }
  }

  // One forwarding hop: validate on arrival, change the message (a mailing
  // list's subject tag and footer), write our Authentication-Results, seal.
  Result<std::string> hop(std::string message, int n, ArcResult* seen = nullptr,
                          bool modify = false) {
    Outcome in = run_sync(verify(resolver_, message));
    if (seen) *seen = in.result;
    if (modify) {
      message.replace(message.find("Subject: hello"), 14, "Subject: [list] hello");
      message += "-- \r\nlist footer\r\n";
    }
    std::string ar = "Authentication-Results: mx" + std::to_string(n) +
                     ".hop.example; arc=" + result_name(in.result) + "\r\n";
    SealOptions opt;
    opt.domain = "hop.example";
    opt.selector = "s" + std::to_string(n);
    opt.authserv_id = "mx" + std::to_string(n) + ".hop.example";
    opt.timestamp = 1700000000 + n;
    auto sealed = seal(ar + message, *key_, in.result, opt);
    if (!sealed) return sealed;
    return *sealed + ar + message;
  }

  Outcome check(const std::string& message, VerifyOptions opt = {}) {
    return run_sync(verify(resolver_, message, opt));
  }

  dns::StaticResolver resolver_;
  dkim::PrivateKeyPtr key_;
};

TEST_F(ArcSeal, NoChainIsNone) {
  Outcome o = check(kMessage);
  EXPECT_EQ(o.result, ArcResult::none);
  EXPECT_EQ(o.chain_length, 0);
  EXPECT_EQ(resolver_.query_count(), 0u);  // nothing to look up
}

TEST_F(ArcSeal, ThreeHopsPass) {
  std::string m = kMessage;
  for (int n = 1; n <= 3; ++n) {
    auto next = hop(m, n);
    ASSERT_TRUE(next) << next.error().message;
    m = *next;
    Outcome o = check(m);
    EXPECT_EQ(o.result, ArcResult::pass) << "after hop " << n << ": " << o.reason;
    EXPECT_EQ(o.chain_length, n);
    EXPECT_EQ(o.oldest_pass, 0);
  }
  // The AAR of each hop holds that hop's results (§4.1.1).
  EXPECT_NE(m.find("ARC-Authentication-Results: i=2; mx2.hop.example; arc=pass"),
            std::string::npos);
  EXPECT_NE(m.find("ARC-Authentication-Results: i=1; mx1.hop.example; arc=none"),
            std::string::npos);
}

TEST_F(ArcSeal, ModificationBetweenHopsMovesOldestPass) {
  auto one = hop(kMessage, 1);
  ASSERT_TRUE(one);
  // A mailing list validates, rewrites the subject and body footer, then
  // seals: AMS(1) breaks, the chain still passes, oldest-pass is 2 (§5.2
  // step 5A).
  ArcResult seen = ArcResult::none;
  auto two = hop(*one, 2, &seen, true);
  ASSERT_TRUE(two);
  EXPECT_EQ(seen, ArcResult::pass);
  Outcome o = check(*two);
  EXPECT_EQ(o.result, ArcResult::pass) << o.reason;
  EXPECT_EQ(o.chain_length, 2);
  EXPECT_EQ(o.oldest_pass, 2);
  // Step 5 is optional.
  VerifyOptions quick;
  quick.find_oldest_pass = false;
  o = check(*two, quick);
  EXPECT_EQ(o.result, ArcResult::pass);
  EXPECT_EQ(o.oldest_pass, 0);
}

TEST_F(ArcSeal, ModificationAfterTheLastHopFails) {
  auto two = hop(kMessage, 1);
  ASSERT_TRUE(two);
  two = hop(*two, 2);
  ASSERT_TRUE(two);
  std::string body_changed = *two + "appended\r\n";
  Outcome o = check(body_changed);
  EXPECT_EQ(o.result, ArcResult::fail);
  EXPECT_EQ(o.chain_length, 2);
  EXPECT_NE(o.reason.find("AMS i=2: body hash"), std::string::npos) << o.reason;
  // Changing an older AAR breaks the seals (§5.1.1 covers every set).
  std::string aar_changed = *two;
  aar_changed.replace(aar_changed.find("mx1.hop.example; arc=none"), 25,
                      "mx1.hop.example; arc=pass");
  o = check(aar_changed);
  EXPECT_EQ(o.result, ArcResult::fail);
  EXPECT_NE(o.reason.find("AS i=2"), std::string::npos) << o.reason;
  // Dropping the newest set leaves a valid shorter chain.
  std::string cut = two->substr(two->find("Authentication-Results: mx2"));
  cut = cut.substr(cut.find("\r\n") + 2);
  o = check(cut);
  EXPECT_EQ(o.result, ArcResult::pass) << o.reason;
  EXPECT_EQ(o.chain_length, 1);
}

TEST_F(ArcSeal, KeyProblemsAreFailures) {
  auto one = hop(kMessage, 1);
  ASSERT_TRUE(one);
  // §5.2.1: DNS failures are permanent for ARC.
  dns::StaticResolver timeout;
  timeout.set_timeout("s1._domainkey.hop.example");
  Outcome o = run_sync(verify(timeout, *one));
  EXPECT_EQ(o.result, ArcResult::fail);
  EXPECT_NE(o.reason.find("look-up"), std::string::npos) << o.reason;
  dns::StaticResolver revoked;
  revoked.add_txt("s1._domainkey.hop.example", "v=DKIM1; k=rsa; p=");
  o = run_sync(verify(revoked, *one));
  EXPECT_EQ(o.result, ArcResult::fail);
  EXPECT_NE(o.reason.find("revoked"), std::string::npos) << o.reason;
  dns::StaticResolver not_email;
  not_email.add_txt("s1._domainkey.hop.example",
                    read_file(rfc_tests_dir() / "dkimpy" / "test.txt") + "; s=tlsrpt");
  o = run_sync(verify(not_email, *one));
  EXPECT_EQ(o.result, ArcResult::fail);
  EXPECT_NE(o.reason.find("s="), std::string::npos) << o.reason;
  // The 1024-bit test key is below a stricter floor.
  VerifyOptions strict;
  strict.min_rsa_bits = 2048;
  o = check(*one, strict);
  EXPECT_EQ(o.result, ArcResult::fail);
  EXPECT_NE(o.reason.find("too short"), std::string::npos) << o.reason;
  // One look-up per key: AMS(1) and AS(1) share s1.
  size_t before = resolver_.query_count();
  EXPECT_EQ(check(*one).result, ArcResult::pass);
  EXPECT_EQ(resolver_.query_count() - before, 1u);
}

TEST_F(ArcSeal, FailedChainIsSealedOnceAsFail) {
  auto one = hop(kMessage, 1);
  ASSERT_TRUE(one);
  std::string broken = *one + "tampered\r\n";  // AMS(1) no longer validates
  ArcResult seen = ArcResult::none;
  auto two = hop(broken, 2, &seen);
  EXPECT_EQ(seen, ArcResult::fail);
  ASSERT_TRUE(two) << two.error().message;
  EXPECT_NE(two->find("cv=fail"), std::string::npos);
  // §5.2 step 2: the next validator stops at the newest cv=fail ...
  Outcome o = check(*two);
  EXPECT_EQ(o.result, ArcResult::fail);
  EXPECT_NE(o.reason.find("cv=fail"), std::string::npos) << o.reason;
  // ... and no further set is added (§5.1 step 2).
  auto three = hop(*two, 3);
  ASSERT_FALSE(three);
  EXPECT_EQ(three.error().code, Errc::exists);
}

TEST_F(ArcSeal, FiftySetsAtMost) {
  std::string m = kMessage;
  for (int n = 1; n <= kMaxInstance; ++n) {
    auto next = hop(m, n);
    ASSERT_TRUE(next) << "hop " << n << ": " << next.error().message;
    m = *next;
  }
  Outcome o = check(m);
  EXPECT_EQ(o.result, ArcResult::pass) << o.reason;
  EXPECT_EQ(o.chain_length, kMaxInstance);
  auto over = hop(m, kMaxInstance + 1);
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().code, Errc::limit);
}

TEST_F(ArcSeal, DefaultHeadersIncludeDkimSignatures) {
  std::string m = std::string("DKIM-Signature: v=1; d=origin.example; b=AAAA\r\n") +
                  "DKIM-Signature: v=1; d=other.example; b=BBBB\r\n" + kMessage;
  auto sealed = hop(m, 1);
  ASSERT_TRUE(sealed) << sealed.error().message;
  EXPECT_NE(sealed->find("h=from:subject:date:to:message-id:dkim-signature:dkim-signature;"),
            std::string::npos)
      << *sealed;
  EXPECT_EQ(check(*sealed).result, ArcResult::pass);
  // Both signatures are covered: changing either breaks AMS(1).
  std::string changed = *sealed;
  changed.replace(changed.find("b=BBBB"), 6, "b=CCCC");
  Outcome o = check(changed);
  EXPECT_EQ(o.result, ArcResult::fail);
  EXPECT_NE(o.reason.find("AMS i=1"), std::string::npos) << o.reason;
}

TEST_F(ArcSeal, BadSealOptions) {
  std::string m = std::string("Authentication-Results: mx.example; spf=pass\r\n") + kMessage;
  SealOptions opt;
  opt.domain = "hop.example";
  opt.selector = "s1";
  opt.authserv_id = "mx.example";
  EXPECT_TRUE(seal(m, *key_, ArcResult::none, opt));
  SealOptions arc_h = opt;
  arc_h.headers = {"from", "arc-authentication-results"};
  EXPECT_FALSE(seal(m, *key_, ArcResult::none, arc_h));  // §4.1.2
  // No results of ours: the AAR says "none" (RFC 8601 §2.2).
  SealOptions other_id = opt;
  other_id.authserv_id = "elsewhere.example";
  auto no_results = seal(m, *key_, ArcResult::none, other_id);
  ASSERT_TRUE(no_results);
  EXPECT_NE(no_results->find("ARC-Authentication-Results: i=1; elsewhere.example; none\r\n"),
            std::string::npos)
      << *no_results;
  EXPECT_FALSE(seal(m, *key_, ArcResult::pass, opt));  // pass without a chain
  SealOptions injected = opt;
  injected.selector = "s1; cv=pass";
  EXPECT_FALSE(seal(m, *key_, ArcResult::none, injected));
  SealOptions bad_name = opt;
  bad_name.headers = {"from", "to:cc"};
  EXPECT_FALSE(seal(m, *key_, ArcResult::none, bad_name));
  EXPECT_FALSE(seal("Subject: x\r\n\r\n", *key_, ArcResult::none, opt));  // no From
  auto ed = dkim::load_private_key("nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=");
  ASSERT_TRUE(ed);
  EXPECT_FALSE(seal(m, **ed, ArcResult::none, opt));
}

// Whether python3-dkim (dkimpy) is installed.
bool have_dkimpy() {
  static const bool have = std::system("/usr/bin/python3 -c 'import dkim' >/dev/null 2>&1") == 0;
  return have;
}

// Runs the dkimpy ARC helper; nullopt if dkimpy is unavailable or failed.
std::optional<std::string> run_python(const std::string& args) {
  if (!have_dkimpy()) return std::nullopt;
  const char* src = std::getenv("POSTINO_SOURCE_DIR");
  std::string cmd = "/usr/bin/python3 " + std::string(src ? src : ".") +
                    "/tests/unit/arc/dkimpy_arc_helper.py " + args + " 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return std::nullopt;
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  if (pclose(p) != 0) return std::nullopt;
  return out;
}

std::string tmp_file(const std::string& name, const std::string& content) {
  const char* t = std::getenv("POSTINO_TEST_TMP");
  std::filesystem::path dir = t ? t : std::filesystem::temp_directory_path();
  std::filesystem::create_directories(dir);
  auto p = dir / ("arc_" + name);
  FILE* f = std::fopen(p.c_str(), "wb");
  std::fwrite(content.data(), 1, content.size(), f);
  std::fclose(f);
  return p.string();
}

class ArcInterop : public ArcSeal {
 protected:
  std::optional<std::string> py_verify(const std::string& message) {
    auto out = run_python("verify " + tmp_file("check.eml", message) + " " +
                          (rfc_tests_dir() / "dkimpy" / "test.txt").string());
    if (!out) return out;
    return std::string(trim(*out));
  }

  // A hop sealed by dkimpy; the arc= it reads is what our validator found.
  std::optional<std::string> py_hop(const std::string& message, int n) {
    Outcome in = run_sync(verify(resolver_, message));
    std::string id = "mx" + std::to_string(n) + ".hop.example";
    std::string ar = "Authentication-Results: " + id + "; arc=" + result_name(in.result) + "\r\n";
    return run_python("seal " + tmp_file("in.eml", ar + message) + " " +
                      (rfc_tests_dir() / "dkimpy" / "test.private").string() + " hop.example s" +
                      std::to_string(n) + " " + id + " " + std::to_string(1700000000 + n));
  }
};

TEST_F(ArcInterop, DkimpyValidatesOurChains) {
  if (!have_dkimpy()) GTEST_SKIP() << "python3-dkim not installed";
  std::string m = kMessage;
  for (int n = 1; n <= 3; ++n) {
    auto next = hop(m, n);
    ASSERT_TRUE(next) << next.error().message;
    m = *next;
    EXPECT_EQ(py_verify(m), "pass") << "after hop " << n;
  }
  EXPECT_EQ(py_verify(m + "tampered\r\n"), "fail");
}

TEST_F(ArcInterop, WeValidateDkimpyChains) {
  if (!have_dkimpy()) GTEST_SKIP() << "python3-dkim not installed";
  std::string m = kMessage;
  for (int n = 1; n <= 3; ++n) {
    auto next = py_hop(m, n);
    ASSERT_TRUE(next) << "dkimpy failed at hop " << n;
    ASSERT_NE(next->find("ARC-Seal: i=" + std::to_string(n)), std::string::npos) << *next;
    m = *next;
    Outcome o = check(m);
    EXPECT_EQ(o.result, ArcResult::pass) << "after hop " << n << ": " << o.reason;
    EXPECT_EQ(o.chain_length, n);
  }
  Outcome o = check(m + "tampered\r\n");
  EXPECT_EQ(o.result, ArcResult::fail);
}

TEST_F(ArcInterop, MixedChain) {
  if (!have_dkimpy()) GTEST_SKIP() << "python3-dkim not installed";
  auto one = py_hop(kMessage, 1);
  ASSERT_TRUE(one);
  ArcResult seen = ArcResult::none;
  auto two = hop(*one, 2, &seen, true);  // ours, changing subject and body
  ASSERT_TRUE(two) << two.error().message;
  EXPECT_EQ(seen, ArcResult::pass);
  auto three = py_hop(*two, 3);
  ASSERT_TRUE(three);
  Outcome o = check(*three);
  EXPECT_EQ(o.result, ArcResult::pass) << o.reason;
  EXPECT_EQ(o.chain_length, 3);
  EXPECT_EQ(o.oldest_pass, 2);  // AMS(1) predates the change
  EXPECT_EQ(py_verify(*three), "pass");
}

TEST(ArcResults, CombinesOurAuthenticationResults) {
  std::string m =
      "Authentication-Results: mx.example; arc=none;\r\n"
      "  spf=pass smtp.mailfrom=a@b.example (comment; with semicolon)\r\n"
      "Authentication-Results: other.example; dkim=fail\r\n"
      "Authentication-Results: MX.example 1; dkim=pass header.d=\"b;c\"\r\n"
      "Authentication-Results: mx.example; none\r\n"
      "From: a@b.example\r\n\r\n";
  auto r = collect_results(m, "mx.example");
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0], "arc=none");
  EXPECT_EQ(r[1], "spf=pass smtp.mailfrom=a@b.example (comment; with semicolon)");
  EXPECT_EQ(r[2], "dkim=pass header.d=\"b;c\"");
}

}  // namespace
}  // namespace postino::mailauth::arc
