// kcat against `sluice serve`: metadata listing (-L), produce/consume round trips with every
// compression codec and with keys, NULLs and headers (-P/-C), two-member consumer groups splitting
// the partitions with each assignment strategy (-G), and offsets by timestamp (-Q).
#include <signal.h>
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/background_command.h"
#include "tests/support/sluice_process.h"

namespace sluice::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Splits "a|b|c" into its fields.
std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t end = s.find(sep, start);
    parts.push_back(s.substr(start, end - start));
    if (end == std::string::npos) return parts;
    start = end + 1;
  }
}

class KcatTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<SluiceProcess>(data_dir(), server_args_);
    server_->start();
  }
  void TearDown() override {
    int status = server_->stop();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
        << "sluice did not stop cleanly; see " << server_->log_path();
  }

  // kcat with the bootstrap server and the given arguments.
  std::vector<std::string> kcat(std::vector<std::string> args) const {
    args.insert(args.begin(), {"kcat", "-b", server_->bootstrap()});
    return args;
  }

  // Produces `input` (one message per line) and fails the test on error.
  void produce(std::vector<std::string> args, const std::string& input) {
    args.insert(args.begin(), "-P");
    auto r = run_command(kcat(args), input, 60000);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  std::string data_dir() const { return dir_.path() + "/data"; }

  std::vector<std::string> server_args_ = {"--default-partitions", "6"};

  TempDir dir_;
  std::unique_ptr<SluiceProcess> server_;
};

