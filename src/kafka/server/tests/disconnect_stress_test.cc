// Clients that go away at any moment must never harm the broker: many connections fetch large
// batches (served with sendfile) and long-poll, and each is cut at a random point - before its
// request is complete, while the response streams, or right after - with a FIN or an RST, while
// a producer appends. Afterwards the broker still answers every fetch completely and correctly.
// Bounded in time (SLUICE_STRESS_SECONDS, default 3); part of the sanitizer build too.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <random>
#include <thread>
#include <vector>

#include "common/bytes.h"
#include "kafka/server/broker.h"
#include "storage/record_batch.h"
#include "storage/tests/test_util.h"

namespace sluice::kafka {
namespace {

using sluice::testing::TempDir;

constexpr int32_t kPartitions = 4;
constexpr int kBatchesPerPartition = 12;
constexpr size_t kValueBytes = 256 << 10;  // two records per batch: ~512 KB batches

int connect_to(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Closes with an RST (linger 0) or a FIN.
void hang_up(int fd, bool reset) {
  if (reset) {
    linger l{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
  }
  ::close(fd);
}

bool send_all(int fd, const uint8_t* p, size_t n) {
  while (n > 0) {
    ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
    if (w <= 0) return false;
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

// Reads up to `n` bytes (less when the peer closes or `ms` pass without data).
size_t recv_some(int fd, size_t n, int ms, std::vector<uint8_t>* into = nullptr) {
  std::vector<uint8_t> buf(64 << 10);
  size_t got = 0;
  while (got < n) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, ms) != 1) break;
    ssize_t r = ::recv(fd, buf.data(), std::min(buf.size(), n - got), 0);
    if (r <= 0) break;
    if (into) into->insert(into->end(), buf.begin(), buf.begin() + r);
    got += static_cast<size_t>(r);
  }
  return got;
}

FetchRequest fetch_request(std::mt19937_64& rng, int64_t hw) {
  FetchRequest req;
  std::uniform_int_distribution<int> coin(0, 9);
  req.max_wait_ms = coin(rng) < 3 ? 300 : 0;
  req.min_bytes = req.max_wait_ms ? 1 << 30 : 1;
  req.max_bytes =
      coin(rng) < 5 ? 64 << 20 : std::uniform_int_distribution<int32_t>(1, 4 << 20)(rng);
  FetchRequest::FetchTopic t;
  t.topic = "big";
  for (int32_t p = 0; p < kPartitions; ++p) {
    FetchRequest::FetchPartition fp;
    fp.partition = p;
    // Mostly real offsets; sometimes the end (a long poll), sometimes out of range.
    int pick = coin(rng);
    fp.fetch_offset = pick < 7 ? std::uniform_int_distribution<int64_t>(0, hw - 1)(rng)
                               : (pick < 9 ? hw : hw + 1000);
    fp.partition_max_bytes = coin(rng) < 5 ? 16 << 20 : 1;
    t.partitions.push_back(fp);
  }
  req.topics.push_back(std::move(t));
  return req;
}

class DisconnectStressTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto log = LogManager::open(posix_file_system(), dir_.path(), LogDefaults{});
    ASSERT_TRUE(log.is_ok()) << log.status().to_string();
    log_ = std::move(log).value();
    ASSERT_TRUE(log_->create_topic("big", kPartitions, {}).is_ok());
    std::string value(kValueBytes, 'x');
    for (int32_t p = 0; p < kPartitions; ++p) {
      for (int b = 0; b < kBatchesPerPartition; ++b) {
        value[0] = static_cast<char>('a' + b % 26);
        auto batch = RecordBatchBuilder()
                         .add(1000 + b, std::nullopt, as_bytes(value))
                         .add(1000 + b, std::nullopt, as_bytes(value))
                         .build();
        ASSERT_TRUE(batch.is_ok());
        ASSERT_TRUE(
            log_->partition("big", p)->append(ByteSpan(batch->data(), batch->size())).is_ok());
      }
    }
    auto broker = Broker::open(BrokerConfig{}, *log_, runtime_);
    ASSERT_TRUE(broker.is_ok()) << broker.status().to_string();
    broker_ = std::move(broker).value();
    listener_ =
        std::make_unique<KafkaListener>(runtime_, *broker_, ListenerOptions{"127.0.0.1", 0});
    ASSERT_TRUE(listener_->start().is_ok());
    runtime_.start();
  }
  void TearDown() override {
    if (listener_) listener_->stop();
    if (broker_) broker_->shutdown();
    runtime_.stop();
    runtime_.join();
  }

