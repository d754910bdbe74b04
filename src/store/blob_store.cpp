#include "store/blob_store.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "base/strings.hpp"

namespace postino::store {

namespace fs = std::filesystem;

namespace {

constexpr size_t kTempNameLength = 24;
constexpr mode_t kFileMode = 0640;
constexpr uint64_t kMaxReadChunk = 1u << 20;

Error io_error(std::string what, int err) {
  return make_error(Errc::io, what + ": " + std::strerror(err));
}

Status write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error("write blob", errno);
    }
    bytes.remove_prefix(size_t(n));
  }
  return {};
}

struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};

// Opens a blob file read-only into fd; its size.
Result<uint64_t> open_for_read(const std::string& path, Fd& fd) {
  fd.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd.fd < 0) {
    if (errno == ENOENT) return make_error(Errc::not_found, "no such blob");
    return io_error("open blob", errno);
  }
  struct stat st {};
  if (::fstat(fd.fd, &st) != 0) return io_error("stat blob", errno);
  return uint64_t(st.st_size);
}

}  // namespace

Result<std::unique_ptr<BlobStore>> BlobStore::open(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(fs::path(dir) / "tmp", ec);
  if (ec) return make_error(Errc::io, "create " + dir + ": " + ec.message());
  // Temp files left by a crash were never referenced: drop them.
  for (const auto& e : fs::directory_iterator(fs::path(dir) / "tmp", ec)) fs::remove(e.path(), ec);
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return io_error("open " + dir, errno);
  return std::unique_ptr<BlobStore>(new BlobStore(dir, fd));
}

BlobStore::~BlobStore() {
  if (dir_fd_ >= 0) ::close(dir_fd_);
}

std::string BlobStore::id_of(std::string_view bytes) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(bytes.data(), bytes.size(), md, &len, EVP_sha256(), nullptr);
  return hex_encode(std::string_view(reinterpret_cast<const char*>(md), len));
}

bool BlobStore::valid_id(std::string_view id) {
  if (id.size() != kIdLength) return false;
  for (char c : id)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

std::string BlobStore::path_of(std::string_view id) const {
  std::string p = dir_;
  p += '/';
  p += id.substr(0, 2);
  p += '/';
  p += id;
  return p;
}

Status BlobStore::write(std::string_view id, std::string_view bytes) {
  if (!valid_id(id)) return make_error(Errc::invalid, "bad blob id");
  std::string final_path = path_of(id);
  std::string tmp = dir_ + "/tmp/" + random_token(kTempNameLength);
  {
    Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, kFileMode));
    if (fd.fd < 0) return io_error("create " + tmp, errno);
    if (auto st = write_all(fd.fd, bytes); !st) {
      ::unlink(tmp.c_str());
      return st;
    }
    if (::close(fd.fd) != 0) {
      fd.fd = -1;
      ::unlink(tmp.c_str());
      return io_error("close blob", errno);
    }
    fd.fd = -1;
  }
  // The fan-out directories usually exist: try the rename first and create
  // them only when it fails with ENOENT (saves two mkdir calls per blob).
  int rc = ::rename(tmp.c_str(), final_path.c_str());
  if (rc != 0 && errno == ENOENT) {
    std::error_code ec;
    fs::create_directories(fs::path(final_path).parent_path(), ec);
    if (ec) {
      ::unlink(tmp.c_str());
      return make_error(Errc::io, "create blob dir: " + ec.message());
    }
    rc = ::rename(tmp.c_str(), final_path.c_str());
  }
  if (rc != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return io_error("rename blob", err);
  }
  return {};
}

bool BlobStore::exists(std::string_view id) const {
  if (!valid_id(id)) return false;
  struct stat st {};
  return ::stat(path_of(id).c_str(), &st) == 0;
}

// One syncfs(2) per batch instead of fdatasync per file plus fsync per
// directory: syncfs flushes the data of every file written and the directory
// entries of every rename on this file system in one journal commit, so a
// batch of N new blobs (spread over up to N ab/cd directories) costs one
// syscall and one device flush instead of 2N+. Since Linux 5.8 syncfs reports
// write-back errors of the file system, so a failed write is not lost. The
// cost is that it also flushes unrelated dirty data on the same file system,
// which on a mail host is mostly the store's own WAL, about to be synced anyway.
Status BlobStore::sync() {
  if (::syncfs(dir_fd_) != 0) return io_error("syncfs " + dir_, errno);
  return {};
}

Result<std::string> BlobStore::read(std::string_view id, uint64_t offset, uint64_t length) const {
  if (!valid_id(id)) return make_error(Errc::invalid, "bad blob id");
  Fd fd(-1);
  auto opened = open_for_read(path_of(id), fd);
  if (!opened) return opened.take_error();
  uint64_t size = *opened;
  if (offset >= size) return std::string();
  uint64_t want = std::min<uint64_t>(length, size - offset);
  std::string out;
  out.resize(size_t(want));
  uint64_t done = 0;
  while (done < want) {
    size_t chunk = size_t(std::min<uint64_t>(want - done, kMaxReadChunk));
    ssize_t n = ::pread(fd.fd, out.data() + done, chunk, off_t(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error("read blob", errno);
    }
    if (n == 0) break;  // file shorter than stat said: return what is there
    done += uint64_t(n);
  }
  out.resize(size_t(done));
  return out;
}

Result<std::optional<std::string>> BlobStore::read_cached(std::string_view id, uint64_t offset,
                                                          uint64_t length) const {
  if (!valid_id(id)) return make_error(Errc::invalid, "bad blob id");
  Fd fd(-1);
  auto opened = open_for_read(path_of(id), fd);
  if (!opened) return opened.take_error();
  uint64_t size = *opened;
  if (offset >= size) return std::optional<std::string>(std::string());
  uint64_t want = std::min<uint64_t>(length, size - offset);
  if (want > kMaxReadChunk) return std::optional<std::string>();
  std::string out;
  out.resize(size_t(want));
  iovec iov{out.data(), out.size()};
  for (;;) {
    ssize_t n = ::preadv2(fd.fd, &iov, 1, off_t(offset), RWF_NOWAIT);
    if (n < 0 && errno == EINTR) continue;
    // EAGAIN: not cached; EOPNOTSUPP/EINVAL: this file system or kernel cannot
    // say. A short read means part of the range is not cached.
    if (n < 0 || uint64_t(n) != want) return std::optional<std::string>();
    return std::optional<std::string>(std::move(out));
  }
}

Result<uint64_t> BlobStore::size(std::string_view id) const {
  if (!valid_id(id)) return make_error(Errc::invalid, "bad blob id");
  struct stat st {};
  if (::stat(path_of(id).c_str(), &st) != 0) {
    if (errno == ENOENT) return make_error(Errc::not_found, "no such blob");
    return io_error("stat blob", errno);
  }
  return uint64_t(st.st_size);
}

Status BlobStore::remove(std::string_view id) {
  if (!valid_id(id)) return make_error(Errc::invalid, "bad blob id");
  if (::unlink(path_of(id).c_str()) != 0 && errno != ENOENT) return io_error("unlink blob", errno);
  return {};
}

}  // namespace postino::store