TEST_F(KcatTest, MetadataListsTheBrokerAndTopics) {
  produce({"-t", "alpha"}, "x\n");
  produce({"-t", "beta", "-p", "3"}, "y\n");
  auto r = run_command(kcat({"-L"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(" 1 brokers:\n  broker 0 at " + server_->bootstrap()), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("topic \"alpha\" with 6 partitions:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("topic \"beta\" with 6 partitions:"), std::string::npos) << r.out;
  for (int p = 0; p < 6; ++p) {
    EXPECT_NE(r.out.find("partition " + std::to_string(p) + ", leader 0, replicas: 0, isrs: 0\n"),
              std::string::npos)
        << r.out;
  }

  // One topic only, as JSON.
  r = run_command(kcat({"-L", "-t", "beta", "-J"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"topic\":\"beta\""), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("\"topic\":\"alpha\""), std::string::npos) << r.out;

  // A topic that does not exist is created on first use (auto-create is on by default).
  r = run_command(kcat({"-L", "-t", "gamma"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("topic \"gamma\" with 6 partitions:"), std::string::npos) << r.out;
}

TEST_F(KcatTest, KeysNullsAndHeadersRoundTrip) {
  produce({"-t", "h", "-p", "1", "-K", ":", "-Z", "-z", "lz4", "-H", "trace=abc", "-H",
           "empty=", "-H", "dup=1", "-H", "dup=2"},
          "k1:v1\nk2:\n:v3\nk4:v4\n");
  const std::string headers = "trace=abc,empty=,dup=1,dup=2";
  auto r = run_command(kcat(
      {"-C", "-t", "h", "-p", "1", "-o", "beginning", "-e", "-q", "-Z", "-f", "%o|%k|%s|%h\n"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "0|k1|v1|" + headers + "\n1|k2|NULL|" + headers + "\n2|NULL|v3|" + headers +
                       "\n3|k4|v4|" + headers + "\n");
  // Absolute and relative start offsets.
  r = run_command(kcat({"-C", "-t", "h", "-p", "1", "-o", "2", "-e", "-q", "-f", "%o\n"}));
  EXPECT_EQ(r.out, "2\n3\n") << r.err;
  r = run_command(kcat({"-C", "-t", "h", "-p", "1", "-o", "-3", "-e", "-q", "-f", "%o\n"}));
  EXPECT_EQ(r.out, "1\n2\n3\n") << r.err;
  // Other partitions of the topic are empty.
  r = run_command(kcat({"-C", "-t", "h", "-p", "0", "-o", "beginning", "-e", "-q"}));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
}

// 100,000 keyed lines through one codec. Keys spread the lines over the 6 partitions; reading back
// must give every line exactly once, each key in one partition, offsets dense from 0, and within a
// partition the lines in the order they were produced.
// "none_small_segments" is "none" with 64 KiB segments: reads and end offsets cross many segment
// files.
class KcatCodecTest : public KcatTest, public ::testing::WithParamInterface<const char*> {
 protected:
  void SetUp() override {
    if (small_segments()) server_args_.insert(server_args_.end(), {"--segment-bytes", "65536"});
    KcatTest::SetUp();
  }
  bool small_segments() const { return std::string(GetParam()) == "none_small_segments"; }
};

TEST_P(KcatCodecTest, HundredThousandLinesRoundTrip) {
  constexpr int kLines = 100000;
  const std::string codec = small_segments() ? "none" : GetParam();
  const std::string topic = std::string("lines-") + GetParam();
  std::string input;
  input.reserve(size_t{kLines} * 40);
  for (int i = 0; i < kLines; ++i) {
    input += "key" + std::to_string(i % 211) + ":" + std::to_string(i) + " value " +
             std::string(static_cast<size_t>(i % 23), 'a' + static_cast<char>(i % 26)) + "\n";
  }
  produce({"-t", topic, "-K", ":", "-z", codec, "-X", "linger.ms=5", "-X",
           "batch.num.messages=5000", "-X", "queue.buffering.max.messages=200000"},
          input);

  auto r = run_command(
      kcat({"-C", "-t", topic, "-o", "beginning", "-e", "-q", "-f", "%p|%o|%k|%s\n"}), "", 60000);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> lines = split_lines(r.out);
  ASSERT_EQ(lines.size(), static_cast<size_t>(kLines));

  std::vector<bool> seen(kLines, false);
  std::map<std::string, int> partition_of_key;
  std::map<int, int64_t> next_offset;  // partition -> expected next offset
  std::map<int, int> last_line;        // partition -> line number last read from it
  for (const std::string& line : lines) {
    std::vector<std::string> f = split(line, '|');
    ASSERT_EQ(f.size(), 4u) << line;
    int partition = std::stoi(f[0]);
    int64_t offset = std::stoll(f[1]);
    const std::string& key = f[2];
    const std::string& value = f[3];
    ASSERT_TRUE(partition >= 0 && partition < 6) << line;
    int i = std::stoi(value);
    ASSERT_TRUE(i >= 0 && i < kLines) << line;
    std::string expected_value =
        std::to_string(i) + " value " + std::string(static_cast<size_t>(i % 23), 'a' + (i % 26));
    ASSERT_EQ(value, expected_value);
    ASSERT_EQ(key, "key" + std::to_string(i % 211));
    ASSERT_FALSE(seen[static_cast<size_t>(i)]) << "duplicate " << line;
    seen[static_cast<size_t>(i)] = true;
    auto [it, inserted] = partition_of_key.emplace(key, partition);
    ASSERT_EQ(it->second, partition) << "key " << key << " in two partitions";
    ASSERT_EQ(next_offset[partition], offset) << "offsets not dense in partition " << partition;
    next_offset[partition] = offset + 1;
    auto last = last_line.find(partition);
    if (last != last_line.end()) {
      ASSERT_LT(last->second, i) << "partition " << partition << " out of order";
    }
    last_line[partition] = i;
  }
  // 211 keys hash to every one of the 6 partitions.
  EXPECT_EQ(next_offset.size(), 6u);

  // The broker stored the batches as they arrived: compressed, the log is much smaller than the
  // input (the values are repetitive); uncompressed, it holds at least every byte of it.
  uintmax_t log_bytes = 0;
  int segments = 0;
  for (const auto& e :
       std::filesystem::recursive_directory_iterator(data_dir() + "/topics/" + topic)) {
    if (e.is_regular_file() && e.path().extension() == ".log") {
      log_bytes += e.file_size();
      ++segments;
    }
  }
  if (small_segments()) {
    EXPECT_GT(segments, 12);  // batches are never split, so it depends on the batching
  } else {
    EXPECT_EQ(segments, 6);
  }
  if (codec == "none") {
    EXPECT_GT(log_bytes, input.size());
  } else {
    EXPECT_LT(log_bytes, input.size() * 3 / 4) << codec;
  }

  // The broker reports the same end offsets (ListOffsets latest) as the data read.
  for (auto [partition, end] : next_offset) {
    auto q = run_command(kcat({"-C", "-t", topic, "-p", std::to_string(partition), "-o", "-1", "-e",
                               "-q", "-f", "%o\n"}));
    ASSERT_EQ(q.exit_code, 0) << q.err;
    EXPECT_EQ(q.out, std::to_string(end - 1) + "\n");
  }

  if (small_segments()) {
    // After a restart the many segments are reopened: the same records, partition by partition.
    server_->stop();
    server_->start();
    for (int p = 0; p < 6; ++p) {
      auto after = run_command(kcat({"-C", "-t", topic, "-p", std::to_string(p), "-o", "beginning",
                                     "-e", "-q", "-f", "%o|%k|%s\n"}));
      std::string expected;
      for (const std::string& line : lines) {
        if (line.rfind(std::to_string(p) + "|", 0) == 0) expected += line.substr(2) + "\n";
      }
      ASSERT_EQ(after.exit_code, 0) << after.err;
      EXPECT_TRUE(after.out == expected) << "partition " << p << " differs after the restart";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Codecs, KcatCodecTest,
                         ::testing::Values("none", "gzip", "snappy", "lz4", "zstd",
                                           "none_small_segments"),
                         [](const auto& info) { return std::string(info.param); });

// Four producers at once on one 6-partition topic, over separate connections: every line lands
// once, offsets stay dense, and each producer's lines keep their order within a partition.
TEST_F(KcatTest, ConcurrentProducersInterleaveWithoutLoss) {
  constexpr int kProducers = 4, kLines = 25000;
  const std::string topic = "concurrent";
  ASSERT_EQ(run_command(kcat({"-L", "-t", topic})).exit_code, 0);
  std::vector<std::unique_ptr<BackgroundCommand>> producers;
  for (int w = 0; w < kProducers; ++w) {
    std::string file = dir_.path() + "/input" + std::to_string(w);
    {
      std::ofstream f(file);
      for (int i = 0; i < kLines; ++i) f << "w" << w << "-" << i << "\n";
    }
    producers.push_back(std::make_unique<BackgroundCommand>(
        kcat({"-P", "-t", topic, "-p", "-1", "-z", "snappy", "-X", "linger.ms=1", "-X",
              "batch.num.messages=500", "-l", file}),
        dir_.path() + "/producer" + std::to_string(w)));
  }
  for (auto& p : producers) {
    int status = p->wait(seconds(60));
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << p->err();
  }
  auto r = run_command(kcat({"-C", "-t", topic, "-o", "beginning", "-e", "-q", "-f", "%p|%o|%s\n"}),
                       "", 60000);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> lines = split_lines(r.out);
  ASSERT_EQ(lines.size(), static_cast<size_t>(kProducers * kLines));
  std::set<std::string> seen;
  std::map<int, int64_t> next_offset;
  std::map<std::pair<int, std::string>, int> last;  // (partition, producer) -> last line number
  for (const std::string& line : lines) {
    auto f = split(line, '|');
    ASSERT_EQ(f.size(), 3u) << line;
    int partition = std::stoi(f[0]);
    ASSERT_EQ(std::stoll(f[1]), next_offset[partition]++) << line;
    ASSERT_TRUE(seen.insert(f[2]).second) << "duplicate " << line;
    auto v = split(f[2], '-');
    ASSERT_EQ(v.size(), 2u) << line;
    int i = std::stoi(v[1]);
    auto [it, first] = last.emplace(std::pair{partition, v[0]}, i);
    if (!first) {
      ASSERT_LT(it->second, i) << "out of order: " << line;
      it->second = i;
    }
  }
  EXPECT_EQ(next_offset.size(), 6u);
}

// Clients that speak to pre-0.10 / 0.10 brokers (librdkafka with api.version.request=false and a
// broker.version.fallback) produce with Produce v0-v2 and legacy message sets (magic 0 and 1),
// plain and compressed; the broker stores them as v2 batches (magic 0 has no timestamps: -1).
// They were refused before (the connection was closed) although ApiVersions listed Produce v0.
TEST_F(KcatTest, OldProtocolProducersAreUpConverted) {
  for (const char* fallback : {"0.8.2", "0.9.0", "0.10.0"}) {
    for (const char* codec : {"none", "gzip", "snappy", "lz4"}) {
      std::string topic = std::string("legacy-") + fallback + "-" + codec;
      for (char& c : topic) c = c == '.' ? '_' : c;
      produce({"-t", topic, "-p", "0", "-K", ":", "-z", codec, "-X", "api.version.request=false",
               "-X", std::string("broker.version.fallback=") + fallback},
              "k1:v1\nk2:v2\nk3:v3\n");
      auto r = run_command(
          kcat({"-C", "-t", topic, "-o", "beginning", "-e", "-q", "-f", "%o %k=%s %T\n"}), "",
          60000);
      ASSERT_EQ(r.exit_code, 0) << topic << ": " << r.err;
      std::vector<std::string> lines = split_lines(r.out);
      ASSERT_EQ(lines.size(), 3u) << topic << ":\n" << r.out;
      for (int i = 0; i < 3; ++i) {
        std::string n = std::to_string(i + 1);
        std::string prefix = std::to_string(i);  // "<offset> k<n>=v<n> "
        prefix.append(" k").append(n).append("=v").append(n).append(" ");
        EXPECT_EQ(lines[i].rfind(prefix, 0), 0u) << topic << ": " << lines[i];
        bool magic0 = std::string(fallback) != "0.10.0";
        EXPECT_EQ(lines[i].substr(lines[i].rfind(' ') + 1) == "-1", magic0)
            << topic << ": " << lines[i];
      }
    }
  }
}

// A consumer that caps fetch responses (fetch.max.bytes, and receive.message.max.bytes just above
// it, as librdkafka requires) gets responses within the cap: every partition holds more than the
// cap, and the broker used to send each partition's share in full (librdkafka then refuses the
// response, "Invalid response size", and never progresses).
TEST_F(KcatTest, FetchResponsesRespectTheClientsSizeLimits) {
  const std::string topic = "capped";
  ASSERT_EQ(run_command(kcat({"-L", "-t", topic})).exit_code, 0);  // 6 partitions
  std::string lines;
  for (int i = 0; i < 36; ++i) lines += std::to_string(i) + ":" + std::string(300000, 'c') + "\n";
  produce({"-t", topic, "-X", "linger.ms=0", "-X", "batch.num.messages=1", "-X",
           "message.max.bytes=1000000"},
          lines);
  auto r = run_command(
      kcat({"-C", "-t", topic, "-o", "beginning", "-e", "-q", "-X", "fetch.max.bytes=1000000", "-X",
            "receive.message.max.bytes=1000512", "-f", "%s\n"}),
      "", 60000);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find("Invalid response size"), std::string::npos) << r.err;
  std::vector<std::string> got = split_lines(r.out);
  std::set<std::string> seen(got.begin(), got.end());
  EXPECT_EQ(got.size(), 36u);
  EXPECT_EQ(seen.size(), 36u);
}

// Consumers killed while fetch responses are on their way must not harm the broker. Half read
// from the beginning and are frozen, then killed, in the middle of large responses (the kernel
// resets the connection); half wait at the end in a long poll and are killed while a producer
// appends, so that the broker answers a connection whose client is gone. Before SIGPIPE was
// ignored, such a sendfile killed the whole process.
TEST_F(KcatTest, ConsumersKilledMidFetchLeaveTheBrokerServing) {
  const std::string topic = "large";
  std::string lines;
  for (int i = 0; i < 60; ++i) lines += std::to_string(i) + ":" + std::string(200000, 'v') + "\n";
  produce({"-t", topic, "-p", "0", "-X", "message.max.bytes=1000000"}, lines);
  // Appends all along (stopped at the end of the test).
  BackgroundCommand appender(
      {"sh", "-c",
       "while :; do head -c 100000 /dev/zero | tr '\\0' a; echo; sleep 0.005; done | kcat -b " +
           server_->bootstrap() + " -P -t " + topic + " -p 0 -X linger.ms=0"},
      dir_.path() + "/appender");
  std::mt19937 rng(7);
  auto deadline = std::chrono::steady_clock::now() + seconds(5);
  int killed = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    std::vector<std::unique_ptr<BackgroundCommand>> consumers;
    consumers.reserve(4);
    for (int c = 0; c < 4; ++c) {
      consumers.push_back(std::make_unique<BackgroundCommand>(
          kcat({"-C", "-t", topic, "-o", c < 2 ? "beginning" : "end", "-q", "-X",
                "fetch.max.bytes=8000000", "-X", "fetch.message.max.bytes=4000000", "-X",
                "receive.message.max.bytes=9000000", "-f", "%o\n"}),
          dir_.path() + "/killed" + std::to_string(c)));
    }
    std::this_thread::sleep_for(milliseconds(std::uniform_int_distribution<int>(50, 200)(rng)));
    consumers[0]->signal(SIGSTOP);
    consumers[1]->signal(SIGSTOP);
    std::this_thread::sleep_for(milliseconds(30));
    for (auto& c : consumers) c->stop(SIGKILL, seconds(10));
    killed += 4;
  }
  appender.stop(SIGKILL);
  EXPECT_GT(killed, 40);
  // Still serving, every message intact.
  auto r = run_command(kcat({"-C", "-t", topic, "-o", "beginning", "-c", "60", "-q", "-f", "%s\n"}),
                       "", 60000);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> got = split_lines(r.out);
  ASSERT_EQ(got.size(), 60u);
  for (int i = 0; i < 60; ++i) {
    EXPECT_EQ(got[static_cast<size_t>(i)], std::to_string(i) + ":" + std::string(200000, 'v'));
  }
}

// The partitions a kcat -G member holds now, from its rebalance lines on stderr. Eager protocols
// print "Group g rebalanced (...): assigned: t [0], t [3]" and "...: revoked: ..." (everything);
// cooperative-sticky prints "incremental assignment of N partition(s) (...): t [1]" and
// "incremental revoke of ...".
std::set<int> current_assignment(const std::string& err) {
  std::set<int> held;
  for (const std::string& line : split_lines(err)) {
    if (line.find("rebalanced") == std::string::npos) continue;
    size_t list = line.rfind("): ");
    if (list == std::string::npos) continue;
    bool revoke = line.find("revoke") != std::string::npos;
    bool incremental = line.find("incremental") != std::string::npos;
    if (!incremental) held.clear();
    if (!revoke && !incremental && line.find("assigned:") == std::string::npos) continue;
    for (size_t b = line.find('[', list); b != std::string::npos; b = line.find('[', b + 1)) {
      int p = std::stoi(line.substr(b + 1));
      if (revoke) {
        held.erase(p);
      } else {
        held.insert(p);
      }
    }
  }
  return held;
}

// Two kcat -G members, with an eager and with the cooperative protocol. "roundrobin" runs with
// the default group.initial.rebalance.delay.ms (3 s), so that the default stays covered; the
// others with a short delay.
class KcatGroupTest : public KcatTest, public ::testing::WithParamInterface<const char*> {
 protected:
  KcatGroupTest() {
    if (std::string(GetParam()) != "roundrobin") {
      server_args_.insert(server_args_.end(), kShortRebalanceDelay.begin(),
                          kShortRebalanceDelay.end());
    }
  }
};

TEST_P(KcatGroupTest, TwoMembersSplitTheSixPartitions) {
  const std::string topic = "grouped";
  // Create the topic (6 partitions) before the members subscribe.
  auto md = run_command(kcat({"-L", "-t", topic}));
  ASSERT_EQ(md.exit_code, 0) << md.err;

  auto member = [&](const std::string& name) {
    return std::make_unique<BackgroundCommand>(
        kcat({"-G", "split-group", "-X", std::string("partition.assignment.strategy=") + GetParam(),
              "-X", "auto.offset.reset=earliest", "-X", "session.timeout.ms=6000", "-X",
              "heartbeat.interval.ms=200", "-f", "%p|%s\n", "-u", topic}),
        dir_.path() + "/" + name);
  };
  auto a = member("a");
  ASSERT_TRUE(wait_until([&] { return current_assignment(a->err()).size() == 6; }, seconds(30)))
      << a->err();
  auto b = member("b");
  std::set<int> pa, pb;
  bool split = wait_until(
      [&] {
        pa = current_assignment(a->err());
        pb = current_assignment(b->err());
        return !pa.empty() && !pb.empty() && pa.size() + pb.size() == 6;
      },
      seconds(30));
  ASSERT_TRUE(split) << "member a:\n" << a->err() << "\nmember b:\n" << b->err();
  std::set<int> all = pa;
  all.insert(pb.begin(), pb.end());
  EXPECT_EQ(all.size(), 6u) << "assignments overlap";

  // 20 messages into each partition: each member reads exactly those of its own partitions.
  for (int p = 0; p < 6; ++p) {
    std::string input;
    for (int i = 0; i < 20; ++i) input += "m" + std::to_string(p) + "-" + std::to_string(i) + "\n";
    produce({"-t", topic, "-p", std::to_string(p)}, input);
  }
  auto count = [](const std::string& out) { return split_lines(out).size(); };
  ASSERT_TRUE(wait_until([&] { return count(a->out()) + count(b->out()) >= 120; }, seconds(30)))
      << "a read " << count(a->out()) << ", b read " << count(b->out());
  std::this_thread::sleep_for(milliseconds(300));  // nothing more may arrive
  for (auto [m, parts] : {std::pair{a.get(), pa}, std::pair{b.get(), pb}}) {
    std::map<int, int> per_partition;
    for (const std::string& line : split_lines(m->out())) {
      int p = std::stoi(line);
      EXPECT_TRUE(parts.count(p)) << "read " << line << " from a partition not assigned to it";
      EXPECT_EQ(line, std::to_string(p) + "|m" + std::to_string(p) + "-" +
                          std::to_string(per_partition[p]++));
    }
    for (int p : parts) EXPECT_EQ(per_partition[p], 20) << "partition " << p;
  }

  // When b leaves, a takes all six partitions again. With "range" b is killed instead: it never
  // says goodbye, and the coordinator expires its session (6 s) before the rebalance.
  b->stop(std::string(GetParam()) == "range" ? SIGKILL : SIGTERM);
  EXPECT_TRUE(wait_until([&] { return current_assignment(a->err()).size() == 6; }, seconds(30)))
      << a->err();
  a->stop(SIGTERM);
}

INSTANTIATE_TEST_SUITE_P(Strategies, KcatGroupTest,
                         ::testing::Values("range", "roundrobin", "cooperative-sticky"),
                         [](const auto& info) {
                           std::string name = info.param;
                           return name == "cooperative-sticky" ? "cooperative_sticky" : name;
                         });

// 64 KiB segments, so that lookups by timestamp cross segment files.
class KcatSmallSegmentsTest : public KcatTest {
 protected:
  KcatSmallSegmentsTest() { server_args_.insert(server_args_.end(), {"--segment-bytes", "65536"}); }
};

TEST_F(KcatSmallSegmentsTest, QueryFindsOffsetsByTimestamp) {
  const std::string topic = "timed";
  // Three separate produce runs a little apart: their CreateTime timestamps differ. Records of
  // 20 KB make each run's batch larger than a segment: one segment per run.
  for (int run = 0; run < 3; ++run) {
    std::string input;
    for (int i = 0; i < 5; ++i) {
      input += "r" + std::to_string(run) + "-" + std::to_string(i) + std::string(20000, '.') + "\n";
    }
    produce({"-t", topic, "-p", "2"}, input);
    std::this_thread::sleep_for(milliseconds(30));
  }
  auto r = run_command(
      kcat({"-C", "-t", topic, "-p", "2", "-o", "beginning", "-e", "-q", "-f", "%o|%T\n"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::pair<int64_t, int64_t>> records;  // offset, timestamp
  for (const std::string& line : split_lines(r.out)) {
    auto f = split(line, '|');
    ASSERT_EQ(f.size(), 2u) << line;
    records.emplace_back(std::stoll(f[0]), std::stoll(f[1]));
  }
  ASSERT_EQ(records.size(), 15u);
  int segments = 0;
  for (const auto& e : std::filesystem::directory_iterator(data_dir() + "/topics/timed/2")) {
    segments += e.path().extension() == ".log";
  }
  EXPECT_GE(segments, 3);  // one per produce run: a batch is never split
  int64_t first_ts = records.front().second;
  int64_t last_ts = records.back().second;
  ASSERT_LT(first_ts, last_ts) << r.out;

  // For a timestamp T, the answer is the first offset whose timestamp is >= T.
  auto expected_offset = [&](int64_t ts) -> int64_t {
    for (auto [o, t] : records) {
      if (t >= ts) return o;
    }
    return -1;
  };
  std::set<int64_t> queries = {0, first_ts, first_ts + 1, last_ts, last_ts + 1, last_ts + 100000};
  for (auto [o, t] : records) queries.insert(t);
  auto check_queries = [&] {
    for (int64_t ts : queries) {
      auto q = run_command(kcat({"-Q", "-t", topic + ":2:" + std::to_string(ts)}));
      ASSERT_EQ(q.exit_code, 0) << q.err;
      int64_t want = expected_offset(ts);
      // kcat prints "<topic> [<partition>] offset <n>"; past the last record Kafka answers -1.
      EXPECT_NE(q.out.find(topic + " [2] offset " + std::to_string(want)), std::string::npos)
          << "ts " << ts << ": " << q.out;
    }
  };
  check_queries();
  // The same answers from the time indexes as reopened after a restart.
  server_->stop();
  server_->start();
  check_queries();

  // The consumer's start-at-timestamp option uses the same lookup.
  int64_t mid_ts = records[5].second;
  auto c = run_command(kcat({"-C", "-t", topic, "-p", "2", "-o", "s@" + std::to_string(mid_ts),
                             "-e", "-q", "-f", "%o\n"}));
  ASSERT_EQ(c.exit_code, 0) << c.err;
  EXPECT_EQ(split_lines(c.out).front(), std::to_string(expected_offset(mid_ts))) << c.out;
  EXPECT_EQ(split_lines(c.out).size(), 15u - static_cast<size_t>(expected_offset(mid_ts)));
}

}  // namespace
}  // namespace sluice::testing
