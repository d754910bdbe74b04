// Small helpers shared by queue.cpp and deliver.cpp, and the Queue's
// private helper types.
// Thread rules: the free functions are pure; see each type.
#pragma once

#include <boost/asio/post.hpp>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "base/strings.hpp"
#include "queue/queue.hpp"

namespace postino::queue {

inline constexpr size_t kQueueIdChars = 20;

inline int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Lower-cased domain of an address ("" when there is no '@').
inline std::string domain_part(std::string_view address) {
  size_t at = address.rfind('@');
  if (at == std::string_view::npos) return "";
  return to_lower(address.substr(at + 1));
}

// Lets store threads wake the scheduler without outliving the queue.
struct Queue::WakeState {
  std::mutex mu;
  Queue* queue = nullptr;
  void notify() {
    std::lock_guard lk(mu);
    if (queue) boost::asio::post(queue->ioc_, [q = queue] { q->wake(); });
  }
};

// Counts a running coroutine; the last one to end during stop() signals idle.
class Queue::TaskGuard {
 public:
  explicit TaskGuard(Queue& q) : q_(q) { ++q_.tasks_; }
  ~TaskGuard() { q_.task_done(); }
  TaskGuard(const TaskGuard&) = delete;
  TaskGuard& operator=(const TaskGuard&) = delete;

 private:
  Queue& q_;
};

}  // namespace postino::queue
