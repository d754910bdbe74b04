#include "dns/static_resolver.hpp"

namespace postino::dns {

void StaticResolver::add_txt(std::string_view name, std::vector<std::string> strings) {
  std::string joined;
  for (auto& s : strings) joined += s;
  zone_[normalize_name(name)].txt.push_back(std::move(joined));
}
void StaticResolver::add_a(std::string_view name, Ip4 addr) {
  zone_[normalize_name(name)].a.push_back(addr);
}
void StaticResolver::add_aaaa(std::string_view name, Ip6 addr) {
  zone_[normalize_name(name)].aaaa.push_back(addr);
}
void StaticResolver::add_mx(std::string_view name, uint16_t preference, std::string_view exchange) {
  zone_[normalize_name(name)].mx.push_back(Mx{preference, normalize_name(exchange)});
}
void StaticResolver::add_ptr(std::string_view name, std::string_view target) {
  std::string t(target);
  if (!t.empty() && t.back() == '.') t.pop_back();
  zone_[normalize_name(name)].ptr.push_back(std::move(t));
}
void StaticResolver::add_tlsa(std::string_view name, Tlsa record) {
  zone_[normalize_name(name)].tlsa.push_back(std::move(record));
}
void StaticResolver::add_cname(std::string_view name, std::string_view target) {
  zone_[normalize_name(name)].cname = normalize_name(target);
}
void StaticResolver::set_timeout(std::string_view name) {
  zone_[normalize_name(name)].timeout = true;
}
void StaticResolver::set_secure(std::string_view zone) {
  secure_zones_.insert(normalize_name(zone));
}
void StaticResolver::set_bogus(std::string_view name) { zone_[normalize_name(name)].bogus = true; }
void StaticResolver::clear() {
  zone_.clear();
  secure_zones_.clear();
}

bool StaticResolver::is_secure(const std::string& name) const {
  for (const auto& z : secure_zones_) {
    if (name == z) return true;
    if (name.size() > z.size() && name[name.size() - z.size() - 1] == '.' &&
        name.compare(name.size() - z.size(), z.size(), z) == 0)
      return true;
  }
  return false;
}

bool StaticResolver::name_exists(const std::string& name) const {
  auto it = zone_.lower_bound(name);
  if (it != zone_.end() && it->first == name) return true;
  // RFC 8020 §2: an empty non-terminal exists if some name below it does.
  std::string suffix = "." + name;
  for (const auto& [n, node] : zone_) {
    if (n.size() > suffix.size() && n.compare(n.size() - suffix.size(), suffix.size(), suffix) == 0)
      return true;
  }
  return false;
}

template <class T, class Get>
Lookup<T> StaticResolver::find(std::string_view name, Get get) const {
  ++queries_;
  if (!valid_query_name(name)) return make_error(Errc::invalid, "malformed query name");
  std::string cur = normalize_name(name);
  bool secure = true;
  for (int hop = 0; hop <= kMaxCnameChain; ++hop) {
    secure = secure && is_secure(cur);
    auto it = zone_.find(cur);
    if (it == zone_.end()) {
      return Answer<T>{name_exists(cur) ? Rcode::nodata : Rcode::nxdomain, {}, secure};
    }
    const Node& node = it->second;
    if (node.bogus) return make_error(Errc::unavailable, "DNSSEC validation failed: " + cur);
    const std::vector<T>& recs = get(node);
    if (!recs.empty()) return Answer<T>{Rcode::ok, recs, secure};
    if (node.timeout) return make_error(Errc::unavailable, "timeout: " + cur);
    if (node.cname.empty()) return Answer<T>{Rcode::nodata, {}, secure};
    cur = node.cname;
  }
  return make_error(Errc::unavailable, "CNAME chain too long or looping");
}

Lookup<std::string> StaticResolver::lookup_txt(std::string_view name) const {
  return find<std::string>(
      name, [](const Node& n) -> const auto& { return n.txt; });
}
Lookup<Ip4> StaticResolver::lookup_a(std::string_view name) const {
  return find<Ip4>(
      name, [](const Node& n) -> const auto& { return n.a; });
}
Lookup<Ip6> StaticResolver::lookup_aaaa(std::string_view name) const {
  return find<Ip6>(
      name, [](const Node& n) -> const auto& { return n.aaaa; });
}
Lookup<Mx> StaticResolver::lookup_mx(std::string_view name) const {
  return find<Mx>(
      name, [](const Node& n) -> const auto& { return n.mx; });
}
Lookup<std::string> StaticResolver::lookup_ptr(std::string_view name) const {
  return find<std::string>(
      name, [](const Node& n) -> const auto& { return n.ptr; });
}
Lookup<Tlsa> StaticResolver::lookup_tlsa(std::string_view name) const {
  return find<Tlsa>(
      name, [](const Node& n) -> const auto& { return n.tlsa; });
}

asio::awaitable<Lookup<std::string>> StaticResolver::txt(std::string name) {
  co_return lookup_txt(name);
}
asio::awaitable<Lookup<Ip4>> StaticResolver::a(std::string name) { co_return lookup_a(name); }
asio::awaitable<Lookup<Ip6>> StaticResolver::aaaa(std::string name) { co_return lookup_aaaa(name); }
asio::awaitable<Lookup<Mx>> StaticResolver::mx(std::string name) { co_return lookup_mx(name); }
asio::awaitable<Lookup<std::string>> StaticResolver::ptr(std::string name) {
  co_return lookup_ptr(name);
}
asio::awaitable<Lookup<Tlsa>> StaticResolver::tlsa(std::string name) {
  co_return lookup_tlsa(name);
}

}  // namespace postino::dns