  TempDir dir_;
  std::unique_ptr<LogManager> log_;
  IoRuntime runtime_{2};
  std::unique_ptr<Broker> broker_;
  std::unique_ptr<KafkaListener> listener_;
};

TEST_F(DisconnectStressTest, ClientsHangingUpAtAnyMomentNeverHarmTheBroker) {
  const char* env = std::getenv("SLUICE_STRESS_SECONDS");
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(env ? std::atoi(env) : 3);
  const uint16_t port = listener_->port();
  std::atomic<int> connections{0};

  // A producer keeps the partitions growing (and wakes long polls).
  std::thread producer([&] {
    std::string value(1024, 'p');
    for (int i = 0; std::chrono::steady_clock::now() < deadline; ++i) {
      auto batch = RecordBatchBuilder().add(2000 + i, std::nullopt, as_bytes(value)).build();
      if (batch.is_ok()) {
        log_->partition("big", i % kPartitions)
            ->append(ByteSpan(batch->data(), batch->size()))
            .ignore_error();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });

  std::vector<std::thread> clients;
  clients.reserve(8);
  for (int c = 0; c < 8; ++c) {
    clients.emplace_back([&, c] {
      std::mt19937_64 rng(1234 + c);
      std::uniform_int_distribution<int> coin(0, 9);
      for (int32_t id = 1; std::chrono::steady_clock::now() < deadline; ++id) {
        int fd = connect_to(port);
        if (fd < 0) continue;
        connections.fetch_add(1);
        int64_t hw = log_->partition("big", 0)->high_watermark().value();
        auto frame = encode_request(id, std::string("stress"), coin(rng) < 5 ? 12 : 4,
                                    fetch_request(rng, hw));
        if (!frame.is_ok()) {
          ::close(fd);
          continue;
        }
        int how = coin(rng);
        if (how == 0) {
          // Half a request, then gone.
          send_all(fd, frame->data(), frame->size() / 2);
        } else {
          int pipelined = how == 1 ? 3 : 1;
          for (int k = 0; k < pipelined; ++k) send_all(fd, frame->data(), frame->size());
          // Read a random part of the responses: nothing, a little, or a lot.
          size_t want = coin(rng) < 3 ? 0 : std::uniform_int_distribution<size_t>(1, 8 << 20)(rng);
          recv_some(fd, want, 200);
        }
        hang_up(fd, coin(rng) < 5);
      }
    });
  }
  for (auto& t : clients) t.join();
  producer.join();
  EXPECT_GT(connections.load(), 50);

  // The broker still serves: a complete fetch of every partition from the start, every batch
  // intact.
  int fd = connect_to(port);
  ASSERT_GE(fd, 0);
  FetchRequest req;
  req.max_bytes = 64 << 20;
  FetchRequest::FetchTopic t;
  t.topic = "big";
  for (int32_t p = 0; p < kPartitions; ++p) t.partitions.push_back({p, -1, 0, -1, -1, 16 << 20});
  req.topics.push_back(t);
  auto frame = encode_request(99, std::string("check"), 12, req);
  ASSERT_TRUE(frame.is_ok());
  ASSERT_TRUE(send_all(fd, frame->data(), frame->size()));
  std::vector<uint8_t> head;
  ASSERT_EQ(recv_some(fd, 4, 20000, &head), 4u);
  size_t size = load_be32(head.data());
  std::vector<uint8_t> body;
  ASSERT_EQ(recv_some(fd, size, 20000, &body), size);
  ::close(fd);
  auto parsed = parse_response_frame(ApiKey::kFetch, 12, ByteSpan(body.data(), body.size()));
  ASSERT_TRUE(parsed.is_ok()) << parsed.status().to_string();
  const auto& resp = std::get<FetchResponse>(parsed->body);
  ASSERT_EQ(resp.responses.size(), 1u);
  ASSERT_EQ(resp.responses[0].partitions.size(), static_cast<size_t>(kPartitions));
  for (const auto& pd : resp.responses[0].partitions) {
    EXPECT_EQ(pd.error_code, 0);
    ASSERT_TRUE(pd.records.has_value());
    ByteSpan bytes = pd.records->bytes;
    auto batches = split_batches(bytes);
    ASSERT_TRUE(batches.is_ok()) << batches.status().to_string();
    ASSERT_FALSE(batches->empty());
    EXPECT_EQ(batches->front().base_offset(), 0);
    for (const RecordBatchView& b : *batches) EXPECT_TRUE(b.crc_matches()) << b.base_offset();
  }
}

}  // namespace
}  // namespace sluice::kafka
