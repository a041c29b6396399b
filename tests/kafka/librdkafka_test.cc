// librdkafka against `sluice serve`: an idempotent producer (acks=all) and a consumer group of
// three members over a 6-partition topic. A member leaves and the others take over its
// partitions; committed offsets are resumed exactly after restarting both the consumers and the
// broker (SIGTERM, then SIGKILL); every message is delivered at least once, and the log holds each
// produced message exactly once, also when the broker is killed while the producer is sending.
#include <signal.h>
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <thread>

#include "tests/kafka/rdkafka_client.h"
#include "tests/kafka/rdkafka_roles.h"
#include "tests/support/background_command.h"
#include "tests/support/sluice_process.h"
#include "tests/support/sluice_server_test.h"

namespace sluice::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr int kPartitions = 6;
constexpr const char* kTopic = "orders";
constexpr const char* kGroup = "billing";

const ConfigPairs kIdempotent = {{"enable.idempotence", "true"},
                                 {"acks", "all"},
                                 {"linger.ms", "5"},
                                 {"retry.backoff.ms", "20"},
                                 {"message.timeout.ms", "120000"}};

std::string describe(const std::vector<GroupMember*>& members) {
  std::string s;
  for (auto* m : members) {
    s += m->name() + "={";
    for (int32_t p : m->assignment()) s += std::to_string(p) + ",";
    s += "} ";
  }
  return s;
}

// True when every member has at least one partition and together they own each of the topic's
// partitions exactly once.
bool covers_all_partitions(const std::vector<GroupMember*>& members) {
  std::multiset<int32_t> all;
  for (auto* m : members) {
    auto a = m->assignment();
    if (a.empty()) return false;
    all.insert(a.begin(), a.end());
  }
  if (all.size() != kPartitions) return false;
  for (int32_t p = 0; p < kPartitions; ++p)
    if (all.count(p) != 1) return false;
  return true;
}

void produce_range(Producer& producer, int64_t from, int64_t to) {
  for (int64_t seq = from; seq < to; ++seq)
    producer.produce(static_cast<int32_t>(seq % kPartitions), seq);
  ASSERT_TRUE(producer.flush(60000)) << "flush timed out";
  auto failed = producer.failed();
  ASSERT_TRUE(failed.empty()) << failed.size() << " failed, first: " << failed.begin()->first << " "
                              << failed.begin()->second;
  ASSERT_EQ(producer.acked().size(), static_cast<size_t>(to)) << producer.fatal_error();
}

void expect_no_member_errors(const std::vector<GroupMember*>& members) {
  for (auto* m : members) {
    auto errors = m->errors();
    EXPECT_TRUE(errors.empty()) << m->name() << ": " << errors.size() << " errors, first "
                                << errors.front();
  }
}

// The whole topic read back from the beginning holds each of the `produced` sequence numbers
// exactly once, in its own partition, at contiguous offsets.
void expect_log_holds_each_once(const std::string& bootstrap, int64_t produced) {
  auto all = read_all(bootstrap, kTopic, kPartitions);
  std::map<int64_t, int> count;
  std::map<int32_t, int64_t> next_offset;
  std::map<int32_t, int64_t> last_seq;
  for (const auto& m : all) {
    int32_t p = -1;
    int64_t seq = -1;
    ASSERT_TRUE(parse_message_value(m.value, p, seq)) << m.value;
    EXPECT_EQ(p, m.partition);
    EXPECT_EQ(m.key, std::to_string(seq));
    ++count[seq];
    if (next_offset.count(m.partition)) {
      EXPECT_EQ(m.offset, next_offset[m.partition]) << "gap in partition " << m.partition;
    }
    next_offset[m.partition] = m.offset + 1;
    if (last_seq.count(m.partition)) {
      EXPECT_GT(seq, last_seq[m.partition]) << "out of order in partition " << m.partition;
    }
    last_seq[m.partition] = seq;
  }
  std::vector<int64_t> missing, duplicated;
  for (int64_t seq = 0; seq < produced; ++seq) {
    auto it = count.find(seq);
    if (it == count.end())
      missing.push_back(seq);
    else if (it->second > 1)
      duplicated.push_back(seq);
  }
  EXPECT_TRUE(missing.empty()) << missing.size() << " missing, first " << missing.front();
  EXPECT_TRUE(duplicated.empty()) << duplicated.size() << " duplicated, first "
                                  << duplicated.front();
  EXPECT_EQ(all.size(), static_cast<size_t>(produced));
}

