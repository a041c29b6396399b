// Offsets, administration, persistence, loading and metrics of the group coordinator.
// group_coordinator.cc holds the membership protocol.
#include "kafka/group/group_coordinator.h"

#include <algorithm>
#include <set>

#include "common/log.h"
#include "kafka/group/group.h"
#include "kafka/group/records.h"

namespace sluice::kafka::group {

// ---------------------------------------------------------------------------------------------
// Persistence

Status GroupCoordinator::store_group(Group& g, const std::map<std::string, Bytes>* assignments) {
  GroupValue v;
  v.protocol_type = g.protocol_type;
  v.generation_id = g.generation_id;
  v.protocol_name = g.protocol_name;
  if (!g.leader_id.empty()) v.leader_id = g.leader_id;
  v.current_state_timestamp_ms = g.state_timestamp_ms;
  std::vector<const Member*> ordered;
  for (const auto& [id, m] : g.members) ordered.push_back(&m);
  std::sort(ordered.begin(), ordered.end(),
            [](const Member* a, const Member* b) { return a->join_seq < b->join_seq; });
  for (const Member* m : ordered) {
    StoredMember sm;
    sm.member_id = m->member_id;
    sm.group_instance_id = m->group_instance_id;
    sm.client_id = m->client_id;
    sm.client_host = m->client_host;
    sm.rebalance_timeout_ms = m->rebalance_timeout_ms;
    sm.session_timeout_ms = m->session_timeout_ms;
    if (g.protocol_name) {
      if (const Bytes* md = m->metadata_for(*g.protocol_name)) sm.subscription = *md;
    }
    if (assignments != nullptr) {
      auto it = assignments->find(m->member_id);
      if (it != assignments->end()) sm.assignment = it->second;
    } else {
      sm.assignment = m->assignment;
    }
    v.members.push_back(std::move(sm));
  }
  std::vector<KeyValue> records;
  records.push_back({encode_key(GroupKey{g.id()}), encode_value(v)});
  SLUICE_RETURN_IF_ERROR(store_.append(std::move(records)));
  g.has_metadata_record = true;
  return Status::ok();
}

Status GroupCoordinator::load(ByteSpan key, std::optional<ByteSpan> value) {
  std::lock_guard<std::mutex> lock(mu_);
  if (loaded_) return Status::internal("group coordinator: load() after complete_load()");
  auto k = decode_key(key);
  if (!k.is_ok()) return k.status();
  if (const auto* ok = std::get_if<OffsetKey>(&k.value())) {
    TopicPartition tp{ok->topic, ok->partition};
    if (!value) {
      if (Group* g = find_group(ok->group_id)) g->offsets.erase(tp);
      return Status::ok();
    }
    auto v = decode_offset_value(*value);
    if (!v.is_ok()) return v.status();
    Group& g = get_or_create_group(ok->group_id);
    g.offsets[tp] =
        OffsetEntry{v->offset, v->leader_epoch, std::move(v->metadata), v->commit_timestamp_ms};
    return Status::ok();
  }
  const auto& gk = std::get<GroupKey>(k.value());
  Group& g = get_or_create_group(gk.group_id);
  g.members.clear();
  g.static_members.clear();
  g.leader_id.clear();
  g.protocol_name.reset();
  g.protocol_type.clear();
  g.generation_id = 0;
  g.has_metadata_record = false;
  if (!value) return Status::ok();
  auto v = decode_group_value(*value);
  if (!v.is_ok()) return v.status();
  g.has_metadata_record = true;
  g.protocol_type = v->protocol_type;
  g.generation_id = v->generation_id;
  g.protocol_name = v->protocol_name;
  g.leader_id = v->leader_id.value_or("");
  g.state_timestamp_ms = v->current_state_timestamp_ms;
  for (StoredMember& sm : v->members) {
    Member m;
    m.member_id = sm.member_id;
    m.group_instance_id = sm.group_instance_id;
    m.client_id = std::move(sm.client_id);
    m.client_host = std::move(sm.client_host);
    m.session_timeout_ms = sm.session_timeout_ms;
    m.rebalance_timeout_ms = sm.rebalance_timeout_ms;
    m.protocol_type = g.protocol_type;
    if (g.protocol_name) m.protocols.push_back({*g.protocol_name, std::move(sm.subscription)});
    m.assignment = std::move(sm.assignment);
    m.join_seq = g.next_join_seq++;
    if (m.group_instance_id) g.static_members[*m.group_instance_id] = m.member_id;
    g.members.emplace(sm.member_id, std::move(m));
  }
  if (!g.members.empty() && g.find_member(g.leader_id) == nullptr) g.leader_id = g.first_member();
  return Status::ok();
}

void GroupCoordinator::complete_load() {
  std::lock_guard<std::mutex> lock(mu_);
  if (loaded_) return;
  int64_t now = clock_.now_ms();
  std::vector<std::string> ids;
  for (auto& [id, g] : groups_) {
    if (g->state_timestamp_ms < 0) g->state_timestamp_ms = now;
    // Members of a loaded generation carry on; those that stopped heartbeating expire as usual.
    if (!g->members.empty() && g->protocol_name) {
      g->state = GroupState::kStable;
      for (auto& [mid, m] : g->members) touch(m);
    } else {
      g->members.clear();
      g->static_members.clear();
      g->state = GroupState::kEmpty;
    }
    ids.push_back(id);
  }
  loaded_ = true;
  for (const std::string& id : ids) drop_group_if_unused(id);
  next_retention_check_ms_ = now;
}

// ---------------------------------------------------------------------------------------------
// OffsetCommit / OffsetFetch

std::vector<CommitPartitionResult> GroupCoordinator::commit_offsets(
    const OffsetCommitRequest& req) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<CommitPartitionResult> results;
  results.reserve(req.partitions.size());
  auto all = [&](ErrorCode e) {
    for (const CommitPartition& p : req.partitions) results.push_back({p.topic, p.partition, e});
    return results;
  };
  if (!loaded_) return all(ErrorCode::kCoordinatorLoadInProgress);
  // An empty group id is legal here, as in Kafka, for old standalone consumers.
  if (req.group_id.size() > kMaxRecordString) return all(ErrorCode::kInvalidGroupId);

