#include "server/http_server.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <strings.h>

#include <fmt/format.h>

#include <future>
#include <sstream>

#include "common/clock.h"
#include "common/log.h"
#include "common/metrics.h"

namespace sluice {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

std::string_view HttpRequest::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() && strncasecmp(k.data(), name.data(), k.size()) == 0) return v;
  }
  return {};
}

HttpResponse HttpResponse::text(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

HttpResponse HttpResponse::json(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.content_type = "application/json";
  r.body = std::move(body);
  return r;
}

HttpStream::HttpStream(size_t max_buffered_bytes) : max_buffered_(max_buffered_bytes) {}

bool HttpStream::write(std::string data) {
  std::lock_guard<std::mutex> lock(mu_);
  if (cancelled_ || closed_) return false;
  if (data.empty()) return true;
  buffered_ += data.size();
  chunks_.push_back(std::move(data));
  if (waiting_ && wake_) {
    waiting_ = false;
    wake_();
  }
  return true;
}

void HttpStream::close() {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) return;
  closed_ = true;
  drained_.notify_all();
  if (waiting_ && wake_) {
    waiting_ = false;
    wake_();
  }
}

bool HttpStream::cancelled() const {
  std::lock_guard<std::mutex> lock(mu_);
  return cancelled_;
}

bool HttpStream::closed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return closed_;
}

size_t HttpStream::buffered() const {
  std::lock_guard<std::mutex> lock(mu_);
  return buffered_;
}

bool HttpStream::full() const {
  std::lock_guard<std::mutex> lock(mu_);
  return buffered_ >= max_buffered_;
}

bool HttpStream::wait_writable(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  drained_.wait_for(lock, timeout,
                    [&] { return cancelled_ || closed_ || buffered_ < max_buffered_; });
  return buffered_ < max_buffered_;
}

void HttpStream::set_on_cancel(std::function<void()> f) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!cancelled_) {
      on_cancel_ = std::move(f);
      return;
    }
  }
  // Already cancelled: run it now, outside the lock.
  if (f) f();
}

void HttpStream::cancel() {
  std::function<void()> cb;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (cancelled_) return;
    cancelled_ = true;
    chunks_.clear();
    buffered_ = 0;
    cb = std::move(on_cancel_);
    on_cancel_ = nullptr;
    drained_.notify_all();
  }
  if (cb) cb();
}

void HttpStream::set_wake(std::function<void()> wake) {
  std::lock_guard<std::mutex> lock(mu_);
  wake_ = std::move(wake);
  if (!wake_) waiting_ = false;
}

std::string HttpStream::take(bool* end) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  if (chunks_.size() == 1) {
    out = std::move(chunks_.front());
  } else {
    out.reserve(buffered_);
    for (const std::string& c : chunks_) out += c;
  }
  chunks_.clear();
  buffered_ = 0;
  drained_.notify_all();
  *end = closed_ || cancelled_;
  waiting_ = out.empty() && !*end;
  return out;
}

std::string url_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

