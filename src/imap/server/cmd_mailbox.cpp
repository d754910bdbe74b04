// CREATE, DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE and STATUS
// (RFC 9051 §6.3.4 - §6.3.8 and §6.3.11; RFC 6154 §3 CREATE ... USE;
// RFC 8438 STATUS=SIZE; RFC 7162 HIGHESTMODSEQ; RFC 7889 APPENDLIMIT).
#include <algorithm>

#include "base/strings.hpp"
#include "imap/server/session.hpp"

namespace postino::imap::server {

namespace {

constexpr size_t kMaxNameBytes = 1024;  // one mailbox name, UTF-8
constexpr size_t kMaxDepth = 64;        // hierarchy levels in one name

const char* const kSpecialUses[] = {store::kSpecialSent, store::kSpecialDrafts,
                                    store::kSpecialTrash, store::kSpecialJunk,
                                    store::kSpecialArchive};

// Checks a decoded name and drops one trailing separator (RFC 9051 §6.3.4).
Result<std::string> clean_name(std::string name) {
  if (!name.empty() && name.back() == store::kHierarchySeparator) name.pop_back();
  if (name.empty() || name.size() > kMaxNameBytes)
    return make_error(Errc::invalid, "bad mailbox name");
  if (name.front() == store::kHierarchySeparator || name.find("//") != std::string::npos)
    return make_error(Errc::invalid, "empty hierarchy level");
  size_t depth = 0;
  for (char ch : name) {
    if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f || ch == '*' || ch == '%')
      return make_error(Errc::invalid, "bad character in mailbox name");
    if (ch == store::kHierarchySeparator && ++depth > kMaxDepth)
      return make_error(Errc::invalid, "mailbox name too deep");
  }
  return name;
}

// "a/b/c" -> {"a", "a/b"}
std::vector<std::string> parents_of(const std::string& name) {
  std::vector<std::string> out;
  for (size_t i = 0; i < name.size(); ++i)
    if (name[i] == store::kHierarchySeparator) out.push_back(name.substr(0, i));
  return out;
}

}  // namespace

awaitable<Reply> Session::on(const std::string&, CreateCmd& c) {
  auto dec = decode_name(c.mailbox);
  if (!dec) co_return Reply::no("bad mailbox name", write::code::cannot());
  auto name = clean_name(*dec);
  if (!name) co_return Reply::no(name.error().message, write::code::cannot());
  if (iequals(*name, store::kInbox))
    co_return Reply::no("INBOX already exists", write::code::alreadyexists());
  std::string special;
  if (c.special_use.size() > 1)
    co_return Reply::no("one special use per mailbox", write::code::useattr());
  if (!c.special_use.empty()) {
    for (const char* s : kSpecialUses)
      if (iequals(c.special_use[0], s)) special = s;
    if (special.empty()) co_return Reply::no("unsupported special use", write::code::useattr());
  }
  auto existing = co_await store_.list_mailboxes(account_id_);
  if (!existing) co_return store_error(existing.error(), "CREATE");
  auto exists = [&](const std::string& n) {
    return std::any_of(existing->begin(), existing->end(),
                       [&](const store::Mailbox& m) { return m.name == n; });
  };
  if (exists(*name)) co_return Reply::no("mailbox exists", write::code::alreadyexists());
  // RFC 9051 §6.3.4: create the superior names the new one needs.
  for (const auto& p : parents_of(*name)) {
    if (exists(p)) continue;
    auto r = co_await store_.create_mailbox(account_id_, p);
    if (!r && r.error().code != Errc::exists) co_return store_error(r.error(), "CREATE");
  }
  auto r = co_await store_.create_mailbox(account_id_, *name, special);
  if (!r) co_return store_error(r.error(), "CREATE");
  co_return Reply::ok("CREATE completed");
}

awaitable<Reply> Session::on(const std::string&, DeleteCmd& c) {
  auto name = decode_name(c.mailbox);
  if (!name) co_return Reply::no("bad mailbox name", write::code::cannot());
  if (*name == store::kInbox)  // RFC 9051 §6.3.5
    co_return Reply::no("INBOX cannot be deleted", write::code::cannot());
  if (view_ && view_->name == *name)
    co_return Reply::no("mailbox is selected", write::code::inuse());
  auto st = co_await store_.delete_mailbox(account_id_, *name);
  if (!st) co_return store_error(st.error(), "DELETE");
  co_return Reply::ok("DELETE completed");
}

