// LIST (RFC 9051 §6.3.9, LIST-EXTENDED RFC 5258, SPECIAL-USE RFC 6154 §5,
// LIST-STATUS RFC 5819, CHILDREN RFC 3348) and LSUB (RFC 3501 §6.3.9).
// Names are matched in the client's encoding (mUTF-7 unless UTF8=ACCEPT).
#include <algorithm>
#include <map>
#include <set>

#include "base/strings.hpp"
#include "imap/server/session.hpp"

namespace postino::imap::server {

namespace {

constexpr size_t kMaxPatternSteps = 1u << 20;  // bounds backtracking on hostile patterns

// RFC 9051 §6.3.9: "*" matches anything, "%" anything but the separator.
bool match(std::string_view pat, std::string_view name, size_t& steps) {
  if (++steps > kMaxPatternSteps) return false;
  if (pat.empty()) return name.empty();
  char p = pat.front();
  if (p == '*' || p == '%') {
    for (size_t i = 0; i <= name.size(); ++i) {
      if (match(pat.substr(1), name.substr(i), steps)) return true;
      if (i < name.size() && p == '%' && name[i] == store::kHierarchySeparator) return false;
    }
    return false;
  }
  if (name.empty() || name.front() != p) return false;
  return match(pat.substr(1), name.substr(1), steps);
}

// INBOX is case-insensitive, including as the first level of a longer name.
std::string fold_inbox(std::string s) {
  if (s.size() >= 5 && iequals(std::string_view(s).substr(0, 5), "INBOX") &&
      (s.size() == 5 || s[5] == store::kHierarchySeparator))
    for (size_t i = 0; i < 5; ++i) s[i] = ascii_upper(s[i]);
  return s;
}

bool matches_any(const std::vector<std::string>& patterns, const std::string& name) {
  for (const auto& p : patterns) {
    size_t steps = 0;
    if (match(p, name, steps)) return true;
  }
  return false;
}

struct Entry {
  bool exists = false;
  bool subscribed = false;
  bool children = false;
  bool subscribed_child = false;
  std::string special;
};

}  // namespace

awaitable<Reply> Session::on(const std::string&, ListCmd& c) {
  const char* verb = c.lsub ? "LSUB" : "LIST";
  if (!c.lsub && c.patterns.size() == 1 && c.patterns[0].empty() && !c.extended) {
    // RFC 9051 §6.3.9: the hierarchy delimiter and root.
    send(write::untagged("LIST (\\Noselect) \"/\" \"\""));
    co_return Reply::ok("LIST completed");
  }
  auto boxes = co_await store_.list_mailboxes(account_id_);
  if (!boxes) co_return store_error(boxes.error(), verb);
  auto subs = co_await store_.list_subscriptions(account_id_);
  if (!subs) co_return store_error(subs.error(), verb);

  // Keyed by the client-visible (encoded) name.
  std::map<std::string, Entry> entries;
  std::map<std::string, std::string> utf8_of;
  for (const auto& m : *boxes) {
    auto wire = encode_name(m.name);
    utf8_of[wire] = m.name;
    auto& e = entries[wire];
    e.exists = true;
    e.special = m.special_use;
  }
  for (const auto& s : *subs) {
    auto wire = encode_name(s);
    utf8_of.emplace(wire, s);
    entries[wire].subscribed = true;
  }
  // Parents: every level above an entry gets \HasChildren; missing ones appear.
  std::vector<std::string> names;
  for (auto& [n, e] : entries) names.push_back(n);
  for (const auto& n : names) {
    const Entry child = entries[n];
    for (size_t i = 0; i < n.size(); ++i) {
      if (n[i] != store::kHierarchySeparator) continue;
      auto& parent = entries[n.substr(0, i)];
      if (child.exists) parent.children = true;
      if (child.subscribed) parent.subscribed_child = true;
      utf8_of.emplace(n.substr(0, i), n.substr(0, i));
    }
  }

  std::vector<std::string> patterns;
  for (const auto& p : c.patterns) {
    std::string full = c.reference + p;
    if (!c.reference.empty() && c.reference.back() != store::kHierarchySeparator && !p.empty() &&
        p.front() == store::kHierarchySeparator)
      full = c.reference + p;
    patterns.push_back(fold_inbox(full));
  }

  bool subscribed_sel = c.sel_subscribed || c.lsub;
  bool want_subscribed_attr = c.ret_subscribed || c.sel_subscribed;
  for (auto& [name, e] : entries) {
    if (!matches_any(patterns, name)) {
      continue;
    }
    std::vector<std::string> attrs;
    bool selectable = e.exists;
    if (subscribed_sel) {
      bool child_info = c.sel_recursive_match && e.subscribed_child;
      if (!e.subscribed && !child_info) continue;
      if (!e.exists) attrs.push_back(c.lsub ? "\\Noselect" : "\\NonExistent");
      if (c.lsub) {
        send(write::untagged(std::string("LSUB (") + (e.exists ? "" : "\\Noselect") + ") \"/\" " +
                             write::astring(name, utf8_)));
        continue;
      }
      if (!e.subscribed) {
        // RFC 5258 §3.5: only a subscribed child made this match.
        std::string line = "LIST (";
        line += e.exists ? "" : "\\NonExistent";
        line += ") \"/\" " + write::astring(name, utf8_) + " (\"CHILDINFO\" (\"SUBSCRIBED\"))";
        send(write::untagged(line));
        continue;
      }
    } else if (!e.exists) {
      if (!e.children) continue;  // a subscription to a missing mailbox: not listed
      // RFC 9051 §6.3.9: a level that exists only as a parent.
      attrs.push_back(rev2_ || c.extended ? "\\NonExistent" : "\\Noselect");
    }
    if (c.sel_special_use && e.special.empty()) continue;
    if (e.exists || e.children) attrs.push_back(e.children ? "\\HasChildren" : "\\HasNoChildren");
    if (want_subscribed_attr && e.subscribed) attrs.push_back("\\Subscribed");
    if (!e.special.empty()) attrs.push_back(e.special);
    std::string line = "LIST (";
    for (size_t i = 0; i < attrs.size(); ++i) line += (i ? " " : "") + attrs[i];
    line += ") \"/\" " + write::astring(name, utf8_);
    if (c.sel_recursive_match && c.sel_subscribed && e.subscribed_child)
      line += " (\"CHILDINFO\" (\"SUBSCRIBED\"))";
    send(write::untagged(line));
    if (c.ret_status && selectable) {  // RFC 5819 §2
      auto st = co_await status_line(utf8_of[name], *c.ret_status);
      if (st) send(write::untagged(*st));
    }
  }
  co_return Reply::ok(std::string(verb) + " completed");
}

}  // namespace postino::imap::server
