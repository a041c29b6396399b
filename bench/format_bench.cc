// Format and datagen throughput, one line per figure:
//   json_decode          MB/s, M rows/s  Nexmark bid JSON records -> ColumnBatch (simdjson)
//   json_decode_nlohmann MB/s, M rows/s  the same records through nlohmann::json, a peer that
//                                        parses to a DOM and extracts the same fields
//   json_encode          MB/s, M rows/s  ColumnBatch -> JSON records
//   delimited_decode     MB/s, M rows/s  the same bids as CSV lines
//   delimited_encode     MB/s, M rows/s
//   avro_decode          MB/s, M rows/s  the same bids as Avro in Confluent's wire format (the
//                                        schema ksqlDB generates, through an in-memory registry)
//   avro_encode          MB/s, M rows/s
//   avsc_decode/_encode  MB/s, M rows/s  the peer: avsc (npm, through node) on the same datums,
//                                        when tests/node has it installed; then the ratios
//   nexmark_gen          M events/s      events into a ColumnBatch
//   nexmark_json         M events/s, MB/s events as JSON lines
// Rates are per second of this thread's CPU time, so that they stay comparable on a machine
// shared with other work (the wall-clock budget only bounds how long each figure runs).
// Usage: format_bench [seconds per figure, default 1]
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "connect/datagen/nexmark.h"
#include "format/avro_format.h"
#include "format/format.h"
#include "format/value.h"
#include "schema/registry.h"

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

// Prints a figure line; returns the rate in M rows/s.
double report(const char* name, double bytes, double rows, double secs) {
  std::printf("%s %.1f MB/s %.2f M rows/s\n", name, bytes / secs / 1e6, rows / secs / 1e6);
  return rows / secs / 1e6;
}

double bench_decode(const char* name, const format::Format& fmt, const format::FormatOptions& opts,
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
  if (checksum == 42) std::printf(" ");
  return report(name, bytes, rows, cpu_since(start));
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

double bench_encode(const char* name, const format::Format& fmt, const format::FormatOptions& opts,
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
  return report(name, bytes, rows, cpu_since(start));
}

// The records re-encoded in another format.
std::vector<std::string> to_format(const std::vector<std::string>& json_records,
                                   const format::Format& fmt, const format::FormatOptions& opts) {
  auto dec = format::json_format().make_decoder(bid_schema(), format::Side::kValue, {});
  auto enc = fmt.make_encoder(bid_schema(), format::Side::kValue, opts);
  check(enc.status());
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

// Rates from a figure line ("name <MB/s> MB/s <rows/s> M rows/s"); 0 when it is not one.
double rows_rate(const std::string& line) {
  size_t mb = line.find(" MB/s ");
  return mb == std::string::npos ? 0 : std::atof(line.c_str() + mb + 6);
}

// avsc on the same datums, through node, when it is installed; prints its lines and the ratios.
void bench_avsc(const std::string& schema_json, const std::vector<std::string>& avro_records,
                double budget, double our_decode, double our_encode) {
  const std::string peer = std::string(SLUICE_SOURCE_DIR) + "/bench/avsc_peer.js";
  const std::string avsc = std::string(SLUICE_SOURCE_DIR) + "/tests/node/node_modules/avsc";
  if (std::system("node --version >/dev/null 2>&1") != 0 ||
      !std::ifstream(avsc + "/package.json")) {
    std::printf("# avsc peer skipped: node or tests/node/node_modules/avsc is missing\n");
    return;
  }
  char path[] = "/tmp/sluice-avro-bench-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) return;
  close(fd);
  {
    std::ofstream out(path, std::ios::binary);
    out << schema_json << '\n';
    for (const std::string& r : avro_records) {
      // Without Confluent's header: avsc reads plain datums.
      auto n = static_cast<uint32_t>(r.size() - 5);
      char len[4] = {static_cast<char>(n), static_cast<char>(n >> 8), static_cast<char>(n >> 16),
                     static_cast<char>(n >> 24)};
      out.write(len, 4);
      out.write(r.data() + 5, n);
    }
  }
  std::string cmd = "node " + peer + " " + path + " " + std::to_string(budget);
  FILE* p = popen(cmd.c_str(), "r");
  double decode = 0, encode = 0;
  if (p) {
    char line[256];
    while (std::fgets(line, sizeof line, p)) {
      std::fputs(line, stdout);
      std::string l(line);
      if (l.rfind("avsc_decode", 0) == 0) decode = rows_rate(l);
      if (l.rfind("avsc_encode", 0) == 0) encode = rows_rate(l);
    }
    pclose(p);
  }
  std::remove(path);
  if (decode > 0 && encode > 0) {
    std::printf("avro_vs_avsc decode %.2fx encode %.2fx (rows/s per core, ours / avsc)\n",
                our_decode / decode, our_encode / encode);
  }
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
  std::vector<std::string> csv = to_format(bids, format::delimited_format(), {});
  bench_decode("delimited_decode", format::delimited_format(), {}, csv, budget);
  bench_encode("delimited_encode", format::delimited_format(), {}, bids, budget);

  schema::MemorySchemaLog log;
  auto registry = schema::SchemaRegistry::open(log);
  check(registry.status());
  format::FormatOptions avro;
  avro.registry = registry->get();
  avro.topic = "bids";
  std::vector<std::string> avro_records = to_format(bids, format::avro_format(), avro);
  double decode = bench_decode("avro_decode", format::avro_format(), avro, avro_records, budget);
  double encode = bench_encode("avro_encode", format::avro_format(), avro, bids, budget);
  auto schema = (*registry)->get_version("bids-value", "latest", false);
  if (schema.ok()) bench_avsc(schema.value->schema, avro_records, budget, decode, encode);
  bench_nexmark(budget);
  return 0;
}
