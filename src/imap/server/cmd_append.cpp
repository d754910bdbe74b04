// APPEND (RFC 9051 §6.3.12) with MULTIAPPEND (RFC 3502), UIDPLUS APPENDUID
// (RFC 4315 §3), APPENDLIMIT / TOOBIG (RFC 7889, RFC 9051 §7.1) and literal8
// (RFC 3516 §4.4). The OK is sent only after the store committed
// (DESIGN.md "Durability"). An oversized literal never reaches this file: the
// Receiver refuses it before its bytes are read.
#include <memory>

#include "base/strings.hpp"
#include "delivery/prepare.hpp"
#include "imap/proto/datetime.hpp"
#include "imap/server/session.hpp"

namespace postino::imap::server {

awaitable<Reply> Session::on(const std::string&, AppendCmd& c) {
  auto name = decode_name(c.mailbox);
  if (!name) co_return Reply::no("bad mailbox name", write::code::cannot());
  for (const auto& m : c.messages) {
    if (m.data.size() > opts_.max_message_size)
      co_return Reply::no("message too big", write::code::toobig());
    if (m.data.empty()) co_return Reply::bad("empty message");
    if (!m.binary && m.data.find('\0') != std::string::npos)  // RFC 3516 §4.4
      co_return Reply::no("NUL in a non-binary literal", write::code::cannot());
  }
  // No look-up first: the store answers not_found for a missing mailbox,
  // which becomes [TRYCREATE] (RFC 9051 §6.3.12).
  std::vector<uint32_t> uids;
  uint32_t uidvalidity = 0;
  for (auto& m : c.messages) {
    auto raw = std::make_shared<const std::string>(std::move(m.data));
    store::AppendRequest req = delivery::prepare_append(raw);
    req.targets.push_back({account_id_, *name});
    for (auto& f : m.flags)
      if (!iequals(f, "\\Recent")) req.flags.push_back(f);
    req.internal_date = m.internal_date ? to_unix_seconds(*m.internal_date) : 0;
    auto r = co_await store_.append(std::move(req));
    if (!r) {
      if (r.error().code == Errc::not_found)
        co_return Reply::no("no such mailbox", write::code::trycreate());
      co_return store_error(r.error(), "APPEND");
    }
    uids.push_back(r->uid);
    uidvalidity = r->uidvalidity;
    // Into the selected mailbox: the next sync announces it without asking
    // the store (Session::only_own_changes).
    if (view_ && r->mailbox_id == view_->id) note_reported(r->uid, r->modseq);
  }
  co_return Reply::ok("APPEND completed",
                      write::code::appenduid(uidvalidity, SequenceSet::from_numbers(uids)));
}

}  // namespace postino::imap::server
