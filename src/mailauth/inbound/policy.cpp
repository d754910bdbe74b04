#include "mailauth/inbound/policy.hpp"

namespace postino::mailauth::inbound {
namespace {

Verdict from(FailAction a) {
  switch (a) {
    case FailAction::reject:
      return Verdict::reject_dmarc;
    case FailAction::junk:
      return Verdict::junk;
    case FailAction::deliver:
      return Verdict::deliver;
  }
  return Verdict::deliver;
}

}  // namespace

const char* verdict_name(Verdict v) {
  switch (v) {
    case Verdict::deliver:
      return "deliver";
    case Verdict::junk:
      return "junk";
    case Verdict::reject_dmarc:
      return "reject_dmarc";
    case Verdict::reject_spf:
      return "reject_spf";
    case Verdict::defer:
      return "defer";
  }
  return "deliver";
}

std::optional<FailAction> parse_fail_action(std::string_view s) {
  if (s == "reject") return FailAction::reject;
  if (s == "junk") return FailAction::junk;
  if (s == "deliver") return FailAction::deliver;
  return std::nullopt;
}

std::optional<TempAction> parse_temp_action(std::string_view s) {
  if (s == "defer") return TempAction::defer;
  if (s == "accept") return TempAction::accept;
  return std::nullopt;
}

Verdict decide(const InboundResult& r, const Policy& p) {
  using dmarc::Disposition;
  using dmarc::DmarcResult;
  Verdict v = Verdict::deliver;
  // The Domain Owner's disposition first (it is none for p=none and for a pass).
  if (r.disposition == Disposition::reject) {
    v = from(p.on_reject);
  } else if (r.disposition == Disposition::quarantine) {
    v = from(p.on_quarantine);
  }
  if (v == Verdict::reject_dmarc) return v;
  if (r.dmarc == DmarcResult::temperror && p.on_temperror == TempAction::defer)
    return Verdict::defer;
  if (p.reject_spf_fail && r.spf.outcome.result == spf::SpfResult::fail &&
      r.dmarc != DmarcResult::pass)
    return Verdict::reject_spf;
  return v;
}

}  // namespace postino::mailauth::inbound
