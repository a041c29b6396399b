// The broker behind a real listener, driven with raw Kafka frames over loopback.
#include "kafka/server/broker.h"

#include <poll.h>

#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <chrono>
#include <thread>

#include "common/bytes.h"
#include "storage/fault_injection_fs.h"
#include "storage/tests/test_util.h"

namespace sluice::kafka {
namespace {

namespace asio = boost::asio;
using sluice::testing::TempDir;

// How long a response may take before the test gives up on it. A guard against hanging forever,
// not a measurement: every response here is expected at once.
constexpr int kGiveUpMs = 20000;

class Client {
 public:
  explicit Client(uint16_t port) : socket_(ctx_) {
    socket_.connect({asio::ip::make_address("127.0.0.1"), port});
  }
  template <typename Q>
  void send(int32_t correlation_id, int16_t version, const Q& request) {
    auto frame = encode_request(correlation_id, std::string("broker-test"), version, request);
    ASSERT_TRUE(frame.is_ok()) << frame.status().to_string();
    asio::write(socket_, asio::buffer(*frame));
  }
  // Whether a response has started to arrive within `ms`.
  bool readable_within(int ms) {
    pollfd p{socket_.native_handle(), POLLIN, 0};
    return ::poll(&p, 1, ms) == 1;
  }
  // The next response, parsed as the answer to `key` at `version`.
  template <typename R>
  R recv(ApiKey key, int16_t version) {
    uint8_t h[4];
    asio::read(socket_, asio::buffer(h));
    frame_.resize(load_be32(h));
    asio::read(socket_, asio::buffer(frame_));
    auto parsed = parse_response_frame(key, version, ByteSpan(frame_.data(), frame_.size()));
    EXPECT_TRUE(parsed.is_ok()) << parsed.status().to_string();
    if (!parsed.is_ok()) return R{};
    return std::get<R>(parsed->body);
  }

 private:
  asio::io_context ctx_;
  asio::ip::tcp::socket socket_;
  std::vector<uint8_t> frame_;
};

class BrokerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto log = LogManager::open(fs_, dir_.path(), LogDefaults{});
    ASSERT_TRUE(log.is_ok()) << log.status().to_string();
    log_ = std::move(log).value();
    auto broker = Broker::open(BrokerConfig{}, *log_, runtime_);
    ASSERT_TRUE(broker.is_ok()) << broker.status().to_string();
    broker_ = std::move(broker).value();
    listener_ =
        std::make_unique<KafkaListener>(runtime_, *broker_, ListenerOptions{"127.0.0.1", 0});
    ASSERT_TRUE(listener_->start().is_ok());
    runtime_.start();
  }
  void TearDown() override {
    fs_.release_holds();  // a failed test may have left a request held
    if (listener_) listener_->stop();
    if (broker_) broker_->shutdown();
    runtime_.stop();
    runtime_.join();
  }

  TempDir dir_;
  FaultInjectionFileSystem fs_{posix_file_system()};
  std::unique_ptr<LogManager> log_;
  IoRuntime runtime_{1};  // one I/O loop: every connection shares it
  std::unique_ptr<Broker> broker_;
  std::unique_ptr<KafkaListener> listener_;
};

