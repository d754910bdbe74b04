#include "queue/backoff.hpp"

#include <algorithm>
#include <array>

namespace postino::queue {

int64_t retry_delay(const RetryPolicy& p, uint32_t failures) {
  static constexpr std::array<int64_t, 5> kSteps = {1, 5, 15, 30, 60};
  int64_t factor;
  if (failures == 0) {
    factor = 1;
  } else if (failures <= kSteps.size()) {
    factor = kSteps[failures - 1];
  } else {
    // Doubling after the table, bounded before it can overflow.
    uint32_t extra = std::min<uint32_t>(failures - uint32_t(kSteps.size()), 30);
    factor = kSteps.back() << extra;
  }
  int64_t min = std::max<int64_t>(p.retry_min, 1);
  int64_t max = std::max(p.retry_max, min);
  if (factor > max / min) return max;
  return std::min(max, min * factor);
}

}  // namespace postino::queue
