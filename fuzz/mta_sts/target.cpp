// libFuzzer target for src/queue/mta_sts: the input is parsed both as a
// "_mta-sts" TXT record (RFC 8461 §3.1) and as a policy file (§3.2). A policy
// that parses must hold its invariants, and its MX patterns must match the
// names they describe.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "queue/mta_sts/mta_sts.hpp"

using namespace postino::queue;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string in(reinterpret_cast<const char*>(data), size);
  if (auto id = parse_mta_sts_txt(in)) {
    if (id->empty() || id->size() > 32) std::abort();
  }
  auto p = parse_mta_sts_policy(in);
  if (!p) return 0;
  if (p->max_age > kMaxPolicyAge || p->mx.size() > kMaxPolicyMx) std::abort();
  if (p->mode != MtaStsPolicy::none && p->mx.empty()) std::abort();
  for (const auto& pat : p->mx) {
    // "*.x" matches "a.x" but not "x"; a plain name matches itself.
    std::string host = pat.rfind("*.", 0) == 0 ? "a" + pat.substr(1) : pat;
    if (!p->matches_mx(host)) std::abort();
    if (pat.rfind("*.", 0) == 0 && p->mx.size() == 1 && p->matches_mx(pat.substr(2))) std::abort();
  }
  (void)p->matches_mx(in);
  return 0;
}
