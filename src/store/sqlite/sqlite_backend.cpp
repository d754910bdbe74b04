// SqliteBackend infrastructure: open + migrations, the read pool, the
// group-commit writer and the counters. The operations are in sqlite_api.cpp.
#include "store/sqlite/sqlite_backend.hpp"

#include <pthread.h>

#include <chrono>
#include <filesystem>
#include <set>
#include <unordered_set>
#include <utility>

#include "base/limits.hpp"
#include "base/log.hpp"
#include "base/metrics.hpp"
#include "store/sql/queries.hpp"
#include "store/sql/schema.hpp"

namespace postino::store::sqlite {

namespace {

// Group-commit bounds: a batch takes at most this many ops / blob bytes, so
// one huge burst does not delay the first waiter's reply without bound.
constexpr size_t kMaxBatchOps = 512;
constexpr uint64_t kMaxBatchBlobBytes = 64u << 20;
// Readers: the store workers and the I/O threads (small reads run there).
constexpr size_t kMaxIdleReaders = 32;
// WAL size (pages, 16 MiB) from which the housekeeping thread checkpoints,
// at most once per kCheckpointInterval. SQLite's auto-checkpoint default is
// 1000 pages, after every commit past them; a longer WAL and fewer checkpoints
// copy each hot page (a mailbox's row, the index leaves of its newest
// messages) once for many commits, and flush the disk less beside the
// writer's commits.
constexpr int kCheckpointPages = 4000;
constexpr auto kCheckpointInterval = std::chrono::milliseconds(200);
// The WAL restarts from its beginning only when a write transaction starts
// with every frame copied, which background checkpoints seldom achieve under
// steady writes. From this size the writer copies the rest itself (a few
// hundred frames, the background checkpoints did the others) at the end of a
// commit, so that its next transaction restarts the WAL: it stays below about
// 33 MiB.
constexpr int kWriterCheckpointPages = 2 * kCheckpointPages;
// Unreferenced blobs are looked for in rounds, at most one per interval: under
// load one wake-up of the housekeeping thread serves many commits.
constexpr auto kGcInterval = std::chrono::milliseconds(100);

metrics::Counter& m_appends() {
  static auto& c = metrics::counter("postino_store_appends_total", "Messages appended");
  return c;
}
metrics::Counter& m_batches() {
  static auto& c = metrics::counter("postino_store_batches_total", "Writer batches");
  return c;
}
metrics::Counter& m_commits() {
  static auto& c = metrics::counter("postino_store_commits_total", "Store transactions committed");
  return c;
}
metrics::Counter& m_syncs() {
  static auto& c = metrics::counter("postino_store_syncs_total", "Blob store syncs (syncfs)");
  return c;
}
metrics::Counter& m_checkpoints() {
  static auto& c =
      metrics::counter("postino_store_checkpoints_total",
                       "WAL checkpoints (housekeeping thread; the writer's own past 8000 pages)");
  return c;
}
metrics::Histogram& m_batch_seconds() {
  static auto& h = metrics::histogram("postino_store_op_seconds", "Store operation latency",
                                      {{"op", "write_batch"}});
  return h;
}

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Status migrate(Db& db) {
  if (auto st = db.exec(sql::kCreateSchemaVersion); !st) return st;
  int64_t version = 0;
  {
    auto q = db.query(sql::kGetSchemaVersion);
    if (!q) return q.take_error();
    auto row = q->step();
    if (!row) return row.take_error();
    if (*row && !q->is_null(0)) version = q->i64(0);
  }
  if (version > sql::latest_schema_version())
    return make_error(Errc::invalid, "store schema is newer than this program");
  for (const auto& m : sql::migrations()) {
    if (m.version <= version) continue;
    if (auto st = db.run("BEGIN IMMEDIATE"); !st) return st;
    Status st;
    for (const char* stmt : m.statements) {
      st = db.exec(stmt);
      if (!st) break;
    }
    if (st) st = db.run(sql::kSetSchemaVersion, m.version);
    if (st) st = db.run("COMMIT");
    if (!st) {
      (void)db.run("ROLLBACK");
      return make_error(st.error().code,
                        "migration " + std::to_string(m.version) + ": " + st.error().message);
    }
    log::info("store.migrated", {{"version", m.version}});
  }
  return {};
}

}  // namespace

Result<std::unique_ptr<SqliteBackend>> SqliteBackend::open(const std::string& data_dir) {
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) return make_error(Errc::io, "create " + data_dir + ": " + ec.message());
  auto blobs = BlobStore::open(data_dir + "/blobs");
  if (!blobs) return blobs.take_error();
  std::string path = data_dir + "/store.db";
  auto db = Db::open(path, /*read_only=*/false);
  if (!db) return db.take_error();
  if (auto st = migrate(**db); !st) return st.take_error();
  return std::unique_ptr<SqliteBackend>(new SqliteBackend(path, std::move(*db), std::move(*blobs)));
}

