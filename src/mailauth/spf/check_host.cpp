#include "mailauth/spf/check_host.hpp"

#include <optional>
#include <vector>

#include "base/strings.hpp"
#include "mailauth/spf/macro.hpp"
#include "mailauth/spf/record.hpp"

namespace postino::mailauth::spf {
namespace {

namespace asio = boost::asio;
using dns::IpAddress;

enum class Match { no, yes, temperror, permerror };

struct MatchResult {
  Match match = Match::no;
  std::string problem;
};

MatchResult perm(std::string why) { return {Match::permerror, std::move(why)}; }
MatchResult temp(std::string why) { return {Match::temperror, std::move(why)}; }

bool in_network(const IpAddress& ip, const IpAddress& net, int prefix) {
  if (ip.is_v4() != net.is_v4()) return false;
  auto cmp = [prefix](const auto& a, const auto& b) {
    int bits = prefix;
    for (size_t i = 0; i < a.size() && bits > 0; ++i, bits -= 8) {
      unsigned mask = bits >= 8 ? 0xFFu : (0xFFu << (8 - bits)) & 0xFFu;
      if ((a[i] & mask) != (b[i] & mask)) return false;
    }
    return true;
  };
  if (ip.is_v4()) return cmp(ip.to_v4().to_bytes(), net.to_v4().to_bytes());
  return cmp(ip.to_v6().to_bytes(), net.to_v6().to_bytes());
}

// RFC 7208 §4.3: <domain> must be a multi-label, well-formed domain name.
bool usable_domain(std::string_view d) {
  if (!dns::valid_query_name(d)) return false;
  if (!d.empty() && d.back() == '.') d.remove_suffix(1);
  return d.find('.') != std::string_view::npos;
}

bool ends_with_domain(std::string_view name, std::string_view domain) {
  if (iequals(name, domain)) return true;
  return name.size() > domain.size() && name[name.size() - domain.size() - 1] == '.' &&
         iequals(name.substr(name.size() - domain.size()), domain);
}

bool is_ascii(std::string_view s) {
  for (unsigned char c : s) {
    if (c >= 0x80) return false;
  }
  return true;
}

SpfResult from_qualifier(Qualifier q) {
  switch (q) {
    case Qualifier::pass:
      return SpfResult::pass;
    case Qualifier::fail:
      return SpfResult::fail;
    case Qualifier::softfail:
      return SpfResult::softfail;
    case Qualifier::neutral:
      return SpfResult::neutral;
  }
  return SpfResult::neutral;
}

class Evaluator {
 public:
  Evaluator(dns::Resolver& r, const Request& req, MacroContext base)
      : r_(r), req_(req), base_(std::move(base)) {}

  asio::awaitable<Outcome> run(std::string domain);

 private:
  asio::awaitable<MatchResult> match(const Mechanism& m, const MacroContext& ctx);
  asio::awaitable<MatchResult> match_include(const Mechanism& m, const MacroContext& ctx);
  asio::awaitable<MatchResult> match_a(const std::string& target, const Mechanism& m,
                                       bool count_void);
  asio::awaitable<MatchResult> match_mx(const std::string& target, const Mechanism& m);
  asio::awaitable<MatchResult> match_ptr(const std::string& target);
  asio::awaitable<std::optional<bool>> has_address(const std::string& name, const Mechanism* m);
  asio::awaitable<std::vector<std::string>> validated_names(size_t limit);
  asio::awaitable<Result<std::string>> target_of(std::string_view spec, MacroContext ctx);
  asio::awaitable<std::string> explanation(const std::string& spec, MacroContext ctx);

  bool count_term() { return ++dns_terms_ <= kMaxDnsTerms; }
  bool count_void() { return ++voids_ <= kMaxVoidLookups; }

