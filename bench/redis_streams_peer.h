// The peer of broker_bench: the same produce / consume / fixed-rate latency workloads against
// Redis Streams (XADD / XREAD) on a redis-server started without persistence, through a minimal
// pipelining RESP client.
//
// Thread-safety: a RespClient belongs to one thread.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "bench/broker_bench_util.h"

namespace sluice::bench {

// One parsed RESP value. Nodes of a reply are stored in pre-order; `subtree` counts the node and
// all its descendants, so the children of an array are at i+1, then each next one subtree later.
struct RespNode {
  char type = 0;          // '+', '-', ':', '$', '*'
  std::string_view text;  // simple string, error or bulk string (views into the read buffer)
  int64_t integer = 0;    // ':' value, '*' element count, -1 for null bulk strings and arrays
  uint32_t subtree = 1;
};

class RespClient {
 public:
  RespClient() = default;
  ~RespClient();
  RespClient(const RespClient&) = delete;
  RespClient& operator=(const RespClient&) = delete;

  bool connect(uint16_t port);
  // Queues one command; nothing is sent before flush().
  void append(std::initializer_list<std::string_view> args);
  bool flush();
  // Reads the next reply. The nodes stay valid until the next call. Empty on a broken connection
  // or a protocol error.
  const std::vector<RespNode>& read_reply();

 private:
  int parse(size_t& pos);  // 1 parsed, 0 needs more bytes, -1 malformed
  bool fill();

  int fd_ = -1;
  std::string out_;
  std::vector<char> in_ = std::vector<char>(1 << 20);
  size_t rpos_ = 0, wpos_ = 0;
  std::vector<RespNode> nodes_;
};

// A redis-server on a free loopback port with persistence off.
class RedisServer {
 public:
  // `binary` is the redis-server to run; `dir` holds its log.
  RedisServer(const std::string& binary, const std::string& dir);
  bool ready() const { return ready_; }
  uint16_t port() const { return port_; }
  pid_t pid() const { return process_->pid(); }

 private:
  uint16_t port_;
  std::unique_ptr<ChildProcess> process_;
  bool ready_ = false;
};

// XADD `messages` 1 KiB values to `stream`, pipelined `window` commands at a time.
Throughput redis_produce(uint16_t port, const std::string& stream, int64_t messages, int window);
// XADD `messages` 1 KiB values to `stream` in MULTI/EXEC blocks of `per_block`, one block in
// flight at a time (the peer of a transactional producer committing every `per_block` values).
Throughput redis_produce_multi(uint16_t port, const std::string& stream, int64_t messages,
                               int per_block);
// XREAD the whole stream from the start, `count` entries per call.
Throughput redis_consume(uint16_t port, const std::string& stream, int64_t messages, int count);
// XADD at a fixed rate while a second connection waits in XREAD BLOCK; latency from XADD to
// arrival at the reader.
Latency redis_latency(uint16_t port, const std::string& stream, double bytes_per_second,
                      double seconds);

}  // namespace sluice::bench
