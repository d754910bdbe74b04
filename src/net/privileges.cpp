#include "net/privileges.hpp"

#include <grp.h>
#include <pwd.h>
#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "base/log.hpp"

namespace postino::net {
namespace {

constexpr size_t kPwBufSize = 16 * 1024;

struct UserIds {
  uid_t uid;
  gid_t gid;
};

Result<UserIds> lookup(const std::string& user) {
  if (user.empty()) return make_error(Errc::invalid, "no service user configured");
  passwd pw{};
  passwd* found = nullptr;
  std::vector<char> buf(kPwBufSize);
  int rc = getpwnam_r(user.c_str(), &pw, buf.data(), buf.size(), &found);
  if (rc != 0 || found == nullptr)
    return make_error(Errc::not_found, "user '" + user + "' does not exist");
  return UserIds{pw.pw_uid, pw.pw_gid};
}

std::string errno_text() { return std::strerror(errno); }

}  // namespace

Status drop_privileges(const std::string& user) {
  if (geteuid() != 0) return {};
  auto ids = lookup(user);
  if (!ids) return ids.take_error();
  if (ids->uid == 0) return make_error(Errc::invalid, "service user '" + user + "' is root");
  gid_t g = ids->gid;
  if (setgroups(1, &g) != 0) return make_error(Errc::internal, "setgroups failed: " + errno_text());
  if (setgid(ids->gid) != 0) return make_error(Errc::internal, "setgid failed: " + errno_text());
  if (setuid(ids->uid) != 0) return make_error(Errc::internal, "setuid failed: " + errno_text());
  if (setuid(0) == 0 || geteuid() == 0)
    return make_error(Errc::internal, "privilege drop did not stick");
  log::info("net.privileges_dropped", {{"user", user}, {"uid", ids->uid}, {"gid", ids->gid}});
  return {};
}

Status chown_tree(const std::string& path, const std::string& user) {
  if (geteuid() != 0) return {};
  auto ids = lookup(user);
  if (!ids) return ids.take_error();
  namespace fs = std::filesystem;
  auto one = [&](const fs::path& p) -> Status {
    if (lchown(p.c_str(), ids->uid, ids->gid) != 0)
      return make_error(Errc::io, "chown " + p.string() + ": " + errno_text());
    return {};
  };
  if (auto st = one(path); !st) return st;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(path, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (auto st = one(it->path()); !st) return st;
  }
  if (ec) return make_error(Errc::io, "chown " + path + ": " + ec.message());
  return {};
}

}  // namespace postino::net
