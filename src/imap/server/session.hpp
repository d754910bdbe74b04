// Session: one IMAP connection from greeting to LOGOUT (RFC 9051 §3 state
// machine: not authenticated -> authenticated -> selected -> logout). It reads
// commands through the incremental Receiver (imap/proto), checks that each is
// allowed in the current state, runs its handler, brings the client up to date
// on the selected mailbox (sync.cpp) and sends the tagged completion.
// Handlers live one file per command family: cmd_any (CAPABILITY, NOOP,
// LOGOUT, ID, ENABLE, NAMESPACE, IDLE, QUOTA), cmd_auth (STARTTLS, LOGIN,
// AUTHENTICATE), cmd_mailbox (CREATE, DELETE, RENAME, (UN)SUBSCRIBE, STATUS),
// cmd_list (LIST, LSUB), cmd_select (SELECT, EXAMINE, CLOSE, UNSELECT),
// cmd_append, cmd_fetch, cmd_store (STORE, COPY, MOVE, EXPUNGE, CHECK),
// cmd_search (SEARCH), cmd_sort (SORT, THREAD).
// State kept between commands: the session flags (TLS, ENABLEd extensions),
// the account, and the selected mailbox's MailboxView; everything else is read
// from the store per command. At rest a session holds no large buffers.
// Ownership: borrows the Options, store, authenticator and connection.
// Thread rules: runs as the connection's one coroutine; the change-bus
// callback only sets an atomic flag that the session reads between commands.
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "imap/proto/command.hpp"
#include "imap/proto/receiver.hpp"
#include "imap/proto/writer.hpp"
#include "imap/server/service.hpp"
#include "imap/server/view.hpp"
#include "store/change_bus.hpp"

namespace postino::imap::server {

template <class T>
using awaitable = boost::asio::awaitable<T>;

// Bytes asked of the connection per read.
inline constexpr size_t kReadChunk = 16u << 10;

// The tagged completion a handler asks for. `sent`: the handler already wrote it.
struct Reply {
  write::Cond cond = write::Cond::ok;
  std::optional<write::ResponseCode> code;
  std::string text;
  bool sent = false;

  static Reply ok(std::string text, std::optional<write::ResponseCode> code = {}) {
    return Reply{write::Cond::ok, std::move(code), std::move(text), false};
  }
  static Reply no(std::string text, std::optional<write::ResponseCode> code = {}) {
    return Reply{write::Cond::no, std::move(code), std::move(text), false};
  }
  static Reply bad(std::string text, std::optional<write::ResponseCode> code = {}) {
    return Reply{write::Cond::bad, std::move(code), std::move(text), false};
  }
  static Reply done() { return Reply{write::Cond::ok, {}, {}, true}; }
};

// RFC 9051 §7.1 BADCHARSET with the charsets SEARCH, SORT and THREAD accept.
write::ResponseCode badcharset_code();

class Session {
 public:
  Session(const Options& opts, store::AsyncStore& store, login::Authenticator& auth,
          net::Connection& conn);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  awaitable<void> run();

 private:
  enum class State { not_authenticated, authenticated, selected, logout };

  // ---- session.cpp: the loop, I/O helpers, state rules ----
  awaitable<bool> fill();  // flush, read more into rx_; false when the connection is gone
  awaitable<Result<std::string>> read_client_line();  // one raw line (SASL, IDLE DONE)
  awaitable<void> execute(Command& cmd);
  void send(std::string_view bytes) { conn_.write(bytes); }
  std::vector<std::string> capabilities() const;
  bool plaintext_allowed() const;
  Result<std::string> decode_name(const std::string& wire) const;  // mUTF-7 unless UTF8=ACCEPT
  std::string encode_name(const std::string& utf8) const;
  std::string astring_name(const std::string& utf8) const;  // encoded, as an astring
  bool utf8() const { return utf8_; }
  Reply store_error(const Error& e, std::string_view what) const;

  // ---- sync.cpp ----
  awaitable<void> sync(bool allow_expunge);
  void note_reported(store::Uid uid, store::ModSeq modseq);
  void report_expunged(const std::vector<store::Uid>& uids);  // writes EXPUNGE / VANISHED
  void enable_condstore() { condstore_ = true; }
  void watch(store::MailboxId id);
  void unwatch();

