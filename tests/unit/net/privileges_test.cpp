#include "net/privileges.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "net/test_client.hpp"

namespace postino::net {
namespace {

// Runs fn in a child process (privileges are process-wide) and returns its
// exit code.
template <class Fn>
int in_child(Fn fn) {
  pid_t pid = fork();
  if (pid == 0) _exit(fn());
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(Privileges, UnknownUserFailsLoudlyWhenRoot) {
  int code = in_child([] {
    auto st = drop_privileges("no-such-user-postino-test");
    if (geteuid() != 0) return st.ok() ? 0 : 1;  // not root: no-op
    return (!st.ok() && st.error().code == Errc::not_found && geteuid() == 0) ? 0 : 1;
  });
  EXPECT_EQ(code, 0);
}

TEST(Privileges, DropsToNamedUserAndCannotRegainRoot) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root";
  int code = in_child([] {
    auto st = drop_privileges("nobody");
    if (!st.ok()) return 1;
    if (geteuid() == 0 || getuid() == 0 || getegid() == 0) return 2;
    if (setuid(0) == 0) return 3;
    return 0;
  });
  EXPECT_EQ(code, 0);
}

TEST(Privileges, ChownTreeGivesFilesToUser) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root";
  std::string dir = testing::temp_dir("chown");
  std::filesystem::create_directories(dir + "/a/b");
  std::ofstream(dir + "/a/b/f") << "x";
  ASSERT_TRUE(chown_tree(dir, "nobody").ok());
  struct stat st {};
  ASSERT_EQ(::stat((dir + "/a/b/f").c_str(), &st), 0);
  EXPECT_NE(st.st_uid, 0u);
  EXPECT_FALSE(chown_tree(dir, "no-such-user-postino-test").ok());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace postino::net
