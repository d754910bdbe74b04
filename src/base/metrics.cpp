#include "base/metrics.hpp"

#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <variant>

namespace postino::metrics {
namespace {

enum class Kind { counter, gauge, histogram };

struct Family {
  Kind kind;
  std::string help;
  // Keyed by the rendered label set, so lookups and output order are stable.
  std::map<std::string, std::unique_ptr<Counter>> counters;
  std::map<std::string, std::unique_ptr<Gauge>> gauges;
  std::map<std::string, std::unique_ptr<Histogram>> histograms;
};

struct Registry {
  std::mutex mu;
  std::map<std::string, Family> families;
};

Registry& registry() {
  static Registry* r = new Registry;  // never destroyed: metrics outlive static teardown
  return *r;
}

std::string escape_label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out.push_back(c);
  }
  return out;
}

std::string render_labels(const Labels& labels) {
  std::string out;
  for (const auto& [k, v] : labels) {
    if (!out.empty()) out.push_back(',');
    out += k + "=\"" + escape_label(v) + "\"";
  }
  return out;
}

Family& family(const std::string& name, const std::string& help, Kind kind) {
  auto& r = registry();
  auto it = r.families.find(name);
  if (it == r.families.end()) it = r.families.emplace(name, Family{kind, help, {}, {}, {}}).first;
  return it->second;
}

std::string fmt_double(double d) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", d);
  return buf;
}

std::string with_labels(const std::string& name, const std::string& labels,
                        const std::string& extra = {}) {
  std::string l = labels;
  if (!extra.empty()) l = l.empty() ? extra : l + "," + extra;
  return l.empty() ? name : name + "{" + l + "}";
}

}  // namespace

void Histogram::observe(double seconds) {
  for (size_t i = 0; i < kBounds.size(); ++i)
    if (seconds <= kBounds[i]) buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_micros_.fetch_add(uint64_t(seconds * 1e6), std::memory_order_relaxed);
}

uint64_t Histogram::bucket(size_t i) const { return buckets_[i].load(std::memory_order_relaxed); }
double Histogram::sum() const { return double(sum_micros_.load(std::memory_order_relaxed)) / 1e6; }

Counter& counter(const std::string& name, const std::string& help, const Labels& labels) {
  auto& r = registry();
  std::lock_guard lock(r.mu);
  auto& f = family(name, help, Kind::counter);
  auto& slot = f.counters[render_labels(labels)];
  if (!slot) slot = std::make_unique<Counter>();
  return *slot;
}

Gauge& gauge(const std::string& name, const std::string& help, const Labels& labels) {
  auto& r = registry();
  std::lock_guard lock(r.mu);
  auto& f = family(name, help, Kind::gauge);
  auto& slot = f.gauges[render_labels(labels)];
  if (!slot) slot = std::make_unique<Gauge>();
  return *slot;
}

Histogram& histogram(const std::string& name, const std::string& help, const Labels& labels) {
  auto& r = registry();
  std::lock_guard lock(r.mu);
  auto& f = family(name, help, Kind::histogram);
  auto& slot = f.histograms[render_labels(labels)];
  if (!slot) slot = std::make_unique<Histogram>();
  return *slot;
}

std::string render_prometheus() {
  auto& r = registry();
  std::lock_guard lock(r.mu);
  std::string out;
  for (const auto& [name, f] : r.families) {
    out += "# HELP " + name + " " + f.help + "\n";
    switch (f.kind) {
      case Kind::counter:
        out += "# TYPE " + name + " counter\n";
        for (const auto& [l, c] : f.counters)
          out += with_labels(name, l) + " " + std::to_string(c->value()) + "\n";
        break;
      case Kind::gauge:
        out += "# TYPE " + name + " gauge\n";
        for (const auto& [l, g] : f.gauges)
          out += with_labels(name, l) + " " + std::to_string(g->value()) + "\n";
        break;
      case Kind::histogram:
        out += "# TYPE " + name + " histogram\n";
        for (const auto& [l, h] : f.histograms) {
          for (size_t i = 0; i < Histogram::kBounds.size(); ++i)
            out += with_labels(name + "_bucket", l,
                               "le=\"" + fmt_double(Histogram::kBounds[i]) + "\"") +
                   " " + std::to_string(h->bucket(i)) + "\n";
          out += with_labels(name + "_bucket", l, "le=\"+Inf\"") + " " +
                 std::to_string(h->count()) + "\n";
          out += with_labels(name + "_sum", l) + " " + fmt_double(h->sum()) + "\n";
          out += with_labels(name + "_count", l) + " " + std::to_string(h->count()) + "\n";
        }
        break;
    }
  }
  return out;
}

Timer::Timer(Histogram& h)
    : h_(h),
      start_ns_(std::chrono::duration_cast<std::chrono::nanoseconds>(
                    std::chrono::steady_clock::now().time_since_epoch())
                    .count()) {}

Timer::~Timer() {
  int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                    std::chrono::steady_clock::now().time_since_epoch())
                    .count();
  h_.observe(double(now - start_ns_) / 1e9);
}

}  // namespace postino::metrics
