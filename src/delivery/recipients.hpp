// Recipient resolution for local delivery: is an address ours, and whose
// INBOX does it reach? Handles accounts, aliases (chains and comma lists,
// bounded), the catch-all alias "@domain", and plus-addressing
// ("user+tag@domain" reaches "user@domain" when no exact match exists).
// An alias may point outside our domains: that recipient is then forwarded
// through the outbound queue.
// Used by the SMTP session at RCPT time (answering 550 5.1.1 / relay denied
// / 452 4.2.2 early) and to check that an authenticated user owns an
// envelope sender.
// Thread rules: blocking (calls StoreBackend); run on a store worker
// (AsyncStore::run), never on an I/O thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "store/backend.hpp"

namespace postino::delivery {

inline constexpr int kMaxAliasDepth = 8;           // alias -> alias -> ... chain
inline constexpr size_t kMaxAliasExpansion = 100;  // addresses one recipient may fan out to
inline constexpr char kPlusSeparator = '+';

enum class RecipientKind {
  local,         // at least one local account (and possibly forwards)
  forward,       // a local address whose alias points only outside our domains
  unknown_user,  // our domain, but no such account or alias (550 5.1.1)
  not_local,     // not one of our domains (relay: needs authentication)
};

struct LocalAccount {
  store::AccountId id = 0;
  std::string address;
  uint64_t quota_bytes = 0;  // 0 = none
  uint64_t used_bytes = 0;
};

struct Resolution {
  RecipientKind kind = RecipientKind::unknown_user;
  std::string address;                 // normalised input (lower-case local part, A-label domain)
  std::vector<LocalAccount> accounts;  // local INBOXes, no duplicates
  std::vector<std::string> forwards;   // remote addresses from aliases
};

struct ResolveOptions {
  bool catch_all = true;  // consult "@domain" aliases
  bool plus = true;       // strip "+tag" when there is no exact match
};

// The lookup key of an address: lower-cased local part "@" normalised domain.
Result<std::string> address_key(std::string_view address);

// Errors: Errc::invalid for an unparsable address; store errors pass through
// (the session answers 451 4.3.0).
Result<Resolution> resolve_recipient(store::StoreBackend& store, std::string_view address,
                                     ResolveOptions opts = {});

// True when `sender` is the account's own address, or an alias or plus form
// that resolves to it (catch-all aliases do not count).
Result<bool> sender_owned_by(store::StoreBackend& store, std::string_view sender,
                             store::AccountId account);

}  // namespace postino::delivery