namespace {

struct HttpMetrics {
  Counter& requests_2xx = MetricsRegistry::global().counter(
      "sluice_http_requests_total", "HTTP requests by status class", {{"class", "2xx"}});
  Counter& requests_4xx = MetricsRegistry::global().counter(
      "sluice_http_requests_total", "HTTP requests by status class", {{"class", "4xx"}});
  Counter& requests_5xx = MetricsRegistry::global().counter(
      "sluice_http_requests_total", "HTTP requests by status class", {{"class", "5xx"}});
  Histogram& latency = MetricsRegistry::global().histogram("sluice_http_request_duration_seconds",
                                                           "HTTP request latency");
  void count(int status) {
    if (status >= 500)
      requests_5xx.inc();
    else if (status >= 400)
      requests_4xx.inc();
    else
      requests_2xx.inc();
  }
};

HttpMetrics& http_metrics() {
  static HttpMetrics m;
  return m;
}

HttpRequest to_request(const http::request<http::string_body>& req) {
  HttpRequest out;
  out.method = std::string(req.method_string());
  std::string_view target = req.target();
  size_t q = target.find('?');
  out.path = url_decode(target.substr(0, q));
  if (q != std::string_view::npos) {
    std::string_view qs = target.substr(q + 1);
    while (!qs.empty()) {
      size_t amp = qs.find('&');
      std::string_view kv = qs.substr(0, amp);
      size_t eq = kv.find('=');
      if (!kv.empty()) {
        out.query[url_decode(kv.substr(0, eq))] =
            eq == std::string_view::npos ? "" : url_decode(kv.substr(eq + 1));
      }
      if (amp == std::string_view::npos) break;
      qs = qs.substr(amp + 1);
    }
  }
  for (const auto& f : req)
    out.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
  out.body = req.body();
  return out;
}

// Runs a route's handler; an exception becomes a 500.
HttpResponse run_handler(const HttpServer::Route& route, const HttpRequest& req) {
  try {
    return route.handler(req);
  } catch (const std::exception& e) {
    spdlog::error("http: handler for {} {} threw: {}", req.method, req.path, e.what());
    return HttpResponse::text(500, std::string("internal error: ") + e.what() + "\n");
  }
}

// One HTTP/1.1 connection: read a request, dispatch, write the response, repeat while keep-alive.
// Everything but a blocking route's handler runs on the connection's loop.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const HttpServer& server, asio::thread_pool& workers, size_t max_body)
      : stream_(std::move(socket)), server_(server), workers_(workers), max_body_(max_body) {}
  ~Session() {
    if (out_) {
      out_->set_wake(nullptr);
      out_->cancel();
    }
  }

  void run() { read(); }

