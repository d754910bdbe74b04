// SqliteBackend: the embedded StoreBackend on SQLite (WAL, synchronous=FULL)
// plus a content-addressed BlobStore under data_dir/blobs.
// Writes: every mutating call becomes a WriteOp. An op that brings a message
// (a blob) first goes to the blob thread, which writes the new blobs of all
// such queued ops and makes them durable with one BlobStore::sync() — while
// the writer commits the batch before — and then queues them for the writer.
// The ONE writer thread takes every queued op (group commit), runs them in ONE
// SQL transaction (a SAVEPOINT each, so one failing op does not sink the
// others), commits, publishes the changes on the ChangeBus, then completes
// each op. A housekeeping thread then removes blob files that lost their last
// reference and checkpoints the WAL into the database file, both off the
// writer's path. Blobs of ops between the blob thread and their commit are "in
// flight": the removal of unreferenced blobs leaves them alone.
// Reads: a small pool of read-only connections; WAL lets them run beside the
// writer and they see only committed data. What never changes in a message
// (its texts computed at delivery, size, date, blob) is also kept in a bounded
// MetaCache, so fetches read only flags from SQLite once a message is cached.
// Ownership: owns the writer connection, the read pool, the blob store, the
// meta cache, the change bus and the blob, writer and housekeeping threads
// (joined by the destructor in that order, each after draining its queue).
// Thread rules: all public methods are thread-safe (see StoreBackend).
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "store/backend.hpp"
#include "store/blob_store.hpp"
#include "store/sqlite/db.hpp"
#include "store/sqlite/meta_cache.hpp"
#include "store/sqlite/write_ops.hpp"

namespace postino::store::sqlite {

class SqliteBackend final : public StoreBackend {
 public:
  // Opens data_dir/store.db (creating and migrating it) and data_dir/blobs.
  static Result<std::unique_ptr<SqliteBackend>> open(const std::string& data_dir);
  ~SqliteBackend() override;

  Status add_domain(std::string_view name) override;
  Status remove_domain(std::string_view name) override;
  Result<std::vector<Domain>> list_domains() override;
  Result<Account> add_account(std::string_view address, const Credentials& creds) override;
  Status remove_account(std::string_view address) override;
  Result<std::vector<Account>> list_accounts() override;
  Result<Account> get_account(std::string_view address) override;
  Result<Account> get_account_by_id(AccountId id) override;
  Status set_credentials(std::string_view address, const Credentials& creds) override;
  Status set_quota(std::string_view address, uint64_t quota_bytes) override;
  Status add_alias(std::string_view address, std::string_view target) override;
  Status remove_alias(std::string_view address) override;
  Result<std::vector<Alias>> list_aliases() override;
  Result<std::string> resolve_alias(std::string_view address) override;

  Result<std::vector<Mailbox>> list_mailboxes(AccountId account) override;
  Result<Mailbox> get_mailbox(AccountId account, std::string_view name,
                              bool counts = true) override;
  Result<Mailbox> get_mailbox_by_id(MailboxId id, bool counts = true) override;
  Result<Mailbox> create_mailbox(AccountId account, std::string_view name,
                                 std::string_view special_use) override;
  Status delete_mailbox(AccountId account, std::string_view name) override;
  Result<Mailbox> rename_mailbox(AccountId account, std::string_view from,
                                 std::string_view to) override;
  Status subscribe(AccountId account, std::string_view name) override;
  Status unsubscribe(AccountId account, std::string_view name) override;
  Result<std::vector<std::string>> list_subscriptions(AccountId account) override;

  void deliver_async(AppendRequest req, DeliverCallback done) override;
  Result<std::vector<MessageMeta>> fetch(MailboxId mailbox, const UidSet& uids,
                                         MetaParts parts) override;
  Result<std::vector<FlagState>> fetch_flags(MailboxId mailbox, const UidSet& uids) override;
  Result<std::vector<MessageRef>> list_messages(MailboxId mailbox) override;
  Result<std::string> read_blob(std::string_view blob_id, uint64_t offset,
                                uint64_t length) override;
  Result<std::optional<std::string>> read_blob_cached(std::string_view blob_id, uint64_t offset,
                                                      uint64_t length) override;
  void store_flags_async(MailboxId mailbox, UidSet uids, FlagUpdate update,
                         Callback<StoreFlagsResult> done) override;
  void expunge_async(MailboxId mailbox, std::optional<UidSet> uids,
                     Callback<std::vector<Uid>> done) override;
  void copy_async(MailboxId src, UidSet uids, MailboxId dst, bool move,
                  Callback<CopyResult> done) override;
  Result<ChangesSince> changes_since(MailboxId mailbox, ModSeq since) override;
  Result<QuotaUsage> quota(AccountId account) override;
  // sqlite/dmarc_records.cpp
  Result<int64_t> add_dmarc_record(const DmarcReportRecord& rec) override;
  Result<std::vector<DmarcReportRecord>> list_dmarc_records(int64_t from, int64_t to) override;

