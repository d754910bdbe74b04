// The store conformance suite: tests written against StoreBackend only, so
// every backend (SQLite now, PostgreSQL later) runs the same checks.
// A backend registers with
//   INSTANTIATE_TEST_SUITE_P(Name, StoreConformance, ::testing::Values(factory));
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "store/backend.hpp"

namespace postino::store::testing {

struct BackendFactory {
  std::string name;
  // Opens (or reopens) a backend whose state lives under dir.
  std::function<Result<std::unique_ptr<StoreBackend>>(const std::string& dir)> open;
};

inline std::ostream& operator<<(std::ostream& os, const BackendFactory& f) { return os << f.name; }

class StoreConformance : public ::testing::TestWithParam<BackendFactory> {};

}  // namespace postino::store::testing
