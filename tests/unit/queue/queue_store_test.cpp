// The SQLite QueueStore: enqueue durability and validation, leasing, outcome
// recording, operator actions, and blob reference counting shared with
// mailbox messages.
#include "store/queue_store.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "common/temp_dir.hpp"
#include "store/blob_store.hpp"
#include "store/open.hpp"

namespace postino::store {
namespace {

struct Fixture {
  postino::testing::TempDir dir{"queue-store"};
  std::unique_ptr<StoreBackend> backend;
  std::unique_ptr<QueueStore> qs;
  Fixture() {
    auto b = open_store(StoreOptions{"sqlite", dir.path(), ""});
    EXPECT_TRUE(b.ok());
    backend = std::move(*b);
    auto q = open_queue_store(*backend);
    EXPECT_TRUE(q.ok());
    qs = std::move(*q);
  }
  // Blob files are removed lazily, just after the commit that dropped their
  // last reference (sqlite_backend.cpp): wait for that.
  bool blob_gone(const std::string& bytes) {
    for (int i = 0; i < 200; ++i) {
      if (!std::filesystem::exists(blob_path(bytes))) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }
  std::string blob_path(const std::string& bytes) {
    std::string id = BlobStore::id_of(bytes);
    return dir.path() + "/blobs/" + id.substr(0, 2) + "/" + id;
  }
};

QueueMessage message(const std::string& id, std::vector<std::string> rcpts, int64_t created) {
  QueueMessage m;
  m.id = id;
  m.mail_from = "a@example.org";
  m.envid = "E1";
  m.ret = "HDRS";
  m.body_type = "7BIT";
  m.created_at = created;
  for (size_t i = 0; i < rcpts.size(); ++i) {
    QueueRecipient r;
    r.idx = uint32_t(i);
    r.address = rcpts[i];
    r.domain = rcpts[i].substr(rcpts[i].find('@') + 1);
    r.notify = i == 0 ? "FAILURE" : "";
    m.recipients.push_back(r);
  }
  return m;
}

TEST(QueueStore, EnqueueLeaseRecordAndRemoveWhenFinal) {
  Fixture f;
  auto raw = std::make_shared<const std::string>("Subject: q\r\n\r\nbody\r\n");
  ASSERT_TRUE(f.qs->enqueue(message("m1", {"x@a.example", "y@b.example"}, 1000), raw).ok());
  EXPECT_TRUE(std::filesystem::exists(f.blob_path(*raw)));
  auto again = f.qs->enqueue(message("m1", {"x@a.example"}, 1000), raw);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, Errc::exists);

  auto got = f.qs->get("m1");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->size, raw->size());
  EXPECT_EQ(got->envid, "E1");
  ASSERT_EQ(got->recipients.size(), 2u);
  EXPECT_EQ(got->recipients[0].notify, "FAILURE");
  EXPECT_EQ(got->recipients[0].next_attempt, 1000);
  auto bytes = f.qs->read_message("m1");
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(*bytes, *raw);

  // Not due before created_at; due after; a lease hides it from a second scan.
  auto none = f.qs->lease_due("n1", 999, 2000, 10);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  auto leased = f.qs->lease_due("n1", 1000, 2000, 10);
  ASSERT_TRUE(leased.ok());
  ASSERT_EQ(leased->size(), 1u);
  EXPECT_EQ((*leased)[0].recipients.size(), 2u);
  EXPECT_TRUE(f.qs->lease_due("n2", 1500, 2500, 10)->empty());
  auto next = f.qs->next_due(1500);
  ASSERT_TRUE(next.ok() && next->has_value());
  EXPECT_EQ(**next, 2000);  // when the lease runs out

  // One delivered, one deferred: the message stays, with state.
  std::vector<RecipientOutcome> out(2);
  out[0] = {"m1", 0, RcptStatus::delivered, 1, 0, 1001, "250 2.0.0 ok", "mx.a.example", false};
  out[1] = {"m1", 1, RcptStatus::deferred, 1, 1300, 1001, "451 4.3.0 later", "mx.b.example", false};
  ASSERT_TRUE(f.qs->record(out).ok());
  auto c = f.qs->counts();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->messages, 1u);
  EXPECT_EQ(c->deferred, 1u);
  EXPECT_EQ(c->queued, 0u);
  EXPECT_TRUE(f.qs->lease_due("n1", 1299, 5000, 10)->empty());
  auto due = f.qs->lease_due("n1", 1300, 5000, 10);
  ASSERT_EQ(due->size(), 1u);
  ASSERT_EQ((*due)[0].recipients.size(), 1u);
  EXPECT_EQ((*due)[0].recipients[0].address, "y@b.example");
  EXPECT_EQ((*due)[0].recipients[0].last_reply, "451 4.3.0 later");