class LibrdkafkaTest : public SluiceServerTest {
 protected:
  void SetUp() override {
    SluiceServerTest::SetUp();
    ASSERT_EQ(create_topic(server_->bootstrap(), kTopic, kPartitions), "");
  }
};

TEST_F(LibrdkafkaTest, GroupRebalancesAndResumesCommittedOffsetsAcrossRestarts) {
  Producer producer(bootstrap(), kTopic, kIdempotent);
  produce_range(producer, 0, 3000);
  Sink sink;

  // Three members share the six partitions.
  auto a = std::make_unique<GroupMember>("a", bootstrap(), kGroup, kTopic, sink);
  auto b = std::make_unique<GroupMember>("b", bootstrap(), kGroup, kTopic, sink);
  auto c = std::make_unique<GroupMember>("c", bootstrap(), kGroup, kTopic, sink);
  ASSERT_TRUE(wait_until(
      [&] {
        return covers_all_partitions({a.get(), b.get(), c.get()});
      },
      seconds(30)))
      << describe({a.get(), b.get(), c.get()});
  ASSERT_TRUE(wait_until([&] { return sink.distinct() == 3000; }, seconds(30))) << sink.distinct();

  // c leaves; a and b take over all six partitions and consume what comes next.
  c->close();
  ASSERT_TRUE(wait_until(
      [&] {
        return covers_all_partitions({a.get(), b.get()});
      },
      seconds(30)))
      << describe({a.get(), b.get()});
  produce_range(producer, 3000, 4500);
  ASSERT_TRUE(wait_until([&] { return sink.distinct() == 4500; }, seconds(30))) << sink.distinct();
  a->close();
  b->close();
  expect_no_member_errors({a.get(), b.get(), c.get()});
  auto committed = committed_offsets(bootstrap(), kGroup, kTopic, kPartitions);
  for (int32_t p = 0; p < kPartitions; ++p) EXPECT_EQ(committed[p], 750) << "partition " << p;

  // More messages arrive while nobody consumes; the broker restarts (SIGTERM); a new set of
  // members resumes exactly at the committed offsets.
  produce_range(producer, 4500, 6000);
  int status = server_->stop();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  server_->start();
  sink.new_phase();
  a = std::make_unique<GroupMember>("a2", bootstrap(), kGroup, kTopic, sink);
  b = std::make_unique<GroupMember>("b2", bootstrap(), kGroup, kTopic, sink);
  c = std::make_unique<GroupMember>("c2", bootstrap(), kGroup, kTopic, sink);
  ASSERT_TRUE(wait_until([&] { return sink.distinct() == 6000; }, seconds(30))) << sink.distinct();
  EXPECT_EQ(sink.first_offsets(), committed);
  a->close();
  b->close();
  c->close();
  expect_no_member_errors({a.get(), b.get(), c.get()});
  committed = committed_offsets(bootstrap(), kGroup, kTopic, kPartitions);
  for (int32_t p = 0; p < kPartitions; ++p) EXPECT_EQ(committed[p], 1000) << "partition " << p;

  // The same after SIGKILL: commits (fsync=always in __consumer_offsets) and the idempotent
  // producer's state survive a crash.
  produce_range(producer, 6000, 7500);
  server_->kill();
  server_->start();
  sink.new_phase();
  a = std::make_unique<GroupMember>("a3", bootstrap(), kGroup, kTopic, sink);
  b = std::make_unique<GroupMember>("b3", bootstrap(), kGroup, kTopic, sink);
  ASSERT_TRUE(wait_until([&] { return sink.distinct() == 7500; }, seconds(30))) << sink.distinct();
  EXPECT_EQ(sink.first_offsets(), committed);
  produce_range(producer, 7500, 9000);
  ASSERT_TRUE(wait_until([&] { return sink.distinct() == 9000; }, seconds(30))) << sink.distinct();
  a->close();
  b->close();
  expect_no_member_errors({a.get(), b.get()});
  EXPECT_TRUE(sink.anomalies().empty()) << sink.anomalies().front();
  EXPECT_EQ(producer.fatal_error(), "");
  expect_log_holds_each_once(bootstrap(), 9000);
}

