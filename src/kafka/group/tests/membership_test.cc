// JoinGroup / SyncGroup / Heartbeat / LeaveGroup and the rebalance state machine.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "kafka/group/tests/test_util.h"

namespace sluice::kafka::group::testing {
namespace {

using MembershipTest = CoordinatorTest;

TEST_F(MembershipTest, SingleMemberJoinsAndSyncs) {
  JoinCapture j;
  std::string id = join_new("g", j);
  ASSERT_TRUE(j.done());
  JoinResult r = j.take();
  EXPECT_EQ(r.error, ErrorCode::kNone);
  EXPECT_EQ(r.member_id, id);
  EXPECT_EQ(r.generation_id, 1);
  EXPECT_EQ(r.leader_id, id);
  EXPECT_EQ(r.protocol_type, "consumer");
  EXPECT_EQ(r.protocol_name, "range");
  ASSERT_EQ(r.members.size(), 1u);
  EXPECT_EQ(r.members[0].metadata, bytes({1, 2}));
  EXPECT_EQ(describe("g").state, GroupState::kCompletingRebalance);

  SyncCapture s;
  sync("g", 1, id, s, {{id, bytes({9})}});
  ASSERT_TRUE(s.done());
  SyncResult sr = s.take();
  EXPECT_EQ(sr.error, ErrorCode::kNone);
  EXPECT_EQ(sr.assignment, bytes({9}));
  EXPECT_EQ(sr.protocol_name, "range");
  EXPECT_EQ(describe("g").state, GroupState::kStable);
  EXPECT_EQ(heartbeat("g", 1, id), ErrorCode::kNone);
  EXPECT_EQ(store.appends, 1);  // the generation's metadata
}

TEST_F(MembershipTest, InitialDelayCollectsMembersBeforeTheFirstGeneration) {
  GroupConfig c = test_config();
  c.initial_rebalance_delay_ms = 100;
  start(c);
  JoinCapture a, b;
  std::string ida = join_new("g", a, {{"range", {1}}}, 1000, 300);
  clock.now += 50;
  std::string idb = join_new("g", b, {{"range", {2}}}, 1000, 300);
  coord->tick();
  EXPECT_FALSE(a.done());
  clock.now += 50;  // the first delay ends, but a member arrived during it: wait once more
  coord->tick();
  EXPECT_FALSE(a.done());
  clock.now += 100;
  coord->tick();
  ASSERT_TRUE(a.done() && b.done());
  JoinResult ra = a.take(), rb = b.take();
  EXPECT_EQ(ra.generation_id, 1);
  EXPECT_EQ(rb.generation_id, 1);
  EXPECT_EQ(ra.leader_id, ida);
  EXPECT_EQ(rb.leader_id, ida);
  EXPECT_EQ(ra.members.size(), 2u);
  EXPECT_TRUE(rb.members.empty());
  (void)idb;
}

TEST_F(MembershipTest, TwoAndThreeMembersShareAGeneration) {
  int32_t gen = 0;
  std::vector<std::string> ids = form_group("g", 3, gen);
  EXPECT_EQ(gen, 3);  // one generation per arrival
  GroupDescription d = describe("g");
  EXPECT_EQ(d.state, GroupState::kStable);
  EXPECT_EQ(d.protocol_name, "range");
  ASSERT_EQ(d.members.size(), 3u);
  EXPECT_EQ(d.members[2].assignment, bytes({2}));
  for (const std::string& id : ids) EXPECT_EQ(heartbeat("g", gen, id), ErrorCode::kNone);
  EXPECT_EQ(coord->total_rebalances(), 3u);
}

TEST_F(MembershipTest, SyncBeforeTheLeaderWaitsAndMissingAssignmentsAreEmpty) {
  int32_t gen = 0;
  std::vector<std::string> ids = form_group("g", 2, gen);
  JoinCapture a, b;
  rejoin("g", ids[0], a);  // the leader rejoins: a new rebalance
  EXPECT_EQ(heartbeat("g", gen, ids[1]), ErrorCode::kRebalanceInProgress);
  rejoin("g", ids[1], b);
  ASSERT_TRUE(a.done() && b.done());
  gen = a.take().generation_id;
  b.take();
  SyncCapture follower, leader;
  sync("g", gen, ids[1], follower);
  EXPECT_FALSE(follower.done());
  EXPECT_EQ(heartbeat("g", gen, ids[1]), ErrorCode::kNone);  // CompletingRebalance
  sync("g", gen, ids[0], leader, {{ids[0], bytes({7})}});
  EXPECT_EQ(leader.take().assignment, bytes({7}));
  SyncResult f = follower.take();
  EXPECT_EQ(f.error, ErrorCode::kNone);
  EXPECT_TRUE(f.assignment.empty());
}

TEST_F(MembershipTest, ProtocolIsOneEveryMemberSupports) {
  JoinCapture a, b;
  std::string ida = join_new("g", a, {{"roundrobin", {1}}, {"range", {2}}});
  std::string idb = join_new("g", b, {{"range", {3}}, {"sticky", {4}}});
  EXPECT_EQ(a.take().protocol_name, "roundrobin");  // alone in generation 1
  rejoin("g", ida, a, {{"roundrobin", {1}}, {"range", {2}}});
  ASSERT_TRUE(a.done() && b.done());
  JoinResult ra = a.take();
  EXPECT_EQ(ra.protocol_name, "range");
  ASSERT_EQ(ra.members.size(), 2u);
  for (const JoinMember& m : ra.members) {
    EXPECT_EQ(m.metadata, m.member_id == ida ? bytes({2}) : bytes({3}));
  }
  EXPECT_EQ(b.take().protocol_name, "range");

  JoinCapture c;
  JoinRequest bad = join_request("g", "", {{"sticky", {5}}});
  bad.require_known_member_id = false;
  coord->join_group(bad, c.cb());
  EXPECT_EQ(c.take().error, ErrorCode::kInconsistentGroupProtocol);
  bad.protocols = {{"range", {5}}};
  bad.protocol_type = "connect";
  coord->join_group(bad, c.cb());
  EXPECT_EQ(c.take().error, ErrorCode::kInconsistentGroupProtocol);
  (void)idb;
}

TEST_F(MembershipTest, RejectsBadJoins) {
  JoinCapture c;
  coord->join_group(join_request("g", "", {{"range", {}}}, 5), c.cb());
  EXPECT_EQ(c.take().error, ErrorCode::kInvalidSessionTimeout);
  coord->join_group(join_request("", ""), c.cb());
  EXPECT_EQ(c.take().error, ErrorCode::kInvalidGroupId);
  coord->join_group(join_request("g", "nobody"), c.cb());
  EXPECT_EQ(c.take().error, ErrorCode::kUnknownMemberId);
  coord->join_group(join_request("g", "", {}), c.cb());
  EXPECT_EQ(c.take().error, ErrorCode::kInconsistentGroupProtocol);
  EXPECT_TRUE(coord->list_groups().empty());  // failed joins leave nothing behind
}

TEST_F(MembershipTest, OldJoinVersionsJoinWithoutMemberIdRequired) {
  JoinRequest r = join_request("g", "");
  r.require_known_member_id = false;
  JoinCapture c;
  coord->join_group(r, c.cb());
  JoinResult res = c.take();
  EXPECT_EQ(res.error, ErrorCode::kNone);
  EXPECT_EQ(res.generation_id, 1);
  EXPECT_EQ(res.leader_id, res.member_id);
  EXPECT_EQ(res.member_id.rfind("client-", 0), 0u);
}

TEST_F(MembershipTest, MemberLeavingTriggersRebalanceForTheOthers) {
  int32_t gen = 0;
  std::vector<std::string> ids = form_group("g", 3, gen);
  LeaveResult lr = coord->leave_group({"g", {{ids[0], std::nullopt}}});  // the leader leaves
  EXPECT_EQ(lr.error, ErrorCode::kNone);
  ASSERT_EQ(lr.members.size(), 1u);
  EXPECT_EQ(lr.members[0].error, ErrorCode::kNone);
  EXPECT_EQ(describe("g").state, GroupState::kPreparingRebalance);
  JoinCapture b, c;
  EXPECT_EQ(heartbeat("g", gen, ids[1]), ErrorCode::kRebalanceInProgress);
  rejoin("g", ids[1], b);
  EXPECT_FALSE(b.done());
  EXPECT_EQ(heartbeat("g", gen, ids[2]), ErrorCode::kRebalanceInProgress);
  rejoin("g", ids[2], c);
  ASSERT_TRUE(b.done() && c.done());
  JoinResult rb = b.take(), rc = c.take();
  EXPECT_EQ(rb.generation_id, gen + 1);
  EXPECT_EQ(rc.generation_id, gen + 1);
  EXPECT_EQ(rb.leader_id, ids[1]);  // the earliest remaining member leads
  EXPECT_EQ(rb.members.size(), 2u);
  EXPECT_EQ(heartbeat("g", gen + 1, ids[0]), ErrorCode::kUnknownMemberId);
}

TEST_F(MembershipTest, LeaveGroupTakesABatchOfMembers) {
  int32_t gen = 0;
  std::vector<std::string> ids = form_group("g", 3, gen);
  LeaveResult lr =
      coord->leave_group({"g", {{ids[1], std::nullopt}, {"ghost", std::nullopt}, {ids[2], {}}}});
  ASSERT_EQ(lr.members.size(), 3u);
  EXPECT_EQ(lr.members[0].error, ErrorCode::kNone);
  EXPECT_EQ(lr.members[1].error, ErrorCode::kUnknownMemberId);
  EXPECT_EQ(lr.members[2].error, ErrorCode::kNone);
  JoinCapture a;
  rejoin("g", ids[0], a);
  JoinResult ra = a.take();
  EXPECT_EQ(ra.generation_id, gen + 1);
  EXPECT_EQ(ra.members.size(), 1u);
  LeaveResult unknown = coord->leave_group({"nope", {{"m", std::nullopt}}});
  EXPECT_EQ(unknown.members[0].error, ErrorCode::kUnknownMemberId);
}

TEST_F(MembershipTest, LastMemberLeavingEmptiesTheGroup) {
  int32_t gen = 0;
  std::vector<std::string> ids = form_group("g", 1, gen);
  coord->leave_group({"g", {{ids[0], std::nullopt}}});
  GroupDescription d = describe("g");
  EXPECT_EQ(d.state, GroupState::kEmpty);
  EXPECT_TRUE(d.members.empty());
  EXPECT_EQ(coord->group_stats().at(0).generation_id, gen + 1);
}

TEST_F(MembershipTest, SessionTimeoutExpiresASilentMember) {
  int32_t gen = 0;
  std::vector<std::string> ids = form_group("g", 2, gen);
  clock.now += 600;
  EXPECT_EQ(heartbeat("g", gen, ids[0]), ErrorCode::kNone);
  clock.now += 399;
  coord->tick();
  EXPECT_EQ(describe("g").state, GroupState::kStable);  // ids[1] has 1 ms left
  clock.now += 1;
  coord->tick();
  EXPECT_EQ(describe("g").state, GroupState::kPreparingRebalance);
  EXPECT_EQ(heartbeat("g", gen, ids[1]), ErrorCode::kUnknownMemberId);
  EXPECT_EQ(heartbeat("g", gen, ids[0]), ErrorCode::kRebalanceInProgress);
  JoinCapture a;
  rejoin("g", ids[0], a);
  JoinResult r = a.take();
  EXPECT_EQ(r.generation_id, gen + 1);
  EXPECT_EQ(r.members.size(), 1u);
}

TEST_F(MembershipTest, RebalanceTimeoutRemovesMembersThatDidNotRejoin) {
  int32_t gen = 0;
  std::vector<std::string> ids = form_group("g", 2, gen);
  JoinCapture newcomer, a;
  std::string idc = join_new("g", newcomer);
  rejoin("g", ids[0], a);
  // ids[1] keeps heartbeating but never rejoins.
  for (int i = 0; i < 5; ++i) {
    clock.now += 900;
    EXPECT_EQ(heartbeat("g", gen, ids[1]), ErrorCode::kRebalanceInProgress);
    coord->tick();
  }
  EXPECT_FALSE(a.done());
  clock.now += 500;  // 5000 ms rebalance timeout since the newcomer arrived
  coord->tick();
  ASSERT_TRUE(a.done() && newcomer.done());
  JoinResult ra = a.take();
  EXPECT_EQ(ra.generation_id, gen + 1);
  ASSERT_EQ(ra.members.size(), 2u);
  for (const JoinMember& m : ra.members) EXPECT_NE(m.member_id, ids[1]);
  EXPECT_EQ(newcomer.take().member_id, idc);
  EXPECT_EQ(heartbeat("g", gen + 1, ids[1]), ErrorCode::kUnknownMemberId);
}

TEST_F(MembershipTest, MemberThatNeverSyncsIsRemovedAfterTheRebalanceTimeout) {
  int32_t gen = 0;
  std::vector<std::string> ids = form_group("g", 2, gen);
  JoinCapture a, b;
  rejoin("g", ids[0], a);
  rejoin("g", ids[1], b);
  gen = a.take().generation_id;
  b.take();
  SyncCapture s;
  sync("g", gen, ids[0], s, {{ids[0], bytes({1})}, {ids[1], bytes({2})}});
  EXPECT_EQ(s.take().error, ErrorCode::kNone);
  for (int i = 0; i < 5; ++i) {  // ids[1] heartbeats but never asks for its assignment
    clock.now += 999;
    EXPECT_EQ(heartbeat("g", gen, ids[1]), ErrorCode::kNone);
    EXPECT_EQ(heartbeat("g", gen, ids[0]), ErrorCode::kNone);
    coord->tick();
  }
  EXPECT_EQ(describe("g").state, GroupState::kStable);
  clock.now += 5;
  coord->tick();
  EXPECT_EQ(describe("g").state, GroupState::kPreparingRebalance);
  EXPECT_EQ(heartbeat("g", gen, ids[1]), ErrorCode::kUnknownMemberId);
}

TEST_F(MembershipTest, IllegalGenerationAndUnknownMember) {
  int32_t gen = 0;
  std::vector<std::string> ids = form_group("g", 2, gen);
  EXPECT_EQ(heartbeat("g", gen - 1, ids[0]), ErrorCode::kIllegalGeneration);
  EXPECT_EQ(heartbeat("g", gen, "stranger"), ErrorCode::kUnknownMemberId);
  EXPECT_EQ(heartbeat("other", gen, ids[0]), ErrorCode::kUnknownMemberId);
  SyncCapture s;
  sync("g", gen + 1, ids[1], s);
  EXPECT_EQ(s.take().error, ErrorCode::kIllegalGeneration);
  sync("g", gen, "stranger", s);
  EXPECT_EQ(s.take().error, ErrorCode::kUnknownMemberId);
  sync("other", gen, ids[0], s);
  EXPECT_EQ(s.take().error, ErrorCode::kUnknownMemberId);
  SyncRequest wrong{
      "g", gen, ids[1], std::nullopt, std::string("consumer"), std::string("roundrobin"), {}};
  coord->sync_group(wrong, s.cb());
  EXPECT_EQ(s.take().error, ErrorCode::kInconsistentGroupProtocol);
  // In Stable a sync just returns the member's assignment.
  sync("g", gen, ids[1], s);
  EXPECT_EQ(s.take().assignment, bytes({1}));
}

TEST_F(MembershipTest, RebalanceDuringSyncAnswersParkedSyncs) {
  int32_t gen = 0;
  std::vector<std::string> ids = form_group("g", 2, gen);
  JoinCapture a, b;
  rejoin("g", ids[0], a);
  rejoin("g", ids[1], b);
  gen = a.take().generation_id;
  b.take();
  SyncCapture follower;
  sync("g", gen, ids[1], follower);
  EXPECT_FALSE(follower.done());
  JoinCapture c;
  join_new("g", c);  // a newcomer before the leader synced
  EXPECT_EQ(follower.take().error, ErrorCode::kRebalanceInProgress);
  SyncCapture late;
  sync("g", gen, ids[0], late, {});
  EXPECT_EQ(late.take().error, ErrorCode::kRebalanceInProgress);
}

TEST_F(MembershipTest, PendingMemberIdExpiresAfterTheSessionTimeout) {
  JoinCapture first;
  coord->join_group(join_request("g", ""), first.cb());
  JoinResult r = first.take();
  ASSERT_EQ(r.error, ErrorCode::kMemberIdRequired);
  clock.now += 1000;
  coord->tick();
  JoinCapture again;
  coord->join_group(join_request("g", r.member_id), again.cb());
  EXPECT_EQ(again.take().error, ErrorCode::kUnknownMemberId);
}

TEST_F(MembershipTest, GroupMaxSize) {
  GroupConfig c = test_config();
  c.max_group_size = 1;
  start(c);
  JoinCapture a, b;
  join_new("g", a);
  coord->join_group(join_request("g", ""), b.cb());
  EXPECT_EQ(b.take().error, ErrorCode::kGroupMaxSizeReached);
}

TEST_F(MembershipTest, CallbacksRunOutsideTheLockExactlyOnce) {
  JoinCapture first;
  coord->join_group(join_request("g", ""), first.cb());
  std::string id = first.take().member_id;
  int calls = 0;
  ErrorCode inside = ErrorCode::kUnknownServerError;
  coord->join_group(join_request("g", id), [&](const JoinResult& r) {
    ++calls;
    // Re-entering the coordinator from a callback must not deadlock.
    inside = heartbeat("g", r.generation_id, r.member_id);
  });
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(inside, ErrorCode::kNone);
  // A repeated JoinGroup while parked answers the first one and parks the second.
  JoinCapture b1, b2, a;
  std::string idb = join_new("g", b1);
  rejoin("g", idb, b2);
  EXPECT_EQ(b1.take().error, ErrorCode::kRebalanceInProgress);
  EXPECT_FALSE(b2.done());
  rejoin("g", id, a);
  EXPECT_EQ(b2.take().error, ErrorCode::kNone);
  EXPECT_EQ(a.take().error, ErrorCode::kNone);
}

TEST_F(MembershipTest, ListAndDescribeGroups) {
  int32_t gen = 0;
  form_group("stable", 1, gen);
  JoinCapture j;
  join_new("completing", j);
  OffsetCommitRequest simple;
  simple.group_id = "standalone";
  simple.partitions.push_back({"t", 0, 5, -1, std::nullopt});
  coord->commit_offsets(simple);

  EXPECT_EQ(coord->list_groups().size(), 3u);
  auto stable = coord->list_groups({GroupState::kStable});
  ASSERT_EQ(stable.size(), 1u);
  EXPECT_EQ(stable[0].group_id, "stable");
  EXPECT_EQ(stable[0].protocol_type, "consumer");
  auto empty = coord->list_groups({GroupState::kEmpty, GroupState::kCompletingRebalance});
  EXPECT_EQ(empty.size(), 2u);
  EXPECT_EQ(parse_group_state("stable"), GroupState::kStable);
  EXPECT_EQ(parse_group_state("bogus"), std::nullopt);

  auto d = coord->describe_groups({"stable", "completing", "missing"});
  ASSERT_EQ(d.size(), 3u);
  EXPECT_EQ(d[0].state, GroupState::kStable);
  EXPECT_EQ(d[0].members.at(0).metadata, bytes({1, 2}));
  EXPECT_EQ(d[0].members.at(0).client_id, "client");
  EXPECT_EQ(d[1].state, GroupState::kCompletingRebalance);
  EXPECT_TRUE(d[1].protocol_name.empty());
  EXPECT_TRUE(d[1].members.at(0).metadata.empty());
  EXPECT_EQ(d[2].state, GroupState::kDead);
  EXPECT_EQ(d[2].error, ErrorCode::kNone);
}

TEST_F(MembershipTest, RequestsBeforeLoadCompletes) {
  GroupCoordinator loading(test_config(), store, clock);
  JoinCapture j;
  loading.join_group(join_request("g", ""), j.cb());
  EXPECT_EQ(j.take().error, ErrorCode::kCoordinatorLoadInProgress);
  EXPECT_EQ(loading.heartbeat({"g", 1, "m", std::nullopt}), ErrorCode::kCoordinatorLoadInProgress);
}

}  // namespace
}  // namespace sluice::kafka::group::testing

