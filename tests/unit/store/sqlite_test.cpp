// SQLite backend: runs the conformance suite, plus what only this backend
// has: schema migrations on disk, the blob files, durability across SIGKILL.
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "store/conformance.hpp"
#include "store/open.hpp"
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
