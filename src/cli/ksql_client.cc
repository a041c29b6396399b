#include "cli/ksql_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <optional>

namespace sluice::cli {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kConnectTimeout = std::chrono::seconds(10);
// A statement (a CREATE ... AS SELECT, a DROP ... DELETE TOPIC) may take a while; a push query's
// stream has no limit at all.
constexpr auto kReplyTimeout = std::chrono::minutes(10);

// One connection, driven by running its own io_context until the operation in flight completes.
// Async operations are used (rather than blocking calls) so that a timeout or the interrupt flag
// can end a wait: the socket is closed and the operation completes with operation_aborted.
class Connection {
 public:
  Connection(const std::string& host, uint16_t port, const std::atomic<bool>* interrupt)
      : host_(host), port_(port), interrupt_(interrupt), stream_(ioc_) {}

  bool interrupted() const { return interrupt_ && interrupt_->load(); }

  Status open() {
    tcp::resolver resolver(ioc_);
    beast::error_code ec;
    auto endpoints = resolver.resolve(host_, std::to_string(port_), ec);
    if (ec) return Status::io_error("cannot resolve '" + host_ + "': " + ec.message());
    stream_.expires_after(kConnectTimeout);
    bool done = false;
    stream_.async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) {
      ec = e;
      done = true;
    });
    SLUICE_RETURN_IF_ERROR(wait(done));
    if (ec) {
      return Status::io_error("cannot connect to the server at " + host_ + ":" +
                              std::to_string(port_) + ": " + ec.message());
    }
    return Status::ok();
  }

  Status send(http::verb verb, std::string_view path, const std::string& body,
              std::string_view accept) {
    http::request<http::string_body> req{verb, path, 11};
    req.set(http::field::host, host_ + ":" + std::to_string(port_));
    req.set(http::field::user_agent, "sluice-sql");
    req.set(http::field::accept, accept);
    if (verb == http::verb::post) {
      req.set(http::field::content_type, "application/json");
      req.body() = body;
    }
    req.keep_alive(false);
    req.prepare_payload();
    stream_.expires_after(kReplyTimeout);
    beast::error_code ec;
    bool done = false;
    http::async_write(stream_, req, [&](beast::error_code e, size_t) {
      ec = e;
      done = true;
    });
    SLUICE_RETURN_IF_ERROR(wait(done));
    if (ec) return Status::io_error("sending the request failed: " + ec.message());
    return Status::ok();
  }

  Result<HttpReply> read_reply() {
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(boost::none);
    beast::error_code ec;
    bool done = false;
    http::async_read(stream_, buffer, parser, [&](beast::error_code e, size_t) {
      ec = e;
      done = true;
    });
    SLUICE_RETURN_IF_ERROR(wait(done));
    if (ec) return Status::io_error("reading the server's reply failed: " + ec.message());
    auto res = parser.release();
    return HttpReply{static_cast<int>(res.result_int()), std::move(res.body())};
  }

  // Reads the header, then the body piece by piece as it arrives.
  Result<StreamReply> read_stream(const std::function<void(std::string_view)>& on_line) {
    beast::flat_buffer buffer;
    http::response_parser<http::buffer_body> parser;
    parser.body_limit(boost::none);
    stream_.expires_never();
    beast::error_code ec;
    bool done = false;
    http::async_read_header(stream_, buffer, parser, [&](beast::error_code e, size_t) {
      ec = e;
      done = true;
    });
    StreamReply reply;
    Status st = wait(done);
    if (st.code() == StatusCode::kAborted) {
      reply.cancelled = true;
      return reply;
    }
    SLUICE_RETURN_IF_ERROR(st);
    if (ec) return Status::io_error("reading the server's reply failed: " + ec.message());
    reply.status = static_cast<int>(parser.get().result_int());
    bool ok = reply.status >= 200 && reply.status < 300;

    std::string pending;
    char chunk[16 * 1024];
    while (!parser.is_done()) {
      parser.get().body().data = chunk;
      parser.get().body().size = sizeof chunk;
      done = false;
      http::async_read_some(stream_, buffer, parser, [&](beast::error_code e, size_t) {
        ec = e;
        done = true;
      });
      st = wait(done);
      if (st.code() == StatusCode::kAborted) {
        reply.cancelled = true;
        return reply;
      }
      SLUICE_RETURN_IF_ERROR(st);
      if (ec == http::error::need_buffer) ec = {};
      if (ec) return Status::io_error("the server's stream broke off: " + ec.message());
      size_t n = sizeof chunk - parser.get().body().size;
      if (!ok) {
        reply.error_body.append(chunk, n);
        continue;
      }
      pending.append(chunk, n);
      size_t start = 0;
      for (size_t nl; (nl = pending.find('\n', start)) != std::string::npos; start = nl + 1) {
        std::string_view line(pending.data() + start, nl - start);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        on_line(line);
      }
      pending.erase(0, start);
    }
    if (ok && !pending.empty()) on_line(pending);
    return reply;
  }

 private:
  // Runs the loop until `done`. The interrupt flag closes the socket (the operation then
  // completes) and gives kAborted.
  Status wait(bool& done) {
    ioc_.restart();
    while (!done) {
      ioc_.run_for(std::chrono::milliseconds(50));
      if (!done && interrupted()) {
        beast::error_code ec;
        stream_.socket().close(ec);
        ioc_.restart();
        while (!done) ioc_.run_one();
        return Status::aborted("interrupted");
      }
    }
    return Status::ok();
  }

  std::string host_;
  uint16_t port_;
  const std::atomic<bool>* interrupt_;
  asio::io_context ioc_;
  beast::tcp_stream stream_;
};

}  // namespace

