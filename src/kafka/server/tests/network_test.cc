#include "kafka/server/network.h"

#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <thread>

#include "common/bytes.h"

namespace sluice::kafka {
namespace {

namespace asio = boost::asio;

// Answers each frame with [size][frame reversed]; frames starting with 'X' are rejected (closing
// the connection); frames starting with 'S' are answered from another thread after a delay, to
// check that responses keep request order. The delayed answer is made from the frame's bytes
// only then, after the connection has read the frames behind it: a frame's buffer must stay
// its own (handlers borrow from it, e.g. produced records) for as long as the handler holds it.
class EchoHandler : public RequestHandler {
 public:
  Status handle(const ConnectionInfo&, FrameBuffer frame, Done done) override {
    if (frame[0] == 'X') return Status::invalid_argument("not a request");
    if (frame[0] == 'S') {
      std::thread([done, frame = std::move(frame)]() mutable {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        done(reply(frame));
      }).detach();
    } else {
      done(reply(frame));
    }
    return Status::ok();
  }

  static WireFrame reply(const FrameBuffer& frame) {
    std::vector<uint8_t> body(frame.data(), frame.data() + frame.size());
    std::reverse(body.begin(), body.end());
    WireFrame r;
    ByteWriter w;
    w.put_be32(static_cast<uint32_t>(body.size()));
    r.chunks.emplace_back(w.take());
    r.chunks.emplace_back(std::move(body));
    return r;
  }
};

class NetworkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ListenerOptions o;
    o.host = "127.0.0.1";
    o.port = 0;
    o.max_frame_bytes = 1024;
    listener_ = std::make_unique<KafkaListener>(runtime_, handler_, o);
    ASSERT_TRUE(listener_->start().is_ok());
    runtime_.start();
  }
  void TearDown() override {
    listener_->stop();
    runtime_.stop();
    runtime_.join();
  }

  asio::ip::tcp::socket connect() {
    asio::ip::tcp::socket s(client_ctx_);
    s.connect({asio::ip::make_address("127.0.0.1"), listener_->port()});
    return s;
  }
  static void send(asio::ip::tcp::socket& s, const std::string& body) {
    ByteWriter w;
    w.put_be32(static_cast<uint32_t>(body.size()));
    w.put_bytes(body);
    asio::write(s, asio::buffer(w.data(), w.size()));
  }
  static std::string recv(asio::ip::tcp::socket& s) {
    uint8_t h[4];
    asio::read(s, asio::buffer(h));
    std::string body(load_be32(h), '\0');
    asio::read(s, asio::buffer(body));
    return body;
  }

  IoRuntime runtime_{2};
  EchoHandler handler_;
  std::unique_ptr<KafkaListener> listener_;
  asio::io_context client_ctx_;
};

TEST_F(NetworkTest, PipelinedRequestsAnsweredInOrder) {
  auto s = connect();
  send(s, "S-slow-12");
  send(s, "f-fast-34");
  send(s, "S-slow-56");
  EXPECT_EQ(recv(s), "21-wols-S");
  EXPECT_EQ(recv(s), "43-tsaf-f");
  EXPECT_EQ(recv(s), "65-wols-S");
}

// Frames of varied sizes queued behind a held one: each answer has exactly its own bytes.
TEST_F(NetworkTest, QueuedFramesKeepTheirOwnBytes) {
  auto s = connect();
  std::vector<std::string> sent;
  for (int i = 0; i < 20; ++i) {
    std::string body = (i % 3 == 0 ? "S" : "f") + std::string(8 + (i * 37) % 900, 'a' + i % 26);
    body += std::to_string(i);
    send(s, body);
    sent.push_back(body);
  }
  for (const auto& body : sent) EXPECT_EQ(recv(s), std::string(body.rbegin(), body.rend()));
}

TEST_F(NetworkTest, OversizedFrameClosesOnlyThatConnection) {
  auto good = connect();
  auto bad = connect();
  send(bad, std::string(2000, 'a'));
  uint8_t b;
  boost::system::error_code ec;
  asio::read(bad, asio::buffer(&b, 1), ec);
  EXPECT_TRUE(ec);  // closed by the server
  send(good, "abcdefgh");
  EXPECT_EQ(recv(good), "hgfedcba");
}

TEST_F(NetworkTest, RejectedFrameAndTinyFrameClose) {
  for (const std::string& body : {std::string("Xabcdefgh"), std::string("abc")}) {
    auto s = connect();
    send(s, body);
    uint8_t b;
    boost::system::error_code ec;
    asio::read(s, asio::buffer(&b, 1), ec);
    EXPECT_TRUE(ec) << body;
  }
}

TEST_F(NetworkTest, ManyIdleConnections) {
  std::vector<asio::ip::tcp::socket> socks;
  socks.reserve(500);
  for (int i = 0; i < 500; ++i) socks.push_back(connect());
  send(socks[250], "12345678");
  EXPECT_EQ(recv(socks[250]), "87654321");
}

}  // namespace
}  // namespace sluice::kafka

namespace sluice::kafka {
namespace {

// A failed bind must say why (the message once read "Success": the close() after the failure
// overwrote the error code).
TEST(KafkaListenerStart, PortInUseNamesTheReason) {
  IoRuntime runtime(1);
  struct Nop : RequestHandler {
    Status handle(const ConnectionInfo&, FrameBuffer, Done) override { return Status::ok(); }
  } handler;
  KafkaListener first(runtime, handler, ListenerOptions{"127.0.0.1", 0});
  ASSERT_TRUE(first.start().is_ok());
  KafkaListener second(runtime, handler, ListenerOptions{"127.0.0.1", first.port()});
  Status st = second.start();
  ASSERT_FALSE(st.is_ok());
  EXPECT_NE(st.message().find("in use"), std::string::npos) << st.message();
}

}  // namespace
}  // namespace sluice::kafka
