// AuthThrottle: slows password guessing. Failed logins are counted per client
// IP and per account over a sliding window; once either count reaches its
// limit, allowed() says no until old failures age out of the window. IPv6
// clients are counted per /64 (one host usually owns the whole prefix).
// A success clears that account's failures but not the IP's, so one valid
// login cannot reset a guessing run from the same address.
// Memory is bounded: each table holds at most max_entries keys, each key at
// most `limit` timestamps; when full, the least recently touched key goes.
// Thread rules: all methods lock an internal mutex, never held across I/O;
// one instance is shared by every session. The clock is injected for tests.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace postino::auth {

struct ThrottleLimits {
  uint32_t max_failures_per_ip = 10;  // Config::Auth::max_failures_per_ip
  uint32_t max_failures_per_account = 5;
  std::chrono::seconds window{15 * 60};
  size_t max_entries = 100000;  // per table (IPs, accounts)
};

class AuthThrottle {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  explicit AuthThrottle(ThrottleLimits limits = {}, Clock clock = {});

  // False while ip or account has reached its failure limit. Either may be
  // empty (e.g. before USER), in which case only the other is checked.
  bool allowed(std::string_view ip, std::string_view account);
  void record_failure(std::string_view ip, std::string_view account);
  void record_success(std::string_view ip, std::string_view account);

  size_t tracked_ips() const;
  size_t tracked_accounts() const;

  // The key an IP is counted under: IPv4 as is, IPv6 as its /64, v4-mapped
  // IPv6 as IPv4; anything unparsable as given.
  static std::string ip_key(std::string_view ip);

 private:
  using TimePoint = std::chrono::steady_clock::time_point;
  struct Entry {
    std::deque<TimePoint> failures;
    std::list<std::string>::iterator lru;
  };
  // One bounded table of failure windows, with least-recently-used eviction.
  class Table {
   public:
    Table(uint32_t limit, size_t max_entries) : limit_(limit), max_entries_(max_entries) {}
    bool blocked(const std::string& key, TimePoint now, std::chrono::seconds window);
    void add(const std::string& key, TimePoint now, std::chrono::seconds window);
    void erase(const std::string& key);
    size_t size() const { return map_.size(); }

   private:
    uint32_t limit_;
    size_t max_entries_;
    std::unordered_map<std::string, Entry> map_;
    std::list<std::string> lru_;  // front = most recent
  };

  ThrottleLimits limits_;
  Clock clock_;
  mutable std::mutex mu_;
  Table ips_;
  Table accounts_;
};

}  // namespace postino::auth
