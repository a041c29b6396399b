// Group coordinator and idempotent producer state throughput, one line per figure:
//   offset_commit_1        K commits/s     OffsetCommit of one partition (records encoded, stored)
//   offset_commit_100      K partitions/s  OffsetCommit of 100 partitions in one request
//   offset_fetch_all_100   K fetches/s     OffsetFetch of a group's 100 committed partitions
//   heartbeat              M heartbeats/s  across 1000 members in 10 Stable groups
//   rebalance_500          ms              500 dynamic members: join phase, leader sync, syncs
//   producer_check_append  M batches/s     check() + on_appended() across 1000 producers
//   producer_dedup_check   M batches/s     check() of a retried batch (found among the last 5)
// The store is in memory, so these are the coordinator's own costs; the broker adds the log
// append. Usage: group_bench [seconds per figure, default 1]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "common/log.h"
#include "kafka/group/group_coordinator.h"
#include "kafka/producer/producer_state.h"

using namespace sluice;
using namespace sluice::kafka;

namespace {

using SteadyClock = std::chrono::steady_clock;

double seconds_since(SteadyClock::time_point t) {
  return std::chrono::duration<double>(SteadyClock::now() - t).count();
}

class CountingStore final : public group::OffsetStore {
 public:
  Status append(std::vector<group::KeyValue> records) override {
    for (const auto& r : records) bytes += r.key.size() + (r.value ? r.value->size() : 0);
    return Status::ok();
  }
  size_t bytes = 0;
};

class FixedClock final : public group::Clock {
 public:
  int64_t now_ms() override { return now; }
  int64_t now = 1'000'000;
};

group::GroupConfig bench_config() {
  group::GroupConfig c;
  c.initial_rebalance_delay_ms = 0;
  c.min_session_timeout_ms = 1;
  return c;
}

group::JoinRequest join(const std::string& g, const std::string& member) {
  group::JoinRequest r;
  r.group_id = g;
  r.member_id = member;
  r.client_id = "bench";
  r.session_timeout_ms = 30'000;
  r.rebalance_timeout_ms = 60'000;
  r.protocol_type = "consumer";
  r.protocols = {{"range", std::vector<uint8_t>(64, 1)}};
  return r;
}

// Forms a Stable group of n members by joining them all during one join phase.
std::vector<std::string> form(group::GroupCoordinator& c, const std::string& g, int n) {
  std::vector<std::string> ids(n);
  int32_t generation = 0;
  std::string leader;
  // The first member makes a generation alone; the rest join the next one.
  c.join_group(join(g, ""), [&](const group::JoinResult& r) { ids[0] = r.member_id; });
  for (int i = 1; i < n; ++i) {
    c.join_group(join(g, ""), [&, i](const group::JoinResult& r) {
      ids[i] = r.member_id;
      generation = r.generation_id;
      leader = r.leader_id;
    });
  }
  c.join_group(join(g, ids[0]), [&](const group::JoinResult& r) {
    generation = r.generation_id;
    leader = r.leader_id;
  });
  std::vector<group::MemberAssignment> assignment;
  assignment.reserve(ids.size());
  for (const std::string& id : ids) assignment.push_back({id, std::vector<uint8_t>(32, 2)});
  for (const std::string& id : ids) {
    group::SyncRequest s{g, generation, id, std::nullopt, std::nullopt, std::nullopt, {}};
    if (id == leader) s.assignments = assignment;
    c.sync_group(std::move(s), [](const group::SyncResult&) {});
  }
  return ids;
}

void bench_commits(double secs) {
  CountingStore store;
  FixedClock clock;
  group::GroupCoordinator c(bench_config(), store, clock);
  c.complete_load();
  for (int width : {1, 100}) {
    group::OffsetCommitRequest req;
    req.group_id = "g" + std::to_string(width);
    for (int p = 0; p < width; ++p) req.partitions.push_back({"topic", p, 0, 5, std::nullopt});
    uint64_t n = 0;
    auto t = SteadyClock::now();
    while (seconds_since(t) < secs) {
      for (int k = 0; k < 100; ++k) {
        for (auto& p : req.partitions) ++p.offset;
        auto r = c.commit_offsets(req);
        if (r[0].error != group::ErrorCode::kNone) std::abort();
      }
      n += 100;
    }
    double el = seconds_since(t);
    if (width == 1) {
      std::printf("offset_commit_1        %8.1f K commits/s\n", n / el / 1e3);
    } else {
      std::printf("offset_commit_100      %8.1f K partitions/s\n", n * width / el / 1e3);
    }
  }
  uint64_t n = 0;
  auto t = SteadyClock::now();
  while (seconds_since(t) < secs) {
    for (int k = 0; k < 100; ++k) {
      if (c.fetch_offsets({"g100", std::nullopt}).partitions.size() != 100) std::abort();
    }
    n += 100;
  }
  std::printf("offset_fetch_all_100   %8.1f K fetches/s\n", n / seconds_since(t) / 1e3);
}

void bench_heartbeats(double secs) {
  CountingStore store;
  FixedClock clock;
  group::GroupCoordinator c(bench_config(), store, clock);
  c.complete_load();
  std::vector<std::pair<std::string, std::vector<std::string>>> groups;
  for (int g = 0; g < 10; ++g) {
    std::string id = "hb" + std::to_string(g);
    groups.emplace_back(id, form(c, id, 100));
  }
  int32_t generation = c.group_stats()[0].generation_id;
  uint64_t n = 0;
  auto t = SteadyClock::now();
  while (seconds_since(t) < secs) {
    for (const auto& [g, ids] : groups) {
      for (const std::string& m : ids) {
        if (c.heartbeat({g, generation, m, std::nullopt}) != group::ErrorCode::kNone) std::abort();
      }
      n += ids.size();
    }
  }
  std::printf("heartbeat              %8.2f M heartbeats/s\n", n / seconds_since(t) / 1e6);

  auto r = SteadyClock::now();
  int rounds = 0;
  while (rounds == 0 || seconds_since(r) < secs) {
    group::GroupCoordinator fresh(bench_config(), store, clock);
    fresh.complete_load();
    form(fresh, "big", 500);
    ++rounds;
  }
  std::printf("rebalance_500          %8.2f ms\n", seconds_since(r) * 1e3 / rounds);
}

void bench_producer(double secs) {
  producer::PartitionProducerState s;
  std::vector<int32_t> seq(1000, 0);
  int64_t offset = 0;
  uint64_t n = 0;
  auto t = SteadyClock::now();
  while (seconds_since(t) < secs) {
    for (int pid = 0; pid < 1000; ++pid) {
      producer::BatchHeader h{pid, 0, seq[pid], 9, offset, 0};
      if (!s.check(h).ok()) std::abort();
      s.on_appended(h);
      seq[pid] += 10;
      offset += 10;
    }
    n += 1000;
  }
  std::printf("producer_check_append  %8.2f M batches/s\n", n / seconds_since(t) / 1e6);
  n = 0;
  t = SteadyClock::now();
  while (seconds_since(t) < secs) {
    for (int pid = 0; pid < 1000; ++pid) {
      producer::BatchHeader h{pid, 0, seq[pid] - 30, 9, 0, 0};
      if (s.check(h).outcome != producer::CheckOutcome::kDuplicate) std::abort();
    }
    n += 1000;
  }
  std::printf("producer_dedup_check   %8.2f M batches/s\n", n / seconds_since(t) / 1e6);
}

}  // namespace

int main(int argc, char** argv) {
  double secs = argc > 1 ? std::atof(argv[1]) : 1.0;
  spdlog::set_level(spdlog::level::warn);
  bench_commits(secs);
  bench_heartbeats(secs);
  bench_producer(secs);
  return 0;
}
