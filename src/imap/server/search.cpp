#include "imap/server/search.hpp"

#include <algorithm>

#include "base/strings.hpp"
#include "imap/proto/datetime.hpp"
#include "imap/server/date_header.hpp"
#include "mime/encoding.hpp"
#include "mime/header.hpp"

namespace postino::imap::server {

namespace {

using K = SearchKey::Kind;

bool has_flag(const store::MessageMeta& m, std::string_view f) {
  return std::any_of(m.flags.begin(), m.flags.end(),
                     [&](const std::string& x) { return iequals(x, f); });
}

// ASCII case-insensitive substring; an empty needle matches everything.
bool icontains(std::string_view hay, std::string_view needle) {
  if (needle.empty()) return true;
  if (needle.size() > hay.size()) return false;
  auto it = std::search(hay.begin(), hay.end(), needle.begin(), needle.end(),
                        [](char a, char b) { return ascii_lower(a) == ascii_lower(b); });
  return it != hay.end();
}

bool header_matches(const mime::HeaderList* fields, std::string_view name,
                    std::string_view needle) {
  if (!fields) return false;
  for (const auto& f : *fields) {
    if (!iequals(trim(f.name), name)) continue;
    if (needle.empty()) return true;  // RFC 9051 §6.4.4 HEADER with "" : field present
    // Unfold and decode (RFC 2047) only when the value needs it.
    bool folded = f.value.find('\n') != std::string_view::npos;
    std::string unfolded = folded ? f.unfolded() : std::string();
    std::string_view raw = folded ? std::string_view(unfolded) : f.value;
    if (icontains(raw, needle)) return true;
    if (raw.find("=?") != std::string_view::npos &&
        icontains(mime::decode_header_value(raw), needle))
      return true;
  }
  return false;
}

const mime::HeaderList* fields_of(const SearchSubject& s) {
  if (s.header) return s.header;
  return s.msg ? &s.msg->root.headers : nullptr;
}

bool text_part_matches(const mime::Message& msg, const mime::Part& p, std::string_view needle) {
  if (p.is_message())
    return text_part_matches(msg, *p.message, needle) ||
           icontains(mime::header_bytes(msg, *p.message), needle);
  if (p.is_multipart()) {
    for (const auto& c : p.children)
      if (text_part_matches(msg, c, needle)) return true;
    return false;
  }
  std::string body = mime::decode_transfer_encoding(mime::body_bytes(msg, p), p.encoding);
  if (p.type == "text") {
    const std::string* cs = mime::find_param(p.params, "charset");
    if (cs && !iequals(*cs, "utf-8") && !iequals(*cs, "us-ascii")) body = mime::to_utf8(body, *cs);
  }
  return icontains(body, needle);
}

Date utc_date(int64_t unix) { return from_unix_seconds(unix, 0).date; }

std::optional<Date> sent_date(const mime::HeaderList& fields) {
  auto v = mime::find_header(fields, "Date");
  if (!v) return std::nullopt;
  auto d = parse_header_date(*v);
  if (!d) return std::nullopt;
  return d->date;
}

}  // namespace

MetaNeed meta_need(const SearchKey& key) {
  MetaNeed need = MetaNeed::none;
  switch (key.kind) {
    case K::all:
    case K::and_:
    case K::or_:
    case K::not_:
    case K::recent:
    case K::new_:
    case K::old:
    case K::sequence:
    case K::uid:
      break;
    case K::answered:
    case K::deleted:
    case K::draft:
    case K::flagged:
    case K::seen:
    case K::unanswered:
    case K::undeleted:
    case K::undraft:
    case K::unflagged:
    case K::unseen:
    case K::keyword:
    case K::unkeyword:
    case K::modseq:
      need = MetaNeed::flags;
      break;
    default:
      return MetaNeed::full;
  }
  for (const auto& c : key.children) need = std::max(need, meta_need(c));
  return need;
}

bool needs_message(const SearchKey& key) {
  switch (key.kind) {
    case K::bcc:
    case K::body:
    case K::cc:
    case K::from:
    case K::header:
    case K::subject:
    case K::text:
    case K::to:
    case K::sentbefore:
    case K::senton:
    case K::sentsince:
      return true;
    default:
      break;
  }
  return std::any_of(key.children.begin(), key.children.end(), needs_message);
}

bool needs_body(const SearchKey& key) {
  if (key.kind == K::body || key.kind == K::text) return true;
  return std::any_of(key.children.begin(), key.children.end(), needs_body);
}

bool matches(const SearchKey& key, const SearchSubject& s) {
  const auto& m = *s.meta;
  switch (key.kind) {
    case K::all:
      return true;
    case K::and_:
      return std::all_of(key.children.begin(), key.children.end(),
                         [&](const SearchKey& c) { return matches(c, s); });
    case K::or_:
      return key.children.size() == 2 &&
             (matches(key.children[0], s) || matches(key.children[1], s));
    case K::not_:
      return key.children.size() == 1 && !matches(key.children[0], s);
    case K::answered:
      return has_flag(m, store::kFlagAnswered);
    case K::deleted:
      return has_flag(m, store::kFlagDeleted);
    case K::draft:
      return has_flag(m, store::kFlagDraft);
    case K::flagged:
      return has_flag(m, store::kFlagFlagged);
    case K::seen:
      return has_flag(m, store::kFlagSeen);
    case K::unanswered:
      return !has_flag(m, store::kFlagAnswered);
    case K::undeleted:
      return !has_flag(m, store::kFlagDeleted);
    case K::undraft:
      return !has_flag(m, store::kFlagDraft);
    case K::unflagged:
      return !has_flag(m, store::kFlagFlagged);
    case K::unseen:
      return !has_flag(m, store::kFlagSeen);
    case K::keyword:
      return has_flag(m, key.str);
    case K::unkeyword:
      return !has_flag(m, key.str);
    case K::recent:
    case K::new_:
      return false;  // no \Recent (RFC 9051 drops it)
    case K::old:
      return true;
    case K::larger:
      return m.size > key.number;
    case K::smaller:
      return m.size < key.number;
    case K::before:
      return utc_date(m.internal_date) < key.date;
    case K::on:
      return utc_date(m.internal_date) == key.date;
    case K::since:
      return !(utc_date(m.internal_date) < key.date);
    case K::modseq:
      return m.modseq >= key.number;  // RFC 7162 §3.1.5
    case K::sequence:
      if (key.set.saved)
        return s.saved && std::binary_search(s.saved->begin(), s.saved->end(), m.uid);
      return key.set.contains(s.seq, s.max_seq);
    case K::uid:
      if (key.set.saved)
        return s.saved && std::binary_search(s.saved->begin(), s.saved->end(), m.uid);
      return key.set.contains(m.uid, std::max<store::Uid>(s.max_uid, 1));
    case K::sentbefore:
    case K::senton:
    case K::sentsince: {
      const auto* fields = fields_of(s);
      if (!fields) return false;
      auto d = sent_date(*fields);
      if (!d) return false;
      if (key.kind == K::sentbefore) return *d < key.date;
      if (key.kind == K::senton) return *d == key.date;
      return !(*d < key.date);
    }
    case K::from:
      return header_matches(fields_of(s), "From", key.str);
    case K::to:
      return header_matches(fields_of(s), "To", key.str);
    case K::cc:
      return header_matches(fields_of(s), "Cc", key.str);
    case K::bcc:
      return header_matches(fields_of(s), "Bcc", key.str);
    case K::subject:
      return header_matches(fields_of(s), "Subject", key.str);
    case K::header:
      return header_matches(fields_of(s), key.str, key.value);
    case K::body:
      return s.msg && text_part_matches(*s.msg, s.msg->root, key.str);
    case K::text:
      return s.msg && (icontains(mime::header_bytes(*s.msg, s.msg->root), key.str) ||
                       text_part_matches(*s.msg, s.msg->root, key.str));
  }
  return false;
}

}  // namespace postino::imap::server
