// open_store(): picks and opens the configured StoreBackend. The CLI uses the
// returned backend directly (synchronously); the server wraps it in AsyncStore.
// Ownership: the caller owns the backend. Thread rules: call once at start-up.
#pragma once

#include <memory>
#include <string>

#include "base/result.hpp"
#include "store/backend.hpp"

namespace postino::store {

struct StoreOptions {
  std::string backend = "sqlite";  // "sqlite" (embedded); "postgres" not built yet
  std::string data_dir;            // sqlite: data_dir/store.db and data_dir/blobs/
  std::string url;                 // postgres connection string
};

Result<std::unique_ptr<StoreBackend>> open_store(const StoreOptions& options);

}  // namespace postino::store