SqliteBackend::SqliteBackend(std::string db_path, std::unique_ptr<Db> writer,
                             std::unique_ptr<BlobStore> blobs)
    : db_path_(std::move(db_path)), writer_db_(std::move(writer)), blobs_(std::move(blobs)) {
  // The WAL is checkpointed by the housekeeping thread, not by the writer at
  // the end of every commit past 1000 pages (SQLite's default): the writer
  // notes its size, and copies the rest itself only from
  // kWriterCheckpointPages.
  sqlite3_wal_autocheckpoint(writer_db_->raw(), 0);
  // Each op of a batch runs in its own savepoint, whose sub-journal SQLite
  // keeps in memory only up to 64 KiB and then spills to a temporary file
  // (created, written and deleted within the transaction); in memory it stays.
  if (auto st = writer_db_->exec("PRAGMA temp_store=MEMORY"); !st)
    log::warn("store.pragma_failed", {{"error", st.error().message}});
  sqlite3_wal_hook(
      writer_db_->raw(),
      [](void* self, sqlite3* writer, const char*, int pages) -> int {
        auto* b = static_cast<SqliteBackend*>(self);
        if (pages >= kWriterCheckpointPages) {
          sqlite3_wal_checkpoint_v2(writer, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
          m_checkpoints().inc();
        } else if (pages >= kCheckpointPages) {
          std::unique_lock lk(b->house_mu_);
          if (!std::exchange(b->checkpoint_due_, true)) {
            lk.unlock();
            b->house_cv_.notify_one();
          }
        }
        return SQLITE_OK;
      },
      this);
  housekeeping_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "store-house");
    housekeeping_loop();
  });
  writer_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "store-writer");
    writer_loop();
  });
  blob_thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "store-blobs");
    blob_loop();
  });
}

SqliteBackend::~SqliteBackend() {
  {
    std::lock_guard lk(queue_mu_);
    stopping_ = true;
  }
  blob_cv_.notify_all();
  // The blob thread drains its queue into the writer's, then the writer drains.
  if (blob_thread_.joinable()) blob_thread_.join();
  {
    std::lock_guard lk(queue_mu_);
    blobs_drained_ = true;
  }
  queue_cv_.notify_all();
  if (writer_.joinable()) writer_.join();
  {
    std::lock_guard lk(house_mu_);
    house_stopping_ = true;
  }
  house_cv_.notify_all();
  if (housekeeping_.joinable()) housekeeping_.join();
}

SqliteBackend::ReadLease::~ReadLease() {
  if (!db_) return;
  std::lock_guard lk(b_->read_mu_);
  if (b_->idle_readers_.size() < kMaxIdleReaders) b_->idle_readers_.push_back(std::move(db_));
}

Result<SqliteBackend::ReadLease> SqliteBackend::read_conn() {
  {
    std::lock_guard lk(read_mu_);
    if (!idle_readers_.empty()) {
      auto db = std::move(idle_readers_.back());
      idle_readers_.pop_back();
      return ReadLease(this, std::move(db));
    }
  }
  auto db = Db::open(db_path_, /*read_only=*/true);
  if (!db) return db.take_error();
  return ReadLease(this, std::move(*db));
}

StoreStats SqliteBackend::stats() const {
  StoreStats s;
  s.appends = appends_.load();
  s.batches = batches_.load();
  s.commits = commits_.load();
  s.syncs = syncs_.load();
  s.blobs_written = blobs_written_.load();
  s.blobs_deduplicated = blobs_dedup_.load();
  s.blobs_deleted = blobs_deleted_.load();
  return s;
}

void SqliteBackend::submit(WriteOp op) {
  {
    std::lock_guard lk(queue_mu_);
    if (!stopping_) {
      if (op.blob) {
        blob_queue_.push_back(std::move(op));
        blob_cv_.notify_one();
      } else {
        queue_.push_back(std::move(op));
        queue_cv_.notify_one();
      }
      return;
    }
  }
  op.done(make_error(Errc::unavailable, "store is shutting down"));
}

