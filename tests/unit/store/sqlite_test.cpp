// SQLite backend: runs the conformance suite, plus what only this backend
// has: schema migrations on disk, the blob files, durability across SIGKILL.
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <future>

#include "base/metrics.hpp"
#include "store/conformance.hpp"
#include "store/open.hpp"
#include "store/sql/queries.hpp"
#include "store/sql/schema.hpp"
#include "store/sqlite/sqlite_backend.hpp"
#include "store/test_util.hpp"

namespace postino::store::testing {
namespace {

BackendFactory sqlite_factory() {
  return BackendFactory{"sqlite", [](const std::string& dir) {
                          return open_store(StoreOptions{"sqlite", dir, ""});
                        }};
}

INSTANTIATE_TEST_SUITE_P(Sqlite, StoreConformance, ::testing::Values(sqlite_factory()),
                         [](const auto& info) { return info.param.name; });

int64_t query_int(const std::string& db_path, const char* sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql, -1, &st, nullptr), SQLITE_OK);
  int64_t v = -1;
  if (sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return v;
}

TEST(SqliteStore, MigratesFromEmptyDatabaseOnce) {
  TempDir dir;
  {
    auto s = open_store({"sqlite", dir.path(), ""});
    ASSERT_TRUE(s.ok()) << s.error().message;
  }
  std::string db = dir.path() + "/store.db";
  EXPECT_TRUE(std::filesystem::is_directory(dir.path() + "/blobs"));
  EXPECT_EQ(query_int(db, "SELECT MAX(version) FROM schema_version"), sql::latest_schema_version());
  EXPECT_EQ(query_int(db, "SELECT COUNT(*) FROM schema_version"),
            static_cast<int64_t>(sql::migrations().size()));
  EXPECT_EQ(query_int(db, "SELECT COUNT(*) FROM messages"), 0);
  {
    auto s = open_store({"sqlite", dir.path(), ""});  // reopen: nothing re-applied
    ASSERT_TRUE(s.ok());
  }
  EXPECT_EQ(query_int(db, "SELECT COUNT(*) FROM schema_version"),
            static_cast<int64_t>(sql::migrations().size()));
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &raw), SQLITE_OK);
  char* mode = nullptr;
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(raw, "PRAGMA journal_mode", -1, &st, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)), "wal");
  sqlite3_finalize(st);
  sqlite3_free(mode);
  sqlite3_close(raw);
}

// The reads IMAP makes most take the indexes the schema made for them: the
// covering messages_state (flags, counts, changes since a MODSEQ), and the
// partial index of \Deleted messages for EXPUNGE (no scan of the mailbox).
TEST(SqliteStore, QueriesUseTheirIndexes) {
  TempDir dir;
  { ASSERT_TRUE(open_store({"sqlite", dir.path(), ""}).ok()); }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2((dir.path() + "/store.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr),
            SQLITE_OK);
  auto plan = [&](const char* sql) {
    std::string out;
    sqlite3_stmt* st = nullptr;
    std::string q = std::string("EXPLAIN QUERY PLAN ") + sql;
    EXPECT_EQ(sqlite3_prepare_v2(db, q.c_str(), -1, &st, nullptr), SQLITE_OK) << sql;
    while (st && sqlite3_step(st) == SQLITE_ROW)
      out += std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, 3))) + "\n";
    sqlite3_finalize(st);
    return out;
  };
  const std::string covering = "USING COVERING INDEX messages_state";
  EXPECT_NE(plan(sql::kFetchFlags).find(covering), std::string::npos) << plan(sql::kFetchFlags);
  EXPECT_NE(plan(sql::kChangedSince).find(covering), std::string::npos) << plan(sql::kChangedSince);
  EXPECT_NE(plan(sql::kGetMailboxById).find(covering), std::string::npos)
      << plan(sql::kGetMailboxById);
  EXPECT_NE(plan(sql::kMailboxSize).find(covering), std::string::npos) << plan(sql::kMailboxSize);
  EXPECT_NE(plan(sql::kSelectDeleted).find("USING INDEX messages_deleted"), std::string::npos)
      << plan(sql::kSelectDeleted);
  sqlite3_close(db);
}

