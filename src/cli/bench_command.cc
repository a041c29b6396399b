// `sluice bench nexmark --query q0|q1|q2 --events N [--threads T] [--partitions P]`: Nexmark's
// stateless queries
// written in ksqlDB SQL, run by the real engine from records already in the log to an output
// topic in the log.
//
//   1. (untimed) A LogManager in a temporary directory (or --data-dir) gets topic
//      nexmark_events with P partitions (default T), holding N generated events as JSON records
//      (batches of a few thousand records, spread over the partitions). The expected output
//      count is taken from the generator's own column rows, independently of the JSON path.
//   2. (untimed) T engines, one per worker thread, each see their share of the partitions of the
//      input and output topics (partitions p with p % T == worker) as a topic of their own
//      (PartitionSliceStore), so that P > T makes each engine read several partitions, and run
//      CREATE STREAM events ...; CREATE STREAM qN AS SELECT ...;
//   3. (timed) Every worker polls its engine until its partition is consumed.
//   4. The output topic must hold exactly the expected number of records, and the first records
//      of partition 0 the values of the bids they come from.
// Prints one line: `qN events_per_sec=... per_core=... ...` where per_core divides the events by
// the CPU seconds the whole process consumed during step 3.
#include <stdlib.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "common/clock.h"
#include "connect/datagen/nexmark.h"
#include "sql/engine/engine.h"
#include "sql/engine/log_topic_store.h"
#include "storage/log_manager.h"
#include "storage/record_batch.h"

namespace sluice::cli {

namespace {

constexpr const char* kInputTopic = "nexmark_events";

// One stream of every Nexmark event, as `sluice datagen nexmark` writes them.
constexpr const char* kEventsSql =
    "CREATE STREAM events (\n"
    "  event_type INT,\n"
    "  person STRUCT<id BIGINT, name STRING, emailAddress STRING, creditCard STRING,\n"
    "                city STRING, state STRING, dateTime BIGINT, extra STRING>,\n"
    "  auction STRUCT<id BIGINT, itemName STRING, description STRING, initialBid BIGINT,\n"
    "                 reserve BIGINT, dateTime BIGINT, expires BIGINT, seller BIGINT,\n"
    "                 category BIGINT, extra STRING>,\n"
    "  bid STRUCT<auction BIGINT, bidder BIGINT, price BIGINT, channel STRING, url STRING,\n"
    "             dateTime BIGINT, extra STRING>\n"
    ") WITH (kafka_topic='nexmark_events', value_format='JSON');\n";

struct NexmarkQuery {
  const char* name;
  const char* description;
  const char* sql;
};

// q0 passes the bids through (Nexmark's q0 is a pass-through of the bid stream), q1 converts
// the price from dollars to euros (0.908, as Nexmark; a DOUBLE literal, so BIGINT * DOUBLE),
// q2 keeps the bids of every 123rd auction (Nexmark's MOD(auction, 123) = 0).
constexpr NexmarkQuery kQueries[] = {
    {"q0", "pass-through of bids",
     "CREATE STREAM q0 WITH (kafka_topic='nexmark_q0') AS\n"
     "  SELECT bid->auction AS auction, bid->bidder AS bidder, bid->price AS price,\n"
     "         bid->channel AS channel, bid->url AS url, bid->dateTime AS dateTime,\n"
     "         bid->extra AS extra\n"
     "  FROM events WHERE event_type = 2;\n"},
    {"q1", "currency conversion",
     "CREATE STREAM q1 WITH (kafka_topic='nexmark_q1') AS\n"
     "  SELECT bid->auction AS auction, bid->bidder AS bidder,\n"
     "         bid->price * 0.908E0 AS price, bid->dateTime AS dateTime\n"
     "  FROM events WHERE event_type = 2;\n"},
    {"q2", "selection",
     "CREATE STREAM q2 WITH (kafka_topic='nexmark_q2') AS\n"
     "  SELECT bid->auction AS auction, bid->price AS price\n"
     "  FROM events WHERE event_type = 2 AND bid->auction % 123 = 0;\n"},
};

const NexmarkQuery* find_query(const std::string& name) {
  for (const NexmarkQuery& q : kQueries) {
    if (name == q.name) return &q;
  }
  return nullptr;
}

struct BenchOptions {
  std::string query;
  int64_t events = 1'000'000;
  int threads = 1;
  int partitions = 0;  // 0: one per thread
  std::string data_dir;
  uint64_t seed = 42;
  bool show_sql = false;
};

// Some partitions of every topic, seen as a topic of their own (its partition i is the inner
// topic's partition slice[i]): gives each worker's engine its own share of the input and output
// topics.
class PartitionSliceStore final : public sql::TopicStore {
 public:
  PartitionSliceStore(sql::TopicStore& inner, std::vector<int32_t> slice)
      : inner_(inner), slice_(std::move(slice)) {}

