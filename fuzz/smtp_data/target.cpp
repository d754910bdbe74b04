// Fuzz target: DataReader and BdatReader. The first two bytes choose options
// and a chunking seed; the rest is the body. Invariants: feeding in random
// chunks gives exactly the output, consumption and errors of one whole feed;
// stored bytes never exceed the size limit; BDAT consumes exactly its chunk.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "smtp/proto/bdat_reader.hpp"
#include "smtp/proto/data_reader.hpp"

using namespace postino::smtp;

namespace {

bool same(const BodyErrors& a, const BodyErrors& b) {
  return a.bare_newline == b.bare_newline && a.line_too_long == b.line_too_long &&
         a.size_exceeded == b.size_exceeded;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  uint8_t flags = data[0];
  uint32_t seed = data[1] + 1u;
  std::string_view in(reinterpret_cast<const char*>(data + 2), size - 2);

  BodyOptions opts;
  opts.bare_newlines = (flags & 1) ? NewlinePolicy::Normalize : NewlinePolicy::Reject;
  opts.max_message_bytes = (flags & 2) ? 64 : 0;
  opts.max_line_bytes = (flags & 4) ? 16 : kMaxTextLine;

  DataReader whole(opts);
  std::string ref;
  FeedResult w = whole.feed(in, ref);
  if (opts.max_message_bytes && ref.size() > opts.max_message_bytes) std::abort();
  if (w.consumed > in.size()) std::abort();

  DataReader parts(opts);
  std::string out;
  size_t pos = 0;
  while (pos < in.size() && !parts.complete()) {
    seed = seed * 1103515245u + 12345u;
    size_t len = 1 + (seed >> 16) % 7;
    std::string_view piece = in.substr(pos, len);
    FeedResult f = parts.feed(piece, out);
    if (!f.complete && f.consumed != piece.size()) std::abort();  // all taken until the end
    pos += f.consumed;
  }
  if (out != ref || pos != w.consumed || parts.complete() != w.complete ||
      !same(parts.errors(), whole.errors()))
    std::abort();

  // BDAT: the input as two chunks split by the seed.
  bool binary = flags & 8;
  BdatReader bdat(opts, binary);
  std::string bout;
  size_t cut = in.empty() ? 0 : seed % (in.size() + 1);
  bdat.start_chunk(cut, false);
  if (bdat.feed(in, bout).consumed != cut) std::abort();
  bdat.start_chunk(in.size() - cut, true);
  if (bdat.feed(in.substr(cut), bout).consumed != in.size() - cut) std::abort();
  if (!bdat.message_complete()) std::abort();
  if (binary && opts.max_message_bytes == 0 && bout != in) std::abort();
  return 0;
}
