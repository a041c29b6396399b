// HttpServer: the HTTP listener (Boost.Beast) that serves /metrics, /health and, as the layers
// above grow, the REST APIs (ksqlDB, Schema Registry, Connect) and the web console.
//
// Routes are registered before start() and are immutable afterwards. Handlers run on the IoRuntime
// loop that owns the connection and may be called concurrently from several loops, so they must be
// thread-safe. A handler that throws produces a 500 with the message; the server keeps serving.
#pragma once

#include <functional>
#include <map>
#include <memory>
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

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;

  static HttpResponse text(int status, std::string body);
  static HttpResponse json(int status, std::string body);
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

struct HttpServerOptions {
  std::string host = "0.0.0.0";
  uint16_t port = 8080;
  size_t max_body_bytes = 16 << 20;
};

class HttpServer {
 public:
  HttpServer(IoRuntime& runtime, HttpServerOptions options);
  ~HttpServer();

  // Exact path match. `method` "*" matches any method.
  void route(std::string method, std::string path, HttpHandler handler);
  // Matches every path starting with `prefix`; exact routes win, then the longest prefix.
  void route_prefix(std::string method, std::string prefix, HttpHandler handler);

  // Binds and starts accepting. Returns an error (e.g. address in use) instead of throwing.
  Status start();
  void stop();
  // The bound port (useful with port 0).
  uint16_t port() const;

  // Dispatches a request to its route (used by the connection code and by tests).
  HttpResponse dispatch(const HttpRequest& req) const;

 private:
  struct Impl;
  struct Route {
    std::string method;
    std::string path;
    bool prefix;
    HttpHandler handler;
  };
  IoRuntime& runtime_;
  HttpServerOptions options_;
  std::vector<Route> routes_;
  std::unique_ptr<Impl> impl_;
};

// Percent-decodes a URL component ('+' becomes a space).
std::string url_decode(std::string_view s);

}  // namespace sluice
