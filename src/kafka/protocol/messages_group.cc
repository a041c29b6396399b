// Codec instantiations for the APIs of messages_group.h.
#include "kafka/protocol/messages_group.h"
#include "kafka/protocol/codec.h"

namespace sluice::kafka {

SLUICE_KAFKA_DEFINE_CODECS(FindCoordinator)
SLUICE_KAFKA_DEFINE_CODECS(JoinGroup)
SLUICE_KAFKA_DEFINE_CODECS(SyncGroup)
SLUICE_KAFKA_DEFINE_CODECS(Heartbeat)
SLUICE_KAFKA_DEFINE_CODECS(LeaveGroup)
SLUICE_KAFKA_DEFINE_CODECS(OffsetCommit)
SLUICE_KAFKA_DEFINE_CODECS(OffsetFetch)
SLUICE_KAFKA_DEFINE_CODECS(ListGroups)
SLUICE_KAFKA_DEFINE_CODECS(DescribeGroups)
SLUICE_KAFKA_DEFINE_CODECS(DeleteGroups)
SLUICE_KAFKA_DEFINE_CODECS(OffsetDelete)

}  // namespace sluice::kafka