  bool exists(std::string_view topic) const override { return inner_.exists(topic); }
  int32_t partitions(std::string_view topic) const override {
    return inner_.partitions(topic) > slice_.back() ? static_cast<int32_t>(slice_.size()) : 0;
  }
  Status create(std::string_view topic, int32_t) override {
    return Status::invalid_argument(fmt::format("bench: topic {} must exist", topic));
  }
  Status remove(std::string_view topic) override { return inner_.remove(topic); }
  Result<int64_t> append(std::string_view topic, int32_t partition,
                         std::vector<sql::TopicRecord> records) override {
    SLUICE_ASSIGN_OR_RETURN(int32_t p, inner_partition(partition));
    return inner_.append(topic, p, std::move(records));
  }
  Result<int64_t> append_views(std::string_view topic, int32_t partition,
                               std::span<const sql::TopicRecordView> records) override {
    SLUICE_ASSIGN_OR_RETURN(int32_t p, inner_partition(partition));
    return inner_.append_views(topic, p, records);
  }
  Result<std::vector<sql::TopicRecord>> read(std::string_view topic, int32_t partition,
                                             int64_t from, size_t max) const override {
    SLUICE_ASSIGN_OR_RETURN(int32_t p, inner_partition(partition));
    return inner_.read(topic, p, from, max);
  }
  Status read_views(std::string_view topic, int32_t partition, int64_t from, size_t max,
                    sql::TopicReadBuffer& buf) const override {
    SLUICE_ASSIGN_OR_RETURN(int32_t p, inner_partition(partition));
    return inner_.read_views(topic, p, from, max, buf);
  }
  std::vector<std::string> topics() const override { return inner_.topics(); }

 private:
  Result<int32_t> inner_partition(int32_t partition) const {
    if (partition < 0 || static_cast<size_t>(partition) >= slice_.size()) {
      return Status::invalid_argument(fmt::format("bench: no partition {} here", partition));
    }
    return slice_[static_cast<size_t>(partition)];
  }

