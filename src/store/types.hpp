// Plain value types of the mail store API: the directory (domains, accounts,
// aliases), mailboxes with their IMAP synchronisation state (UIDVALIDITY,
// UIDNEXT, HIGHESTMODSEQ), message metadata and the change records the change
// bus carries. The store speaks mail, not SQL (DESIGN.md "Store").
// Ownership: every struct owns its strings, except AppendRequest::raw, which is
// shared so a message delivered to many accounts is held in memory once.
// Thread rules: plain values; safe to copy between threads.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace postino::store {

using AccountId = int64_t;
using MailboxId = int64_t;
using Uid = uint32_t;
using ModSeq = uint64_t;

inline constexpr const char* kInbox = "INBOX";
inline constexpr char kHierarchySeparator = '/';

// System flags, RFC 9051 §2.3.2. Keywords are any other atom.
inline constexpr const char* kFlagSeen = "\\Seen";
inline constexpr const char* kFlagAnswered = "\\Answered";
inline constexpr const char* kFlagFlagged = "\\Flagged";
inline constexpr const char* kFlagDeleted = "\\Deleted";
inline constexpr const char* kFlagDraft = "\\Draft";

// Special-use attributes, RFC 6154 §2.
inline constexpr const char* kSpecialSent = "\\Sent";
inline constexpr const char* kSpecialDrafts = "\\Drafts";
inline constexpr const char* kSpecialTrash = "\\Trash";
inline constexpr const char* kSpecialJunk = "\\Junk";
inline constexpr const char* kSpecialArchive = "\\Archive";

struct Domain {
  std::string name;  // lower case
};

struct Account {
  AccountId id = 0;
  std::string address;        // lower case local@domain
  std::string password_hash;  // argon2id PHC string, computed by the auth module
  std::string scram_salt;     // SCRAM-SHA-256 (RFC 7677): base64 as given by the caller
  uint32_t scram_iterations = 0;
  std::string scram_stored_key;
  std::string scram_server_key;
  uint64_t quota_bytes = 0;  // 0 = no quota
  uint64_t used_bytes = 0;
};

// Credentials as computed by the auth module; the store only stores them.
struct Credentials {
  std::string password_hash;
  std::string scram_salt;
  uint32_t scram_iterations = 0;
  std::string scram_stored_key;
  std::string scram_server_key;
};

struct Alias {
  std::string address;  // lower case
  std::string target;   // an address (local or remote)
};

struct Mailbox {
  MailboxId id = 0;
  AccountId account_id = 0;
  std::string name;  // UTF-8, '/' hierarchy
  uint32_t uidvalidity = 0;
  Uid uidnext = 1;
  ModSeq highestmodseq = 0;
  bool subscribed = false;
  std::string special_use;  // "\\Sent" ... or empty
  uint64_t message_count = 0;
  uint64_t unseen_count = 0;
  uint64_t size_bytes = 0;
};

// What a maildrop listing needs of a message, without its metadata texts
// (POP3 login reads this for every message; 50,000 of these stay small).
struct MessageRef {
  Uid uid = 0;
  uint64_t size = 0;
  std::string blob_id;
};

// Header sections up to this size are kept in the message row (header_summary).
inline constexpr size_t kMaxCachedHeader = 16u << 10;

struct MessageMeta {
  MailboxId mailbox_id = 0;
  Uid uid = 0;
  ModSeq modseq = 0;
  std::vector<std::string> flags;  // system flags and keywords, as stored
  int64_t internal_date = 0;       // unix seconds
  uint64_t size = 0;
  std::string blob_id;  // sha256 hex of the raw bytes
  // Cached IMAP strings computed at delivery; opaque to the store.
  std::string envelope;
  std::string bodystructure;
  std::string body;
  // The raw header section (blank line included) when it is at most
  // kMaxCachedHeader bytes, else empty (then readers go to the blob).
  std::string header_summary;
};

// Which of MessageMeta's cached texts a fetch reads (the other fields always):
// structure = envelope, bodystructure and body; header = header_summary.
struct MetaParts {
  bool structure = true;
  bool header = true;
  static MetaParts none() { return {false, false}; }
  static MetaParts header_only() { return {false, true}; }
};

