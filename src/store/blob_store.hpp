// BlobStore: content-addressed message bodies on the local file system.
// A blob's id is the SHA-256 of its bytes in lower-case hex; it lives at
// <dir>/ab/<id> (ab = the first byte of the id: 256 directories, each made
// once; one level keeps mkdir off the delivery path), so identical content is
// stored once. write() goes through a temp file in <dir>/tmp and a
// rename, so a reader never sees a partial blob under its final name.
// Durability: write() alone is not durable; sync() makes every write before it
// durable with ONE syncfs(2) on the blob directory (see blob_store.cpp for why).
// Ownership: the store's writer thread owns writes, removals and sync(); reads
// are safe from any thread (files are immutable once renamed into place).
// Thread rules: all methods are thread-safe; write/remove/sync are meant for the
// single writer thread of a backend.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace postino::store {

class BlobStore {
 public:
  static constexpr size_t kIdLength = 64;  // sha256 hex

  // Creates dir (and dir/tmp) if needed and removes stale temp files.
  static Result<std::unique_ptr<BlobStore>> open(const std::string& dir);
  ~BlobStore();
  BlobStore(const BlobStore&) = delete;
  BlobStore& operator=(const BlobStore&) = delete;

  static std::string id_of(std::string_view bytes);
  static bool valid_id(std::string_view id);
  std::string path_of(std::string_view id) const;

  // Writes bytes under their id, replacing whatever file has that name.
  Status write(std::string_view id, std::string_view bytes);
  bool exists(std::string_view id) const;
  // Makes every completed write() and remove() durable.
  Status sync();
  // [offset, offset+length) clipped to the blob; npos = to the end.
  Result<std::string> read(std::string_view id, uint64_t offset = 0,
                           uint64_t length = std::string::npos) const;
  // read() that never waits for the disk: the bytes if the whole range is in
  // the page cache (preadv2 RWF_NOWAIT, Linux ≥ 4.14), nullopt if any part is
  // not (or the kernel cannot tell) — then use read() off the I/O threads.
  // Opening the file may still touch the disk for a cold inode.
  Result<std::optional<std::string>> read_cached(std::string_view id, uint64_t offset = 0,
                                                 uint64_t length = std::string::npos) const;
  Result<uint64_t> size(std::string_view id) const;
  // Removing an absent blob is not an error.
  Status remove(std::string_view id);

 private:
  BlobStore(std::string dir, int dir_fd) : dir_(std::move(dir)), dir_fd_(dir_fd) {}
  std::string dir_;
  int dir_fd_ = -1;
};

}  // namespace postino::store
