// `sluice bench nexmark --query q0|q1|q2|agg|q3|q4|q5|q7|q8 --events N [--threads T]
//  [--partitions P]`:
// Nexmark's stateless queries and an aggregation (bids per auction), written in ksqlDB SQL, run by
// the real engine from records already in the log to an output topic in the log.
//
//   1. (untimed) A LogManager in a temporary directory (or --data-dir) gets topic
//      nexmark_events with P partitions (default T; for agg max(T, 4)), holding N generated events
//      as JSON records (batches of a few thousand records). For q0-q2 each batch goes to the next
//      partition; for agg the bids are keyed by their auction (a BIGINT in the KAFKA format) and
//      partitioned as Kafka's default partitioner does, so that all the bids of an auction are in
//      one partition and its group in one engine (the query groups by a value column, so it also
//      writes its rows to its repartition topic, keyed by auction, and aggregates from there: the
//      bench pre-creates that topic, each engine using its own partitions of it); the other
//      events are spread round robin, unkeyed. The expected output is taken from the
//      generator's own column rows, independently of the JSON path.
//   2. (untimed) T engines, one per worker thread, each see their share of the partitions of the
//      input and output topics (partitions p with p % T == worker) as a topic of their own
//      (PartitionSliceStore), so that P > T makes each engine read several partitions, and run
//      CREATE STREAM events ...; CREATE STREAM qN AS SELECT ... (agg: CREATE TABLE agg AS
//      SELECT ... GROUP BY ...);
//   3. (timed) Every worker polls its engine until its partition is consumed.
//   4. The output topic must hold exactly the expected number of records (agg: one per bid,
//      each an update of its auction's row), and for q0-q2 the first records of partition 0 the
//      values of the bids they come from, for agg the last record of every key (the table's final
//      row) its auction's COUNT, MAX and AVG.
// Prints one line: `qN events_per_sec=... per_core=... ...` where per_core divides the events by
// the CPU seconds the whole process consumed during step 3. agg then prints the peer measured in
// the same run: `agg_duckdb duckdb_groupby_ms=... sluice_cpu_ms=... ratio=...`, DuckDB's time
// (threads=1, load excluded; bench/duckdb_groupby.js through node) for the same GROUP BY over the
// same bids (written to a temporary CSV), and ratio = sluice_cpu_ms / duckdb_groupby_ms; or
// `agg_duckdb duckdb=unavailable ...` when node or @duckdb/node-api is missing.
// q3-q8 (q3, q4 and q8 join streams their SQL derives from the events; q5 and q7 aggregate in
// windows): one engine over every partition (tasks on --threads threads), and `qN_duckdb
// duckdb_ms=... rows=... checksum=...`, DuckDB's time for the same result over the same events
// (bench/duckdb_nexmark.js, from a JSON-lines copy of them), whose row count and checksum
// Sluice's output (a table's: every key's final row) must match.
#include <stdlib.h>
#include <time.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/bench_nexmark_agg.h"
#include "cli/commands.h"
#include "common/clock.h"
#include "common/task_pool.h"
#include "connect/datagen/nexmark.h"
#include "sql/engine/ddl.h"
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

// The streams the join queries derive from the events (Nexmark's Person and Auction streams).
#define kDerivedSql                                                                        \
  "CREATE STREAM persons WITH (kafka_topic='nexmark_persons') AS\n"                        \
  "  SELECT person->id AS id, person->name AS name, person->city AS city,\n"               \
  "         person->state AS state FROM events WHERE event_type = 0;\n"                    \
  "CREATE STREAM auctions WITH (kafka_topic='nexmark_auctions') AS\n"                      \
  "  SELECT auction->id AS id, auction->seller AS seller, auction->category AS category\n" \
  "  FROM events WHERE event_type = 1;\n"

struct NexmarkQuery {
  const char* name;
  const char* description;
  const char* sql;
  // A GROUP BY bid->auction: the input's bids are partitioned by auction, and the output checked
  // as a table (AggExpectation).
  bool aggregates_by_auction = false;
  // q3-q8: run by one engine over every partition (their stages repartition), the output
  // compared with DuckDB's result for the same events (bench/duckdb_nexmark.js): the row count
  // and the sum of `checksum_column` (each value rounded).
  bool duckdb_checked = false;
  // The output is a table: compared by each key's (and window's) final row.
  bool table_output = false;
  const char* checksum_column = "AUCTION";
};