  sql::TopicStore& inner_;
  std::vector<int32_t> slice_;
};

double process_cpu_now() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

struct ExpectedBid {
  int64_t auction, bidder, price, date_time;
};

struct Loaded {
  uint64_t bytes = 0;
  uint64_t bids = 0;
  uint64_t bids_auction_mod_123 = 0;
  // The first bids of partition 0, and the first of them with auction % 123 == 0: what the
  // first output records of partition 0 must hold.
  std::vector<ExpectedBid> first_bids, first_selected;
};

constexpr size_t kCheckedRecords = 64;

// Writes the events as JSON records into `topic` (batches of up to kBatchRecords, partition by
// partition round robin) and counts what the queries must output, from the generator's column
// rows (a second generator with the same seed makes the same events).
Result<Loaded> load_events(LogManager& log, const BenchOptions& opts, int32_t partitions) {
  connect::nexmark::NexmarkConfig cfg;
  cfg.seed = opts.seed;
  cfg.max_events = opts.events;
  connect::nexmark::NexmarkGenerator json_gen(cfg);
  connect::nexmark::NexmarkGenerator row_gen(cfg);
  format::ColumnBatch rows(connect::nexmark::NexmarkGenerator::schema(), 4096);
  const int bid_col = rows.column_index("BID");
  const int type_col = rows.column_index("EVENT_TYPE");
  if (bid_col < 0 || type_col < 0) return Status::internal("bench: unexpected Nexmark schema");

  constexpr size_t kBatchRecords = 4096;
  constexpr size_t kMaxBatchBytes = size_t{900} * 1024;  // under max.message.bytes
  Loaded out;
  std::string lines;
  int32_t next_partition = 0;
  int64_t event = 0;
  while (json_gen.has_next()) {
    lines.clear();
    size_t n = json_gen.next_json_lines(lines, kBatchRecords);
    if (n == 0) break;
    RecordBatchBuilder builder;
    auto flush = [&]() -> Status {
      if (builder.empty()) return Status::ok();
      SLUICE_ASSIGN_OR_RETURN(std::vector<uint8_t> batch, builder.build());
      Partition* p = log.partition(kInputTopic, next_partition);
      if (!p) return Status::internal("bench: input partition missing");
      SLUICE_RETURN_IF_ERROR(p->append(ByteSpan(batch.data(), batch.size())).status());
      next_partition = (next_partition + 1) % partitions;
      builder = RecordBatchBuilder();
      return Status::ok();
    };
    std::vector<int32_t> partition_of(n);
    size_t pos = 0;
    for (size_t i = 0; i < n; ++i, ++event) {
      size_t end = lines.find('\n', pos);
      if (end == std::string::npos) return Status::internal("bench: short JSON line");
      std::string_view value(lines.data() + pos, end - pos);
      if (builder.payload_size() + value.size() > kMaxBatchBytes) SLUICE_RETURN_IF_ERROR(flush());
      builder.add(json_gen.timestamp_for_event(event), std::nullopt,
                  ByteSpan(reinterpret_cast<const uint8_t*>(value.data()), value.size()));
      partition_of[i] = next_partition;
      out.bytes += value.size();
      pos = end + 1;
    }
    SLUICE_RETURN_IF_ERROR(flush());

    rows.reset();
    size_t m = row_gen.next_batch(rows, n);
    if (m != n) return Status::internal("bench: generators disagree");
    const format::Vector& types = rows.column(static_cast<size_t>(type_col));
    const format::Vector& bid = rows.column(static_cast<size_t>(bid_col));
    for (uint32_t r = 0; r < m; ++r) {
      if (types.get<int32_t>(r) != connect::nexmark::kBid) continue;
      ExpectedBid b{bid.child(0).get<int64_t>(r), bid.child(1).get<int64_t>(r),
                    bid.child(2).get<int64_t>(r), bid.child(5).get<int64_t>(r)};
      bool selected = b.auction % 123 == 0;
      ++out.bids;
      if (selected) ++out.bids_auction_mod_123;
      if (partition_of[r] != 0) continue;
      if (out.first_bids.size() < kCheckedRecords) out.first_bids.push_back(b);
      if (selected && out.first_selected.size() < kCheckedRecords) out.first_selected.push_back(b);
    }
  }
  return out;
}

// Compares the first output records of partition 0 with the bids they must come from: the
// values, not only the count, are right. Returns a description of the first difference.
std::string check_output(const sql::TopicStore& store, const std::string& topic,
                         const NexmarkQuery& query, const Loaded& loaded) {
  bool q2 = std::string_view(query.name) == "q2";
  const std::vector<ExpectedBid>& want = q2 ? loaded.first_selected : loaded.first_bids;
  auto got = store.read(topic, 0, 0, want.size());
  if (!got) return got.status().to_string();
  if (got->size() != want.size()) {
    return fmt::format("partition 0 holds {} records, expected at least {}", got->size(),
                       want.size());
  }
  for (size_t i = 0; i < want.size(); ++i) {
    const ExpectedBid& b = want[i];
    const auto& value = (*got)[i].value;
    nlohmann::json j = nlohmann::json::parse(value.value_or("null"), nullptr, false);
    auto mismatch = [&] {
      return fmt::format("output record {} is {}", i, value.value_or("null"));
    };
    if (!j.is_object() || j.value("AUCTION", int64_t{-1}) != b.auction) return mismatch();
    if (!j.contains("PRICE") || !j["PRICE"].is_number()) return mismatch();
    if (std::string_view(query.name) == "q1") {
      if (std::abs(j["PRICE"].get<double>() - static_cast<double>(b.price) * 0.908) > 1e-6) {
        return mismatch();
      }
    } else if (j["PRICE"].get<int64_t>() != b.price) {
      return mismatch();
    }
    if (!q2 && (j.value("BIDDER", int64_t{-1}) != b.bidder ||
                j.value("DATETIME", int64_t{-1}) != b.date_time)) {
      return mismatch();
    }
  }
  return "";
}

struct Worker {
  std::unique_ptr<PartitionSliceStore> store;
  std::unique_ptr<sql::Engine> engine;
  Status status;
  uint64_t processed = 0;
};

int run_nexmark_bench(const BenchOptions& opts) {
  if (opts.show_sql) {
    std::printf("-- Nexmark events (sluice datagen nexmark)\n%s\n", kEventsSql);
    for (const NexmarkQuery& q : kQueries) {
      if (!opts.query.empty() && opts.query != q.name) continue;
      std::printf("-- %s: %s\n%s\n", q.name, q.description, q.sql);
    }
    return 0;
  }
  const NexmarkQuery* query = find_query(opts.query);
  if (!query) {
    std::fprintf(stderr, "bench: --query must be q0, q1 or q2\n");
    return 2;
  }
  if (opts.events <= 0 || opts.threads <= 0 || opts.threads > 256) {
    std::fprintf(stderr, "bench: --events and --threads (<= 256) must be positive\n");
    return 2;
  }
  if (opts.partitions != 0 && (opts.partitions < opts.threads || opts.partitions > 4096)) {
    std::fprintf(stderr, "bench: --partitions must be at least --threads (and <= 4096)\n");
    return 2;
  }

  std::string dir = opts.data_dir;
  bool temporary = dir.empty();
  if (temporary) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "sluice-bench-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) {
      std::perror("bench: mkdtemp");
      return 1;
    }
    dir = tmpl;
  }
  auto fail = [&](const Status& s) {
    std::fprintf(stderr, "bench: %s\n", s.to_string().c_str());
    return 1;
  };