TEST(SqliteStore, RefusesNewerSchema) {
  TempDir dir;
  { ASSERT_TRUE(open_store({"sqlite", dir.path(), ""}).ok()); }
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open((dir.path() + "/store.db").c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(
      sqlite3_exec(raw, "INSERT INTO schema_version VALUES (9999)", nullptr, nullptr, nullptr),
      SQLITE_OK);
  sqlite3_close(raw);
  auto s = open_store({"sqlite", dir.path(), ""});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::invalid);
}

TEST(SqliteStore, OpenOptions) {
  EXPECT_EQ(open_store({"sqlite", "", ""}).error().code, Errc::invalid);
  EXPECT_EQ(open_store({"mongodb", "/tmp/x", ""}).error().code, Errc::invalid);
  EXPECT_EQ(open_store({"postgres", "", "postgres://"}).error().code, Errc::unavailable);
}

TEST(SqliteStore, BlobFileLayout) {
  TempDir dir;
  auto s = open_store({"sqlite", dir.path(), ""});
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE((*s)->add_domain("example.com"));
  auto a = (*s)->add_account("a@example.com", {});
  ASSERT_TRUE(a.ok());
  auto r = (*s)->append(make_append(a->id, "INBOX", "abc"));
  ASSERT_TRUE(r.ok());
  // SHA-256("abc")
  EXPECT_EQ(r->blob_id, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_TRUE(std::filesystem::is_regular_file(dir.path() + "/blobs/ba/" + r->blob_id));
  EXPECT_TRUE(std::filesystem::is_empty(dir.path() + "/blobs/tmp"));
}

// A store in a fresh directory with one account, a@example.com.
struct OneAccount {
  TempDir dir;
  std::unique_ptr<StoreBackend> store;
  AccountId account = 0;
  void SetUp() {
    auto s = open_store({"sqlite", dir.path(), ""});
    ASSERT_TRUE(s.ok());
    store = std::move(*s);
    ASSERT_TRUE(store->add_domain("example.com"));
    auto a = store->add_account("a@example.com", {});
    ASSERT_TRUE(a.ok());
    account = a->id;
  }
};

// A STORE that changes nothing on a few messages is answered from a read
// snapshot: no write batch, no commit, no MODSEQ bump; one that changes a flag
// still commits. Both give the same results as through the writer.
TEST(SqliteStore, UnchangedStoreNeedsNoCommit) {
  OneAccount w;
  ASSERT_NO_FATAL_FAILURE(w.SetUp());
  auto& st = *w.store;
  const AccountId account = w.account;
  auto r1 = st.append(make_append(account, "INBOX", sample_message("1"), {"\\Seen"}));
  auto r2 = st.append(make_append(account, "INBOX", sample_message("2"), {"\\Seen", "X"}));
  ASSERT_TRUE(r1.ok() && r2.ok());
  MailboxId mb = r1->mailbox_id;
  UidSet both = UidSet::of({r1->uid, r2->uid});
  const uint64_t batches = st.stats().batches;

  auto same = st.store_flags(mb, both, {FlagMode::add, {"\\seen"}, {}});
  ASSERT_TRUE(same.ok());
  EXPECT_TRUE(same->updated.empty());
  EXPECT_TRUE(same->failed.empty());
  EXPECT_EQ(same->highestmodseq, r2->modseq);
  auto gone = st.store_flags(mb, both, {FlagMode::remove, {"Y"}, {}});
  ASSERT_TRUE(gone.ok());
  EXPECT_TRUE(gone->updated.empty());
  // RFC 7162 §3.1.3: every message fails UNCHANGEDSINCE 0, nothing changes.
  auto zero = st.store_flags(mb, both, {FlagMode::add, {"Z"}, ModSeq{0}});
  ASSERT_TRUE(zero.ok());
  EXPECT_TRUE(zero->updated.empty());
  EXPECT_EQ(zero->failed, (std::vector<Uid>{r1->uid, r2->uid}));
  EXPECT_EQ(st.store_flags(mb, both, {FlagMode::add, {"\\Nope"}, {}}).error().code, Errc::invalid);
  EXPECT_EQ(st.stats().batches, batches);

  auto change = st.store_flags(mb, both, {FlagMode::add, {"X"}, {}});
  ASSERT_TRUE(change.ok());
  ASSERT_EQ(change->updated.size(), 1u);
  EXPECT_EQ(change->updated[0].uid, r1->uid);
  EXPECT_GT(change->highestmodseq, r2->modseq);
  EXPECT_EQ(st.stats().batches, batches + 1);
}

// Likewise an EXPUNGE with nothing \\Deleted; one with something commits.
TEST(SqliteStore, ExpungeOfNothingNeedsNoCommit) {
  OneAccount w;
  ASSERT_NO_FATAL_FAILURE(w.SetUp());
  auto& st = *w.store;
  const AccountId account = w.account;
  auto r1 = st.append(make_append(account, "INBOX", sample_message("1")));
  auto r2 = st.append(make_append(account, "INBOX", sample_message("2"), {"\\Deleted"}));
  ASSERT_TRUE(r1.ok() && r2.ok());
  MailboxId mb = r1->mailbox_id;
  const uint64_t batches = st.stats().batches;

  auto none = st.expunge(mb, UidSet::of({r1->uid}));  // UID EXPUNGE of a message not \\Deleted
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  EXPECT_EQ(st.stats().batches, batches);
  EXPECT_EQ(st.expunge(MailboxId{999999}).error().code, Errc::not_found);

  auto one = st.expunge(mb);
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(*one, std::vector<Uid>{r2->uid});
  EXPECT_EQ(st.stats().batches, batches + 2);  // and the failed look-up above
  auto again = st.expunge(mb);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->empty());
  EXPECT_EQ(st.stats().batches, batches + 2);
}

