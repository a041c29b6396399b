// Membership: JoinGroup, SyncGroup, Heartbeat, LeaveGroup and the timers behind them.
// coordinator_offsets.cc holds offsets, administration, loading and metrics.
#include "kafka/group/group_coordinator.h"

#include <algorithm>
#include <cinttypes>

#include "common/log.h"
#include "kafka/group/group.h"
#include "kafka/group/records.h"

namespace sluice::kafka::group {
namespace {

// Client ids and hosts are informational; cut them so member ids and records stay in bounds.
constexpr size_t kMaxClientString = 1024;

bool same_protocols(const std::vector<Protocol>& a, const std::vector<Protocol>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].name != b[i].name || a[i].metadata != b[i].metadata) return false;
  }
  return true;
}

}  // namespace

GroupCoordinator::GroupCoordinator(GroupConfig config, OffsetStore& store, Clock& clock)
    : config_(config), store_(store), clock_(clock), rng_(std::random_device{}()) {}

GroupCoordinator::~GroupCoordinator() = default;

Group* GroupCoordinator::find_group(const std::string& group_id) {
  auto it = groups_.find(group_id);
  return it == groups_.end() ? nullptr : it->second.get();
}

Group& GroupCoordinator::get_or_create_group(const std::string& group_id) {
  auto& slot = groups_[group_id];
  if (!slot) {
    slot = std::make_unique<Group>(group_id);
    slot->state_timestamp_ms = clock_.now_ms();
  }
  return *slot;
}

void GroupCoordinator::drop_group_if_unused(const std::string& group_id) {
  Group* g = find_group(group_id);
  if (g != nullptr && g->state == GroupState::kEmpty && g->members.empty() &&
      g->pending_members.empty() && g->offsets.empty() && !g->has_metadata_record) {
    groups_.erase(group_id);
  }
}

std::string GroupCoordinator::new_member_id(const std::string& prefix) {
  // Kafka's shape: "<client id or instance id>-<uuid>".
  uint64_t hi = rng_();
  uint64_t lo = rng_();
  char buf[40];
  snprintf(buf, sizeof(buf), "%08" PRIx64 "-%04" PRIx64 "-%04" PRIx64 "-%04" PRIx64 "-%012" PRIx64,
           hi >> 32, (hi >> 16) & 0xffff, hi & 0xffff, lo >> 48,
           static_cast<uint64_t>(lo & 0xffffffffffffULL));
  return prefix + "-" + buf;
}

void GroupCoordinator::touch(Member& m) {
  m.heartbeat_deadline_ms = clock_.now_ms() + m.session_timeout_ms;
}

// ---------------------------------------------------------------------------------------------
// JoinGroup

void GroupCoordinator::join_group(JoinRequest req, JoinCallback done) {
  Deferred out;
  std::lock_guard<std::mutex> lock(mu_);
  if (!loaded_) return out.join(std::move(done), join_error(ErrorCode::kCoordinatorLoadInProgress));
  if (req.group_id.empty() || req.group_id.size() > kMaxRecordString) {
    return out.join(std::move(done), join_error(ErrorCode::kInvalidGroupId));
  }
  if (req.session_timeout_ms < config_.min_session_timeout_ms ||
      req.session_timeout_ms > config_.max_session_timeout_ms) {
    return out.join(std::move(done), join_error(ErrorCode::kInvalidSessionTimeout));
  }
  if (req.group_instance_id &&
      (req.group_instance_id->empty() || req.group_instance_id->size() > kMaxClientString)) {
    return out.join(std::move(done), join_error(ErrorCode::kInvalidRequest));
  }
  if (req.member_id.size() > kMaxRecordString) {
    return out.join(std::move(done), join_error(ErrorCode::kUnknownMemberId));
  }
  if (req.protocol_type.empty() || req.protocol_type.size() > kMaxRecordString ||
      req.protocols.empty()) {
    return out.join(std::move(done), join_error(ErrorCode::kInconsistentGroupProtocol));
  }
  for (const Protocol& p : req.protocols) {
    if (p.name.size() > kMaxRecordString) {
      return out.join(std::move(done), join_error(ErrorCode::kInconsistentGroupProtocol));
    }
  }
  if (req.client_id.size() > kMaxClientString) req.client_id.resize(kMaxClientString);
  if (req.client_host.size() > kMaxClientString) req.client_host.resize(kMaxClientString);
  if (req.rebalance_timeout_ms <= 0) req.rebalance_timeout_ms = req.session_timeout_ms;

  Group* g = find_group(req.group_id);
  if (g == nullptr) {
    // A member id for a group we do not know is stale (the group expired or was deleted).
    if (!req.member_id.empty()) {
      return out.join(std::move(done), join_error(ErrorCode::kUnknownMemberId));
    }
    g = &get_or_create_group(req.group_id);
  }
  if (g->state == GroupState::kDead) {
    return out.join(std::move(done), join_error(ErrorCode::kCoordinatorNotAvailable));
  }
  std::string group_id = req.group_id;
  if (req.member_id.empty()) {
    join_new_member(*g, req, std::move(done), out);
  } else {
    join_known_member(*g, req, std::move(done), out);
  }
  drop_group_if_unused(group_id);
}