 private:
  void read() {
    parser_.emplace();
    parser_->body_limit(max_body_);
    parser_->header_limit(64 * 1024);
    stream_.expires_after(std::chrono::seconds(120));
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::eof ||
        ec == asio::error::connection_reset) {
      close();
      return;
    }
    if (ec) {
      // Malformed request or a body over the limit: answer 400/413 and close this connection only.
      int status = ec == http::error::body_limit ? 413 : 400;
      spdlog::debug("http: bad request from {}: {}", peer(), ec.message());
      respond(HttpResponse::text(status, "bad request: " + ec.message() + "\n"), false);
      return;
    }
    auto req = parser_->release();
    bool keep_alive = req.keep_alive();
    int64_t start = monotonic_ns();
    auto request = std::make_shared<HttpRequest>(to_request(req));
    HttpResponse error;
    const HttpServer::Route* route = server_.match(*request, &error);
    if (!route) {
      finish(std::move(error), keep_alive, start);
      return;
    }
    if (!route->blocking) {
      finish(run_handler(*route, *request), keep_alive, start);
      return;
    }
    // The handler may wait (SQL, disk): it runs on a worker, and the answer comes back to this
    // connection's loop.
    asio::post(workers_, [self = shared_from_this(), route, request, keep_alive, start] {
      auto resp = std::make_shared<HttpResponse>(run_handler(*route, *request));
      asio::post(self->stream_.get_executor(), [self, resp, keep_alive, start] {
        self->finish(std::move(*resp), keep_alive, start);
      });
    });
  }

  void finish(HttpResponse resp, bool keep_alive, int64_t start) {
    http_metrics().latency.observe(static_cast<double>(monotonic_ns() - start) / 1e9);
    if (resp.stream) {
      respond_stream(std::move(resp));
      return;
    }
    respond(std::move(resp), keep_alive);
  }

  // Streamed (chunked) response: the headers and `body` now, then whatever the producer writes.
  // The connection closes at the end.
  void respond_stream(HttpResponse r) {
    http_metrics().count(r.status);
    out_ = std::move(r.stream);
    stream_.expires_never();
    auto res =
        std::make_shared<http::response<http::empty_body>>(static_cast<http::status>(r.status), 11);
    res->set(http::field::server, "sluice");
    res->set(http::field::content_type, r.content_type);
    for (const auto& [k, v] : r.headers) res->set(k, v);
    res->chunked(true);
    res->keep_alive(false);
    std::ostringstream head;
    head << res->base();
    std::string first = head.str();
    if (!r.body.empty()) append_chunk(first, r.body);
    std::weak_ptr<Session> weak = weak_from_this();
    auto exec = stream_.get_executor();
    out_->set_wake([weak, exec] {
      asio::post(exec, [weak] {
        if (auto self = weak.lock()) self->pump();
      });
    });
    watch_client();
    write_raw(std::move(first), false);
  }

  static void append_chunk(std::string& out, std::string_view data) {
    out += fmt::format("{:x}\r\n", data.size());
    out += data;
    out += "\r\n";
  }

  // Sends what the producer has queued; registers for a wake-up when nothing is.
  void pump() {
    if (writing_ || !out_) return;
    bool end = false;
    std::string data = out_->take(&end);
    if (data.empty() && !end) return;
    std::string frame;
    if (!data.empty()) append_chunk(frame, data);
    if (end) frame += "0\r\n\r\n";
    write_raw(std::move(frame), end);
  }

  void write_raw(std::string bytes, bool last) {
    writing_ = true;
    auto buf = std::make_shared<std::string>(std::move(bytes));
    asio::async_write(stream_, asio::buffer(*buf),
                      [self = shared_from_this(), buf, last](beast::error_code ec, size_t) {
                        self->writing_ = false;
                        if (ec) {
                          // The client is gone: tell the producer.
                          self->end_stream(true);
                          return;
                        }
                        if (last) {
                          self->end_stream(false);
                          return;
                        }
                        self->pump();
                      });
  }

  // While streaming, a read completes only when the client closes (or sends more, ignored): that
  // is how a disconnect is noticed even when no data flows.
  void watch_client() {
    stream_.async_read_some(asio::buffer(watch_buf_),
                            [self = shared_from_this()](beast::error_code ec, size_t) {
                              if (!self->out_) return;
                              if (ec) {
                                self->end_stream(true);
                                return;
                              }
                              self->watch_client();
                            });
  }

  void end_stream(bool cancel) {
    if (!out_) return;
    out_->set_wake(nullptr);
    if (cancel) out_->cancel();
    out_.reset();
    // Lets a client that keeps its side open go after a while; the watch read then ends.
    stream_.expires_after(std::chrono::seconds(30));
    close();
  }

  void respond(HttpResponse r, bool keep_alive) {
    http_metrics().count(r.status);
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(r.status), 11);
    res->set(http::field::server, "sluice");
    res->set(http::field::content_type, r.content_type);
    for (const auto& [k, v] : r.headers) res->set(k, v);
    res->keep_alive(keep_alive);
    res->body() = std::move(r.body);
    res->prepare_payload();
    http::async_write(stream_, *res,
                      [self = shared_from_this(), res, keep_alive](beast::error_code ec, size_t) {
                        if (ec || !keep_alive) {
                          self->close();
                          return;
                        }
                        self->read();
                      });
  }

  std::string peer() const {
    beast::error_code ec;
    auto ep = stream_.socket().remote_endpoint(ec);
    return ec ? "?" : ep.address().to_string() + ":" + std::to_string(ep.port());
  }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::shared_ptr<HttpStream> out_;  // while a streamed response is being sent
  bool writing_ = false;
  char watch_buf_[512];
  std::optional<http::request_parser<http::string_body>> parser_;
  const HttpServer& server_;
  asio::thread_pool& workers_;
  size_t max_body_;
};

}  // namespace

struct HttpServer::Impl {
  Impl(IoRuntime& rt, const HttpServer& s, size_t max_body, size_t worker_threads)
      : runtime(rt),
        server(s),
        max_body_bytes(max_body),
        workers(std::max<size_t>(worker_threads, 1)),
        acceptor(rt.context(0)) {}
  // Handlers in flight finish before the routes they use go away.
  ~Impl() { workers.join(); }

  void accept() {
    acceptor.async_accept(runtime.next(), [this](beast::error_code ec, tcp::socket s) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
      if (!ec) {
        s.set_option(tcp::no_delay(true), ec);
        std::make_shared<Session>(std::move(s), server, workers, max_body_bytes)->run();
      } else {
        spdlog::warn("http: accept failed: {}", ec.message());
      }
      accept();
    });
  }

  IoRuntime& runtime;
  const HttpServer& server;
  size_t max_body_bytes;
  asio::thread_pool workers;
  tcp::acceptor acceptor;
  uint16_t port = 0;
};

