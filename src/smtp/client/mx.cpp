#include "smtp/client/mx.hpp"

#include <algorithm>
#include <boost/asio/ip/address.hpp>

#include "base/strings.hpp"

namespace postino::smtp::client {

namespace asio = boost::asio;

namespace {

struct Addresses {
  std::vector<dns::IpAddress> list;
  bool temporary = false;  // a look-up failed temporarily
  bool secure = true;      // every answer was DNSSEC-secure (RFC 7672 §2.2.2)
  std::string error;
};

asio::awaitable<Addresses> addresses_of(dns::Resolver& resolver, std::string host) {
  Addresses out;
  std::string name = host;
  auto v4 = co_await resolver.a(name);
  if (v4) {
    for (const auto& a : v4->records) out.list.emplace_back(a);
    out.secure = out.secure && v4->secure;
  } else if (v4.error().code == Errc::unavailable) {
    out.temporary = true;
    out.error = v4.error().message;
  }
  std::string name6 = host;
  auto v6 = co_await resolver.aaaa(name6);
  if (v6) {
    for (const auto& a : v6->records) out.list.emplace_back(a);
    out.secure = out.secure && v6->secure;
  } else if (v6.error().code == Errc::unavailable) {
    out.temporary = true;
    out.error = v6.error().message;
  }
  // A failed look-up does not make the host insecure: that would let a
  // blocked AAAA query turn DANE off (RFC 7672 §2.1.2); the host is used
  // through the addresses that did resolve.
  if (!v4 && !v6) out.secure = false;
  if (out.list.size() > kMaxAddressesPerHost) out.list.resize(kMaxAddressesPerHost);
  co_return out;
}

// "[192.0.2.1]" / "[IPv6:2001:db8::1]" (RFC 5321 §4.1.3).
bool parse_literal(std::string_view domain, dns::IpAddress& out) {
  if (domain.size() < 3 || domain.front() != '[' || domain.back() != ']') return false;
  std::string_view inner = domain.substr(1, domain.size() - 2);
  if (istarts_with(inner, "IPv6:")) inner.remove_prefix(5);
  boost::system::error_code ec;
  out = asio::ip::make_address(std::string(inner), ec);
  return !ec;
}

}  // namespace

std::vector<dns::Mx> order_mx(std::vector<dns::Mx> records, std::mt19937& rng) {
  std::shuffle(records.begin(), records.end(), rng);
  std::stable_sort(records.begin(), records.end(),
                   [](const dns::Mx& a, const dns::Mx& b) { return a.preference < b.preference; });
  return records;
}

asio::awaitable<Route> resolve_route(dns::Resolver& resolver, std::string domain) {
  Route route;
  dns::IpAddress literal;
  if (parse_literal(domain, literal)) {
    route.kind = Route::Kind::ok;
    route.hosts.push_back({"", 0, {literal}, false, {}});  // RFC 7672 §2.2: no DANE
    co_return route;
  }
  std::string name = dns::normalize_name(domain);
  auto mx = co_await resolver.mx(name);
  if (!mx) {
    route.kind = mx.error().code == Errc::invalid ? Route::Kind::no_domain : Route::Kind::temporary;
    route.error = "MX lookup for " + name + ": " + mx.error().message;
    co_return route;
  }
  if (mx->rcode == dns::Rcode::nxdomain) {
    route.kind = Route::Kind::no_domain;
    route.error = "domain " + name + " does not exist";
    co_return route;
  }
  if (mx->records.empty()) {
    // RFC 5321 §5.1: no MX -> the domain is its own mail host (implicit MX).
    auto addrs = co_await addresses_of(resolver, name);
    if (addrs.list.empty()) {
      route.kind = addrs.temporary ? Route::Kind::temporary : Route::Kind::no_domain;
      route.error = addrs.temporary ? "address lookup for " + name + ": " + addrs.error
                                    : "no MX and no address for " + name;
      co_return route;
    }
    route.kind = Route::Kind::ok;
    route.secure = addrs.secure;  // RFC 7672 §2.2.2: the domain is its own server
    route.hosts.push_back({name, 0, std::move(addrs.list), addrs.secure, {}});
    co_return route;
  }
  // RFC 7505 §3: a single MX with an empty exchange (".") is a null MX. A
  // null MX beside real ones is malformed; the real ones are used.
  bool only_null = true;
  for (const auto& r : mx->records)
    if (!dns::normalize_name(r.exchange).empty()) only_null = false;
  if (only_null) {
    route.kind = Route::Kind::null_mx;
    route.error = "domain " + name + " accepts no mail (null MX)";
    co_return route;
  }
  thread_local std::mt19937 rng{std::random_device{}()};
  auto ordered = order_mx(std::move(mx->records), rng);
  bool temporary = false;
  std::string last_error;
  for (const auto& r : ordered) {
    if (route.hosts.size() >= kMaxMxHosts) break;
    std::string host = dns::normalize_name(r.exchange);
    if (host.empty()) continue;
    auto addrs = co_await addresses_of(resolver, host);
    if (addrs.temporary) {
      temporary = true;
      last_error = addrs.error;
    }
    if (addrs.list.empty()) continue;
    route.hosts.push_back({host, r.preference, std::move(addrs.list), addrs.secure, {}});
  }
  if (route.hosts.empty()) {
    // MX hosts without addresses: may be a transient DNS state; retry later.
    route.kind = Route::Kind::temporary;
    route.error = temporary ? "MX host address lookup: " + last_error
                            : "no MX host of " + name + " has an address";
    co_return route;
  }
  (void)temporary;
  route.kind = Route::Kind::ok;
  route.secure = mx->secure;  // RFC 7672 §2.2.1
  route.from_mx = true;
  co_return route;
}

}  // namespace postino::smtp::client
