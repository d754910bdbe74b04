// ChangeBus: routing by mailbox / account, RAII unsubscribe, threads.
#include "store/change_bus.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace postino::store {
namespace {

Change change(AccountId a, MailboxId m) {
  Change c;
  c.account_id = a;
  c.mailbox_id = m;
  c.kind = ChangeKind::appended;
  c.uids = {1};
  return c;
}

TEST(ChangeBus, RoutesByMailboxAndAccount) {
  ChangeBus bus;
  int box10 = 0, box11 = 0, acct1 = 0;
  auto s1 = bus.subscribe_mailbox(10, [&](const Change&) { ++box10; });
  auto s2 = bus.subscribe_mailbox(11, [&](const Change&) { ++box11; });
  auto s3 = bus.subscribe_account(1, [&](const Change&) { ++acct1; });
  bus.publish(change(1, 10));
  bus.publish(change(1, 11));
  bus.publish(change(2, 20));
  EXPECT_EQ(box10, 1);
  EXPECT_EQ(box11, 1);
  EXPECT_EQ(acct1, 2);
  EXPECT_EQ(bus.subscriber_count(), 3u);
}

TEST(ChangeBus, SubscriptionIsRaii) {
  ChangeBus bus;
  int n = 0;
  {
    auto s = bus.subscribe_mailbox(1, [&](const Change&) { ++n; });
    bus.publish(change(1, 1));
    Subscription moved = std::move(s);
    EXPECT_FALSE(s.active());
    EXPECT_TRUE(moved.active());
    bus.publish(change(1, 1));
  }
  bus.publish(change(1, 1));
  EXPECT_EQ(n, 2);
  EXPECT_EQ(bus.subscriber_count(), 0u);
}

TEST(ChangeBus, ConcurrentPublishAndSubscribe) {
  ChangeBus bus;
  std::atomic<int> got{0};
  std::atomic<bool> stop{false};
  std::thread pub([&] {
    while (!stop) bus.publish(change(1, 1));
  });
  for (int i = 0; i < 200; ++i) {
    auto s = bus.subscribe_mailbox(1, [&](const Change&) { ++got; });
  }
  auto keep = bus.subscribe_mailbox(1, [&](const Change&) { ++got; });
  while (got.load() == 0) std::this_thread::yield();
  stop = true;
  pub.join();
  EXPECT_GT(got.load(), 0);
}

}  // namespace
}  // namespace postino::store