// FETCH takes what never changes from the in-memory MetaCache and the rest
// from SQLite: results with some messages cached, all cached, none cached (a
// reopened store) and after an expunge are the same as from the rows alone.
TEST(SqliteStore, FetchWithMetaCacheMatchesTheRows) {
  OneAccount w;
  ASSERT_NO_FATAL_FAILURE(w.SetUp());
  std::vector<Uid> uids;
  MailboxId mb = 0;
  for (int i = 1; i <= 6; ++i) {
    auto req = make_append(w.account, "INBOX", sample_message(std::to_string(i)),
                           i % 2 ? std::vector<std::string>{"\\Seen"} : std::vector<std::string>{});
    req.envelope = "(NIL \"" + std::to_string(i) + "\" NIL NIL NIL NIL NIL NIL NIL NIL)";
    req.header_summary = "Subject: " + std::to_string(i) + "\r\n\r\n";
    auto r = w.store->append(req);
    ASSERT_TRUE(r.ok());
    uids.push_back(r->uid);
    mb = r->mailbox_id;
  }
  auto key = [](const std::vector<MessageMeta>& v) {
    std::vector<std::string> out;
    for (const auto& m : v) {
      std::string flags;
      for (const auto& f : m.flags) flags += f + " ";
      out.push_back(std::to_string(m.uid) + "|" + std::to_string(m.modseq) + "|" + flags + "|" +
                    std::to_string(m.internal_date) + "|" + std::to_string(m.size) + "|" +
                    m.blob_id + "|" + m.envelope + "|" + m.bodystructure + "|" + m.body + "|" +
                    m.header_summary);
    }
    return out;
  };
  // Texts not asked for stay empty whether cached or not.
  auto bare = w.store->fetch(mb, UidSet::of({uids[0], uids[5]}), MetaParts::none());
  ASSERT_TRUE(bare.ok());
  ASSERT_EQ(bare->size(), 2u);
  EXPECT_TRUE((*bare)[0].envelope.empty() && (*bare)[0].header_summary.empty());
  EXPECT_GT((*bare)[0].size, 0u);
  // uids 2 and 4 cached, the rest read from rows in runs around them.
  ASSERT_TRUE(w.store->fetch(mb, UidSet::of({uids[1], uids[3]})).ok());
  auto mixed = w.store->fetch(mb, UidSet::all());
  ASSERT_TRUE(mixed.ok());
  ASSERT_EQ(mixed->size(), 6u);
  EXPECT_NE((*mixed)[2].envelope.find("\"3\""), std::string::npos);
  EXPECT_NE((*mixed)[2].header_summary.find("Subject: 3"), std::string::npos);
  auto& hits = metrics::counter("postino_store_meta_cache_hits_total", "");
  const uint64_t hits_before = hits.value();
  auto warm = w.store->fetch(mb, UidSet::all());
  ASSERT_TRUE(warm.ok());
  EXPECT_EQ(key(*warm), key(*mixed));
  EXPECT_EQ(hits.value(), hits_before + 6);  // every message from memory
  auto header = w.store->fetch(mb, UidSet::all(), MetaParts::header_only());
  ASSERT_TRUE(header.ok());
  EXPECT_TRUE((*header)[0].envelope.empty());
  EXPECT_EQ((*header)[0].header_summary, (*mixed)[0].header_summary);

  // Flags still come from the store, not the cache.
  ASSERT_TRUE(
      w.store->store_flags(mb, UidSet::of({uids[2]}), {FlagMode::add, {"\\Deleted"}, {}}).ok());
  auto flagged = w.store->fetch(mb, UidSet::of({uids[2]}));
  ASSERT_TRUE(flagged.ok());
  ASSERT_EQ(flagged->size(), 1u);
  EXPECT_EQ((*flagged)[0].flags, (std::vector<std::string>{"\\Seen", "\\Deleted"}));
  ASSERT_TRUE(w.store->expunge(mb).ok());
  auto after = w.store->fetch(mb, UidSet::all());
  ASSERT_TRUE(after.ok());
  ASSERT_EQ(after->size(), 5u);
  auto expected = key(*mixed);
  expected.erase(expected.begin() + 2);
  auto got = key(*after);
  EXPECT_EQ(got, expected);  // uid 3 gone, the others as before

  // A fresh store (empty cache) reads the same from the rows.
  w.store.reset();
  auto s = open_store({"sqlite", w.dir.path(), ""});
  ASSERT_TRUE(s.ok());
  auto cold = (*s)->fetch(mb, UidSet::all());
  ASSERT_TRUE(cold.ok());
  EXPECT_EQ(key(*cold), got);
}

