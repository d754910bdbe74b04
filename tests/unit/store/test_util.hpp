// Helpers for the store tests: a fresh temporary directory per test and
// message builders.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "common/temp_dir.hpp"
#include "store/types.hpp"

namespace postino::store::testing {

using postino::testing::TempDir;

inline std::string sample_message(const std::string& subject, size_t body_bytes = 64) {
  std::string m = "From: a@example.org\r\nTo: b@example.com\r\nSubject: " + subject + "\r\n\r\n";
  for (size_t i = 0; i < body_bytes; ++i) m += char('a' + i % 26);
  m += "\r\n";
  return m;
}

inline AppendRequest make_append(AccountId account, const std::string& mailbox,
                                 const std::string& raw, std::vector<std::string> flags = {}) {
  AppendRequest r;
  r.targets.push_back({account, mailbox});
  r.raw = std::make_shared<const std::string>(raw);
  r.flags = std::move(flags);
  r.internal_date = 1700000000;
  r.envelope = "(NIL \"subject\" NIL NIL NIL NIL NIL NIL NIL NIL)";
  r.bodystructure = "(\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 10 1)";
  r.body = r.bodystructure;
  r.header_summary = "subject";
  return r;
}

}  // namespace postino::store::testing