  // ---- handlers ----
  awaitable<Reply> on(const std::string& tag, CapabilityCmd& c);
  awaitable<Reply> on(const std::string& tag, NoopCmd& c);
  awaitable<Reply> on(const std::string& tag, LogoutCmd& c);
  awaitable<Reply> on(const std::string& tag, IdCmd& c);
  awaitable<Reply> on(const std::string& tag, StartTlsCmd& c);
  awaitable<Reply> on(const std::string& tag, AuthenticateCmd& c);
  awaitable<Reply> on(const std::string& tag, LoginCmd& c);
  awaitable<Reply> on(const std::string& tag, EnableCmd& c);
  awaitable<Reply> on(const std::string& tag, SelectCmd& c);
  awaitable<Reply> on(const std::string& tag, CreateCmd& c);
  awaitable<Reply> on(const std::string& tag, DeleteCmd& c);
  awaitable<Reply> on(const std::string& tag, RenameCmd& c);
  awaitable<Reply> on(const std::string& tag, SubscribeCmd& c);
  awaitable<Reply> on(const std::string& tag, ListCmd& c);
  awaitable<Reply> on(const std::string& tag, NamespaceCmd& c);
  awaitable<Reply> on(const std::string& tag, StatusCmd& c);
  awaitable<Reply> on(const std::string& tag, AppendCmd& c);
  awaitable<Reply> on(const std::string& tag, IdleCmd& c);
  awaitable<Reply> on(const std::string& tag, CheckCmd& c);
  awaitable<Reply> on(const std::string& tag, CloseCmd& c);
  awaitable<Reply> on(const std::string& tag, UnselectCmd& c);
  awaitable<Reply> on(const std::string& tag, ExpungeCmd& c);
  awaitable<Reply> on(const std::string& tag, SearchCmd& c);
  awaitable<Reply> on(const std::string& tag, FetchCmd& c);
  awaitable<Reply> on(const std::string& tag, StoreCmd& c);
  awaitable<Reply> on(const std::string& tag, CopyCmd& c);
  awaitable<Reply> on(const std::string& tag, SortCmd& c);
  awaitable<Reply> on(const std::string& tag, ThreadCmd& c);
  awaitable<Reply> on(const std::string& tag, GetQuotaCmd& c);
  awaitable<Reply> on(const std::string& tag, GetQuotaRootCmd& c);
  awaitable<Reply> on(const std::string& tag, SetQuotaCmd& c);
  awaitable<Reply> on(const std::string& tag, CompressCmd& c);

  // helpers shared by handlers
  awaitable<Result<std::string>> status_line(const std::string& name,
                                             const std::vector<StatusItem>& items);
  awaitable<Result<std::vector<store::Uid>>> run_search(const SearchKey& key);
  awaitable<Result<std::vector<store::Uid>>> resolve(const SequenceSet& set, bool uid_mode);
  awaitable<Reply> expunge(std::optional<std::vector<store::Uid>> only);

  const Options& opts_;
  store::AsyncStore& store_;
  login::Authenticator& auth_;
  net::Connection& conn_;
  Receiver rx_;
  State state_ = State::not_authenticated;

  store::AccountId account_id_ = 0;
  std::string user_;
  bool utf8_ = false;           // ENABLE UTF8=ACCEPT (RFC 6855)
  bool literal_asked_ = false;  // a "+" for a synchronizing literal is being sent
  bool rev2_ = false;           // ENABLE IMAP4rev2 (RFC 9051 §6.3.1)
  bool condstore_ = false;      // CONDSTORE enabled (RFC 7162 §3.1)
  bool qresync_ = false;        // ENABLE QRESYNC (RFC 7162 §3.2.3)

  std::unique_ptr<MailboxView> view_;
  // What the change bus reported since the last sync (filled on a store
  // thread): lets sync() skip the store when every change was this session's
  // own, already answered.
  struct BusNotes {
    struct Note {
      store::ChangeKind kind;
      store::ModSeq modseq;
      std::vector<store::Uid> uids;
    };
    static constexpr size_t kMax = 16;  // more than this: just ask the store
    std::atomic<bool> dirty{false};
    std::mutex mu;
    std::vector<Note> notes;  // guarded by mu
    bool overflow = false;    // guarded by mu
  };
  bool only_own_changes(std::vector<BusNotes::Note>& notes, std::vector<store::Uid>& fresh);
  std::shared_ptr<BusNotes> bus_;
  store::Subscription sub_;
  std::vector<std::pair<store::Uid, store::ModSeq>> reported_;  // own changes already sent
  std::vector<store::Uid> saved_;                               // SEARCHRES "$" (RFC 5182), UIDs
};

}  // namespace postino::imap::server
