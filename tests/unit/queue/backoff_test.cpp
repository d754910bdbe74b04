#include "queue/backoff.hpp"

#include <gtest/gtest.h>

namespace postino::queue {
namespace {

TEST(Backoff, DefaultScheduleGrowsAndIsCapped) {
  RetryPolicy p;  // 60 s .. 4 h
  EXPECT_EQ(retry_delay(p, 1), 60);
  EXPECT_EQ(retry_delay(p, 2), 300);
  EXPECT_EQ(retry_delay(p, 3), 900);
  EXPECT_EQ(retry_delay(p, 4), 1800);
  EXPECT_EQ(retry_delay(p, 5), 3600);
  EXPECT_EQ(retry_delay(p, 6), 7200);
  EXPECT_EQ(retry_delay(p, 7), 14400);
  EXPECT_EQ(retry_delay(p, 8), 14400);
  EXPECT_EQ(retry_delay(p, 1000000), 14400);  // no overflow
}

TEST(Backoff, SmallAndDegenerateSettings) {
  RetryPolicy p;
  p.retry_min = 1;
  p.retry_max = 2;
  EXPECT_EQ(retry_delay(p, 1), 1);
  EXPECT_EQ(retry_delay(p, 2), 2);
  EXPECT_EQ(retry_delay(p, 0), 1);
  p.retry_min = 0;  // treated as 1 s, never 0 (no busy retry loop)
  p.retry_max = 0;
  EXPECT_EQ(retry_delay(p, 3), 1);
}

}  // namespace
}  // namespace postino::queue
