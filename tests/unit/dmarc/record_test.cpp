#include "mailauth/dmarc/record.hpp"

#include <gtest/gtest.h>

namespace postino::mailauth::dmarc {
namespace {

TEST(DmarcRecord, ParsesAllTags) {
  auto r = parse_record(
      "v=DMARC1; p=reject; sp=quarantine; np=reject; adkim=s; aspf=r; psd=n; t=y; "
      "rua=mailto:agg@example.com, mailto:other@example.net!10m; ruf=mailto:f@example.com; "
      "fo=1:d:s; pct=50");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r->p, Policy::reject);
  EXPECT_EQ(*r->sp, Policy::quarantine);
  EXPECT_EQ(*r->np, Policy::reject);
  EXPECT_EQ(r->adkim, Alignment::strict);
  EXPECT_EQ(r->aspf, Alignment::relaxed);
  EXPECT_EQ(r->psd, PsdFlag::no);
  EXPECT_TRUE(r->testing);
  ASSERT_EQ(r->rua.size(), 2u);
  EXPECT_EQ(r->rua[1], "mailto:other@example.net");
  EXPECT_EQ(r->ruf.size(), 1u);
  EXPECT_EQ(r->fo, "1:d:s");
  EXPECT_TRUE(r->usable());
}

TEST(DmarcRecord, VersionMustComeFirstAndBeExact) {
  EXPECT_FALSE(parse_record("p=none; v=DMARC1").ok());
  EXPECT_FALSE(parse_record("v=dmarc1; p=none").ok());
  EXPECT_FALSE(parse_record("v=DMARC2; p=none").ok());
  EXPECT_FALSE(parse_record("v=spf1 -all").ok());
  EXPECT_TRUE(parse_record("v = DMARC1 ;p=none").ok());
  EXPECT_TRUE(parse_record("v=DMARC1").ok());
}

TEST(DmarcRecord, BadValuesFallBackToDefaults) {
  auto r = parse_record("v=DMARC1; p=bogus; adkim=x; fo=9; psd=maybe; rua=notauri");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->p.has_value());
  EXPECT_EQ(r->adkim, Alignment::relaxed);
  EXPECT_EQ(r->fo, "0");
  EXPECT_EQ(r->psd, PsdFlag::unknown);
  EXPECT_TRUE(r->rua.empty());
  EXPECT_FALSE(r->usable());  // no valid p= and no valid rua=
  auto with_rua = parse_record("v=DMARC1; p=bogus; rua=mailto:a@example.com");
  ASSERT_TRUE(with_rua.ok());
  EXPECT_TRUE(with_rua->usable());
  EXPECT_EQ(with_rua->effective_p(), Policy::none);
  auto bad_sp = parse_record("v=DMARC1; p=reject; sp=whatever");
  ASSERT_TRUE(bad_sp.ok());
  EXPECT_FALSE(bad_sp->usable());
}

TEST(DmarcRecord, EveryPrefixIsSafe) {
  const std::string rec = "v=DMARC1; p=quarantine; sp=none; rua=mailto:x@example.com; adkim=s";
  for (size_t i = 0; i <= rec.size(); ++i) {
    auto r = parse_record(rec.substr(0, i));
    if (i >= 8) {
      EXPECT_TRUE(r.ok()) << i;
    }
  }
}

}  // namespace
}  // namespace postino::mailauth::dmarc
