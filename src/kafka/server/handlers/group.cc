// Consumer groups: JoinGroup, SyncGroup, Heartbeat, LeaveGroup, OffsetCommit, OffsetFetch,
// ListGroups, DescribeGroups, DeleteGroups — protocol structs mapped to the coordinator's types.
#include <boost/asio/post.hpp>

#include "kafka/server/broker.h"

namespace sluice::kafka {

namespace {

int16_t wire(group::ErrorCode e) {
  return group::to_wire(e);
}

std::string client_host(const ConnectionInfo& conn) {
  size_t colon = conn.peer.rfind(':');
  return "/" + (colon == std::string::npos ? conn.peer : conn.peer.substr(0, colon));
}

}  // namespace

void Broker::handle_join_group(const RequestContextPtr& ctx, JoinGroupRequest& req) {
  group::JoinRequest j;
  j.group_id = std::move(req.group_id);
  j.member_id = std::move(req.member_id);
  j.group_instance_id = std::move(req.group_instance_id);
  j.client_id = ctx->header.client_id.value_or("");
  j.client_host = client_host(ctx->conn);
  j.session_timeout_ms = req.session_timeout_ms;
  // v0 has no rebalance timeout: Kafka uses the session timeout.
  j.rebalance_timeout_ms = ctx->version >= 1 ? req.rebalance_timeout_ms : req.session_timeout_ms;
  j.protocol_type = std::move(req.protocol_type);
  for (auto& p : req.protocols) j.protocols.push_back({std::move(p.name), std::move(p.metadata)});
  j.require_known_member_id = ctx->version >= 4;
  coordinator_->join_group(std::move(j), [this, ctx](group::JoinResult r) {
    JoinGroupResponse resp;
    resp.error_code = wire(r.error);
    resp.generation_id = r.generation_id;
    resp.protocol_type = r.protocol_type;
    // Before v7 the protocol name is not nullable.
    resp.protocol_name = ctx->version >= 7
                             ? r.protocol_name
                             : std::optional<std::string>(r.protocol_name.value_or(""));
    resp.leader = r.leader_id;
    resp.member_id = r.member_id;
    for (auto& m : r.members)
      resp.members.push_back(
          {std::move(m.member_id), std::move(m.group_instance_id), std::move(m.metadata)});
    respond(ctx, resp);
  });
}

void Broker::handle_sync_group(const RequestContextPtr& ctx, SyncGroupRequest& req) {
  group::SyncRequest s;
  s.group_id = std::move(req.group_id);
  s.generation_id = req.generation_id;
  s.member_id = std::move(req.member_id);
  s.group_instance_id = std::move(req.group_instance_id);
  s.protocol_type = std::move(req.protocol_type);
  s.protocol_name = std::move(req.protocol_name);
  for (auto& a : req.assignments)
    s.assignments.push_back({std::move(a.member_id), std::move(a.assignment)});
  coordinator_->sync_group(std::move(s), [this, ctx](group::SyncResult r) {
    SyncGroupResponse resp;
    resp.error_code = wire(r.error);
    resp.protocol_type = r.protocol_type;
    resp.protocol_name = r.protocol_name;
    resp.assignment = std::move(r.assignment);
    respond(ctx, resp);
  });
}

void Broker::handle_heartbeat(const RequestContextPtr& ctx, const HeartbeatRequest& req) {
  HeartbeatResponse resp;
  resp.error_code = wire(coordinator_->heartbeat(
      {req.group_id, req.generation_id, req.member_id, req.group_instance_id}));
  respond(ctx, resp);
}

void Broker::handle_leave_group(const RequestContextPtr& ctx, const LeaveGroupRequest& req) {
  group::LeaveRequest l;
  l.group_id = req.group_id;
  if (ctx->version < 3) {
    l.members.push_back({req.member_id, std::nullopt});
  } else {
    for (const auto& m : req.members) l.members.push_back({m.member_id, m.group_instance_id});
  }
  auto r = coordinator_->leave_group(l);
  LeaveGroupResponse resp;
  resp.error_code = wire(r.error);
  if (ctx->version < 3) {
    // One member: its error is the response's error.
    if (resp.error_code == 0 && !r.members.empty()) resp.error_code = wire(r.members[0].error);
  } else {
    for (const auto& m : r.members)
      resp.members.push_back({m.member_id, m.group_instance_id, wire(m.error)});
  }
  respond(ctx, resp);
}

void Broker::handle_offset_commit(const RequestContextPtr& ctx, const OffsetCommitRequest& req) {
  group::OffsetCommitRequest c;
  c.group_id = req.group_id;
  c.generation_id = req.generation_id;
  c.member_id = req.member_id;
  c.group_instance_id = req.group_instance_id;
  // As Kafka: a partition that does not exist gets UNKNOWN_TOPIC_OR_PARTITION and is not
  // committed (nothing is stored for it); the others go to the coordinator. `known[i]` says
  // which, in request order.
  std::vector<bool> known;
  for (const auto& t : req.topics) {
    for (const auto& p : t.partitions) {
      known.push_back(log_.partition(t.name, p.partition_index) != nullptr);
      if (!known.back()) continue;
      c.partitions.push_back({t.name, p.partition_index, p.committed_offset,
                              p.committed_leader_epoch, p.committed_metadata});
    }
  }
  // The commit is appended to __consumer_offsets with fsync=always: keep the I/O loop free.
  boost::asio::post(blocking_pool_, [this, ctx, req, known = std::move(known), c = std::move(c)] {
    std::vector<group::CommitPartitionResult> results;
    if (!c.partitions.empty()) results = coordinator_->commit_offsets(c);
    OffsetCommitResponse resp;
    size_t i = 0, committed = 0;
    for (const auto& t : req.topics) {
      resp.topics.push_back({t.name, {}});
      for (const auto& p : t.partitions) {
        int16_t error = to_wire(ErrorCode::kUnknownTopicOrPartition);
        if (known[i++]) error = committed < results.size() ? wire(results[committed++].error) : 0;
        resp.topics.back().partitions.push_back({p.partition_index, error});
      }
    }
    respond(ctx, resp);
  });
}

void Broker::handle_offset_fetch(const RequestContextPtr& ctx, const OffsetFetchRequest& req) {
  auto fetch_group = [&](const std::string& group_id,
                         const std::optional<std::vector<OffsetFetchRequest::Topic>>& topics) {
    group::OffsetFetchRequest f;
    f.group_id = group_id;
    if (topics) {
      f.partitions.emplace();
      for (const auto& t : *topics) {
        for (int32_t p : t.partition_indexes) f.partitions->push_back({t.name, p});
      }
    }
    auto r = coordinator_->fetch_offsets(f);
    std::vector<OffsetFetchResponse::Topic> out;
    for (const auto& p : r.partitions) {
      if (out.empty() || out.back().name != p.topic) out.push_back({p.topic, {}});
      int16_t error = wire(p.error);
      // KIP-447: a consumer that asks for stable offsets waits (retriable error) while a
      // transaction holds offsets of this partition that it may commit.
      if (req.require_stable && error == 0 &&
          transactions_->has_pending_offsets(group_id, {p.topic, p.partition})) {
        error = static_cast<int16_t>(ErrorCode::kUnstableOffsetCommit);
      }
      out.back().partitions.push_back({p.partition, p.offset, p.leader_epoch, p.metadata, error});
    }
    return std::make_pair(wire(r.error), std::move(out));
  };
  OffsetFetchResponse resp;
  if (ctx->version >= 8) {
    for (const auto& g : req.groups) {
      auto [err, topics] = fetch_group(g.group_id, g.topics);
      resp.groups.push_back({g.group_id, std::move(topics), err});
    }
  } else {
    auto [err, topics] = fetch_group(req.group_id, req.topics);
    resp.error_code = err;
    resp.topics = std::move(topics);
    // v0-1 have no top-level error: report it on each partition.
    if (ctx->version < 2 && err != 0) {
      for (auto& t : resp.topics) {
        for (auto& p : t.partitions) p.error_code = err;
      }
    }
  }
  respond(ctx, resp);
}

void Broker::handle_list_groups(const RequestContextPtr& ctx, const ListGroupsRequest& req) {
  std::vector<group::GroupState> states;
  for (const auto& s : req.states_filter) {
    if (auto st = group::parse_group_state(s)) states.push_back(*st);
  }
  ListGroupsResponse resp;
  if (!req.states_filter.empty() && states.empty()) {
    respond(ctx, resp);  // only unknown states asked for: nothing matches
    return;
  }
  for (const auto& g : coordinator_->list_groups(states)) {
    resp.groups.push_back(
        {g.group_id, g.protocol_type, std::string(group::group_state_name(g.state))});
  }
  respond(ctx, resp);
}

void Broker::handle_describe_groups(const RequestContextPtr& ctx,
                                    const DescribeGroupsRequest& req) {
  DescribeGroupsResponse resp;
  for (auto& g : coordinator_->describe_groups(req.groups)) {
    DescribeGroupsResponse::Group out;
    out.error_code = wire(g.error);
    out.group_id = g.group_id;
    out.group_state = std::string(group::group_state_name(g.state));
    out.protocol_type = g.protocol_type;
    out.protocol_data = g.protocol_name;
    for (auto& m : g.members) {
      out.members.push_back({m.member_id, m.group_instance_id, m.client_id, m.client_host,
                             std::move(m.metadata), std::move(m.assignment)});
    }
    resp.groups.push_back(std::move(out));
  }
  respond(ctx, resp);
}

void Broker::handle_offset_delete(const RequestContextPtr& ctx, const OffsetDeleteRequest& req) {
  std::vector<group::TopicPartition> partitions;
  for (const auto& t : req.topics) {
    for (const auto& p : t.partitions) partitions.push_back({t.name, p.partition_index});
  }
  // Tombstones go to __consumer_offsets with fsync=always: keep the I/O loop free.
  boost::asio::post(
      blocking_pool_, [this, ctx, group_id = req.group_id, partitions = std::move(partitions)] {
        group::DeleteOffsetsResult r = coordinator_->delete_offsets(group_id, partitions);
        OffsetDeleteResponse resp;
        resp.error_code = wire(r.error);
        for (const auto& p : r.partitions) {
          if (resp.topics.empty() || resp.topics.back().name != p.topic)
            resp.topics.push_back({p.topic, {}});
          resp.topics.back().partitions.push_back({p.partition, wire(p.error)});
        }
        respond(ctx, resp);
      });
}

void Broker::handle_delete_groups(const RequestContextPtr& ctx, const DeleteGroupsRequest& req) {
  DeleteGroupsResponse resp;
  for (const auto& r : coordinator_->delete_groups(req.groups_names))
    resp.results.push_back({r.group_id, wire(r.error)});
  respond(ctx, resp);
}

}  // namespace sluice::kafka