void GroupCoordinator::join_new_member(Group& g, JoinRequest& req, JoinCallback done,
                                       Deferred& out) {
  // A restarted static member replaces its old self, whose protocols do not count.
  const std::string* old_id =
      req.group_instance_id ? g.static_member_id(*req.group_instance_id) : nullptr;
  if (!g.supports_protocols(req.protocol_type, req.protocols, old_id ? *old_id : std::string())) {
    return out.join(std::move(done), join_error(ErrorCode::kInconsistentGroupProtocol));
  }
  if (old_id != nullptr) return join_static_member_again(g, req, std::move(done), out);
  if (g.members.size() + g.pending_members.size() >= config_.max_group_size) {
    return out.join(std::move(done), join_error(ErrorCode::kGroupMaxSizeReached));
  }
  std::string member_id =
      new_member_id(req.group_instance_id ? *req.group_instance_id : req.client_id);
  if (req.require_known_member_id && !req.group_instance_id) {
    // KIP-394: hand out the id and let the member come back with it, so that a member whose
    // JoinGroup times out client-side cannot leave an unknown member behind.
    g.pending_members[member_id] = clock_.now_ms() + req.session_timeout_ms;
    return out.join(std::move(done), join_error(ErrorCode::kMemberIdRequired, member_id));
  }
  add_member_and_rebalance(g, req, std::move(member_id), std::move(done), out);
}

void GroupCoordinator::join_known_member(Group& g, JoinRequest& req, JoinCallback done,
                                         Deferred& out) {
  auto pending = g.pending_members.find(req.member_id);
  if (pending != g.pending_members.end()) {
    if (!g.supports_protocols(req.protocol_type, req.protocols, {})) {
      return out.join(std::move(done), join_error(ErrorCode::kInconsistentGroupProtocol));
    }
    g.pending_members.erase(pending);
    return add_member_and_rebalance(g, req, req.member_id, std::move(done), out);
  }
  if (g.is_static_member_fenced(req.member_id, req.group_instance_id)) {
    return out.join(std::move(done), join_error(ErrorCode::kFencedInstanceId));
  }
  Member* m = g.find_member(req.member_id);
  if (m == nullptr) return out.join(std::move(done), join_error(ErrorCode::kUnknownMemberId));
  if (!g.supports_protocols(req.protocol_type, req.protocols, req.member_id)) {
    return out.join(std::move(done), join_error(ErrorCode::kInconsistentGroupProtocol));
  }
  switch (g.state) {
    case GroupState::kPreparingRebalance:
      return update_member_and_rebalance(g, *m, req, std::move(done), out);
    case GroupState::kCompletingRebalance:
      // The member lost our JoinGroup answer: repeat it unless its protocols changed.
      if (same_protocols(m->protocols, req.protocols)) {
        touch(*m);
        return out.join(std::move(done), current_generation_result(g, *m));
      }
      return update_member_and_rebalance(g, *m, req, std::move(done), out);
    case GroupState::kStable:
      // A leader rejoins to make the group reassign (e.g. topic metadata changed).
      if (g.is_leader(m->member_id) || !same_protocols(m->protocols, req.protocols)) {
        return update_member_and_rebalance(g, *m, req, std::move(done), out);
      }
      touch(*m);
      return out.join(std::move(done), current_generation_result(g, *m));
    case GroupState::kEmpty:
    case GroupState::kDead:
      return out.join(std::move(done), join_error(ErrorCode::kUnknownMemberId));
  }
}

