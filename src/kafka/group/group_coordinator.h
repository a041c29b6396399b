// The consumer group coordinator for Kafka's classic rebalance protocol, with committed offsets
// kept durable through an OffsetStore.
//
// Thread-safety: every public method may be called from any thread. One mutex (mu_) guards all
// state. JoinGroup and SyncGroup answer through callbacks that are invoked exactly once, never with
// mu_ held: the coordinator collects the answers a call produced (its own and other members'
// pending ones it completed) and runs them after unlocking, on the calling thread — which may be
// the thread of another member's request or of tick(). A callback may therefore call back into
// the coordinator, and must not throw. OffsetStore::append() is called with mu_ held (see
// offset_store.h).
//
// Time: the coordinator never sleeps and starts no threads. It reads the injected Clock, and the
// broker calls tick() from a timer (every 100 ms or so) to expire sessions, end join phases whose
// rebalance timeout or initial delay has passed, and expire old offsets. Tests drive a manual
// clock and call tick() themselves.
//
// Start-up: construct, replay every record of the store in log order with load(), then call
// complete_load(). Until complete_load() every request is answered with
// COORDINATOR_LOAD_IN_PROGRESS.
//
// Timeouts: a member is removed when its session timeout passes without a heartbeat (members
// parked in JoinGroup/SyncGroup are alive); a join phase ends when every member has rejoined or
// the rebalance timeout passes, and dynamic members that did not rejoin are removed (static ones
// stay until their session expires); after a join phase every member must send SyncGroup within
// the rebalance timeout or is removed.
//
// Semantics follow Apache Kafka's GroupCoordinator (classic protocol): group states
// Empty → PreparingRebalance → CompletingRebalance → Stable (and Dead once deleted or expired);
// KIP-394 member ids (MEMBER_ID_REQUIRED); KIP-345 static membership; generation-checked commits
// plus simple commits (generation -1) for standalone consumers; KIP-211 offset retention.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/metrics.h"
#include "common/status.h"
#include "kafka/group/offset_store.h"
#include "kafka/group/types.h"

namespace sluice::kafka::group {

struct GroupConfig {
  // group.min/max.session.timeout.ms: JoinGroup outside the range gets INVALID_SESSION_TIMEOUT.
  int32_t min_session_timeout_ms = 6000;
  int32_t max_session_timeout_ms = 1800000;
  // group.initial.rebalance.delay.ms: the first join phase of an empty group waits this long for
  // more members, and again (up to the rebalance timeout) while new members keep arriving.
  int64_t initial_rebalance_delay_ms = 3000;
  // group.max.size
  size_t max_group_size = INT32_MAX;
  // offset.metadata.max.bytes
  size_t max_metadata_size = 4096;
  // offsets.retention.ms (<= 0 keeps offsets forever) and offsets.retention.check.interval.ms.
  int64_t offsets_retention_ms = 7LL * 24 * 3600 * 1000;
  int64_t offsets_retention_check_interval_ms = 600000;
};

class Group;
struct Member;
class Deferred;

class GroupCoordinator {
 public:
  using JoinCallback = std::function<void(JoinResult)>;
  using SyncCallback = std::function<void(SyncResult)>;

  // `store` and `clock` are borrowed and must outlive the coordinator.
  GroupCoordinator(GroupConfig config, OffsetStore& store, Clock& clock);
  ~GroupCoordinator();
  GroupCoordinator(const GroupCoordinator&) = delete;
  GroupCoordinator& operator=(const GroupCoordinator&) = delete;

  // ---- Restoring state ----
  // Applies one record of the store (value nullopt: a tombstone). Records must come in log order.
  Status load(ByteSpan key, std::optional<ByteSpan> value);
  // Ends loading: groups with members become Stable with fresh session deadlines (their members
  // carry on with their generation), others Empty.
  void complete_load();

  // ---- Membership (classic protocol) ----
  void join_group(JoinRequest request, JoinCallback done);
  void sync_group(SyncRequest request, SyncCallback done);
  ErrorCode heartbeat(const HeartbeatRequest& request);
  LeaveResult leave_group(const LeaveRequest& request);

