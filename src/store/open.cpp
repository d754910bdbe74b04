#include "store/open.hpp"

#include "store/sqlite/sqlite_backend.hpp"

namespace postino::store {

Result<std::unique_ptr<StoreBackend>> open_store(const StoreOptions& options) {
  if (options.backend == "sqlite" || options.backend.empty()) {
    if (options.data_dir.empty()) return make_error(Errc::invalid, "store: data_dir is empty");
    auto b = sqlite::SqliteBackend::open(options.data_dir);
    if (!b) return b.take_error();
    return std::unique_ptr<StoreBackend>(std::move(*b));
  }
  if (options.backend == "postgres")
    return make_error(Errc::unavailable, "store: the postgres backend is not available yet");
  return make_error(Errc::invalid, "store: unknown backend \"" + options.backend + "\"");
}

}  // namespace postino::store