namespace sluice::kafka::group::testing {
namespace {

// Requests from several threads at once, with callbacks re-entering the coordinator: a smoke test
// for the locking contract (run under the sanitizer build too).
TEST_F(MembershipTest, ConcurrentRequestsAreSerialised) {
  std::atomic<int> joined{0};
  std::vector<std::thread> threads;
  threads.reserve(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::string group = "g" + std::to_string(t % 2);
      for (int i = 0; i < 200; ++i) {
        JoinRequest r = join_request(group, "");
        r.require_known_member_id = false;
        coord->join_group(r, [&, group](JoinResult res) {
          if (res.error != ErrorCode::kNone) return;
          ++joined;
          coord->heartbeat({group, res.generation_id, res.member_id, std::nullopt});
          coord->leave_group({group, {{res.member_id, std::nullopt}}});
        });
        OffsetCommitRequest c;
        c.group_id = "solo" + std::to_string(t);
        c.partitions.push_back({"t", i % 3, i, -1, std::nullopt});
        coord->commit_offsets(c);
        coord->list_groups();
        coord->tick();
      }
    });
  }
  for (auto& th : threads) th.join();
  clock.now += 10'000;  // whatever is still parked ends with the rebalance timeout
  coord->tick();
  coord->tick();
  EXPECT_GT(joined.load(), 0);
  EXPECT_EQ(coord->fetch_offsets({"solo0", std::nullopt}).partitions.size(), 3u);
}

}  // namespace
}  // namespace sluice::kafka::group::testing
