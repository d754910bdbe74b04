// DMARC aggregate-report records (store/dmarc_records.hpp), for every backend:
// every field round-trips, ids grow, listing is by time range and ordered,
// records survive a reopen.
#include <limits>

#include "store/conformance.hpp"
#include "store/test_util.hpp"

namespace postino::store::testing {
namespace {

DmarcReportRecord sample(int64_t at, const std::string& from) {
  DmarcReportRecord r;
  r.evaluated_at = at;
  r.source_ip = "2001:db8::25";
  r.disposition = "quarantine";
  r.dkim_aligned = "fail";
  r.spf_aligned = "pass";
  r.override_reason = "local_policy";
  r.override_comment = "sent to Junk";
  r.header_from = from;
  r.envelope_from = "bounce." + from;
  r.envelope_to = "example.com";
  r.policy_domain = from;
  r.p = "reject";
  r.sp = "quarantine";
  r.np = "";
  r.adkim = "s";
  r.aspf = "r";
  r.testing = true;
  r.fo = "1";
  r.rua = "mailto:a@x.test mailto:b@y.test";
  r.dkim = {{from, "sel1", "pass"}, {"other.test", "s 2", "fail"}, {"", "", "permerror"}};
  r.spf_domain = "bounce." + from;
  r.spf_scope = "mfrom";
  r.spf_result = "pass";
  return r;
}

TEST_P(StoreConformance, DmarcRecordsRoundTripAndListByTime) {
  TempDir dir;
  auto s = GetParam().open(dir.path());
  ASSERT_TRUE(s.ok());
  auto& store = **s;
  auto id1 = store.add_dmarc_record(sample(1000, "a.test"));
  auto id2 = store.add_dmarc_record(sample(3000, "c.test"));
  auto id3 = store.add_dmarc_record(sample(2000, "b.test"));
  ASSERT_TRUE(id1.ok() && id2.ok() && id3.ok());
  EXPECT_LT(*id1, *id2);
  EXPECT_LT(*id2, *id3);

  auto all = store.list_dmarc_records(0, std::numeric_limits<int64_t>::max());
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].header_from, "a.test");
  EXPECT_EQ((*all)[1].header_from, "b.test");
  EXPECT_EQ((*all)[2].header_from, "c.test");
  DmarcReportRecord want = sample(1000, "a.test");
  want.id = *id1;
  // A space inside a selector cannot survive the one-line-per-signature form.
  want.dkim[1].selector = "s_2";
  EXPECT_EQ((*all)[0], want);

  // [from, to): 2000 is in, 3000 is not.
  auto mid = store.list_dmarc_records(2000, 3000);
  ASSERT_TRUE(mid.ok());
  ASSERT_EQ(mid->size(), 1u);
  EXPECT_EQ((*mid)[0].header_from, "b.test");
  auto none = store.list_dmarc_records(5000, 6000);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());

  // Durable: a reopened store has them, and the next id is new.
  s->reset();
  auto again = GetParam().open(dir.path());
  ASSERT_TRUE(again.ok());
  auto after = (*again)->list_dmarc_records(0, 10000);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->size(), 3u);
  auto id4 = (*again)->add_dmarc_record(sample(4000, "d.test"));
  ASSERT_TRUE(id4.ok());
  EXPECT_GT(*id4, *id3);
}

}  // namespace
}  // namespace postino::store::testing
