#include "net/deflate.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>

namespace postino::net {
namespace {
constexpr size_t kChunk = 4096;  // output produced per zlib call
// RFC 1951 raw stream: negative windowBits. Inflate takes the largest window
// so that any peer's choice decodes (RFC 4978 §4).
constexpr int kInflateWindowBits = 15;
}  // namespace

struct Deflater::Z {
  z_stream s{};
  ~Z() { deflateEnd(&s); }
};

Deflater::Deflater() {
  auto z = std::make_unique<Z>();
  if (deflateInit2(&z->s, kDeflateLevel, Z_DEFLATED, -kDeflateWindowBits, kDeflateMemLevel,
                   Z_DEFAULT_STRATEGY) == Z_OK)
    z_ = std::move(z);
  else
    z.release();  // deflateEnd on a failed init is not allowed; the z_stream holds nothing
}
Deflater::~Deflater() = default;
Deflater::Deflater(Deflater&&) noexcept = default;
Deflater& Deflater::operator=(Deflater&&) noexcept = default;

Status Deflater::compress(std::string_view in, std::string& out) {
  if (!z_) return make_error(Errc::internal, "deflate: not initialised");
  z_stream& s = z_->s;
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  s.avail_in = static_cast<uInt>(in.size());
  std::array<char, kChunk> buf;
  // RFC 4978 §4: flush at the end of each burst so the client sees it all.
  do {
    s.next_out = reinterpret_cast<Bytef*>(buf.data());
    s.avail_out = static_cast<uInt>(buf.size());
    int rc = deflate(&s, Z_SYNC_FLUSH);
    if (rc != Z_OK && rc != Z_BUF_ERROR)
      return make_error(Errc::internal, std::string("deflate: ") + (s.msg ? s.msg : "error"));
    out.append(buf.data(), buf.size() - s.avail_out);
  } while (s.avail_out == 0);
  return Status{};
}

struct Inflater::Z {
  z_stream s{};
  std::string pending;  // queued compressed bytes
  size_t off = 0;       // consumed prefix of pending
  bool more = false;    // the last call filled its output: zlib may hold more
  bool failed = false;
  ~Z() { inflateEnd(&s); }
};

Inflater::Inflater() {
  auto z = std::make_unique<Z>();
  if (inflateInit2(&z->s, -kInflateWindowBits) == Z_OK)
    z_ = std::move(z);
  else
    z.release();
}
Inflater::~Inflater() = default;
Inflater::Inflater(Inflater&&) noexcept = default;
Inflater& Inflater::operator=(Inflater&&) noexcept = default;

void Inflater::push(std::string_view compressed) {
  if (!z_) return;
  if (z_->off == z_->pending.size()) {
    z_->pending.assign(compressed);
    z_->off = 0;
  } else {
    z_->pending.append(compressed);
  }
}

bool Inflater::has_pending() const { return z_ && (z_->off < z_->pending.size() || z_->more); }

Result<size_t> Inflater::pull(std::string& out, size_t max) {
  if (!z_) return make_error(Errc::internal, "inflate: not initialised");
  Z& z = *z_;
  if (z.failed) return make_error(Errc::invalid, "inflate: stream already failed");
  z_stream& s = z.s;
  std::array<char, kChunk> buf;
  size_t produced = 0;
  while (produced < max && (z.off < z.pending.size() || z.more)) {
    size_t in_n = z.pending.size() - z.off;
    s.next_in = reinterpret_cast<Bytef*>(z.pending.data() + z.off);
    s.avail_in = static_cast<uInt>(std::min<size_t>(in_n, UINT32_MAX));
    size_t room = std::min(buf.size(), max - produced);
    s.next_out = reinterpret_cast<Bytef*>(buf.data());
    s.avail_out = static_cast<uInt>(room);
    int rc = inflate(&s, Z_SYNC_FLUSH);
    size_t used = in_n - s.avail_in;
    size_t got = room - s.avail_out;
    z.off += used;
    z.more = s.avail_out == 0;
    out.append(buf.data(), got);
    produced += got;
    if (rc == Z_STREAM_END) {
      z.failed = true;  // a connection's stream never ends (RFC 4978 §3)
      return make_error(Errc::invalid, "inflate: unexpected end of the compressed stream");
    }
    if (rc == Z_DATA_ERROR || rc == Z_NEED_DICT || rc == Z_STREAM_ERROR) {
      z.failed = true;
      return make_error(Errc::invalid,
                        std::string("inflate: ") + (s.msg ? s.msg : "corrupt compressed data"));
    }
    if (rc == Z_MEM_ERROR) {
      z.failed = true;
      return make_error(Errc::internal, "inflate: out of memory");
    }
    if (used == 0 && got == 0) break;  // Z_BUF_ERROR: needs more input
  }
  if (z.off == z.pending.size()) {
    z.off = 0;
    z.pending.clear();
    if (z.pending.capacity() > kChunk) std::string().swap(z.pending);
  }
  return produced;
}

}  // namespace postino::net
