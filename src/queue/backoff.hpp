// Retry timing of the outbound queue (RFC 5321 §4.5.4.1: retry after at
// least 30 minutes in general, give up after 4-5 days; we start sooner and
// grow). The n-th retry waits retry_min times 1, 5, 15, 30, 60, 120, 240 …
// (1 min, 5 min, 15 min, 30 min, 1 h, 2 h, 4 h … with the default minimum),
// never more than retry_max.
// Thread rules: pure.
#pragma once

#include <cstdint>

namespace postino::queue {

struct RetryPolicy {
  int64_t retry_min = 60;            // seconds before the first retry
  int64_t retry_max = 4 * 3600;      // cap on any wait
  int64_t lifetime = 5 * 86400;      // then the message bounces (RFC 5321 §4.5.4.1)
  int64_t delay_warning = 4 * 3600;  // then a delay DSN, once (RFC 3461 §4.1 DELAY); 0 = never
};

// Seconds to wait after the `failures`-th failed attempt (failures >= 1).
int64_t retry_delay(const RetryPolicy& p, uint32_t failures);

}  // namespace postino::queue