// KIP-345: a known group.instance.id joins without a member id (a restarted static member). It
// takes over the old member's place under a new member id and fences the old id; a Stable group
// keeps its assignment and does not rebalance unless the protocol would change.
void GroupCoordinator::join_static_member_again(Group& g, JoinRequest& req, JoinCallback done,
                                                Deferred& out) {
  const std::string instance_id = *req.group_instance_id;
  const std::string old_id = *g.static_member_id(instance_id);
  std::string new_id = new_member_id(instance_id);

  if (g.state == GroupState::kStable) {
    std::string next_protocol = g.select_protocol(old_id, &req.protocols);
    if (g.protocol_name && *g.protocol_name == next_protocol) {
      // Persist the new member id before answering, as the assignment is served from it.
      Member& m = g.rename_member(old_id, new_id);
      std::vector<Protocol> old_protocols = std::move(m.protocols);
      m.protocols = req.protocols;
      Status st = store_group(g, nullptr);
      if (!st.is_ok()) {
        spdlog::warn("group {}: storing static member {} failed: {}", g.id(), instance_id,
                     st.to_string());
        Member& back = g.rename_member(new_id, old_id);
        back.protocols = std::move(old_protocols);
        return out.join(std::move(done), join_error(ErrorCode::kCoordinatorNotAvailable));
      }
      m.client_id = req.client_id;
      m.client_host = req.client_host;
      m.session_timeout_ms = req.session_timeout_ms;
      m.rebalance_timeout_ms = req.rebalance_timeout_ms;
      touch(m);
      JoinResult r = current_generation_result(g, m);
      r.skip_assignment = g.is_leader(new_id);  // KIP-814: no need to compute a new assignment
      return out.join(std::move(done), std::move(r));
    }
  }

  Member& m = g.rename_member(old_id, new_id);
  if (m.awaiting_join) {
    out.join(std::move(m.awaiting_join), join_error(ErrorCode::kFencedInstanceId));
    m.awaiting_join = nullptr;
  }
  if (m.awaiting_sync) {
    out.sync(std::move(m.awaiting_sync), sync_error(ErrorCode::kFencedInstanceId));
    m.awaiting_sync = nullptr;
  }
  update_member_and_rebalance(g, m, req, std::move(done), out);
}

void GroupCoordinator::add_member_and_rebalance(Group& g, JoinRequest& req, std::string member_id,
                                                JoinCallback done, Deferred& out) {
  Member m;
  m.member_id = member_id;
  m.group_instance_id = req.group_instance_id;
  m.client_id = req.client_id;
  m.client_host = req.client_host;
  m.session_timeout_ms = req.session_timeout_ms;
  m.rebalance_timeout_ms = req.rebalance_timeout_ms;
  m.protocol_type = req.protocol_type;
  m.protocols = std::move(req.protocols);
  m.join_seq = g.next_join_seq++;
  m.awaiting_join = std::move(done);
  touch(m);
  if (g.members.empty()) g.protocol_type = req.protocol_type;
  if (m.group_instance_id) g.static_members[*m.group_instance_id] = member_id;
  g.members.emplace(member_id, std::move(m));
  if (g.leader_id.empty()) g.leader_id = member_id;
  g.new_member_added = true;
  maybe_prepare_rebalance(g, out);
}

