// A large aggregation's state within a memory budget, and how fast it comes back after a restart.
//
//   1. (untimed) A log in a temporary directory (or --data-dir) gets topic `keys` (4 partitions)
//      holding --keys records, one per distinct key (a BIGINT, DELIMITED).
//   2. A SqlService (the server's SQL engine with its worker thread, checkpointing every 100 ms)
//      with its state in RocksDB under <dir>/state, a cache of --cache-mb per query and a RocksDB
//      block cache of --rocksdb-mb (its memtables, up to half of it, are charged to it) and a
//      memory limit of --memory-mb (default: cache + block cache; the governor shrinks the cache
//      while the process's anonymous memory is over it), runs
//        CREATE TABLE counts AS SELECT id, COUNT(*) AS n FROM keys GROUP BY id;
//      first over the new keys (every group created, most evicted), then over every 10th key
//      again, appended while it runs (every group read back from RocksDB; timed from the end of
//      the append). RSS (anonymous memory: the heap, RocksDB's caches; file-backed: mapped
//      files) is sampled every 10 ms.
//   3. Checks: the output holds one record per input record, the second pass's all with n = 2.
//   4. Stops, and times a restart from the local store (replay + restore), then again with the
//      state directory deleted (restore from the changelog topic alone).
// Prints one line:
//   state keys=N pass1_events_per_sec=... pass2_events_per_sec=... budget_mb=...
//         rss_anon_peak_mb=... rss_file_peak_mb=... restart_local_ms=... restart_changelog_ms=...
// where budget_mb is the memory limit (without one, cache + block cache). --quick: a smoke run
// (ctest).
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <malloc.h>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "common/log.h"
#include "sql/engine/sql_service.h"
#include "storage/log_manager.h"

using namespace sluice;
using namespace sluice::sql;

namespace {

constexpr int32_t kPartitions = 4;

struct Rss {
  double anon_mb = 0, file_mb = 0;
  // At the anonymous peak: malloc's bytes in use, the query's cache, RocksDB's parts.
  int pass = 0;
  double heap_mb = 0, mmapped_mb = 0, free_mb = 0, cache_mb = 0, block_cache_mb = 0,
         memtables_mb = 0, table_readers_mb = 0;
};

Rss rss_now() {
  Rss r;
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    auto kb = [&](const char* name) {
      return std::strtod(line.c_str() + std::strlen(name), nullptr) / 1024.0;
    };
    if (line.rfind("RssAnon:", 0) == 0) r.anon_mb = kb("RssAnon:");
    if (line.rfind("RssFile:", 0) == 0) r.file_mb = kb("RssFile:");
  }
  return r;
}

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

// Appends keys [from, to) with the given stride, spread round robin over the partitions in
// batches.
Status load(TopicStore& store, int64_t from, int64_t to, int64_t stride) {
  constexpr size_t kBatch = 4096;
  std::vector<TopicRecord> batch;
  int32_t p = 0;
  for (int64_t k = from; k < to; k += stride) {
    TopicRecord& r = batch.emplace_back();
    r.timestamp = k;
    r.value = std::to_string(k);
    if (batch.size() == kBatch || k + stride >= to) {
      SLUICE_RETURN_IF_ERROR(store.append("keys", p, std::move(batch)).status());
      batch.clear();
      p = (p + 1) % kPartitions;
    }
  }
  return Status::ok();
}

struct Options {
  int64_t keys = 10'000'000;
  size_t cache_mb = 64;
  size_t rocksdb_mb = 64;
  std::optional<size_t> memory_mb;  // default: cache_mb + rocksdb_mb; 0: no limit
  std::string data_dir;
  bool quick = false;
};

