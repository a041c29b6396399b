// A small metrics registry: counters, gauges and histograms with labels, rendered as Prometheus
// text (exposition format 0.0.4) for `GET /metrics`.
//
// Thread-safety: registration takes the registry mutex; updating a metric is lock-free (atomics),
// so hot paths look a metric up once and keep the reference, which stays valid for the registry's
// lifetime. Collectors (callbacks that emit computed values such as high watermarks) run under the
// registry mutex during render and must not register metrics.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice {

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
  void set(double v) { v_.store(v, std::memory_order_relaxed); }
  void add(double d) { v_.fetch_add(d, std::memory_order_relaxed); }
  double value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> v_{0};
};

// Cumulative histogram with fixed upper bounds (plus +Inf).
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void observe(double v);
  const std::vector<double>& bounds() const { return bounds_; }
  // Per-bucket (non-cumulative) counts; the last is the +Inf bucket.
  std::vector<uint64_t> bucket_counts() const;
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  double sum() const { return sum_.load(std::memory_order_relaxed); }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;
  std::atomic<uint64_t> count_{0};
  std::atomic<double> sum_{0};
};

// Latency buckets in seconds, from 50 µs to 10 s.
const std::vector<double>& latency_buckets_seconds();

// Emits computed samples from a collector callback.
class MetricsWriter {
 public:
  virtual ~MetricsWriter() = default;
  virtual void gauge(std::string_view name, std::string_view help, const Labels& labels,
                     double v) = 0;
  virtual void counter(std::string_view name, std::string_view help, const Labels& labels,
                       double v) = 0;
};

class MetricsRegistry {
 public:
  using Collector = std::function<void(MetricsWriter&)>;

  // The process-wide registry that /metrics renders.
  static MetricsRegistry& global();

  Counter& counter(std::string_view name, std::string_view help, const Labels& labels = {});
  Gauge& gauge(std::string_view name, std::string_view help, const Labels& labels = {});
  Histogram& histogram(std::string_view name, std::string_view help, const Labels& labels = {},
                       const std::vector<double>& bounds = latency_buckets_seconds());

  // Adds a collector; returns an id for remove_collector.
  uint64_t add_collector(Collector c);
  void remove_collector(uint64_t id);

  std::string render_prometheus() const;

 private:
  enum class Kind { kCounter, kGauge, kHistogram };
  struct Series {
    std::unique_ptr<Counter> counter;
    std::unique_ptr<Gauge> gauge;
    std::unique_ptr<Histogram> histogram;
  };
  struct Family {
    Kind kind;
    std::string help;
    std::map<std::string, Series> series;  // keyed by rendered label set
  };
  Family& family(std::string_view name, std::string_view help, Kind kind);

  mutable std::mutex mu_;
  std::map<std::string, Family, std::less<>> families_;  // guarded by mu_
  std::map<uint64_t, Collector> collectors_;             // guarded by mu_
  uint64_t next_collector_id_ = 1;                       // guarded by mu_
};

// Renders `{a="x",b="y"}` with Prometheus escaping, or "" for no labels.
std::string render_labels(const Labels& labels);

}  // namespace sluice