  dns::Resolver& r_;
  const Request& req_;
  MacroContext base_;
  int dns_terms_ = 0;
  int voids_ = 0;
};

asio::awaitable<Result<std::string>> Evaluator::target_of(std::string_view spec, MacroContext ctx) {
  if (spec.empty()) co_return ctx.domain;
  if (uses_p(spec)) {
    auto names = co_await validated_names(kMaxPtrNames);
    ctx.validated = "unknown";
    // RFC 7208 §7.3 / §5.5: prefer a name that is <domain> or below it.
    for (auto& n : names) {
      if (ends_with_domain(n, ctx.domain)) {
        ctx.validated = n;
        break;
      }
    }
    if (ctx.validated == "unknown" && !names.empty()) ctx.validated = names.front();
  }
  co_return expand(spec, ctx, MacroUse::domain_spec);
}

// A/AAAA of `name`: true if the client address is in it (with m's cidr, or exact).
// nullopt on a DNS failure.
asio::awaitable<std::optional<bool>> Evaluator::has_address(const std::string& name,
                                                            const Mechanism* m) {
  if (req_.ip.is_v4()) {
    auto res = co_await r_.a(name);
    if (!res) co_return std::nullopt;
    for (auto& a : res->records) {
      if (in_network(req_.ip, a, m ? m->prefix4 : kMaxIp4Prefix)) co_return true;
    }
    co_return false;
  }
  auto res = co_await r_.aaaa(name);
  if (!res) co_return std::nullopt;
  for (auto& a : res->records) {
    if (in_network(req_.ip, a, m ? m->prefix6 : kMaxIp6Prefix)) co_return true;
  }
  co_return false;
}

// RFC 7208 §5.5: the validated names of the client address (first `limit` PTR names).
asio::awaitable<std::vector<std::string>> Evaluator::validated_names(size_t limit) {
  std::vector<std::string> out;
  auto ptr = co_await r_.ptr(dns::reverse_name(req_.ip));
  if (!ptr) co_return out;
  size_t n = 0;
  for (auto& name : ptr->records) {
    if (n++ >= limit) break;  // RFC 7208 §4.6.4: names past the first 10 are ignored
    auto hit = co_await has_address(name, nullptr);
    if (hit && *hit) out.push_back(name);
  }
  co_return out;
}

asio::awaitable<MatchResult> Evaluator::match_a(const std::string& target, const Mechanism& m,
                                                bool count_void_lookup) {
  if (req_.ip.is_v4()) {
    auto res = co_await r_.a(target);
    if (!res) {
      if (res.error().code == Errc::invalid) co_return MatchResult{};
      co_return temp("DNS failure for " + target);
    }
    if (res->empty() && count_void_lookup && !count_void())
      co_return perm("too many void look-ups");
    for (auto& a : res->records) {
      if (in_network(req_.ip, a, m.prefix4)) co_return MatchResult{Match::yes, {}};
    }
    co_return MatchResult{};
  }
  auto res = co_await r_.aaaa(target);
  if (!res) {
    if (res.error().code == Errc::invalid) co_return MatchResult{};
    co_return temp("DNS failure for " + target);
  }
  if (res->empty() && count_void_lookup && !count_void()) co_return perm("too many void look-ups");
  for (auto& a : res->records) {
    if (in_network(req_.ip, a, m.prefix6)) co_return MatchResult{Match::yes, {}};
  }
  co_return MatchResult{};
}

asio::awaitable<MatchResult> Evaluator::match_mx(const std::string& target, const Mechanism& m) {
  auto mx = co_await r_.mx(target);
  if (!mx) {
    if (mx.error().code == Errc::invalid) co_return MatchResult{};
    co_return temp("DNS failure for MX " + target);
  }
  if (mx->empty() && !count_void()) co_return perm("too many void look-ups");
  // RFC 7208 §4.6.4: more than 10 MX names → permerror.
  if (mx->records.size() > kMaxMxNames) co_return perm("more than 10 MX names for " + target);
  for (auto& rec : mx->records) {
    if (rec.exchange.empty()) continue;  // null MX (RFC 7505)
    auto res = co_await match_a(rec.exchange, m, false);
    if (res.match != Match::no) co_return res;
  }
  co_return MatchResult{};
}

asio::awaitable<MatchResult> Evaluator::match_ptr(const std::string& target) {
  auto ptr = co_await r_.ptr(dns::reverse_name(req_.ip));
  // RFC 7208 §5.5: a DNS error on the PTR look-up means no match.
  if (!ptr) co_return MatchResult{};
  if (ptr->empty() && !count_void()) co_return perm("too many void look-ups");
  size_t n = 0;
  for (auto& name : ptr->records) {
    if (n++ >= kMaxPtrNames) break;
    if (!ends_with_domain(name, target)) continue;
    auto hit = co_await has_address(name, nullptr);
    if (hit && *hit) co_return MatchResult{Match::yes, {}};
  }
  co_return MatchResult{};
}

asio::awaitable<MatchResult> Evaluator::match_include(const Mechanism& m, const MacroContext& ctx) {
  auto target = co_await target_of(m.domain_spec, ctx);
  if (!target) co_return perm("include: " + target.error().message);
  auto inner = co_await run(*target);
  // RFC 7208 §5.2 table.
  switch (inner.result) {
    case SpfResult::pass:
      co_return MatchResult{Match::yes, {}};
    case SpfResult::fail:
    case SpfResult::softfail:
    case SpfResult::neutral:
      co_return MatchResult{};
    case SpfResult::temperror:
      co_return temp(inner.problem);
    case SpfResult::permerror:
      co_return perm(inner.problem);
    case SpfResult::none:
      co_return perm("include: no SPF record at " + *target);
  }
  co_return MatchResult{};
}

asio::awaitable<MatchResult> Evaluator::match(const Mechanism& m, const MacroContext& ctx) {
  switch (m.kind) {
    case MechanismKind::all:
      co_return MatchResult{Match::yes, {}};
    case MechanismKind::ip4:
    case MechanismKind::ip6:
      co_return MatchResult{
          in_network(req_.ip, m.network, m.kind == MechanismKind::ip4 ? m.prefix4 : m.prefix6)
              ? Match::yes
              : Match::no,
          {}};
    default:
      break;
  }
  // RFC 7208 §4.6.4: include, a, mx, ptr, exists count toward the limit of 10.
  if (!count_term()) co_return perm("more than 10 DNS-querying terms");
  if (m.kind == MechanismKind::include) co_return co_await match_include(m, ctx);
  auto target = co_await target_of(m.domain_spec, ctx);
  if (!target) co_return perm(std::string(mechanism_name(m.kind)) + ": " + target.error().message);
  switch (m.kind) {
    case MechanismKind::a:
      co_return co_await match_a(*target, m, true);
    case MechanismKind::mx:
      co_return co_await match_mx(*target, m);
    case MechanismKind::ptr:
      co_return co_await match_ptr(*target);
    case MechanismKind::exists: {
      // RFC 7208 §5.7: always an A query, whatever the client's address family.
      auto res = co_await r_.a(*target);
      if (!res) {
        if (res.error().code == Errc::invalid) co_return MatchResult{};
        co_return temp("DNS failure for " + *target);
      }
      if (res->empty()) {
        if (!count_void()) co_return perm("too many void look-ups");
        co_return MatchResult{};
      }
      co_return MatchResult{Match::yes, {}};
    }
    default:
      co_return MatchResult{};
  }
}

// RFC 7208 §6.2: any problem → no explanation.
asio::awaitable<std::string> Evaluator::explanation(const std::string& spec, MacroContext ctx) {
  auto target = co_await target_of(spec, ctx);
  if (!target || target->empty()) co_return std::string();
  auto txt = co_await r_.txt(*target);
  if (!txt || txt->records.size() != 1) co_return std::string();
  const std::string& text = txt->records.front();
  if (!is_ascii(text) || !check_macro_string(text, MacroUse::explanation)) co_return std::string();
  if (uses_p(text)) {
    auto names = co_await validated_names(kMaxPtrNames);
    ctx.validated = "unknown";
    for (auto& n : names) {
      if (ends_with_domain(n, ctx.domain)) {
        ctx.validated = n;
        break;
      }
    }
    if (ctx.validated == "unknown" && !names.empty()) ctx.validated = names.front();
  }
  auto out = expand(text, ctx, MacroUse::explanation);
  co_return out ? *out : std::string();
}

asio::awaitable<Outcome> Evaluator::run(std::string domain) {
  Outcome out;
  out.domain = domain;
  if (!usable_domain(domain)) co_return out;  // RFC 7208 §4.3 → none
  // RFC 7208 §4.4
  auto txt = co_await r_.txt(domain);
  if (!txt) {
    if (txt.error().code == Errc::invalid) co_return out;
    out.result = SpfResult::temperror;
    out.problem = "DNS failure looking up " + domain;
    co_return out;
  }
  // RFC 7208 §4.5: exactly one "v=spf1" record.
  const std::string* record_text = nullptr;
  for (auto& t : txt->records) {
    if (!is_spf_record(t)) continue;
    if (record_text) {
      out.result = SpfResult::permerror;
      out.problem = "more than one SPF record at " + domain;
      co_return out;
    }
    record_text = &t;
  }
  if (!record_text) co_return out;
  if (!is_ascii(*record_text)) {
    out.result = SpfResult::permerror;
    out.problem = "non-ASCII SPF record at " + domain;
    co_return out;
  }
  auto rec = parse_record(*record_text);
  if (!rec) {
    out.result = SpfResult::permerror;
    out.problem = rec.error().message;
    co_return out;
  }
  MacroContext ctx = base_;
  ctx.domain = domain;
  for (const auto& m : rec->mechanisms) {
    auto res = co_await match(m, ctx);
    if (res.match == Match::no) continue;
    if (res.match == Match::temperror) {
      out.result = SpfResult::temperror;
      out.problem = res.problem;
      co_return out;
    }
    if (res.match == Match::permerror) {
      out.result = SpfResult::permerror;
      out.problem = res.problem;
      co_return out;
    }
    out.result = from_qualifier(m.qualifier);
    out.problem = std::string("matched ") + mechanism_name(m.kind);
    if (out.result == SpfResult::fail && rec->exp) {
      out.explanation = co_await explanation(*rec->exp, ctx);
    }
    co_return out;
  }
  // RFC 7208 §6.1: redirect applies when no mechanism matched.
  if (rec->redirect) {
    if (!count_term()) {
      out.result = SpfResult::permerror;
      out.problem = "more than 10 DNS-querying terms";
      co_return out;
    }
    auto target = co_await target_of(*rec->redirect, ctx);
    if (!target || !usable_domain(*target)) {
      out.result = SpfResult::permerror;
      out.problem = "bad redirect target";
      co_return out;
    }
    Outcome inner = co_await run(*target);
    if (inner.result == SpfResult::none) {
      inner.result = SpfResult::permerror;
      inner.problem = "redirect: no SPF record at " + *target;
    }
    co_return inner;
  }
  out.result = SpfResult::neutral;
  out.problem = "no mechanism matched";
  co_return out;
}

IpAddress unmap(const IpAddress& ip) {
  if (ip.is_v6() && ip.to_v6().is_v4_mapped()) {
    return asio::ip::make_address_v4(asio::ip::v4_mapped, ip.to_v6());
  }
  return ip;
}

}  // namespace

const char* result_name(SpfResult r) {
  switch (r) {
    case SpfResult::none:
      return "none";
    case SpfResult::neutral:
      return "neutral";
    case SpfResult::pass:
      return "pass";
    case SpfResult::fail:
      return "fail";
    case SpfResult::softfail:
      return "softfail";
    case SpfResult::temperror:
      return "temperror";
    case SpfResult::permerror:
      return "permerror";
  }
  return "?";
}

asio::awaitable<Outcome> check_host(dns::Resolver& resolver, const Request& req, std::string domain,
                                    std::string sender) {
  Request r = req;
  r.ip = unmap(req.ip);
  MacroContext ctx;
  // RFC 7208 §4.3: a sender without local-part is "postmaster@domain".
  auto at = sender.rfind('@');
  std::string local = at == std::string::npos ? std::string() : sender.substr(0, at);
  std::string sdomain = at == std::string::npos ? sender : sender.substr(at + 1);
  if (local.empty()) local = "postmaster";
  ctx.sender = local + "@" + sdomain;
  ctx.local_part = local;
  ctx.sender_domain = sdomain;
  ctx.ip = r.ip;
  ctx.helo = r.helo;
  ctx.receiver = r.receiver;
  ctx.now = r.now;
  Evaluator ev(resolver, r, std::move(ctx));
  co_return co_await ev.run(std::move(domain));
}

asio::awaitable<Outcome> check_mail_from(dns::Resolver& resolver, Request req) {
  // RFC 7208 §2.4: the null reverse-path uses postmaster@<HELO>.
  std::string sender = req.mail_from.empty() ? "postmaster@" + req.helo : req.mail_from;
  auto at = sender.rfind('@');
  std::string domain = at == std::string::npos ? sender : sender.substr(at + 1);
  co_return co_await check_host(resolver, req, std::move(domain), std::move(sender));
}

asio::awaitable<Outcome> check_helo(dns::Resolver& resolver, Request req) {
  // RFC 7208 §2.3
  co_return co_await check_host(resolver, req, req.helo, "postmaster@" + req.helo);
}

}  // namespace postino::mailauth::spf
