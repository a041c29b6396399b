// One group's membership helpers: lookup, leader choice, protocol agreement.
#include "kafka/group/group.h"

#include <algorithm>
#include <cctype>

namespace sluice::kafka::group {

std::string_view group_state_name(GroupState s) {
  switch (s) {
    case GroupState::kEmpty:
      return "Empty";
    case GroupState::kPreparingRebalance:
      return "PreparingRebalance";
    case GroupState::kCompletingRebalance:
      return "CompletingRebalance";
    case GroupState::kStable:
      return "Stable";
    case GroupState::kDead:
      return "Dead";
  }
  return "Unknown";
}

std::optional<GroupState> parse_group_state(std::string_view name) {
  auto lower = [](std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
  };
  std::string want = lower(name);
  for (GroupState s : {GroupState::kEmpty, GroupState::kPreparingRebalance,
                       GroupState::kCompletingRebalance, GroupState::kStable, GroupState::kDead}) {
    if (lower(group_state_name(s)) == want) return s;
  }
  return std::nullopt;
}

std::string_view error_name(ErrorCode e) {
  switch (e) {
    case ErrorCode::kNone:
      return "NONE";
    case ErrorCode::kUnknownServerError:
      return "UNKNOWN_SERVER_ERROR";
    case ErrorCode::kUnknownTopicOrPartition:
      return "UNKNOWN_TOPIC_OR_PARTITION";
    case ErrorCode::kOffsetMetadataTooLarge:
      return "OFFSET_METADATA_TOO_LARGE";
    case ErrorCode::kCoordinatorLoadInProgress:
      return "COORDINATOR_LOAD_IN_PROGRESS";
    case ErrorCode::kCoordinatorNotAvailable:
      return "COORDINATOR_NOT_AVAILABLE";
    case ErrorCode::kNotCoordinator:
      return "NOT_COORDINATOR";
    case ErrorCode::kIllegalGeneration:
      return "ILLEGAL_GENERATION";
    case ErrorCode::kInconsistentGroupProtocol:
      return "INCONSISTENT_GROUP_PROTOCOL";
    case ErrorCode::kInvalidGroupId:
      return "INVALID_GROUP_ID";
    case ErrorCode::kUnknownMemberId:
      return "UNKNOWN_MEMBER_ID";
    case ErrorCode::kInvalidSessionTimeout:
      return "INVALID_SESSION_TIMEOUT";
    case ErrorCode::kRebalanceInProgress:
      return "REBALANCE_IN_PROGRESS";
    case ErrorCode::kInvalidCommitOffsetSize:
      return "INVALID_COMMIT_OFFSET_SIZE";
    case ErrorCode::kInvalidRequest:
      return "INVALID_REQUEST";
    case ErrorCode::kNonEmptyGroup:
      return "NON_EMPTY_GROUP";
    case ErrorCode::kGroupIdNotFound:
      return "GROUP_ID_NOT_FOUND";
    case ErrorCode::kMemberIdRequired:
      return "MEMBER_ID_REQUIRED";
    case ErrorCode::kGroupMaxSizeReached:
      return "GROUP_MAX_SIZE_REACHED";
    case ErrorCode::kGroupSubscribedToTopic:
      return "GROUP_SUBSCRIBED_TO_TOPIC";
    case ErrorCode::kFencedInstanceId:
      return "FENCED_INSTANCE_ID";
  }
  return "UNKNOWN";
}

const Bytes* Member::metadata_for(const std::string& protocol) const {
  for (const Protocol& p : protocols) {
    if (p.name == protocol) return &p.metadata;
  }
  return nullptr;
}

bool Member::supports(const std::string& protocol) const {
  return metadata_for(protocol) != nullptr;
}

Member* Group::find_member(const std::string& member_id) {
  auto it = members.find(member_id);
  return it == members.end() ? nullptr : &it->second;
}

bool Group::is_static_member_fenced(const std::string& member_id,
                                    const std::optional<std::string>& instance_id) const {
  if (!instance_id) return false;
  const std::string* current = static_member_id(*instance_id);
  return current != nullptr && *current != member_id;
}

const std::string* Group::static_member_id(const std::string& instance_id) const {
  auto it = static_members.find(instance_id);
  return it == static_members.end() ? nullptr : &it->second;
}

std::string Group::first_member(const std::function<bool(const Member&)>& pred) const {
  const Member* best = nullptr;
  for (const auto& [id, m] : members) {
    if (pred && !pred(m)) continue;
    if (best == nullptr || m.join_seq < best->join_seq) best = &m;
  }
  return best == nullptr ? std::string() : best->member_id;
}

bool Group::all_members_joined() const {
  if (!pending_members.empty()) return false;
  return std::all_of(members.begin(), members.end(),
                     [](const auto& kv) { return kv.second.is_awaiting_join(); });
}

int32_t Group::rebalance_timeout_ms() const {
  int32_t t = 0;
  for (const auto& [id, m] : members) t = std::max(t, m.rebalance_timeout_ms);
  return t;
}

bool Group::supports_protocols(const std::string& type, const std::vector<Protocol>& protocols,
                               const std::string& except) const {
  bool others = std::any_of(members.begin(), members.end(),
                            [&](const auto& kv) { return kv.first != except; });
  if (!others) return !type.empty() && !protocols.empty();
  if (type != protocol_type) return false;
  return std::any_of(protocols.begin(), protocols.end(), [&](const Protocol& p) {
    return std::all_of(members.begin(), members.end(), [&](const auto& kv) {
      return kv.first == except || kv.second.supports(p.name);
    });
  });
}

std::string Group::select_protocol(const std::string& override_member,
                                   const std::vector<Protocol>* override_protocols) const {
  auto protocols_of = [&](const Member& m) -> const std::vector<Protocol>& {
    if (override_protocols != nullptr && m.member_id == override_member) return *override_protocols;
    return m.protocols;
  };
  auto supported = [&](const Member& m, const std::string& name) {
    const auto& ps = protocols_of(m);
    return std::any_of(ps.begin(), ps.end(), [&](const Protocol& p) { return p.name == name; });
  };
  auto it = members.find(leader_id);
  if (it == members.end()) it = members.find(first_member());
  if (it == members.end()) return {};
  const std::vector<Protocol>& reference = protocols_of(it->second);

  // Candidates in the reference member's order of preference.
  std::vector<std::string> candidates;
  for (const Protocol& p : reference) {
    bool everyone = std::all_of(members.begin(), members.end(),
                                [&](const auto& kv) { return supported(kv.second, p.name); });
    if (everyone) candidates.push_back(p.name);
  }
  if (candidates.empty()) return reference.empty() ? std::string() : reference.front().name;

  std::map<std::string, int> votes;
  for (const auto& [id, m] : members) {
    for (const Protocol& p : protocols_of(m)) {
      if (std::find(candidates.begin(), candidates.end(), p.name) != candidates.end()) {
        ++votes[p.name];
        break;
      }
    }
  }
  std::string best = candidates.front();
  for (const std::string& c : candidates) {
    if (votes[c] > votes[best]) best = c;
  }
  return best;
}

Member& Group::rename_member(const std::string& old_id, const std::string& new_id) {
  auto node = members.extract(old_id);
  node.key() = new_id;
  node.mapped().member_id = new_id;
  Member& m = members.insert(std::move(node)).position->second;
  if (m.group_instance_id) static_members[*m.group_instance_id] = new_id;
  if (leader_id == old_id) leader_id = new_id;
  if (pending_sync.erase(old_id) != 0) pending_sync.insert(new_id);
  return m;
}

void Group::remove_member(const std::string& member_id) {
  pending_sync.erase(member_id);
  auto it = members.find(member_id);
  if (it == members.end()) return;
  if (it->second.group_instance_id) {
    auto s = static_members.find(*it->second.group_instance_id);
    if (s != static_members.end() && s->second == member_id) static_members.erase(s);
  }
  members.erase(it);
  if (leader_id == member_id) leader_id = first_member();
}

}  // namespace sluice::kafka::group
