// SORT and THREAD (RFC 5256): SORT keys ARRIVAL, CC, DATE, FROM, SIZE,
// SUBJECT, TO (with REVERSE); THREAD=ORDEREDSUBJECT and THREAD=REFERENCES
// (§2.2: parent links from References / In-Reply-To, dummies pruned, threads
// with one base subject merged, siblings by date). Base subjects per §2.1
// (case folded for ASCII only). Header fields come from the header section
// cached with each message.
#include <algorithm>
#include <functional>
#include <map>
#include <tuple>

#include "base/limits.hpp"
#include "base/strings.hpp"
#include "imap/server/date_header.hpp"
#include "imap/server/session.hpp"
#include "mime/address.hpp"
#include "mime/encoding.hpp"
#include "mime/header.hpp"
#include "mime/message.hpp"

namespace postino::imap::server {

namespace {

constexpr size_t kSortBatch = 512;

struct Item {
  store::Uid uid = 0;
  uint32_t seq = 0;
  int64_t arrival = 0;
  int64_t sent = 0;
  uint64_t size = 0;
  std::string subject, from, to, cc, message_id;
  bool reply = false;             // §2.2: the base subject rules removed a reply / forward marker
  std::vector<std::string> refs;  // References, then In-Reply-To, oldest first
};

bool wsp(char c) { return c == ' ' || c == '\t'; }

// subj-blob = "[" *BLOBCHAR "]" *WSP; returns its length at the start of v, or 0.
size_t blob_len(std::string_view v) {
  if (v.empty() || v[0] != '[') return 0;
  size_t i = 1;
  while (i < v.size() && v[i] != '[' && v[i] != ']') ++i;
  if (i >= v.size() || v[i] != ']') return 0;
  ++i;
  while (i < v.size() && wsp(v[i])) ++i;
  return i;
}

// subj-leader = (*subj-blob subj-refwd) / WSP, with
// subj-refwd = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":"; length or 0.
size_t leader_len(std::string_view v, bool& refwd) {
  if (!v.empty() && wsp(v[0])) return 1;
  size_t i = 0;
  while (size_t b = blob_len(v.substr(i))) i += b;
  std::string_view rest = v.substr(i);
  size_t k = 0;
  if (rest.starts_with("RE")) {
    k = 2;
  } else if (rest.starts_with("FWD")) {
    k = 3;
  } else if (rest.starts_with("FW")) {
    k = 2;
  } else {
    return 0;
  }
  while (k < rest.size() && wsp(rest[k])) ++k;
  k += blob_len(rest.substr(k));
  if (k >= rest.size() || rest[k] != ':') return 0;
  refwd = true;
  return i + k + 1;
}

struct BaseSubject {
  std::string text;
  bool reply = false;
};

// RFC 5256 §2.1 steps 1-7.
BaseSubject base_subject(std::string_view raw) {
  BaseSubject out;
  // (1) decoded, tabs and folds to spaces, runs of spaces to one; case folded
  // to upper case, as i;unicode-casemap (RFC 5051) titlecases (ASCII only here).
  std::string decoded = to_upper(mime::decode_header_value(mime::unfold(raw)));
  std::string s;
  for (char c : decoded) {
    if (c == '\t' || c == '\r' || c == '\n') c = ' ';
    if (c == ' ' && !s.empty() && s.back() == ' ') continue;
    s.push_back(c);
  }
  std::string_view v = s;
  for (;;) {
    // (2) subj-trailer: "(fwd)" / WSP, repeatedly.
    for (bool more = true; more;) {
      more = false;
      if (!v.empty() && wsp(v.back())) {
        v.remove_suffix(1);
        more = true;
      } else if (v.ends_with("(FWD)")) {
        v.remove_suffix(5);
        out.reply = more = true;
      }
    }
    // (3)-(5) leaders and blobs until none is left.
    for (bool more = true; more;) {
      more = false;
      while (size_t n = leader_len(v, out.reply)) {
        v.remove_prefix(n);
        more = true;
      }
      if (size_t b = blob_len(v)) {
        std::string_view rest = v.substr(b);
        bool base_left = std::any_of(rest.begin(), rest.end(), [](char c) { return !wsp(c); });
        if (base_left) {
          v = rest;
          more = true;
        }
      }
    }
    // (6) "[fwd:" ... "]" around the rest: unwrap and start again.
    if (v.starts_with("[FWD:") && v.ends_with("]") && v.size() >= 6) {
      v = v.substr(5, v.size() - 6);
      out.reply = true;
      continue;
    }
    break;
  }
  out.text = std::string(v);
  return out;
}

std::string first_mailbox(std::optional<std::string_view> v) {
  if (!v) return {};
  for (const auto& a : mime::parse_address_list(mime::unfold(*v)))
    if (a.kind == mime::Address::Kind::mailbox) return to_lower(a.local);
  return {};
}

std::vector<std::string> msg_ids(std::string_view v) {
  std::vector<std::string> out;
  size_t i = 0;
  while ((i = v.find('<', i)) != std::string_view::npos) {
    auto j = v.find('>', i);
    if (j == std::string_view::npos) break;
    out.emplace_back(v.substr(i, j - i + 1));
    i = j + 1;
  }
  return out;
}

int compare(const Item& a, const Item& b, SortKey::Kind k) {
  auto cmp = [](const auto& x, const auto& y) { return x < y ? -1 : (y < x ? 1 : 0); };
  switch (k) {
    case SortKey::Kind::arrival:
      return cmp(a.arrival, b.arrival);
    case SortKey::Kind::date:
      return cmp(a.sent, b.sent);
    case SortKey::Kind::size:
      return cmp(a.size, b.size);
    case SortKey::Kind::subject:
      return cmp(a.subject, b.subject);
    case SortKey::Kind::from:
      return cmp(a.from, b.from);
    case SortKey::Kind::to:
      return cmp(a.to, b.to);
    case SortKey::Kind::cc:
      return cmp(a.cc, b.cc);
  }
  return 0;
}

struct Node {
  int item = -1;  // index into items, -1 for a dummy
  int parent = -1;
  std::vector<int> children;
};

}  // namespace

// Loads what SORT / THREAD compare for the given UIDs.
static awaitable<Result<std::vector<Item>>> load_items(store::AsyncStore& store,
                                                       const MailboxView& view,
                                                       const std::vector<store::Uid>& uids) {
  std::vector<Item> items;
  for (size_t start = 0; start < uids.size(); start += kSortBatch) {
    std::vector<store::Uid> batch(uids.begin() + start,
                                  uids.begin() + std::min(uids.size(), start + kSortBatch));
    auto want = store::MetaParts::header_only();
    auto metas = co_await store.fetch(view.id, to_uid_set(batch), want);
    if (!metas) co_return metas.take_error();
    for (const auto& m : *metas) {
      Item it;
      it.uid = m.uid;
      it.seq = view.seq_of(m.uid).value_or(0);
      it.arrival = m.internal_date;
      it.size = m.size;
      std::string blob;
      std::string_view header = m.header_summary;
      if (header.empty()) {  // too large for the cache: from the message file
        auto b = co_await store.read_blob_fast(m.blob_id, 0, limits::kMaxHeaderBytes);
        if (!b) co_return b.take_error();
        blob = std::move(*b);
        header = blob;
      }
      auto fields = mime::parse_header_section(header, 0, header.size()).fields;
      auto field = [&](std::string_view name) { return mime::find_header(fields, name); };
      auto base = base_subject(field("Subject").value_or(""));
      it.subject = std::move(base.text);
      it.reply = base.reply;
      it.from = first_mailbox(field("From"));
      it.to = first_mailbox(field("To"));
      it.cc = first_mailbox(field("Cc"));
      auto date = field("Date");
      auto hd = date ? parse_header_date(*date) : std::nullopt;
      it.sent = hd ? hd->unix : m.internal_date;  // RFC 5256 §3: fall back to arrival
      auto mid = msg_ids(field("Message-ID").value_or(""));
      if (!mid.empty()) it.message_id = mid.front();
      it.refs = msg_ids(field("References").value_or(""));
      if (it.refs.empty()) {
        auto irt = msg_ids(field("In-Reply-To").value_or(""));
        if (!irt.empty()) it.refs.push_back(irt.front());
      }
      items.push_back(std::move(it));
    }
  }
  co_return items;
}

awaitable<Reply> Session::on(const std::string&, SortCmd& c) {
  if (!iequals(c.charset, "UTF-8") && !iequals(c.charset, "US-ASCII"))
    co_return Reply::no("unsupported charset", badcharset_code());
  auto found = co_await run_search(c.key);
  if (!found) co_return store_error(found.error(), "SORT");
  auto items = co_await load_items(store_, *view_, *found);
  if (!items) co_return store_error(items.error(), "SORT");
  std::stable_sort(items->begin(), items->end(), [&](const Item& a, const Item& b) {
    for (const auto& k : c.keys) {
      int r = compare(a, b, k.kind);
      if (r != 0) return k.reverse ? r > 0 : r < 0;
    }
    return a.seq < b.seq;  // RFC 5256 §3: ties by sequence number
  });
  std::string line = "SORT";
  for (const auto& it : *items) line += " " + std::to_string(c.uid ? it.uid : it.seq);
  send(write::untagged(line));
  co_return Reply::ok(c.uid ? "UID SORT completed" : "SORT completed");
}

namespace {

std::string format_thread(const std::vector<Node>& nodes, const std::vector<Item>& items, int n,
                          bool uid) {
  std::string s;
  auto num = [&](int i) {
    const auto& it = items[static_cast<size_t>(nodes[i].item)];
    return std::to_string(uid ? it.uid : it.seq);
  };
  int cur = n;
  if (nodes[cur].item >= 0) s += num(cur);
  while (nodes[cur].children.size() == 1 && nodes[cur].item >= 0) {
    cur = nodes[cur].children[0];
    if (nodes[cur].item < 0) break;
    s += " " + num(cur);
  }
  if (nodes[cur].children.size() > 1 || nodes[cur].item < 0) {
    if (!s.empty()) s += ' ';
    for (int ch : nodes[cur].children) s += "(" + format_thread(nodes, items, ch, uid) + ")";
  }
  return s;
}

}  // namespace

namespace {

// RFC 5256 §2.2 steps 4 and 5: roots (and a dummy's children) ordered by
// date, then threads whose base subjects match merged.
void merge_by_subject(std::vector<Node>& nodes, const std::vector<Item>& its,
                      std::vector<int>& roots, const std::function<bool(int, int)>& by_date) {
  std::function<int(int)> first_item = [&](int n) {
    return nodes[n].item >= 0 || nodes[n].children.empty() ? n
                                                           : first_item(nodes[n].children.front());
  };
  for (int r : roots)
    if (nodes[r].item < 0)
      std::sort(nodes[r].children.begin(), nodes[r].children.end(),
                [&](int a, int b) { return by_date(first_item(a), first_item(b)); });
  std::stable_sort(roots.begin(), roots.end(),
                   [&](int a, int b) { return by_date(first_item(a), first_item(b)); });
  auto subject_of = [&](int n) -> const Item* {  // 5.B.i: the message or its first child
    int m = first_item(n);
    return nodes[m].item >= 0 ? &its[static_cast<size_t>(nodes[m].item)] : nullptr;
  };
  auto dummy = [&](int n) { return nodes[n].item < 0; };
  auto reply = [&](int n) { return !dummy(n) && its[static_cast<size_t>(nodes[n].item)].reply; };
  // 5.B: one thread per base subject.
  std::map<std::string, int> table;
  for (int r : roots) {
    const Item* it = subject_of(r);
    if (!it || it->subject.empty()) continue;
    auto [pos, fresh] = table.emplace(it->subject, r);
    if (!fresh && !dummy(pos->second) && (dummy(r) || (reply(pos->second) && !reply(r))))
      pos->second = r;
  }
  // 5.C: merge the others into it.
  std::vector<int> out;
  std::vector<bool> gone(nodes.size(), false);
  auto adopt = [&](int parent, int child) {
    nodes[child].parent = parent;
    nodes[parent].children.push_back(child);
  };
  for (int r : roots) {
    const Item* it = subject_of(r);
    if (!it || it->subject.empty()) continue;
    int& t = table[it->subject];
    if (t == r) continue;
    if (dummy(t) && dummy(r)) {
      for (int ch : nodes[r].children) adopt(t, ch);
      nodes[r].children.clear();
      gone[static_cast<size_t>(r)] = true;
    } else if (dummy(t) || (reply(r) && !reply(t))) {
      adopt(t, r);
      gone[static_cast<size_t>(r)] = true;
    } else {
      nodes.push_back(Node{});
      int d = static_cast<int>(nodes.size()) - 1;
      gone.push_back(false);
      adopt(d, t);
      adopt(d, r);
      gone[static_cast<size_t>(r)] = true;
      for (int& x : roots)
        if (x == t) x = d;
      t = d;
    }
  }
  for (int r : roots)
    if (!gone[static_cast<size_t>(r)]) out.push_back(r);
  roots = std::move(out);
}

}  // namespace

awaitable<Reply> Session::on(const std::string&, ThreadCmd& c) {
  if (c.algorithm != "ORDEREDSUBJECT" && c.algorithm != "REFERENCES")
    co_return Reply::bad("unknown threading algorithm");
  if (!iequals(c.charset, "UTF-8") && !iequals(c.charset, "US-ASCII"))
    co_return Reply::no("unsupported charset", badcharset_code());
  auto found = co_await run_search(c.key);
  if (!found) co_return store_error(found.error(), "THREAD");
  auto items = co_await load_items(store_, *view_, *found);
  if (!items) co_return store_error(items.error(), "THREAD");
  auto& its = *items;
  std::vector<Node> nodes;
  auto by_date = [&](int a, int b) {
    const auto& x = its[static_cast<size_t>(nodes[a].item)];
    const auto& y = its[static_cast<size_t>(nodes[b].item)];
    return std::tie(x.sent, x.seq) < std::tie(y.sent, y.seq);
  };
  std::vector<int> roots;
  if (c.algorithm == "ORDEREDSUBJECT") {
    // RFC 5256 §2.1: group by base subject, each group ordered by date; the
    // first message is the parent of the others.
    std::map<std::string, std::vector<int>> groups;
    for (size_t i = 0; i < its.size(); ++i) {
      nodes.push_back(Node{static_cast<int>(i), -1, {}});
      groups[its[i].subject].push_back(static_cast<int>(i));
    }
    for (auto& [subj, g] : groups) {
      std::sort(g.begin(), g.end(), by_date);
      for (size_t i = 1; i < g.size(); ++i) nodes[g[0]].children.push_back(g[i]);
      roots.push_back(g[0]);
    }
  } else {
    // RFC 5256 §2.2 steps 1-3: containers by Message-ID, linked by references.
    std::map<std::string, int> by_id;
    auto container = [&](const std::string& id) {
      auto it = by_id.find(id);
      if (it != by_id.end()) return it->second;
      nodes.push_back(Node{});
      by_id[id] = static_cast<int>(nodes.size()) - 1;
      return static_cast<int>(nodes.size()) - 1;
    };
    auto is_ancestor = [&](int a, int b) {  // a above b?
      for (int p = b; p >= 0; p = nodes[p].parent)
        if (p == a) return true;
      return false;
    };
    auto link = [&](int parent, int child) {
      if (nodes[child].parent >= 0 || is_ancestor(child, parent)) return;
      nodes[child].parent = parent;
      nodes[parent].children.push_back(child);
    };
    for (size_t i = 0; i < its.size(); ++i) {
      bool taken = !its[i].message_id.empty() && by_id.count(its[i].message_id) &&
                   nodes[by_id[its[i].message_id]].item >= 0;
      std::string id = its[i].message_id.empty() || taken
                           ? "<postino-unique-" + std::to_string(i) + ">"
                           : its[i].message_id;
      int self = container(id);
      nodes[self].item = static_cast<int>(i);
      int prev = -1;
      for (const auto& r : its[i].refs) {
        int cur = container(r);
        if (prev >= 0) link(prev, cur);
        prev = cur;
      }
      if (prev >= 0 && prev != self) {
        if (nodes[self].parent >= 0) {
          auto& sib = nodes[nodes[self].parent].children;
          sib.erase(std::remove(sib.begin(), sib.end(), self), sib.end());
          nodes[self].parent = -1;
        }
        link(prev, self);
      }
    }
    // Step 4: prune dummies without messages; promote their children.
    std::function<std::vector<int>(int)> collapse = [&](int n) -> std::vector<int> {
      std::vector<int> kids;
      for (int ch : nodes[n].children) {
        auto sub = collapse(ch);
        kids.insert(kids.end(), sub.begin(), sub.end());
      }
      nodes[n].children = kids;
      if (nodes[n].item >= 0) return {n};
      if (kids.size() == 1 || nodes[n].parent >= 0) return kids;
      return kids.empty() ? std::vector<int>{} : std::vector<int>{n};
    };
    for (size_t n = 0; n < nodes.size(); ++n) {
      if (nodes[n].parent >= 0) continue;
      auto top = collapse(static_cast<int>(n));
      roots.insert(roots.end(), top.begin(), top.end());
    }
    merge_by_subject(nodes, its, roots, by_date);
  }
  // Siblings and threads by date of their first message (§2.2 step 6).
  std::function<int(int)> first_item = [&](int n) {
    return nodes[n].item >= 0 ? n : first_item(nodes[n].children.front());
  };
  auto order = [&](int a, int b) { return by_date(first_item(a), first_item(b)); };
  for (auto& n : nodes) std::sort(n.children.begin(), n.children.end(), order);
  std::sort(roots.begin(), roots.end(), order);
  std::string line = "THREAD";
  if (!roots.empty()) line += ' ';
  for (int r : roots) line += "(" + format_thread(nodes, its, r, c.uid) + ")";
  send(write::untagged(line));
  co_return Reply::ok(c.uid ? "UID THREAD completed" : "THREAD completed");
}

}  // namespace postino::imap::server