  Group* g = find_group(req.group_id);
  if (g == nullptr) {
    // Without group management (generation -1) the group exists only to hold offsets.
    if (req.generation_id >= 0) return all(ErrorCode::kIllegalGeneration);
    g = &get_or_create_group(req.group_id);
  }
  if (g->state == GroupState::kDead) return all(ErrorCode::kCoordinatorNotAvailable);
  if (g->is_static_member_fenced(req.member_id, req.group_instance_id)) {
    return all(ErrorCode::kFencedInstanceId);
  }
  if (!(req.generation_id < 0 && g->state == GroupState::kEmpty)) {
    Member* m = g->find_member(req.member_id);
    if (m == nullptr) return all(ErrorCode::kUnknownMemberId);
    if (req.generation_id != g->generation_id) return all(ErrorCode::kIllegalGeneration);
    if (g->state == GroupState::kCompletingRebalance) return all(ErrorCode::kRebalanceInProgress);
    // Stable or PreparingRebalance: commits are allowed while a rebalance is pending; the member
    // learns of it from its next heartbeat.
    touch(*m);
  }

  write_offsets(*g, req.group_id, req.partitions, results);
  drop_group_if_unused(req.group_id);
  return results;
}

void GroupCoordinator::write_offsets(Group& g, const std::string& group_id,
                                     const std::vector<CommitPartition>& partitions,
                                     std::vector<CommitPartitionResult>& results) {
  int64_t now = clock_.now_ms();
  const size_t base = results.size();
  std::vector<KeyValue> records;
  std::vector<size_t> written;  // indexes into partitions
  for (size_t i = 0; i < partitions.size(); ++i) {
    const CommitPartition& p = partitions[i];
    ErrorCode e = ErrorCode::kNone;
    if (p.metadata && p.metadata->size() > config_.max_metadata_size) {
      e = ErrorCode::kOffsetMetadataTooLarge;
    } else if (p.topic.empty() || p.topic.size() > kMaxRecordString || p.partition < 0) {
      e = ErrorCode::kUnknownTopicOrPartition;
    }
    results.push_back({p.topic, p.partition, e});
    if (e != ErrorCode::kNone) continue;
    OffsetValue v{p.offset, p.leader_epoch, p.metadata.value_or(""), now};
    records.push_back({encode_key(OffsetKey{group_id, p.topic, p.partition}), encode_value(v)});
    written.push_back(i);
  }
  if (!records.empty()) {
    Status st = store_.append(std::move(records));
    if (!st.is_ok()) {
      spdlog::warn("group {}: storing offsets failed: {}", group_id, st.to_string());
      for (size_t i : written) results[base + i].error = ErrorCode::kCoordinatorNotAvailable;
      return;
    }
    for (size_t i : written) {
      const CommitPartition& p = partitions[i];
      g.offsets[TopicPartition{p.topic, p.partition}] =
          OffsetEntry{p.offset, p.leader_epoch, p.metadata.value_or(""), now};
    }
  }
}

