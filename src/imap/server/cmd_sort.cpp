// SORT and THREAD (RFC 5256): SORT keys ARRIVAL, CC, DATE, FROM, SIZE,
// SUBJECT, TO (with REVERSE); THREAD=ORDEREDSUBJECT and THREAD=REFERENCES
// (parent links from References / In-Reply-To, §2.2 steps 1-4 and 6; the
// subject merge of step 5 is not done). Base subjects follow §2.1 loosely.
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
  std::vector<std::string> refs;  // References, then In-Reply-To, oldest first
};

// RFC 5256 §2.1 base subject (simplified): no "Re:", "Fwd:", "[tag]" prefixes
// or "(fwd)" trailers, whitespace collapsed, case folded.
std::string base_subject(std::string s) {
  s = to_lower(mime::decode_header_value(s));
  for (auto& c : s)
    if (c == '\t') c = ' ';
  bool changed = true;
  while (changed) {
    changed = false;
    std::string_view v = trim(s);
    if (v.size() >= 5 && v.substr(v.size() - 5) == "(fwd)") {
      v.remove_suffix(5);
      changed = true;
    }
    for (std::string_view p : {"re:", "fw:", "fwd:"}) {
      if (v.substr(0, p.size()) == p) {
        v.remove_prefix(p.size());
        changed = true;
      }
    }
    if (!v.empty() && v.front() == '[') {
      auto close = v.find(']');
      if (close != std::string_view::npos && !trim(v.substr(close + 1)).empty()) {
        v.remove_prefix(close + 1);
        changed = true;
      }
    }
    s = std::string(trim(v));
  }
  return s;
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
    auto metas = co_await store.fetch(view.id, to_uid_set(batch));
    if (!metas) co_return metas.take_error();
    for (const auto& m : *metas) {
      Item it;
      it.uid = m.uid;
      it.seq = view.seq_of(m.uid).value_or(0);
      it.arrival = m.internal_date;
      it.size = m.size;
      auto blob = co_await store.read_blob(m.blob_id, 0, limits::kMaxHeaderBytes);
      if (!blob) co_return blob.take_error();
      auto msg = mime::parse_message(*blob);
      const auto& root = msg.root;
      it.subject = base_subject(std::string(root.header("Subject").value_or("")));
      it.from = first_mailbox(root.header("From"));
      it.to = first_mailbox(root.header("To"));
      it.cc = first_mailbox(root.header("Cc"));
      auto date = root.header("Date");
      auto hd = date ? parse_header_date(*date) : std::nullopt;
      it.sent = hd ? hd->unix : m.internal_date;  // RFC 5256 §3: fall back to arrival
      auto mid = msg_ids(root.header("Message-ID").value_or(""));
      if (!mid.empty()) it.message_id = mid.front();
      it.refs = msg_ids(root.header("References").value_or(""));
      if (it.refs.empty()) {
        auto irt = msg_ids(root.header("In-Reply-To").value_or(""));
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
