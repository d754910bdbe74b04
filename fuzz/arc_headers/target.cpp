// libFuzzer target for src/mailauth/arc parsers: ARC-Authentication-Results,
// ARC-Message-Signature and ARC-Seal values (RFC 8617 §4.1), instance values,
// and chain collection (§5.2 steps 1-3) with the hash inputs of every set over
// a whole message.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "mailauth/arc/chain.hpp"
#include "mailauth/arc/headers.hpp"
#include "mailauth/dkim/canon.hpp"

using namespace postino::mailauth;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string in(reinterpret_cast<const char*>(data), size);
  if (auto a = arc::parse_aar(in)) {
    if (a->instance < 1 || a->instance > arc::kMaxInstance || a->authserv_id.empty()) std::abort();
  }
  if (auto m = arc::parse_ams(in)) {
    if (m->instance < 1 || m->instance > arc::kMaxInstance || m->signature.empty()) std::abort();
    for (const auto& h : m->signed_headers) {
      if (h.empty()) std::abort();
    }
  }
  if (auto s = arc::parse_seal(in)) {
    if (s->instance < 1 || s->instance > arc::kMaxInstance || s->signature.empty()) std::abort();
  }
  if (auto i = arc::parse_instance(in)) {
    if (*i < 1 || *i > arc::kMaxInstance) std::abort();
  }
  // The same bytes as a message.
  dkim::SplitMessage msg = dkim::split_message(in);
  arc::Chain chain;
  if (arc::collect_chain(msg.headers, chain)) {
    if (chain.sets.size() > size_t(arc::kMaxInstance)) std::abort();
    for (size_t i = 1; i <= chain.sets.size(); ++i) {
      const arc::ArcSet& set = chain.sets[i - 1];
      if (set.seal.instance != int(i) || set.ams.instance != int(i) || set.aar.instance != int(i))
        std::abort();
      (void)arc::seal_hash_input(arc::seal_fields(chain, i));
      (void)arc::ams_hash_input(msg, *set.ams_field, set.ams);
    }
  } else if (chain.field_count == 0) {
    std::abort();  // no ARC field is never an error
  }
  return 0;
}