ErrorCode GroupCoordinator::validate_txn_commit(const std::string& group_id, int32_t generation_id,
                                                const std::string& member_id,
                                                const std::optional<std::string>& instance_id) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!loaded_) return ErrorCode::kCoordinatorLoadInProgress;
  if (group_id.empty() || group_id.size() > kMaxRecordString) return ErrorCode::kInvalidGroupId;
  Group* g = find_group(group_id);
  if (g == nullptr) return ErrorCode::kNone;  // created when the offsets are committed
  if (g->state == GroupState::kDead) return ErrorCode::kCoordinatorNotAvailable;
  if (g->is_static_member_fenced(member_id, instance_id)) return ErrorCode::kFencedInstanceId;
  if (!member_id.empty() && g->find_member(member_id) == nullptr) {
    return ErrorCode::kUnknownMemberId;
  }
  if (generation_id >= 0 && generation_id != g->generation_id) {
    return ErrorCode::kIllegalGeneration;
  }
  return ErrorCode::kNone;
}

std::vector<CommitPartitionResult> GroupCoordinator::commit_txn_offsets(
    const std::string& group_id, const std::vector<CommitPartition>& partitions) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<CommitPartitionResult> results;
  Group& g = get_or_create_group(group_id);
  write_offsets(g, group_id, partitions, results);
  drop_group_if_unused(group_id);
  return results;
}

OffsetFetchResult GroupCoordinator::fetch_offsets(const OffsetFetchRequest& req) {
  std::lock_guard<std::mutex> lock(mu_);
  OffsetFetchResult result;
  if (!loaded_) {
    result.error = ErrorCode::kCoordinatorLoadInProgress;
    return result;
  }
  Group* g = find_group(req.group_id);
  auto fill = [](FetchedOffset& f, const OffsetEntry& e) {
    f.offset = e.offset;
    f.leader_epoch = e.leader_epoch;
    f.metadata = e.metadata;
  };
  if (!req.partitions) {
    if (g == nullptr) return result;
    for (const auto& [tp, e] : g->offsets) {
      FetchedOffset f;
      f.topic = tp.topic;
      f.partition = tp.partition;
      fill(f, e);
      result.partitions.push_back(std::move(f));
    }
    return result;
  }
  for (const TopicPartition& tp : *req.partitions) {
    FetchedOffset f;
    f.topic = tp.topic;
    f.partition = tp.partition;
    if (g != nullptr) {
      auto it = g->offsets.find(tp);
      if (it != g->offsets.end()) fill(f, it->second);
    }
    result.partitions.push_back(std::move(f));
  }
  return result;
}

// Kafka's KIP-211 rule: offsets of a group that uses group management expire once the group has
// been Empty for the retention period; a standalone group's offsets expire one by one, retention
// after their commit. A group left Empty with no offsets is then removed.
void GroupCoordinator::expire_offsets(int64_t now) {
  std::vector<std::string> ids;
  for (const auto& [id, g] : groups_) ids.push_back(id);
  for (const std::string& id : ids) {
    Group& g = *groups_.at(id);
    if (g.state != GroupState::kEmpty) continue;
    std::vector<TopicPartition> expired;
    for (const auto& [tp, e] : g.offsets) {
      int64_t since = g.protocol_type.empty() ? e.commit_timestamp_ms : g.state_timestamp_ms;
      // Timestamps come from disk and may be anything: compare without subtracting them.
      if (since <= now - config_.offsets_retention_ms) expired.push_back(tp);
    }
    bool remove_group =
        g.members.empty() && g.pending_members.empty() && expired.size() == g.offsets.size();
    std::vector<KeyValue> records;
    records.reserve(expired.size());
    for (const TopicPartition& tp : expired) {
      records.push_back({encode_key(OffsetKey{id, tp.topic, tp.partition}), std::nullopt});
    }
    if (remove_group && g.has_metadata_record) {
      records.push_back({encode_key(GroupKey{id}), std::nullopt});
    }
    if (records.empty()) continue;
    Status st = store_.append(std::move(records));
    if (!st.is_ok()) {
      spdlog::warn("group {}: expiring offsets failed: {}", id, st.to_string());
      continue;
    }
    if (!expired.empty()) spdlog::info("group {}: expired {} offsets", id, expired.size());
    for (const TopicPartition& tp : expired) g.offsets.erase(tp);
    if (remove_group) groups_.erase(id);
  }
}