  // ---- Offsets ----
  std::vector<CommitPartitionResult> commit_offsets(const OffsetCommitRequest& request);
  OffsetFetchResult fetch_offsets(const OffsetFetchRequest& request);
  // TxnOffsetCommit (KIP-447): whether a transactional producer may commit for this group as
  // (generation, member, instance); -1 / "" skip the generation / member checks.
  ErrorCode validate_txn_commit(const std::string& group_id, int32_t generation_id,
                                const std::string& member_id,
                                const std::optional<std::string>& instance_id);
  // Materializes the offsets of a committed transaction, whatever the group's state.
  std::vector<CommitPartitionResult> commit_txn_offsets(
      const std::string& group_id, const std::vector<CommitPartition>& partitions);

  // ---- Administration ----
  // `states` empty: every group that is not Dead.
  std::vector<GroupListing> list_groups(const std::vector<GroupState>& states = {});
  std::vector<GroupDescription> describe_groups(const std::vector<std::string>& group_ids);
  std::vector<DeleteGroupResult> delete_groups(const std::vector<std::string>& group_ids);
  // OffsetDelete (KIP-496): removes committed offsets. An empty group loses any of them; a
  // consumer-protocol group with members keeps those of topics it is subscribed to
  // (GROUP_SUBSCRIBED_TO_TOPIC); another group with members refuses (NON_EMPTY_GROUP).
  DeleteOffsetsResult delete_offsets(const std::string& group_id,
                                     const std::vector<TopicPartition>& partitions);

  // Expires sessions, pending members, join phases and old offsets as of clock.now_ms().
  void tick();

  // ---- Observability ----
  // Every committed offset, for the broker to compute consumer lag against log end offsets.
  std::vector<CommittedOffset> committed_offsets();
  std::vector<GroupStats> group_stats();
  // Join phases completed with members, over all groups, since start.
  uint64_t total_rebalances();
  // Emits sluice_group_members, sluice_group_generation, sluice_group_rebalances_total and
  // sluice_group_state per group; call from a MetricsRegistry collector.
  void collect_metrics(MetricsWriter& out);

 private:
  // All private members below are called with mu_ held.
  Group* find_group(const std::string& group_id);
  Group& get_or_create_group(const std::string& group_id);
  void drop_group_if_unused(const std::string& group_id);
  std::string new_member_id(const std::string& prefix);

  void join_new_member(Group& g, JoinRequest& req, JoinCallback done, Deferred& out);
  void join_known_member(Group& g, JoinRequest& req, JoinCallback done, Deferred& out);
  void join_static_member_again(Group& g, JoinRequest& req, JoinCallback done, Deferred& out);
  void add_member_and_rebalance(Group& g, JoinRequest& req, std::string member_id,
                                JoinCallback done, Deferred& out);
  void update_member_and_rebalance(Group& g, Member& m, JoinRequest& req, JoinCallback done,
                                   Deferred& out);
  JoinResult current_generation_result(const Group& g, const Member& m) const;

  void maybe_prepare_rebalance(Group& g, Deferred& out);
  void prepare_rebalance(Group& g, Deferred& out);
  void try_complete_join(Group& g, Deferred& out);
  void complete_join(Group& g, Deferred& out);
  void reset_pending_syncs(Group& g, ErrorCode error, Deferred& out);
  void remove_member_and_update(Group& g, const std::string& member_id, Deferred& out);
  void touch(Member& m);

  // Writes the group's metadata record (with `assignments` instead of the members' current ones
  // when given); sets has_metadata_record on success.
  Status store_group(Group& g, const std::map<std::string, Bytes>* assignments);
  // Writes `partitions` (already validated for the group) as committed offsets, appending one
  // result per partition to `results`.
  void write_offsets(Group& g, const std::string& group_id,
                     const std::vector<CommitPartition>& partitions,
                     std::vector<CommitPartitionResult>& results);
  void expire_offsets(int64_t now);

  GroupConfig config_;
  OffsetStore& store_;
  Clock& clock_;

  std::mutex mu_;
  bool loaded_ = false;                                   // guarded by mu_
  std::map<std::string, std::unique_ptr<Group>> groups_;  // guarded by mu_
  std::mt19937_64 rng_;                                   // guarded by mu_
  uint64_t total_rebalances_ = 0;                         // guarded by mu_
  int64_t next_retention_check_ms_ = 0;                   // guarded by mu_
};

}  // namespace sluice::kafka::group
