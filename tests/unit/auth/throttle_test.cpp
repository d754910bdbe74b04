#include "auth/throttle.hpp"

#include <gtest/gtest.h>

namespace postino::auth {
namespace {

using namespace std::chrono_literals;

struct FakeClock {
  std::chrono::steady_clock::time_point now{};
  AuthThrottle::Clock fn() {
    return [this] { return now; };
  }
};

TEST(Throttle, PerIpLimitAndSlidingWindow) {
  FakeClock clk;
  AuthThrottle t({.max_failures_per_ip = 3,
                  .max_failures_per_account = 100,
                  .window = 60s,
                  .max_entries = 100},
                 clk.fn());
  EXPECT_TRUE(t.allowed("192.0.2.1", ""));
  t.record_failure("192.0.2.1", "a@example.com");
  clk.now += 20s;
  t.record_failure("192.0.2.1", "b@example.com");
  clk.now += 20s;
  EXPECT_TRUE(t.allowed("192.0.2.1", "c@example.com"));
  t.record_failure("192.0.2.1", "c@example.com");
  EXPECT_FALSE(t.allowed("192.0.2.1", "d@example.com"));
  EXPECT_FALSE(t.allowed("192.0.2.1", ""));
  EXPECT_TRUE(t.allowed("192.0.2.2", "d@example.com"));  // other IPs unaffected
  clk.now += 21s;  // the first failure (t=0) is now older than 60 s
  EXPECT_TRUE(t.allowed("192.0.2.1", "d@example.com"));
  t.record_failure("192.0.2.1", "");
  EXPECT_FALSE(t.allowed("192.0.2.1", ""));
}

TEST(Throttle, PerAccountAcrossIps) {
  FakeClock clk;
  AuthThrottle t({.max_failures_per_ip = 100,
                  .max_failures_per_account = 2,
                  .window = 60s,
                  .max_entries = 100},
                 clk.fn());
  t.record_failure("192.0.2.1", "Victim@example.com");
  t.record_failure("198.51.100.7", "victim@example.com");  // case-insensitive
  EXPECT_FALSE(t.allowed("203.0.113.9", "victim@example.com"));
  EXPECT_TRUE(t.allowed("203.0.113.9", "other@example.com"));
  clk.now += 61s;
  EXPECT_TRUE(t.allowed("203.0.113.9", "victim@example.com"));
}

TEST(Throttle, SuccessClearsAccountNotIp) {
  FakeClock clk;
  AuthThrottle t(
      {.max_failures_per_ip = 2, .max_failures_per_account = 2, .window = 60s, .max_entries = 100},
      clk.fn());
  t.record_failure("192.0.2.1", "u@example.com");
  t.record_failure("192.0.2.1", "u@example.com");
  EXPECT_FALSE(t.allowed("192.0.2.9", "u@example.com"));
  t.record_success("192.0.2.1", "u@example.com");
  EXPECT_TRUE(t.allowed("192.0.2.9", "u@example.com"));
  EXPECT_FALSE(t.allowed("192.0.2.1", "u@example.com"));
}

TEST(Throttle, Ipv6CountedPer64) {
  FakeClock clk;
  AuthThrottle t({.max_failures_per_ip = 2,
                  .max_failures_per_account = 100,
                  .window = 60s,
                  .max_entries = 100},
                 clk.fn());
  t.record_failure("2001:db8:1:2::1", "");
  t.record_failure("2001:db8:1:2:ffff::9", "");
  EXPECT_FALSE(t.allowed("2001:db8:1:2::abcd", ""));
  EXPECT_TRUE(t.allowed("2001:db8:1:3::1", ""));
  EXPECT_EQ(AuthThrottle::ip_key("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::/64");
  EXPECT_EQ(AuthThrottle::ip_key("::ffff:192.0.2.1"), "192.0.2.1");
  EXPECT_EQ(AuthThrottle::ip_key("192.0.2.1"), "192.0.2.1");
  EXPECT_EQ(AuthThrottle::ip_key("not-an-ip"), "not-an-ip");
}

TEST(Throttle, BoundedMemoryEvictsLeastRecent) {
  FakeClock clk;
  AuthThrottle t(
      {.max_failures_per_ip = 1, .max_failures_per_account = 1, .window = 3600s, .max_entries = 3},
      clk.fn());
  for (int i = 0; i < 1000; ++i) {
    t.record_failure("10.0.0." + std::to_string(i % 250), "user" + std::to_string(i));
    clk.now += 1s;
  }
  EXPECT_LE(t.tracked_ips(), 3u);
  EXPECT_LE(t.tracked_accounts(), 3u);
  EXPECT_FALSE(t.allowed("", "user999"));  // newest kept
  EXPECT_TRUE(t.allowed("", "user0"));     // oldest evicted
}

TEST(Throttle, ManyFailuresOneKeyStayBounded) {
  FakeClock clk;
  AuthThrottle t(
      {.max_failures_per_ip = 5, .max_failures_per_account = 5, .window = 60s, .max_entries = 10},
      clk.fn());
  for (int i = 0; i < 100000; ++i) t.record_failure("192.0.2.1", "a");
  EXPECT_FALSE(t.allowed("192.0.2.1", ""));
  clk.now += 60s;
  EXPECT_TRUE(t.allowed("192.0.2.1", "a"));
  EXPECT_EQ(t.tracked_ips(), 0u);  // expired entries are dropped on access
}

}  // namespace
}  // namespace postino::auth