void SqliteBackend::deliver_async(AppendRequest req, DeliverCallback done) {
  if (req.targets.empty() || !req.raw) {
    done(make_error(Errc::invalid, "deliver needs a message and at least one target"));
    return;
  }
  if (req.raw->size() > limits::kMaxMessageBytes) {
    done(make_error(Errc::limit, "message too large"));
    return;
  }
  auto out = std::make_shared<std::optional<Result<std::vector<AppendResult>>>>();
  WriteOp op;
  op.blob = req.raw;
  op.blob_id = BlobStore::id_of(*req.raw);
  auto shared_req = std::make_shared<AppendRequest>(std::move(req));
  op.body = [out, shared_req, id = op.blob_id](Db& db, OpContext& ctx) -> Status {
    *out = op_append(db, ctx, *shared_req, id);
    if (!out->value().ok()) return out->value().error();
    return {};
  };
  op.done = [out, done = std::move(done)](Status st) {
    if (!st) {
      done(st.take_error());
      return;
    }
    done(std::move(out->value()));
  };
  submit(std::move(op));
}

namespace {

// Takes the next batch off `q`: every queued op, within the group-commit bounds.
template <class Op>
std::vector<Op> take_batch(std::deque<Op>& q) {
  std::vector<Op> batch;
  uint64_t bytes = 0;
  while (!q.empty() && batch.size() < kMaxBatchOps) {
    uint64_t b = q.front().blob ? q.front().blob->size() : 0;
    if (!batch.empty() && bytes + b > kMaxBatchBlobBytes) break;
    bytes += b;
    batch.push_back(std::move(q.front()));
    q.pop_front();
  }
  return batch;
}

}  // namespace

void SqliteBackend::blob_loop() {
  while (true) {
    std::vector<WriteOp> batch;
    {
      std::unique_lock lk(queue_mu_);
      blob_cv_.wait(lk, [this] { return stopping_ || !blob_queue_.empty(); });
      if (blob_queue_.empty()) return;  // stopping and drained
      batch = take_batch(blob_queue_);
    }
    write_blobs(batch);
    {
      std::lock_guard lk(queue_mu_);
      for (auto& op : batch) queue_.push_back(std::move(op));
    }
    queue_cv_.notify_one();
  }
}

// New blobs to disk, made durable by one sync for the whole batch. A blob
// already referenced by a committed message is durable (it was synced before
// that commit) and is not written again; an unreferenced file of the same name
// may be a leftover of a crash, so it is rewritten. Each blob is registered in
// flight before that check, so the writer cannot remove the file between the
// check and the commit that references it.
void SqliteBackend::write_blobs(std::vector<WriteOp>& batch) {
  auto reader = read_conn();
  std::unordered_set<std::string> written;
  for (auto& op : batch) {
    {
      std::lock_guard lk(in_flight_mu_);
      ++in_flight_[op.blob_id];
    }
    if (written.count(op.blob_id)) continue;
    bool referenced = false;
    if (reader) {
      if (auto q = (*reader)->query(sql::kBlobReferenced, op.blob_id); q) {
        auto row = q->step();
        referenced = row && *row;
      }
    }
    if (referenced && blobs_->exists(op.blob_id)) {
      blobs_dedup_.fetch_add(1);
      continue;
    }
    if (auto st = blobs_->write(op.blob_id, *op.blob); !st) {
      op.blob_status = std::move(st);
      continue;
    }
    blobs_written_.fetch_add(1);
    written.insert(op.blob_id);
  }
  if (written.empty()) return;
  Status st = blobs_->sync();
  syncs_.fetch_add(1);
  m_syncs().inc();
  if (!st) {
    log::error("store.sync_failed", {{"error", st.error().message}});
    for (auto& op : batch)
      if (!op.blob_status && written.count(op.blob_id)) op.blob_status = st;
  }
}

