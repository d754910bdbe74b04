// Deflater / Inflater (net/deflate.hpp) against zlib used directly as the
// peer, the way an IMAP client's COMPRESS=DEFLATE layer would (RFC 4978).
#include "net/deflate.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <random>
#include <string>

namespace postino::net {
namespace {

// A peer's raw DEFLATE stream, flushed like a client flushes each command.
class PeerDeflate {
 public:
  explicit PeerDeflate(int window_bits = 15, int level = Z_DEFAULT_COMPRESSION) {
    EXPECT_EQ(deflateInit2(&s_, level, Z_DEFLATED, -window_bits, 8, Z_DEFAULT_STRATEGY), Z_OK);
  }
  ~PeerDeflate() { deflateEnd(&s_); }
  std::string compress(const std::string& in, int flush = Z_SYNC_FLUSH) {
    std::string out;
    s_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    s_.avail_in = static_cast<uInt>(in.size());
    char buf[16384];
    do {  // until zlib has no more output for this call
      s_.next_out = reinterpret_cast<Bytef*>(buf);
      s_.avail_out = sizeof buf;
      int rc = deflate(&s_, flush);
      EXPECT_TRUE(rc == Z_OK || rc == Z_STREAM_END || rc == Z_BUF_ERROR) << rc;
      out.append(buf, sizeof buf - s_.avail_out);
    } while (s_.avail_out == 0);
    EXPECT_EQ(s_.avail_in, 0u);
    return out;
  }

 private:
  z_stream s_{};
};

// A peer's raw INFLATE: decodes what the Deflater sent.
class PeerInflate {
 public:
  PeerInflate() { EXPECT_EQ(inflateInit2(&s_, -15), Z_OK); }
  ~PeerInflate() { inflateEnd(&s_); }
  std::string decompress(const std::string& in) {
    std::string out;
    s_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    s_.avail_in = static_cast<uInt>(in.size());
    char buf[4096];
    do {
      s_.next_out = reinterpret_cast<Bytef*>(buf);
      s_.avail_out = sizeof buf;
      int rc = inflate(&s_, Z_SYNC_FLUSH);
      EXPECT_TRUE(rc == Z_OK || rc == Z_BUF_ERROR) << rc;
      out.append(buf, sizeof buf - s_.avail_out);
    } while (s_.avail_out == 0 || s_.avail_in > 0);
    return out;
  }

 private:
  z_stream s_{};
};

std::string sample(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  static const char* words[] = {
      "* 1 FETCH ", "(FLAGS (\\Seen)) ", "UID 42 ", "BODY[] ", "Subject: hello\r\n", "x", "\r\n"};
  std::string s;
  while (s.size() < n) s += words[rng() % 7];
  s.resize(n);
  return s;
}

std::string pull_all(Inflater& inf) {
  std::string out;
  for (;;) {
    auto n = inf.pull(out);
    EXPECT_TRUE(n.ok()) << n.error().message;
    if (!n || *n == 0) return out;
  }
}

TEST(Deflate, EachBurstDecodesOnItsOwnAtThePeer) {
  Deflater d;
  ASSERT_TRUE(d.ok());
  PeerInflate peer;
  for (int i = 0; i < 20; ++i) {
    std::string burst = "* " + std::to_string(i) + " EXISTS\r\n" + sample(100 * i, i);
    std::string wire;
    ASSERT_TRUE(d.compress(burst, wire).ok());
    // Z_SYNC_FLUSH ends with the empty stored block 00 00 FF FF (RFC 1951 §3.2.4).
    ASSERT_GE(wire.size(), 4u);
    EXPECT_EQ(wire.substr(wire.size() - 4), std::string("\0\0\xff\xff", 4));
    EXPECT_EQ(peer.decompress(wire), burst);
  }
}

TEST(Deflate, LargeBurstCompressesAndRoundTrips) {
  Deflater d;
  std::string big = sample(1 << 20, 7);
  std::string wire;
  ASSERT_TRUE(d.compress(big, wire).ok());
  EXPECT_LT(wire.size(), big.size() / 2);
  PeerInflate peer;
  EXPECT_EQ(peer.decompress(wire), big);
}

TEST(Inflate, DecodesEveryPeerWindowSize) {
  for (int bits = 9; bits <= 15; ++bits) {
    PeerDeflate peer(bits);
    Inflater inf;
    ASSERT_TRUE(inf.ok());
    std::string text = sample(200000, bits);
    inf.push(peer.compress(text));
    EXPECT_EQ(pull_all(inf), text) << "window bits " << bits;
  }
}

TEST(Inflate, InputFedOneByteAtATime) {
  PeerDeflate peer;
  std::string cmds;
  std::string wire;
  for (int i = 0; i < 10; ++i) {
    std::string cmd = "a" + std::to_string(i) + " NOOP\r\n";
    cmds += cmd;
    wire += peer.compress(cmd);
  }
  Inflater inf;
  std::string got;
  for (char c : wire) {
    inf.push(std::string_view(&c, 1));
    got += pull_all(inf);
    EXPECT_FALSE(inf.has_pending());
  }
  EXPECT_EQ(got, cmds);
}

TEST(Inflate, EverySplitPointOfTwoCommands) {
  PeerDeflate peer;
  std::string text = "a1 LOGIN x y\r\na2 SELECT INBOX\r\n";
  std::string wire = peer.compress(text);
  for (size_t cut = 0; cut <= wire.size(); ++cut) {
    Inflater inf;
    inf.push(wire.substr(0, cut));
    std::string got = pull_all(inf);
    inf.push(wire.substr(cut));
    got += pull_all(inf);
    EXPECT_EQ(got, text) << "cut at " << cut;
  }
}

TEST(Inflate, CorruptInputIsAnErrorAndStaysOne) {
  Inflater inf;
  // BTYPE 11 (reserved) in the first block header: invalid (RFC 1951 §3.2.3).
  inf.push(std::string("\x07\x00\x00\x00", 4));
  std::string out;
  auto r = inf.pull(out);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::invalid);
  PeerDeflate peer;
  inf.push(peer.compress("a1 NOOP\r\n"));
  EXPECT_FALSE(inf.pull(out).ok());
}

TEST(Inflate, EndOfStreamIsAnError) {
  PeerDeflate peer;
  Inflater inf;
  inf.push(peer.compress("a1 LOGOUT\r\n", Z_FINISH));
  std::string out;
  auto r = inf.pull(out);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::invalid);
}

TEST(Inflate, BombIsProducedInBoundedPieces) {
  // 64 MiB of one byte compresses to about 64 KiB.
  PeerDeflate peer(15, Z_BEST_COMPRESSION);
  std::string wire;
  std::string mib(1 << 20, 'A');
  for (int i = 0; i < 64; ++i) wire += peer.compress(mib, Z_NO_FLUSH);
  wire += peer.compress("", Z_SYNC_FLUSH);
  ASSERT_LT(wire.size(), 256u * 1024);
  Inflater inf;
  inf.push(wire);
  size_t total = 0, pulls = 0;
  std::string out;
  while (inf.has_pending()) {
    out.clear();
    auto n = inf.pull(out, 32 * 1024);
    ASSERT_TRUE(n.ok());
    ASSERT_LE(*n, 32u * 1024);
    EXPECT_EQ(out.size(), *n);
    total += *n;
    if (*n == 0) break;
    ++pulls;
  }
  EXPECT_EQ(total, 64u << 20);
  EXPECT_GE(pulls, (64u << 20) / (32u * 1024));
}

}  // namespace
}  // namespace postino::net
