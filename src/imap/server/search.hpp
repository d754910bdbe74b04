// SEARCH key evaluation (RFC 9051 §6.4.4, RFC 7162 §3.1.5 MODSEQ): decides
// whether one message matches a SearchKey. Keys on flags, dates, sizes,
// numbers and MODSEQ use the store's metadata; header, body and text keys use
// the header fields or the parsed message (the caller reads the blob only when
// needs_body(), the header section when needs_message()).
// String matching is case-insensitive substring matching on decoded text
// (RFC 2047 headers, transfer-decoded and charset-converted text parts).
// Thread rules: pure functions.
#pragma once

#include <cstdint>
#include <vector>

#include "imap/proto/command.hpp"
#include "mime/message.hpp"
#include "store/types.hpp"

namespace postino::imap::server {

struct SearchSubject {
  uint32_t seq = 0;
  const store::MessageMeta* meta = nullptr;
  const mime::Message* msg = nullptr;  // set when needs_message(key)
  uint32_t max_seq = 0;                // mailbox size, for "*"
  store::Uid max_uid = 0;
  const std::vector<store::Uid>* saved = nullptr;  // SEARCHRES "$" result, sorted
  // The top-level header fields for header and SENT* keys when msg is not set
  // (only the cached header section was read); with msg, msg->root.headers.
  const mime::HeaderList* header = nullptr;
};

// What of the store's metadata a key reads: nothing (ALL, UID and sequence
// sets: the session's view answers), flags and MODSEQ only, or everything.
enum class MetaNeed { none, flags, full };
MetaNeed meta_need(const SearchKey& key);
bool needs_message(const SearchKey& key);
// Only the header is needed (no BODY / TEXT key).
bool needs_body(const SearchKey& key);
bool matches(const SearchKey& key, const SearchSubject& s);

}  // namespace postino::imap::server
