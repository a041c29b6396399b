// OffsetCommit / OffsetFetch, durability across a restart, DeleteGroups, retention, metrics.
#include <gtest/gtest.h>

#include <limits>

#include "kafka/group/records.h"
#include "kafka/group/tests/test_util.h"

namespace sluice::kafka::group::testing {
namespace {

using OffsetsTest = CoordinatorTest;

OffsetCommitRequest commit_request(const std::string& group, int32_t generation,
                                   const std::string& member,
                                   std::vector<CommitPartition> partitions) {
  OffsetCommitRequest r;
  r.group_id = group;
  r.generation_id = generation;
  r.member_id = member;
  r.partitions = std::move(partitions);
  return r;
}

std::vector<ErrorCode> errors(const std::vector<CommitPartitionResult>& rs) {
  std::vector<ErrorCode> out;
  out.reserve(rs.size());
  for (const auto& r : rs) out.push_back(r.error);
  return out;
}

TEST_F(OffsetsTest, StandaloneCommitAndFetch) {
  auto rs = coord->commit_offsets(commit_request(
      "g", -1, "", {{"t", 0, 42, 3, std::string("meta")}, {"t", 1, 7, -1, std::nullopt}}));
  EXPECT_EQ(errors(rs), (std::vector<ErrorCode>{ErrorCode::kNone, ErrorCode::kNone}));
  EXPECT_EQ(store.appends, 1);  // one atomic append per commit
  EXPECT_EQ(store.log.size(), 2u);

  OffsetFetchResult f =
      coord->fetch_offsets({"g", std::vector<TopicPartition>{{"t", 0}, {"u", 0}}});
  ASSERT_EQ(f.partitions.size(), 2u);
  EXPECT_EQ(f.partitions[0].offset, 42);
  EXPECT_EQ(f.partitions[0].leader_epoch, 3);
  EXPECT_EQ(f.partitions[0].metadata, "meta");
  EXPECT_EQ(f.partitions[1].offset, -1);  // never committed
  EXPECT_EQ(f.partitions[1].error, ErrorCode::kNone);

  OffsetFetchResult all = coord->fetch_offsets({"g", std::nullopt});
  ASSERT_EQ(all.partitions.size(), 2u);
  EXPECT_EQ(all.partitions[1].partition, 1);
  EXPECT_EQ(all.partitions[1].offset, 7);

  OffsetFetchResult none = coord->fetch_offsets({"unknown", std::nullopt});
  EXPECT_TRUE(none.partitions.empty());
  EXPECT_EQ(none.error, ErrorCode::kNone);
  EXPECT_EQ(describe("g").state, GroupState::kEmpty);
}

TEST_F(OffsetsTest, CommitChecksGenerationAndMember) {
  int32_t gen = 0;
  std::vector<std::string> ids = form_group("g", 2, gen);
  std::vector<CommitPartition> p = {{"t", 0, 10, -1, std::nullopt}};
  EXPECT_EQ(errors(coord->commit_offsets(commit_request("g", gen, ids[1], p)))[0],
            ErrorCode::kNone);
  EXPECT_EQ(errors(coord->commit_offsets(commit_request("g", gen - 1, ids[1], p)))[0],
            ErrorCode::kIllegalGeneration);
  EXPECT_EQ(errors(coord->commit_offsets(commit_request("g", gen, "who", p)))[0],
            ErrorCode::kUnknownMemberId);
  // A standalone commit into a group that has members is refused.
  EXPECT_EQ(errors(coord->commit_offsets(commit_request("g", -1, "", p)))[0],
            ErrorCode::kUnknownMemberId);
  // Unknown group with a generation: a stale member of a group that no longer exists.
  EXPECT_EQ(errors(coord->commit_offsets(commit_request("gone", 3, "m", p)))[0],
            ErrorCode::kIllegalGeneration);

  // PreparingRebalance still accepts commits of the current generation...
  JoinCapture a, b;
  rejoin("g", ids[0], a);
  EXPECT_EQ(errors(coord->commit_offsets(commit_request("g", gen, ids[1], p)))[0],
            ErrorCode::kNone);
  // ...CompletingRebalance does not.
  rejoin("g", ids[1], b);
  int32_t next = a.take().generation_id;
  b.take();
  EXPECT_EQ(errors(coord->commit_offsets(commit_request("g", next, ids[1], p)))[0],
            ErrorCode::kRebalanceInProgress);
}

TEST_F(OffsetsTest, PerPartitionErrors) {
  std::string big(5000, 'x');
  auto rs = coord->commit_offsets(commit_request(
      "g", -1, "", {{"t", 0, 1, -1, big}, {"t", 1, 2, -1, std::nullopt}, {"", 0, 3, -1, {}}}));
  EXPECT_EQ(errors(rs),
            (std::vector<ErrorCode>{ErrorCode::kOffsetMetadataTooLarge, ErrorCode::kNone,
                                    ErrorCode::kUnknownTopicOrPartition}));
  OffsetFetchResult f = coord->fetch_offsets({"g", std::nullopt});
  ASSERT_EQ(f.partitions.size(), 1u);
  EXPECT_EQ(f.partitions[0].partition, 1);
}

TEST_F(OffsetsTest, FailedAppendCommitsNothing) {
  store.fail = true;
  auto rs = coord->commit_offsets(commit_request("g", -1, "", {{"t", 0, 5, -1, std::nullopt}}));
  EXPECT_EQ(rs[0].error, ErrorCode::kCoordinatorNotAvailable);
  EXPECT_EQ(coord->fetch_offsets({"g", std::nullopt}).partitions.size(), 0u);
  EXPECT_TRUE(coord->list_groups().empty());
}

TEST_F(OffsetsTest, OffsetsAndGroupsSurviveRestart) {
  int32_t gen = 0;
  std::vector<std::string> ids = form_group("consumers", 2, gen);
  coord->commit_offsets(commit_request("consumers", gen, ids[0], {{"t", 0, 100, 5, "a"}}));
  coord->commit_offsets(commit_request("consumers", gen, ids[1], {{"t", 1, 200, 5, "b"}}));
  coord->commit_offsets(commit_request("consumers", gen, ids[0], {{"t", 0, 150, 6, "c"}}));
  coord->commit_offsets(commit_request("solo", -1, "", {{"u", 3, 9, -1, std::nullopt}}));

  // "Restart": a new coordinator replays the store's records.
  GroupCoordinator restarted(test_config(), store, clock);
  store.replay(restarted);
  OffsetFetchResult f = restarted.fetch_offsets({"consumers", std::nullopt});
  ASSERT_EQ(f.partitions.size(), 2u);
  EXPECT_EQ(f.partitions[0].offset, 150);
  EXPECT_EQ(f.partitions[0].leader_epoch, 6);
  EXPECT_EQ(f.partitions[0].metadata, "c");
  EXPECT_EQ(f.partitions[1].offset, 200);
  EXPECT_EQ(restarted.fetch_offsets({"solo", std::nullopt}).partitions.at(0).offset, 9);

  // The generation carries on: members heartbeat and sync as before, without a rebalance.
  GroupDescription d = restarted.describe_groups({"consumers"}).at(0);
  EXPECT_EQ(d.state, GroupState::kStable);
  EXPECT_EQ(d.members.size(), 2u);
  EXPECT_EQ(restarted.heartbeat({"consumers", gen, ids[1], std::nullopt}), ErrorCode::kNone);
  SyncCapture s;
  restarted.sync_group({"consumers", gen, ids[1], std::nullopt, std::nullopt, std::nullopt, {}},
                       s.cb());
  EXPECT_EQ(s.take().assignment, bytes({1}));
  EXPECT_EQ(errors(restarted.commit_offsets(
                commit_request("consumers", gen, ids[1], {{"t", 1, 201, 5, std::nullopt}})))[0],
            ErrorCode::kNone);

  // Members that do not come back expire after their session timeout.
  clock.now += 1000;
  restarted.tick();
  EXPECT_EQ(restarted.describe_groups({"consumers"}).at(0).state, GroupState::kEmpty);
}

TEST_F(OffsetsTest, DeleteGroups) {
  int32_t gen = 0;
  form_group("busy", 1, gen);
  coord->commit_offsets(commit_request(
      "idle", -1, "", {{"t", 0, 1, -1, std::nullopt}, {"t", 1, 2, -1, std::nullopt}}));
  auto rs = coord->delete_groups({"busy", "idle", "missing"});
  ASSERT_EQ(rs.size(), 3u);
  EXPECT_EQ(rs[0].error, ErrorCode::kNonEmptyGroup);
  EXPECT_EQ(rs[1].error, ErrorCode::kNone);
  EXPECT_EQ(rs[2].error, ErrorCode::kGroupIdNotFound);
  EXPECT_EQ(coord->fetch_offsets({"idle", std::nullopt}).partitions.size(), 0u);
  EXPECT_EQ(coord->delete_groups({"idle"})[0].error, ErrorCode::kGroupIdNotFound);

  // Deletion wrote tombstones for both offsets and the group key in one append.
  int tombstones = 0;
  for (const KeyValue& kv : store.log) tombstones += kv.value ? 0 : 1;
  EXPECT_EQ(tombstones, 3);
  GroupCoordinator restarted(test_config(), store, clock);
  store.replay(restarted);
  EXPECT_EQ(restarted.fetch_offsets({"idle", std::nullopt}).partitions.size(), 0u);
  auto listed = restarted.list_groups();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].group_id, "busy");
}

