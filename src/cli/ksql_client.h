// KsqlClient: a small HTTP/1.1 client (Boost.Beast) for Sluice's ksqlDB-compatible REST API, as
// used by `sluice sql` and `sluice run`: POST /ksql, streaming POST /query-stream, POST
// /close-query, GET /info.
//
// Each request opens its own connection (the shell sends one statement at a time, and a push
// query holds its connection for as long as it runs). Streamed responses are read as they arrive,
// chunked or not, and handed over line by line; a cancel flag (set from a SIGINT handler) closes
// the connection, which is how a push query is stopped.
//
// Thread-safety: none; one thread uses a client. `cancel` may be set from any thread or a signal
// handler.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace sluice::cli {

struct HttpReply {
  int status = 0;
  std::string body;
};

// The outcome of a streamed request. For a non-2xx status `error_body` holds the whole body
// and no line was delivered.
struct StreamReply {
  int status = 0;
  std::string error_body;
  bool cancelled = false;
};

class KsqlClient {
 public:
  // `url`: "http://host:port" (the path, if any, is ignored); "host:port" is accepted too.
  static Result<KsqlClient> connect_to(std::string_view url);

  Result<HttpReply> get(std::string_view path);
  Result<HttpReply> post_json(std::string_view path, const std::string& body);

  // POSTs `body` and calls `on_line` for every line of a 2xx response as soon as it has arrived
  // (without the newline; a last line without one is delivered at the end). Returns when the
  // server ends the response, or when the interrupt flag becomes true (then the connection is
  // closed and `cancelled` is set).
  Result<StreamReply> post_stream(std::string_view path, const std::string& body,
                                  std::string_view accept,
                                  const std::function<void(std::string_view)>& on_line);

  // A flag that aborts the request in progress when it becomes true (the shell's SIGINT flag).
  // get() and post_json() then fail with kAborted. Not owned; nullptr for none.
  void set_interrupt_flag(const std::atomic<bool>* flag) { interrupt_ = flag; }

  const std::string& url() const { return url_; }
  const std::string& host() const { return host_; }
  uint16_t port() const { return port_; }

 private:
  KsqlClient(std::string url, std::string host, uint16_t port)
      : url_(std::move(url)), host_(std::move(host)), port_(port) {}

  std::string url_;
  std::string host_;
  uint16_t port_;
  const std::atomic<bool>* interrupt_ = nullptr;
};

}  // namespace sluice::cli
