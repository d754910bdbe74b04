// Name, address and flag rules, and the row readers (see write_ops.hpp).
#include <algorithm>

#include "base/limits.hpp"
#include "base/strings.hpp"
#include "store/sqlite/write_ops.hpp"

namespace postino::store::sqlite {

namespace {

constexpr const char* kSystemFlags[] = {kFlagSeen, kFlagAnswered, kFlagFlagged, kFlagDeleted,
                                        kFlagDraft};
constexpr const char* kRecent = "\\Recent";

// RFC 9051 §9: atom-specials may not appear in a flag keyword.
bool is_atom_char(unsigned char c) {
  if (c <= 0x20 || c >= 0x7f) return false;
  switch (c) {
    case '(':
    case ')':
    case '{':
    case '%':
    case '*':
    case '"':
    case '\\':
    case ']':
      return false;
    default:
      return true;
  }
}

}  // namespace

std::string normalize_mailbox_name(std::string_view name) {
  if (iequals(name, kInbox)) return kInbox;
  return std::string(name);
}

Status validate_mailbox_name(std::string_view name) {
  if (name.empty()) return make_error(Errc::invalid, "empty mailbox name");
  if (name.size() > kMaxMailboxNameBytes) return make_error(Errc::limit, "mailbox name too long");
  if (name.front() == kHierarchySeparator || name.back() == kHierarchySeparator)
    return make_error(Errc::invalid, "mailbox name starts or ends with a separator");
  char prev = 0;
  for (char c : name) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      return make_error(Errc::invalid, "control character in mailbox name");
    if (c == kHierarchySeparator && prev == kHierarchySeparator)
      return make_error(Errc::invalid, "empty hierarchy level in mailbox name");
    prev = c;
  }
  return {};
}

Result<std::vector<std::string>> normalize_flags(const std::vector<std::string>& flags) {
  std::vector<std::string> out;
  for (const auto& f : flags) {
    if (f.empty() || f.size() > kMaxFlagBytes) return make_error(Errc::invalid, "bad flag");
    std::string canon;
    if (f[0] == '\\') {
      if (iequals(f, kRecent)) continue;
      for (const char* s : kSystemFlags)
        if (iequals(f, s)) canon = s;
      if (canon.empty()) return make_error(Errc::invalid, "unknown system flag " + f);
    } else {
      for (char c : f)
        if (!is_atom_char(static_cast<unsigned char>(c)))
          return make_error(Errc::invalid, "bad flag keyword");
      canon = f;
    }
    bool dup =
        std::any_of(out.begin(), out.end(), [&](const auto& o) { return iequals(o, canon); });
    if (!dup) out.push_back(std::move(canon));
  }
  if (out.size() > kMaxFlagsPerMessage) return make_error(Errc::limit, "too many flags");
  return out;
}

std::string join_flags(const std::vector<std::string>& flags) {
  std::string s;
  for (const auto& f : flags) {
    if (!s.empty()) s += ' ';
    s += f;
  }
  return s;
}

std::vector<std::string> split_flags(std::string_view stored) {
  std::vector<std::string> out;
  for (auto part : split(stored, ' '))
    if (!part.empty()) out.emplace_back(part);
  return out;
}

Result<std::string> normalize_address(std::string_view address) {
  std::string a = to_lower(trim(address));
  auto at = a.find('@');
  if (at == std::string::npos || at == 0 || at + 1 == a.size() ||
      a.find('@', at + 1) != std::string::npos)
    return make_error(Errc::invalid, "bad address: " + std::string(address));
  if (a.size() > limits::kMaxAddressLength || at > limits::kMaxLocalPartLength)
    return make_error(Errc::invalid, "address too long");
  for (char c : a)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f)
      return make_error(Errc::invalid, "bad character in address");
  return a;
}

Result<std::string> normalize_alias_source(std::string_view address) {
  std::string a = to_lower(trim(address));
  // "@domain" is the domain's catch-all.
  if (!a.empty() && a.front() == '@') {
    auto probe = normalize_address("x" + a);
    if (!probe) return make_error(Errc::invalid, "bad catch-all: " + std::string(address));
    return a;
  }
  return normalize_address(a);
}

Result<std::string> normalize_alias_targets(std::string_view targets) {
  // A comma-separated list of addresses (one alias may fan out).
  std::string out;
  size_t count = 0;
  for (auto part : split(targets, ',')) {
    auto t = normalize_address(part);
    if (!t) return t.take_error();
    if (++count > kMaxAliasTargets) return make_error(Errc::limit, "too many alias targets");
    if (!out.empty()) out.push_back(',');
    out += *t;
  }
  return out;
}

std::string domain_of(std::string_view address) {
  auto at = address.rfind('@');
  return at == std::string_view::npos ? std::string() : std::string(address.substr(at + 1));
}

Account account_from_row(const Query& q) {
  Account a;
  a.id = q.i64(0);
  a.address = q.text(1);
  a.password_hash = q.text(2);
  a.scram_salt = q.text(3);
  a.scram_iterations = static_cast<uint32_t>(q.i64(4));
  a.scram_stored_key = q.text(5);
  a.scram_server_key = q.text(6);
  a.quota_bytes = q.u64(7);
  a.used_bytes = q.u64(8);
  return a;
}

Mailbox mailbox_from_row(const Query& q) {
  Mailbox m;
  m.id = q.i64(0);
  m.account_id = q.i64(1);
  m.name = q.text(2);
  m.uidvalidity = static_cast<uint32_t>(q.i64(3));
  m.uidnext = static_cast<Uid>(q.i64(4));
  m.highestmodseq = q.u64(5);
  m.special_use = q.text(6);
  m.subscribed = q.i64(7) > 0;
  m.message_count = q.u64(8);
  m.unseen_count = q.u64(9);
  m.size_bytes = q.u64(10);
  return m;
}

FlagState flag_state_from_row(const Query& q) {
  FlagState f;
  f.uid = static_cast<Uid>(q.i64(0));
  f.modseq = q.u64(1);
  f.flags = split_flags(q.text(2));
  return f;
}

}  // namespace postino::store::sqlite
