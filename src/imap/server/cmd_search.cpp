// SEARCH / UID SEARCH (RFC 9051 §6.4.4), ESEARCH RETURN options (RFC 4731,
// RFC 9051 §7.3.4), SEARCHRES "$" (RFC 5182) and the MODSEQ search response
// (RFC 7162 §3.1.5). Candidates are read in batches; header keys use the
// header section cached in the message row; message bytes are read only for
// body / text keys (or a header too large for the cache).
#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "base/limits.hpp"
#include "base/strings.hpp"
#include "imap/server/search.hpp"
#include "imap/server/session.hpp"
#include "mime/header.hpp"

namespace postino::imap::server {

namespace {

constexpr size_t kSearchBatch = 512;

bool uses_modseq(const SearchKey& k) {
  if (k.kind == SearchKey::Kind::modseq) return true;
  return std::any_of(k.children.begin(), k.children.end(), uses_modseq);
}

bool charset_ok(const std::optional<std::string>& cs) {
  return !cs || iequals(*cs, "UTF-8") || iequals(*cs, "US-ASCII");
}

}  // namespace

awaitable<Result<std::vector<store::Uid>>> Session::run_search(const SearchKey& key) {
  std::vector<store::Uid> out;
  bool need_msg = needs_message(key);
  bool need_body = needs_body(key);
  std::vector<store::Uid> saved = saved_;
  std::sort(saved.begin(), saved.end());
  auto parts = need_msg && !need_body ? store::MetaParts::header_only() : store::MetaParts::none();
  const auto& all = view_->uids();
  const MetaNeed need = meta_need(key);
  for (size_t start = 0; start < all.size(); start += kSearchBatch) {
    // Small reads run on this thread: let its other connections in between.
    if (start > 0) {
      auto ex = co_await boost::asio::this_coro::executor;
      co_await boost::asio::post(ex, boost::asio::use_awaitable);
    }
    std::vector<store::Uid> batch(all.begin() + start,
                                  all.begin() + std::min(all.size(), start + kSearchBatch));
    Result<std::vector<store::MessageMeta>> metas{std::vector<store::MessageMeta>{}};
    if (need == MetaNeed::full) {
      metas = co_await store_.fetch(view_->id, to_uid_set(batch), parts);
    } else if (need == MetaNeed::flags) {
      auto states = co_await store_.fetch_flags(view_->id, to_uid_set(batch));
      if (!states) co_return states.take_error();
      metas->reserve(states->size());
      for (auto& f : *states) {
        store::MessageMeta m;
        m.uid = f.uid;
        m.modseq = f.modseq;
        m.flags = std::move(f.flags);
        metas->push_back(std::move(m));
      }
    } else {  // the view alone answers (ALL, UID / sequence sets)
      metas->resize(batch.size());
      for (size_t i = 0; i < batch.size(); ++i) (*metas)[i].uid = batch[i];
    }
    if (!metas) co_return metas.take_error();
    for (const auto& m : *metas) {
      auto seq = view_->seq_of(m.uid);
      if (!seq) continue;
      SearchSubject s{*seq, &m, nullptr, view_->size(), view_->max_uid(), &saved};
      std::string blob;
      std::optional<mime::Message> parsed;
      mime::HeaderSection header;
      if (need_msg && !need_body && !m.header_summary.empty()) {
        // The cached header section: only its fields are scanned, nothing copied.
        header = mime::parse_header_section(m.header_summary, 0, m.header_summary.size());
        s.header = &header.fields;
      } else if (need_msg) {
        uint64_t len = need_body ? std::string::npos : limits::kMaxHeaderBytes;
        auto b = co_await store_.read_blob_fast(m.blob_id, 0, len);
        if (!b) co_return b.take_error();
        blob = std::move(*b);
        parsed.emplace(mime::parse_message(blob));
        s.msg = &*parsed;
      }
      if (matches(key, s)) out.push_back(m.uid);
    }
  }
  co_return out;
}

awaitable<Reply> Session::on(const std::string& tag, SearchCmd& c) {
  if (!charset_ok(c.charset))  // RFC 9051 §6.4.4
    co_return Reply::no("unsupported charset", badcharset_code());
  bool modseq_key = uses_modseq(c.key);
  if (modseq_key) condstore_ = true;
  auto found = co_await run_search(c.key);
  if (!found) co_return store_error(found.error(), "SEARCH");
  const auto& uids = *found;

  store::ModSeq top = 0;
  if (modseq_key && !uids.empty()) {
    auto metas = co_await store_.fetch_flags(view_->id, to_uid_set(uids));
    if (metas)
      for (const auto& m : *metas) top = std::max(top, m.modseq);
  }
  std::vector<uint32_t> nums;  // what the client asked for: UIDs or sequence numbers
  for (auto u : uids) {
    if (c.uid) {
      nums.push_back(u);
    } else if (auto s = view_->seq_of(u)) {
      nums.push_back(*s);
    }
  }

  SearchReturn ret = c.ret.value_or(SearchReturn{});
  bool none = !ret.min && !ret.max && !ret.all && !ret.count && !ret.save;
  if (ret.save) saved_ = uids;  // RFC 5182 §2.1
  if (c.ret || rev2_) {
    if (none) ret.all = true;
    if (ret.save && !ret.min && !ret.max && !ret.all && !ret.count)
      co_return Reply::ok("SEARCH completed");  // RFC 5182 §2.1: SAVE alone is silent
    // RFC 4731 §3.1 / RFC 9051 §7.3.4
    std::string line = "ESEARCH (TAG " + write::quoted(tag) + ")";
    if (c.uid) line += " UID";
    if (!nums.empty()) {
      if (ret.min) line += " MIN " + std::to_string(nums.front());
      if (ret.max) line += " MAX " + std::to_string(nums.back());
    }
    if (ret.count) line += " COUNT " + std::to_string(nums.size());
    if (ret.all && !nums.empty()) line += " ALL " + write::sequence_set(nums);
    if (modseq_key && !nums.empty()) line += " MODSEQ " + std::to_string(top);
    send(write::untagged(line));
  } else {
    std::string line = "SEARCH";
    for (auto n : nums) line += " " + std::to_string(n);
    if (modseq_key && !nums.empty()) line += " (MODSEQ " + std::to_string(top) + ")";
    send(write::untagged(line));
  }
  co_return Reply::ok(c.uid ? "UID SEARCH completed" : "SEARCH completed");
}

}  // namespace postino::imap::server
