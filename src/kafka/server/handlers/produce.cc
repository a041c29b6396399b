// Produce: validate each RecordBatch, de-duplicate idempotent producers, append to the log.
// Produce v0-v2 carry legacy message sets, up-converted to a RecordBatch v2 first.
#include "kafka/server/broker.h"
#include "kafka/server/legacy_messages.h"
#include "storage/record_batch.h"

#include <boost/asio/post.hpp>

namespace sluice::kafka {

namespace {

struct PartitionOutcome {
  ErrorCode error = ErrorCode::kNone;
  std::string message;
  int64_t base_offset = -1;
  int64_t log_append_time = -1;
};

ErrorCode storage_error(const Status& st) {
  switch (st.code()) {
    case StatusCode::kAborted:
    case StatusCode::kNotFound:
      return ErrorCode::kUnknownTopicOrPartition;
    case StatusCode::kCorruption:
    case StatusCode::kInvalidArgument:
      return ErrorCode::kCorruptMessage;
    default:
      return ErrorCode::kKafkaStorageError;
  }
}

Counter& records_rejected() {
  static Counter& c = MetricsRegistry::global().counter(
      "sluice_kafka_produce_rejected_batches_total",
      "Produced batches rejected (corrupt, too large, out of sequence)");
  return c;
}

}  // namespace

producer::BatchHeader producer_header(const sluice::BatchHeader& h) {
  producer::BatchHeader b;
  b.producer_id = h.producer_id;
  b.producer_epoch = h.producer_epoch;
  b.base_sequence = h.base_sequence;
  b.last_offset_delta = h.last_offset_delta;
  b.base_offset = h.base_offset;
  b.max_timestamp = h.max_timestamp;
  b.transactional = h.is_transactional();
  return b;
}

// The most a legacy compressed message may decompress to.
constexpr size_t kMaxLegacyDecompressed = 64 << 20;

// Appends one partition's records. Idempotent batches are checked and appended one by one under
// the partition's producer-state lock, so that a retried batch is never appended twice.
static PartitionOutcome append_partition(Broker& broker, const std::string& topic, int32_t index,
                                         const std::optional<Records>& records, int16_t version);

Result<int64_t> Broker::produce_local(const std::string& topic, int32_t partition,
                                      ByteSpan batches) {
  PartitionOutcome out =
      append_partition(*this, topic, partition, Records::borrowed(batches), /*version=*/9);
  if (out.error != ErrorCode::kNone) {
    return Status::io_error(fmt::format("producing to {}-{}: {} ({})", topic, partition,
                                        error_name(out.error), out.message));
  }
  return out.base_offset;
}

static PartitionOutcome append_partition(Broker& broker, const std::string& topic, int32_t index,
                                         const std::optional<Records>& records, int16_t version) {
  PartitionOutcome out;
  Partition* p = broker.partition_for_produce(topic, index, out.error);
  if (!p) return out;
  if (!records || records->bytes.empty()) {
    out.error = ErrorCode::kInvalidRecord;
    out.message = "no records";
    return out;
  }
  ByteSpan bytes = records->bytes;
  std::vector<uint8_t> converted;
  if (auto magic = record_set_magic(bytes); version < 3 && magic && *magic < 2) {
    auto up = upconvert_message_set(bytes, kMaxLegacyDecompressed);
    if (!up.is_ok()) {
      records_rejected().inc();
      out.error = ErrorCode::kCorruptMessage;
      out.message = up.status().message();
      return out;
    }
    converted = std::move(up).value();
    bytes = ByteSpan(converted.data(), converted.size());
  }
  LogConfig cfg = p->config();
  auto batches = split_batches(bytes);
  if (!batches.is_ok()) {
    records_rejected().inc();
    out.error = ErrorCode::kCorruptMessage;
    out.message = batches.status().message();
    return out;
  }
  bool idempotent = false;
  for (const auto& b : *batches) {
    if (b.size() > static_cast<size_t>(cfg.max_message_bytes)) {
      records_rejected().inc();
      out.error = ErrorCode::kMessageTooLarge;
      out.message = fmt::format("batch of {} bytes exceeds max.message.bytes {}", b.size(),
                                cfg.max_message_bytes);
      return out;
    }
    Status st = b.validate(BatchValidation::kProduce);
    if (!st.is_ok()) {
      records_rejected().inc();
      out.error = b.header().magic != 2 ? ErrorCode::kUnsupportedForMessageFormat
                                        : ErrorCode::kCorruptMessage;
      out.message = st.message();
      return out;
    }
    if (b.header().is_control()) {
      records_rejected().inc();
      out.error = ErrorCode::kInvalidRecord;
      out.message = "clients cannot write control batches";
      return out;
    }
    if (b.header().is_transactional() && b.header().producer_id < 0) {
      records_rejected().inc();
      out.error = ErrorCode::kInvalidRecord;
      out.message = "a transactional batch without a producer id";
      return out;
    }
    idempotent = idempotent || b.header().producer_id >= 0;
  }
  AppendOptions opts;
  opts.leader_epoch = 0;
  opts.verify_crc = false;  // validated above
  if (!idempotent) {
    auto info = p->append(bytes, opts);
    if (!info.is_ok()) {
      out.error = storage_error(info.status());
      out.message = info.status().message();
      return out;
    }
    out.base_offset = info->base_offset.value();
    out.log_append_time = info->log_append_time;
    return out;
  }

  std::shared_ptr<Broker::ProducerSlot> slot_ref = broker.producer_slot(topic, index);
  Broker::ProducerSlot& slot = *slot_ref;
  std::lock_guard lock(slot.mu);
  if (!slot.loaded) {
    // Rebuild the producers' last batches and open transactions from the log (Kafka keeps
    // snapshots; a partition is cheap enough to scan once per process).
    Status st = broker.load_producer_slot(slot, *p);
    if (!st.is_ok()) {
      out.error = ErrorCode::kKafkaStorageError;
      out.message = st.message();
      return out;
    }
  }
  for (size_t i = 0; i < batches->size(); ++i) {
    const auto& b = (*batches)[i];
    producer::BatchHeader ph = producer_header(b.header());
    if (ph.transactional) {
      // Under the slot lock, so that no marker of this transaction can come between the check
      // and the append.
      ErrorCode e =
          broker.transactions().verify_produce(ph.producer_id, ph.producer_epoch, {topic, index});
      if (e != ErrorCode::kNone) {
        records_rejected().inc();
        out.error = e;
        out.message = fmt::format("producer {} epoch {}: not in a transaction with {}-{}",
                                  ph.producer_id, ph.producer_epoch, topic, index);
        return out;
      }
    }
    auto check = slot.state.check(ph);
    if (check.outcome == producer::CheckOutcome::kDuplicate) {
      if (out.base_offset < 0) out.base_offset = check.duplicate.first_offset;
      continue;
    }
    if (!check.ok()) {
      records_rejected().inc();
      out.error = static_cast<ErrorCode>(check.error());
      out.message = fmt::format("producer {} epoch {} sequence {} rejected", ph.producer_id,
                                ph.producer_epoch, ph.base_sequence);
      return out;
    }
    if (ph.transactional) {
      // The LSO must hold below this batch before the append moves the HW past it: a
      // read_committed reader woken by that HW must not read the open transaction. The log end
      // offset is at or below the offset the batch gets; publish_unstable() corrects it after.
      slot.first_unstable = std::min(slot.first_unstable.load(), p->log_end_offset().value());
    }
    auto info = p->append(b.bytes(), opts);
    if (!info.is_ok()) {
      if (ph.transactional) Broker::publish_unstable(slot);
      out.error = storage_error(info.status());
      out.message = info.status().message();
      return out;
    }
    ph.base_offset = info->base_offset.value();
    slot.state.on_appended(ph);
    if (ph.transactional) Broker::publish_unstable(slot);
    if (out.base_offset < 0) out.base_offset = info->base_offset.value();
    out.log_append_time = info->log_append_time;
  }
  return out;
}

void Broker::handle_produce(const RequestContextPtr& ctx, ProduceRequest& req) {
  // Appends that wait for an fsync run on the blocking pool so the I/O loop keeps serving. Decided
  // before `work` takes the request.
  bool blocking = false;
  for (const auto& t : req.topic_data) {
    for (const auto& pd : t.partition_data) {
      Partition* p = log_.partition(t.name, pd.index);
      if (p && p->config().fsync == FsyncPolicy::kAlways) blocking = true;
    }
  }
  auto work = [this, ctx, req = std::move(req)]() {
    ProduceResponse resp;
    bool any_error = false;
    for (const auto& t : req.topic_data) {
      ProduceResponse::TopicResponse tr;
      tr.name = t.name;
      for (const auto& pd : t.partition_data) {
        ProduceResponse::PartitionResponse pr;
        pr.index = pd.index;
        PartitionOutcome o;
        if (req.acks != 0 && req.acks != 1 && req.acks != -1) {
          o.error = ErrorCode::kInvalidRequiredAcks;
        } else {
          o = append_partition(*this, t.name, pd.index, pd.records, ctx->version);
        }
        pr.error_code = static_cast<int16_t>(o.error);
        pr.base_offset = o.base_offset;
        pr.log_append_time_ms = o.log_append_time;
        if (Partition* p =
                o.error == ErrorCode::kNone ? log_.partition(t.name, pd.index) : nullptr) {
          pr.log_start_offset = p->log_start_offset().value();
        }
        if (o.error != ErrorCode::kNone) {
          any_error = true;
          pr.error_message =
              o.message.empty() ? std::nullopt : std::optional<std::string>(o.message);
          spdlog::debug("produce {}-{}: {} {}", t.name, pd.index, error_name(o.error), o.message);
        }
        tr.partition_responses.push_back(std::move(pr));
      }
      resp.responses.push_back(std::move(tr));
    }
    if (req.acks == 0) {
      finish(ctx, std::nullopt, any_error);
      return;
    }
    respond(ctx, resp);
  };

  if (blocking) {
    boost::asio::post(blocking_pool_, std::move(work));
  } else {
    work();
  }
}

}  // namespace sluice::kafka
