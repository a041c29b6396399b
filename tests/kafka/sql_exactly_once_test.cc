// Exactly-once SQL under SIGKILL: two aggregations over a stream (one by the record key, one by a
// value column) and an aggregation over a table (rows moving between groups, deletes) run in
// `sluice serve` while it is killed with SIGKILL and restarted 20 times during their input. Their
// output topics, read read_committed, must equal — record for record, values in order per key —
// those of a server that ran the same statements over the same input without a crash: no output
// lost, none repeated, no state counted twice.
//
// The inputs are chosen so that an uninterrupted run is deterministic: every key of an output
// gets its input from one partition, in order (clicks are partitioned by page; users is one
// partition); USER_COUNTS groups by a value column whose records come from several partitions
// (through its repartition topic, whose records are part of each checkpoint's transaction), so it
// compares COUNT, whose updates per key are 1, 2, 3, ... in any interleaving. TIERS, over a
// table, also goes through a repartition topic (its changes, retractions included). PAGE_TOTALS
// buffers its results (ksqlDB's record cache), emitted in each checkpoint's transaction.
// PAGE_WINDOWS is a tumbling-window aggregation (the records carry fixed timestamps, so windows
// are the same in every run); ENRICHED a stream-table LEFT JOIN of the clicks with a table of
// pages (written, and consumed, before the clicks: which page row a click meets does not depend
// on timing), its state in the join task's store and changelog.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "tests/kafka/rdkafka_client.h"
#include "tests/support/sluice_process.h"

namespace sluice::testing {
namespace {

using std::chrono::milliseconds;

constexpr int kClickPartitions = 4;
constexpr int kClicks = 6000;
constexpr int kUserUpdates = 1500;
constexpr int kKills = 20;

const ConfigPairs kReadCommitted = {{"isolation.level", "read_committed"}};

const char* const kStatements =
    "CREATE STREAM clicks (page STRING KEY, usr STRING, amount INT) "
    "WITH (kafka_topic='clicks', value_format='JSON');"
    "CREATE TABLE page_stats AS SELECT page, COUNT(*) AS n, SUM(amount) AS total "
    "FROM clicks GROUP BY page;"
    "CREATE TABLE user_counts AS SELECT usr, COUNT(*) AS n FROM clicks GROUP BY usr;"
    "CREATE TABLE users (id STRING PRIMARY KEY, tier STRING, balance INT) "
    "WITH (kafka_topic='users', value_format='JSON');"
    "CREATE TABLE tiers AS SELECT tier, COUNT(*) AS n, SUM(balance) AS total "
    "FROM users GROUP BY tier;"
    // Buffered as ksqlDB's record cache does: a page's result once per checkpoint.
    "SET 'ksql.streams.cache.max.bytes.buffering'='10000000';"
    "CREATE TABLE page_totals AS SELECT page, COUNT(*) AS n, SUM(amount) AS total "
    "FROM clicks GROUP BY page;"
    "SET 'ksql.streams.cache.max.bytes.buffering'='0';"
    "CREATE TABLE page_windows AS SELECT page, COUNT(*) AS n, SUM(amount) AS total "
    "FROM clicks WINDOW TUMBLING (SIZE 2 SECONDS) GROUP BY page;"
    "CREATE TABLE pages (id STRING PRIMARY KEY, grp STRING) "
    "WITH (kafka_topic='pages', value_format='JSON');"
    "CREATE STREAM enriched AS SELECT c.page, c.usr, c.amount, p.grp "
    "FROM clicks c LEFT JOIN pages p ON c.page = p.id;";

struct Input {
  std::string topic;
  int32_t partition = 0;
  std::string key;
  std::optional<std::string> value;
  int64_t timestamp = 0;  // 0: the producer's
};

// The pages table: 30 of the 40 pages (the others join NULLs), one update each.
std::vector<Input> make_pages() {
  std::vector<Input> in;
  in.reserve(40);
  for (int page = 0; page < 30; ++page) {
    in.push_back({"pages", 0, "page" + std::to_string(page),
                  R"({"GRP":"g)" + std::to_string(page % 7) + "\"}"});
  }
  for (int page = 0; page < 30; page += 3) {
    in.push_back({"pages", 0, "page" + std::to_string(page),
                  R"({"GRP":"h)" + std::to_string(page % 5) + "\"}"});
  }
  return in;
}

// The same input every run: clicks spread over pages and users, and user rows that move between
// tiers and are sometimes deleted.
// The clicks' event times start here: recent (a log's time retention, 7 days by default, would
// delete older records from the rolled segments of the killed run, never from the uninterrupted
// run's one segment), and the same in both runs, so that their windows are the same.
const int64_t kFirstClickTime =
    std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count() /
    60000 * 60000;

