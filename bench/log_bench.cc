// Log throughput: appends under each fsync policy and sequential reads, 1 KiB records in 16 KiB
// batches, in a data dir under /tmp. Each figure is the median of several runs; one line per
// figure, e.g. `append fsync=never 1530.2 MB/s`. The peer is a bare pwrite loop of the same
// batches to one file (what the log's append path costs on top of the kernel).
//
// usage: log_bench [--quick] [--runs N] [--dir PATH]
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <spdlog/spdlog.h>

#include "common/clock.h"
#include "storage/fault_injection_fs.h"
#include "storage/log_manager.h"

namespace sluice {
namespace {

constexpr size_t kRecordSize = 1024;
constexpr int kRecordsPerBatch = 16;

struct Options {
  bool quick = false;
  int runs = 3;
  std::string dir;
};

std::vector<uint8_t> make_bench_batch() {
  RecordBatchBuilder b;
  std::string value(kRecordSize, 'v');
  for (size_t i = 0; i < value.size(); ++i) value[i] = static_cast<char>('a' + (i * 7) % 26);
  for (int i = 0; i < kRecordsPerBatch; ++i) {
    std::string key = "key-" + std::to_string(i);
    b.add(wall_clock_ms(), as_bytes(key), as_bytes(value));
  }
  return b.build().value();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

[[noreturn]] void die(const Status& st, const char* what) {
  std::fprintf(stderr, "log_bench: %s: %s\n", what, st.to_string().c_str());
  std::exit(1);
}

struct Log {
  std::unique_ptr<LogManager> manager;
  Partition* partition = nullptr;
};

Log open_log(FileSystem& fs, const std::string& dir, FsyncPolicy policy) {
  posix_file_system().remove_all(dir).ignore_error();
  LogDefaults d;
  d.fsync = policy;
  d.fsync_interval_ms = 500;
  d.segment_bytes = 256 << 20;
  auto m = LogManager::open(fs, dir, d);
  if (!m.is_ok()) die(m.status(), "open");
  Status st = (*m)->create_topic("bench", 1, {});
  if (!st.is_ok()) die(st, "create_topic");
  Log log;
  log.manager = std::move(m).value();
  log.partition = log.manager->partition("bench", 0);
  return log;
}

// Appends `total` bytes of batches from one thread; returns MB/s.
double append_run(const Options& o, FsyncPolicy policy, uint64_t total, bool keep,
                  Log* out = nullptr) {
  Log log = open_log(posix_file_system(), o.dir, policy);
  auto batch = make_bench_batch();
  std::atomic<bool> stop{false};
  std::thread maintenance;
  if (policy == FsyncPolicy::kInterval) {
    maintenance = std::thread([&] {
      while (!stop) {
        log.partition->run_maintenance(wall_clock_ms()).ignore_error();
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    });
  }
  uint64_t n = total / batch.size();
  auto t0 = std::chrono::steady_clock::now();
  for (uint64_t i = 0; i < n; ++i) {
    auto r = log.partition->append(batch);
    if (!r.is_ok()) die(r.status(), "append");
  }
  double secs = seconds_since(t0);
  stop = true;
  if (maintenance.joinable()) maintenance.join();
  if (keep && out != nullptr) {
    *out = std::move(log);
  } else {
    log.manager.reset();
    posix_file_system().remove_all(o.dir).ignore_error();
  }
  return static_cast<double>(n * batch.size()) / 1e6 / secs;
}

struct AlwaysResult {
  double mb_s, appends_s, fsyncs_s;
};

AlwaysResult always_run(const Options& o, int threads, double duration) {
  FaultInjectionFileSystem counting(posix_file_system());  // no faults: counts fsyncs
  Log log = open_log(counting, o.dir, FsyncPolicy::kAlways);
  auto batch = make_bench_batch();
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> appends{0};
  uint64_t syncs0 = counting.sync_count();
  std::vector<std::thread> ts;
  ts.reserve(threads);
  auto t0 = std::chrono::steady_clock::now();
  for (int t = 0; t < threads; ++t) {
    ts.emplace_back([&] {
      while (!stop) {
        auto r = log.partition->append(batch);
        if (!r.is_ok()) die(r.status(), "append");
        appends.fetch_add(1);
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(duration));
  stop = true;
  for (auto& t : ts) t.join();
  double secs = seconds_since(t0);
  uint64_t syncs = counting.sync_count() - syncs0;
  log.manager.reset();
  posix_file_system().remove_all(o.dir).ignore_error();
  double a = static_cast<double>(appends.load());
  return {a * static_cast<double>(batch.size()) / 1e6 / secs, a / secs,
          static_cast<double>(syncs) / secs};
}

// Reads the whole partition front to back; returns MB/s for the copying and the range API.
std::pair<double, double> read_run(const Partition& p) {
  constexpr size_t kMax = 1 << 20;
  uint64_t bytes = 0;
  auto t0 = std::chrono::steady_clock::now();
  Offset next(0);
  Offset end = p.high_watermark();
  ReadBuffer buf;  // reused, as a fetch loop would
  while (next < end) {
    Status st = p.read_into(next, kMax, end, buf);
    if (!st.is_ok()) die(st, "read_into");
    bytes += buf.size();
    // The batch headers say where to continue.
    size_t pos = 0;
    int64_t last = next.value();
    while (pos + 61 <= buf.size()) {
      auto h = decode_batch_header(ByteSpan(buf.data() + pos, buf.size() - pos));
      last = h->last_offset();
      pos += h->total_size();
    }
    next = Offset(last + 1);
  }
  double copy = static_cast<double>(bytes) / 1e6 / seconds_since(t0);
  bytes = 0;
  t0 = std::chrono::steady_clock::now();
  next = Offset(0);
  while (next < end) {
    auto r = p.read(next, kMax, end);
    if (!r.is_ok()) die(r.status(), "read");
    bytes += r->bytes;
    next = r->next_offset;
  }
  double ranges = static_cast<double>(bytes) / 1e6 / seconds_since(t0);
  return {copy, ranges};
}

double raw_pwrite_run(const Options& o, uint64_t total) {
  posix_file_system().mkdirs(o.dir).ignore_error();
  std::string path = o.dir + "/raw";
  int fd = ::open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0) die(Status::from_errno(errno, path), "open");
  auto batch = make_bench_batch();
  uint64_t n = total / batch.size(), pos = 0;
  auto t0 = std::chrono::steady_clock::now();
  for (uint64_t i = 0; i < n; ++i) {
    if (::pwrite(fd, batch.data(), batch.size(), static_cast<off_t>(pos)) !=
        static_cast<ssize_t>(batch.size())) {
      die(Status::from_errno(errno, path), "pwrite");
    }
    pos += batch.size();
  }
  double secs = seconds_since(t0);
  ::close(fd);
  posix_file_system().remove_all(o.dir).ignore_error();
  return static_cast<double>(n * batch.size()) / 1e6 / secs;
}

int run(const Options& o) {
  spdlog::set_level(spdlog::level::warn);
  const uint64_t total = o.quick ? (16ull << 20) : (512ull << 20);
  const double always_secs = o.quick ? 0.3 : 2.0;
  const int always_threads = 8;
  std::vector<double> never, interval, raw, read_copy, read_ranges, a_mb, a_appends, a_fsyncs;
  for (int i = 0; i < o.runs; ++i) {
    raw.push_back(raw_pwrite_run(o, total));
    Log kept;
    never.push_back(append_run(o, FsyncPolicy::kNever, total, true, &kept));
    auto [c, r] = read_run(*kept.partition);
    read_copy.push_back(c);
    read_ranges.push_back(r);
    kept.manager.reset();
    posix_file_system().remove_all(o.dir).ignore_error();
    interval.push_back(append_run(o, FsyncPolicy::kInterval, total, false));
    auto a = always_run(o, always_threads, always_secs);
    a_mb.push_back(a.mb_s);
    a_appends.push_back(a.appends_s);
    a_fsyncs.push_back(a.fsyncs_s);
  }
  std::printf("log_bench: %d KiB batches of %d x %zu B records, median of %d runs, dir %s\n",
              static_cast<int>(make_bench_batch().size() / 1024), kRecordsPerBatch, kRecordSize,
              o.runs, o.dir.c_str());
  std::printf("write raw-pwrite (peer) %.1f MB/s\n", median(raw));
  std::printf("append fsync=never %.1f MB/s\n", median(never));
  std::printf("append fsync=interval %.1f MB/s\n", median(interval));
  std::printf("append fsync=always %.1f MB/s\n", median(a_mb));
  std::printf("append fsync=always %.0f appends/s (%d threads)\n", median(a_appends),
              always_threads);
  std::printf("append fsync=always %.0f fsyncs/s\n", median(a_fsyncs));
  std::printf("read sequential %.1f MB/s\n", median(read_copy));
  std::printf("read sequential ranges %.1f MB/s\n", median(read_ranges));
  return 0;
}

}  // namespace
}  // namespace sluice

// An exception reaching main is a bug: std::terminate reports it and aborts, as wanted.
// NOLINTNEXTLINE(bugprone-exception-escape): an escaping exception should terminate.
int main(int argc, char** argv) {
  sluice::Options o;
  o.dir = "/tmp/sluice-log-bench-" + std::to_string(::getpid());
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--quick") {
      o.quick = true;
      o.runs = 1;
    } else if (a == "--runs" && i + 1 < argc) {
      o.runs = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--dir" && i + 1 < argc) {
      o.dir = argv[++i];
    } else {
      std::fprintf(stderr, "usage: %s [--quick] [--runs N] [--dir PATH]\n", argv[0]);
      return 2;
    }
  }
  return sluice::run(o);
}