// The lighter record SELECT / QRESYNC and flag updates work with.
struct FlagState {
  Uid uid = 0;
  ModSeq modseq = 0;
  std::vector<std::string> flags;
};

// A set of UIDs as inclusive ranges (RFC 9051 §9 sequence-set, already
// resolved by the caller: "*" is the caller's business).
struct UidRange {
  Uid first = 1;
  Uid last = 1;
};
struct UidSet {
  std::vector<UidRange> ranges;
  static UidSet all() { return UidSet{{{1, std::numeric_limits<Uid>::max()}}}; }
  static UidSet of(std::initializer_list<Uid> uids) {
    UidSet s;
    for (Uid u : uids) s.ranges.push_back({u, u});
    return s;
  }
  bool contains(Uid u) const {
    for (const auto& r : ranges)
      if (u >= r.first && u <= r.last) return true;
    return false;
  }
  // How many UIDs the set names (overlaps counted twice), saturating at cap + 1.
  uint64_t count_upto(uint64_t cap) const {
    uint64_t n = 0;
    for (const auto& r : ranges) {
      if (r.last < r.first) continue;
      n += uint64_t(r.last) - r.first + 1;
      if (n > cap) return cap + 1;
    }
    return n;
  }
};

enum class ChangeKind {
  appended,
  flags,
  expunged,
  mailbox_created,
  mailbox_deleted,
  mailbox_renamed
};

// What the change bus broadcasts after a commit.
struct Change {
  AccountId account_id = 0;
  MailboxId mailbox_id = 0;
  ChangeKind kind = ChangeKind::appended;
  std::vector<Uid> uids;     // appended / flags / expunged
  ModSeq modseq = 0;         // the mailbox HIGHESTMODSEQ after the change
  std::string mailbox_name;  // mailbox_* kinds: the (new) name
  std::string old_name;      // mailbox_renamed
};

struct AppendTarget {
  AccountId account_id = 0;
  std::string mailbox;  // name; must exist (IMAP answers [TRYCREATE] on not_found)
};

// One message to one or many mailboxes. raw is shared: one blob, many targets.
struct AppendRequest {
  std::vector<AppendTarget> targets;
  std::shared_ptr<const std::string> raw;
  std::vector<std::string> flags;
  int64_t internal_date = 0;  // unix seconds; 0 = now
  std::string envelope;
  std::string bodystructure;
  std::string body;
  std::string header_summary;
};

struct AppendResult {
  AccountId account_id = 0;
  MailboxId mailbox_id = 0;
  uint32_t uidvalidity = 0;
  Uid uid = 0;
  ModSeq modseq = 0;
  std::string blob_id;
};

enum class FlagMode { add, remove, replace };

struct FlagUpdate {
  FlagMode mode = FlagMode::add;
  std::vector<std::string> flags;
  // RFC 7162 §3.1.3: only messages whose MODSEQ <= this are changed.
  std::optional<ModSeq> unchanged_since;
};

struct StoreFlagsResult {
  std::vector<FlagState> updated;  // messages whose flags actually changed
  std::vector<Uid> failed;         // UNCHANGEDSINCE check failed (MODIFIED response code)
  ModSeq highestmodseq = 0;
};

struct CopyResult {
  uint32_t dst_uidvalidity = 0;
  std::vector<std::pair<Uid, Uid>> uids;  // (source uid, new destination uid): RFC 4315 COPYUID
  std::vector<Uid> expunged;              // MOVE only: source UIDs removed
};

struct ChangesSince {
  ModSeq highestmodseq = 0;
  std::vector<FlagState> changed;  // messages with MODSEQ > since
  std::vector<Uid> vanished;       // tombstones with MODSEQ > since (RFC 7162 §3.2.10)
};

struct QuotaUsage {
  uint64_t used_bytes = 0;
  uint64_t limit_bytes = 0;  // 0 = none
};

// The store's own counters (also exported as Prometheus metrics).
struct StoreStats {
  uint64_t appends = 0;  // messages appended (one per target)
  uint64_t batches = 0;  // writer batches (one SQL transaction each)
  uint64_t commits = 0;  // successful commits
  uint64_t syncs = 0;    // blob-directory syncs (syncfs calls)
  uint64_t blobs_written = 0;
  uint64_t blobs_deduplicated = 0;
  uint64_t blobs_deleted = 0;
};

}  // namespace postino::store
