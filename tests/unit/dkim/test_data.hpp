// Locates the shared conformance data (../shared/rfc/tests beside the checkout,
// or $POSTINO_RFC_TESTS) and reads files from it.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace postino::testing {

inline std::filesystem::path rfc_tests_dir() {
  if (const char* d = std::getenv("POSTINO_RFC_TESTS")) return d;
  const char* src = std::getenv("POSTINO_SOURCE_DIR");
  return std::filesystem::path(src ? src : ".") / ".." / "shared" / "rfc" / "tests";
}

inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace postino::testing
