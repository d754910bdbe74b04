// FETCH and UID FETCH (RFC 9051 §6.4.5, §7.5.2; CONDSTORE CHANGEDSINCE and
// MODSEQ, RFC 7162 §3.1.4-5; QRESYNC VANISHED, §3.2.6; BINARY, RFC 3516).
// Cached ENVELOPE / BODY / BODYSTRUCTURE strings from the store are sent
// verbatim; the message bytes are read only when a section is asked for.
// Messages are processed in batches so a FETCH 1:* never holds a whole
// mailbox of metadata at once.
#include <algorithm>

#include "base/strings.hpp"
#include "imap/proto/datetime.hpp"
#include "imap/server/fetch_render.hpp"
#include "imap/server/session.hpp"
#include "mime/imap_format.hpp"
#include "mime/message.hpp"

namespace postino::imap::server {

namespace {

constexpr size_t kFetchBatch = 256;         // messages per store round trip
constexpr size_t kFlushAbove = 256u << 10;  // flush the output buffer past this

bool needs_blob(const FetchAtt& a) {
  switch (a.kind) {
    case FetchAtt::Kind::body_section:
    case FetchAtt::Kind::binary:
    case FetchAtt::Kind::binary_size:
    case FetchAtt::Kind::rfc822:
    case FetchAtt::Kind::rfc822_header:
    case FetchAtt::Kind::rfc822_text:
      return true;
    default:
      return false;
  }
}

// Whether the attribute needs only the message's top-level header section
// (BODY[HEADER], BODY[HEADER.FIELDS (...)], RFC822.HEADER and the like),
// which the message row caches.
bool header_only(const FetchAtt& a) {
  using T = Section::Text;
  if (a.kind == FetchAtt::Kind::rfc822_header) return true;
  if (a.kind != FetchAtt::Kind::body_section || !a.section.part.empty()) return false;
  return a.section.text == T::header || a.section.text == T::header_fields ||
         a.section.text == T::header_fields_not;
}

// RFC 9051 §6.4.5: these set \Seen unless .PEEK.
bool sets_seen(const FetchAtt& a) {
  switch (a.kind) {
    case FetchAtt::Kind::body_section:
    case FetchAtt::Kind::binary:
      return !a.peek;
    case FetchAtt::Kind::rfc822:
    case FetchAtt::Kind::rfc822_text:
      return true;
    default:
      return false;
  }
}

bool has_flag(const std::vector<std::string>& flags, std::string_view f) {
  return std::any_of(flags.begin(), flags.end(),
                     [&](const std::string& x) { return iequals(x, f); });
}

}  // namespace

awaitable<Reply> Session::on(const std::string&, FetchCmd& c) {
  bool want_modseq = c.changedsince.has_value();
  bool want_blob = false, want_seen = false, want_flags = false, headers_only = true;
  auto parts = store::MetaParts::none();  // the cached texts this FETCH reads
  for (const auto& a : c.atts) {
    if (a.kind == FetchAtt::Kind::modseq) want_modseq = true;
    if (a.kind == FetchAtt::Kind::flags) want_flags = true;
    want_blob |= needs_blob(a);
    if (needs_blob(a) && !header_only(a)) headers_only = false;
    if (a.kind == FetchAtt::Kind::envelope || a.kind == FetchAtt::Kind::body ||
        a.kind == FetchAtt::Kind::bodystructure)
      parts.structure = true;
    want_seen |= sets_seen(a);
  }
  if (c.vanished && (!c.uid || !qresync_ || !c.changedsince))  // RFC 7162 §3.2.6
    co_return Reply::bad("VANISHED needs UID FETCH, QRESYNC and CHANGEDSINCE");
  parts.header = want_blob && headers_only;
  if (want_modseq) condstore_ = true;  // RFC 7162 §3.1: implicit enable
  if (view_->read_only) want_seen = false;

  auto uids = co_await resolve(c.set, c.uid);
  if (!uids) co_return Reply::bad(uids.error().message);

  if (c.vanished) {
    auto ch = co_await store_.changes_since(view_->id, *c.changedsince);
    if (ch) {
      std::vector<store::Uid> gone;
      for (auto u : ch->vanished)
        if (c.set.contains(u, std::max<uint32_t>(view_->max_uid(), 1))) gone.push_back(u);
      if (!gone.empty())
        send(write::untagged("VANISHED (EARLIER) " + write::sequence_set(std::move(gone))));
    }
  }

  bool missing = false;
  for (size_t start = 0; start < uids->size(); start += kFetchBatch) {
    std::vector<store::Uid> batch(uids->begin() + start,
                                  uids->begin() + std::min(uids->size(), start + kFetchBatch));
    auto metas = co_await store_.fetch(view_->id, to_uid_set(batch), parts);
    if (!metas) co_return store_error(metas.error(), "FETCH");
    if (metas->size() < batch.size()) missing = true;

    if (want_seen) {
      std::vector<store::Uid> unseen;
      for (const auto& m : *metas)
        if (!has_flag(m.flags, store::kFlagSeen)) unseen.push_back(m.uid);
      if (!unseen.empty()) {
        store::FlagUpdate seen_update;
        seen_update.mode = store::FlagMode::add;
        seen_update.flags.emplace_back(store::kFlagSeen);
        auto r = co_await store_.store_flags(view_->id, to_uid_set(unseen), seen_update);
        if (r) {
          for (const auto& u : r->updated) {
            note_reported(u.uid, u.modseq);
            for (auto& m : *metas)
              if (m.uid == u.uid) {
                m.flags = u.flags;
                m.modseq = u.modseq;
              }
          }
        }
      }
    }

    for (auto& m : *metas) {
      if (c.changedsince && m.modseq <= *c.changedsince) continue;
      auto seq = view_->seq_of(m.uid);
      if (!seq) continue;
      std::string blob;
      std::optional<mime::Message> parsed;
      if (want_blob && headers_only && !m.header_summary.empty()) {
        parsed.emplace(mime::parse_message(m.header_summary));
      } else if (want_blob) {
        auto b = co_await store_.read_blob_fast(m.blob_id);
        if (!b) co_return store_error(b.error(), "FETCH");
        blob = std::move(*b);
        parsed.emplace(mime::parse_message(blob));
      }
      std::string out = "* " + std::to_string(*seq) + " FETCH (";
      bool first = true;
      auto item = [&](std::string_view s) {
        if (!first) out += ' ';
        first = false;
        out.append(s);
      };
      bool sent_uid = false, sent_flags = false, sent_modseq = false;
      if (c.uid) {
        item("UID " + std::to_string(m.uid));
        sent_uid = true;
      }
      for (const auto& a : c.atts) {
        switch (a.kind) {
          case FetchAtt::Kind::uid:
            if (!sent_uid) item("UID " + std::to_string(m.uid));
            sent_uid = true;
            break;
          case FetchAtt::Kind::flags:
            if (!sent_flags) item("FLAGS " + write::flag_list(m.flags));
            sent_flags = true;
            break;
          case FetchAtt::Kind::internaldate:
            item("INTERNALDATE " + write::date_time(from_unix_seconds(m.internal_date)));
            break;
          case FetchAtt::Kind::rfc822_size:
            item("RFC822.SIZE " + std::to_string(m.size));
            break;
          case FetchAtt::Kind::envelope:
            item("ENVELOPE " +
                 (m.envelope.empty() && parsed ? mime::envelope(*parsed) : m.envelope));
            break;
          case FetchAtt::Kind::body:
            item("BODY " + m.body);
            break;
          case FetchAtt::Kind::bodystructure:
            item("BODYSTRUCTURE " + m.bodystructure);
            break;
          case FetchAtt::Kind::modseq:
            if (!sent_modseq) item("MODSEQ (" + std::to_string(m.modseq) + ")");
            sent_modseq = true;
            break;
          case FetchAtt::Kind::rfc822:
            item("RFC822 " + write::literal(blob));
            break;
          case FetchAtt::Kind::rfc822_header:
            item("RFC822.HEADER " + write::literal(mime::header_bytes(*parsed, parsed->root)));
            break;
          case FetchAtt::Kind::rfc822_text:
            item("RFC822.TEXT " + write::literal(mime::body_bytes(*parsed, parsed->root)));
            break;
          case FetchAtt::Kind::body_section: {
            auto bytes = section_bytes(*parsed, a.section);
            item(section_label(a) + " " +
                 write::literal(
                     apply_partial(bytes ? std::move(*bytes) : std::string(), a.partial)));
            break;
          }
          case FetchAtt::Kind::binary:
          case FetchAtt::Kind::binary_size: {
            auto bytes = binary_bytes(*parsed, a.section);
            if (!bytes && bytes.error().code == Errc::invalid)  // RFC 3516 §4.3
              co_return Reply::no("unknown transfer encoding", write::code::unknown_cte());
            std::string data = bytes ? std::move(*bytes) : std::string();
            if (a.kind == FetchAtt::Kind::binary_size) {
              item(section_label(a) + " " + std::to_string(data.size()));
            } else {
              data = apply_partial(std::move(data), a.partial);
              bool has_nul = data.find('\0') != std::string::npos;
              item(section_label(a) + " " +
                   (has_nul ? write::literal8(data) : write::literal(data)));
            }
            break;
          }
        }
      }
      // \Seen was just set: the client learns the new flags (RFC 9051 §6.4.5).
      bool seen_changed = want_seen && std::any_of(reported_.begin(), reported_.end(),
                                                   [&](auto& r) { return r.first == m.uid; });
      if (seen_changed && !sent_flags) {
        item("FLAGS " + write::flag_list(m.flags));
        sent_flags = true;
      }
      // RFC 7162 §3.1.4: with CONDSTORE on, FLAGS go with MODSEQ.
      if (condstore_ && (sent_flags || c.changedsince) && !sent_modseq)
        item("MODSEQ (" + std::to_string(m.modseq) + ")");
      out += ")\r\n";
      send(out);
      if (conn_.output_pending() > kFlushAbove && !co_await conn_.flush())
        co_return Reply::no("write failed");
    }
  }
  (void)want_flags;
  if (missing && !c.uid)
    co_return Reply::no("some messages were expunged", write::code::expungeissued());
  co_return Reply::ok(c.uid ? "UID FETCH completed" : "FETCH completed");
}

awaitable<Result<std::vector<store::Uid>>> Session::resolve(const SequenceSet& set, bool uid_mode) {
  if (set.saved) {  // RFC 5182 §2.1 "$": the saved UIDs still in the mailbox
    std::vector<store::Uid> out;
    for (auto u : saved_)
      if (view_->seq_of(u)) out.push_back(u);
    std::sort(out.begin(), out.end());
    co_return out;
  }
  co_return view_->resolve(set, uid_mode);
}

}  // namespace postino::imap::server
