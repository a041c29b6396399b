// Codec instantiations for the APIs of messages_admin.h.
#include "kafka/protocol/messages_admin.h"
#include "kafka/protocol/codec.h"

namespace sluice::kafka {

SLUICE_KAFKA_DEFINE_CODECS(CreateTopics)
SLUICE_KAFKA_DEFINE_CODECS(DeleteTopics)
SLUICE_KAFKA_DEFINE_CODECS(DeleteRecords)
SLUICE_KAFKA_DEFINE_CODECS(CreatePartitions)
SLUICE_KAFKA_DEFINE_CODECS(DescribeConfigs)
SLUICE_KAFKA_DEFINE_CODECS(AlterConfigs)
SLUICE_KAFKA_DEFINE_CODECS(IncrementalAlterConfigs)
SLUICE_KAFKA_DEFINE_CODECS(DescribeCluster)

}  // namespace sluice::kafka
