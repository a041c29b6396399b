// HttpServer: the HTTP listener (Boost.Beast) that serves /metrics, /health and, as the layers
// above grow, the REST APIs (ksqlDB, Schema Registry, Connect) and the web console.
//
// Routes are registered before start() and are immutable afterwards. Handlers of route() run on
// the IoRuntime loop that owns the connection (which also serves Kafka connections): they must be
// quick and never wait for a lock held by slow work. Handlers of route_blocking() (anything that
// runs SQL, touches the disk or may wait) run on the server's own worker threads instead, and the
// connection's loop goes on serving others meanwhile. Either kind may be called concurrently, so
// handlers must be thread-safe. A handler that throws produces a 500 with the message; the server
// keeps serving.
//
// Streaming responses: a handler may return a response whose `stream` is set. The connection then
// sends the headers with chunked transfer encoding and forwards what another thread writes into
// the HttpStream as it arrives, until the producer closes it. When the client goes away (its side
// of the connection closes, or a write fails) the stream is cancelled, which the producer sees
// through cancelled() / the on_cancel callback. A streamed response ends its connection.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/io_runtime.h"
#include "common/status.h"

namespace sluice {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // without the query string
  std::map<std::string, std::string> query;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // Case-insensitive header lookup; "" when absent.
  std::string_view header(std::string_view name) const;
};

// A response body produced by another thread (see the file comment). Bounded: a producer checks
// full() and waits (or pauses its source) while the client lags behind.
//
// Thread-safety: every member function is thread-safe. Producer and consumer are any threads.
class HttpStream {
 public:
  explicit HttpStream(size_t max_buffered_bytes = 1 << 20);
  HttpStream(const HttpStream&) = delete;
  HttpStream& operator=(const HttpStream&) = delete;

  // ---- producer side ----
  // Queues `data` for sending; false (and nothing queued) once the stream is cancelled or closed.
  bool write(std::string data);
  // Ends the body after what is queued; idempotent.
  void close();
  // True once the client went away (or cancel() was called): stop producing.
  bool cancelled() const;
  bool closed() const;
  // Bytes queued and not yet taken by the connection.
  size_t buffered() const;
  // buffered() has reached the bound given to the constructor.
  bool full() const;
  // Blocks until buffered() is below the bound, or the stream is cancelled or closed, or
  // `timeout` passes; returns !full().
  bool wait_writable(std::chrono::milliseconds timeout);
  // Called once, on cancellation, from the thread that cancels (do not block in it).
  void set_on_cancel(std::function<void()> f);

  // ---- consumer side (the connection) ----
  // Marks the stream cancelled (client gone) and runs the on_cancel callback.
  void cancel();
  // `wake` is called (from the producer's thread, with the stream's lock held: only post work
  // from it) when data or the end arrives while the consumer waits; nullptr detaches.
  void set_wake(std::function<void()> wake);
  // Takes everything queued. When nothing is queued and the stream is not closed, the consumer
  // is registered as waiting and `wake` will be called. `*end` is set when the stream is closed
  // and everything has been taken.
  std::string take(bool* end);

 private:
  mutable std::mutex mu_;
  std::condition_variable drained_;
  std::deque<std::string> chunks_;
  size_t buffered_ = 0;
  size_t max_buffered_;
  bool closed_ = false;
  bool cancelled_ = false;
  bool waiting_ = false;
  std::function<void()> wake_;
  std::function<void()> on_cancel_;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // When set, `body` is sent first and the rest comes from the stream (chunked).
  std::shared_ptr<HttpStream> stream;

  static HttpResponse text(int status, std::string body);
  static HttpResponse json(int status, std::string body);
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

struct HttpServerOptions {
  std::string host = "0.0.0.0";
  uint16_t port = 8080;
  size_t max_body_bytes = 16 << 20;
  // Threads that run route_blocking() handlers (how many such requests run at once).
  size_t worker_threads = 4;
};

class HttpServer {
 public:
  HttpServer(IoRuntime& runtime, HttpServerOptions options);
  // stop() throws only if asio cannot allocate or the promise breaks; terminating then is right.
  // NOLINTNEXTLINE(bugprone-exception-escape): only on allocation failure or a broken promise.
  ~HttpServer();

  // Exact path match. `method` "*" matches any method.
  void route(std::string method, std::string path, HttpHandler handler);
  // Matches every path starting with `prefix`; exact routes win, then the longest prefix.
  void route_prefix(std::string method, std::string prefix, HttpHandler handler);
  // route(), with the handler run on the server's worker threads (see the file comment).
  void route_blocking(std::string method, std::string path, HttpHandler handler);
  // route_prefix(), with the handler run on the worker threads.
  void route_prefix_blocking(std::string method, std::string prefix, HttpHandler handler);

  // Binds and starts accepting. Returns an error (e.g. address in use) instead of throwing.
  Status start();
  void stop();
  // The bound port (useful with port 0).
  uint16_t port() const;

  // Dispatches a request to its route on the calling thread (tests).
  HttpResponse dispatch(const HttpRequest& req) const;

  struct Route {
    std::string method;
    std::string path;
    bool prefix;
    bool blocking;
    HttpHandler handler;
  };
  // The route that serves `req`, or nullptr with the 404/405 to answer in *error.
  const Route* match(const HttpRequest& req, HttpResponse* error) const;

 private:
  struct Impl;
  IoRuntime& runtime_;
  HttpServerOptions options_;
  std::vector<Route> routes_;
  std::unique_ptr<Impl> impl_;
};

// Percent-decodes a URL component ('+' becomes a space).
std::string url_decode(std::string_view s);

}  // namespace sluice