void GroupCoordinator::update_member_and_rebalance(Group& g, Member& m, JoinRequest& req,
                                                   JoinCallback done, Deferred& out) {
  if (m.awaiting_join) {
    // A repeated JoinGroup supersedes the parked one; answer the old one so it is not lost.
    out.join(std::move(m.awaiting_join), join_error(ErrorCode::kRebalanceInProgress, m.member_id));
  }
  m.client_id = req.client_id;
  m.client_host = req.client_host;
  m.session_timeout_ms = req.session_timeout_ms;
  m.rebalance_timeout_ms = req.rebalance_timeout_ms;
  m.protocols = std::move(req.protocols);
  m.awaiting_join = std::move(done);
  touch(m);
  maybe_prepare_rebalance(g, out);
}

JoinResult GroupCoordinator::current_generation_result(const Group& g, const Member& m) const {
  JoinResult r;
  r.generation_id = g.generation_id;
  r.protocol_type = g.protocol_type;
  r.protocol_name = g.protocol_name;
  r.leader_id = g.leader_id;
  r.member_id = m.member_id;
  if (g.is_leader(m.member_id) && g.protocol_name) {
    for (const auto& [id, other] : g.members) {
      const Bytes* md = other.metadata_for(*g.protocol_name);
      r.members.push_back({id, other.group_instance_id, md != nullptr ? *md : Bytes{}});
    }
  }
  return r;
}

// ---------------------------------------------------------------------------------------------
// SyncGroup, Heartbeat, LeaveGroup

void GroupCoordinator::sync_group(SyncRequest req, SyncCallback done) {
  Deferred out;
  std::lock_guard<std::mutex> lock(mu_);
  if (!loaded_) return out.sync(std::move(done), sync_error(ErrorCode::kCoordinatorLoadInProgress));
  if (req.group_id.empty())
    return out.sync(std::move(done), sync_error(ErrorCode::kInvalidGroupId));
  Group* g = find_group(req.group_id);
  if (g == nullptr) return out.sync(std::move(done), sync_error(ErrorCode::kUnknownMemberId));
  if (g->state == GroupState::kDead) {
    return out.sync(std::move(done), sync_error(ErrorCode::kCoordinatorNotAvailable));
  }
  if (g->is_static_member_fenced(req.member_id, req.group_instance_id)) {
    return out.sync(std::move(done), sync_error(ErrorCode::kFencedInstanceId));
  }
  Member* m = g->find_member(req.member_id);
  if (m == nullptr) return out.sync(std::move(done), sync_error(ErrorCode::kUnknownMemberId));
  if (req.generation_id != g->generation_id) {
    return out.sync(std::move(done), sync_error(ErrorCode::kIllegalGeneration));
  }
  if ((req.protocol_type && *req.protocol_type != g->protocol_type) ||
      (req.protocol_name && g->protocol_name != req.protocol_name)) {
    return out.sync(std::move(done), sync_error(ErrorCode::kInconsistentGroupProtocol));
  }
  switch (g->state) {
    case GroupState::kEmpty:
    case GroupState::kDead:
      return out.sync(std::move(done), sync_error(ErrorCode::kUnknownMemberId));
    case GroupState::kPreparingRebalance:
      return out.sync(std::move(done), sync_error(ErrorCode::kRebalanceInProgress));
    case GroupState::kStable: {
      touch(*m);
      g->pending_sync.erase(m->member_id);
      SyncResult r;
      r.protocol_type = g->protocol_type;
      r.protocol_name = g->protocol_name;
      r.assignment = m->assignment;
      return out.sync(std::move(done), std::move(r));
    }
    case GroupState::kCompletingRebalance:
      break;
  }
  if (m->awaiting_sync) {
    out.sync(std::move(m->awaiting_sync), sync_error(ErrorCode::kRebalanceInProgress));
  }
  m->awaiting_sync = std::move(done);
  g->pending_sync.erase(m->member_id);
  touch(*m);
  if (!g->is_leader(m->member_id)) return;  // followers wait for the leader's assignment

  std::map<std::string, Bytes> assignments;
  for (auto& a : req.assignments) {
    if (g->members.count(a.member_id) != 0) assignments[a.member_id] = std::move(a.assignment);
  }
  Status st = store_group(*g, &assignments);
  if (!st.is_ok()) {
    spdlog::warn("group {}: storing generation {} failed: {}", g->id(), g->generation_id,
                 st.to_string());
    reset_pending_syncs(*g, ErrorCode::kCoordinatorNotAvailable, out);
    return prepare_rebalance(*g, out);
  }
  g->transition(GroupState::kStable, clock_.now_ms());
  for (auto& [id, member] : g->members) {
    auto it = assignments.find(id);
    member.assignment = it != assignments.end() ? std::move(it->second) : Bytes{};
    if (member.awaiting_sync) {
      SyncResult r;
      r.protocol_type = g->protocol_type;
      r.protocol_name = g->protocol_name;
      r.assignment = member.assignment;
      out.sync(std::move(member.awaiting_sync), std::move(r));
      member.awaiting_sync = nullptr;
      touch(member);
    }
  }
}