// q0 passes the bids through (Nexmark's q0 is a pass-through of the bid stream), q1 converts
// the price from dollars to euros (0.908, as Nexmark; a DOUBLE literal, so BIGINT * DOUBLE),
// q2 keeps the bids of every 123rd auction (Nexmark's MOD(auction, 123) = 0); agg counts the
// bids of each auction, with their largest and average price (a table updated per bid).
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
    {"agg", "bids per auction (GROUP BY)",
     "CREATE TABLE agg WITH (kafka_topic='nexmark_agg') AS\n"
     "  SELECT bid->auction AS auction, COUNT(*) AS bids, MAX(bid->price) AS max_price,\n"
     "         AVG(bid->price) AS avg_price\n"
     "  FROM events WHERE event_type = 2 GROUP BY bid->auction;\n",
     true},
    // Nexmark's q3 is an unwindowed (regular) join of auctions and persons; ksqlDB joins streams
    // only within a window, so the translation joins them WITHIN 1 DAY, which holds every pair of
    // the benchmark's event times (the same result as the regular join).
    {"q3", "local item suggestion (stream-stream join WITHIN 1 DAY, for Nexmark's regular join)",
     kDerivedSql "CREATE STREAM q3 WITH (kafka_topic='nexmark_q3') AS\n"
                 "  SELECT p.id AS seller, p.name AS name, p.city AS city, p.state AS state,\n"
                 "         a.id AS auction\n"
                 "  FROM auctions a JOIN persons p WITHIN 1 DAY ON a.seller = p.id\n"
                 "  WHERE a.category = 10 AND (p.state = 'OR' OR p.state = 'ID' OR "
                 "p.state = 'CA');\n",
     false, true},
    // Nexmark's q4 joins each auction with its bids made while it was open, takes the highest
    // per auction and averages those per category. The translation: a stream-stream join of
    // the auctions with the bids that come within a day after them (ksqlDB needs a window; the
    // benchmark's auctions all close sooner) and made before the auction expires, MAX per
    // auction (GROUP BY over the join) and AVG per category over that table (retracting an
    // auction's old maximum when it grows). Compared by the final row of every category.
    {"q4", "average closing price per category (join, GROUP BY, aggregation of a table)",
     "CREATE STREAM auctions WITH (kafka_topic='nexmark_auctions') AS\n"
     "  SELECT auction->id AS id, auction->category AS category, auction->expires AS expires\n"
     "  FROM events WHERE event_type = 1;\n"
     "CREATE STREAM bids WITH (kafka_topic='nexmark_bids') AS\n"
     "  SELECT bid->auction AS auction, bid->price AS price FROM events WHERE event_type = 2;\n"
     "CREATE TABLE winning_bids WITH (kafka_topic='nexmark_winning_bids') AS\n"
     "  SELECT a.id AS id, LATEST_BY_OFFSET(a.category) AS category, MAX(b.price) AS final\n"
     "  FROM auctions a JOIN bids b WITHIN (0 SECONDS, 1 DAY) ON a.id = b.auction\n"
     "  WHERE b.ROWTIME <= a.expires GROUP BY a.id;\n"
     "CREATE TABLE q4 WITH (kafka_topic='nexmark_q4') AS\n"
     "  SELECT category, AVG(final) AS avg_price FROM winning_bids GROUP BY category;\n",
     false, true, true, "AVG_PRICE"},
    // Nexmark's q5 (hot items) counts each auction's bids in 10-second windows every 2 seconds,
    // then keeps each window's auctions with the most bids; that second half aggregates a
    // windowed table, which ksqlDB refuses, so the translation is the first half: the bids per
    // auction per hopping window (compared by every window's final count).
    {"q5", "bids per auction per hopping window (the first half of Nexmark's hot items)",
     "CREATE TABLE q5 WITH (kafka_topic='nexmark_q5') AS\n"
     "  SELECT bid->auction AS auction, COUNT(*) AS num\n"
     "  FROM events WINDOW HOPPING (SIZE 10 SECONDS, ADVANCE BY 2 SECONDS)\n"
     "  WHERE event_type = 2 GROUP BY bid->auction;\n",
     false, true, true, "NUM"},
    // Nexmark's q7 (highest bid) finds each 10-second window's highest price, then the bids with
    // it; that join of bids with a windowed table is not ksqlDB SQL, so the translation is the
    // first half: the highest price per tumbling window (one group: GROUP BY 1).
    {"q7", "highest price per tumbling window (the first half of Nexmark's highest bid)",
     "CREATE TABLE q7 WITH (kafka_topic='nexmark_q7') AS\n"
     "  SELECT 1 AS k, MAX(bid->price) AS max_price\n"
     "  FROM events WINDOW TUMBLING (SIZE 10 SECONDS)\n"
     "  WHERE event_type = 2 GROUP BY 1;\n",
     false, true, true, "MAX_PRICE"},
    // Nexmark's q8 joins persons and auctions of the same 10-second tumbling window; the
    // translation joins those within 10 seconds of each other (ksqlDB's WITHIN), which DuckDB's
    // side computes alike (abs(a.dateTime - p.dateTime) <= 10000).
    {"q8", "new users who opened an auction (stream-stream join WITHIN 10 SECONDS)",
     kDerivedSql "CREATE STREAM q8 WITH (kafka_topic='nexmark_q8') AS\n"
                 "  SELECT p.id AS id, p.name AS name, a.id AS auction\n"
                 "  FROM persons p JOIN auctions a WITHIN 10 SECONDS ON p.id = a.seller;\n",
     false, true},
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
  // agg's output buffering (ksql.streams.cache.max.bytes.buffering), MB; 0: an update per bid.
  int64_t cache_mb = 0;
  // One engine whose query runs as tasks (a partition each) on a pool of `threads` threads, as
  // sluice serve runs it; otherwise one engine per thread over its share of the partitions.
  bool one_engine = false;
  // agg's peer; empty: not measured.
  std::string duckdb_script = SLUICE_BENCH_DUCKDB_SCRIPT;
  // The join queries' peer (bench/duckdb_nexmark.js); empty: not measured.
  std::string duckdb_nexmark_script = SLUICE_BENCH_DUCKDB_NEXMARK_SCRIPT;
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
  Result<int64_t> end_offset(std::string_view topic, int32_t partition) const override {
    SLUICE_ASSIGN_OR_RETURN(int32_t p, inner_partition(partition));
    return inner_.end_offset(topic, p);
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
  // agg's final rows (only for a query that aggregates by auction).
  AggExpectation agg;
};

