// Fixtures shared by the group coordinator tests: a manual clock, an in-memory OffsetStore and
// helpers that capture asynchronous JoinGroup/SyncGroup answers.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kafka/group/group_coordinator.h"

namespace sluice::kafka::group::testing {

class ManualClock final : public Clock {
 public:
  int64_t now_ms() override { return now; }
  int64_t now = 1'000'000;
};

class MemoryStore final : public OffsetStore {
 public:
  Status append(std::vector<KeyValue> records) override {
    ++appends;
    if (fail) return Status::io_error("injected append failure");
    for (auto& r : records) log.push_back(std::move(r));
    return Status::ok();
  }
  // Replays the log into a coordinator, as the broker does at start-up.
  void replay(GroupCoordinator& c) const {
    for (const KeyValue& kv : log) {
      std::optional<ByteSpan> v;
      if (kv.value) v = ByteSpan(kv.value->data(), kv.value->size());
      ASSERT_TRUE(c.load(ByteSpan(kv.key.data(), kv.key.size()), v).is_ok());
    }
    c.complete_load();
  }
  std::vector<KeyValue> log;
  int appends = 0;
  bool fail = false;
};

template <typename R>
struct Capture {
  std::optional<R> result;
  int calls = 0;
  std::function<void(R)> cb() {
    return [this](R r) {
      result = std::move(r);
      ++calls;
    };
  }
  bool done() const { return calls > 0; }
  // Takes the answer, so the next one can be awaited with the same capture.
  R take() {
    EXPECT_EQ(calls, 1);
    R r = std::move(*result);
    result.reset();
    calls = 0;
    return r;
  }
};
using JoinCapture = Capture<JoinResult>;
using SyncCapture = Capture<SyncResult>;

inline GroupConfig test_config() {
  GroupConfig c;
  c.min_session_timeout_ms = 10;
  c.initial_rebalance_delay_ms = 0;
  return c;
}

inline Bytes bytes(std::initializer_list<uint8_t> b) {
  return Bytes(b);
}

inline JoinRequest join_request(const std::string& group, const std::string& member_id,
                                std::vector<Protocol> protocols = {{"range", {1, 2}}},
                                int32_t session_ms = 1000, int32_t rebalance_ms = 5000) {
  JoinRequest r;
  r.group_id = group;
  r.member_id = member_id;
  r.client_id = "client";
  r.client_host = "/127.0.0.1";
  r.session_timeout_ms = session_ms;
  r.rebalance_timeout_ms = rebalance_ms;
  r.protocol_type = "consumer";
  r.protocols = std::move(protocols);
  r.require_known_member_id = true;
  return r;
}

class CoordinatorTest : public ::testing::Test {
 protected:
  void SetUp() override { start(test_config()); }
  void start(GroupConfig config) {
    coord = std::make_unique<GroupCoordinator>(config, store, clock);
    coord->complete_load();
  }

  // A new member's first JoinGroup (v4+): MEMBER_ID_REQUIRED with an id, then the real join,
  // whose answer lands in `cap`. Returns the member id.
  std::string join_new(const std::string& group, JoinCapture& cap,
                       const std::vector<Protocol>& protocols = {{"range", {1, 2}}},
                       int32_t session_ms = 1000, int32_t rebalance_ms = 5000) {
    JoinCapture first;
    coord->join_group(join_request(group, "", protocols, session_ms, rebalance_ms), first.cb());
    EXPECT_TRUE(first.done());
    JoinResult r = first.take();
    EXPECT_EQ(r.error, ErrorCode::kMemberIdRequired);
    EXPECT_FALSE(r.member_id.empty());
    coord->join_group(join_request(group, r.member_id, protocols, session_ms, rebalance_ms),
                      cap.cb());
    return r.member_id;
  }

  void rejoin(const std::string& group, const std::string& member_id, JoinCapture& cap,
              std::vector<Protocol> protocols = {{"range", {1, 2}}}) {
    coord->join_group(join_request(group, member_id, std::move(protocols)), cap.cb());
  }

  void sync(const std::string& group, int32_t generation, const std::string& member_id,
            SyncCapture& cap, std::vector<MemberAssignment> assignments = {}) {
    SyncRequest r;
    r.group_id = group;
    r.generation_id = generation;
    r.member_id = member_id;
    r.assignments = std::move(assignments);
    coord->sync_group(std::move(r), cap.cb());
  }

  ErrorCode heartbeat(const std::string& group, int32_t generation, const std::string& member_id,
                      std::optional<std::string> instance = std::nullopt) {
    return coord->heartbeat({group, generation, member_id, std::move(instance)});
  }

  // Brings `n` dynamic members into a Stable generation one by one, the way real consumers do:
  // each join starts a rebalance that the others learn of from a heartbeat and rejoin. The leader
  // assigns {k} to the k-th member. Returns the member ids, leader first; sets `generation`.
  std::vector<std::string> form_group(const std::string& group, int n, int32_t& generation) {
    std::vector<std::string> ids;
    std::vector<JoinCapture> caps(n);
    generation = 0;
    for (int i = 0; i < n; ++i) {
      ids.push_back(join_new(group, caps[i]));
      for (int k = 0; k < i; ++k) {
        EXPECT_EQ(heartbeat(group, generation, ids[k]), ErrorCode::kRebalanceInProgress);
        rejoin(group, ids[k], caps[k]);
      }
      for (int k = 0; k <= i; ++k) EXPECT_TRUE(caps[k].done()) << k << " after join " << i;
      JoinResult leader = caps[0].take();
      EXPECT_EQ(leader.error, ErrorCode::kNone);
      EXPECT_EQ(leader.members.size(), static_cast<size_t>(i + 1));
      generation = leader.generation_id;
      for (int k = 1; k <= i; ++k) {
        JoinResult r = caps[k].take();
        EXPECT_EQ(r.generation_id, generation);
        EXPECT_EQ(r.leader_id, ids[0]);
        EXPECT_TRUE(r.members.empty());
      }
      std::vector<MemberAssignment> assignment;
      for (int k = 0; k <= i; ++k) assignment.push_back({ids[k], {static_cast<uint8_t>(k)}});
      std::vector<SyncCapture> syncs(i + 1);
      // Followers first: they wait for the leader's assignment.
      for (int k = i; k >= 0; --k) {
        sync(group, generation, ids[k], syncs[k],
             k == 0 ? assignment : std::vector<MemberAssignment>{});
        if (k > 0) {
          EXPECT_FALSE(syncs[k].done());
        }
      }
      for (int k = 0; k <= i; ++k) {
        SyncResult r = syncs[k].take();
        EXPECT_EQ(r.error, ErrorCode::kNone);
        EXPECT_EQ(r.assignment, Bytes{static_cast<uint8_t>(k)});
      }
    }
    return ids;
  }

  GroupDescription describe(const std::string& group) {
    return coord->describe_groups({group}).at(0);
  }

  ManualClock clock;
  MemoryStore store;
  std::unique_ptr<GroupCoordinator> coord;
};

}  // namespace sluice::kafka::group::testing