ErrorCode GroupCoordinator::heartbeat(const HeartbeatRequest& req) {
  Deferred out;
  std::lock_guard<std::mutex> lock(mu_);
  if (!loaded_) return ErrorCode::kCoordinatorLoadInProgress;
  if (req.group_id.empty()) return ErrorCode::kInvalidGroupId;
  Group* g = find_group(req.group_id);
  if (g == nullptr) return ErrorCode::kUnknownMemberId;
  if (g->state == GroupState::kDead) return ErrorCode::kCoordinatorNotAvailable;
  if (g->is_static_member_fenced(req.member_id, req.group_instance_id)) {
    return ErrorCode::kFencedInstanceId;
  }
  Member* m = g->find_member(req.member_id);
  if (m == nullptr) return ErrorCode::kUnknownMemberId;
  if (req.generation_id != g->generation_id) return ErrorCode::kIllegalGeneration;
  touch(*m);
  switch (g->state) {
    case GroupState::kPreparingRebalance:
      return ErrorCode::kRebalanceInProgress;
    case GroupState::kCompletingRebalance:
    case GroupState::kStable:
      return ErrorCode::kNone;
    case GroupState::kEmpty:
    case GroupState::kDead:
      break;
  }
  return ErrorCode::kUnknownMemberId;
}

LeaveResult GroupCoordinator::leave_group(const LeaveRequest& req) {
  Deferred out;
  std::lock_guard<std::mutex> lock(mu_);
  LeaveResult result;
  if (!loaded_) {
    result.error = ErrorCode::kCoordinatorLoadInProgress;
    return result;
  }
  if (req.group_id.empty()) {
    result.error = ErrorCode::kInvalidGroupId;
    return result;
  }
  Group* g = find_group(req.group_id);
  for (const LeavingMember& lm : req.members) {
    LeaveMemberResult r{lm.member_id, lm.group_instance_id, ErrorCode::kNone};
    // An unknown group and an unknown member share an error but are checked at different points
    // of Kafka's order.
    // NOLINTNEXTLINE(bugprone-branch-clone): the order of the checks matters.
    if (g == nullptr) {
      r.error = ErrorCode::kUnknownMemberId;
    } else if (lm.member_id.empty()) {
      // Administrative removal by group.instance.id.
      const std::string* id =
          lm.group_instance_id ? g->static_member_id(*lm.group_instance_id) : nullptr;
      if (id == nullptr) {
        r.error = ErrorCode::kUnknownMemberId;
      } else {
        std::string member_id = *id;
        remove_member_and_update(*g, member_id, out);
      }
    } else if (g->pending_members.erase(lm.member_id) != 0) {
      try_complete_join(*g, out);
    } else if (g->is_static_member_fenced(lm.member_id, lm.group_instance_id)) {
      r.error = ErrorCode::kFencedInstanceId;
    } else if (g->find_member(lm.member_id) == nullptr) {
      r.error = ErrorCode::kUnknownMemberId;
    } else {
      spdlog::info("group {}: member {} left", g->id(), lm.member_id);
      remove_member_and_update(*g, lm.member_id, out);
    }
    result.members.push_back(std::move(r));
  }
  return result;
}

}  // namespace sluice::kafka::group
