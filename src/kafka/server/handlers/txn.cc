// Transactions (the coordinator's host and start-up are in broker.cc): the producer state
// a partition rebuilds from its log (open transactions, aborted ones), and the handlers of
// AddPartitionsToTxn, AddOffsetsToTxn, EndTxn and TxnOffsetCommit.
#include <boost/asio/post.hpp>

#include "common/clock.h"
#include "kafka/server/broker.h"
#include "storage/record_batch.h"

namespace sluice::kafka {

namespace asio = boost::asio;

// ---- producer state of a partition ---------------------------------------------------------

Status Broker::load_producer_slot(ProducerSlot& slot, Partition& p) {
  slot.state.clear();
  producer::AbortedTxnIndex aborted;
  Status st = p.scan_batch_markers(p.log_start_offset(), [&](const BatchHeader& h, int16_t type) {
    if (h.producer_id < 0) return true;
    if (h.is_control()) {
      if (type >= 0) {
        auto a = slot.state.on_marker(h.producer_id, h.producer_epoch, h.base_offset,
                                      type == static_cast<int16_t>(ControlType::kCommit),
                                      h.max_timestamp);
        if (a) aborted.add(*a);
      }
      return true;
    }
    slot.state.rebuild_from(producer_header(h));
    return true;
  });
  SLUICE_RETURN_IF_ERROR(st);
  {
    std::lock_guard lock(slot.index_mu);
    slot.aborted = std::move(aborted);
  }
  publish_unstable(slot);
  slot.loaded = true;
  slot.ready = true;
  return Status::ok();
}

void Broker::publish_unstable(ProducerSlot& slot) {
  slot.first_unstable = slot.state.first_unstable_offset().value_or(INT64_MAX);
}

Result<std::shared_ptr<Broker::ProducerSlot>> Broker::loaded_producer_slot(Partition& p) {
  std::shared_ptr<ProducerSlot> slot = producer_slot(p.topic(), p.id());
  if (slot->ready) return slot;
  std::lock_guard lock(slot->mu);
  if (!slot->loaded) SLUICE_RETURN_IF_ERROR(load_producer_slot(*slot, p));
  return slot;
}

Result<Offset> Broker::last_stable_offset(Partition& p) {
  SLUICE_ASSIGN_OR_RETURN(auto slot, loaded_producer_slot(p));
  return Offset(std::min(p.high_watermark().value(), slot->first_unstable.load()));
}

Status Broker::append_marker(Partition& p, int64_t producer_id, int16_t epoch, bool commit) {
  std::shared_ptr<ProducerSlot> slot_ref = producer_slot(p.topic(), p.id());
  ProducerSlot& slot = *slot_ref;
  std::lock_guard lock(slot.mu);
  if (!slot.loaded) SLUICE_RETURN_IF_ERROR(load_producer_slot(slot, p));
  int64_t now = wall_clock_ms();
  SLUICE_ASSIGN_OR_RETURN(
      auto bytes, build_control_batch(producer_id, epoch,
                                      commit ? ControlType::kCommit : ControlType::kAbort, 0, now));
  AppendOptions opts;
  opts.leader_epoch = 0;
  SLUICE_ASSIGN_OR_RETURN(auto info, p.append(ByteSpan(bytes.data(), bytes.size()), opts));
  auto aborted = slot.state.on_marker(producer_id, epoch, info.base_offset.value(), commit, now);
  if (aborted) {
    std::lock_guard index_lock(slot.index_mu);
    slot.aborted.add(*aborted);
  }
  publish_unstable(slot);
  p.notify_listeners();  // read_committed fetches waiting for the LSO
  return Status::ok();
}

// ---- handlers --------------------------------------------------------------------------------

namespace {

// PRODUCER_FENCED exists from these versions on; older clients know INVALID_PRODUCER_EPOCH.
int16_t fenced_for(ErrorCode e, int16_t version, int16_t first_version_with_fenced) {
  if (e == ErrorCode::kProducerFenced && version < first_version_with_fenced) {
    e = ErrorCode::kInvalidProducerEpoch;
  }
  return static_cast<int16_t>(e);
}

}  // namespace

void Broker::handle_add_partitions_to_txn(const RequestContextPtr& ctx,
                                          const AddPartitionsToTxnRequest& req) {
  asio::post(blocking_pool_, [this, ctx, req] {
    AddPartitionsToTxnResponse resp;
    std::vector<txn::TopicPartition> tps;
    bool unknown = false;
    for (const auto& t : req.topics) {
      for (int32_t p : t.partitions) {
        tps.push_back({t.name, p});
        unknown = unknown || log_.partition(t.name, p) == nullptr;
      }
    }
    ErrorCode all = ErrorCode::kNone;
    if (!unknown) {
      all = transactions_->add_partitions(req.transactional_id, req.producer_id, req.producer_epoch,
                                          tps);
    }
    for (const auto& t : req.topics) {
      AddPartitionsToTxnResponse::TopicResult tr;
      tr.name = t.name;
      for (int32_t p : t.partitions) {
        ErrorCode e = all;
        if (unknown) {
          e = log_.partition(t.name, p) ? ErrorCode::kOperationNotAttempted
                                        : ErrorCode::kUnknownTopicOrPartition;
        }
        tr.results.push_back({p, fenced_for(e, ctx->version, 2)});
      }
      resp.results.push_back(std::move(tr));
    }
    respond(ctx, resp);
  });
}

void Broker::handle_add_offsets_to_txn(const RequestContextPtr& ctx,
                                       const AddOffsetsToTxnRequest& req) {
  asio::post(blocking_pool_, [this, ctx, req] {
    AddOffsetsToTxnResponse resp;
    ErrorCode e = req.group_id.empty()
                      ? ErrorCode::kInvalidGroupId
                      : transactions_->add_offsets(req.transactional_id, req.producer_id,
                                                   req.producer_epoch, req.group_id);
    resp.error_code = fenced_for(e, ctx->version, 2);
    respond(ctx, resp);
  });
}

void Broker::handle_end_txn(const RequestContextPtr& ctx, const EndTxnRequest& req) {
  asio::post(blocking_pool_, [this, ctx, req] {
    EndTxnResponse resp;
    ErrorCode e = transactions_->end_txn(req.transactional_id, req.producer_id, req.producer_epoch,
                                         req.committed);
    resp.error_code = fenced_for(e, ctx->version, 2);
    respond(ctx, resp);
  });
}

void Broker::handle_txn_offset_commit(const RequestContextPtr& ctx,
                                      const TxnOffsetCommitRequest& req) {
  asio::post(blocking_pool_, [this, ctx, req] {
    auto e = static_cast<ErrorCode>(group::to_wire(coordinator_->validate_txn_commit(
        req.group_id, req.generation_id, req.member_id, req.group_instance_id)));
    txn::GroupOffsets offsets;
    for (const auto& t : req.topics) {
      for (const auto& p : t.partitions) {
        offsets[{t.name, p.partition_index}] = {p.committed_offset, p.committed_leader_epoch,
                                                p.committed_metadata};
      }
    }
    if (e == ErrorCode::kNone) {
      e = transactions_->txn_offset_commit(req.transactional_id, req.producer_id,
                                           req.producer_epoch, req.group_id, offsets);
      // The group coordinator's answer to a stale producer (KIP-447 clients expect either).
      if (e == ErrorCode::kProducerFenced) e = ErrorCode::kInvalidProducerEpoch;
    }
    TxnOffsetCommitResponse resp;
    for (const auto& t : req.topics) {
      TxnOffsetCommitResponse::Topic tr;
      tr.name = t.name;
      for (const auto& p : t.partitions) {
        tr.partitions.push_back({p.partition_index, static_cast<int16_t>(e)});
      }
      resp.topics.push_back(std::move(tr));
    }
    respond(ctx, resp);
  });
}

}  // namespace sluice::kafka
