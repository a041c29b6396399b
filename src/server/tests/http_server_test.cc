#include "server/http_server.h"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <atomic>
#include <chrono>
#include <thread>

namespace sluice {
namespace {

namespace asio = boost::asio;

// Sends raw bytes over a fresh connection and returns everything the server answers.
std::string raw_exchange(uint16_t port, const std::string& bytes) {
  asio::io_context ctx;
  asio::ip::tcp::socket s(ctx);
  s.connect({asio::ip::make_address("127.0.0.1"), port});
  asio::write(s, asio::buffer(bytes));
  std::string out;
  boost::system::error_code ec;
  char buf[4096];
  for (;;) {
    size_t n = s.read_some(asio::buffer(buf), ec);
    out.append(buf, n);
    if (ec) break;
  }
  return out;
}

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<HttpServer>(runtime_, HttpServerOptions{"127.0.0.1", 0, 1024});
    server_->route("GET", "/hello", [](const HttpRequest& r) {
      return HttpResponse::text(
          200, "hi " + (r.query.count("name") ? r.query.at("name") : std::string("?")));
    });
    server_->route("POST", "/echo",
                   [](const HttpRequest& r) { return HttpResponse::json(200, r.body); });
    server_->route("GET", "/boom",
                   [](const HttpRequest&) -> HttpResponse { throw std::runtime_error("kaput"); });
    server_->route_prefix("GET", "/files/",
                          [](const HttpRequest& r) { return HttpResponse::text(200, r.path); });
    // Streams what the test writes into `stream_` (the body given up front comes first).
    server_->route("GET", "/stream", [this](const HttpRequest&) {
      HttpResponse r = HttpResponse::text(200, "first;");
      r.stream = stream_;
      return r;
    });
    ASSERT_TRUE(server_->start().is_ok());
    runtime_.start();
  }
  void TearDown() override {
    server_->stop();
    runtime_.stop();
    runtime_.join();
  }
  IoRuntime runtime_{2};
  std::unique_ptr<HttpServer> server_;
  std::shared_ptr<HttpStream> stream_ = std::make_shared<HttpStream>(16);
};

// Decodes a chunked body ("5\r\nhello\r\n0\r\n\r\n"); sets *complete when the last chunk was
// seen.
std::string dechunk(std::string_view body, bool* complete) {
  std::string out;
  *complete = false;
  while (true) {
    size_t eol = body.find("\r\n");
    if (eol == std::string_view::npos) return out;
    size_t n = std::stoul(std::string(body.substr(0, eol)), nullptr, 16);
    if (n == 0) {
      *complete = true;
      return out;
    }
    if (body.size() < eol + 2 + n + 2) return out;
    out.append(body.substr(eol + 2, n));
    body.remove_prefix(eol + 2 + n + 2);
  }
}

