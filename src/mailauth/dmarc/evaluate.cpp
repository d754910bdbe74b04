#include "mailauth/dmarc/evaluate.hpp"

#include "base/strings.hpp"

namespace postino::mailauth::dmarc {
namespace {

namespace asio = boost::asio;

constexpr std::string_view kPrefix = "_dmarc.";

std::vector<std::string> labels_of(const std::string& d) {
  std::vector<std::string> out;
  for (auto l : split(d, '.')) out.emplace_back(l);
  return out;
}

// The last `n` labels of `d`.
std::string suffix_labels(const std::string& d, size_t n) {
  auto ls = labels_of(d);
  std::string out;
  for (size_t i = ls.size() > n ? ls.size() - n : 0; i < ls.size(); ++i) {
    if (!out.empty()) out += '.';
    out += ls[i];
  }
  return out;
}

size_t label_count(const std::string& d) { return labels_of(d).size(); }

enum class Fetch { found, none, temp };

// RFC 9989 §4.10 steps 1-2 / 5-6: one query; exactly one valid record counts.
asio::awaitable<std::pair<Fetch, std::optional<Record>>> fetch(dns::Resolver& r,
                                                               const std::string& domain) {
  std::string name = std::string(kPrefix) + domain;
  if (!dns::valid_query_name(name)) co_return std::make_pair(Fetch::none, std::nullopt);
  auto txt = co_await r.txt(name);
  if (!txt) {
    if (txt.error().code == Errc::unavailable) co_return std::make_pair(Fetch::temp, std::nullopt);
    co_return std::make_pair(Fetch::none, std::nullopt);
  }
  std::optional<Record> one;
  int count = 0;
  for (const auto& t : txt->records) {
    if (!is_dmarc_record(t)) continue;
    auto rec = parse_record(t);
    if (!rec) continue;
    ++count;
    one = std::move(*rec);
  }
  if (count != 1) co_return std::make_pair(Fetch::none, std::nullopt);
  co_return std::make_pair(Fetch::found, std::move(one));
}

bool stops_walk(const Record& r) { return r.psd != PsdFlag::unknown; }

}  // namespace

const char* result_name(DmarcResult r) {
  switch (r) {
    case DmarcResult::none:
      return "none";
    case DmarcResult::pass:
      return "pass";
    case DmarcResult::fail:
      return "fail";
    case DmarcResult::temperror:
      return "temperror";
    case DmarcResult::permerror:
      return "permerror";
  }
  return "?";
}

const char* disposition_name(Disposition d) {
  switch (d) {
    case Disposition::none:
      return "none";
    case Disposition::quarantine:
      return "quarantine";
    case Disposition::reject:
      return "reject";
  }
  return "?";
}

asio::awaitable<Result<std::vector<Found>>> tree_walk(dns::Resolver& resolver, std::string start,
                                                      bool query_start) {
  start = dns::normalize_name(start);
  std::vector<Found> out;
  size_t queries = 0;
  auto step = [&](const std::string& d) -> asio::awaitable<std::optional<Result<bool>>> {
    ++queries;
    auto [what, rec] = co_await fetch(resolver, d);
    if (what == Fetch::temp) {
      co_return Result<bool>(make_error(Errc::unavailable, "DNS failure at _dmarc." + d));
    }
    if (what == Fetch::found) {
      bool stop = stops_walk(*rec);
      out.push_back(Found{d, std::move(*rec)});
      if (stop) co_return Result<bool>(true);
    }
    co_return std::nullopt;
  };
  if (query_start) {
    auto r = co_await step(start);
    if (r && !r->ok()) co_return r->take_error();
    if (r) co_return out;
  }
  // Steps 3-4: the next target drops one label, or shortens to 7 labels.
  size_t x = label_count(start);
  size_t next = x < kMaxTreeWalkQueries ? x - 1 : kTreeWalkShortenTo;
  for (size_t n = next; n >= 1 && queries < kMaxTreeWalkQueries; --n) {
    auto r = co_await step(suffix_labels(start, n));
    if (r && !r->ok()) co_return r->take_error();
    if (r) break;
  }
  co_return out;
}

std::string organizational_domain(const std::string& start, const std::vector<Found>& walk) {
  for (const auto& f : walk) {
    if (f.record.psd == PsdFlag::no) return f.domain;  // rule 1
    if (f.record.psd == PsdFlag::yes && !iequals(f.domain, start)) {
      return suffix_labels(start, label_count(f.domain) + 1);  // rule 2
    }
  }
  if (walk.empty()) return dns::normalize_name(start);
  return walk.back().domain;  // rule 3: fewest labels
}

asio::awaitable<Outcome> evaluate(dns::Resolver& resolver, Input in) {
  Outcome out;
  std::string author = dns::normalize_name(in.author_domain);
  if (!dns::valid_query_name(author)) {
    out.result = DmarcResult::permerror;
    out.reason = "bad author domain";
    co_return out;
  }
  // RFC 9989 §4.10.1: the Author Domain first, then a Tree Walk above it.
  auto [what, own] = co_await fetch(resolver, author);
  if (what == Fetch::temp) {
    out.result = DmarcResult::temperror;
    out.reason = "DNS failure looking up the DMARC record";
    co_return out;
  }
  std::vector<Found> walk;
  if (what == Fetch::found) walk.push_back(Found{author, *own});
  if (what != Fetch::found || !stops_walk(*own)) {
    auto above = co_await tree_walk(resolver, author, false);
    if (!above) {
      out.result = DmarcResult::temperror;
      out.reason = above.error().message;
      co_return out;
    }
    for (auto& f : *above) walk.push_back(std::move(f));
  }
  out.org_domain = organizational_domain(author, walk);
  const Found* applied = nullptr;
  if (what == Fetch::found) {
    applied = &walk.front();
  } else {
    for (const auto& f : walk) {
      if (iequals(f.domain, out.org_domain)) applied = &f;
    }
    if (!applied && !walk.empty()) applied = &walk.back();  // the PSD's record
  }
  if (!applied || !applied->record.usable()) {
    out.reason = applied ? "DMARC record without a usable policy" : "no DMARC record";
    co_return out;  // none: DMARC does not apply
  }
  out.record = applied->record;
  out.policy_domain = applied->domain;
  const Record& rec = applied->record;

  // Policy: p for the Author Domain itself; sp / np for subdomains (§4.10.1).
  out.policy = rec.effective_p();
  if (!iequals(applied->domain, author)) {
    auto exists = co_await resolver.a(author);
    bool nx = exists.ok() && exists->rcode == dns::Rcode::nxdomain;
    if (nx && rec.np) {
      out.policy = *rec.np;
    } else if (rec.sp) {
      out.policy = *rec.sp;
    }
  }

  // Identifier Alignment (§4.4, §4.10.2).
  auto aligned = [&](const std::string& id, Alignment mode) -> asio::awaitable<bool> {
    std::string d = dns::normalize_name(id);
    if (d == author) co_return true;
    if (mode == Alignment::strict) co_return false;
    auto w = co_await tree_walk(resolver, d);
    if (!w) co_return false;
    co_return organizational_domain(d, *w) == out.org_domain;
  };
  if (in.spf_pass_domain) out.spf_aligned = co_await aligned(*in.spf_pass_domain, rec.aspf);
  size_t n = 0;
  for (const auto& d : in.dkim_pass_domains) {
    if (out.dkim_aligned || n++ >= kMaxDkimIdentifiers) break;
    out.dkim_aligned = co_await aligned(d, rec.adkim);
  }
  if (out.spf_aligned || out.dkim_aligned) {
    out.result = DmarcResult::pass;
    co_return out;
  }
  out.result = DmarcResult::fail;
  out.reason = "no aligned SPF or DKIM pass";
  Policy p = out.policy;
  if (rec.testing) {  // RFC 9989 §4.7 t=y: one level below
    p = p == Policy::reject ? Policy::quarantine : Policy::none;
  }
  out.disposition = p == Policy::reject       ? Disposition::reject
                    : p == Policy::quarantine ? Disposition::quarantine
                                              : Disposition::none;
  co_return out;
}

}  // namespace postino::mailauth::dmarc