  int rc = 0;
  {
    LogDefaults defaults;
    defaults.fsync = FsyncPolicy::kNever;  // the benchmark measures the engine, not the disk
    auto log = LogManager::open(posix_file_system(), dir, defaults);
    if (!log) return fail(log.status());
    const int32_t partitions = opts.partitions ? opts.partitions : opts.threads;
    std::string output_topic = fmt::format("nexmark_{}", query->name);
    for (const std::string& t : {std::string(kInputTopic), output_topic}) {
      if ((*log)->has_topic(t)) {
        if (Status s = (*log)->delete_topic(t); !s.is_ok()) return fail(s);
      }
      if (Status s = (*log)->create_topic(t, partitions, {}); !s.is_ok()) return fail(s);
    }
    double load0 = monotonic_seconds();
    auto loaded = load_events(**log, opts, partitions);
    if (!loaded) return fail(loaded.status());
    std::fprintf(stderr, "bench: loaded %lld events (%.1f MB of JSON) in %.2f s; running %s\n",
                 static_cast<long long>(opts.events), static_cast<double>(loaded->bytes) / 1e6,
                 monotonic_seconds() - load0, query->name);

    sql::LogTopicStore store(**log);
    std::vector<Worker> workers(static_cast<size_t>(opts.threads));
    for (int t = 0; t < opts.threads; ++t) {
      Worker& w = workers[static_cast<size_t>(t)];
      std::vector<int32_t> slice;
      for (int32_t p = t; p < partitions; p += opts.threads) slice.push_back(p);
      w.store = std::make_unique<PartitionSliceStore>(store, std::move(slice));
      sql::EngineOptions eo;
      eo.auto_offset_reset = sql::OffsetReset::kEarliest;  // the events are loaded first
      w.engine = std::make_unique<sql::Engine>(*w.store, eo);
      if (Status s = w.engine->execute_script(std::string(kEventsSql) + query->sql); !s.is_ok()) {
        return fail(s);
      }
    }

    double cpu0 = process_cpu_now();
    double wall0 = monotonic_seconds();
    std::vector<std::thread> threads;
    threads.reserve(workers.size());
    for (Worker& w : workers) {
      threads.emplace_back([&w] {
        for (;;) {
          auto n = w.engine->poll();
          if (!n) {
            w.status = n.status();
            return;
          }
          if (*n == 0) return;
          w.processed += *n;
        }
      });
    }
    for (std::thread& th : threads) th.join();
    double wall = std::max(monotonic_seconds() - wall0, 1e-9);
    double cpu = std::max(process_cpu_now() - cpu0, 1e-9);

    uint64_t processed = 0, errors = 0;
    for (Worker& w : workers) {
      if (!w.status.is_ok()) return fail(w.status);
      processed += w.processed;
      errors += w.engine->record_errors();
    }
    uint64_t output_records = 0;
    for (int32_t p = 0; p < partitions; ++p) {
      Partition* part = (*log)->partition(output_topic, p);
      output_records +=
          static_cast<uint64_t>(part->high_watermark().value() - part->log_start_offset().value());
    }
    uint64_t expected = query == &kQueries[2] ? loaded->bids_auction_mod_123 : loaded->bids;
    std::string wrong_values = check_output(store, output_topic, *query, *loaded);
    auto events = static_cast<double>(opts.events);
    std::printf(
        "%s events_per_sec=%.0f per_core=%.0f events=%lld threads=%d partitions=%d "
        "output_records=%llu mb_per_sec=%.1f seconds=%.3f cpu_seconds=%.3f\n",
        query->name, events / wall, events / cpu, static_cast<long long>(opts.events), opts.threads,
        partitions, static_cast<unsigned long long>(output_records),
        static_cast<double>(loaded->bytes) / wall / 1e6, wall, cpu);
    if (!wrong_values.empty()) {
      std::fprintf(stderr, "bench: wrong result: %s\n", wrong_values.c_str());
      rc = 1;
    }
    if (processed != static_cast<uint64_t>(opts.events) || errors != 0 ||
        output_records != expected) {
      std::fprintf(stderr,
                   "bench: wrong result: processed %llu of %lld events, %llu record errors, "
                   "%llu output records, expected %llu\n",
                   static_cast<unsigned long long>(processed), static_cast<long long>(opts.events),
                   static_cast<unsigned long long>(errors),
                   static_cast<unsigned long long>(output_records),
                   static_cast<unsigned long long>(expected));
      rc = 1;
    }
    workers.clear();
    if (Status s = (*log)->close(); !s.is_ok()) return fail(s);
  }
  if (temporary) {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  return rc;
}

}  // namespace

