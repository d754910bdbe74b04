// MetaCache: the parts of a stored message that never change (internal date,
// size, blob id and the texts computed at delivery: ENVELOPE, BODYSTRUCTURE,
// BODY and the header section), kept in memory by (mailbox id, UID).
// A (mailbox id, UID) pair names one message for ever: mailbox ids come from a
// sequence and are never reused, and a mailbox never reuses a UID (RFC 9051
// §2.3.1.1; RENAME of INBOX moves the messages to a new mailbox). So an entry
// is never stale, only possibly expunged — callers first read which messages
// exist (with their flags) from SQLite and take only those from here. That
// keeps FETCH and header SEARCH off the wide message rows, which every commit
// evicts from the readers' page caches.
// Bounded: least recently used entries go once the bytes exceed the capacity.
// Thread rules: all methods are thread-safe (one mutex per shard).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "store/types.hpp"

namespace postino::store::sqlite {

struct MessageStatic {
  int64_t internal_date = 0;
  uint64_t size = 0;
  std::string blob_id;
  std::string envelope;
  std::string bodystructure;
  std::string body;
  std::string header_summary;
};

class MetaCache {
 public:
  static constexpr size_t kDefaultBytes = 64u << 20;
  explicit MetaCache(size_t capacity_bytes = kDefaultBytes);

  // The entry of each of `uids` in `mailbox`, or null; each shard's lock is
  // taken once per run of UIDs.
  std::vector<std::shared_ptr<const MessageStatic>> get_many(MailboxId mailbox,
                                                             const std::vector<Uid>& uids);
  // Adds to the hit and miss counters (once per fetch, not per message: the
  // counters are shared by every thread).
  static void count(uint64_t hits, uint64_t misses);
  void put(MailboxId mailbox, Uid uid, std::shared_ptr<const MessageStatic> value);
  // Drops the entries of expunged messages.
  void erase(MailboxId mailbox, const std::vector<Uid>& uids);
  size_t bytes() const;

 private:
  struct Key {
    MailboxId mailbox;
    Uid uid;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    size_t operator()(const Key& k) const {
      return std::hash<uint64_t>()(uint64_t(k.mailbox) * 0x9E3779B97F4A7C15ull ^ k.uid);
    }
  };
  struct Entry {
    std::shared_ptr<const MessageStatic> value;
    size_t cost;
    std::list<Key>::iterator lru;  // position in Shard::order
  };
  struct Shard {
    mutable std::mutex mu;
    std::unordered_map<Key, Entry, KeyHash> map;
    std::list<Key> order;  // most recently used first
    size_t bytes = 0;
  };
  static constexpr size_t kShards = 16;
  // By mailbox and run of 256 UIDs: a fetch of neighbouring messages takes
  // one or two locks, and one large mailbox still spreads over every shard.
  Shard& shard_of(MailboxId mailbox, Uid uid) {
    uint64_t h =
        (uint64_t(mailbox) * 0x9E3779B97F4A7C15ull) ^ (uint64_t(uid >> 8) * 0xC2B2AE3D27D4EB4Full);
    return shards_[(h >> 32) % kShards];
  }
  Shard& shard_of(const Key& k) { return shard_of(k.mailbox, k.uid); }
  void drop(Shard& s, std::unordered_map<Key, Entry, KeyHash>::iterator it);

  size_t shard_capacity_;
  std::array<Shard, kShards> shards_;
};

}  // namespace postino::store::sqlite
