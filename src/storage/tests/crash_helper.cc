// Child process of the crash test: appends batches to topic "crash" (fsync=always) from several
// threads until it is killed, and reports each acknowledged batch on the pipe `fd` as one line
// "<base offset> <last offset> <fnv1a-64 of the stored bytes>\n" (a single write of less than
// PIPE_BUF bytes, so lines from different threads never interleave).
//
// usage: storage_crash_helper <data_dir> <seed> <fd>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "storage/log_manager.h"

namespace sluice {
namespace {

uint64_t fnv1a(ByteSpan b) {
  uint64_t h = 1469598103934665603ull;
  for (uint8_t c : b) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

std::vector<uint8_t> random_batch(std::mt19937_64& rng) {
  static constexpr CompressionCodec kCodecs[] = {CompressionCodec::kNone, CompressionCodec::kNone,
                                                 CompressionCodec::kLz4, CompressionCodec::kZstd};
  RecordBatchBuilder b(kCodecs[rng() % 4]);
  int n = 1 + static_cast<int>(rng() % 8);
  for (int i = 0; i < n; ++i) {
    std::string key = fmt::format("key-{}", rng() % 1000);
    std::string value(64 + rng() % 1500, '\0');
    for (auto& c : value) c = static_cast<char>('a' + rng() % 26);
    b.add(static_cast<int64_t>(1700000000000 + rng() % 100000), as_bytes(key), as_bytes(value));
  }
  return b.build().value();
}

int run(const std::string& dir, uint64_t seed, int fd) {
  LogDefaults d;
  d.fsync = FsyncPolicy::kAlways;
  d.segment_bytes = int64_t{256} * 1024;
  d.index_interval_bytes = 4096;
  auto m = LogManager::open(posix_file_system(), dir, d);
  if (!m.is_ok()) {
    std::fprintf(stderr, "crash helper: %s\n", m.status().to_string().c_str());
    return 2;
  }
  if (!(*m)->has_topic("crash")) {
    Status st = (*m)->create_topic("crash", 1, {});
    if (!st.is_ok()) {
      std::fprintf(stderr, "crash helper: %s\n", st.to_string().c_str());
      return 2;
    }
  }
  Partition* p = (*m)->partition("crash", 0);
  std::vector<std::thread> threads;
  threads.reserve(3);
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937_64 rng(seed * 31 + static_cast<uint64_t>(t));
      while (true) {
        auto batch = random_batch(rng);
        auto info = p->append(batch);
        if (!info.is_ok()) {
          std::fprintf(stderr, "crash helper: %s\n", info.status().to_string().c_str());
          std::_Exit(3);
        }
        set_base_offset(batch, info->base_offset.value());
        std::string line = fmt::format("{} {} {}\n", info->base_offset.value(),
                                       info->last_offset.value(), fnv1a(batch));
        if (::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
          std::_Exit(4);
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  return 0;
}

}  // namespace
}  // namespace sluice

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s <data_dir> <seed> <fd>\n", argv[0]);
    return 1;
  }
  return sluice::run(argv[1], std::strtoull(argv[2], nullptr, 10), std::atoi(argv[3]));
}
