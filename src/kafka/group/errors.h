// Kafka error codes the group coordinator answers with. The numeric values are the protocol's, so
// the handler layer maps them with a static_cast to int16_t.
//
// Thread-safety: constants and pure functions.
#pragma once

#include <cstdint>
#include <string_view>

namespace sluice::kafka::group {

enum class ErrorCode : int16_t {
  kNone = 0,
  kUnknownServerError = -1,
  kUnknownTopicOrPartition = 3,
  kOffsetMetadataTooLarge = 12,
  kCoordinatorLoadInProgress = 14,
  kCoordinatorNotAvailable = 15,
  kNotCoordinator = 16,
  kIllegalGeneration = 22,
  kInconsistentGroupProtocol = 23,
  kInvalidGroupId = 24,
  kUnknownMemberId = 25,
  kInvalidSessionTimeout = 26,
  kRebalanceInProgress = 27,
  kInvalidCommitOffsetSize = 28,
  kInvalidRequest = 42,
  kNonEmptyGroup = 68,
  kGroupIdNotFound = 69,
  kMemberIdRequired = 79,
  kGroupMaxSizeReached = 81,
  kFencedInstanceId = 82,
  kGroupSubscribedToTopic = 86,
};

constexpr int16_t to_wire(ErrorCode e) {
  return static_cast<int16_t>(e);
}

std::string_view error_name(ErrorCode e);

}  // namespace sluice::kafka::group
