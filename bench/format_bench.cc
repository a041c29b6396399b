// Format and datagen throughput, one line per figure:
//   json_decode          MB/s, M rows/s  Nexmark bid JSON records -> ColumnBatch (simdjson)
//   json_decode_nlohmann MB/s, M rows/s  the same records through nlohmann::json, a peer that
//                                        parses to a DOM and extracts the same fields
//   json_encode          MB/s, M rows/s  ColumnBatch -> JSON records
//   delimited_decode     MB/s, M rows/s  the same bids as CSV lines
//   delimited_encode     MB/s, M rows/s
//   nexmark_gen          M events/s      events into a ColumnBatch
//   nexmark_json         M events/s, MB/s events as JSON lines
// Rates are per second of this thread's CPU time, so that they stay comparable on a machine
// shared with other work (the wall-clock budget only bounds how long each figure runs).
// Usage: format_bench [seconds per figure, default 1]
#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "connect/datagen/nexmark.h"
#include "format/format.h"
#include "format/value.h"

using namespace sluice;
using format::Column;
using format::ColumnBatch;
using format::RecordBytes;
using format::Type;

namespace {

// A benchmark's setup or run that fails has no figure to report.
void check(const Status& s) {
  if (s.is_ok()) return;
  std::fprintf(stderr, "format_bench: %s\n", s.to_string().c_str());
  std::exit(1);
}

using Clock = std::chrono::steady_clock;

double cpu_now() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// A run's start: wall time for the budget, thread CPU time for the rates.
struct Start {
  Clock::time_point wall = Clock::now();
  double cpu = cpu_now();
};

double seconds_since(Start t) {
  return std::chrono::duration<double>(Clock::now() - t.wall).count();
}
double cpu_since(Start t) {
  return cpu_now() - t.cpu;
}

std::vector<Column> bid_schema() {
  return {{"AUCTION", Type::bigint()}, {"BIDDER", Type::bigint()}, {"PRICE", Type::bigint()},
          {"CHANNEL", Type::string()}, {"URL", Type::string()},    {"DATETIME", Type::timestamp()},
          {"EXTRA", Type::string()}};
}

// Nexmark bids as flat JSON objects, the records a bids topic holds.
std::vector<std::string> make_bid_records(size_t n) {
  connect::nexmark::NexmarkGenerator gen(connect::nexmark::NexmarkConfig{});
  ColumnBatch batch(connect::nexmark::NexmarkGenerator::schema(), 4096);
  auto enc = format::json_format().make_encoder(bid_schema(), format::Side::kValue, {});
  std::vector<std::string> out;
  while (out.size() < n) {
    batch.reset();
    gen.next_batch(batch, 4096);
    // Project the BID struct's fields into a flat batch.
    ColumnBatch bids(bid_schema(), 4096);
    size_t rows = 0;
    for (size_t i = 0; i < batch.size(); ++i) {
      if (batch.column(0).get<int32_t>(i) != connect::nexmark::kBid) continue;
      for (size_t f = 0; f < 7; ++f) {
        format::write_value(bids.column(f), rows, format::read_value(batch.column(3).child(f), i));
      }
      ++rows;
    }
    bids.set_size(rows);
    format::EncodedRecords recs;
    std::vector<uint32_t> cols = {0, 1, 2, 3, 4, 5, 6};
    check((*enc)->encode(bids, cols, recs));
    for (size_t i = 0; i < recs.size() && out.size() < n; ++i) {
      out.emplace_back(recs.record(i).view());
    }
  }
  return out;
}

void report(const char* name, double bytes, double rows, double secs) {
  std::printf("%s %.1f MB/s %.2f M rows/s\n", name, bytes / secs / 1e6, rows / secs / 1e6);
}

void bench_decode(const char* name, const format::Format& fmt, const format::FormatOptions& opts,
                  const std::vector<std::string>& records, double budget) {
  auto dec = fmt.make_decoder(bid_schema(), format::Side::kValue, opts);
  if (!dec.is_ok()) {
    std::fprintf(stderr, "%s: %s\n", name, dec.status().to_string().c_str());
    std::exit(1);
  }
  std::vector<RecordBytes> raw;
  double bytes_per_pass = 0;
  for (const auto& r : records) {
    raw.push_back(RecordBytes::of(r));
    bytes_per_pass += static_cast<double>(r.size());
  }
  constexpr size_t kBatch = 2048;
  ColumnBatch batch(bid_schema(), kBatch);
  std::vector<uint32_t> cols = {0, 1, 2, 3, 4, 5, 6};
  format::DecodeErrors errors;
  double rows = 0, bytes = 0;
  Start start;
  int64_t checksum = 0;
  do {
    for (size_t at = 0; at < raw.size(); at += kBatch) {
      size_t n = std::min(kBatch, raw.size() - at);
      batch.reset();
      errors.clear();
      (*dec)->decode(std::span<const RecordBytes>(raw.data() + at, n), batch, 0, cols, errors);
      batch.set_size(n);
      checksum += batch.column(2).get<int64_t>(n - 1);
    }
    rows += static_cast<double>(raw.size());
    bytes += bytes_per_pass;
  } while (seconds_since(start) < budget);
  if (!errors.empty()) {
    std::fprintf(stderr, "%s: %s\n", name, errors.errors()[0].message.c_str());
    std::exit(1);
  }
  report(name, bytes, rows, cpu_since(start));
  if (checksum == 42) std::printf(" ");
}

void bench_nlohmann(const std::vector<std::string>& records, double budget) {
  double rows = 0, bytes = 0, bytes_per_pass = 0;
  for (const auto& r : records) bytes_per_pass += static_cast<double>(r.size());
  int64_t checksum = 0;
  Start start;
  do {
    for (const auto& r : records) {
      auto j = nlohmann::json::parse(r);
      checksum += j["AUCTION"].get<int64_t>() + j["BIDDER"].get<int64_t>() +
                  j["PRICE"].get<int64_t>() + j["DATETIME"].get<int64_t>();
      checksum += static_cast<int64_t>(j["CHANNEL"].get_ref<const std::string&>().size() +
                                       j["URL"].get_ref<const std::string&>().size() +
                                       j["EXTRA"].get_ref<const std::string&>().size());
    }
    rows += static_cast<double>(records.size());
    bytes += bytes_per_pass;
  } while (seconds_since(start) < budget);
  report("json_decode_nlohmann", bytes, rows, cpu_since(start));
  if (checksum == 42) std::printf(" ");
}

void bench_encode(const char* name, const format::Format& fmt, const format::FormatOptions& opts,
                  const std::vector<std::string>& json_records, double budget) {
  // Decode once, then encode the same batches over and over.
  auto dec = format::json_format().make_decoder(bid_schema(), format::Side::kValue, {});
  auto enc = fmt.make_encoder(bid_schema(), format::Side::kValue, opts);
  constexpr size_t kBatch = 2048;
  std::vector<ColumnBatch> batches;
  std::vector<uint32_t> cols = {0, 1, 2, 3, 4, 5, 6};
  format::DecodeErrors errors;
  for (size_t at = 0; at < json_records.size(); at += kBatch) {
    size_t n = std::min(kBatch, json_records.size() - at);
    std::vector<RecordBytes> raw;
    for (size_t i = 0; i < n; ++i) raw.push_back(RecordBytes::of(json_records[at + i]));
    batches.emplace_back(bid_schema(), kBatch);
    (*dec)->decode(raw, batches.back(), 0, cols, errors);
    batches.back().set_size(n);
  }
  format::EncodedRecords out;
  double rows = 0, bytes = 0;
  Start start;
  do {
    for (const auto& b : batches) {
      out.clear();
      check((*enc)->encode(b, cols, out));
      rows += static_cast<double>(out.size());
      bytes += static_cast<double>(out.buffer().size());
    }
  } while (seconds_since(start) < budget);
  report(name, bytes, rows, cpu_since(start));
}

std::vector<std::string> to_delimited(const std::vector<std::string>& json_records) {
  auto dec = format::json_format().make_decoder(bid_schema(), format::Side::kValue, {});
  auto enc = format::delimited_format().make_encoder(bid_schema(), format::Side::kValue, {});
  std::vector<RecordBytes> raw;
  raw.reserve(json_records.size());
  for (const auto& r : json_records) raw.push_back(RecordBytes::of(r));
  ColumnBatch batch(bid_schema(), raw.size());
  format::DecodeErrors errors;
  std::vector<uint32_t> cols = {0, 1, 2, 3, 4, 5, 6};
  (*dec)->decode(raw, batch, 0, cols, errors);
  batch.set_size(raw.size());
  format::EncodedRecords out;
  check((*enc)->encode(batch, cols, out));
  std::vector<std::string> lines;
  for (size_t i = 0; i < out.size(); ++i) lines.emplace_back(out.record(i).view());
  return lines;
}

void bench_nexmark(double budget) {
  connect::nexmark::NexmarkGenerator gen(connect::nexmark::NexmarkConfig{});
  ColumnBatch batch(connect::nexmark::NexmarkGenerator::schema(), 4096);
  double events = 0;
  Start start;
  do {
    for (int i = 0; i < 64; ++i) {
      batch.reset();
      events += static_cast<double>(gen.next_batch(batch, 4096));
    }
  } while (seconds_since(start) < budget);
  std::printf("nexmark_gen %.1f M events/s\n", events / cpu_since(start) / 1e6);

  connect::nexmark::NexmarkGenerator jgen(connect::nexmark::NexmarkConfig{});
  std::string out;
  double bytes = 0;
  events = 0;
  start = Start();
  do {
    for (int i = 0; i < 64; ++i) {
      out.clear();
      events += static_cast<double>(jgen.next_json_lines(out, 4096));
      bytes += static_cast<double>(out.size());
    }
  } while (seconds_since(start) < budget);
  double secs = cpu_since(start);
  std::printf("nexmark_json %.1f M events/s %.1f MB/s\n", events / secs / 1e6, bytes / secs / 1e6);
}

}  // namespace

// An exception reaching main is a bug: std::terminate reports it and aborts, as wanted.
// NOLINTNEXTLINE(bugprone-exception-escape): an escaping exception should terminate.
int main(int argc, char** argv) {
  double budget = argc > 1 ? std::atof(argv[1]) : 1.0;
  std::vector<std::string> bids = make_bid_records(100'000);
  double avg = 0;
  for (const auto& b : bids) avg += static_cast<double>(b.size());
  std::printf("# %zu Nexmark bid records, %.0f bytes each on average, e.g. %s\n", bids.size(),
              avg / static_cast<double>(bids.size()), bids[0].c_str());
  bench_decode("json_decode", format::json_format(), {}, bids, budget);
  bench_nlohmann(bids, budget);
  bench_encode("json_encode", format::json_format(), {}, bids, budget);
  std::vector<std::string> csv = to_delimited(bids);
  bench_decode("delimited_decode", format::delimited_format(), {}, csv, budget);
  bench_encode("delimited_encode", format::delimited_format(), {}, bids, budget);
  bench_nexmark(budget);
  return 0;
}