TEST_F(OffsetsTest, RetentionExpiresOffsetsOfEmptyGroups) {
  GroupConfig c = test_config();
  c.offsets_retention_ms = 10'000;
  c.offsets_retention_check_interval_ms = 1'000;
  start(c);
  coord->commit_offsets(commit_request("solo", -1, "", {{"t", 0, 1, -1, std::nullopt}}));
  clock.now += 5'000;
  coord->commit_offsets(commit_request("solo", -1, "", {{"t", 1, 1, -1, std::nullopt}}));
  int32_t gen = 0;
  std::vector<std::string> ids = form_group("managed", 1, gen);
  coord->commit_offsets(commit_request("managed", gen, ids[0], {{"t", 0, 1, -1, std::nullopt}}));

  clock.now += 5'000;
  EXPECT_EQ(heartbeat("managed", gen, ids[0]), ErrorCode::kNone);
  coord->tick();
  // solo's first offset is 10 s old; the managed group has members, so it keeps its offsets.
  EXPECT_EQ(coord->fetch_offsets({"solo", std::nullopt}).partitions.size(), 1u);
  EXPECT_EQ(coord->fetch_offsets({"managed", std::nullopt}).partitions.size(), 1u);

  coord->leave_group({"managed", {{ids[0], std::nullopt}}});
  clock.now += 9'999;
  coord->tick();
  EXPECT_EQ(coord->fetch_offsets({"solo", std::nullopt}).partitions.size(), 0u);
  EXPECT_EQ(coord->fetch_offsets({"managed", std::nullopt}).partitions.size(), 1u);
  clock.now += 1'000;
  coord->tick();
  EXPECT_EQ(coord->fetch_offsets({"managed", std::nullopt}).partitions.size(), 0u);
  EXPECT_TRUE(coord->list_groups().empty());

  GroupCoordinator restarted(c, store, clock);
  store.replay(restarted);
  EXPECT_TRUE(restarted.list_groups().empty());
}