// ---------------------------------------------------------------------------------------------
// ListGroups / DescribeGroups / DeleteGroups

std::vector<GroupListing> GroupCoordinator::list_groups(const std::vector<GroupState>& states) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<GroupListing> out;
  for (const auto& [id, g] : groups_) {
    if (g->state == GroupState::kDead) continue;
    if (!states.empty() && std::find(states.begin(), states.end(), g->state) == states.end()) {
      continue;
    }
    out.push_back({id, g->protocol_type, g->state});
  }
  return out;
}

std::vector<GroupDescription> GroupCoordinator::describe_groups(
    const std::vector<std::string>& group_ids) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<GroupDescription> out;
  for (const std::string& id : group_ids) {
    GroupDescription d;
    d.group_id = id;
    if (!loaded_) {
      d.error = ErrorCode::kCoordinatorLoadInProgress;
      out.push_back(std::move(d));
      continue;
    }
    Group* g = find_group(id);
    if (g == nullptr) {
      out.push_back(std::move(d));  // Dead, no error: what Kafka answers for unknown groups
      continue;
    }
    d.state = g->state;
    d.protocol_type = g->protocol_type;
    bool stable = g->state == GroupState::kStable && g->protocol_name;
    if (stable) d.protocol_name = *g->protocol_name;
    std::vector<const Member*> ordered;
    for (const auto& [mid, m] : g->members) ordered.push_back(&m);
    std::sort(ordered.begin(), ordered.end(),
              [](const Member* a, const Member* b) { return a->join_seq < b->join_seq; });
    for (const Member* m : ordered) {
      DescribedMember dm;
      dm.member_id = m->member_id;
      dm.group_instance_id = m->group_instance_id;
      dm.client_id = m->client_id;
      dm.client_host = m->client_host;
      if (stable) {
        if (const Bytes* md = m->metadata_for(*g->protocol_name)) dm.metadata = *md;
        dm.assignment = m->assignment;
      }
      d.members.push_back(std::move(dm));
    }
    out.push_back(std::move(d));
  }
  return out;
}

std::vector<DeleteGroupResult> GroupCoordinator::delete_groups(
    const std::vector<std::string>& group_ids) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<DeleteGroupResult> out;
  for (const std::string& id : group_ids) {
    DeleteGroupResult r{id, ErrorCode::kNone};
    Group* g = loaded_ ? find_group(id) : nullptr;
    if (!loaded_) {
      r.error = ErrorCode::kCoordinatorLoadInProgress;
    } else if (id.size() > kMaxRecordString) {
      r.error = ErrorCode::kInvalidGroupId;
    } else if (g == nullptr || g->state == GroupState::kDead) {
      r.error = ErrorCode::kGroupIdNotFound;
    } else if (g->state != GroupState::kEmpty) {
      r.error = ErrorCode::kNonEmptyGroup;
    } else {
      std::vector<KeyValue> records;
      for (const auto& [tp, e] : g->offsets) {
        records.push_back({encode_key(OffsetKey{id, tp.topic, tp.partition}), std::nullopt});
      }
      records.push_back({encode_key(GroupKey{id}), std::nullopt});
      Status st = store_.append(std::move(records));
      if (!st.is_ok()) {
        spdlog::warn("group {}: delete failed: {}", id, st.to_string());
        r.error = ErrorCode::kCoordinatorNotAvailable;
      } else {
        g->transition(GroupState::kDead, clock_.now_ms());
        groups_.erase(id);
      }
    }
    out.push_back(std::move(r));
  }
  return out;
}

