// The Kafka listener: accepts TCP connections on the IoRuntime loops and turns the byte stream
// into size-prefixed request frames for a RequestHandler, and responses back into bytes.
//
// Framing: every request is [i32 size][size bytes]; a size < 8 or above max_frame_bytes closes that
// connection with a logged reason (it cannot be answered: the correlation id may be unreadable).
// Ordering: Kafka clients rely on responses arriving in request order, and a broker processes one
// request per connection at a time (it "mutes" the channel). We do the same, but keep reading
// ahead: up to max_queued_requests / max_queued_bytes frames wait per connection, which bounds a
// connection's memory. An idle connection holds only its socket and a 4-byte header buffer.
//
// Thread-safety: a Connection lives on one loop. RequestHandler::handle is called on that loop;
// the `done` callback may be invoked from any thread (it posts back to the connection's loop),
// exactly once.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "common/io_runtime.h"
#include "common/status.h"

namespace sluice::kafka {

// A range of an open file sent with sendfile(2). `owner` keeps the file open until sent.
struct FileSlice {
  int fd = -1;
  int64_t offset = 0;
  size_t length = 0;
  std::shared_ptr<const void> owner;
};

// A response frame as a list of chunks (bytes and file ranges), including the 4-byte size prefix.
struct WireFrame {
  std::vector<std::variant<std::vector<uint8_t>, FileSlice>> chunks;
  size_t size() const;
};

// The bytes of one request frame (without its size prefix). Allocated without zero-filling: the
// socket read overwrites every byte, and clearing megabyte frames cost ~2% CPU at high produce
// rates. Move-only; whoever holds it keeps the bytes alive (decoded Records borrow from them).
class FrameBuffer {
 public:
  FrameBuffer() = default;
  explicit FrameBuffer(size_t size) : data_(new uint8_t[size]), size_(size) {}
  FrameBuffer(FrameBuffer&& o) noexcept : data_(std::move(o.data_)), size_(o.size_) { o.size_ = 0; }
  FrameBuffer& operator=(FrameBuffer&& o) noexcept {
    data_ = std::move(o.data_);
    size_ = o.size_;
    o.size_ = 0;
    return *this;
  }

  uint8_t* data() { return data_.get(); }
  const uint8_t* data() const { return data_.get(); }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  uint8_t operator[](size_t i) const { return data_[i]; }

 private:
  std::unique_ptr<uint8_t[]> data_;
  size_t size_ = 0;
};

struct ConnectionInfo {
  uint64_t id = 0;
  std::string peer;  // "ip:port"
  // The loop that owns the connection (for timers of requests that wait, like long-poll Fetch).
  boost::asio::io_context* loop = nullptr;
};

class RequestHandler {
 public:
  using Done = std::function<void(std::optional<WireFrame>)>;
  virtual ~RequestHandler() = default;
  // Handles one request frame (without its size prefix). `done` is called exactly once with the
  // response, or with nullopt when the request needs none (Produce with acks=0); an error Status
  // returned from here instead closes the connection (the frame was not a Kafka request).
  virtual Status handle(const ConnectionInfo& conn, FrameBuffer frame, Done done) = 0;
};

struct ListenerOptions {
  std::string host = "0.0.0.0";
  uint16_t port = 9092;
  size_t max_frame_bytes = 100 << 20;
  size_t max_queued_requests = 32;
  size_t max_queued_bytes = 128 << 20;
};

class KafkaListener {
 public:
  KafkaListener(IoRuntime& runtime, RequestHandler& handler, ListenerOptions options);
  // stop() throws only if asio cannot allocate or the promise breaks; terminating then is right.
  // NOLINTNEXTLINE(bugprone-exception-escape): only on allocation failure or a broken promise.
  ~KafkaListener();

  // Binds and starts accepting. Sets SIGPIPE to be ignored, process-wide: responses are sent
  // with sendfile(2), which cannot suppress it per call, and a client that resets its
  // connection must never kill the process.
  Status start();
  void stop();
  uint16_t port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice::kafka