// With the cooperative-sticky strategy librdkafka rebalances incrementally: when a member leaves,
// the others keep what they had and only the leaver's partitions move.
TEST_F(LibrdkafkaTest, CooperativeStickyRebalanceMovesOnlyTheLeaversPartitions) {
  Producer producer(bootstrap(), kTopic, kIdempotent);
  produce_range(producer, 0, 3000);
  Sink sink;
  const ConfigPairs coop = {{"partition.assignment.strategy", "cooperative-sticky"}};
  auto a = std::make_unique<GroupMember>("a", bootstrap(), kGroup, kTopic, sink, coop);
  auto b = std::make_unique<GroupMember>("b", bootstrap(), kGroup, kTopic, sink, coop);
  auto c = std::make_unique<GroupMember>("c", bootstrap(), kGroup, kTopic, sink, coop);
  ASSERT_TRUE(wait_until(
      [&] {
        return covers_all_partitions({a.get(), b.get(), c.get()}) && a->assignment().size() == 2 &&
               b->assignment().size() == 2;
      },
      seconds(30)))
      << describe({a.get(), b.get(), c.get()});
  ASSERT_TRUE(wait_until([&] { return sink.distinct() == 3000; }, seconds(30))) << sink.distinct();
  auto a_before = a->assignment(), b_before = b->assignment();
  c->close();
  ASSERT_TRUE(wait_until(
      [&] {
        return covers_all_partitions({a.get(), b.get()});
      },
      seconds(30)))
      << describe({a.get(), b.get()});
  auto a_after = a->assignment(), b_after = b->assignment();
  EXPECT_TRUE(std::includes(a_after.begin(), a_after.end(), a_before.begin(), a_before.end()))
      << describe({a.get(), b.get()});
  EXPECT_TRUE(std::includes(b_after.begin(), b_after.end(), b_before.begin(), b_before.end()))
      << describe({a.get(), b.get()});
  produce_range(producer, 3000, 4500);
  ASSERT_TRUE(wait_until([&] { return sink.distinct() == 4500; }, seconds(30))) << sink.distinct();
  a->close();
  b->close();
  expect_no_member_errors({a.get(), b.get(), c.get()});
  auto committed = committed_offsets(bootstrap(), kGroup, kTopic, kPartitions);
  for (int32_t p = 0; p < kPartitions; ++p) EXPECT_EQ(committed[p], 750) << "partition " << p;
  EXPECT_TRUE(sink.anomalies().empty());
}

// Static members (group.instance.id) that restart within the session timeout get their own
// partitions back.
TEST_F(LibrdkafkaTest, StaticMemberGetsItsPartitionsBackAfterARestart) {
  Producer producer(bootstrap(), kTopic, kIdempotent);
  produce_range(producer, 0, 600);
  Sink sink;
  auto member = [&](const char* name) {
    return std::make_unique<GroupMember>(
        name, bootstrap(), kGroup, kTopic, sink,
        ConfigPairs{{"group.instance.id", name}, {"session.timeout.ms", "10000"}});
  };
  auto a = member("static-a");
  auto b = member("static-b");
  ASSERT_TRUE(wait_until(
      [&] {
        return covers_all_partitions({a.get(), b.get()});
      },
      seconds(30)))
      << describe({a.get(), b.get()});
  ASSERT_TRUE(wait_until([&] { return sink.distinct() == 600; }, seconds(30))) << sink.distinct();
  auto b_before = b->assignment();
  b->close();  // a static member leaves without LeaveGroup: nothing is rebalanced
  b = member("static-b");
  ASSERT_TRUE(wait_until(
      [&] {
        return covers_all_partitions({a.get(), b.get()});
      },
      seconds(30)))
      << describe({a.get(), b.get()});
  EXPECT_EQ(b->assignment(), b_before);
  produce_range(producer, 600, 1200);
  ASSERT_TRUE(wait_until([&] { return sink.distinct() == 1200; }, seconds(30))) << sink.distinct();
  a->close();
  b->close();
  expect_no_member_errors({a.get(), b.get()});
}