namespace {

// The topics a consumer-protocol subscription names (ConsumerProtocolSubscription: int16
// version, then an array of int16-length strings; the rest does not matter here). Empty when the
// bytes are not such a subscription.
std::vector<std::string> subscription_topics(const Bytes& metadata) {
  std::vector<std::string> topics;
  ByteReader r(ByteSpan(metadata.data(), metadata.size()));
  r.get_i16();
  int32_t n = r.get_i32();
  for (int32_t i = 0; r.ok() && i < n; ++i) {
    int16_t len = r.get_i16();
    if (!r.ok() || len < 0 || static_cast<size_t>(len) > r.remaining()) break;
    ByteSpan s = r.get_bytes(static_cast<size_t>(len));
    topics.emplace_back(reinterpret_cast<const char*>(s.data()), s.size());
  }
  return topics;
}

}  // namespace

DeleteOffsetsResult GroupCoordinator::delete_offsets(
    const std::string& group_id, const std::vector<TopicPartition>& partitions) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!loaded_) return {ErrorCode::kCoordinatorLoadInProgress, {}};
  Group* g = find_group(group_id);
  if (g == nullptr || g->state == GroupState::kDead) return {ErrorCode::kGroupIdNotFound, {}};
  std::set<std::string> subscribed;
  if (g->state != GroupState::kEmpty) {
    if (g->protocol_type != "consumer" || !g->protocol_name) return {ErrorCode::kNonEmptyGroup, {}};
    for (const auto& [id, m] : g->members) {
      if (const Bytes* md = m.metadata_for(*g->protocol_name)) {
        for (std::string& t : subscription_topics(*md)) subscribed.insert(std::move(t));
      }
    }
  }
  DeleteOffsetsResult out;
  std::vector<KeyValue> records;
  for (const TopicPartition& tp : partitions) {
    if (subscribed.count(tp.topic)) {
      out.partitions.push_back({tp.topic, tp.partition, ErrorCode::kGroupSubscribedToTopic});
      continue;
    }
    out.partitions.push_back({tp.topic, tp.partition, ErrorCode::kNone});
    if (g->offsets.count(tp)) {
      records.push_back({encode_key(OffsetKey{group_id, tp.topic, tp.partition}), std::nullopt});
    }
  }
  if (records.empty()) return out;
  if (Status st = store_.append(std::move(records)); !st.is_ok()) {
    spdlog::warn("group {}: deleting offsets failed: {}", group_id, st.to_string());
    for (auto& p : out.partitions) {
      if (p.error == ErrorCode::kNone) p.error = ErrorCode::kCoordinatorNotAvailable;
    }
    return out;
  }
  for (const auto& p : out.partitions) {
    if (p.error == ErrorCode::kNone) g->offsets.erase(TopicPartition{p.topic, p.partition});
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Observability

std::vector<CommittedOffset> GroupCoordinator::committed_offsets() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<CommittedOffset> out;
  for (const auto& [id, g] : groups_) {
    for (const auto& [tp, e] : g->offsets) out.push_back({id, tp.topic, tp.partition, e.offset});
  }
  return out;
}

std::vector<GroupStats> GroupCoordinator::group_stats() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<GroupStats> out;
  for (const auto& [id, g] : groups_) {
    out.push_back({id, g->state, g->generation_id, g->members.size(), g->rebalances});
  }
  return out;
}

uint64_t GroupCoordinator::total_rebalances() {
  std::lock_guard<std::mutex> lock(mu_);
  return total_rebalances_;
}

void GroupCoordinator::collect_metrics(MetricsWriter& out) {
  for (const GroupStats& s : group_stats()) {
    Labels labels{{"group", s.group_id}};
    out.gauge("sluice_group_members", "Members of a consumer group", labels,
              static_cast<double>(s.members));
    out.gauge("sluice_group_generation", "Current generation of a consumer group", labels,
              s.generation_id);
    out.counter("sluice_group_rebalances_total",
                "Join phases a consumer group completed since start", labels,
                static_cast<double>(s.rebalances));
    Labels state_labels{{"group", s.group_id}, {"state", std::string(group_state_name(s.state))}};
    out.gauge("sluice_group_state", "1 for the state a consumer group is in", state_labels, 1);
  }
}

}  // namespace sluice::kafka::group
