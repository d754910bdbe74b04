// Runs the ValiMail ARC validation suite (arc-draft-validation-tests.yml,
// flattened at build time by arc_suite_convert.py) through arc::verify(), each
// scenario's key records served by dns::StaticResolver, and checks every
// case's Chain Validation Status. The suite's signing scenarios are used too:
// their expected ARC Set, put on top of the input message, must validate.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "base/strings.hpp"
#include "dns/static_resolver.hpp"
#include "dns/test_run.hpp"
#include "mailauth/arc/chain.hpp"
#include "mailauth/arc/headers.hpp"
#include "mailauth/arc/seal.hpp"
#include "mailauth/arc/verify.hpp"
#include "mailauth/dkim/crypto.hpp"

namespace postino::mailauth::arc {
namespace {

std::string unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      auto hex = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
      out += char(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

struct ValidationCase {
  std::string id, cv, message;
};

struct SignCase {
  std::string id, message, t, sig_headers, srv_id, as, ams, aar;
};

struct Scenario {
  std::string kind, description;
  std::vector<std::pair<std::string, std::string>> keys;
  std::string domain, selector, private_key;
  std::vector<ValidationCase> validation;
  std::vector<SignCase> signing;
};

std::vector<Scenario> load() {
  std::ifstream in(POSTINO_ARC_SUITE_TSV);
  EXPECT_TRUE(in.good()) << "cannot read " << POSTINO_ARC_SUITE_TSV;
  std::vector<Scenario> out;
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    for (auto part : split(line, '\t')) f.push_back(unescape(part));
    if (f.empty()) continue;
    if (f[0] == "S" && f.size() >= 3) {
      out.push_back(Scenario{f[1], f[2], {}, {}, {}, {}, {}, {}});
    } else if (out.empty()) {
      continue;
    } else if (f[0] == "K" && f.size() >= 3) {
      out.back().keys.emplace_back(f[1], f[2]);
    } else if (f[0] == "P" && f.size() >= 4) {
      out.back().domain = f[1];
      out.back().selector = f[2];
      out.back().private_key = f[3];
    } else if (f[0] == "V" && f.size() >= 4) {
      out.back().validation.push_back(ValidationCase{f[1], to_lower(f[2]), f[3]});
    } else if (f[0] == "G" && f.size() >= 9) {
      out.back().signing.push_back(SignCase{f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8]});
    }
  }
  return out;
}

void serve_keys(dns::StaticResolver& r, const Scenario& s) {
  for (const auto& [name, txt] : s.keys) r.add_txt(name, txt);
}

// Cases where the suite (written for draft-ietf-dmarc-arc-protocol-18) and
// RFC 8617 disagree. The test asserts the RFC's answer and names the reason.
struct Exception {
  const char* expected;
  const char* reason;
  const char* verifier_says;  // part of Outcome::reason, so the case fails for this reason
};

const std::map<std::string, Exception>& exceptions() {
  static const char* kCvFail =
      "the suite leaves cv empty (no result) when the newest ARC-Seal says cv=fail; "
      "RFC 8617 §5.2 step 2 makes the Chain Validation Status \"fail\"";
  static const char* kOldCvFail =
      "the suite leaves cv empty (no result) when the ARC-Seal of i=1 says cv=fail under a "
      "newer cv=pass seal; RFC 8617 §5.2 step 3C requires cv=none at i=1 and no cv=fail "
      "anywhere, else the status is \"fail\"";
  static const std::map<std::string, Exception> k = {
      {"ams_fields_c_na",
       {"fail",
        "the AMS has no c= and was signed relaxed/relaxed; RFC 8617 §4.1.2 gives the AMS "
        "the semantics of DKIM-Signature, whose c= default is simple/simple (RFC 6376 §3.5), "
        "so the signature does not verify",
        "AMS i=1: signature did not verify"}},
      {"cv_fail_i1_as_cv_fail", {"fail", kCvFail, "newest ARC-Seal carries cv=fail"}},
      {"cv_fail_i2_as2_fail", {"fail", kCvFail, "newest ARC-Seal carries cv=fail"}},
      {"cv_fail_i2_as1_fail", {"fail", kOldCvFail, "AS i=1 carries cv=fail, expected none"}},
  };
  return k;
}

TEST(ArcSuite, ValidationCases) {
  auto scenarios = load();
  size_t total = 0, passed = 0, as_written = 0;
  for (const auto& s : scenarios) {
    if (s.kind != "validate") continue;
    dns::StaticResolver resolver;
    serve_keys(resolver, s);
    for (const auto& c : s.validation) {
      ++total;
      std::string want = c.cv;
      auto ex = exceptions().find(c.id);
      if (ex != exceptions().end()) {
        EXPECT_NE(c.cv, ex->second.expected) << c.id << ": exception no longer needed";
        want = ex->second.expected;
      }
      Outcome out = testing::run_sync(verify(resolver, c.message));
      std::string got = result_name(out.result);
      if (ex != exceptions().end()) {
        EXPECT_NE(out.reason.find(ex->second.verifier_says), std::string::npos)
            << c.id << ": " << out.reason;
      }
      if (got == want) {
        ++passed;
        if (ex == exceptions().end()) ++as_written;
      } else {
        ADD_FAILURE() << s.description << " / " << c.id << ": expected " << want << ", got " << got
                      << " (" << out.reason << ")";
      }
    }
  }
  std::printf(
      "ARC validation suite: %zu of %zu cases give the expected cv (%zu as written, "
      "%zu by a named RFC 8617 exception)\n",
      passed, total, as_written, passed - as_written);
  for (const auto& [id, ex] : exceptions())
    std::printf("  exception %s: %s\n", id.c_str(), ex.reason);
  EXPECT_EQ(total, 171u);
  EXPECT_EQ(passed, total);
}

// Every suite case that is expected to pass or fail is checked above; these
// look at what the outcome says beyond the status.
const ValidationCase* find_case(const std::vector<Scenario>& all, const std::string& id,
                                const Scenario** scenario) {
  for (const auto& s : all) {
    for (const auto& c : s.validation) {
      if (c.id == id) {
        *scenario = &s;
        return &c;
      }
    }
  }
  return nullptr;
}

Outcome run_case(const std::string& id) {
  static const auto all = load();
  const Scenario* s = nullptr;
  const ValidationCase* c = find_case(all, id, &s);
  EXPECT_NE(c, nullptr) << id;
  if (!c) return {};
  dns::StaticResolver resolver;
  serve_keys(resolver, *s);
  return testing::run_sync(verify(resolver, c->message));
}

TEST(ArcSuite, ChainLengthAndOldestPass) {
  Outcome o = run_case("cv_pass_i3_1");
  EXPECT_EQ(o.result, ArcResult::pass);
  EXPECT_EQ(o.chain_length, 3);
  EXPECT_EQ(o.oldest_pass, 0);  // every AMS validates
  EXPECT_EQ(o.reason, "");
  // From: was changed after the first hop: AMS(1) breaks, AMS(2) covers it.
  o = run_case("cv_pass_i2_1_ams1_invalid");
  EXPECT_EQ(o.result, ArcResult::pass);
  EXPECT_EQ(o.chain_length, 2);
  EXPECT_EQ(o.oldest_pass, 2);
  o = run_case("cv_base1");
  EXPECT_EQ(o.result, ArcResult::none);
  EXPECT_EQ(o.chain_length, 0);
}

TEST(ArcSuite, FailureReasonsNameTheCheck) {
  EXPECT_NE(run_case("as_fields_h_present").reason.find("h="), std::string::npos);
  EXPECT_NE(run_case("as_fields_b_512").reason.find("too short"), std::string::npos);
  EXPECT_NE(run_case("cv_fail_i2_as2_none").reason.find("cv=none"), std::string::npos);
  EXPECT_NE(run_case("ams_struct_dup").reason.find("duplicate AMS"), std::string::npos);
  EXPECT_NE(run_case("public_key_na").reason.find("no key"), std::string::npos);
}

// The suite wraps the expected header values over several lines for display;
// its SCHEMA-README fixes the real form: no whitespace except exactly one
// space after each ';'. Folding the field again at those spaces changes
// nothing under relaxed canonicalization.
std::string field(std::string_view name, std::string_view value) {
  std::string out = std::string(name) + ": ";
  for (auto line : split(trim(value), '\n')) {
    line = trim(line);
    if (line.empty()) continue;
    if (!out.ends_with(": ")) out += out.ends_with(";") ? "\n " : "";
    out += line;
  }
  return out + "\n";
}

// RFC 8617 §5.1.2: a seal over a failed chain covers only its own set.
bool seal_alone_verifies(const std::string& sealed, const Scenario& s) {
  dkim::SplitMessage msg = dkim::split_message(sealed);
  if (msg.headers.size() < 3) return false;
  // The new set is on top: AS, AMS, AAR; the hash order is AAR, AMS, AS.
  std::vector<const dkim::HeaderField*> fields = {&msg.headers[2], &msg.headers[1],
                                                  &msg.headers[0]};
  auto seal = parse_seal(msg.headers[0].raw.substr(msg.headers[0].raw.find(':') + 1));
  if (!seal) return false;
  std::string qname = seal->selector + "._domainkey." + seal->domain;
  for (const auto& [name, txt] : s.keys) {
    if (name != qname) continue;
    auto key = dkim::parse_key_record(txt);
    if (!key) return false;
    return bool(dkim::verify_signature(seal->algorithm, key->public_key, seal_hash_input(fields),
                                       seal->signature));
  }
  return false;
}

TEST(ArcSuite, SigningOutputsValidate) {
  auto scenarios = load();
  size_t total = 0;
  for (const auto& s : scenarios) {
    if (s.kind != "sign") continue;
    dns::StaticResolver resolver;
    serve_keys(resolver, s);
    for (const auto& c : s.signing) {
      ++total;
      if (trim(c.as).empty()) {
        // §5.1 step 2: no set is added to a chain whose newest seal says cv=fail.
        Outcome in = testing::run_sync(verify(resolver, c.message));
        EXPECT_EQ(in.result, ArcResult::fail) << c.id;
        EXPECT_NE(in.reason.find("cv=fail"), std::string::npos) << c.id << ": " << in.reason;
        continue;
      }
      std::string sealed = field("ARC-Seal", c.as) + field("ARC-Message-Signature", c.ams) +
                           field("ARC-Authentication-Results", c.aar) + c.message;
      Outcome out = testing::run_sync(verify(resolver, sealed));
      if (c.as.find("cv=fail") != std::string::npos) {
        EXPECT_EQ(out.result, ArcResult::fail) << c.id;
        EXPECT_TRUE(seal_alone_verifies(sealed, s)) << c.id;
      } else {
        EXPECT_EQ(out.result, ArcResult::pass) << c.id << ": " << out.reason;
      }
    }
  }
  EXPECT_EQ(total, 17u);
}

std::string relaxed(const std::string& raw_field) {
  dkim::SplitMessage m = dkim::split_message(raw_field + "\n");
  if (m.headers.size() != 1) return "<" + std::to_string(m.headers.size()) + " fields>";
  return dkim::canon_header(m.headers[0], dkim::Canon::relaxed);
}

// The sealer against the suite's signing cases: same key, t=, h= and
// authserv-id must give the expected AAR, AMS and AS (RSA PKCS#1 v1.5 is
// deterministic, so b= matches byte for byte when the hashed data does).
TEST(ArcSuite, SealerReproducesSigningCases) {
  auto scenarios = load();
  size_t total = 0, exact = 0;
  for (const auto& s : scenarios) {
    if (s.kind != "sign") continue;
    dns::StaticResolver resolver;
    serve_keys(resolver, s);
    auto key = dkim::load_private_key(s.private_key);
    ASSERT_TRUE(key) << s.description;
    for (const auto& c : s.signing) {
      ++total;
      // The suite stamps the chain status into the newest Authentication-Results.
      Outcome in = testing::run_sync(verify(resolver, c.message));
      SealOptions opt;
      opt.domain = s.domain;
      opt.selector = s.selector;
      opt.authserv_id = c.srv_id;
      opt.timestamp = int64_t(std::stoll(c.t));
      for (auto n : split(c.sig_headers, ':')) opt.headers.emplace_back(n);
      auto sealed = seal(c.message, **key, in.result, opt);
      if (trim(c.as).empty()) {
        ASSERT_FALSE(sealed) << c.id;
        EXPECT_EQ(sealed.error().code, Errc::exists) << c.id;
        ++exact;
        continue;
      }
      ASSERT_TRUE(sealed) << c.id << ": " << sealed.error().message;
      dkim::SplitMessage got = dkim::split_message(*sealed + "\r\n");
      ASSERT_EQ(got.headers.size(), 3u) << c.id;
      std::string want_as = relaxed(field("ARC-Seal", c.as));
      std::string want_ams = relaxed(field("ARC-Message-Signature", c.ams));
      std::string want_aar = relaxed(field("ARC-Authentication-Results", c.aar));
      EXPECT_EQ(dkim::canon_header(got.headers[2], dkim::Canon::relaxed), want_aar) << c.id;
      EXPECT_EQ(dkim::canon_header(got.headers[1], dkim::Canon::relaxed), want_ams) << c.id;
      EXPECT_EQ(dkim::canon_header(got.headers[0], dkim::Canon::relaxed), want_as) << c.id;
      bool same = dkim::canon_header(got.headers[0], dkim::Canon::relaxed) == want_as &&
                  dkim::canon_header(got.headers[1], dkim::Canon::relaxed) == want_ams &&
                  dkim::canon_header(got.headers[2], dkim::Canon::relaxed) == want_aar;
      exact += same ? 1 : 0;
      // And the sealed message validates (or, sealed as failed, stays failed).
      Outcome out = testing::run_sync(verify(resolver, *sealed + c.message));
      ArcResult want = in.result == ArcResult::fail ? ArcResult::fail : ArcResult::pass;
      EXPECT_EQ(out.result, want) << c.id << ": " << out.reason;
    }
  }
  std::printf("ARC signing suite: %zu of %zu cases reproduced exactly\n", exact, total);
  EXPECT_EQ(total, 17u);
  EXPECT_EQ(exact, total);
}

}  // namespace
}  // namespace postino::mailauth::arc
