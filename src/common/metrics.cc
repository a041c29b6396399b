#include "common/metrics.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

namespace sluice {

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), buckets_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  std::sort(bounds_.begin(), bounds_.end());
  for (size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0);
}

void Histogram::observe(double v) {
  size_t i = std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin();
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
}

std::vector<uint64_t> Histogram::bucket_counts() const {
  std::vector<uint64_t> out(bounds_.size() + 1);
  for (size_t i = 0; i < out.size(); ++i) out[i] = buckets_[i].load(std::memory_order_relaxed);
  return out;
}

const std::vector<double>& latency_buckets_seconds() {
  static const std::vector<double> kBounds = {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                              0.005,   0.01,   0.025,   0.05,   0.1,   0.25,
                                              0.5,     1,      2.5,     5,      10};
  return kBounds;
}

MetricsRegistry& MetricsRegistry::global() {
  static MetricsRegistry* r = new MetricsRegistry();  // never destroyed: used from any thread
  return *r;
}

namespace {

void escape_into(std::string& out, std::string_view v) {
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
}

std::string format_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15) return fmt::format("{}", static_cast<int64_t>(v));
  return fmt::format("{}", v);
}

// Splices an extra label into an already rendered label set.
std::string with_label(const std::string& rendered, std::string_view key, std::string_view value) {
  std::string extra = fmt::format("{}=\"{}\"", key, value);
  if (rendered.empty()) return "{" + extra + "}";
  return rendered.substr(0, rendered.size() - 1) + "," + extra + "}";
}

class TextWriter : public MetricsWriter {
 public:
  explicit TextWriter(std::string& out) : out_(out) {}
  void gauge(std::string_view name, std::string_view help, const Labels& labels,
             double v) override {
    emit(name, help, "gauge", labels, v);
  }
  void counter(std::string_view name, std::string_view help, const Labels& labels,
               double v) override {
    emit(name, help, "counter", labels, v);
  }

 private:
  void emit(std::string_view name, std::string_view help, std::string_view type,
            const Labels& labels, double v) {
    if (last_name_ != name) {
      out_ += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
      last_name_ = name;
    }
    out_ += fmt::format("{}{} {}\n", name, render_labels(labels), format_value(v));
  }
  std::string& out_;
  std::string last_name_;
};

}  // namespace

std::string render_labels(const Labels& labels) {
  if (labels.empty()) return "";
  std::string out = "{";
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i) out += ',';
    out += labels[i].first;
    out += "=\"";
    escape_into(out, labels[i].second);
    out += '"';
  }
  out += '}';
  return out;
}

MetricsRegistry::Family& MetricsRegistry::family(std::string_view name, std::string_view help,
                                                 Kind kind) {
  auto it = families_.find(name);
  if (it == families_.end()) {
    it = families_.emplace(std::string(name), Family{kind, std::string(help), {}}).first;
  } else if (it->second.kind != kind) {
    throw std::logic_error(fmt::format("metric {} registered with two different types", name));
  }
  return it->second;
}

Counter& MetricsRegistry::counter(std::string_view name, std::string_view help,
                                  const Labels& labels) {
  std::lock_guard lock(mu_);
  Series& s = family(name, help, Kind::kCounter).series[render_labels(labels)];
  if (!s.counter) s.counter = std::make_unique<Counter>();
  return *s.counter;
}

Gauge& MetricsRegistry::gauge(std::string_view name, std::string_view help, const Labels& labels) {
  std::lock_guard lock(mu_);
  Series& s = family(name, help, Kind::kGauge).series[render_labels(labels)];
  if (!s.gauge) s.gauge = std::make_unique<Gauge>();
  return *s.gauge;
}

Histogram& MetricsRegistry::histogram(std::string_view name, std::string_view help,
                                      const Labels& labels, const std::vector<double>& bounds) {
  std::lock_guard lock(mu_);
  Series& s = family(name, help, Kind::kHistogram).series[render_labels(labels)];
  if (!s.histogram) s.histogram = std::make_unique<Histogram>(bounds);
  return *s.histogram;
}

uint64_t MetricsRegistry::add_collector(Collector c) {
  std::lock_guard lock(mu_);
  uint64_t id = next_collector_id_++;
  collectors_.emplace(id, std::move(c));
  return id;
}

void MetricsRegistry::remove_collector(uint64_t id) {
  std::lock_guard lock(mu_);
  collectors_.erase(id);
}

std::string MetricsRegistry::render_prometheus() const {
  std::lock_guard lock(mu_);
  std::string out;
  for (const auto& [name, fam] : families_) {
    const char* type = fam.kind == Kind::kCounter ? "counter"
                       : fam.kind == Kind::kGauge ? "gauge"
                                                  : "histogram";
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, fam.help, name, type);
    for (const auto& [labels, s] : fam.series) {
      if (s.counter) out += fmt::format("{}{} {}\n", name, labels, s.counter->value());
      if (s.gauge) out += fmt::format("{}{} {}\n", name, labels, format_value(s.gauge->value()));
      if (s.histogram) {
        const Histogram& h = *s.histogram;
        auto counts = h.bucket_counts();
        uint64_t cum = 0;
        for (size_t i = 0; i < counts.size(); ++i) {
          cum += counts[i];
          std::string le = i < h.bounds().size() ? format_value(h.bounds()[i]) : "+Inf";
          out += fmt::format("{}_bucket{} {}\n", name, with_label(labels, "le", le), cum);
        }
        out += fmt::format("{}_sum{} {}\n{}_count{} {}\n", name, labels, format_value(h.sum()),
                           name, labels, h.count());
      }
    }
  }
  TextWriter w(out);
  for (const auto& [id, c] : collectors_) c(w);
  return out;
}

}  // namespace sluice