  // The last recipient becomes final: the message and its blob go.
  ASSERT_TRUE(
      f.qs->record({{"m1", 1, RcptStatus::bounced, 2, 0, 1300, "550 5.1.1 no", "mx", false}}).ok());
  EXPECT_EQ(f.qs->get("m1").error().code, Errc::not_found);
  EXPECT_TRUE(f.blob_gone(*raw));
}

TEST(QueueStore, ReleaseLeasesFlushRetryRemove) {
  Fixture f;
  auto raw = std::make_shared<const std::string>("Subject: r\r\n\r\nx\r\n");
  ASSERT_TRUE(f.qs->enqueue(message("m2", {"x@a.example"}, 1000), raw).ok());
  ASSERT_EQ(f.qs->lease_due("node", 1000, 99999, 10)->size(), 1u);
  ASSERT_TRUE(f.qs->release_leases("node").ok());  // start-up after a crash
  ASSERT_EQ(f.qs->lease_due("node", 1000, 1100, 10)->size(), 1u);
  ASSERT_TRUE(
      f.qs->record({{"m2", 0, RcptStatus::deferred, 1, 50000, 1000, "451 x", "mx", false}}).ok());
  EXPECT_TRUE(f.qs->lease_due("node", 2000, 3000, 10)->empty());
  auto n = f.qs->flush(2000);  // `postino queue flush`
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 1u);
  EXPECT_EQ(f.qs->lease_due("node", 2000, 3000, 10)->size(), 1u);
  EXPECT_EQ(f.qs->retry("nope", 2000).error().code, Errc::not_found);
  ASSERT_TRUE(f.qs->remove("m2").ok());
  EXPECT_EQ(f.qs->remove("m2").error().code, Errc::not_found);
  EXPECT_TRUE(f.blob_gone(*raw));
  EXPECT_TRUE(f.qs->list()->empty());
}

TEST(QueueStore, BlobSharedWithMailboxSurvivesQueueRemoval) {
  Fixture f;
  ASSERT_TRUE(f.backend->add_domain("example.org").ok());
  auto acc = f.backend->add_account("a@example.org", Credentials{});
  ASSERT_TRUE(acc.ok());
  auto raw = std::make_shared<const std::string>("Subject: shared\r\n\r\nsame bytes\r\n");
  AppendRequest req;
  req.raw = raw;
  req.targets.push_back({acc->id, kInbox});
  ASSERT_TRUE(f.backend->append(req).ok());
  ASSERT_TRUE(f.qs->enqueue(message("m3", {"x@a.example"}, 1000), raw).ok());
  ASSERT_TRUE(f.qs->remove("m3").ok());
  // A later write lets the lazy removal (if it wrongly happened) finish first.
  ASSERT_TRUE(f.backend->add_domain("example.net").ok());
  EXPECT_TRUE(std::filesystem::exists(f.blob_path(*raw)));  // the mailbox copy needs it
}

TEST(QueueStore, BadInputChangesNothing) {
  Fixture f;
  auto raw = std::make_shared<const std::string>("x\r\n");
  EXPECT_EQ(f.qs->enqueue(message("bad id!", {"x@a.example"}, 1), raw).error().code, Errc::invalid);
  EXPECT_EQ(f.qs->enqueue(message("ok", {}, 1), raw).error().code, Errc::invalid);
  EXPECT_EQ(f.qs->enqueue(message("ok", {"x@a.example"}, 1), nullptr).error().code, Errc::invalid);
  EXPECT_TRUE(f.qs->list()->empty());
  EXPECT_FALSE(valid_queue_id(""));
  EXPECT_FALSE(valid_queue_id(std::string(65, 'a')));
  EXPECT_TRUE(valid_queue_id("Abc-123_x"));
}

}  // namespace
}  // namespace postino::store
