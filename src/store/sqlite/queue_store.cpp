// SqliteQueueStore: the QueueStore on the SQLite backend. It shares the
// backend's group-commit writer (so a queued message is synced and committed
// with the same single fsync as concurrent deliveries), its read pool and its
// BlobStore. Every write is a SqliteBackend::WriteOp; reads use a pooled
// read-only connection and see committed data only.
// Thread rules: see store/queue_store.hpp.
#include "store/queue_store.hpp"

#include <algorithm>
#include <future>

#include "base/strings.hpp"
#include "store/sql/queue_queries.hpp"
#include "store/sqlite/sqlite_backend.hpp"

namespace postino::store::sqlite {

namespace {

QueueMessage message_from_row(const Query& q) {
  QueueMessage m;
  m.id = q.text(0);
  m.mail_from = q.text(1);
  m.envid = q.text(2);
  m.ret = q.text(3);
  m.body_type = q.text(4);
  m.smtputf8 = q.i64(5) != 0;
  m.blob_id = q.text(6);
  m.size = q.u64(7);
  m.auth_user = q.text(8);
  m.client_ip = q.text(9);
  m.received_at = q.i64(10);
  m.created_at = q.i64(11);
  return m;
}

QueueRecipient recipient_from_row(const Query& q) {
  QueueRecipient r;
  r.idx = uint32_t(q.u64(0));
  r.address = q.text(1);
  r.domain = q.text(2);
  r.notify = q.text(3);
  r.orcpt = q.text(4);
  r.status = parse_rcpt_status(q.text(5)).value_or(RcptStatus::deferred);
  r.attempts = uint32_t(q.u64(6));
  r.next_attempt = q.i64(7);
  r.last_attempt = q.i64(8);
  r.last_reply = q.text(9);
  r.remote_mta = q.text(10);
  r.delay_notified = q.i64(11) != 0;
  return r;
}

Result<std::vector<QueueRecipient>> recipients_of(Db& db, const std::string& id) {
  auto q = db.query(sql::kQueueRecipientsOf, id);
  if (!q) return q.take_error();
  std::vector<QueueRecipient> out;
  while (true) {
    auto row = q->step();
    if (!row) return row.take_error();
    if (!*row) return out;
    out.push_back(recipient_from_row(*q));
  }
}

Result<QueueMessage> get_message(Db& db, const std::string& id, bool with_recipients) {
  QueueMessage m;
  {
    auto q = db.query(sql::kQueueGetMessage, id);
    if (!q) return q.take_error();
    auto row = q->step();
    if (!row) return row.take_error();
    if (!*row) return make_error(Errc::not_found, "no queued message " + id);
    m = message_from_row(*q);
  }
  if (with_recipients) {
    auto r = recipients_of(db, id);
    if (!r) return r.take_error();
    m.recipients = std::move(*r);
  }
  return m;
}

Result<int64_t> count(Db& db, const char* sql, const std::string& arg) {
  auto q = db.query(sql, arg);
  if (!q) return q.take_error();
  auto row = q->step();
  if (!row) return row.take_error();
  return *row ? q->i64(0) : 0;
}

// Deletes a message and its recipients; its blob becomes a GC candidate.
Status delete_message(Db& db, OpContext& ctx, const std::string& id) {
  std::string blob;
  {
    auto q = db.query(sql::kQueueBlobOf, id);
    if (!q) return q.take_error();
    auto row = q->step();
    if (!row) return row.take_error();
    if (!*row) return make_error(Errc::not_found, "no queued message " + id);
    blob = q->text(0);
  }
  if (auto st = db.run(sql::kQueueDeleteRecipients, id); !st) return st;
  if (auto st = db.run(sql::kQueueDeleteMessage, id); !st) return st;
  ctx.gc_blobs.push_back(std::move(blob));
  return {};
}

}  // namespace

class SqliteQueueStore final : public QueueStore {
 public:
  explicit SqliteQueueStore(SqliteBackend& b) : b_(b) {}