void add_bench_command(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("bench", "Run benchmarks against the embedded engine");
  cmd->require_subcommand(1);
  auto opts = std::make_shared<BenchOptions>();
  CLI::App* nexmark = cmd->add_subcommand(
      "nexmark", "Nexmark q0-q2 in ksqlDB SQL, from JSON records in the log to an output topic");
  nexmark->add_option("--query", opts->query, "q0 (pass-through), q1 (currency), q2 (selection)");
  nexmark->add_option("--events", opts->events, "Number of events loaded into the input topic")
      ->capture_default_str();
  nexmark
      ->add_option("--threads", opts->threads,
                   "Worker threads, each running the query over its own partitions")
      ->capture_default_str();
  nexmark
      ->add_option("--partitions", opts->partitions,
                   "Partitions of the input topic (default: one per thread); more than --threads "
                   "makes each worker's query read several")
      ->capture_default_str();
  nexmark->add_option("--data-dir", opts->data_dir,
                      "Log directory to use (default: a temporary one, removed afterwards)");
  nexmark->add_option("--seed", opts->seed, "Generator seed")->capture_default_str();
  nexmark->add_flag("--show-sql", opts->show_sql, "Print the SQL of the queries and exit");
  nexmark->callback([opts] { set_exit_code(run_nexmark_bench(*opts)); });
}

}  // namespace sluice::cli
