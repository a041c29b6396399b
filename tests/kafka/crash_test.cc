// `sluice serve` killed with SIGKILL 20 times while a librdkafka producer (acks=all, idempotent so
// that retries keep per-partition order) writes to a topic created with fsync=always: every
// message the producer saw acknowledged is in the log after the restarts, each partition holds its
// messages in the order they were sent, and no high watermark ever goes back. Once with the
// default segment size, once with small segments that roll all the time.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <thread>

#include "tests/kafka/rdkafka_client.h"
#include "tests/kafka/rdkafka_roles.h"
#include "tests/support/sluice_process.h"

namespace sluice::testing {
namespace {

using std::chrono::milliseconds;

constexpr int kPartitions = 3;
constexpr int kKills = 20;
constexpr const char* kTopic = "ledger";

// `min_segments`: how many segment files partition 0 must have at the end (to show that the
// kills could land during rolls).
void run_crash_test(const ConfigPairs& topic_config, size_t min_segments) {
  TempDir dir;
  SluiceProcess server(dir.path() + "/data", kShortRebalanceDelay);
  server.start();
  ASSERT_EQ(create_topic(server.bootstrap(), kTopic, kPartitions, topic_config), "");
  {
    std::ifstream props(dir.path() + "/data/topics/" + kTopic + "/topic.properties");
    std::string text((std::istreambuf_iterator<char>(props)), {});
    ASSERT_NE(text.find("fsync=always"), std::string::npos) << text;
  }

  Producer producer(server.bootstrap(), kTopic,
                    {{"enable.idempotence", "true"},
                     {"acks", "all"},
                     {"linger.ms", "2"},
                     {"retry.backoff.ms", "20"},
                     {"message.timeout.ms", "300000"}});
  std::atomic<bool> stop{false};
  std::atomic<int64_t> produced{0};
  std::thread sender([&] {
    while (!stop) {
      for (int i = 0; i < 20; ++i) {
        int64_t seq = produced.load();
        producer.produce(static_cast<int32_t>(seq % kPartitions), seq, 200);
        produced = seq + 1;
      }
      producer.poll(5);
    }
  });

  // A handle of its own for watermark queries (the sender thread owns the producer's queue).
  RdKafkaPtr probe = make_handle(RD_KAFKA_PRODUCER, make_conf(server.bootstrap(), {}));
  ASSERT_TRUE(probe);
  auto high_watermarks = [&] {
    std::map<int32_t, int64_t> hw;
    for (int32_t p = 0; p < kPartitions; ++p) {
      int64_t lo = -1, hi = -1;
      rd_kafka_resp_err_t e =
          rd_kafka_query_watermark_offsets(probe.get(), kTopic, p, &lo, &hi, 30000);
      EXPECT_EQ(e, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(e);
      hw[p] = hi;
    }
    return hw;
  };

  std::mt19937 rng(42);
  std::map<int32_t, int64_t> last_hw;
  for (int kill = 0; kill < kKills; ++kill) {
    // Long enough for the clients to reconnect and get appends in flight again.
    std::this_thread::sleep_for(milliseconds(350 + rng() % 400));
    std::set<int64_t> acked_before = producer.acked();
    server.kill();
    server.start();
    // Every message acknowledged before the kill is below the high watermark after the restart
    // (each acknowledged message occupies its own offset: the producer is idempotent).
    std::map<int32_t, int64_t> acked_per_partition;
    for (int64_t seq : acked_before) ++acked_per_partition[static_cast<int32_t>(seq % kPartitions)];
    auto hw = high_watermarks();
    for (int32_t p = 0; p < kPartitions; ++p) {
      EXPECT_GE(hw[p], acked_per_partition[p]) << "kill " << kill << " partition " << p;
      EXPECT_GE(hw[p], last_hw[p]) << "kill " << kill << ": high watermark went back";
    }
    last_hw = hw;
  }
  stop = true;
  sender.join();
  ASSERT_TRUE(producer.flush(60000)) << "flush timed out";
  std::set<int64_t> acked = producer.acked();
  auto failed = producer.failed();
  // Nothing needs to fail: the producer retries until the broker is back.
  EXPECT_TRUE(failed.empty()) << failed.size() << " failed, first " << failed.begin()->first << ": "
                              << failed.begin()->second;
  EXPECT_EQ(producer.fatal_error(), "");
  EXPECT_GT(acked.size(), 1000u) << "too little was produced to mean anything";

  // One last kill, then read everything back.
  server.kill();
  server.start();
  auto all = read_all(server.bootstrap(), kTopic, kPartitions);
  std::map<int32_t, int64_t> last_seq;
  std::set<int64_t> present;
  size_t out_of_order = 0;
  for (const auto& m : all) {
    int32_t p = -1;
    int64_t seq = -1;
    ASSERT_TRUE(parse_message_value(m.value, p, seq)) << m.value;
    ASSERT_EQ(p, m.partition);
    auto it = last_seq.find(p);
    if (it != last_seq.end() && seq <= it->second) {
      if (out_of_order++ == 0)
        ADD_FAILURE() << "partition " << p << " offset " << m.offset << ": sequence " << seq
                      << " after " << it->second;
    }
    last_seq[p] = seq;
    present.insert(seq);
  }
  EXPECT_EQ(out_of_order, 0u);
  std::vector<int64_t> lost;
  for (int64_t seq : acked)
    if (!present.count(seq)) lost.push_back(seq);
  EXPECT_TRUE(lost.empty()) << lost.size() << " acknowledged messages lost, first " << lost.front();
  std::cout << "[ crash    ] " << kKills + 1 << " kills, " << produced.load() << " produced, "
            << acked.size() << " acknowledged, " << all.size() << " in the log\n";
  server.stop();
  size_t segments = 0;
  for (const auto& e :
       std::filesystem::directory_iterator(dir.path() + "/data/topics/" + kTopic + "/0")) {
    if (e.path().extension() == ".log") ++segments;
  }
  EXPECT_GE(segments, min_segments);
}

TEST(BrokerCrash, AcknowledgedMessagesSurviveRepeatedSigkill) {
  run_crash_test({{"fsync", "always"}}, 1);
}

// The same with 64 KiB segments, so that kills also land while segments roll (a new file and its
// indexes are created, the old one's indexes written).
TEST(BrokerCrash, AcknowledgedMessagesSurviveSigkillDuringSegmentRolls) {
  run_crash_test({{"fsync", "always"}, {"segment.bytes", "65536"}}, 20);
}

}  // namespace
}  // namespace sluice::testing
