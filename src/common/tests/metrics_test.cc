#include "common/metrics.h"

#include <gtest/gtest.h>

namespace sluice {

TEST(Metrics, RendersCountersGaugesHistograms) {
  MetricsRegistry r;
  r.counter("sluice_requests_total", "Requests", {{"api", "Produce"}}).inc(3);
  r.counter("sluice_requests_total", "Requests", {{"api", "Fetch"}}).inc();
  r.gauge("sluice_hw", "High watermark", {{"topic", "a\"b"}}).set(42);
  auto& h = r.histogram("sluice_latency_seconds", "Latency", {}, {0.1, 1});
  h.observe(0.05);
  h.observe(0.5);
  h.observe(5);
  std::string text = r.render_prometheus();
  EXPECT_NE(text.find("# TYPE sluice_requests_total counter"), std::string::npos);
  EXPECT_NE(text.find("sluice_requests_total{api=\"Produce\"} 3"), std::string::npos);
  EXPECT_NE(text.find("sluice_requests_total{api=\"Fetch\"} 1"), std::string::npos);
  EXPECT_NE(text.find("sluice_hw{topic=\"a\\\"b\"} 42"), std::string::npos);
  EXPECT_NE(text.find("sluice_latency_seconds_bucket{le=\"0.1\"} 1"), std::string::npos);
  EXPECT_NE(text.find("sluice_latency_seconds_bucket{le=\"1\"} 2"), std::string::npos);
  EXPECT_NE(text.find("sluice_latency_seconds_bucket{le=\"+Inf\"} 3"), std::string::npos);
  EXPECT_NE(text.find("sluice_latency_seconds_count 3"), std::string::npos);
}

TEST(Metrics, SameSeriesIsSameObject) {
  MetricsRegistry r;
  Counter& a = r.counter("c", "h", {{"x", "1"}});
  Counter& b = r.counter("c", "h", {{"x", "1"}});
  EXPECT_EQ(&a, &b);
  EXPECT_THROW(r.gauge("c", "h"), std::logic_error);
}

TEST(Metrics, CollectorsEmitComputedValues) {
  MetricsRegistry r;
  uint64_t id = r.add_collector([](MetricsWriter& w) {
    w.gauge("sluice_lag", "Lag", {{"group", "g"}}, 7);
  });
  EXPECT_NE(r.render_prometheus().find("sluice_lag{group=\"g\"} 7"), std::string::npos);
  r.remove_collector(id);
  EXPECT_EQ(r.render_prometheus().find("sluice_lag"), std::string::npos);
}

}  // namespace sluice