// The broker is frozen (SIGSTOP) with produce requests in flight until the producer gives up on
// them and retries on a new connection; once thawed, the broker reads both the original requests
// and the retries. The retried batches must be recognised as duplicates, not appended twice.
TEST_F(LibrdkafkaTest, RetriesOfRequestsTheFrozenBrokerStillAppliesAreDeduplicated) {
  Producer producer(bootstrap(), kTopic,
                    {{"enable.idempotence", "true"},
                     {"acks", "all"},
                     {"linger.ms", "5"},
                     {"retry.backoff.ms", "20"},
                     {"request.timeout.ms", "1000"},
                     {"socket.timeout.ms", "1000"},
                     {"message.timeout.ms", "120000"}});
  produce_range(producer, 0, 600);
  for (int round = 0; round < 3; ++round) {
    int64_t from = 600 + round * 600;
    ASSERT_EQ(::kill(server_->pid(), SIGSTOP), 0);
    for (int64_t seq = from; seq < from + 600; ++seq)
      producer.produce(static_cast<int32_t>(seq % kPartitions), seq);
    // Long enough for the requests to time out and be sent again at least once.
    for (int i = 0; i < 25; ++i) producer.poll(100);
    ASSERT_EQ(::kill(server_->pid(), SIGCONT), 0);
    ASSERT_TRUE(producer.flush(60000)) << "flush timed out";
  }
  EXPECT_EQ(producer.fatal_error(), "");
  auto failed = producer.failed();
  EXPECT_TRUE(failed.empty()) << failed.size() << " failed, first: " << failed.begin()->first << " "
                              << failed.begin()->second;
  EXPECT_EQ(producer.acked().size(), 2400u);
  expect_log_holds_each_once(bootstrap(), 2400);
}

// A member that dies without leaving (kcat -G, SIGKILLed) is evicted when its session times out,
// and the survivor takes over its partitions.
TEST_F(LibrdkafkaTest, CrashedMemberIsEvictedWhenItsSessionTimesOut) {
  Producer producer(bootstrap(), kTopic, kIdempotent);
  produce_range(producer, 0, 600);
  Sink sink;
  GroupMember a("a", bootstrap(), kGroup, kTopic, sink);
  ASSERT_TRUE(wait_until([&] { return a.assignment().size() == kPartitions; }, seconds(30)));
  BackgroundCommand doomed({"kcat", "-b", bootstrap(), "-G", kGroup, kTopic, "-q", "-X",
                            "session.timeout.ms=6000", "-X", "heartbeat.interval.ms=500"},
                           dir_.path() + "/kcat");
  ASSERT_TRUE(wait_until(
      [&] {
        auto n = a.assignment().size();
        return n > 0 && n < kPartitions;
      },
      seconds(30)))
      << "kcat never joined: " << doomed.err();
  auto kill_time = std::chrono::steady_clock::now();
  doomed.stop(SIGKILL);
  ASSERT_TRUE(wait_until([&] { return a.assignment().size() == kPartitions; }, seconds(30)))
      << describe({&a});
  // Not before the session expired: the coordinator must not drop a member that merely went quiet
  // for less than session.timeout.ms (6 s; heartbeats are checked on the coordinator's tick).
  EXPECT_GT(std::chrono::steady_clock::now() - kill_time, seconds(4));
  produce_range(producer, 600, 1200);
  ASSERT_TRUE(wait_until([&] { return sink.distinct() == 1200; }, seconds(30))) << sink.distinct();
  a.close();
  expect_no_member_errors({&a});
}