// A message's blob is written and synced by the blob thread before its op
// reaches the writer. When the last message with some content is expunged
// while a delivery of the same content is between the two threads, the
// expunge's clean-up must leave the file for the delivery that is about to
// reference it.
TEST(SqliteStore, BlobInFlightSurvivesExpungeOfItsTwin) {
  OneAccount w;
  ASSERT_NO_FATAL_FAILURE(w.SetUp());
  auto& st = *w.store;
  for (int i = 0; i < 40; ++i) {
    std::string raw = sample_message("twin " + std::to_string(i));
    auto first = st.append(make_append(w.account, "INBOX", raw, {"\\Deleted"}));
    ASSERT_TRUE(first.ok());
    std::promise<Result<std::vector<Uid>>> expunged;
    std::promise<Result<std::vector<AppendResult>>> delivered;
    st.expunge_async(first->mailbox_id, std::nullopt,
                     [&](Result<std::vector<Uid>> r) { expunged.set_value(std::move(r)); });
    st.deliver_async(
        make_append(w.account, "INBOX", raw),
        [&](Result<std::vector<AppendResult>> r) { delivered.set_value(std::move(r)); });
    auto e = expunged.get_future().get();
    auto d = delivered.get_future().get();
    ASSERT_TRUE(e.ok());
    EXPECT_EQ(*e, std::vector<Uid>{first->uid});
    ASSERT_TRUE(d.ok());
    auto metas = st.fetch((*d)[0].mailbox_id, UidSet::of({(*d)[0].uid}));
    ASSERT_TRUE(metas.ok());
    ASSERT_EQ(metas->size(), 1u);
    auto bytes = st.read_blob((*metas)[0].blob_id);
    ASSERT_TRUE(bytes.ok()) << "iteration " << i << ": " << bytes.error().message;
    EXPECT_EQ(*bytes, raw);
  }
}

