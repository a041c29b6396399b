// ListOffsets, OffsetForLeaderEpoch, InitProducerId.
#include "kafka/server/broker.h"

#include <boost/asio/post.hpp>

namespace sluice::kafka {

namespace asio = boost::asio;

namespace {
// ListOffsets v7 (KIP-734): the offset of the record with the largest timestamp.
constexpr int64_t kMaxTimestamp = -3;
}  // namespace

void Broker::handle_list_offsets(const RequestContextPtr& ctx, const ListOffsetsRequest& req) {
  ListOffsetsResponse resp;
  for (const auto& t : req.topics) {
    ListOffsetsResponse::Topic tr;
    tr.name = t.name;
    for (const auto& rp : t.partitions) {
      ListOffsetsResponse::Partition pr;
      pr.partition_index = rp.partition_index;
      Partition* p = log_.partition(t.name, rp.partition_index);
      if (!p) {
        pr.error_code = static_cast<int16_t>(ErrorCode::kUnknownTopicOrPartition);
        tr.partitions.push_back(std::move(pr));
        continue;
      }
      pr.leader_epoch = 0;
      if (rp.timestamp == kMaxTimestamp) {
        // The batch with the largest maxTimestamp; its last offset is a record with that timestamp
        // only when the batch has one record, so report the batch's last offset like Kafka does
        // for compressed batches.
        int64_t best_ts = -1, best_off = -1;
        Offset hw = p->high_watermark();
        Status st = p->scan_batch_headers(p->log_start_offset(), [&](const sluice::BatchHeader& h) {
          if (Offset(h.base_offset) >= hw) return false;
          if (h.max_timestamp > best_ts) {
            best_ts = h.max_timestamp;
            best_off = h.last_offset();
          }
          return true;
        });
        if (!st.is_ok()) {
          pr.error_code = static_cast<int16_t>(ErrorCode::kKafkaStorageError);
        } else {
          pr.timestamp = best_ts;
          pr.offset = best_off;
        }
      } else if (rp.timestamp == Partition::kLatestTimestamp && req.isolation_level == 1) {
        // read_committed: the end is the last stable offset.
        auto lso = last_stable_offset(*p);
        if (!lso.is_ok()) {
          pr.error_code = static_cast<int16_t>(ErrorCode::kKafkaStorageError);
        } else {
          pr.offset = lso->value();
        }
      } else {
        auto r = p->offset_for_timestamp(rp.timestamp);
        if (!r.is_ok()) {
          pr.error_code = static_cast<int16_t>(ErrorCode::kKafkaStorageError);
        } else {
          pr.offset = r->offset.value();
          pr.timestamp = r->timestamp;
        }
      }
      if (ctx->version == 0) pr.old_style_offsets = {pr.offset};
      tr.partitions.push_back(std::move(pr));
    }
    resp.topics.push_back(std::move(tr));
  }
  respond(ctx, resp);
}

// Every partition has leader epoch 0 (one node, never a new leader), so the end offset of epoch 0
// is the log end offset and no client ever needs to truncate.
void Broker::handle_offset_for_leader_epoch(const RequestContextPtr& ctx,
                                            const OffsetForLeaderEpochRequest& req) {
  OffsetForLeaderEpochResponse resp;
  for (const auto& t : req.topics) {
    OffsetForLeaderEpochResponse::Topic tr;
    tr.topic = t.topic;
    for (const auto& rp : t.partitions) {
      OffsetForLeaderEpochResponse::EpochEndOffset e;
      e.partition = rp.partition;
      Partition* p = log_.partition(t.topic, rp.partition);
      if (!p) {
        e.error_code = static_cast<int16_t>(ErrorCode::kUnknownTopicOrPartition);
      } else if (rp.current_leader_epoch > 0) {
        e.error_code = static_cast<int16_t>(ErrorCode::kUnknownLeaderEpoch);
      } else if (rp.leader_epoch > 0) {
        e.leader_epoch = -1;
        e.end_offset = -1;
      } else {
        e.leader_epoch = 0;
        e.end_offset = p->high_watermark().value();
      }
      tr.partitions.push_back(e);
    }
    resp.topics.push_back(std::move(tr));
  }
  respond(ctx, resp);
}

void Broker::handle_init_producer_id(const RequestContextPtr& ctx,
                                     const InitProducerIdRequest& req) {
  InitProducerIdResponse resp;
  if (req.transactional_id) {
    // The coordinator persists the new epoch and may abort an open transaction (fsyncs).
    asio::post(blocking_pool_, [this, ctx, req] {
      InitProducerIdResponse resp;
      txn::InitResult r = transactions_->init_producer_id(
          *req.transactional_id, req.transaction_timeout_ms, req.producer_id, req.producer_epoch);
      ErrorCode e = r.error;
      // PRODUCER_FENCED exists from v4 on.
      if (e == ErrorCode::kProducerFenced && ctx->version < 4) e = ErrorCode::kInvalidProducerEpoch;
      resp.error_code = static_cast<int16_t>(e);
      resp.producer_id = r.producer_id;
      resp.producer_epoch = r.epoch;
      respond(ctx, resp);
    });
    return;
  }
  std::optional<producer::ProducerIdAndEpoch> existing;
  if (req.producer_id >= 0 && req.producer_epoch >= 0)
    existing = producer::ProducerIdAndEpoch{req.producer_id, req.producer_epoch};
  auto r = producer_ids_->init_producer_id(existing);
  if (!r.is_ok()) {
    spdlog::error("InitProducerId: {}", r.status().to_string());
    resp.error_code = static_cast<int16_t>(ErrorCode::kCoordinatorNotAvailable);
  } else {
    resp.producer_id = r->producer_id;
    resp.producer_epoch = r->epoch;
  }
  respond(ctx, resp);
}

}  // namespace sluice::kafka
