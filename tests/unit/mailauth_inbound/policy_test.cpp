// Local policy over inbound results: DMARC reject/quarantine actions,
// temperror deferral, optional SPF-fail rejection, p=none never acts.
#include "mailauth/inbound/policy.hpp"

#include <gtest/gtest.h>

namespace postino::mailauth::inbound {
namespace {

using dmarc::Disposition;
using dmarc::DmarcResult;

InboundResult result(DmarcResult d, Disposition dis, spf::SpfResult spf = spf::SpfResult::none) {
  InboundResult r;
  r.dmarc = d;
  r.disposition = dis;
  r.spf.outcome.result = spf;
  return r;
}

TEST(InboundPolicy, Defaults) {
  Policy p;
  EXPECT_EQ(decide(result(DmarcResult::pass, Disposition::none), p), Verdict::deliver);
  EXPECT_EQ(decide(result(DmarcResult::fail, Disposition::reject), p), Verdict::reject_dmarc);
  EXPECT_EQ(decide(result(DmarcResult::fail, Disposition::quarantine), p), Verdict::junk);
  EXPECT_EQ(decide(result(DmarcResult::fail, Disposition::none), p), Verdict::deliver);  // p=none
  EXPECT_EQ(decide(result(DmarcResult::temperror, Disposition::none), p), Verdict::defer);
  EXPECT_EQ(decide(result(DmarcResult::none, Disposition::none, spf::SpfResult::fail), p),
            Verdict::deliver);
}

TEST(InboundPolicy, OperatorChoices) {
  Policy p;
  p.on_reject = FailAction::junk;
  p.on_quarantine = FailAction::deliver;
  p.on_temperror = TempAction::accept;
  EXPECT_EQ(decide(result(DmarcResult::fail, Disposition::reject), p), Verdict::junk);
  EXPECT_EQ(decide(result(DmarcResult::fail, Disposition::quarantine), p), Verdict::deliver);
  EXPECT_EQ(decide(result(DmarcResult::temperror, Disposition::none), p), Verdict::deliver);
  p.on_quarantine = FailAction::reject;
  EXPECT_EQ(decide(result(DmarcResult::fail, Disposition::quarantine), p), Verdict::reject_dmarc);
}

TEST(InboundPolicy, SpfFailRejectionSparesDmarcPass) {
  Policy p;
  p.reject_spf_fail = true;
  EXPECT_EQ(decide(result(DmarcResult::none, Disposition::none, spf::SpfResult::fail), p),
            Verdict::reject_spf);
  EXPECT_EQ(decide(result(DmarcResult::pass, Disposition::none, spf::SpfResult::fail), p),
            Verdict::deliver);
  EXPECT_EQ(decide(result(DmarcResult::none, Disposition::none, spf::SpfResult::softfail), p),
            Verdict::deliver);
  // A DMARC reject outranks the SPF reason.
  EXPECT_EQ(decide(result(DmarcResult::fail, Disposition::reject, spf::SpfResult::fail), p),
            Verdict::reject_dmarc);
}

TEST(InboundPolicy, ParsesConfigWords) {
  EXPECT_EQ(parse_fail_action("reject"), FailAction::reject);
  EXPECT_EQ(parse_fail_action("junk"), FailAction::junk);
  EXPECT_EQ(parse_fail_action("deliver"), FailAction::deliver);
  EXPECT_FALSE(parse_fail_action("Reject"));
  EXPECT_EQ(parse_temp_action("defer"), TempAction::defer);
  EXPECT_EQ(parse_temp_action("accept"), TempAction::accept);
  EXPECT_FALSE(parse_temp_action(""));
}

}  // namespace
}  // namespace postino::mailauth::inbound