// Every codec librdkafka offers, with idempotence: the broker validates the compressed batches,
// de-duplicates by sequence and serves them back as they were written.
TEST_F(LibrdkafkaTest, CompressedIdempotentBatchesRoundTrip) {
  int64_t next = 0;
  for (const char* codec : {"gzip", "snappy", "lz4", "zstd"}) {
    ConfigPairs conf = kIdempotent;
    conf.push_back({"compression.codec", codec});
    Producer producer(bootstrap(), kTopic, conf);
    for (int64_t seq = next; seq < next + 3000; ++seq)
      producer.produce(static_cast<int32_t>(seq % kPartitions), seq, 200);
    ASSERT_TRUE(producer.flush(60000)) << codec;
    EXPECT_EQ(producer.acked().size(), 3000u)
        << codec << ": " << producer.failed().size() << " failed";
    next += 3000;
  }
  expect_log_holds_each_once(bootstrap(), next);
}

// Messages near the default message.max.bytes, read by a consumer whose fetch limits are far
// smaller: the broker still returns the first batch whole (KIP-74), so the consumer progresses.
TEST_F(LibrdkafkaTest, LargeMessagesAreServedAboveTheFetchLimits) {
  Producer producer(bootstrap(), kTopic, {{"acks", "all"}, {"linger.ms", "0"}});
  for (int64_t seq = 0; seq < 12; ++seq)
    producer.produce(static_cast<int32_t>(seq % kPartitions), seq, size_t{900} * 1000);
  ASSERT_TRUE(producer.flush(60000));
  ASSERT_EQ(producer.acked().size(), 12u) << producer.failed().begin()->second;
  Sink sink;
  GroupMember member("big", bootstrap(), kGroup, kTopic, sink,
                     {{"message.max.bytes", "1024"},
                      {"fetch.max.bytes", "1024"},
                      {"max.partition.fetch.bytes", "1024"}});
  ASSERT_TRUE(wait_until([&] { return sink.distinct() == 12; }, seconds(30))) << sink.distinct();
  member.close();
  EXPECT_TRUE(sink.anomalies().empty());
  expect_no_member_errors({&member});
}

// The broker is killed three times while an idempotent producer is sending and two group members
// are consuming; the producer's retries must not duplicate anything, nothing acknowledged may be
// lost, and the members must see every message.
TEST_F(LibrdkafkaTest, IdempotentProducerRetriesAcrossBrokerKillsAddNoDuplicates) {
  Producer producer(bootstrap(), kTopic, kIdempotent);
  Sink sink;
  auto a = std::make_unique<GroupMember>("a", bootstrap(), kGroup, kTopic, sink);
  auto b = std::make_unique<GroupMember>("b", bootstrap(), kGroup, kTopic, sink);
  ASSERT_TRUE(wait_until(
      [&] {
        return covers_all_partitions({a.get(), b.get()});
      },
      seconds(30)))
      << describe({a.get(), b.get()});

  std::atomic<bool> stop{false};
  std::atomic<int64_t> produced{0};
  std::thread sender([&] {
    // About 5000 messages a second, in small bursts, so that batches are in flight at each kill.
    while (!stop) {
      for (int i = 0; i < 50; ++i) {
        int64_t seq = produced.load();
        producer.produce(static_cast<int32_t>(seq % kPartitions), seq, 100);
        produced = seq + 1;
      }
      producer.poll(10);
    }
  });
  for (int round = 0; round < 3; ++round) {
    std::this_thread::sleep_for(milliseconds(700));
    server_->kill();
    std::this_thread::sleep_for(milliseconds(100));
    server_->start();
  }
  std::this_thread::sleep_for(milliseconds(700));
  stop = true;
  sender.join();
  int64_t total = produced.load();
  ASSERT_TRUE(producer.flush(60000)) << "flush timed out";
  EXPECT_EQ(producer.fatal_error(), "");
  auto failed = producer.failed();
  EXPECT_TRUE(failed.empty()) << failed.size() << " failed, first: " << failed.begin()->first << " "
                              << failed.begin()->second;
  EXPECT_EQ(producer.acked().size(), static_cast<size_t>(total));

  ASSERT_TRUE(
      wait_until([&] { return sink.distinct() == static_cast<size_t>(total); }, seconds(60)))
      << sink.distinct() << " of " << total;
  a->close();
  b->close();
  EXPECT_TRUE(sink.anomalies().empty()) << sink.anomalies().front();
  expect_log_holds_each_once(bootstrap(), total);
}

}  // namespace
}  // namespace sluice::testing
