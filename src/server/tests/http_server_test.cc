#include "server/http_server.h"

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

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
};

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

}  // namespace
}  // namespace sluice
