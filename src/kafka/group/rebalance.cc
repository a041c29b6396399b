// The rebalance state machine (PreparingRebalance → CompletingRebalance, member removal) and the
// timers that drive it. group_coordinator.cc holds the requests that enter it.
#include <algorithm>

#include "common/log.h"
#include "kafka/group/group.h"
#include "kafka/group/group_coordinator.h"

namespace sluice::kafka::group {

// ---------------------------------------------------------------------------------------------
// Rebalance state machine

void GroupCoordinator::maybe_prepare_rebalance(Group& g, Deferred& out) {
  switch (g.state) {
    case GroupState::kEmpty:
    case GroupState::kStable:
    case GroupState::kCompletingRebalance:
      return prepare_rebalance(g, out);
    case GroupState::kPreparingRebalance:
      return try_complete_join(g, out);
    case GroupState::kDead:
      return;
  }
}

void GroupCoordinator::prepare_rebalance(Group& g, Deferred& out) {
  int64_t now = clock_.now_ms();
  if (g.state == GroupState::kCompletingRebalance) {
    reset_pending_syncs(g, ErrorCode::kRebalanceInProgress, out);
  }
  int64_t rebalance_timeout = g.rebalance_timeout_ms();
  if (g.state == GroupState::kEmpty && config_.initial_rebalance_delay_ms > 0) {
    g.in_initial_delay = true;
    g.new_member_added = false;
    g.join_deadline_ms = now + config_.initial_rebalance_delay_ms;
    g.initial_delay_remaining_ms =
        std::max<int64_t>(rebalance_timeout - config_.initial_rebalance_delay_ms, 0);
  } else {
    g.in_initial_delay = false;
    g.join_deadline_ms = now + rebalance_timeout;
  }
  g.transition(GroupState::kPreparingRebalance, now);
  try_complete_join(g, out);
}

void GroupCoordinator::try_complete_join(Group& g, Deferred& out) {
  if (g.state == GroupState::kPreparingRebalance && !g.in_initial_delay && g.all_members_joined()) {
    complete_join(g, out);
  }
}

void GroupCoordinator::reset_pending_syncs(Group& g, ErrorCode error, Deferred& out) {
  for (auto& [id, m] : g.members) {
    if (m.awaiting_sync) {
      out.sync(std::move(m.awaiting_sync), sync_error(error));
      m.awaiting_sync = nullptr;
    }
    m.assignment.clear();
  }
}

// The join phase ends: members that did not rejoin are removed, a new generation starts and
// every parked JoinGroup is answered (the leader gets the members' metadata).
void GroupCoordinator::complete_join(Group& g, Deferred& out) {
  int64_t now = clock_.now_ms();
  std::vector<std::string> gone;
  for (const auto& [id, m] : g.members) {
    if (!m.is_awaiting_join()) gone.push_back(id);
  }
  for (const std::string& id : gone) {
    spdlog::info("group {}: member {} did not rejoin in time and is removed", g.id(), id);
    g.remove_member(id);
  }
  if (g.leader_id.empty() || g.find_member(g.leader_id) == nullptr) {
    g.leader_id = g.first_member();
  }
  g.in_initial_delay = false;
  ++g.generation_id;
  if (g.members.empty()) {
    g.protocol_name.reset();
    g.leader_id.clear();
    g.transition(GroupState::kEmpty, now);
    Status st = store_group(g, nullptr);
    if (!st.is_ok()) {
      spdlog::warn("group {}: storing empty generation failed: {}", g.id(), st.to_string());
    }
    return;
  }
  g.protocol_name = g.select_protocol();
  g.transition(GroupState::kCompletingRebalance, now);
  ++g.rebalances;
  ++total_rebalances_;
  for (auto& [id, m] : g.members) {
    JoinResult r = current_generation_result(g, m);
    out.join(std::move(m.awaiting_join), std::move(r));
    m.awaiting_join = nullptr;
    touch(m);
  }
}

void GroupCoordinator::remove_member_and_update(Group& g, const std::string& member_id,
                                                Deferred& out) {
  Member* m = g.find_member(member_id);
  if (m == nullptr) return;
  if (m->awaiting_join) {
    out.join(std::move(m->awaiting_join), join_error(ErrorCode::kUnknownMemberId));
  }
  if (m->awaiting_sync) {
    out.sync(std::move(m->awaiting_sync), sync_error(ErrorCode::kUnknownMemberId));
  }
  g.remove_member(member_id);
  switch (g.state) {
    case GroupState::kStable:
    case GroupState::kCompletingRebalance:
      return prepare_rebalance(g, out);
    case GroupState::kPreparingRebalance:
      return try_complete_join(g, out);
    case GroupState::kEmpty:
    case GroupState::kDead:
      return;
  }
}

// ---------------------------------------------------------------------------------------------
// Timers

void GroupCoordinator::tick() {
  Deferred out;
  std::lock_guard<std::mutex> lock(mu_);
  if (!loaded_) return;
  int64_t now = clock_.now_ms();
  std::vector<std::string> ids;
  ids.reserve(groups_.size());
  for (const auto& [id, g] : groups_) ids.push_back(id);
  for (const std::string& id : ids) {
    Group* g = find_group(id);
    if (g == nullptr) continue;
    bool pending_expired = false;
    for (auto it = g->pending_members.begin(); it != g->pending_members.end();) {
      if (it->second <= now) {
        it = g->pending_members.erase(it);
        pending_expired = true;
      } else {
        ++it;
      }
    }
    if (pending_expired) try_complete_join(*g, out);

    // A member parked in JoinGroup or SyncGroup is alive by definition; the join phase's own
    // deadline bounds how long it can stay parked.
    std::vector<std::string> expired;
    for (const auto& [mid, m] : g->members) {
      if (!m.is_awaiting_join() && !m.is_awaiting_sync() && m.heartbeat_deadline_ms <= now) {
        expired.push_back(mid);
      }
    }
    for (const std::string& mid : expired) {
      spdlog::info("group {}: member {} session expired", id, mid);
      remove_member_and_update(*g, mid, out);
    }

    if (g->state == GroupState::kPreparingRebalance && g->join_deadline_ms <= now) {
      if (g->in_initial_delay && g->new_member_added && g->initial_delay_remaining_ms > 0) {
        int64_t delay = std::min(config_.initial_rebalance_delay_ms, g->initial_delay_remaining_ms);
        g->initial_delay_remaining_ms -= delay;
        g->new_member_added = false;
        g->join_deadline_ms = now + delay;
      } else {
        complete_join(*g, out);
      }
    }
    drop_group_if_unused(id);
  }
  if (config_.offsets_retention_ms > 0 && now >= next_retention_check_ms_) {
    next_retention_check_ms_ = now + config_.offsets_retention_check_interval_ms;
    expire_offsets(now);
  }
}

}  // namespace sluice::kafka::group
