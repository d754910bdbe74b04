// RFC 5322 §3.4 address lists (From, To, Cc, Bcc, Sender, Reply-To), parsed
// tolerantly: display names, quoted strings, comments, groups, obsolete
// forms (RFC 5322 §4.4: routes, CFWS around dots) and RFC 6532 UTF-8. Never
// fails: whatever cannot be understood is skipped.
// Thread rules: pure functions; results own their strings.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace postino::mime {

inline constexpr size_t kMaxAddresses = 4096;  // entries kept from one header value

struct Address {
  enum class Kind { mailbox, group_start, group_end };
  Kind kind = Kind::mailbox;
  // Phrase with quotes removed and words joined by one space; encoded-words are
  // kept as written (decode with decode_encoded_words). For a group_start: the
  // group's name. When a mailbox has no phrase, a trailing comment is used.
  std::string display_name;
  std::string route;   // obs-route "@a,@b" (without ':'); usually empty
  std::string local;   // local-part, unquoted
  std::string domain;  // empty when the address has no '@'

  bool operator==(const Address&) const = default;
};

std::vector<Address> parse_address_list(std::string_view value);

// "local@domain" (local quoted when it is not a dot-atom); just local if no domain.
std::string addr_spec(const Address& a);

}  // namespace postino::mime
