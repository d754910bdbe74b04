// StoreBackend: the synchronous mail-store interface every backend implements
// (SQLite now, PostgreSQL later). It speaks mail, not SQL (DESIGN.md "Store"):
// directory, mailboxes with IMAP sync state, messages, flags, expunge with
// tombstones, copy/move, changes since a MODSEQ, quota.
// Rules every backend keeps (the conformance suite in tests/unit/store checks them):
//  - every change bumps the mailbox HIGHESTMODSEQ and gives changed messages that
//    MODSEQ (RFC 7162 §3.1); UIDNEXT only grows (RFC 9051 §2.3.1.1);
//  - UIDVALIDITY is set at creation and differs when a name is reused;
//  - deliver()/append() return only once the blob is on disk and the metadata is
//    committed (DESIGN.md "Durability"); changes reach change_bus() after commit;
//  - an append over quota fails with Errc::quota and writes nothing.
// Ownership: the backend owns its connections, writer thread and ChangeBus.
// Thread rules: every method is thread-safe and blocking. Do not call from an
// I/O thread: sessions use AsyncStore (store/async_store.hpp).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "store/change_bus.hpp"
#include "store/dmarc_records.hpp"
#include "store/types.hpp"

namespace postino::store {

class StoreBackend {
 public:
  virtual ~StoreBackend() = default;

  // ---- directory ----
  virtual Status add_domain(std::string_view name) = 0;
  // Fails with Errc::busy while accounts or aliases of the domain exist.
  virtual Status remove_domain(std::string_view name) = 0;
  virtual Result<std::vector<Domain>> list_domains() = 0;
  // The domain must exist. Creates INBOX and the RFC 6154 special-use
  // mailboxes Sent, Drafts, Trash, Junk, Archive, all subscribed.
  virtual Result<Account> add_account(std::string_view address, const Credentials& creds) = 0;
  // Removes the account with its mailboxes and messages.
  virtual Status remove_account(std::string_view address) = 0;
  virtual Result<std::vector<Account>> list_accounts() = 0;
  virtual Result<Account> get_account(std::string_view address) = 0;
  virtual Result<Account> get_account_by_id(AccountId id) = 0;
  virtual Status set_credentials(std::string_view address, const Credentials& creds) = 0;
  virtual Status set_quota(std::string_view address, uint64_t quota_bytes) = 0;
  virtual Status add_alias(std::string_view address, std::string_view target) = 0;
  virtual Status remove_alias(std::string_view address) = 0;
  virtual Result<std::vector<Alias>> list_aliases() = 0;
  // The alias target, or Errc::not_found.
  virtual Result<std::string> resolve_alias(std::string_view address) = 0;

  // ---- mailboxes ----
  virtual Result<std::vector<Mailbox>> list_mailboxes(AccountId account) = 0;
  // counts = false leaves subscribed, message_count, unseen_count and
  // size_bytes at zero and does not read the messages.
  virtual Result<Mailbox> get_mailbox(AccountId account, std::string_view name,
                                      bool counts = true) = 0;
  virtual Result<Mailbox> get_mailbox_by_id(MailboxId id, bool counts = true) = 0;
  // Creates exactly this name (parents are the caller's business).
  virtual Result<Mailbox> create_mailbox(AccountId account, std::string_view name,
                                         std::string_view special_use = {}) = 0;
  // INBOX cannot be deleted (RFC 9051 §6.3.5).
  virtual Status delete_mailbox(AccountId account, std::string_view name) = 0;
  // Renaming INBOX moves its messages to a new mailbox and leaves INBOX empty
  // (RFC 9051 §6.3.6). Renames exactly this mailbox (children: the caller).
  virtual Result<Mailbox> rename_mailbox(AccountId account, std::string_view from,
                                         std::string_view to) = 0;
  // Subscriptions may name mailboxes that do not exist (RFC 9051 §6.3.7).
  virtual Status subscribe(AccountId account, std::string_view name) = 0;
  virtual Status unsubscribe(AccountId account, std::string_view name) = 0;
  virtual Result<std::vector<std::string>> list_subscriptions(AccountId account) = 0;

