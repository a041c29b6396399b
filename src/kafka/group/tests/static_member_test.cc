// KIP-345 static membership: a restarted member with the same group.instance.id takes its old
// place without a rebalance.
#include <gtest/gtest.h>

#include "kafka/group/tests/test_util.h"

namespace sluice::kafka::group::testing {
namespace {

class StaticMemberTest : public CoordinatorTest {
 protected:
  JoinRequest static_join(const std::string& member_id, const std::string& instance,
                          std::vector<Protocol> protocols = {{"range", {1, 2}}},
                          int32_t session_ms = 1000, int32_t rebalance_ms = 5000) {
    JoinRequest r = join_request("g", member_id, std::move(protocols), session_ms, rebalance_ms);
    r.group_instance_id = instance;
    return r;
  }

  // Two static members a and b in a Stable generation; a leads. a gets {10}, b gets {20}.
  void form() {
    JoinCapture a, b;
    coord->join_group(static_join("", "a"), a.cb());
    ASSERT_TRUE(a.done());  // static members skip MEMBER_ID_REQUIRED
    JoinResult ra = a.take();
    ASSERT_EQ(ra.error, ErrorCode::kNone);
    id_a = ra.member_id;
    EXPECT_EQ(id_a.rfind("a-", 0), 0u);
    coord->join_group(static_join("", "b"), b.cb());
    coord->join_group(static_join(id_a, "a"), a.cb());
    ASSERT_TRUE(a.done() && b.done());
    ra = a.take();
    id_b = b.take().member_id;
    gen = ra.generation_id;
    ASSERT_EQ(ra.leader_id, id_a);
    SyncCapture sb, sa;
    sync("g", gen, id_b, sb);
    SyncRequest leader{"g",
                       gen,
                       id_a,
                       std::string("a"),
                       std::nullopt,
                       std::nullopt,
                       {{id_a, bytes({10})}, {id_b, bytes({20})}}};
    coord->sync_group(leader, sa.cb());
    ASSERT_EQ(sa.take().assignment, bytes({10}));
    ASSERT_EQ(sb.take().assignment, bytes({20}));
  }

