#include "store/backend.hpp"

#include <future>

namespace postino::store {

Result<std::vector<AppendResult>> StoreBackend::deliver(AppendRequest req) {
  std::promise<Result<std::vector<AppendResult>>> p;
  auto f = p.get_future();
  deliver_async(std::move(req),
                [&p](Result<std::vector<AppendResult>> r) { p.set_value(std::move(r)); });
  return f.get();
}

Result<AppendResult> StoreBackend::append(AppendRequest req) {
  if (req.targets.size() != 1) return make_error(Errc::invalid, "append takes exactly one target");
  auto r = deliver(std::move(req));
  if (!r) return r.take_error();
  return std::move(r->front());
}

}  // namespace postino::store