  // ---- messages ----
  using DeliverCallback = std::function<void(Result<std::vector<AppendResult>>)>;
  // Stores req.raw once and appends it to every target, all in one transaction:
  // either every target gets the message or none does. `done` runs on a store
  // thread after commit (and after the change bus saw the changes); keep it cheap.
  virtual void deliver_async(AppendRequest req, DeliverCallback done) = 0;
  // Blocking form of deliver_async.
  Result<std::vector<AppendResult>> deliver(AppendRequest req);
  // One target: convenience over deliver().
  Result<AppendResult> append(AppendRequest req);

  // Texts not asked for in `parts` are left empty.
  virtual Result<std::vector<MessageMeta>> fetch(MailboxId mailbox, const UidSet& uids,
                                                 MetaParts parts = {}) = 0;
  virtual Result<std::vector<FlagState>> fetch_flags(MailboxId mailbox, const UidSet& uids) = 0;
  // uid, size and blob id of every message, in UID order.
  virtual Result<std::vector<MessageRef>> list_messages(MailboxId mailbox) = 0;
  // Raw bytes of a blob: [offset, offset+length) clipped to the blob;
  // length = npos means to the end.
  virtual Result<std::string> read_blob(std::string_view blob_id, uint64_t offset = 0,
                                        uint64_t length = std::string::npos) = 0;
  // read_blob() only if it needs no disk wait (page cache); nullopt otherwise
  // or when the backend cannot tell. Safe to call from an I/O thread.
  virtual Result<std::optional<std::string>> read_blob_cached(std::string_view /*blob_id*/,
                                                              uint64_t /*offset*/,
                                                              uint64_t /*length*/) {
    return std::optional<std::string>();
  }
  // The mailbox writes below complete through a callback, like deliver_async:
  // `done` runs on a store thread once the change is committed (and the change
  // bus has seen it), so no caller's thread waits out a group commit. Keep it
  // cheap. Each has a blocking form.
  template <class T>
  using Callback = std::function<void(Result<T>)>;
  virtual void store_flags_async(MailboxId mailbox, UidSet uids, FlagUpdate update,
                                 Callback<StoreFlagsResult> done) = 0;
  Result<StoreFlagsResult> store_flags(MailboxId mailbox, const UidSet& uids,
                                       const FlagUpdate& update);
  // Expunges messages flagged \Deleted (within `uids` if given: UID EXPUNGE,
  // RFC 9051 §6.4.9) and leaves tombstones. Returns the expunged UIDs, ascending.
  virtual void expunge_async(MailboxId mailbox, std::optional<UidSet> uids,
                             Callback<std::vector<Uid>> done) = 0;
  Result<std::vector<Uid>> expunge(MailboxId mailbox,
                                   const std::optional<UidSet>& uids = std::nullopt);
  // Copies to dst (same account), new UIDs in source order (RFC 4315 COPYUID);
  // with `move`, also expunges them from src regardless of \Deleted (RFC 6851).
  virtual void copy_async(MailboxId src, UidSet uids, MailboxId dst, bool move,
                          Callback<CopyResult> done) = 0;
  Result<CopyResult> copy(MailboxId src, const UidSet& uids, MailboxId dst);
  Result<CopyResult> move(MailboxId src, const UidSet& uids, MailboxId dst);
  // RFC 7162 §3.1.4.1 / §3.2.5: messages changed and UIDs vanished after `since`.
  virtual Result<ChangesSince> changes_since(MailboxId mailbox, ModSeq since) = 0;
  virtual Result<QuotaUsage> quota(AccountId account) = 0;

  // ---- DMARC aggregate-report data (RFC 9990) ----
  // Stores one record (committed before returning); returns its id.
  virtual Result<int64_t> add_dmarc_record(const DmarcReportRecord& rec) = 0;
  // Records with from <= evaluated_at < to, oldest first.
  virtual Result<std::vector<DmarcReportRecord>> list_dmarc_records(int64_t from, int64_t to) = 0;

  virtual ChangeBus& change_bus() = 0;
  virtual StoreStats stats() const = 0;
};

}  // namespace postino::store
