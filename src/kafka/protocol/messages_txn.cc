// Codec instantiations for the APIs of messages_txn.h.
#include "kafka/protocol/messages_txn.h"
#include "kafka/protocol/codec.h"

namespace sluice::kafka {

SLUICE_KAFKA_DEFINE_CODECS(AddPartitionsToTxn)
SLUICE_KAFKA_DEFINE_CODECS(AddOffsetsToTxn)
SLUICE_KAFKA_DEFINE_CODECS(EndTxn)
SLUICE_KAFKA_DEFINE_CODECS(TxnOffsetCommit)

}  // namespace sluice::kafka
