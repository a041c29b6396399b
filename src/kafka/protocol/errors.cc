#include "kafka/protocol/errors.h"

namespace sluice::kafka {

std::string_view error_name(ErrorCode code) {
  switch (code) {
#define SLUICE_KAFKA_ERROR_CASE(name, code, str) \
  case ErrorCode::name:                          \
    return str;
    SLUICE_KAFKA_ERRORS(SLUICE_KAFKA_ERROR_CASE)
#undef SLUICE_KAFKA_ERROR_CASE
  }
  return "UNKNOWN_ERROR_CODE";
}

bool is_retriable(ErrorCode code) {
  switch (code) {
    case ErrorCode::kCorruptMessage:
    case ErrorCode::kUnknownTopicOrPartition:
    case ErrorCode::kLeaderNotAvailable:
    case ErrorCode::kNotLeaderOrFollower:
    case ErrorCode::kRequestTimedOut:
    case ErrorCode::kNetworkException:
    case ErrorCode::kCoordinatorLoadInProgress:
    case ErrorCode::kCoordinatorNotAvailable:
    case ErrorCode::kNotCoordinator:
    case ErrorCode::kNotEnoughReplicas:
    case ErrorCode::kNotEnoughReplicasAfterAppend:
    case ErrorCode::kNotController:
    case ErrorCode::kKafkaStorageError:
    case ErrorCode::kFetchSessionIdNotFound:
    case ErrorCode::kInvalidFetchSessionEpoch:
    case ErrorCode::kListenerNotFound:
    case ErrorCode::kFencedLeaderEpoch:
    case ErrorCode::kUnknownLeaderEpoch:
    case ErrorCode::kOffsetNotAvailable:
    case ErrorCode::kPreferredLeaderNotAvailable:
    case ErrorCode::kEligibleLeadersNotAvailable:
    case ErrorCode::kElectionNotNeeded:
    case ErrorCode::kUnstableOffsetCommit:
    case ErrorCode::kThrottlingQuotaExceeded:
    case ErrorCode::kUnknownTopicId:
    case ErrorCode::kInconsistentTopicId:
    case ErrorCode::kFetchSessionTopicIdError:
      return true;
    default:
      return false;
  }
}

}  // namespace sluice::kafka