std::vector<Input> make_input() {
  std::vector<Input> in;
  std::mt19937 rng(7);
  int click = 0, update = 0;
  while (click < kClicks || update < kUserUpdates) {
    if (click < kClicks) {
      int page = static_cast<int>(rng() % 40);
      std::string key = "page" + std::to_string(page);
      std::string value = R"({"USR":"u)" + std::to_string(rng() % 25) + R"(","AMOUNT":)" +
                          std::to_string(rng() % 100) + "}";
      // Event times 7 ms apart from kFirstClickTime: the same windows in both runs.
      in.push_back(
          {"clicks", page % kClickPartitions, key, value, kFirstClickTime + int64_t{click} * 7});
      ++click;
    }
    if (update < kUserUpdates && click % 4 == 0) {
      std::string key = "id" + std::to_string(rng() % 60);
      std::optional<std::string> value;
      if (rng() % 10 != 0) {
        value = R"({"TIER":"t)" + std::to_string(rng() % 5) + R"(","BALANCE":)" +
                std::to_string(rng() % 1000) + "}";
      }
      in.push_back({"users", 0, key, value});
      ++update;
    }
  }
  return in;
}

void ksql(const SluiceProcess& server, const std::string& statements) {
  std::string body = R"({"ksql": ")" + statements +
                     R"(", "streamsProperties": {"ksql.streams.auto.offset.reset": "earliest"}})";
  CommandResult r = run_command(
      {"curl", "-s", "-S", "-X", "POST", "-H", "Content-Type: application/vnd.ksql.v1+json",
       "--data-binary", body, "http://127.0.0.1:" + std::to_string(server.http_port()) + "/ksql"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(r.out.find("\"error_code\""), std::string::npos) << r.out;
}

// Produces `input` in order with an idempotent producer that retries across restarts; `paced`
// spreads it over a few seconds (so that kills land during the input).
class InputProducer {
 public:
  explicit InputProducer(const std::string& bootstrap)
      : rk_(make_handle(RD_KAFKA_PRODUCER,
                        make_conf(bootstrap, {{"enable.idempotence", "true"},
                                              {"acks", "all"},
                                              {"linger.ms", "5"},
                                              {"retry.backoff.ms", "20"},
                                              {"message.timeout.ms", "300000"}}))) {}
  void produce(const std::vector<Input>& input, bool paced) {
    for (size_t i = 0; i < input.size(); ++i) {
      const Input& m = input[i];
      void* value = m.value ? const_cast<char*>(m.value->data()) : nullptr;
      size_t value_size = m.value ? m.value->size() : 0;
      while (true) {
        rd_kafka_resp_err_t err = rd_kafka_producev(
            rk_.get(), RD_KAFKA_V_TOPIC(m.topic.c_str()), RD_KAFKA_V_PARTITION(m.partition),
            RD_KAFKA_V_KEY(m.key.data(), m.key.size()), RD_KAFKA_V_VALUE(value, value_size),
            RD_KAFKA_V_TIMESTAMP(m.timestamp), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_END);
        if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
          ASSERT_EQ(err, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(err);
          break;
        }
        rd_kafka_poll(rk_.get(), 10);
      }
      if (paced && i % 25 == 24) std::this_thread::sleep_for(milliseconds(40));
      rd_kafka_poll(rk_.get(), 0);
    }
    ASSERT_EQ(rd_kafka_flush(rk_.get(), 300000), RD_KAFKA_RESP_ERR_NO_ERROR);
  }

 private:
  RdKafkaPtr rk_;
};

// Per key, the values of the topic's records in order (read_committed).
using Outputs = std::map<std::string, std::vector<std::string>>;

Outputs read_outputs(const SluiceProcess& server, const std::string& topic, int partitions) {
  Outputs out;
  for (const ReadMessage& m :
       read_all(server.bootstrap(), topic, partitions, std::chrono::seconds(60), kReadCommitted)) {
    out[m.key].push_back(m.value);
  }
  return out;
}

size_t total(const Outputs& o) {
  size_t n = 0;
  for (const auto& [k, v] : o) n += v.size();
  return n;
}

// Waits until the outputs stop growing (the queries have consumed their input).
std::map<std::string, Outputs> settled_outputs(const SluiceProcess& server) {
  const std::vector<std::pair<std::string, int>> topics = {{"PAGE_STATS", kClickPartitions},
                                                           {"USER_COUNTS", kClickPartitions},
                                                           {"TIERS", 1},
                                                           {"PAGE_TOTALS", kClickPartitions},
                                                           {"PAGE_WINDOWS", kClickPartitions},
                                                           {"ENRICHED", kClickPartitions}};
  std::map<std::string, Outputs> last;
  size_t last_total = 0;
  int stable = 0;
  for (int i = 0; i < 240 && stable < 3; ++i) {
    std::map<std::string, Outputs> now;
    size_t n = 0;
    for (const auto& [topic, parts] : topics) {
      now[topic] = read_outputs(server, topic, parts);
      n += total(now[topic]);
    }
    stable = n == last_total && n >= static_cast<size_t>(kClicks) * 2 ? stable + 1 : 0;
    last_total = n;
    last = std::move(now);
    std::this_thread::sleep_for(milliseconds(500));
  }
  EXPECT_EQ(stable, 3) << "the outputs did not settle";
  return last;
}

void setup(SluiceProcess& server) {
  ASSERT_EQ(create_topic(server.bootstrap(), "clicks", kClickPartitions), "");
  ASSERT_EQ(create_topic(server.bootstrap(), "users", 1), "");
  ASSERT_EQ(create_topic(server.bootstrap(), "pages", 1), "");
  ksql(server, kStatements);
  // The pages first, given time to reach the join's state and a checkpoint before any click.
  InputProducer(server.bootstrap()).produce(make_pages(), false);
  std::this_thread::sleep_for(std::chrono::seconds(3));
}

// The values of USER_COUNTS compared by their COUNT only (its interleaving is not fixed).
TEST(SqlExactlyOnce, OutputsAfterTwentyKillsEqualAnUninterruptedRun) {
  std::vector<Input> input = make_input();

  std::map<std::string, Outputs> expected;
  {
    TempDir dir;
    SluiceProcess server(dir.path() + "/data", kShortRebalanceDelay);
    server.start();
    setup(server);
    InputProducer(server.bootstrap()).produce(input, false);
    expected = settled_outputs(server);
    server.stop();
  }
  ASSERT_EQ(total(expected["PAGE_STATS"]), static_cast<size_t>(kClicks));
  ASSERT_EQ(total(expected["USER_COUNTS"]), static_cast<size_t>(kClicks));

  // The killed server keeps few groups in memory (a 2 KB cache per query): groups are evicted,
  // read back from RocksDB and checkpointed early for room, between kills, and the outputs must
  // still be those of the uninterrupted run (whose groups all stay in memory).
  TempDir dir;
  std::string config = dir.path() + "/sluice.toml";
  {
    std::ofstream out(config);
    out << "[sql]\nstate_cache_bytes = 2048\n";
  }
  std::vector<std::string> args = kShortRebalanceDelay;
  args.insert(args.end(), {"--config", config});
  SluiceProcess server(dir.path() + "/data", args);
  server.start();
  setup(server);
  std::thread producer([&] { InputProducer(server.bootstrap()).produce(input, true); });
  std::mt19937 rng(11);
  for (int kill = 0; kill < kKills; ++kill) {
    std::this_thread::sleep_for(milliseconds(250 + rng() % 350));
    server.kill();
    server.start();
  }
  producer.join();
  std::map<std::string, Outputs> actual = settled_outputs(server);
  server.stop();

  ASSERT_EQ(total(expected["ENRICHED"]), static_cast<size_t>(kClicks));
  ASSERT_EQ(total(expected["PAGE_WINDOWS"]), static_cast<size_t>(kClicks));
  for (const char* topic : {"PAGE_STATS", "TIERS", "PAGE_WINDOWS", "ENRICHED"}) {
    EXPECT_EQ(total(actual[topic]), total(expected[topic])) << topic;
    for (const auto& [key, values] : expected[topic]) {
      EXPECT_EQ(actual[topic][key], values) << topic << " key " << key;
    }
    EXPECT_EQ(actual[topic].size(), expected[topic].size()) << topic;
  }
  EXPECT_EQ(total(actual["USER_COUNTS"]), total(expected["USER_COUNTS"]));
  for (const auto& [key, values] : expected["USER_COUNTS"]) {
    std::vector<std::string> counts;
    for (size_t i = 1; i <= values.size(); ++i)
      counts.push_back(R"({"N":)" + std::to_string(i) + "}");
    EXPECT_EQ(values, counts) << "key " << key;
    EXPECT_EQ(actual["USER_COUNTS"][key], counts) << "key " << key;
  }
  // PAGE_TOTALS emits a page's result at checkpoints, so how many depends on their timing: each
  // page's counts only grow (none repeated or lost across a crash) and it ends at the final row
  // of the uninterrupted run.
  for (const auto& [key, values] : expected["PAGE_STATS"]) {
    const std::vector<std::string>& got = actual["PAGE_TOTALS"][key];
    ASSERT_FALSE(got.empty()) << "PAGE_TOTALS key " << key;
    EXPECT_EQ(got.back(), values.back()) << "PAGE_TOTALS key " << key;
    int64_t last = 0;
    for (const std::string& v : got) {
      auto n = std::stoll(v.substr(v.find(':') + 1));
      EXPECT_GT(n, last) << "PAGE_TOTALS key " << key << ": " << v;
      last = n;
    }
  }
  EXPECT_EQ(actual["PAGE_TOTALS"].size(), expected["PAGE_STATS"].size());
  EXPECT_LT(total(actual["PAGE_TOTALS"]), total(expected["PAGE_STATS"]));
  std::cout << "[ eos      ] " << kKills << " kills; outputs: PAGE_STATS "
            << total(actual["PAGE_STATS"]) << ", USER_COUNTS " << total(actual["USER_COUNTS"])
            << ", TIERS " << total(actual["TIERS"]) << ", PAGE_TOTALS (buffered) "
            << total(actual["PAGE_TOTALS"]) << ", PAGE_WINDOWS " << total(actual["PAGE_WINDOWS"])
            << ", ENRICHED " << total(actual["ENRICHED"]) << "\n";
}

}  // namespace
}  // namespace sluice::testing
