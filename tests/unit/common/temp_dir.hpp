// A temporary directory for one test, removed with everything in it at the
// end. It lives under $POSTINO_TEST_TMP (set by CTest to build/test-tmp) or
// the system temp directory.
#pragma once

#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace postino::testing {

class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "postino") {
    const char* base = std::getenv("POSTINO_TEST_TMP");
    std::filesystem::path root = base && *base ? base : std::filesystem::temp_directory_path();
    std::filesystem::create_directories(root);
    std::string tmpl = (root / (prefix + "-XXXXXX")).string();
    char* p = ::mkdtemp(tmpl.data());
    path_ = p ? p : tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace postino::testing