awaitable<Reply> Session::on(const std::string&, RenameCmd& c) {
  auto from = decode_name(c.from);
  auto to_dec = decode_name(c.to);
  if (!from || !to_dec) co_return Reply::no("bad mailbox name", write::code::cannot());
  auto to = clean_name(*to_dec);
  if (!to) co_return Reply::no(to.error().message, write::code::cannot());
  if (*to == store::kInbox) co_return Reply::no("cannot rename to INBOX", write::code::cannot());
  if (to->rfind(*from + "/", 0) == 0)
    co_return Reply::no("cannot move a mailbox into itself", write::code::cannot());
  auto all = co_await store_.list_mailboxes(account_id_);
  if (!all) co_return store_error(all.error(), "RENAME");
  bool found = false;
  std::vector<std::string> children;
  for (const auto& m : *all) {
    if (m.name == *from) found = true;
    if (m.name == *to) co_return Reply::no("target exists", write::code::alreadyexists());
    if (*from != store::kInbox && m.name.rfind(*from + "/", 0) == 0) children.push_back(m.name);
  }
  if (!found) co_return Reply::no("no such mailbox", write::code::nonexistent());
  for (const auto& p : parents_of(*to)) {
    bool have = std::any_of(all->begin(), all->end(), [&](auto& m) { return m.name == p; });
    if (have || p == *from) continue;
    auto r = co_await store_.create_mailbox(account_id_, p);
    if (!r && r.error().code != Errc::exists) co_return store_error(r.error(), "RENAME");
  }
  auto r = co_await store_.rename_mailbox(account_id_, *from, *to);
  if (!r) co_return store_error(r.error(), "RENAME");
  // RFC 9051 §6.3.6: inferior names move along.
  for (const auto& child : children) {
    std::string target = *to + child.substr(from->size());
    auto cr = co_await store_.rename_mailbox(account_id_, child, target);
    if (!cr) co_return store_error(cr.error(), "RENAME");
  }
  if (view_ && view_->name == *from) view_->name = *to;
  co_return Reply::ok("RENAME completed");
}

awaitable<Reply> Session::on(const std::string&, SubscribeCmd& c) {
  auto name = decode_name(c.mailbox);
  if (!name) co_return Reply::no("bad mailbox name", write::code::cannot());
  Status st;
  if (c.subscribe) {
    st = co_await store_.subscribe(account_id_, *name);
  } else {
    st = co_await store_.unsubscribe(account_id_, *name);
  }
  if (!st) co_return store_error(st.error(), c.subscribe ? "SUBSCRIBE" : "UNSUBSCRIBE");
  co_return Reply::ok(c.subscribe ? "SUBSCRIBE completed" : "UNSUBSCRIBE completed");
}

awaitable<Result<std::string>> Session::status_line(const std::string& name,
                                                    const std::vector<StatusItem>& items) {
  auto mb = co_await store_.get_mailbox(account_id_, name);
  if (!mb) co_return mb.take_error();
  uint64_t deleted = 0;
  if (std::find(items.begin(), items.end(), StatusItem::deleted) != items.end()) {
    auto flags = co_await store_.fetch_flags(mb->id, store::UidSet::all());
    if (!flags) co_return flags.take_error();
    for (const auto& f : *flags)
      if (std::any_of(f.flags.begin(), f.flags.end(),
                      [](auto& s) { return iequals(s, store::kFlagDeleted); }))
        ++deleted;
  }
  std::string out;
  for (auto item : items) {
    if (!out.empty()) out += ' ';
    out += status_item_name(item);
    out += ' ';
    switch (item) {
      case StatusItem::messages:
        out += std::to_string(mb->message_count);
        break;
      case StatusItem::uidnext:
        out += std::to_string(mb->uidnext);
        break;
      case StatusItem::uidvalidity:
        out += std::to_string(mb->uidvalidity);
        break;
      case StatusItem::unseen:
        out += std::to_string(mb->unseen_count);
        break;
      case StatusItem::deleted:
        out += std::to_string(deleted);
        break;
      case StatusItem::size:
        out += std::to_string(mb->size_bytes);
        break;
      case StatusItem::recent:
        out += "0";
        break;  // RFC 9051 drops \Recent
      case StatusItem::highestmodseq:
        out += std::to_string(mb->highestmodseq);
        break;
      case StatusItem::appendlimit:
        out += std::to_string(opts_.max_message_size);
        break;
    }
  }
  co_return "STATUS " + astring_name(mb->name) + " (" + out + ")";
}

awaitable<Reply> Session::on(const std::string&, StatusCmd& c) {
  auto name = decode_name(c.mailbox);
  if (!name) co_return Reply::no("bad mailbox name", write::code::cannot());
  for (auto item : c.items)
    if (item == StatusItem::highestmodseq) condstore_ = true;  // RFC 7162 §3.1
  auto line = co_await status_line(*name, c.items);
  if (!line) co_return store_error(line.error(), "STATUS");
  send(write::untagged(*line));
  co_return Reply::ok("STATUS completed");
}

}  // namespace postino::imap::server