class RecordingWriter final : public MetricsWriter {
 public:
  void gauge(std::string_view name, std::string_view, const Labels& labels, double v) override {
    lines.push_back(std::string(name) + render_labels(labels) + "=" + std::to_string(v));
  }
  void counter(std::string_view name, std::string_view, const Labels& labels, double v) override {
    lines.push_back(std::string(name) + render_labels(labels) + "=" + std::to_string(v));
  }
  std::vector<std::string> lines;
};

TEST_F(OffsetsTest, ObservabilityAccessors) {
  int32_t gen = 0;
  std::vector<std::string> ids = form_group("g", 2, gen);
  coord->commit_offsets(commit_request("g", gen, ids[0], {{"t", 0, 11, -1, std::nullopt}}));
  coord->commit_offsets(commit_request("s", -1, "", {{"u", 2, 22, -1, std::nullopt}}));
  std::vector<CommittedOffset> offsets = coord->committed_offsets();
  ASSERT_EQ(offsets.size(), 2u);
  EXPECT_EQ(offsets[0].group_id, "g");
  EXPECT_EQ(offsets[0].offset, 11);
  EXPECT_EQ(offsets[1].topic, "u");
  EXPECT_EQ(offsets[1].partition, 2);

  std::vector<GroupStats> stats = coord->group_stats();
  ASSERT_EQ(stats.size(), 2u);
  EXPECT_EQ(stats[0].members, 2u);
  EXPECT_EQ(stats[0].rebalances, 2u);
  EXPECT_EQ(stats[0].state, GroupState::kStable);

  RecordingWriter w;
  coord->collect_metrics(w);
  auto has = [&](const std::string& line) {
    return std::find(w.lines.begin(), w.lines.end(), line) != w.lines.end();
  };
  EXPECT_TRUE(has("sluice_group_members{group=\"g\"}=2.000000"));
  EXPECT_TRUE(has("sluice_group_rebalances_total{group=\"g\"}=2.000000"));
  EXPECT_TRUE(has("sluice_group_state{group=\"s\",state=\"Empty\"}=1.000000"));
}

TEST_F(OffsetsTest, RetentionToleratesAnyTimestampOnDisk) {
  for (int64_t ts : {std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()}) {
    KeyValue kv{encode_key(OffsetKey{"g" + std::to_string(ts & 1), "t", 0}),
                encode_value(OffsetValue{1, -1, "", ts})};
    store.log.push_back(kv);
  }
  GroupConfig c = test_config();
  c.offsets_retention_ms = 1000;
  GroupCoordinator restarted(c, store, clock);
  store.replay(restarted);
  restarted.tick();
  // The ancient commit expired, the one from the far future stays.
  EXPECT_EQ(restarted.committed_offsets().size(), 1u);
}

TEST_F(OffsetsTest, LoadRejectsCorruptRecords) {
  GroupCoordinator c(test_config(), store, clock);
  std::vector<uint8_t> key = {0, 7};
  EXPECT_EQ(c.load(ByteSpan(key.data(), key.size()), std::nullopt).code(), StatusCode::kCorruption);
  std::vector<uint8_t> good_key = encode_key(OffsetKey{"g", "t", 0});
  std::vector<uint8_t> bad_value = {0, 3, 1};
  EXPECT_EQ(c.load(ByteSpan(good_key.data(), good_key.size()),
                   ByteSpan(bad_value.data(), bad_value.size()))
                .code(),
            StatusCode::kCorruption);
}

}  // namespace
}  // namespace sluice::kafka::group::testing