// DeleteTopics may wait for the disk (and for a maintenance pass); it does so on the broker's
// blocking pool, not on the I/O loop. While a delete is held inside its rename, a produce and a
// fetch on another topic, from another connection on the same loop, complete.
TEST_F(BrokerTest, DeleteTopicsWaitingForTheDiskDoesNotBlockTheLoop) {
  ASSERT_TRUE(log_->create_topic("doomed", 1, {}).is_ok());
  ASSERT_TRUE(log_->create_topic("live", 1, {}).is_ok());
  fs_.hold_renames("doomed");

  Client admin(listener_->port());
  DeleteTopicsRequest del;
  del.topic_names = {"doomed"};
  del.timeout_ms = 30000;
  admin.send(1, 4, del);
  for (int i = 0; i < kGiveUpMs && fs_.held() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_EQ(fs_.held(), 1) << "the delete never reached its rename";

  Client client(listener_->port());
  std::string value = "still flowing";
  auto batch = RecordBatchBuilder().add(1000, std::nullopt, as_bytes(value)).build();
  ASSERT_TRUE(batch.is_ok());
  ProduceRequest produce;
  produce.acks = 1;
  produce.timeout_ms = 30000;
  produce.topic_data.push_back({"live", {{0, Records::borrowed(*batch)}}});
  client.send(2, 7, produce);
  ASSERT_TRUE(client.readable_within(kGiveUpMs)) << "the produce waited for the held delete";
  auto produced = client.recv<ProduceResponse>(ApiKey::kProduce, 7);
  ASSERT_EQ(produced.responses.size(), 1u);
  EXPECT_EQ(produced.responses[0].partition_responses.at(0).error_code, 0);
  EXPECT_EQ(produced.responses[0].partition_responses.at(0).base_offset, 0);

  FetchRequest fetch;
  fetch.max_wait_ms = 0;
  fetch.min_bytes = 1;
  fetch.max_bytes = 1 << 20;
  FetchRequest::FetchTopic ft;
  ft.topic = "live";
  FetchRequest::FetchPartition fp;
  fp.partition = 0;
  fp.fetch_offset = 0;
  fp.partition_max_bytes = 1 << 20;
  ft.partitions.push_back(fp);
  fetch.topics.push_back(ft);
  client.send(3, 11, fetch);
  ASSERT_TRUE(client.readable_within(kGiveUpMs)) << "the fetch waited for the held delete";
  auto fetched = client.recv<FetchResponse>(ApiKey::kFetch, 11);
  ASSERT_EQ(fetched.responses.size(), 1u);
  EXPECT_EQ(fetched.responses[0].partitions.at(0).error_code, 0);
  EXPECT_EQ(fetched.responses[0].partitions.at(0).high_watermark, 1);

  // The delete is still held: no answer yet. Released, it completes.
  EXPECT_FALSE(admin.readable_within(0));
  EXPECT_EQ(fs_.held(), 1);
  fs_.release_holds();
  ASSERT_TRUE(admin.readable_within(kGiveUpMs));
  auto deleted = admin.recv<DeleteTopicsResponse>(ApiKey::kDeleteTopics, 4);
  ASSERT_EQ(deleted.responses.size(), 1u);
  EXPECT_EQ(deleted.responses[0].name, "doomed");
  EXPECT_EQ(deleted.responses[0].error_code, 0);
  EXPECT_FALSE(log_->has_topic("doomed"));
  EXPECT_TRUE(log_->has_topic("live"));
}

// Fetch size limits as Kafka applies them (KIP-74): whole batches only, at most
// partition_max_bytes per partition and max_bytes per response, except that the first batch of
// the first partition with data comes back whatever its size.
TEST_F(BrokerTest, FetchRespectsResponseAndPartitionLimits) {
  ASSERT_TRUE(log_->create_topic("t", 3, {}).is_ok());
  auto append = [&](int32_t p, size_t value_bytes) {
    std::string value(value_bytes, 'v');
    auto batch = RecordBatchBuilder().add(1000, std::nullopt, as_bytes(value)).build();
    ASSERT_TRUE(batch.is_ok());
    ASSERT_TRUE(log_->partition("t", p)->append(ByteSpan(batch->data(), batch->size())).is_ok());
  };
  for (int i = 0; i < 3; ++i) append(0, 5000);  // three ~5 KB batches
  for (int i = 0; i < 3; ++i) append(1, 500);   // three ~0.6 KB batches
  append(2, 20000);                             // one ~20 KB batch
  size_t big = log_->partition("t", 0)->stats().size_bytes / 3;
  size_t small = log_->partition("t", 1)->stats().size_bytes / 3;

  Client client(listener_->port());
  auto fetch = [&](int32_t max_bytes, int32_t partition_max, const std::vector<int32_t>& order) {
    FetchRequest req;
    req.max_bytes = max_bytes;
    FetchRequest::FetchTopic ft;
    ft.topic = "t";
    for (int32_t p : order) ft.partitions.push_back({p, -1, 0, -1, -1, partition_max});
    req.topics.push_back(ft);
    client.send(7, 11, req);
    auto resp = client.recv<FetchResponse>(ApiKey::kFetch, 11);
    std::vector<size_t> sizes;
    for (const auto& pd : resp.responses.at(0).partitions) {
      sizes.push_back(pd.records ? pd.records->bytes.size() : 0);
    }
    return sizes;
  };
  // Room for everything.
  EXPECT_EQ(fetch(1 << 20, 1 << 20, {0, 1, 2}),
            (std::vector<size_t>{3 * big, 3 * small, log_->partition("t", 2)->stats().size_bytes}));
  // The response limit cuts at whole batches and leaves later partitions empty.
  EXPECT_EQ(fetch(static_cast<int32_t>(2 * big + 10), 1 << 20, {0, 1, 2}),
            (std::vector<size_t>{2 * big, 0, 0}));
  EXPECT_EQ(fetch(static_cast<int32_t>(big + 2 * small + 10), 1 << 20, {0, 1, 2}),
            (std::vector<size_t>{big, 2 * small, 0}));
  // The per-partition limit.
  EXPECT_EQ(fetch(1 << 20, static_cast<int32_t>(small + 10), {1, 0}),
            (std::vector<size_t>{small, 0}));
  // A first batch larger than both limits still comes back (alone), so consumers progress; the
  // same batch elsewhere in the response does not.
  EXPECT_EQ(fetch(1000, 1000, {2, 1}),
            (std::vector<size_t>{log_->partition("t", 2)->stats().size_bytes, 0}));
  EXPECT_EQ(fetch(1000, 1000, {1, 2}), (std::vector<size_t>{small, 0}));
}

// A produce to an fsync=always topic waits for its fsync on the blocking pool, not on the I/O
// loop: while one is held inside its sync, a produce and a fetch on another topic, from another
// connection on the same (only) loop, complete. (The decision to go to the pool once read the
// request after it had been moved away, and such produces ran on the loop.)
TEST_F(BrokerTest, AProduceWaitingForItsFsyncDoesNotBlockTheLoop) {
  ASSERT_TRUE(log_->create_topic("durable", 1, {{"fsync", "always"}}).is_ok());
  ASSERT_TRUE(log_->create_topic("live", 1, {}).is_ok());
  fs_.hold_syncs("durable");
  auto produce_to = [](const std::string& topic, const std::string& value) {
    auto batch = RecordBatchBuilder().add(1000, std::nullopt, as_bytes(value)).build();
    EXPECT_TRUE(batch.is_ok());
    ProduceRequest produce;
    produce.acks = 1;
    produce.timeout_ms = 30000;
    produce.topic_data.push_back({topic, {{0, Records::borrowed(*batch)}}});
    return std::make_pair(std::move(produce), std::move(batch).value());
  };
  Client durable(listener_->port());
  auto [slow, slow_bytes] = produce_to("durable", "waits for the disk");
  durable.send(1, 7, slow);
  for (int i = 0; i < kGiveUpMs && fs_.held() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_EQ(fs_.held(), 1) << "the produce never reached its fsync";

  Client client(listener_->port());
  auto [fast, fast_bytes] = produce_to("live", "flows");
  client.send(2, 7, fast);
  ASSERT_TRUE(client.readable_within(kGiveUpMs)) << "the produce waited for the held fsync";
  auto produced = client.recv<ProduceResponse>(ApiKey::kProduce, 7);
  EXPECT_EQ(produced.responses.at(0).partition_responses.at(0).error_code, 0);

  EXPECT_FALSE(durable.readable_within(0));
  fs_.release_holds();
  ASSERT_TRUE(durable.readable_within(kGiveUpMs));
  auto done = durable.recv<ProduceResponse>(ApiKey::kProduce, 7);
  EXPECT_EQ(done.responses.at(0).partition_responses.at(0).error_code, 0);
}

// DescribeCluster (KIP-700; Kafka's admin client and kafka-cluster tools use it): this node, the
// controller, and the cluster id that Metadata reports too.
TEST_F(BrokerTest, DescribeClusterNamesThisNodeAsTheWholeCluster) {
  Client client(listener_->port());
  client.send(1, 0, DescribeClusterRequest{});
  auto d = client.recv<DescribeClusterResponse>(ApiKey::kDescribeCluster, 0);
  EXPECT_EQ(d.error_code, 0);
  EXPECT_EQ(d.controller_id, 0);
  ASSERT_EQ(d.brokers.size(), 1u);
  EXPECT_EQ(d.brokers[0].broker_id, 0);
  EXPECT_EQ(d.brokers[0].port, broker_->config().advertised_port);
  client.send(2, 12, MetadataRequest{});
  auto m = client.recv<MetadataResponse>(ApiKey::kMetadata, 12);
  EXPECT_FALSE(d.cluster_id.empty());
  EXPECT_EQ(m.cluster_id, std::optional<std::string>(d.cluster_id));
}

}  // namespace
}  // namespace sluice::kafka
