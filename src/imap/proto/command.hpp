// Typed IMAP command AST: one struct per command of RFC 9051 / RFC 3501 and
// the extensions postino speaks (LITERAL+, SASL-IR, CONDSTORE/QRESYNC, UIDPLUS,
// MOVE, ENABLE, ID, LIST-EXTENDED, LIST-STATUS, SPECIAL-USE, QUOTA, COMPRESS,
// SORT/THREAD, ESEARCH, BINARY, IDLE, UNSELECT, STATUS=SIZE, APPENDLIMIT,
// UTF8=ACCEPT, SEARCHRES). The parser (parser.hpp) produces these; the
// session consumes them. Strings are raw bytes as the client sent them
// (mailbox names are not mUTF-7 decoded; "INBOX" in any case is folded to
// "INBOX"). Thread rules: plain values, no shared state.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "imap/proto/datetime.hpp"
#include "imap/proto/sequence_set.hpp"

namespace postino::imap {

// ---- any state -----------------------------------------------------------
struct CapabilityCmd {
  bool operator==(const CapabilityCmd&) const = default;
};
struct NoopCmd {
  bool operator==(const NoopCmd&) const = default;
};
struct LogoutCmd {
  bool operator==(const LogoutCmd&) const = default;
};
struct IdCmd {  // RFC 2971 §3.1; nullopt for "ID NIL"
  std::optional<std::vector<std::pair<std::string, std::optional<std::string>>>> params;
  bool operator==(const IdCmd&) const = default;
};

// ---- not authenticated ---------------------------------------------------
struct StartTlsCmd {
  bool operator==(const StartTlsCmd&) const = default;
};
struct AuthenticateCmd {
  std::string mechanism;                        // upper-cased
  std::optional<std::string> initial_response;  // RFC 4959: base64 text; "=" means empty
  bool operator==(const AuthenticateCmd&) const = default;
};
struct LoginCmd {
  std::string user;
  std::string password;
  bool operator==(const LoginCmd&) const = default;
};

// ---- authenticated -------------------------------------------------------
struct EnableCmd {  // RFC 5161 §3.1; capability names upper-cased
  std::vector<std::string> capabilities;
  bool operator==(const EnableCmd&) const = default;
};
struct QresyncParams {  // RFC 7162 §3.2.5
  uint32_t uidvalidity = 0;
  uint64_t modseq = 0;
  std::optional<SequenceSet> known_uids;
  std::optional<std::pair<SequenceSet, SequenceSet>> seq_match;  // (seqs, uids)
  bool operator==(const QresyncParams&) const = default;
};
struct SelectCmd {
  std::string mailbox;
  bool read_only = false;  // EXAMINE
  bool condstore = false;  // (CONDSTORE), RFC 7162 §3.1.8
  std::optional<QresyncParams> qresync;
  bool operator==(const SelectCmd&) const = default;
};
struct CreateCmd {
  std::string mailbox;
  std::vector<std::string> special_use;  // (USE (\Sent ...)), RFC 6154 §3
  bool operator==(const CreateCmd&) const = default;
};
struct DeleteCmd {
  std::string mailbox;
  bool operator==(const DeleteCmd&) const = default;
};
struct RenameCmd {
  std::string from;
  std::string to;
  bool operator==(const RenameCmd&) const = default;
};
struct SubscribeCmd {
  std::string mailbox;
  bool subscribe = true;  // false: UNSUBSCRIBE
  bool operator==(const SubscribeCmd&) const = default;
};

enum class StatusItem {
  messages,
  uidnext,
  uidvalidity,
  unseen,
  deleted,        // RFC 9051
  size,           // RFC 8438
  recent,         // RFC 3501
  highestmodseq,  // RFC 7162
  appendlimit,    // RFC 7889
};
const char* status_item_name(StatusItem item);

struct ListCmd {
  bool lsub = false;      // LSUB (RFC 3501 §6.3.9)
  bool extended = false;  // any RFC 5258 syntax used (selection, several patterns, RETURN)
  // RFC 5258 §3.1 selection options
  bool sel_subscribed = false;
  bool sel_remote = false;
  bool sel_recursive_match = false;
  bool sel_special_use = false;  // RFC 6154 §5.1
  std::string reference;
  std::vector<std::string> patterns;
  // RFC 5258 §3.2 return options
  bool ret_subscribed = false;
  bool ret_children = false;
  bool ret_special_use = false;
  std::optional<std::vector<StatusItem>> ret_status;  // RFC 5819
  bool operator==(const ListCmd&) const = default;
};
struct NamespaceCmd {
  bool operator==(const NamespaceCmd&) const = default;
};
struct StatusCmd {
  std::string mailbox;
  std::vector<StatusItem> items;
  bool operator==(const StatusCmd&) const = default;
};

struct AppendMessage {
  std::vector<std::string> flags;
  std::optional<DateTime> internal_date;
  std::string data;     // the message bytes, moved out of the literal
  bool binary = false;  // sent as literal8 "~{n}" (RFC 3516 §4.4)
  bool utf8 = false;    // "UTF8 (~{n})" form (RFC 6855 §4)
  bool operator==(const AppendMessage&) const = default;
};
struct AppendCmd {  // several messages: MULTIAPPEND (RFC 3502)
  std::string mailbox;
  std::vector<AppendMessage> messages;
  bool operator==(const AppendCmd&) const = default;
};
struct IdleCmd {  // the session then reads the "DONE" line (Receiver::expect_line)
  bool operator==(const IdleCmd&) const = default;
};

// ---- selected ------------------------------------------------------------
struct CheckCmd {
  bool operator==(const CheckCmd&) const = default;
};
struct CloseCmd {
  bool operator==(const CloseCmd&) const = default;
};
struct UnselectCmd {
  bool operator==(const UnselectCmd&) const = default;
};
struct ExpungeCmd {
  std::optional<SequenceSet> uids;  // UID EXPUNGE (RFC 4315 §2.1)
  bool operator==(const ExpungeCmd&) const = default;
};

struct SearchKey {
  enum class Kind {
    all,
    answered,
    bcc,
    before,
    body,
    cc,
    deleted,
    draft,
    flagged,
    from,
    header,
    keyword,
    larger,
    new_,
    not_,
    old,
    on,
    or_,
    recent,
    seen,
    sentbefore,
    senton,
    sentsince,
    since,
    smaller,
    subject,
    text,
    to,
    uid,
    unanswered,
    undeleted,
    undraft,
    unflagged,
    unkeyword,
    unseen,
    sequence,
    and_,    // and_: a parenthesised list (or the top-level list)
    modseq,  // RFC 7162 §3.1.5
  };
  Kind kind = Kind::all;
  std::string str;    // string argument; HEADER field name; keyword
  std::string value;  // HEADER value
  Date date;
  uint64_t number = 0;              // LARGER/SMALLER octets, MODSEQ value
  SequenceSet set;                  // sequence / UID
  std::string modseq_entry;         // MODSEQ entry name ("/flags/\\draft"), may be empty
  std::string modseq_entry_type;    // "priv" / "shared" / "all"
  std::vector<SearchKey> children;  // NOT: 1, OR: 2, and_: any
  bool operator==(const SearchKey&) const = default;
};
struct SearchReturn {  // RFC 4731 §3.1 / RFC 9051 §6.4.4; all false = ALL
  bool min = false, max = false, all = false, count = false, save = false;
  bool operator==(const SearchReturn&) const = default;
};
struct SearchCmd {
  bool uid = false;
  std::optional<SearchReturn> ret;  // present when RETURN (...) was given
  std::optional<std::string> charset;
  SearchKey key;  // kind and_ at the top
  bool operator==(const SearchCmd&) const = default;
};

struct Section {  // RFC 9051 §6.4.5 section-spec
  enum class Text { none, header, header_fields, header_fields_not, text, mime };
  std::vector<uint32_t> part;  // "1.2.3"
  Text text = Text::none;
  std::vector<std::string> fields;  // header names for HEADER.FIELDS[.NOT]
  bool operator==(const Section&) const = default;
};
struct Partial {
  uint64_t offset = 0;
  uint64_t length = 0;
  bool operator==(const Partial&) const = default;
};
struct FetchAtt {
  enum class Kind {
    envelope,
    flags,
    internaldate,
    rfc822,
    rfc822_header,
    rfc822_size,
    rfc822_text,
    body,  // BODY without section: non-extensible BODYSTRUCTURE
    bodystructure,
    uid,
    body_section,  // BODY[...] / BODY.PEEK[...]
    binary,        // BINARY[...] / BINARY.PEEK[...]  (RFC 3516)
    binary_size,   // BINARY.SIZE[...]
    modseq,        // RFC 7162
  };
  Kind kind = Kind::uid;
  bool peek = false;
  Section section;
  std::optional<Partial> partial;
  bool operator==(const FetchAtt&) const = default;
};
struct FetchCmd {
  bool uid = false;
  SequenceSet set;
  std::vector<FetchAtt> atts;            // macros ALL/FAST/FULL are expanded
  std::optional<uint64_t> changedsince;  // RFC 7162 §3.1.4.1
  bool vanished = false;                 // RFC 7162 §3.2.6
  bool operator==(const FetchCmd&) const = default;
};

struct StoreCmd {
  enum class Mode { replace, add, remove };
  bool uid = false;
  SequenceSet set;
  std::optional<uint64_t> unchangedsince;  // RFC 7162 §3.1.3
  Mode mode = Mode::replace;
  bool silent = false;
  std::vector<std::string> flags;
  bool operator==(const StoreCmd&) const = default;
};
struct CopyCmd {
  bool uid = false;
  bool move = false;  // MOVE / UID MOVE (RFC 6851)
  SequenceSet set;
  std::string mailbox;
  bool operator==(const CopyCmd&) const = default;
};

struct SortKey {  // RFC 5256 §3
  enum class Kind { arrival, cc, date, from, size, subject, to };
  Kind kind = Kind::arrival;
  bool reverse = false;
  bool operator==(const SortKey&) const = default;
};
struct SortCmd {
  bool uid = false;
  std::vector<SortKey> keys;
  std::string charset;
  SearchKey key;
  bool operator==(const SortCmd&) const = default;
};
struct ThreadCmd {
  bool uid = false;
  std::string algorithm;  // upper-cased: ORDEREDSUBJECT, REFERENCES
  std::string charset;
  SearchKey key;
  bool operator==(const ThreadCmd&) const = default;
};

// ---- QUOTA (RFC 9208), COMPRESS (RFC 4978) -------------------------------
struct GetQuotaCmd {
  std::string root;
  bool operator==(const GetQuotaCmd&) const = default;
};
struct GetQuotaRootCmd {
  std::string mailbox;
  bool operator==(const GetQuotaRootCmd&) const = default;
};
struct SetQuotaCmd {
  std::string root;
  std::vector<std::pair<std::string, uint64_t>> limits;  // resource names upper-cased
  bool operator==(const SetQuotaCmd&) const = default;
};
struct CompressCmd {
  std::string mechanism;  // upper-cased; only DEFLATE exists
  bool operator==(const CompressCmd&) const = default;
};

using CommandBody =
    std::variant<CapabilityCmd, NoopCmd, LogoutCmd, IdCmd, StartTlsCmd, AuthenticateCmd, LoginCmd,
                 EnableCmd, SelectCmd, CreateCmd, DeleteCmd, RenameCmd, SubscribeCmd, ListCmd,
                 NamespaceCmd, StatusCmd, AppendCmd, IdleCmd, CheckCmd, CloseCmd, UnselectCmd,
                 ExpungeCmd, SearchCmd, FetchCmd, StoreCmd, CopyCmd, SortCmd, ThreadCmd,
                 GetQuotaCmd, GetQuotaRootCmd, SetQuotaCmd, CompressCmd>;

struct Command {
  std::string tag;
  CommandBody body;
  bool operator==(const Command&) const = default;
};

// The command's name as a client would write it ("UID FETCH", "EXAMINE").
std::string command_name(const Command& cmd);

}  // namespace postino::imap
