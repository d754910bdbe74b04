// libFuzzer target for src/dns/rdata: every RDATA decoder over the same bytes,
// and the TXT presentation quoting. Checks the decoders' promises: a decoded
// name is at most 4 characters per wire octet (\DDD), TXT text is never longer
// than its RDATA, and TLSA data is the RDATA minus its 3-octet header.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "dns/rdata.hpp"

using namespace postino::dns;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  if (auto n = rdata::name(in); n && n->size() > 4 * in.size()) std::abort();
  if (auto m = rdata::mx(in); m && m->exchange.size() > 4 * in.size()) std::abort();
  if (auto t = rdata::txt(in); t && t->size() >= in.size()) std::abort();
  if (auto t = rdata::tlsa(in); t && t->data.size() + 3 != in.size()) std::abort();
  (void)rdata::ptr(in);
  (void)rdata::a(in);
  (void)rdata::aaaa(in);
  if (rdata::quote_text(in).size() > 4 * in.size() + 2) std::abort();
  return 0;
}
