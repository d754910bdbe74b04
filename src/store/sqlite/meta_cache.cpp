#include "store/sqlite/meta_cache.hpp"

#include "base/metrics.hpp"

namespace postino::store::sqlite {

namespace {

metrics::Counter& m_hits() {
  static auto& c = metrics::counter("postino_store_meta_cache_hits_total",
                                    "Message metadata served from memory");
  return c;
}
metrics::Counter& m_misses() {
  static auto& c = metrics::counter("postino_store_meta_cache_misses_total",
                                    "Message metadata read from the message rows");
  return c;
}
metrics::Gauge& m_bytes() {
  static auto& g =
      metrics::gauge("postino_store_meta_cache_bytes", "Memory held by the message metadata cache");
  return g;
}

// What an entry holds, with the map node and the LRU node around it.
size_t cost_of(const MessageStatic& v) {
  return sizeof(MessageStatic) + 96 + v.blob_id.size() + v.envelope.size() +
         v.bodystructure.size() + v.body.size() + v.header_summary.size();
}

}  // namespace

MetaCache::MetaCache(size_t capacity_bytes) : shard_capacity_(capacity_bytes / kShards) {}

std::vector<std::shared_ptr<const MessageStatic>> MetaCache::get_many(
    MailboxId mailbox, const std::vector<Uid>& uids) {
  std::vector<std::shared_ptr<const MessageStatic>> out(uids.size());
  std::unique_lock<std::mutex> lk;
  Shard* locked = nullptr;
  for (size_t i = 0; i < uids.size(); ++i) {
    Shard& s = shard_of(mailbox, uids[i]);
    if (&s != locked) {
      if (lk.owns_lock()) lk.unlock();
      lk = std::unique_lock(s.mu);
      locked = &s;
    }
    auto it = s.map.find(Key{mailbox, uids[i]});
    if (it == s.map.end()) continue;
    s.order.splice(s.order.begin(), s.order, it->second.lru);
    out[i] = it->second.value;
  }
  return out;
}

void MetaCache::count(uint64_t hits, uint64_t misses) {
  if (hits) m_hits().inc(hits);
  if (misses) m_misses().inc(misses);
}

void MetaCache::drop(Shard& s, std::unordered_map<Key, Entry, KeyHash>::iterator it) {
  s.bytes -= it->second.cost;
  m_bytes().sub(int64_t(it->second.cost));
  s.order.erase(it->second.lru);
  s.map.erase(it);
}

void MetaCache::put(MailboxId mailbox, Uid uid, std::shared_ptr<const MessageStatic> value) {
  if (!value) return;
  Key k{mailbox, uid};
  size_t cost = cost_of(*value);
  if (cost > shard_capacity_) return;
  Shard& s = shard_of(k);
  std::lock_guard lk(s.mu);
  if (auto it = s.map.find(k); it != s.map.end()) drop(s, it);
  while (!s.order.empty() && s.bytes + cost > shard_capacity_) drop(s, s.map.find(s.order.back()));
  s.order.push_front(k);
  s.map.emplace(k, Entry{std::move(value), cost, s.order.begin()});
  s.bytes += cost;
  m_bytes().add(int64_t(cost));
}

void MetaCache::erase(MailboxId mailbox, const std::vector<Uid>& uids) {
  for (Uid uid : uids) {
    Key k{mailbox, uid};
    Shard& s = shard_of(k);
    std::lock_guard lk(s.mu);
    if (auto it = s.map.find(k); it != s.map.end()) drop(s, it);
  }
}

size_t MetaCache::bytes() const {
  size_t n = 0;
  for (const auto& s : shards_) {
    std::lock_guard lk(s.mu);
    n += s.bytes;
  }
  return n;
}

}  // namespace postino::store::sqlite
