// Raw DEFLATE (RFC 1951) stream transforms for a connection's compression
// layer, as IMAP COMPRESS=DEFLATE (RFC 4978) needs: no zlib or gzip header,
// and the sender flushes (Z_SYNC_FLUSH) at the end of every burst so the peer
// can act on each response as soon as it arrives.
//
// Deflater: compress(bytes) appends a complete, flushed DEFLATE segment. The
// window and hash table are kept small (RFC 4978 §4 lets each side choose its
// compression): about 20 KiB of zlib state instead of zlib's default 256 KiB.
// Inflater: the peer may have used any window (up to 32 KiB); the Inflater
// accepts them all. Input is queued with push() and decompressed on demand by
// pull(max), which never produces more than max bytes per call: a small input
// that expands enormously (a "decompression bomb") is turned into output only
// as fast as the reader consumes it. Queued input is bounded by the caller
// (one network read at a time; push only when !has_pending()).
// Corrupt input is an Errc::invalid error; after it the Inflater stays failed.
// Ownership: each owns its z_stream; both are move-only.
// Thread rules: none; one owner at a time.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace postino::net {

// RFC 4978 §4: windowBits between 8 and 15; zlib raises 8 to 9 for raw streams.
inline constexpr int kDeflateWindowBits = 10;  // 1 KiB window
inline constexpr int kDeflateMemLevel = 5;     // 16 KiB hash/buffers
inline constexpr int kDeflateLevel = 1;        // zlib's fastest (RFC 4978 §4: responses are cheap)

class Deflater {
 public:
  Deflater();
  ~Deflater();
  Deflater(Deflater&&) noexcept;
  Deflater& operator=(Deflater&&) noexcept;

  // False when zlib could not allocate its state.
  bool ok() const { return z_ != nullptr; }
  // Compresses `in` and appends it to `out`, ending with a sync flush
  // (RFC 1951 empty stored block), so `out` is decodable on its own. Errc::internal
  // on a zlib failure (not expected: the input cannot be wrong).
  Status compress(std::string_view in, std::string& out);

 private:
  struct Z;
  std::unique_ptr<Z> z_;
};

class Inflater {
 public:
  // Produced per pull() at most; the readers' own limits bound the rest.
  static constexpr size_t kMaxPull = 64 * 1024;

  Inflater();
  ~Inflater();
  Inflater(Inflater&&) noexcept;
  Inflater& operator=(Inflater&&) noexcept;

  bool ok() const { return z_ != nullptr; }
  // Queues compressed bytes.
  void push(std::string_view compressed);
  // Queued input not decompressed yet, or output zlib still holds.
  bool has_pending() const;
  // Decompresses queued input, appending at most max bytes to `out`. Returns
  // the number of bytes appended (0: the queued input was used up without
  // completing any output). Errc::invalid: the input is not valid DEFLATE, or
  // the stream ended (a final block), which a connection never does.
  Result<size_t> pull(std::string& out, size_t max = kMaxPull);

 private:
  struct Z;
  std::unique_ptr<Z> z_;
};

}  // namespace postino::net