constexpr size_t kCheckedRecords = 64;

// Writes the events as JSON records into `topic` and counts what the queries must output, from
// the generator's column rows (a second generator with the same seed makes the same events). A
// RecordBatch holds up to kBatchRecords records of one partition: for q0-q2, each generated
// chunk's records go to the next partition; for an aggregation by auction, a bid goes to its
// auction's partition (its key's), every other event round robin, and `bids_csv` (when given)
// gets every bid's auction and price.
Result<Loaded> load_events(LogManager& log, const BenchOptions& opts, const NexmarkQuery& query,
                           int32_t partitions, BidsCsv* bids_csv, std::FILE* events_jsonl) {
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
  const bool by_auction = query.aggregates_by_auction;
  Loaded out;
  std::string lines;
  std::vector<RecordBatchBuilder> builders(static_cast<size_t>(partitions));
  auto flush = [&](int32_t partition) -> Status {
    RecordBatchBuilder& builder = builders[static_cast<size_t>(partition)];
    if (builder.empty()) return Status::ok();
    SLUICE_ASSIGN_OR_RETURN(std::vector<uint8_t> batch, builder.build());
    Partition* p = log.partition(kInputTopic, partition);
    if (!p) return Status::internal("bench: input partition missing");
    SLUICE_RETURN_IF_ERROR(p->append(ByteSpan(batch.data(), batch.size())).status());
    builder = RecordBatchBuilder();
    return Status::ok();
  };
  int32_t next_partition = 0;  // q0-q2: where the records go; agg: the next unkeyed event's
  int64_t event = 0;
  std::vector<int32_t> partition_of;
  while (json_gen.has_next()) {
    rows.reset();
    size_t n = row_gen.next_batch(rows, kBatchRecords);
    if (n == 0) break;
    lines.clear();
    if (json_gen.next_json_lines(lines, n) != n) {
      return Status::internal("bench: generators disagree");
    }
    if (events_jsonl && std::fwrite(lines.data(), 1, lines.size(), events_jsonl) != lines.size()) {
      return Status::io_error("bench: writing the events for DuckDB");
    }
    const format::Vector& types = rows.column(static_cast<size_t>(type_col));
    const format::Vector& bid = rows.column(static_cast<size_t>(bid_col));

    partition_of.assign(n, 0);
    size_t pos = 0;
    for (size_t i = 0; i < n; ++i, ++event) {
      size_t end = lines.find('\n', pos);
      if (end == std::string::npos) return Status::internal("bench: short JSON line");
      std::string_view value(lines.data() + pos, end - pos);
      pos = end + 1;
      auto r = static_cast<uint32_t>(i);
      std::optional<std::array<char, 8>> key;
      if (by_auction && types.get<int32_t>(r) == connect::nexmark::kBid) {
        key = kafka_bigint_key(bid.child(0).get<int64_t>(r));
      }
      int32_t partition = next_partition;
      if (key) {
        partition =
            sql::kafka_partition_for_key(std::string_view(key->data(), key->size()), partitions);
      } else if (by_auction) {
        next_partition = (next_partition + 1) % partitions;
      }
      RecordBatchBuilder* builder = &builders[static_cast<size_t>(partition)];
      if (builder->payload_size() + value.size() > kMaxBatchBytes ||
          builder->record_count() >= kBatchRecords) {
        SLUICE_RETURN_IF_ERROR(flush(partition));
        if (!by_auction) {
          partition = next_partition = (next_partition + 1) % partitions;
          builder = &builders[static_cast<size_t>(partition)];
        }
      }
      std::optional<ByteSpan> key_bytes;
      if (key) key_bytes = ByteSpan(reinterpret_cast<const uint8_t*>(key->data()), key->size());
      builder->add(json_gen.timestamp_for_event(event), key_bytes,
                   ByteSpan(reinterpret_cast<const uint8_t*>(value.data()), value.size()));
      partition_of[i] = partition;
      out.bytes += value.size();
    }
    if (!by_auction) {
      SLUICE_RETURN_IF_ERROR(flush(next_partition));
      next_partition = (next_partition + 1) % partitions;
    }

    for (uint32_t r = 0; r < n; ++r) {
      if (types.get<int32_t>(r) != connect::nexmark::kBid) continue;
      ExpectedBid b{bid.child(0).get<int64_t>(r), bid.child(1).get<int64_t>(r),
                    bid.child(2).get<int64_t>(r), bid.child(5).get<int64_t>(r)};
      bool selected = b.auction % 123 == 0;
      ++out.bids;
      if (selected) ++out.bids_auction_mod_123;
      if (by_auction) out.agg.add_bid(b.auction, b.price);
      if (bids_csv) bids_csv->add(b.auction, b.price);
      if (partition_of[r] != 0) continue;
      if (out.first_bids.size() < kCheckedRecords) out.first_bids.push_back(b);
      if (selected && out.first_selected.size() < kCheckedRecords) out.first_selected.push_back(b);
    }
  }
  for (int32_t p = 0; p < partitions; ++p) SLUICE_RETURN_IF_ERROR(flush(p));
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

// Measures DuckDB's GROUP BY over the same bids and prints agg's peer line; returns 1 when DuckDB
// ran but grouped other bids than the bench loaded (the comparison would be meaningless).
int print_duckdb_peer(const BenchOptions& opts, const BidsCsv& csv, const AggExpectation& agg,
                      double sluice_cpu_seconds) {
  auto duck = run_duckdb_groupby(opts.duckdb_script, csv.path());
  if (!duck) {
    std::printf("agg_duckdb duckdb=unavailable\n");
    std::fprintf(stderr, "bench: DuckDB not measured: %s\n", duck.status().message().c_str());
    return 0;
  }
  double sluice_ms = sluice_cpu_seconds * 1e3;
  std::printf(
      "agg_duckdb duckdb_groupby_ms=%.1f sluice_cpu_ms=%.1f ratio=%.2f duckdb_threads=1 "
      "groups=%llu duckdb_version=%s\n",
      duck->ms, sluice_ms, sluice_ms / std::max(duck->ms, 1e-6),
      static_cast<unsigned long long>(duck->groups), duck->version.c_str());
  if (duck->groups != agg.auctions() || duck->bids != agg.bids() ||
      duck->max_price_sum != agg.max_price_sum()) {
    std::fprintf(
        stderr,
        "bench: DuckDB grouped other bids: %llu groups, %llu bids, max price sum %lld; "
        "expected %zu, %llu, %lld\n",
        static_cast<unsigned long long>(duck->groups), static_cast<unsigned long long>(duck->bids),
        static_cast<long long>(duck->max_price_sum), agg.auctions(),
        static_cast<unsigned long long>(agg.bids()), static_cast<long long>(agg.max_price_sum()));
    return 1;
  }
  return 0;
}

// A join query's figures and check: Sluice's rows against DuckDB's for the same events (count
// and sum of the AUCTION column), and DuckDB's time (threads=1) for them. Returns the exit code.
int finish_join_bench(const BenchOptions& opts, const NexmarkQuery& query,
                      const sql::TopicStore& store, const std::string& output_topic,
                      const std::string& events_path, uint64_t output_records, uint64_t errors,
                      double wall, double cpu, int32_t partitions, uint64_t bytes) {
  // A stream's rows: every record, the sum of their AUCTION; a table's: every key's final row,
  // the sum of their rounded AVG_PRICE.
  int64_t checksum = 0;
  std::map<std::string, std::optional<std::string>> final_rows;
  for (int32_t p = 0; p < store.partitions(output_topic); ++p) {
    for (int64_t from = 0;;) {
      auto got = store.read(output_topic, p, from, 4096);
      if (!got || got->empty()) break;
      for (const sql::TopicRecord& r : *got) {
        if (query.table_output) {
          final_rows[r.key.value_or("")] = r.value;
          continue;
        }
        auto j = nlohmann::json::parse(r.value.value_or("{}"), nullptr, false);
        if (j.is_object()) checksum += std::llround(j.value(query.checksum_column, 0.0));
      }
      from = got->back().offset + 1;
    }
  }
  uint64_t result_rows = output_records;
  if (query.table_output) {
    result_rows = 0;
    for (const auto& [key, value] : final_rows) {
      if (!value) continue;
      ++result_rows;
      auto j = nlohmann::json::parse(*value, nullptr, false);
      if (j.is_object()) checksum += std::llround(j.value(query.checksum_column, 0.0));
    }
  }
  auto events = static_cast<double>(opts.events);
  std::printf(
      "%s events_per_sec=%.0f per_core=%.0f events=%lld threads=%d partitions=%d "
      "output_records=%llu mb_per_sec=%.1f seconds=%.3f cpu_seconds=%.3f\n",
      query.name, events / wall, events / cpu, static_cast<long long>(opts.events), opts.threads,
      partitions, static_cast<unsigned long long>(output_records),
      static_cast<double>(bytes) / wall / 1e6, wall, cpu);
  std::fflush(stdout);
  int rc = errors == 0 ? 0 : 1;
  if (errors != 0) {
    std::fprintf(stderr, "bench: %llu record errors\n", static_cast<unsigned long long>(errors));
  }
  if (events_path.empty()) return rc;
  auto duck = run_duckdb_script(opts.duckdb_nexmark_script, {events_path, query.name});
  if (!duck) {
    std::printf("%s_duckdb duckdb=unavailable (%s)\n", query.name,
                duck.status().to_string().c_str());
    return rc;
  }
  if (duck->count("duckdb_ms") == 0 || duck->count("rows") == 0 || duck->count("checksum") == 0) {
    std::printf("%s_duckdb duckdb=unavailable\n", query.name);
    return rc;
  }
  double ms = std::strtod(duck->at("duckdb_ms").c_str(), nullptr);
  uint64_t rows = std::strtoull(duck->at("rows").c_str(), nullptr, 10);
  int64_t duck_sum = std::strtoll(duck->at("checksum").c_str(), nullptr, 10);
  std::printf(
      "%s_duckdb duckdb_ms=%.1f sluice_cpu_ms=%.1f ratio=%.2f duckdb_threads=1 rows=%llu "
      "checksum=%lld duckdb_version=%s\n",
      query.name, ms, cpu * 1000, cpu * 1000 / std::max(ms, 1e-3),
      static_cast<unsigned long long>(rows), static_cast<long long>(duck_sum),
      duck->count("duckdb_version") ? duck->at("duckdb_version").c_str() : "?");
  if (rows != result_rows || duck_sum != checksum) {
    std::fprintf(stderr,
                 "bench: wrong result: Sluice %llu rows (checksum %lld), DuckDB %llu rows "
                 "(checksum %lld)\n",
                 static_cast<unsigned long long>(result_rows), static_cast<long long>(checksum),
                 static_cast<unsigned long long>(rows), static_cast<long long>(duck_sum));
    rc = 1;
  }
  return rc;
}

struct Worker {
  std::unique_ptr<PartitionSliceStore> slice;
  sql::TopicStore* store = nullptr;  // the slice, or (join queries) every partition
  std::unique_ptr<sql::Engine> engine;
  Status status;
  uint64_t processed = 0;
};

// The figures and checks of q0-q2 and agg (and agg's peer). Returns the exit code.
int finish_bench(const BenchOptions& opts, const NexmarkQuery& query, const sql::TopicStore& store,
                 const std::string& output_topic, const Loaded& loaded, const BidsCsv* bids_csv,
                 uint64_t output_records, uint64_t processed, uint64_t errors, double wall,
                 double cpu, int engines, int32_t partitions);

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
    std::fprintf(stderr, "bench: --query must be q0, q1, q2, agg, q3, q4, q5, q7 or q8\n");
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
    // agg runs on at least four partitions by default: several per engine with 1 or 2 threads.
    const bool joins = query->duckdb_checked;
    const int32_t partitions = opts.partitions                         ? opts.partitions
                               : query->aggregates_by_auction || joins ? std::max(opts.threads, 4)
                                                                       : opts.threads;
    std::string output_topic = fmt::format("nexmark_{}", query->name);
    // agg groups by a value column, so its query writes its rows to a repartition topic (keyed by
    // auction: each engine's bids stay in its own partitions of it) and aggregates from there.
    std::vector<std::string> topics{kInputTopic, output_topic};
    const std::string query_id = fmt::format("CTAS_{}_0", sql::to_upper(query->name));
    if (query->aggregates_by_auction) {
      topics.push_back(sql::Engine::repartition_topic(query_id));
      topics.push_back(sql::Engine::changelog_topic(query_id));
    }
    // A join query's engine makes its own topics (the derived streams', the join topic, the
    // changelog): only the input is made here, and what an earlier run left goes.
    std::vector<std::string> stale;
    if (joins) {
      for (const TopicInfo& t : (*log)->topics()) stale.push_back(t.name);
      topics = {kInputTopic};
    }
    for (const std::string& t : stale) {
      if ((*log)->has_topic(t)) {
        if (Status s = (*log)->delete_topic(t); !s.is_ok()) return fail(s);
      }
    }
    for (const std::string& t : topics) {
      if ((*log)->has_topic(t)) {
        if (Status s = (*log)->delete_topic(t); !s.is_ok()) return fail(s);
      }
      if (Status s = (*log)->create_topic(t, partitions, {}); !s.is_ok()) return fail(s);
    }
    double load0 = monotonic_seconds();
    std::unique_ptr<BidsCsv> bids_csv;  // agg's peer's input
    if (query->aggregates_by_auction && !opts.duckdb_script.empty()) {
      bids_csv = std::make_unique<BidsCsv>();
      if (Status s = bids_csv->open(); !s.is_ok()) return fail(s);
    }
    // The join queries' peer reads the same events as JSON lines.
    std::string events_path;
    std::FILE* events_jsonl = nullptr;
    if (joins && !opts.duckdb_nexmark_script.empty()) {
      events_path = dir + "/events.jsonl";
      events_jsonl = std::fopen(events_path.c_str(), "w");
      if (!events_jsonl) return fail(Status::from_errno(errno, "bench: " + events_path));
    }
    auto loaded = load_events(**log, opts, *query, partitions, bids_csv.get(), events_jsonl);
    if (events_jsonl && std::fclose(events_jsonl) != 0) {
      return fail(Status::from_errno(errno, "bench: " + events_path));
    }
    if (!loaded) return fail(loaded.status());
    if (bids_csv) {
      if (Status s = bids_csv->close(); !s.is_ok()) return fail(s);
    }
    std::fprintf(stderr, "bench: loaded %lld events (%.1f MB of JSON) in %.2f s; running %s\n",
                 static_cast<long long>(opts.events), static_cast<double>(loaded->bytes) / 1e6,
                 monotonic_seconds() - load0, query->name);

    sql::LogTopicStore store(**log);
    // A join query's stages repartition every source: one engine over every partition, its
    // tasks on a pool of --threads threads.
    const bool one_engine = opts.one_engine || joins;
    const int engines = one_engine ? 1 : opts.threads;
    std::unique_ptr<TaskPool> pool;
    if (one_engine && opts.threads > 1) {
      pool = std::make_unique<TaskPool>(static_cast<unsigned>(opts.threads));
    }
    std::vector<Worker> workers(static_cast<size_t>(engines));
    for (int t = 0; t < engines; ++t) {
      Worker& w = workers[static_cast<size_t>(t)];
      std::vector<int32_t> slice;
      for (int32_t p = t; p < partitions; p += engines) slice.push_back(p);
      if (joins) {
        w.store = &store;
      } else {
        w.slice = std::make_unique<PartitionSliceStore>(store, std::move(slice));
        w.store = w.slice.get();
      }
      sql::EngineOptions eo;
      eo.auto_offset_reset = sql::OffsetReset::kEarliest;  // the events are loaded first
      eo.max_poll_rounds = 4;  // as a server's worker: checkpoints come between polls
      eo.cache_max_bytes_buffering = static_cast<size_t>(opts.cache_mb) << 20;
      w.engine = std::make_unique<sql::Engine>(*w.store, eo);
      if (pool) w.engine->set_task_pool(pool.get());
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
        // Checkpoints as a server makes them (every 100 ms, ksqlDB's commit interval under
        // exactly-once): buffered results out, changed groups to the changelog.
        auto checkpoint = [&w]() -> Status {
          for (sql::QueryCheckpoint& c : w.engine->take_checkpoints()) {
            SLUICE_RETURN_IF_ERROR(c.output_error);
            if (c.changelog_topic.empty()) continue;
            if (!w.store->exists(c.changelog_topic)) {
              SLUICE_RETURN_IF_ERROR(w.store->create(
                  c.changelog_topic, static_cast<int32_t>(std::max<size_t>(c.changes.size(), 1))));
            }
            std::vector<int64_t> ends;
            for (size_t p = 0; p < c.changes.size(); ++p) {
              const auto part = static_cast<int32_t>(p);
              if (!c.changes[p].empty()) {
                SLUICE_RETURN_IF_ERROR(
                    w.store->append_views(c.changelog_topic, part, sql::as_views(c.changes[p], 0))
                        .status());
              }
              SLUICE_ASSIGN_OR_RETURN(ends.emplace_back(),
                                      w.store->end_offset(c.changelog_topic, part));
            }
            SLUICE_RETURN_IF_ERROR(w.engine->commit_state(c.id, ends, false));
          }
          return Status::ok();
        };
        auto last = std::chrono::steady_clock::now();
        for (;;) {
          auto n = w.engine->poll();
          if (!n) {
            w.status = n.status();
            return;
          }
          w.processed = w.engine->input_records();
          auto now = std::chrono::steady_clock::now();
          if (*n == 0 || now - last >= std::chrono::milliseconds(100)) {
            last = now;
            w.status = checkpoint();
            if (!w.status.is_ok() || *n == 0) return;
          }
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
    for (int32_t p = 0; p < store.partitions(output_topic); ++p) {
      Partition* part = (*log)->partition(output_topic, p);
      output_records +=
          static_cast<uint64_t>(part->high_watermark().value() - part->log_start_offset().value());
    }
    if (joins) {
      rc = finish_join_bench(opts, *query, store, output_topic, events_path, output_records, errors,
                             wall, cpu, partitions, loaded->bytes);
    } else {
      rc = finish_bench(opts, *query, store, output_topic, *loaded, bids_csv.get(), output_records,
                        processed, errors, wall, cpu, engines, partitions);
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

int finish_bench(const BenchOptions& opts, const NexmarkQuery& query, const sql::TopicStore& store,
                 const std::string& output_topic, const Loaded& loaded, const BidsCsv* bids_csv,
                 uint64_t output_records, uint64_t processed, uint64_t errors, double wall,
                 double cpu, int engines, int32_t partitions) {
  int rc = 0;
  uint64_t expected = &query == &kQueries[2] ? loaded.bids_auction_mod_123 : loaded.bids;
  // Buffered, agg emits each auction at least once (its final row) and at most once per bid.
  const bool buffered = query.aggregates_by_auction && opts.cache_mb > 0;
  const bool output_count_ok =
      buffered ? output_records >= loaded.agg.auctions() && output_records <= loaded.bids
               : output_records == expected;
  std::string wrong_values = query.aggregates_by_auction
                                 ? loaded.agg.check(store, output_topic, partitions)
                                 : check_output(store, output_topic, query, loaded);
  auto events = static_cast<double>(opts.events);
  std::printf(
      "%s events_per_sec=%.0f per_core=%.0f events=%lld threads=%d engines=%d partitions=%d "
      "output_records=%llu cache_mb=%lld mb_per_sec=%.1f seconds=%.3f cpu_seconds=%.3f\n",
      query.name, events / wall, events / cpu, static_cast<long long>(opts.events), opts.threads,
      engines, partitions, static_cast<unsigned long long>(output_records),
      static_cast<long long>(buffered ? opts.cache_mb : 0),
      static_cast<double>(loaded.bytes) / wall / 1e6, wall, cpu);
  if (bids_csv) {
    std::fflush(stdout);
    if (print_duckdb_peer(opts, *bids_csv, loaded.agg, cpu) != 0) rc = 1;
  }
  if (!wrong_values.empty()) {
    std::fprintf(stderr, "bench: wrong result: %s\n", wrong_values.c_str());
    rc = 1;
  }
  if (processed != static_cast<uint64_t>(opts.events) || errors != 0 || !output_count_ok) {
    std::fprintf(stderr,
                 "bench: wrong result: processed %llu of %lld events, %llu record errors, "
                 "%llu output records, expected %llu\n",
                 static_cast<unsigned long long>(processed), static_cast<long long>(opts.events),
                 static_cast<unsigned long long>(errors),
                 static_cast<unsigned long long>(output_records),
                 static_cast<unsigned long long>(expected));
    rc = 1;
  }
  return rc;
}

}  // namespace

void add_bench_command(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("bench", "Run benchmarks against the embedded engine");
  cmd->require_subcommand(1);
  auto opts = std::make_shared<BenchOptions>();
  CLI::App* nexmark = cmd->add_subcommand(
      "nexmark",
      "Nexmark q0-q5, q7, q8 and an aggregation in ksqlDB SQL, from JSON records in the log to an "
      "output topic");
  nexmark->add_option("--query", opts->query,
                      "q0 (pass-through), q1 (currency), q2 (selection), agg (bids per auction: "
                      "GROUP BY, compared with DuckDB), q3, q4, q5, q7 and q8 (compared with "
                      "DuckDB)");
  nexmark->add_option("--events", opts->events, "Number of events loaded into the input topic")
      ->capture_default_str();
  nexmark
      ->add_option("--threads", opts->threads,
                   "Worker threads, each running the query over its own partitions")
      ->capture_default_str();
  nexmark
      ->add_option("--partitions", opts->partitions,
                   "Partitions of the input topic (default: one per thread; agg: at least 4); "
                   "more than --threads makes each worker's query read several")
      ->capture_default_str();
  nexmark->add_option("--data-dir", opts->data_dir,
                      "Log directory to use (default: a temporary one, removed afterwards)");
  nexmark->add_option("--seed", opts->seed, "Generator seed")->capture_default_str();
  nexmark
      ->add_option("--duckdb-script", opts->duckdb_script,
                   "agg's peer: node script timing DuckDB's GROUP BY over the bids (empty: skip)")
      ->capture_default_str();
  nexmark
      ->add_option("--cache-mb", opts->cache_mb,
                   "agg's output buffering in MB (ksql.streams.cache.max.bytes.buffering; ksqlDB's "
                   "default is 10): a group's result once per 100 ms checkpoint instead of once "
                   "per bid")
      ->capture_default_str();
  nexmark->add_flag("--one-engine", opts->one_engine,
                    "One engine running the query as tasks (one per partition and stage) on "
                    "--threads threads, as sluice serve does, instead of an engine per thread");
  nexmark->add_flag("--show-sql", opts->show_sql, "Print the SQL of the queries and exit");
  nexmark->callback([opts] { set_exit_code(run_nexmark_bench(*opts)); });
}

}  // namespace sluice::cli