// Polls `done` until it holds (the tests' own timeouts bound a hang).
template <typename F>
bool eventually(F done) {
  for (int i = 0; i < 1000; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return done();
}

TEST_F(HttpServerTest, RoutesAndQueryStrings) {
  std::string r = raw_exchange(
      server_->port(), "GET /hello?name=a%20b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_NE(r.find("200 OK"), std::string::npos);
  EXPECT_NE(r.find("hi a b"), std::string::npos);
  r = raw_exchange(server_->port(), "GET /files/a/b HTTP/1.1\r\nConnection: close\r\n\r\n");
  EXPECT_NE(r.find("/files/a/b"), std::string::npos);
  r = raw_exchange(server_->port(), "GET /nope HTTP/1.1\r\nConnection: close\r\n\r\n");
  EXPECT_NE(r.find("404"), std::string::npos);
  r = raw_exchange(server_->port(), "DELETE /hello HTTP/1.1\r\nConnection: close\r\n\r\n");
  EXPECT_NE(r.find("405"), std::string::npos);
}

TEST_F(HttpServerTest, KeepAliveServesSeveralRequests) {
  std::string r =
      raw_exchange(server_->port(),
                   "POST /echo HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"
                   "POST /echo HTTP/1.1\r\nContent-Length: 2\r\nConnection: close\r\n\r\nxy");
  EXPECT_NE(r.find("abc"), std::string::npos);
  EXPECT_NE(r.find("xy"), std::string::npos);
}

TEST_F(HttpServerTest, BadInputGetsAnErrorAndServerKeepsServing) {
  std::string r = raw_exchange(server_->port(), "THIS IS NOT HTTP\r\n\r\n");
  EXPECT_NE(r.find("400"), std::string::npos);
  r = raw_exchange(server_->port(),
                   "POST /echo HTTP/1.1\r\nContent-Length: 5000\r\n\r\n" + std::string(5000, 'x'));
  EXPECT_NE(r.find("413"), std::string::npos);
  r = raw_exchange(server_->port(), "GET /boom HTTP/1.1\r\nConnection: close\r\n\r\n");
  EXPECT_NE(r.find("500"), std::string::npos);
  EXPECT_NE(r.find("kaput"), std::string::npos);
  r = raw_exchange(server_->port(), "GET /hello HTTP/1.1\r\nConnection: close\r\n\r\n");
  EXPECT_NE(r.find("200 OK"), std::string::npos);
}

TEST(HttpStream, BoundedBufferAndCancellation) {
  HttpStream s(8);
  EXPECT_FALSE(s.full());
  EXPECT_TRUE(s.write("12345"));
  EXPECT_FALSE(s.full());
  EXPECT_TRUE(s.write("6789"));
  EXPECT_TRUE(s.full());
  EXPECT_EQ(s.buffered(), 9u);
  bool end = true;
  EXPECT_EQ(s.take(&end), "123456789");
  EXPECT_FALSE(end);
  EXPECT_FALSE(s.full());
  EXPECT_TRUE(s.wait_writable(std::chrono::milliseconds(0)));
  // Nothing queued: the consumer waits and is woken by the next write.
  EXPECT_EQ(s.take(&end), "");
  int wakes = 0;
  s.set_wake([&] { ++wakes; });
  EXPECT_TRUE(s.write("x"));
  EXPECT_EQ(wakes, 1);
  EXPECT_TRUE(s.write("y"));
  EXPECT_EQ(wakes, 1);  // not waiting any more until the next empty take()
  EXPECT_EQ(s.take(&end), "xy");
  std::atomic<int> cancels{0};
  s.set_on_cancel([&] { ++cancels; });
  s.cancel();
  s.cancel();
  EXPECT_EQ(cancels.load(), 1);
  EXPECT_TRUE(s.cancelled());
  EXPECT_FALSE(s.write("z"));
  EXPECT_EQ(s.take(&end), "");
  EXPECT_TRUE(end);
}

TEST(HttpStream, CloseEndsAfterQueuedData) {
  HttpStream s;
  EXPECT_TRUE(s.write("a"));
  s.close();
  EXPECT_FALSE(s.write("b"));
  bool end = false;
  EXPECT_EQ(s.take(&end), "a");
  EXPECT_TRUE(end);
  EXPECT_FALSE(s.cancelled());
}

TEST_F(HttpServerTest, StreamedResponseIsChunkedAndFollowsTheProducer) {
  asio::io_context ctx;
  asio::ip::tcp::socket sock(ctx);
  sock.connect({asio::ip::make_address("127.0.0.1"), server_->port()});
  asio::write(sock, asio::buffer(std::string("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")));
  std::string got;
  auto read_until = [&](std::string_view what) {
    char buf[1024];
    boost::system::error_code ec;
    while (got.find(what) == std::string::npos) {
      size_t n = sock.read_some(asio::buffer(buf), ec);
      if (ec) return false;
      got.append(buf, n);
    }
    return true;
  };
  ASSERT_TRUE(read_until("first;\r\n"));
  EXPECT_NE(got.find("Transfer-Encoding: chunked"), std::string::npos) << got;
  // Written while the connection waits for data, from another thread.
  std::thread producer([&] {
    for (int i = 0; i < 50; ++i) {
      // More than the 16-byte bound in total: the producer waits for the connection to drain.
      ASSERT_TRUE(stream_->wait_writable(std::chrono::seconds(10)));
      ASSERT_TRUE(stream_->write(fmt::format("row{};", i)));
    }
    stream_->close();
  });
  ASSERT_TRUE(read_until("0\r\n\r\n"));
  producer.join();
  bool complete = false;
  std::string body = dechunk(got.substr(got.find("\r\n\r\n") + 4), &complete);
  EXPECT_TRUE(complete);
  std::string want = "first;";
  for (int i = 0; i < 50; ++i) want += fmt::format("row{};", i);
  EXPECT_EQ(body, want);
  // The server ends the connection after a streamed response.
  char buf[16];
  boost::system::error_code ec;
  sock.read_some(asio::buffer(buf), ec);
  EXPECT_TRUE(ec);
}

TEST_F(HttpServerTest, ClientDisconnectCancelsTheStream) {
  {
    asio::io_context ctx;
    asio::ip::tcp::socket sock(ctx);
    sock.connect({asio::ip::make_address("127.0.0.1"), server_->port()});
    asio::write(sock, asio::buffer(std::string("GET /stream HTTP/1.1\r\n\r\n")));
    char buf[1024];
    std::string got;
    while (got.find("first;") == std::string::npos) {
      got.append(buf, sock.read_some(asio::buffer(buf)));
    }
    EXPECT_FALSE(stream_->cancelled());
  }  // closes the socket, no data flowing
  EXPECT_TRUE(eventually([&] { return stream_->cancelled(); }));
  EXPECT_FALSE(stream_->write("late"));
  // The server keeps serving.
  std::string r = raw_exchange(server_->port(), "GET /hello HTTP/1.1\r\nConnection: close\r\n\r\n");
  EXPECT_NE(r.find("200 OK"), std::string::npos);
}

}  // namespace
}  // namespace sluice