// The cache keeps to its byte budget by dropping the least recently used.
TEST(MetaCache, EvictsLeastRecentlyUsedWithinItsBudget) {
  sqlite::MetaCache cache(16 * 4096);  // 4 KiB per shard
  auto entry = [](size_t n) {
    auto s = std::make_shared<sqlite::MessageStatic>();
    s->header_summary.assign(n, 'h');
    return std::shared_ptr<const sqlite::MessageStatic>(std::move(s));
  };
  for (Uid u = 1; u <= 2000; ++u) cache.put(7, u, entry(1000));
  EXPECT_LE(cache.bytes(), 16u * 4096);
  EXPECT_GT(cache.bytes(), 0u);
  EXPECT_NE(cache.get_many(7, {2000})[0], nullptr);  // the newest stays
  EXPECT_EQ(cache.get_many(7, {1})[0], nullptr);     // the oldest went
  cache.put(7, 5000, entry(1 << 20));                // larger than a shard: not kept
  EXPECT_EQ(cache.get_many(7, {5000})[0], nullptr);
  auto got = cache.get_many(7, {2000})[0];
  ASSERT_NE(got, nullptr);
  EXPECT_EQ(got->header_summary.size(), 1000u);
  cache.erase(7, {2000});
  EXPECT_EQ(cache.get_many(7, {2000})[0], nullptr);
  EXPECT_EQ(cache.get_many(8, {1999})[0], nullptr);  // another mailbox's UID is another key
}

// The child appends and reports "done" the moment append() returns; the parent
// SIGKILLs it on reading that and must find the message after reopening.
TEST(SqliteStore, AppendSurvivesSigkillRightAfterReturn) {
  TempDir dir;
  MailboxId inbox = 0;
  AccountId acct = 0;
  {
    auto s = open_store({"sqlite", dir.path(), ""});
    ASSERT_TRUE(s.ok());
    ASSERT_TRUE((*s)->add_domain("example.com"));
    auto a = (*s)->add_account("crash@example.com", {});
    ASSERT_TRUE(a.ok());
    acct = a->id;
    inbox = (*s)->get_mailbox(acct, "INBOX")->id;
  }
  const std::string raw = sample_message("crash", 4096);
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(fds[0]);
    auto s = open_store({"sqlite", dir.path(), ""});
    if (!s) ::_exit(2);
    auto r = (*s)->append(make_append(acct, "INBOX", raw));
    if (!r) ::_exit(3);
    std::string line = "done " + std::to_string(r->uid) + "\n";
    (void)!::write(fds[1], line.data(), line.size());
    ::pause();  // wait for the SIGKILL; never closes the store cleanly
    ::_exit(4);
  }
  ::close(fds[1]);
  char buf[64] = {};
  ssize_t n = ::read(fds[0], buf, sizeof(buf) - 1);
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ::close(fds[0]);
  ASSERT_GT(n, 0) << "child failed, status " << status;
  ASSERT_EQ(std::string(buf, 5), "done ");
  EXPECT_TRUE(WIFSIGNALED(status));

  auto s = open_store({"sqlite", dir.path(), ""});
  ASSERT_TRUE(s.ok());
  auto m = (*s)->fetch(inbox, UidSet::all());
  ASSERT_TRUE(m.ok());
  ASSERT_EQ(m->size(), 1u);
  EXPECT_EQ(std::to_string((*m)[0].uid), std::string(buf + 5, size_t(n) - 6));
  auto bytes = (*s)->read_blob((*m)[0].blob_id);
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(*bytes, raw);
}

}  // namespace
}  // namespace postino::store::testing
