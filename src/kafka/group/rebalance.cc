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
  g.pending_sync.clear();
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

// The join phase ends: dynamic members that did not rejoin are removed (static ones stay until
// their session expires, KIP-345), a new generation starts and every parked JoinGroup is answered
// (the leader gets the members' metadata). Every member then has the rebalance timeout to send
// its SyncGroup.
void GroupCoordinator::complete_join(Group& g, Deferred& out) {
  int64_t now = clock_.now_ms();
  std::vector<std::string> gone;
  for (const auto& [id, m] : g.members) {
    if (!m.is_awaiting_join() && !m.group_instance_id) gone.push_back(id);
  }
  for (const std::string& id : gone) {
    spdlog::info("group {}: member {} did not rejoin in time and is removed", g.id(), id);
    g.remove_member(id);
  }
  g.in_initial_delay = false;
  const Member* leader = g.find_member(g.leader_id);
  if (leader == nullptr || !leader->is_awaiting_join()) {
    g.leader_id = g.first_member([](const Member& m) { return m.is_awaiting_join(); });
  }
  if (g.leader_id.empty() && !g.members.empty()) {
    // Only absent static members remain: wait another rebalance timeout for them to rejoin or for
    // their sessions to expire.
    spdlog::info("group {}: no member rejoined; waiting for static members", g.id());
    g.join_deadline_ms = now + g.rebalance_timeout_ms();
    return;
  }
  ++g.generation_id;
  g.pending_sync.clear();
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
  g.sync_deadline_ms = now + g.rebalance_timeout_ms();
  ++g.rebalances;
  ++total_rebalances_;
  for (auto& [id, m] : g.members) {
    if (m.awaiting_join) {
      out.join(std::move(m.awaiting_join), current_generation_result(g, m));
      m.awaiting_join = nullptr;
    }
    touch(m);
    g.pending_sync.insert(id);
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

    // Members that got the new generation but never asked for their assignment are removed.
    if ((g->state == GroupState::kCompletingRebalance || g->state == GroupState::kStable) &&
        !g->pending_sync.empty() && g->sync_deadline_ms <= now) {
      std::vector<std::string> silent(g->pending_sync.begin(), g->pending_sync.end());
      for (const std::string& mid : silent) {
        spdlog::info("group {}: member {} did not sync in time and is removed", id, mid);
        Member* m = g->find_member(mid);
        if (m != nullptr && m->awaiting_join) {
          out.join(std::move(m->awaiting_join), join_error(ErrorCode::kUnknownMemberId));
        }
        g->remove_member(mid);
      }
      prepare_rebalance(*g, out);
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