Result<KsqlClient> KsqlClient::connect_to(std::string_view url) {
  std::string_view rest = url;
  if (rest.starts_with("http://")) {
    rest.remove_prefix(7);
  } else if (rest.find("://") != std::string_view::npos) {
    return Status::invalid_argument("unsupported server URL '" + std::string(url) +
                                    "': only http:// is supported");
  }
  rest = rest.substr(0, rest.find('/'));
  std::string host;
  std::string_view port_text;
  if (rest.starts_with("[")) {
    size_t close = rest.find(']');
    if (close == std::string_view::npos) {
      return Status::invalid_argument("bad server URL '" + std::string(url) + "'");
    }
    host = std::string(rest.substr(1, close - 1));
    rest.remove_prefix(close + 1);
    if (rest.starts_with(":")) port_text = rest.substr(1);
  } else {
    size_t colon = rest.rfind(':');
    host = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos) port_text = rest.substr(colon + 1);
  }
  if (host.empty()) return Status::invalid_argument("bad server URL '" + std::string(url) + "'");
  unsigned port = 80;
  if (!port_text.empty()) {
    port = 0;
    for (char c : port_text) {
      if (c < '0' || c > '9' || port > 65535) {
        return Status::invalid_argument("bad port in server URL '" + std::string(url) + "'");
      }
      port = port * 10 + static_cast<unsigned>(c - '0');
    }
    if (port == 0 || port > 65535) {
      return Status::invalid_argument("bad port in server URL '" + std::string(url) + "'");
    }
  }
  std::string shown = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return KsqlClient("http://" + shown + ":" + std::to_string(port), std::move(host),
                    static_cast<uint16_t>(port));
}

Result<HttpReply> KsqlClient::get(std::string_view path) {
  Connection c(host_, port_, interrupt_);
  SLUICE_RETURN_IF_ERROR(c.open());
  SLUICE_RETURN_IF_ERROR(c.send(http::verb::get, path, "", "application/json"));
  return c.read_reply();
}

Result<HttpReply> KsqlClient::post_json(std::string_view path, const std::string& body) {
  Connection c(host_, port_, interrupt_);
  SLUICE_RETURN_IF_ERROR(c.open());
  SLUICE_RETURN_IF_ERROR(c.send(http::verb::post, path, body, "application/json"));
  return c.read_reply();
}

Result<StreamReply> KsqlClient::post_stream(std::string_view path, const std::string& body,
                                            std::string_view accept,
                                            const std::function<void(std::string_view)>& on_line) {
  Connection c(host_, port_, interrupt_);
  Status st = c.open();
  if (st.is_ok()) st = c.send(http::verb::post, path, body, accept);
  if (st.code() == StatusCode::kAborted) {
    StreamReply r;
    r.cancelled = true;
    return r;
  }
  SLUICE_RETURN_IF_ERROR(st);
  return c.read_stream(on_line);
}

}  // namespace sluice::cli