void SqliteBackend::writer_loop() {
  while (true) {
    std::vector<WriteOp> batch;
    {
      std::unique_lock lk(queue_mu_);
      queue_cv_.wait(lk, [this] { return blobs_drained_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      batch = take_batch(queue_);
    }
    run_batch(batch);
  }
}

void SqliteBackend::run_batch(std::vector<WriteOp>& batch) {
  metrics::Timer timer(m_batch_seconds());
  batches_.fetch_add(1);
  m_batches().inc();
  Db& db = *writer_db_;
  std::vector<std::optional<Status>> result(batch.size());
  for (size_t i = 0; i < batch.size(); ++i)
    if (batch[i].blob_status) result[i] = std::move(batch[i].blob_status);

  // Every op's metadata in one transaction, a savepoint per op. (Their blobs
  // are already durable: see write_blobs.)
  std::vector<OpContext> ctx(batch.size());
  Status tx = db.run("BEGIN IMMEDIATE");
  if (tx) {
    const int64_t now = unix_now();
    for (size_t i = 0; i < batch.size(); ++i) {
      if (result[i]) continue;
      ctx[i].now = now;
      Status st = db.run("SAVEPOINT op");
      if (st) st = batch[i].body(db, ctx[i]);
      if (st) {
        st = db.run("RELEASE op");
      } else {
        (void)db.run("ROLLBACK TO op");
        (void)db.run("RELEASE op");
        ctx[i] = OpContext{};
      }
      result[i] = std::move(st);
    }
    tx = db.run("COMMIT");
    if (!tx) (void)db.run("ROLLBACK");
  }
  if (!tx) {
    log::error("store.commit_failed", {{"error", tx.error().message}});
    for (size_t i = 0; i < batch.size(); ++i)
      if (!result[i] || result[i]->ok()) result[i] = tx;
  } else {
    commits_.fetch_add(1);
    m_commits().inc();
  }

  // Commit, then broadcast (DESIGN.md "Invariants"), then complete.
  std::vector<std::string> gc;
  uint64_t appended = 0;
  for (size_t i = 0; i < batch.size(); ++i) {
    if (result[i] && result[i]->ok()) {
      for (const auto& ch : ctx[i].changes)
        if (ch.kind == ChangeKind::expunged) meta_cache_.erase(ch.mailbox_id, ch.uids);
      bus_.publish(ctx[i].changes);
      appended += ctx[i].appended;
      for (auto& b : ctx[i].gc_blobs) gc.push_back(std::move(b));
    } else if (batch[i].blob) {
      gc.push_back(batch[i].blob_id);  // written for an op that failed
    }
  }
  appends_.fetch_add(appended);
  m_appends().inc(appended);
  for (size_t i = 0; i < batch.size(); ++i) batch[i].done(std::move(*result[i]));

  // Committed (or failed for good): these blobs are no longer in flight.
  {
    std::lock_guard lk(in_flight_mu_);
    for (const auto& op : batch) {
      if (!op.blob) continue;
      auto it = in_flight_.find(op.blob_id);
      if (it != in_flight_.end() && --it->second == 0) in_flight_.erase(it);
    }
  }
  if (!gc.empty()) {
    std::unique_lock lk(house_mu_);
    const bool first = gc_queue_.empty();
    for (auto& id : gc) gc_queue_.push_back(std::move(id));
    lk.unlock();
    if (first) house_cv_.notify_one();
  }
}

void SqliteBackend::housekeeping_loop() {
  using Clock = std::chrono::steady_clock;
  auto db = Db::open(db_path_, /*read_only=*/false);
  if (!db) log::error("store.housekeeping_failed", {{"error", db.error().message}});
  Clock::time_point next_checkpoint{}, next_gc{};
  std::unique_lock lk(house_mu_);
  while (true) {
    const auto now = Clock::now();
    const bool checkpoint = checkpoint_due_ && now >= next_checkpoint;
    const bool collect = !gc_queue_.empty() && (house_stopping_ || now >= next_gc);
    if (!checkpoint && !collect) {
      if (house_stopping_) return;
      std::optional<Clock::time_point> until;
      if (checkpoint_due_) until = next_checkpoint;
      if (!gc_queue_.empty()) until = std::min(until.value_or(Clock::time_point::max()), next_gc);
      if (until)
        house_cv_.wait_until(lk, *until);
      else
        house_cv_.wait(lk);
      continue;
    }
    std::vector<std::string> gc;
    if (collect) gc.swap(gc_queue_);
    if (checkpoint) checkpoint_due_ = false;
    lk.unlock();
    if (db && !gc.empty()) collect_garbage(**db, gc);  // without db, blobs stay
    if (collect) next_gc = Clock::now() + kGcInterval;
    if (db && checkpoint) {
      // PASSIVE: copies what no reader still needs, beside the writer, without
      // blocking it.
      int rc = sqlite3_wal_checkpoint_v2((*db)->raw(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr,
                                         nullptr);
      if (rc != SQLITE_OK && rc != SQLITE_BUSY)
        log::warn("store.checkpoint_failed", {{"error", sqlite3_errstr(rc)}});
      m_checkpoints().inc();
      next_checkpoint = Clock::now() + kCheckpointInterval;
    }
    lk.lock();
  }
}

// Lazy blob removal, after the commits that dropped the references: a blob
// unreferenced now stays so unless an op in flight brings it again; the check
// and the unlink are made under in_flight_mu_, which the blob thread takes
// before its own check.
void SqliteBackend::collect_garbage(Db& db, const std::vector<std::string>& ids) {
  std::set<std::string> candidates(ids.begin(), ids.end());
  for (const auto& id : candidates) {
    std::lock_guard lk(in_flight_mu_);
    if (in_flight_.count(id)) continue;
    auto q = db.query(sql::kBlobReferenced, id);
    if (!q) continue;
    auto row = q->step();
    if (!row || *row) continue;
    if (blobs_->remove(id)) blobs_deleted_.fetch_add(1);
  }
}

}  // namespace postino::store::sqlite
