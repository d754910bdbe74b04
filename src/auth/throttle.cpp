#include "auth/throttle.hpp"

#include <arpa/inet.h>

#include <cstring>

#include "base/strings.hpp"

namespace postino::auth {
namespace {

inline constexpr size_t kIpv6PrefixBytes = 8;  // count IPv6 clients per /64

void prune(std::deque<std::chrono::steady_clock::time_point>& q,
           std::chrono::steady_clock::time_point now, std::chrono::seconds window) {
  while (!q.empty() && now - q.front() >= window) q.pop_front();
}

}  // namespace

AuthThrottle::AuthThrottle(ThrottleLimits limits, Clock clock)
    : limits_(limits),
      clock_(clock ? std::move(clock) : Clock([] { return std::chrono::steady_clock::now(); })),
      ips_(limits.max_failures_per_ip, limits.max_entries),
      accounts_(limits.max_failures_per_account, limits.max_entries) {}

std::string AuthThrottle::ip_key(std::string_view ip) {
  if (ip.size() >= INET6_ADDRSTRLEN) return std::string(ip);
  std::string s(ip);
  in6_addr a6;
  if (inet_pton(AF_INET6, s.c_str(), &a6) == 1) {
    char text[INET6_ADDRSTRLEN];
    if (IN6_IS_ADDR_V4MAPPED(&a6)) {
      inet_ntop(AF_INET, &a6.s6_addr[12], text, sizeof(text));
      return text;
    }
    std::memset(&a6.s6_addr[kIpv6PrefixBytes], 0, sizeof(a6.s6_addr) - kIpv6PrefixBytes);
    inet_ntop(AF_INET6, &a6, text, sizeof(text));
    return std::string(text) + "/64";
  }
  return s;
}

bool AuthThrottle::Table::blocked(const std::string& key, TimePoint now,
                                  std::chrono::seconds window) {
  auto it = map_.find(key);
  if (it == map_.end()) return false;
  prune(it->second.failures, now, window);
  if (it->second.failures.empty()) {
    erase(key);
    return false;
  }
  return it->second.failures.size() >= limit_;
}

void AuthThrottle::Table::add(const std::string& key, TimePoint now, std::chrono::seconds window) {
  auto it = map_.find(key);
  if (it == map_.end()) {
    while (!map_.empty() && map_.size() >= max_entries_) {
      map_.erase(lru_.back());
      lru_.pop_back();
    }
    lru_.push_front(key);
    it = map_.emplace(key, Entry{{}, lru_.begin()}).first;
  } else {
    lru_.splice(lru_.begin(), lru_, it->second.lru);
  }
  auto& q = it->second.failures;
  prune(q, now, window);
  q.push_back(now);
  while (q.size() > limit_) q.pop_front();  // only the newest `limit` matter
}

void AuthThrottle::Table::erase(const std::string& key) {
  auto it = map_.find(key);
  if (it == map_.end()) return;
  lru_.erase(it->second.lru);
  map_.erase(it);
}

bool AuthThrottle::allowed(std::string_view ip, std::string_view account) {
  auto now = clock_();
  std::lock_guard lock(mu_);
  if (!ip.empty() && ips_.blocked(ip_key(ip), now, limits_.window)) return false;
  if (!account.empty() && accounts_.blocked(to_lower(account), now, limits_.window)) return false;
  return true;
}

void AuthThrottle::record_failure(std::string_view ip, std::string_view account) {
  auto now = clock_();
  std::lock_guard lock(mu_);
  if (!ip.empty()) ips_.add(ip_key(ip), now, limits_.window);
  if (!account.empty()) accounts_.add(to_lower(account), now, limits_.window);
}

void AuthThrottle::record_success(std::string_view ip, std::string_view account) {
  std::lock_guard lock(mu_);
  if (!account.empty()) accounts_.erase(to_lower(account));
}

size_t AuthThrottle::tracked_ips() const {
  std::lock_guard lock(mu_);
  return ips_.size();
}

size_t AuthThrottle::tracked_accounts() const {
  std::lock_guard lock(mu_);
  return accounts_.size();
}

}  // namespace postino::auth