HttpServer::HttpServer(IoRuntime& runtime, HttpServerOptions options)
    : runtime_(runtime), options_(std::move(options)) {}

// stop() throws only if asio cannot allocate or the promise breaks; terminating then is right.
// NOLINTNEXTLINE(bugprone-exception-escape): only on allocation failure or a broken promise.
HttpServer::~HttpServer() {
  stop();
}

void HttpServer::route(std::string method, std::string path, HttpHandler handler) {
  routes_.push_back(Route{std::move(method), std::move(path), false, false, std::move(handler)});
}

void HttpServer::route_prefix(std::string method, std::string prefix, HttpHandler handler) {
  routes_.push_back(Route{std::move(method), std::move(prefix), true, false, std::move(handler)});
}

void HttpServer::route_blocking(std::string method, std::string path, HttpHandler handler) {
  routes_.push_back(Route{std::move(method), std::move(path), false, true, std::move(handler)});
}

void HttpServer::route_prefix_blocking(std::string method, std::string prefix,
                                       HttpHandler handler) {
  routes_.push_back(Route{std::move(method), std::move(prefix), true, true, std::move(handler)});
}

HttpResponse HttpServer::dispatch(const HttpRequest& req) const {
  HttpResponse error;
  const Route* route = match(req, &error);
  return route ? run_handler(*route, req) : error;
}

const HttpServer::Route* HttpServer::match(const HttpRequest& req, HttpResponse* error) const {
  const Route* best = nullptr;
  bool path_known = false;
  for (const auto& r : routes_) {
    bool match = r.prefix ? req.path.rfind(r.path, 0) == 0 : req.path == r.path;
    if (!match) continue;
    path_known = true;
    if (r.method != "*" && r.method != req.method) continue;
    if (!best || (best->prefix && (!r.prefix || r.path.size() > best->path.size()))) best = &r;
  }
  if (best) return best;
  *error = path_known ? HttpResponse::text(405, "method not allowed\n")
                      : HttpResponse::text(404, "not found: " + req.path + "\n");
  return nullptr;
}

Status HttpServer::start() {
  impl_ = std::make_unique<Impl>(runtime_, *this, options_.max_body_bytes, options_.worker_threads);
  beast::error_code ec;
  auto addr = asio::ip::make_address(options_.host, ec);
  if (ec) {
    impl_.reset();
    return Status::invalid_argument("http listener: bad address '" + options_.host +
                                    "': " + ec.message());
  }
  tcp::endpoint ep(addr, options_.port);
  impl_->acceptor.open(ep.protocol(), ec);
  if (!ec) impl_->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl_->acceptor.bind(ep, ec);
  if (!ec) impl_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    impl_.reset();
    return Status::io_error("http listener on " + options_.host + ":" +
                            std::to_string(options_.port) + ": " + ec.message());
  }
  impl_->port = impl_->acceptor.local_endpoint().port();
  impl_->accept();
  return Status::ok();
}

void HttpServer::stop() {
  if (!impl_) return;
  // The acceptor belongs to loop 0: close it there. If that loop is no longer running (shutdown
  // order stops the runtime first), nothing else touches the acceptor and it is closed here.
  if (!runtime_.running()) {
    beast::error_code ec;
    impl_->acceptor.close(ec);
    return;
  }
  auto done = std::make_shared<std::promise<void>>();
  auto fut = done->get_future();
  asio::post(impl_->acceptor.get_executor(), [impl = impl_.get(), done] {
    beast::error_code ec;
    impl->acceptor.close(ec);
    done->set_value();
  });
  if (fut.wait_for(std::chrono::seconds(2)) != std::future_status::ready) {
    beast::error_code ec;
    impl_->acceptor.close(ec);
  }
}

uint16_t HttpServer::port() const {
  return impl_ ? impl_->port : 0;
}

}  // namespace sluice