  void enqueue_async(QueueMessage msg, std::shared_ptr<const std::string> raw,
                     EnqueueCallback done) override {
    if (!raw) return done(make_error(Errc::invalid, "queue: no message bytes"));
    if (!valid_queue_id(msg.id)) return done(make_error(Errc::invalid, "queue: bad id"));
    if (msg.recipients.empty()) return done(make_error(Errc::invalid, "queue: no recipients"));
    SqliteBackend::WriteOp op;
    op.blob = raw;
    op.blob_id = BlobStore::id_of(*raw);
    msg.blob_id = op.blob_id;
    msg.size = raw->size();
    auto m = std::make_shared<QueueMessage>(std::move(msg));
    op.body = [m](Db& db, OpContext& ctx) -> Status {
      if (m->created_at == 0) m->created_at = ctx.now;
      auto st = db.run(sql::kQueueInsertMessage, m->id, m->mail_from, m->envid, m->ret,
                       m->body_type, int64_t(m->smtputf8), m->blob_id, m->size, m->auth_user,
                       m->client_ip, m->received_at, m->created_at);
      if (!st) {
        if (st.error().code == Errc::exists)
          return make_error(Errc::exists, "queue id " + m->id + " exists");
        return st;
      }
      for (const auto& r : m->recipients) {
        int64_t next = r.next_attempt ? r.next_attempt : m->created_at;
        st = db.run(sql::kQueueInsertRecipient, m->id, r.idx, r.address, to_lower(r.domain),
                    r.notify, r.orcpt, rcpt_status_name(r.status), r.attempts, next, r.last_attempt,
                    r.last_reply, r.remote_mta, int64_t(r.delay_notified));
        if (!st) return st;
      }
      return {};
    };
    op.done = std::move(done);
    b_.submit(std::move(op));
  }

  Result<std::vector<QueueMessage>> lease_due(std::string_view owner, int64_t now,
                                              int64_t lease_until, size_t limit) override {
    std::string who(owner);
    return write<std::vector<QueueMessage>>(
        [who, now, lease_until, limit](Db& db, OpContext&) -> Result<std::vector<QueueMessage>> {
          std::vector<std::pair<std::string, int64_t>> due;
          {
            auto q = db.query(sql::kQueueDue, now, now, int64_t(limit));
            if (!q) return q.take_error();
            while (true) {
              auto row = q->step();
              if (!row) return row.take_error();
              if (!*row) break;
              due.emplace_back(q->text(0), q->i64(1));
            }
          }
          std::vector<QueueMessage> out;
          for (const auto& [id, idx] : due) {
            if (auto st = db.run(sql::kQueueLease, who, lease_until, id, idx); !st)
              return st.take_error();
            QueueMessage* m = nullptr;
            for (auto& x : out)
              if (x.id == id) m = &x;
            if (!m) {
              auto msg = get_message(db, id, false);
              if (!msg) return msg.take_error();
              out.push_back(std::move(*msg));
              m = &out.back();
            }
            auto q = db.query(sql::kQueueRecipient, id, idx);
            if (!q) return q.take_error();
            auto row = q->step();
            if (!row) return row.take_error();
            if (*row) m->recipients.push_back(recipient_from_row(*q));
          }
          return out;
        });
  }

  Status release_leases(std::string_view owner) override {
    std::string who(owner);
    {
      // Usually there is nothing to release: skip the write (and its sync).
      auto db = b_.read_conn();
      if (!db) return db.take_error();
      auto q = (*db)->query(sql::kQueueHasLeases, who);
      if (!q) return q.take_error();
      auto row = q->step();
      if (!row) return row.take_error();
      if (!*row) return {};
    }
    auto r = write<bool>([who](Db& db, OpContext&) -> Result<bool> {
      if (auto st = db.run(sql::kQueueReleaseLeases, who); !st) return st.take_error();
      return true;
    });
    if (!r) return r.take_error();
    return {};
  }

  Status record(std::vector<RecipientOutcome> outcomes) override {
    auto shared = std::make_shared<std::vector<RecipientOutcome>>(std::move(outcomes));
    auto r = write<bool>([shared](Db& db, OpContext& ctx) -> Result<bool> {
      std::vector<std::string> touched;
      for (const auto& o : *shared) {
        auto st = db.run(sql::kQueueRecord, rcpt_status_name(o.status), o.attempts, o.next_attempt,
                         o.last_attempt, o.last_reply, o.remote_mta, int64_t(o.delay_notified),
                         o.message_id, o.idx);
        if (!st) return st.take_error();
        if (std::find(touched.begin(), touched.end(), o.message_id) == touched.end())
          touched.push_back(o.message_id);
      }
      for (const auto& id : touched) {
        auto pending = count(db, sql::kQueuePendingOf, id);
        if (!pending) return pending.take_error();
        if (*pending == 0) {
          auto st = delete_message(db, ctx, id);
          if (!st && st.error().code != Errc::not_found) return st.take_error();
        }
      }
      return true;
    });
    if (!r) return r.take_error();
    return {};
  }