int run(const Options& o) {
  std::string dir = o.data_dir;
  bool temporary = dir.empty();
  if (temporary) {
    char tmpl[] = "/tmp/sluice-state-bench-XXXXXX";
    if (!mkdtemp(tmpl)) {
      std::perror("mkdtemp");
      return 1;
    }
    dir = tmpl;
  }
  LogDefaults d;
  d.fsync = FsyncPolicy::kNever;
  auto log = LogManager::open(posix_file_system(), dir, d);
  if (!log) {
    fmt::print(stderr, "state: {}\n", log.status().to_string());
    return 1;
  }
  LogTopicStore store(**log);
  SqlServiceOptions opts;
  opts.poll_interval = std::chrono::milliseconds(5);
  opts.state_dir = dir + "/state";
  opts.state_cache_bytes = o.cache_mb << 20;
  opts.state_db.block_cache_bytes = o.rocksdb_mb << 20;
  opts.state_db.write_buffer_bytes = o.rocksdb_mb << 19;
  const size_t memory_mb = o.memory_mb.value_or(o.cache_mb + o.rocksdb_mb);
  opts.memory_limit_bytes = memory_mb << 20;
  // Without a limit, the budget is what is configured.
  auto budget_mb = static_cast<double>(memory_mb ? memory_mb : o.cache_mb + o.rocksdb_mb);
  double min_cache_fraction = 1;

  int failures = 0;
  auto fail = [&](const std::string& what) {
    fmt::print(stderr, "state: {}\n", what);
    ++failures;
  };
  Rss peak;
  double pass1_rate = 0, pass2_rate = 0;
  // The first pass's input is there before the query starts; the second pass's arrives while
  // it runs (timed from the end of the load, over what was left to do then).
  if (Status st = store.create("keys", kPartitions); !st.is_ok()) {
    fmt::print(stderr, "state: {}\n", st.to_string());
    return 1;
  }
  if (Status st = load(store, 0, o.keys, 1); !st.is_ok()) {
    fmt::print(stderr, "state: {}\n", st.to_string());
    return 1;
  }
  Rss base = rss_now();
  {
    auto svc = SqlService::start(**log, opts);
    if (!svc) {
      fmt::print(stderr, "state: {}\n", svc.status().to_string());
      return 1;
    }
    auto created = (*svc)->execute(
        "CREATE STREAM keys (id BIGINT) WITH (kafka_topic='keys', value_format='DELIMITED');"
        "SET 'auto.offset.reset'='earliest';"
        "CREATE TABLE counts AS SELECT id, COUNT(*) AS n FROM keys GROUP BY id;");
    if (!created) {
      fmt::print(stderr, "state: {}\n", created.status().to_string());
      return 1;
    }
    uint64_t target = 0;
    auto pass = [&](int64_t stride, double& rate) -> bool {
      if (stride > 1) {
        if (Status st = load(store, 0, o.keys, stride); !st.is_ok()) {
          fail(st.to_string());
          return false;
        }
      }
      target += static_cast<uint64_t>(o.keys / stride);
      auto t0 = std::chrono::steady_clock::now();
      // Done when every input record has its output record (through both stages of the query:
      // it groups by a value column, so via its repartition topic).
      auto outputs_now = [&] {
        uint64_t n = 0;
        for (int32_t p = 0; p < kPartitions; ++p) {
          auto end = store.end_offset("COUNTS", p);
          if (end) n += static_cast<uint64_t>(*end);
        }
        return n;
      };
      uint64_t done_before = outputs_now();
      while (outputs_now() < target) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        Rss now = rss_now();
        min_cache_fraction = std::min(min_cache_fraction, (*svc)->state_cache_fraction());
        if (now.anon_mb > peak.anon_mb) {
          constexpr double kMb = 1 << 20;
          peak.anon_mb = now.anon_mb;
          struct mallinfo2 mi = mallinfo2();
          peak.heap_mb = static_cast<double>(mi.uordblks) / kMb;
          peak.mmapped_mb = static_cast<double>(mi.hblkhd) / kMb;
          peak.free_mb = static_cast<double>(mi.fordblks) / kMb;
          peak.pass = stride == 1 ? 1 : 2;
          std::vector<StateStoreStats> stats = (*svc)->state_stats();
          peak.cache_mb = stats.empty() ? 0 : static_cast<double>(stats[0].memory_bytes) / kMb;
          state::StateDb::Memory m = (*svc)->state_db_memory();
          peak.block_cache_mb = static_cast<double>(m.block_cache) / kMb;
          peak.memtables_mb = static_cast<double>(m.memtables) / kMb;
          peak.table_readers_mb = static_cast<double>(m.table_readers) / kMb;
        }
        peak.file_mb = std::max(peak.file_mb, now.file_mb);
      }
      rate = static_cast<double>(target - done_before) / (ms_since(t0) / 1000.0);
      return true;
    };
    if (!pass(1, pass1_rate) || !pass(10, pass2_rate)) return 1;
    // The worker's checkpoint after the last poll evicts down to the budget.
    std::vector<StateStoreStats> stats;
    for (int i = 0; i < 200; ++i) {
      stats = (*svc)->state_stats();
      if (stats.size() == 1 && stats[0].memory_bytes <= opts.state_cache_bytes) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (stats.size() != 1 || stats[0].memory_bytes > opts.state_cache_bytes) {
      fail(fmt::format("the query's cache is over its budget: {} bytes",
                       stats.empty() ? 0 : stats[0].memory_bytes));
    }
  }
  // Every input record made one output record; the second pass's show n = 2.
  int64_t outputs = 0, repeats_ok = 0, repeats = 0;
  for (int32_t p = 0; p < kPartitions; ++p) {
    auto end = store.end_offset("COUNTS", p);
    if (!end) continue;
    outputs += *end;
  }
  for (int32_t p = 0; p < kPartitions; ++p) {
    // The tail of each partition holds second-pass updates.
    auto end = store.end_offset("COUNTS", p);
    if (!end) continue;
    auto tail = store.read("COUNTS", p, std::max<int64_t>(*end - 100, 0), 100);
    if (!tail) continue;
    for (const TopicRecord& r : *tail) {
      ++repeats;
      if (r.value == "2") ++repeats_ok;
    }
  }
  if (outputs != o.keys + o.keys / 10) {
    fail(fmt::format("{} output records, expected {}", outputs, o.keys + o.keys / 10));
  }
  if (repeats == 0 || repeats_ok != repeats) {
    fail(fmt::format("{} of the last {} outputs have n = 2", repeats_ok, repeats));
  }

  // A restart's time and its anonymous RSS peak (sampled every 10 ms; what the first service
  // freed is given back first).
  double restart_rss_mb = 0;
  auto restart = [&]() -> double {
#ifdef __GLIBC__
    malloc_trim(0);
#endif
    std::atomic<bool> done{false};
    std::thread sampler([&] {
      while (!done.load()) {
        restart_rss_mb = std::max(restart_rss_mb, rss_now().anon_mb);
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    });
    auto t0 = std::chrono::steady_clock::now();
    auto svc = SqlService::start(**log, opts);
    double ms = ms_since(t0);
    done = true;
    sampler.join();
    if (!svc) {
      fail(svc.status().to_string());
      return -1;
    }
    return ms;
  };
  double local_ms = restart();
  std::filesystem::remove_all(opts.state_dir);
  double changelog_ms = restart();
  // The state rebuilt from the changelog holds every key (a store per partition of the
  // aggregating stage).
  {
    auto db = state::StateDb::open(opts.state_dir);
    int64_t keys = 0;
    for (int32_t p = 0; p < kPartitions && db; ++p) {
      auto st = (*db)->store(Engine::state_store_name("CTAS_COUNTS_0", p));
      if (!st) {
        fail("cannot open the rebuilt state");
        break;
      }
      (*st)
          ->scan("", "",
                 [&](std::string_view, std::string_view) {
                   ++keys;
                   return true;
                 })
          .ignore_error();
    }
    if (!db) fail("cannot open the rebuilt state");
    if (keys != o.keys) fail(fmt::format("the rebuilt state has {} keys of {}", keys, o.keys));
  }

  fmt::print(
      "state keys={} pass1_events_per_sec={:.0f} pass2_events_per_sec={:.0f} budget_mb={:.0f} "
      "rss_anon_base_mb={:.0f} rss_anon_peak_mb={:.0f} rss_file_peak_mb={:.0f} "
      "restart_local_ms={:.0f} restart_changelog_ms={:.0f} restart_rss_anon_peak_mb={:.0f}{}\n"
      "state_at_peak pass={} heap_in_use_mb={:.0f} heap_free_mb={:.0f} mmapped_mb={:.0f} "
      "query_cache_mb={:.0f} block_cache_mb={:.0f} memtables_mb={:.0f} table_readers_mb={:.0f} "
      "min_cache_fraction={:.2f}\n",
      o.keys, pass1_rate, pass2_rate, budget_mb, base.anon_mb, peak.anon_mb, peak.file_mb, local_ms,
      changelog_ms, restart_rss_mb, failures ? " FAILED" : "", peak.pass, peak.heap_mb,
      peak.free_mb, peak.mmapped_mb, peak.cache_mb, peak.block_cache_mb, peak.memtables_mb,
      peak.table_readers_mb, min_cache_fraction);
  log->reset();
  if (temporary) std::filesystem::remove_all(dir);
  return failures ? 1 : 0;
}

}  // namespace

// An exception reaching main is a bug: std::terminate reports it and aborts, as wanted.
// NOLINTNEXTLINE(bugprone-exception-escape): an escaping exception should terminate.
int main(int argc, char** argv) {
  Options o;
  CLI::App app("A large aggregation's state within a memory budget, and its restart times");
  app.add_option("--keys", o.keys, "Distinct keys")->capture_default_str();
  app.add_option("--cache-mb", o.cache_mb, "The query's in-memory cache")->capture_default_str();
  app.add_option("--rocksdb-mb", o.rocksdb_mb, "RocksDB's block cache (memtables charged to it)")
      ->capture_default_str();
  app.add_option("--memory-mb", o.memory_mb,
                 "The process's memory limit (default: cache + block cache; 0: none)");
  app.add_option("--data-dir", o.data_dir, "Directory to use (default: a temporary one)");
  app.add_flag("--quick", o.quick, "A smoke run: 240000 keys, 4 MB cache");
  CLI11_PARSE(app, argc, argv);
  if (o.quick) {
    o.keys = 240'000;
    o.cache_mb = 4;
    o.rocksdb_mb = 4;
  }
  init_logging("warn");
  return run(o);
}
