// libFuzzer target for src/mailauth/dmarc: the record parser, and a full
// evaluation with the input published at _dmarc of the author domain and of
// its parent (policy discovery, Tree Walk, alignment).
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "dns/static_resolver.hpp"
#include "mailauth/dmarc/evaluate.hpp"
#include "mailauth/dmarc/record.hpp"

using namespace postino;
using namespace postino::mailauth::dmarc;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string in(reinterpret_cast<const char*>(data), size);
  if (auto r = parse_record(in)) {
    if (r->rua.size() > kMaxUris || r->ruf.size() > kMaxUris) std::abort();
  }
  dns::StaticResolver zone;
  zone.add_txt("_dmarc.mail.example.com", in);
  zone.add_txt("_dmarc.example.com", in);
  Input input{"a.mail.example.com", "bounce.example.com", {"example.com", "other.example"}};
  boost::asio::io_context io;
  boost::asio::co_spawn(io, evaluate(zone, input), boost::asio::detached);
  io.run();
  // Policy discovery plus three Tree Walks of at most 8 queries each, plus one A.
  if (zone.query_count() > 4 * kMaxTreeWalkQueries + 1) std::abort();
  return 0;
}
