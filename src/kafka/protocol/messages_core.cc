// Codec instantiations for the APIs of messages_core.h.
#include "kafka/protocol/messages_core.h"
#include "kafka/protocol/codec.h"

namespace sluice::kafka {

SLUICE_KAFKA_DEFINE_CODECS(ApiVersions)
SLUICE_KAFKA_DEFINE_CODECS(Metadata)
SLUICE_KAFKA_DEFINE_CODECS(Produce)
SLUICE_KAFKA_DEFINE_CODECS(Fetch)
SLUICE_KAFKA_DEFINE_CODECS(ListOffsets)
SLUICE_KAFKA_DEFINE_CODECS(InitProducerId)
SLUICE_KAFKA_DEFINE_CODECS(OffsetForLeaderEpoch)

}  // namespace sluice::kafka
