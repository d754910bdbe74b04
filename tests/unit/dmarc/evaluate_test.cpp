#include "mailauth/dmarc/evaluate.hpp"

#include <gtest/gtest.h>

#include "dns/static_resolver.hpp"
#include "dns/test_run.hpp"

namespace postino::mailauth::dmarc {
namespace {

using testing::run_sync;

Input input(const char* author, std::optional<std::string> spf,
            std::vector<std::string> dkim = {}) {
  return Input{author, std::move(spf), std::move(dkim)};
}

TEST(DmarcTreeWalk, Rfc9989Section410Example) {
  dns::StaticResolver z;
  // No records at all: the walk makes exactly 8 queries.
  auto w = run_sync(tree_walk(z, "a.b.c.d.e.f.g.h.i.j.mail.example.com"));
  ASSERT_TRUE(w.ok());
  EXPECT_TRUE(w->empty());
  EXPECT_EQ(z.query_count(), 8u);
}

TEST(DmarcTreeWalk, OrganizationalDomainRules) {
  dns::StaticResolver z;
  z.add_txt("_dmarc.mail.example.com", "v=DMARC1; p=none");
  z.add_txt("_dmarc.example.com", "v=DMARC1; p=reject");
  auto w = run_sync(tree_walk(z, "a.mail.example.com"));
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(organizational_domain("a.mail.example.com", *w), "example.com");

  dns::StaticResolver z2;
  z2.add_txt("_dmarc.mail.example.com", "v=DMARC1; p=none; psd=n");
  z2.add_txt("_dmarc.example.com", "v=DMARC1; p=reject");
  auto w2 = run_sync(tree_walk(z2, "a.mail.example.com"));
  ASSERT_TRUE(w2.ok());
  EXPECT_EQ(w2->size(), 1u);  // psd=n stops the walk
  EXPECT_EQ(organizational_domain("a.mail.example.com", *w2), "mail.example.com");

  dns::StaticResolver z3;
  z3.add_txt("_dmarc.com", "v=DMARC1; p=none; psd=y");
  auto w3 = run_sync(tree_walk(z3, "a.mail.example.com"));
  ASSERT_TRUE(w3.ok());
  EXPECT_EQ(organizational_domain("a.mail.example.com", *w3), "example.com");

  dns::StaticResolver z4;
  auto w4 = run_sync(tree_walk(z4, "lonely.example"));
  ASSERT_TRUE(w4.ok());
  EXPECT_EQ(organizational_domain("lonely.example", *w4), "lonely.example");
}

TEST(DmarcEvaluate, NoRecordIsNone) {
  dns::StaticResolver z;
  auto o = run_sync(evaluate(z, input("example.com", std::nullopt)));
  EXPECT_EQ(o.result, DmarcResult::none);
}

TEST(DmarcEvaluate, RelaxedAndStrictAlignment) {
  dns::StaticResolver z;
  z.add_txt("_dmarc.example.com", "v=DMARC1; p=reject");
  z.add_txt("_dmarc.strict.example", "v=DMARC1; p=quarantine; aspf=s; adkim=s");
  // Relaxed: bounce.example.com shares the Organizational Domain example.com.
  auto o = run_sync(evaluate(z, input("example.com", "bounce.example.com")));
  EXPECT_EQ(o.result, DmarcResult::pass);
  EXPECT_TRUE(o.spf_aligned);
  auto d = run_sync(evaluate(z, input("news.example.com", std::nullopt, {"example.com"})));
  EXPECT_EQ(d.result, DmarcResult::pass);
  EXPECT_TRUE(d.dkim_aligned);
  EXPECT_EQ(d.policy_domain, "example.com");
  // Unrelated domains do not align.
  auto f = run_sync(evaluate(z, input("example.com", "evil.example.net", {"evil.example.net"})));
  EXPECT_EQ(f.result, DmarcResult::fail);
  EXPECT_EQ(f.disposition, Disposition::reject);
  // Strict: only the exact Author Domain aligns.
  auto s = run_sync(evaluate(z, input("strict.example", "mail.strict.example")));
  EXPECT_EQ(s.result, DmarcResult::fail);
  EXPECT_EQ(s.disposition, Disposition::quarantine);
  auto s2 = run_sync(evaluate(z, input("strict.example", std::nullopt, {"STRICT.example."})));
  EXPECT_EQ(s2.result, DmarcResult::pass);
}

TEST(DmarcEvaluate, SubdomainAndNonExistentPolicies) {
  dns::StaticResolver z;
  z.add_txt("_dmarc.example.com", "v=DMARC1; p=reject; sp=quarantine; np=none");
  z.add_a("www.example.com", boost::asio::ip::make_address_v4("192.0.2.1"));
  auto own = run_sync(evaluate(z, input("example.com", std::nullopt)));
  EXPECT_EQ(own.policy, Policy::reject);
  auto sub = run_sync(evaluate(z, input("www.example.com", std::nullopt)));
  EXPECT_EQ(sub.policy, Policy::quarantine);
  EXPECT_EQ(sub.disposition, Disposition::quarantine);
  auto nx = run_sync(evaluate(z, input("nope.example.com", std::nullopt)));
  EXPECT_EQ(nx.policy, Policy::none);
  EXPECT_EQ(nx.disposition, Disposition::none);
  EXPECT_EQ(nx.result, DmarcResult::fail);
}

TEST(DmarcEvaluate, TestingModeLowersThePolicy) {
  dns::StaticResolver z;
  z.add_txt("_dmarc.example.com", "v=DMARC1; p=reject; t=y");
  auto o = run_sync(evaluate(z, input("example.com", std::nullopt)));
  EXPECT_EQ(o.result, DmarcResult::fail);
  EXPECT_EQ(o.disposition, Disposition::quarantine);
}

TEST(DmarcEvaluate, MultipleRecordsAndTemporaryFailures) {
  dns::StaticResolver z;
  z.add_txt("_dmarc.example.com", "v=DMARC1; p=reject");
  z.add_txt("_dmarc.example.com", "v=DMARC1; p=none");
  EXPECT_EQ(run_sync(evaluate(z, input("example.com", std::nullopt))).result, DmarcResult::none);
  dns::StaticResolver t;
  t.set_timeout("_dmarc.example.org");
  EXPECT_EQ(run_sync(evaluate(t, input("example.org", std::nullopt))).result,
            DmarcResult::temperror);
  EXPECT_EQ(run_sync(evaluate(t, input("x.example.org", std::nullopt))).result,
            DmarcResult::temperror);
}

TEST(DmarcEvaluate, PsdRecordAppliesWhenOrgDomainHasNone) {
  dns::StaticResolver z;
  z.add_txt("_dmarc.example", "v=DMARC1; p=reject; psd=y");
  auto o = run_sync(evaluate(z, input("shop.example", "shop.example")));
  EXPECT_EQ(o.org_domain, "shop.example");
  EXPECT_EQ(o.policy_domain, "example");
  EXPECT_EQ(o.result, DmarcResult::pass);
  auto f = run_sync(evaluate(z, input("shop.example", "other.example")));
  EXPECT_EQ(f.result, DmarcResult::fail);  // different Organizational Domains
  EXPECT_EQ(f.disposition, Disposition::reject);
}

}  // namespace
}  // namespace postino::mailauth::dmarc