  ChangeBus& change_bus() override { return bus_; }
  StoreStats stats() const override;

 private:
  // The outbound queue's store (sqlite/queue_store.cpp) shares the writer,
  // the read pool and the blob store.
  friend class SqliteQueueStore;
  // A queued write. `blob` (optional) is written and synced before the SQL
  // transaction; `body` runs inside it under a savepoint; `done` runs after
  // commit (or failure) on the writer thread.
  struct WriteOp {
    std::shared_ptr<const std::string> blob;
    std::string blob_id;
    std::function<Status(Db&, OpContext&)> body;
    std::function<void(Status)> done;
    std::optional<Status> blob_status;  // set by the blob thread on failure
  };
  // A leased read connection, returned to the pool on destruction.
  class ReadLease {
   public:
    ReadLease(SqliteBackend* b, std::unique_ptr<Db> db) : b_(b), db_(std::move(db)) {}
    ReadLease(ReadLease&&) = default;
    ~ReadLease();
    Db& operator*() { return *db_; }
    Db* operator->() { return db_.get(); }

   private:
    SqliteBackend* b_;
    std::unique_ptr<Db> db_;
  };

  SqliteBackend(std::string db_path, std::unique_ptr<Db> writer, std::unique_ptr<BlobStore> blobs);
  Result<ReadLease> read_conn();
  void submit(WriteOp op);
  // Runs fn(Db&, OpContext&) -> R on the writer; done(R) after the commit.
  template <class R, class Fn, class Done>
  void write_async(Fn fn, Done done);
  // write_async, waiting for the commit.
  template <class R, class Fn>
  R write_sync(Fn fn);
  void writer_loop();
  void run_batch(std::vector<WriteOp>& batch);
  void blob_loop();
  void write_blobs(std::vector<WriteOp>& batch);
  void housekeeping_loop();
  // Removes the blob files in `ids` that no committed row references and no
  // op in flight brings (housekeeping thread, on its own connection).
  void collect_garbage(Db& db, const std::vector<std::string>& ids);

  std::string db_path_;
  std::unique_ptr<Db> writer_db_;
  std::unique_ptr<BlobStore> blobs_;
  ChangeBus bus_;
  MetaCache meta_cache_;

  std::mutex read_mu_;
  std::vector<std::unique_ptr<Db>> idle_readers_;

  // Both queues under queue_mu_: ops with a blob wait in blob_queue_ for the
  // blob thread, the others (and blob ops once their blob is durable) in
  // queue_ for the writer.
  std::mutex queue_mu_;
  std::condition_variable queue_cv_, blob_cv_;
  std::deque<WriteOp> queue_, blob_queue_;
  bool stopping_ = false;
  bool blobs_drained_ = false;  // stopping and the blob thread has finished
  std::thread writer_, blob_thread_;

  // Work for the housekeeping thread: blob ids to check after their commit,
  // and whether the WAL has grown past kCheckpointPages.
  std::mutex house_mu_;
  std::condition_variable house_cv_;
  std::vector<std::string> gc_queue_;
  bool checkpoint_due_ = false;
  bool house_stopping_ = false;
  std::thread housekeeping_;

  // Blob ids of ops between the blob thread and their commit, with counts.
  std::mutex in_flight_mu_;
  std::unordered_map<std::string, int> in_flight_;

  std::atomic<uint64_t> appends_{0}, batches_{0}, commits_{0}, syncs_{0};
  std::atomic<uint64_t> blobs_written_{0}, blobs_dedup_{0}, blobs_deleted_{0};
};

}  // namespace postino::store::sqlite
