// Internal to the coordinator: one group's state and the helpers that read it. Not a public header.
//
// Thread-safety: none of its own; every object here is guarded by GroupCoordinator::mu_.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "kafka/group/group_coordinator.h"
#include "kafka/group/types.h"

namespace sluice::kafka::group {

// Error answers.
inline JoinResult join_error(ErrorCode e, std::string member_id = {}) {
  JoinResult r;
  r.error = e;
  r.member_id = std::move(member_id);
  return r;
}

inline SyncResult sync_error(ErrorCode e) {
  SyncResult r;
  r.error = e;
  return r;
}

// Answers produced under the coordinator's mutex, run after it is released.
class Deferred {
 public:
  Deferred() = default;
  Deferred(const Deferred&) = delete;
  Deferred& operator=(const Deferred&) = delete;
  ~Deferred() { run(); }

  void join(GroupCoordinator::JoinCallback cb, JoinResult r) {
    calls_.push_back([cb = std::move(cb), r = std::move(r)]() mutable { cb(std::move(r)); });
  }
  void sync(GroupCoordinator::SyncCallback cb, SyncResult r) {
    calls_.push_back([cb = std::move(cb), r = std::move(r)]() mutable { cb(std::move(r)); });
  }
  void run() {
    // A callback may call into the coordinator, which may add nothing here (it has its own
    // Deferred), but swap anyway so that a re-entrant run() never sees a half-run list.
    std::vector<std::function<void()>> calls;
    calls.swap(calls_);
    for (auto& c : calls) c();
  }

 private:
  std::vector<std::function<void()>> calls_;
};

struct Member {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::string client_id;
  std::string client_host;
  int32_t session_timeout_ms = 0;
  int32_t rebalance_timeout_ms = 0;
  std::string protocol_type;
  std::vector<Protocol> protocols;  // in the member's order of preference
  Bytes assignment;
  uint64_t join_seq = 0;  // order of joining; the earliest remaining member becomes leader
  int64_t heartbeat_deadline_ms = 0;
  GroupCoordinator::JoinCallback awaiting_join;  // set while its JoinGroup is parked
  GroupCoordinator::SyncCallback awaiting_sync;  // set while its SyncGroup is parked

  bool is_awaiting_join() const { return static_cast<bool>(awaiting_join); }
  bool is_awaiting_sync() const { return static_cast<bool>(awaiting_sync); }
  // The metadata this member sent for `protocol`, or nullptr.
  const Bytes* metadata_for(const std::string& protocol) const;
  bool supports(const std::string& protocol) const;
};

struct OffsetEntry {
  int64_t offset = 0;
  int32_t leader_epoch = -1;
  std::string metadata;
  int64_t commit_timestamp_ms = 0;
};

class Group {
 public:
  explicit Group(std::string id) : id_(std::move(id)) {}

  const std::string& id() const { return id_; }

  // Protocol type for groups that use group management; empty for standalone (offsets only).
  std::string protocol_type;
  GroupState state = GroupState::kEmpty;
  int64_t state_timestamp_ms = -1;
  int32_t generation_id = 0;
  std::optional<std::string> protocol_name;
  std::string leader_id;  // empty: none
  std::map<std::string, Member> members;
  std::map<std::string, std::string> static_members;  // group_instance_id → member_id
  std::map<std::string, int64_t> pending_members;     // KIP-394: member_id → expiry
  // Members of the current generation that have not sent SyncGroup yet; they are removed at
  // sync_deadline_ms (the rebalance timeout after the join phase ended).
  std::set<std::string> pending_sync;
  int64_t sync_deadline_ms = 0;
  std::map<TopicPartition, OffsetEntry> offsets;
  bool has_metadata_record = false;  // a group metadata record exists in the store
  uint64_t rebalances = 0;
  uint64_t next_join_seq = 0;

  // The join phase of a PreparingRebalance group ends at join_deadline_ms. In the initial delay
  // (an empty group's first phase) it is extended while new members keep arriving, by at most
  // initial_delay_remaining_ms in total, and never ends early.
  int64_t join_deadline_ms = 0;
  bool in_initial_delay = false;
  int64_t initial_delay_remaining_ms = 0;
  bool new_member_added = false;

  void transition(GroupState to, int64_t now) {
    state = to;
    state_timestamp_ms = now;
  }
  Member* find_member(const std::string& member_id);
  bool is_leader(const std::string& member_id) const { return leader_id == member_id; }
  // True when a JoinGroup naming `instance_id` and `member_id` comes from a replaced instance.
  bool is_static_member_fenced(const std::string& member_id,
                               const std::optional<std::string>& instance_id) const;
  // KIP-345: the member id currently registered for `instance_id`, or nullptr.
  const std::string* static_member_id(const std::string& instance_id) const;
  // The earliest-joined member (that satisfies `pred`, if given), or "" for none.
  std::string first_member(const std::function<bool(const Member&)>& pred = nullptr) const;
  // Gives a member a new id (a static member's new incarnation), keeping its place.
  Member& rename_member(const std::string& old_id, const std::string& new_id);
  bool all_members_joined() const;
  int32_t rebalance_timeout_ms() const;
  // Whether a member (other than `except`) set could accept a member that speaks `type` with
  // `protocols`: an empty group accepts any; otherwise the type must match and one protocol must
  // be supported by every other member.
  bool supports_protocols(const std::string& type, const std::vector<Protocol>& protocols,
                          const std::string& except) const;
  // Kafka's vote: among protocols every member supports, each member votes for its most
  // preferred one; the most votes win, ties go to the leader's (else first member's) preference.
  // `override_member`/`override_protocols` evaluate the vote as if that member sent those.
  std::string select_protocol(const std::string& override_member = {},
                              const std::vector<Protocol>* override_protocols = nullptr) const;
  void remove_member(const std::string& member_id);

 private:
  std::string id_;
};

}  // namespace sluice::kafka::group
