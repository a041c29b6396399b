// Fetch: whole batches served straight from segment files (sendfile), with long polling: a fetch
// that finds fewer than min_bytes waits up to max_wait_ms for appends to any partition it asked
// for. read_committed fetches read up to the last stable offset and list the aborted
// transactions in the range they return, whose records clients drop.
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "kafka/server/broker.h"

namespace sluice::kafka {

namespace asio = boost::asio;

struct Broker::FetchState {
  RequestContextPtr ctx;
  FetchRequest req;
  std::unique_ptr<asio::steady_timer> timer;
  std::vector<std::pair<Partition*, uint64_t>> subscriptions;  // touched on the connection's loop
  std::atomic<bool> woken{false};
};

void Broker::handle_fetch(const RequestContextPtr& ctx, FetchRequest& req) {
  auto st = std::make_shared<FetchState>();
  st->ctx = ctx;
  st->req = std::move(req);
  run_fetch(st, false);
}

void Broker::wake_fetch(const std::shared_ptr<FetchState>& st) {
  if (st->woken.exchange(true)) return;
  asio::post(*st->ctx->conn.loop, [this, st] {
    for (auto& [p, id] : st->subscriptions) p->unsubscribe(id);
    st->subscriptions.clear();
    if (st->timer) st->timer->cancel();
    run_fetch(st, true);
  });
}

void Broker::run_fetch(const std::shared_ptr<FetchState>& st, bool final_attempt) {
  const FetchRequest& req = st->req;
  const RequestContextPtr& ctx = st->ctx;
  FetchResponse resp;
  std::vector<std::vector<FileRange>> splices;
  int64_t remaining = req.max_bytes > 0 ? req.max_bytes : INT32_MAX;
  uint64_t total = 0;
  bool any_error = false;
  bool full = false;  // a partition had data that did not fit in what the request allows
  // What a waiting fetch waits for: the partition's readable end (HW, or LSO for read_committed)
  // to pass `from`.
  struct Waiting {
    Partition* p;
    Offset from;
    std::shared_ptr<ProducerSlot> slot;  // read_committed only
    bool readable() const {
      int64_t end = p->high_watermark().value();
      if (slot) end = std::min(end, slot->first_unstable.load());
      return end > from.value();
    }
  };
  std::vector<Waiting> waiting_on;
  const bool committed = req.isolation_level == 1;

  for (const auto& t : req.topics) {
    FetchResponse::FetchableTopicResponse tr;
    tr.topic = t.topic;
    for (const auto& fp : t.partitions) {
      FetchResponse::PartitionData pd;
      pd.partition_index = fp.partition;
      pd.records = Records::borrowed({});
      if (req.isolation_level == 1)
        pd.aborted_transactions = std::vector<FetchResponse::AbortedTransaction>();
      Partition* p = log_.partition(t.topic, fp.partition);
      if (!p) {
        pd.error_code = static_cast<int16_t>(ErrorCode::kUnknownTopicOrPartition);
        pd.high_watermark = -1;
        any_error = true;
        tr.partitions.push_back(std::move(pd));
        continue;
      }
      Offset hw = p->high_watermark();
      auto slot = loaded_producer_slot(*p);
      if (!slot.is_ok()) {
        pd.error_code = static_cast<int16_t>(ErrorCode::kKafkaStorageError);
        pd.high_watermark = -1;
        any_error = true;
        spdlog::warn("fetch {}-{}: {}", t.topic, fp.partition, slot.status().to_string());
        tr.partitions.push_back(std::move(pd));
        continue;
      }
      Offset lso(std::min(hw.value(), (*slot)->first_unstable.load()));
      Offset end = committed ? lso : hw;
      pd.high_watermark = hw.value();
      pd.last_stable_offset = lso.value();
      pd.log_start_offset = p->log_start_offset().value();
      Offset from(fp.fetch_offset);
      if (from < p->log_start_offset() || from > p->log_end_offset()) {
        pd.error_code = static_cast<int16_t>(ErrorCode::kOffsetOutOfRange);
        any_error = true;
      } else if (from < end) {
        // Kafka's limits (KIP-74): whole batches, at most partition_max_bytes per partition and
        // max_bytes per response; only the first batch of the first partition with data comes
        // back whatever its size, so that a consumer always progresses.
        bool first = total == 0;
        int64_t room =
            std::min<int64_t>(std::max(fp.partition_max_bytes, 0), std::max<int64_t>(remaining, 0));
        Result<ReadResult> rr = ReadResult{};
        if (room > 0 || first) rr = p->read(from, static_cast<size_t>(room), end, first);
        if (!rr.is_ok()) {
          pd.error_code = static_cast<int16_t>(rr.status().code() == StatusCode::kOutOfRange
                                                   ? ErrorCode::kOffsetOutOfRange
                                                   : ErrorCode::kKafkaStorageError);
          any_error = true;
          spdlog::warn("fetch {}-{} at {}: {}", t.topic, fp.partition, fp.fetch_offset,
                       rr.status().to_string());
        } else if (!rr->empty()) {
          if (committed) {
            std::lock_guard lock((*slot)->index_mu);
            for (const auto& a : (*slot)->aborted.between(from.value(), rr->next_offset.value())) {
              pd.aborted_transactions->push_back({a.producer_id, a.first_offset});
            }
          }
          pd.records = Records::splice(splices.size(), static_cast<uint32_t>(rr->bytes));
          splices.push_back(std::move(rr->ranges));
          total += rr->bytes;
          remaining -= static_cast<int64_t>(rr->bytes);
        } else if (!first) {
          full = true;
        } else {
          waiting_on.push_back({p, from, committed ? *slot : nullptr});
        }
      } else {
        waiting_on.push_back({p, from, committed ? *slot : nullptr});
      }
      tr.partitions.push_back(std::move(pd));
    }
    resp.responses.push_back(std::move(tr));
  }

  bool wait = !final_attempt && !any_error && !full && req.max_wait_ms > 0 &&
              total < static_cast<uint64_t>(std::max(req.min_bytes, 1)) && !waiting_on.empty();
  if (wait) {
    auto weak = std::weak_ptr<FetchState>(st);
    for (const Waiting& w : waiting_on) {
      // A read_committed fetch wakes when its partition's LSO passes `from`, not on every
      // append inside an open transaction.
      uint64_t id = w.p->subscribe([this, weak, w](Offset) {
        if (!w.readable()) return;
        if (auto s = weak.lock()) wake_fetch(s);
      });
      st->subscriptions.emplace_back(w.p, id);
    }
    st->timer = std::make_unique<asio::steady_timer>(*ctx->conn.loop);
    st->timer->expires_after(std::chrono::milliseconds(req.max_wait_ms));
    st->timer->async_wait([this, st](boost::system::error_code ec) {
      if (!ec) wake_fetch(st);
    });
    // Data may have arrived between the read and the subscription.
    for (const Waiting& w : waiting_on) {
      if (w.readable()) {
        wake_fetch(st);
        break;
      }
    }
    return;
  }
  auto frame = encode_response(ctx->header.correlation_id, ctx->version, resp);
  if (!frame.is_ok()) {
    spdlog::error("kafka: cannot encode Fetch v{} response: {}", ctx->version,
                  frame.status().to_string());
    finish(ctx, std::nullopt, true);
    return;
  }
  respond_frame(ctx, std::move(frame).value(), std::move(splices));
}

}  // namespace sluice::kafka
