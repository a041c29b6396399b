// Pieces shared by broker_bench's Kafka and Redis halves: child server processes on free loopback
// ports, a fixed-rate pacer, latency percentiles and the figures of one workload.
//
// Thread-safety: none; each object is used by one thread.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace sluice::bench {

constexpr size_t kValueSize = 1024;
constexpr double kMB = 1e6;

// Returns a TCP port that was free a moment ago on 127.0.0.1.
uint16_t free_port();
// Waits until 127.0.0.1:port accepts connections; false after `timeout`.
bool wait_for_port(uint16_t port, std::chrono::milliseconds timeout);

// A server started with argv, stdout/stderr to `log_path`; SIGTERM and reaped on destruction.
class ChildProcess {
 public:
  ChildProcess(const std::vector<std::string>& argv, const std::string& log_path);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  bool alive();
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

// A fresh directory under /tmp, removed with its contents by the destructor.
class TempDir {
 public:
  explicit TempDir(const char* prefix);
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

double seconds_since(std::chrono::steady_clock::time_point t0);
// CPU seconds (user + system) used so far by process `pid`, or by this process when pid is 0.
double cpu_seconds(pid_t pid = 0);
double median(std::vector<double> v);
// The q-quantile (0..1) of `v` (sorted in place).
double quantile(std::vector<double>& v, double q);

// Messages due at a fixed byte rate: how many of `message_bytes` should have been sent by now.
class Pacer {
 public:
  Pacer(double bytes_per_second, size_t message_bytes)
      : per_ns_(bytes_per_second / static_cast<double>(message_bytes) / 1e9), start_ns_(now_ns()) {}
  int64_t due() const {
    return static_cast<int64_t>(static_cast<double>(now_ns() - start_ns_) * per_ns_);
  }

 private:
  double per_ns_;
  int64_t start_ns_;
};

// One throughput run.
struct Throughput {
  double seconds = 0;
  int64_t messages = 0;
  double server_cpu = 0;  // CPU seconds the server used meanwhile
  double client_cpu = 0;  // CPU seconds this process (the client) used meanwhile
  double mb_per_s() const { return static_cast<double>(messages) * kValueSize / kMB / seconds; }
  double msg_per_s() const { return static_cast<double>(messages) / seconds; }
};

// One fixed-rate latency run.
struct Latency {
  double p50_ms = 0;
  double p99_ms = 0;
  double achieved_mb_per_s = 0;
  int64_t lost = 0;  // messages sent but never seen by the consumer
};

// Fills a 1 KiB value with printable bytes (the first 8 bytes are overwritten by latency runs).
std::string bench_value();

}  // namespace sluice::bench
