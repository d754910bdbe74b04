// Process-wide metrics in Prometheus text format (exposition format 0.0.4).
// Counters, gauges and histograms are registered once by name + labels and
// live for the whole process; the returned references stay valid, so hot
// paths keep a reference and only touch an atomic.
//   static auto& c = metrics::counter("postino_smtp_commands_total",
//                                     "SMTP commands received", {{"cmd", "MAIL"}});
//   c.inc();
// Thread rules: registration takes a mutex; inc/add/observe are lock-free.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace postino::metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void inc(uint64_t n = 1) { v_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> v_{0};
};

class Gauge {
 public:
  void add(int64_t n) { v_.fetch_add(n, std::memory_order_relaxed); }
  void sub(int64_t n) { v_.fetch_sub(n, std::memory_order_relaxed); }
  void set(int64_t n) { v_.store(n, std::memory_order_relaxed); }
  int64_t value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> v_{0};
};

// Latency histogram in seconds with fixed buckets from 100 µs to 10 s.
class Histogram {
 public:
  static constexpr std::array<double, 14> kBounds = {
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 10.0};
  void observe(double seconds);
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  // Cumulative count for bucket i (le=kBounds[i]).
  uint64_t bucket(size_t i) const;
  double sum() const;

 private:
  std::array<std::atomic<uint64_t>, kBounds.size()> buckets_{};
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_micros_{0};
};

Counter& counter(const std::string& name, const std::string& help, const Labels& labels = {});
Gauge& gauge(const std::string& name, const std::string& help, const Labels& labels = {});
Histogram& histogram(const std::string& name, const std::string& help, const Labels& labels = {});

// All registered metrics, grouped by family, in Prometheus text format.
std::string render_prometheus();

// Measures the time from construction to destruction into a histogram.
class Timer {
 public:
  explicit Timer(Histogram& h);
  ~Timer();
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

 private:
  Histogram& h_;
  int64_t start_ns_;
};

}  // namespace postino::metrics
