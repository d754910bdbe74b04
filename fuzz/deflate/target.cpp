// Fuzz target: the COMPRESS=DEFLATE input side (net/deflate.hpp). The first
// byte sets the piece size; the rest is a peer's raw DEFLATE stream, pushed
// piece by piece and pulled in bounded steps, as Connection does. Invariants:
// no crash; no pull returns more than asked; after an error every later pull
// fails too; whatever decodes, a Deflater/Inflater pair round-trips.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "net/deflate.hpp"

using namespace postino::net;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  size_t piece = 1 + data[0] % 64;
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  constexpr size_t kMax = 4096;
  constexpr size_t kTotal = 1u << 20;  // stop after 1 MiB of output (bombs)
  Inflater inf;
  if (!inf.ok()) std::abort();
  std::string plain;
  bool failed = false;
  for (size_t off = 0; off < rest.size() && !failed && plain.size() < kTotal; off += piece) {
    inf.push(rest.substr(off, piece));
    while (inf.has_pending() && plain.size() < kTotal) {
      size_t before = plain.size();
      auto n = inf.pull(plain, kMax);
      if (!n) {
        failed = true;
        break;
      }
      if (*n > kMax || plain.size() - before != *n) std::abort();
      if (*n == 0) break;
    }
  }
  if (failed) {
    std::string more;
    if (inf.pull(more, kMax).ok()) std::abort();
  }
  // Whatever decoded goes back through our own compressor and decompressor.
  Deflater d;
  std::string wire;
  if (!d.compress(plain, wire)) std::abort();
  Inflater back;
  back.push(wire);
  std::string again;
  while (back.has_pending()) {
    auto n = back.pull(again);
    if (!n) std::abort();
    if (*n == 0) break;
  }
  if (again != plain) std::abort();
  return 0;
}