  Result<std::optional<int64_t>> next_due(int64_t now) override {
    auto db = b_.read_conn();
    if (!db) return db.take_error();
    auto q = (*db)->query(sql::kQueueNextDue, now);
    if (!q) return q.take_error();
    auto row = q->step();
    if (!row) return row.take_error();
    if (!*row || q->is_null(0)) return std::optional<int64_t>();
    return std::optional<int64_t>(q->i64(0));
  }

  Result<std::vector<QueueMessage>> list() override {
    auto db = b_.read_conn();
    if (!db) return db.take_error();
    std::vector<QueueMessage> out;
    {
      auto q = (*db)->query(sql::kQueueListMessages);
      if (!q) return q.take_error();
      while (true) {
        auto row = q->step();
        if (!row) return row.take_error();
        if (!*row) break;
        out.push_back(message_from_row(*q));
      }
    }
    for (auto& m : out) {
      auto r = recipients_of(**db, m.id);
      if (!r) return r.take_error();
      m.recipients = std::move(*r);
    }
    return out;
  }

  Result<QueueMessage> get(std::string_view id) override {
    auto db = b_.read_conn();
    if (!db) return db.take_error();
    return get_message(**db, std::string(id), true);
  }

  Result<std::string> read_message(std::string_view id) override {
    auto m = get(id);
    if (!m) return m.take_error();
    return b_.read_blob(m->blob_id, 0, std::string::npos);
  }

  Status remove(std::string_view id) override {
    std::string key(id);
    auto r = write<bool>([key](Db& db, OpContext& ctx) -> Result<bool> {
      if (auto st = delete_message(db, ctx, key); !st) return st.take_error();
      return true;
    });
    if (!r) return r.take_error();
    return {};
  }

  Result<uint64_t> retry(std::string_view id, int64_t now) override {
    std::string key(id);
    return write<uint64_t>([key, now](Db& db, OpContext&) -> Result<uint64_t> {
      {
        auto q = db.query(sql::kQueueBlobOf, key);
        if (!q) return q.take_error();
        auto row = q->step();
        if (!row) return row.take_error();
        if (!*row) return make_error(Errc::not_found, "no queued message " + key);
      }
      if (auto st = db.run(sql::kQueueRetry, now, key, now); !st) return st.take_error();
      return uint64_t(db.changes());
    });
  }

  Result<uint64_t> flush(int64_t now) override {
    return write<uint64_t>([now](Db& db, OpContext&) -> Result<uint64_t> {
      if (auto st = db.run(sql::kQueueFlush, now, now); !st) return st.take_error();
      return uint64_t(db.changes());
    });
  }

  Result<QueueCounts> counts() override {
    auto db = b_.read_conn();
    if (!db) return db.take_error();
    QueueCounts c;
    {
      auto q = (*db)->query(sql::kQueueCountMessages);
      if (!q) return q.take_error();
      auto row = q->step();
      if (!row) return row.take_error();
      if (*row) c.messages = q->u64(0);
    }
    auto q = (*db)->query(sql::kQueueCountByStatus);
    if (!q) return q.take_error();
    while (true) {
      auto row = q->step();
      if (!row) return row.take_error();
      if (!*row) break;
      auto s = parse_rcpt_status(q->text(0));
      if (s == RcptStatus::queued) c.queued = q->u64(1);
      if (s == RcptStatus::deferred) c.deferred = q->u64(1);
    }
    return c;
  }

 private:
  // Runs fn(Db&, OpContext&) -> Result<R> on the writer and waits for commit.
  template <class R, class Fn>
  Result<R> write(Fn fn) {
    auto out = std::make_shared<std::optional<Result<R>>>();
    auto done = std::make_shared<std::promise<void>>();
    auto fut = done->get_future();
    SqliteBackend::WriteOp op;
    op.body = [out, fn = std::move(fn)](Db& db, OpContext& ctx) -> Status {
      Result<R> r = fn(db, ctx);
      Status st = r ? Status{} : Status(r.error());
      out->emplace(std::move(r));
      return st;
    };
    op.done = [out, done](Status st) {
      if (!st) out->emplace(st.take_error());
      done->set_value();
    };
    b_.submit(std::move(op));
    fut.wait();
    return std::move(**out);
  }

  SqliteBackend& b_;
};

Result<std::unique_ptr<QueueStore>> open_sqlite_queue_store(StoreBackend& backend) {
  auto* b = dynamic_cast<SqliteBackend*>(&backend);
  if (!b) return make_error(Errc::unavailable, "queue: this store backend has no queue");
  return std::unique_ptr<QueueStore>(new SqliteQueueStore(*b));
}

}  // namespace postino::store::sqlite