  std::string id_a, id_b;
  int32_t gen = 0;
};

TEST_F(StaticMemberTest, RejoinAfterRestartKeepsAssignmentWithoutRebalance) {
  form();
  int appends = store.appends;
  JoinCapture again;
  coord->join_group(static_join("", "b"), again.cb());  // b restarted and lost its member id
  ASSERT_TRUE(again.done());
  JoinResult r = again.take();
  EXPECT_EQ(r.error, ErrorCode::kNone);
  EXPECT_NE(r.member_id, id_b);
  EXPECT_EQ(r.generation_id, gen);  // no new generation
  EXPECT_FALSE(r.skip_assignment);
  EXPECT_EQ(describe("g").state, GroupState::kStable);
  EXPECT_EQ(store.appends, appends + 1);  // the new member id is made durable

  SyncCapture s;
  sync("g", gen, r.member_id, s);
  EXPECT_EQ(s.take().assignment, bytes({20}));
  EXPECT_EQ(heartbeat("g", gen, id_a, "a"), ErrorCode::kNone);
  // The old incarnation is fenced.
  EXPECT_EQ(heartbeat("g", gen, id_b, "b"), ErrorCode::kFencedInstanceId);
  sync("g", gen, id_b, s);
  EXPECT_EQ(s.take().error, ErrorCode::kUnknownMemberId);
  JoinCapture old;
  coord->join_group(static_join(id_b, "b"), old.cb());
  EXPECT_EQ(old.take().error, ErrorCode::kFencedInstanceId);
  EXPECT_EQ(coord->total_rebalances(), 2u);
}

TEST_F(StaticMemberTest, LeaderRejoinGetsMembersAndSkipsAssignment) {
  form();
  JoinCapture again;
  coord->join_group(static_join("", "a"), again.cb());
  JoinResult r = again.take();
  EXPECT_EQ(r.generation_id, gen);
  EXPECT_EQ(r.leader_id, r.member_id);
  EXPECT_TRUE(r.skip_assignment);
  EXPECT_EQ(r.members.size(), 2u);
  SyncCapture s;
  sync("g", gen, r.member_id, s, {});  // an old client still sends an assignment; ignored
  EXPECT_EQ(s.take().assignment, bytes({10}));
}

TEST_F(StaticMemberTest, ProtocolChangeOnRejoinRebalances) {
  form();
  JoinCapture again;
  coord->join_group(static_join("", "b", {{"sticky", {1}}, {"range", {1, 2}}}), again.cb());
  // b now prefers sticky, but a only speaks range, which stays the group's protocol: no
  // rebalance is needed.
  EXPECT_TRUE(again.done());
  again.take();
  JoinCapture a2;
  coord->join_group(static_join("", "a", {{"sticky", {1}}}), a2.cb());
  // Now only sticky is common, which changes the protocol: a rebalance starts.
  EXPECT_FALSE(a2.done());
  EXPECT_EQ(describe("g").state, GroupState::kPreparingRebalance);
}

TEST_F(StaticMemberTest, StoreFailureOnRejoinLeavesTheOldMemberInPlace) {
  form();
  store.fail = true;
  JoinCapture again;
  coord->join_group(static_join("", "b"), again.cb());
  EXPECT_EQ(again.take().error, ErrorCode::kCoordinatorNotAvailable);
  store.fail = false;
  EXPECT_EQ(heartbeat("g", gen, id_b, "b"), ErrorCode::kNone);
}

TEST_F(StaticMemberTest, AdminRemovalByInstanceId) {
  form();
  LeaveResult r = coord->leave_group({"g", {{"", std::string("b")}, {"", std::string("zz")}}});
  ASSERT_EQ(r.members.size(), 2u);
  EXPECT_EQ(r.members[0].error, ErrorCode::kNone);
  EXPECT_EQ(r.members[1].error, ErrorCode::kUnknownMemberId);
  EXPECT_EQ(describe("g").state, GroupState::kPreparingRebalance);
  EXPECT_EQ(heartbeat("g", gen, id_b, "b"), ErrorCode::kUnknownMemberId);
  // A leave naming the instance with a stale member id is fenced.
  LeaveResult f = coord->leave_group({"g", {{"stale", std::string("a")}}});
  EXPECT_EQ(f.members[0].error, ErrorCode::kFencedInstanceId);
}

TEST_F(StaticMemberTest, RejoinDuringRebalanceFencesTheParkedJoin) {
  form();
  JoinCapture parked, fresh;
  coord->join_group(static_join(id_b, "b"), parked.cb());  // b (a follower) rejoins: no change
  EXPECT_TRUE(parked.done());
  parked.take();
  coord->join_group(static_join(id_a, "a"), parked.cb());  // the leader rejoins: rebalance
  EXPECT_FALSE(parked.done());
  coord->join_group(static_join("", "a"), fresh.cb());  // a restarts meanwhile
  EXPECT_EQ(parked.take().error, ErrorCode::kFencedInstanceId);
  EXPECT_FALSE(fresh.done());
  JoinCapture b;
  coord->join_group(static_join(id_b, "b"), b.cb());
  ASSERT_TRUE(fresh.done() && b.done());
  JoinResult r = fresh.take();
  EXPECT_EQ(r.generation_id, gen + 1);
  EXPECT_EQ(r.leader_id, r.member_id);
  b.take();
}

TEST_F(StaticMemberTest, AbsentStaticMemberSurvivesTheJoinPhaseButMustSync) {
  // Sessions longer than the rebalance timeout: a bouncing static member keeps its place through
  // a join phase, but like everyone it must send SyncGroup within the rebalance timeout.
  JoinCapture a, b;
  coord->join_group(static_join("", "a", {{"range", {1}}}, 10'000, 500), a.cb());
  std::string ida = a.take().member_id;
  coord->join_group(static_join("", "b", {{"range", {2}}}, 10'000, 500), b.cb());
  coord->join_group(static_join(ida, "a", {{"range", {1}}}, 10'000, 500), a.cb());
  JoinResult ra = a.take();
  std::string idb = b.take().member_id;
  SyncCapture sa, sb;
  sync("g", ra.generation_id, idb, sb);
  sync("g", ra.generation_id, ida, sa, {{ida, bytes({1})}, {idb, bytes({2})}});
  ASSERT_EQ(sb.take().assignment, bytes({2}));
  sa.take();

  coord->join_group(static_join(ida, "a", {{"range", {1}}}, 10'000, 500), a.cb());  // rebalance
  clock.now += 500;
  coord->tick();
  ASSERT_TRUE(a.done());
  ra = a.take();
  EXPECT_EQ(ra.generation_id, 3);
  ASSERT_EQ(ra.members.size(), 2u);  // b is still a member
  sync("g", ra.generation_id, ida, sa, {{ida, bytes({1})}, {idb, bytes({2})}});
  EXPECT_EQ(sa.take().error, ErrorCode::kNone);
  clock.now += 499;
  coord->tick();
  EXPECT_EQ(describe("g").members.size(), 2u);
  clock.now += 1;
  coord->tick();  // b never synced generation 3
  EXPECT_EQ(describe("g").state, GroupState::kPreparingRebalance);
  EXPECT_EQ(describe("g").members.size(), 1u);
}

}  // namespace
}  // namespace sluice::kafka::group::testing
