// dns::StaticResolver: an in-memory zone that answers Resolver look-ups without a
// network, for unit tests (SPF suite, DKIM corpora, DMARC) and fuzzing.
//  - add_*() put records at a name; CNAMEs are followed (at most kMaxCnameChain
//    links; a longer chain or a loop is a temporary failure, like a resolver
//    giving SERVFAIL);
//  - set_timeout(name) makes look-ups at that name fail temporarily, for every
//    type that has no record there (so a name can answer TXT and time out on A);
//  - a name with no record of the asked type is nodata if the name, or a name
//    below it, holds any record (RFC 8020 §2), else nxdomain;
//  - malformed query names give Errc::invalid;
//  - set_secure(zone) marks answers at and below `zone` as DNSSEC-validated
//    (Answer::secure, for DANE tests), records and denials alike; an answer
//    reached through a CNAME is secure only if every name on the way is;
//  - set_bogus(name) makes every look-up at that name fail like a validating
//    resolver's bogus answer (Errc::unavailable, RFC 4035 §5.5).
// query_count() counts look-ups, so tests can check look-up limits.
// Ownership: owns its zone. Thread rules: fill the zone first; after that,
// concurrent look-ups are safe (they only read, and the counter is atomic).
#pragma once

#include <atomic>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "dns/resolver.hpp"

namespace postino::dns {

class StaticResolver final : public Resolver {
 public:
  static constexpr int kMaxCnameChain = 8;

  // TXT with several character-strings (concatenated in answers).
  void add_txt(std::string_view name, std::vector<std::string> strings);
  void add_txt(std::string_view name, std::string text) {
    add_txt(name, std::vector<std::string>{std::move(text)});
  }
  void add_a(std::string_view name, Ip4 addr);
  void add_aaaa(std::string_view name, Ip6 addr);
  void add_mx(std::string_view name, uint16_t preference, std::string_view exchange);
  void add_ptr(std::string_view name, std::string_view target);
  void add_tlsa(std::string_view name, Tlsa record);
  void add_cname(std::string_view name, std::string_view target);
  void set_timeout(std::string_view name);
  void set_secure(std::string_view zone);
  void set_bogus(std::string_view name);
  void clear();

  size_t query_count() const { return queries_.load(); }

  asio::awaitable<Lookup<std::string>> txt(std::string name) override;
  asio::awaitable<Lookup<Ip4>> a(std::string name) override;
  asio::awaitable<Lookup<Ip6>> aaaa(std::string name) override;
  asio::awaitable<Lookup<Mx>> mx(std::string name) override;
  asio::awaitable<Lookup<std::string>> ptr(std::string name) override;
  asio::awaitable<Lookup<Tlsa>> tlsa(std::string name) override;

  // The same answers, synchronously (the coroutines above wrap these).
  Lookup<std::string> lookup_txt(std::string_view name) const;
  Lookup<Ip4> lookup_a(std::string_view name) const;
  Lookup<Ip6> lookup_aaaa(std::string_view name) const;
  Lookup<Mx> lookup_mx(std::string_view name) const;
  Lookup<std::string> lookup_ptr(std::string_view name) const;
  Lookup<Tlsa> lookup_tlsa(std::string_view name) const;

 private:
  struct Node {
    std::vector<std::string> txt;
    std::vector<Ip4> a;
    std::vector<Ip6> aaaa;
    std::vector<Mx> mx;
    std::vector<std::string> ptr;
    std::vector<Tlsa> tlsa;
    std::string cname;
    bool timeout = false;
    bool bogus = false;
  };
  bool is_secure(const std::string& name) const;

  // Resolves CNAMEs; returns the node holding the data or an error/rcode.
  template <class T, class Get>
  Lookup<T> find(std::string_view name, Get get) const;
  bool name_exists(const std::string& name) const;

  std::map<std::string, Node> zone_;
  std::set<std::string> secure_zones_;
  mutable std::atomic<size_t> queries_{0};
};

}  // namespace postino::dns
