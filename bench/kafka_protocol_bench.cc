// Kafka codec throughput, one line per figure:
//   produce_decode_small   K req/s   Produce v9, 1 partition with 1 KiB of records
//   produce_decode_large   K req/s   Produce v9, 16 partitions x 64 KiB (1 MiB frame); beside it
//                                    a memcpy of the frame, the peer a copying decoder would pay
//   fetch_encode_splice    K resp/s  Fetch v12 response, 16 partitions, records spliced
//   fetch_encode_copy      K resp/s  the same with 64 KiB records copied into the frame
//   metadata_encode        K resp/s  Metadata v12, 100 topics x 10 partitions
//   metadata_decode        K resp/s  the same response parsed back
// Usage: kafka_protocol_bench [seconds per figure, default 1]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "kafka/protocol/frame.h"

using namespace sluice;
using namespace sluice::kafka;

namespace {

using SteadyClock = std::chrono::steady_clock;

template <typename F>
double per_second(double seconds, F&& f) {
  auto start = SteadyClock::now();
  uint64_t n = 0;
  double elapsed = 0;
  do {
    for (int i = 0; i < 64; ++i) f();
    n += 64;
    elapsed = std::chrono::duration<double>(SteadyClock::now() - start).count();
  } while (elapsed < seconds);
  return static_cast<double>(n) / elapsed;
}

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "kafka_protocol_bench: %s failed\n", what);
    std::exit(1);
  }
}

std::vector<uint8_t> produce_frame(int partitions, size_t record_bytes,
                                   const std::vector<uint8_t>& records) {
  ProduceRequest req;
  req.acks = -1;
  req.timeout_ms = 30000;
  ProduceRequest::TopicData t;
  t.name = "orders";
  for (int p = 0; p < partitions; ++p) {
    t.partition_data.push_back({p, Records::borrowed(ByteSpan(records).first(record_bytes))});
  }
  req.topic_data.push_back(t);
  auto f = encode_request(1, "bench-producer", 9, req);
  check(f.is_ok(), "encode produce");
  return std::vector<uint8_t>(f->begin() + 4, f->end());
}

}  // namespace

int main(int argc, char** argv) {
  double secs = argc > 1 ? std::atof(argv[1]) : 1.0;
  std::vector<uint8_t> records(size_t{64} * 1024, 0x5a);
  volatile size_t sink = 0;

  auto small = produce_frame(1, 1024, records);
  double small_rate = per_second(secs, [&] {
    auto p = parse_request_frame(small);
    sink = sink + std::get<ProduceRequest>(p->body).topic_data.size();
  });
  std::printf("produce_decode_small   %10.1f K req/s   (%zu-byte frames)\n", small_rate / 1e3,
              small.size());

  auto large = produce_frame(16, size_t{64} * 1024, records);
  double large_rate = per_second(secs, [&] {
    auto p = parse_request_frame(large);
    sink = sink + std::get<ProduceRequest>(p->body).topic_data[0].partition_data.size();
  });
  std::vector<uint8_t> copy(large.size());
  double memcpy_rate = per_second(secs, [&] {
    std::memcpy(copy.data(), large.data(), large.size());
    sink = sink + copy[sink % copy.size()];
  });
  std::printf(
      "produce_decode_large   %10.1f K req/s   (%.1f GB/s of frame; memcpy of the frame: %.1f K/s, "
      "%.1f GB/s)\n",
      large_rate / 1e3, large_rate * static_cast<double>(large.size()) / 1e9, memcpy_rate / 1e3,
      memcpy_rate * static_cast<double>(large.size()) / 1e9);

  FetchResponse fetch;
  fetch.responses.resize(1);
  fetch.responses[0].topic = "orders";
  for (int p = 0; p < 16; ++p) {
    FetchResponse::PartitionData d;
    d.partition_index = p;
    d.high_watermark = 1'000'000;
    d.last_stable_offset = 1'000'000;
    d.log_start_offset = 0;
    d.records = Records::splice(static_cast<uint64_t>(p), 64 * 1024);
    fetch.responses[0].partitions.push_back(d);
  }
  double splice_rate = per_second(secs, [&] {
    auto f = encode_response(7, 12, fetch);
    sink = sink + f->splices.size();
  });
  std::printf("fetch_encode_splice    %10.1f K resp/s  (16 partitions x 64 KiB spliced)\n",
              splice_rate / 1e3);
  for (auto& d : fetch.responses[0].partitions) d.records = Records::borrowed(records);
  double copy_rate = per_second(secs, [&] {
    auto f = encode_response(7, 12, fetch);
    sink = sink + f->bytes.size();
  });
  std::printf("fetch_encode_copy      %10.1f K resp/s  (the same, records copied into the frame)\n",
              copy_rate / 1e3);

  MetadataResponse md;
  md.brokers.push_back({1, "localhost", 9092, std::nullopt});
  md.cluster_id = "bench";
  md.controller_id = 1;
  for (int t = 0; t < 100; ++t) {
    MetadataResponse::Topic topic;
    topic.name = "topic-" + std::to_string(t);
    for (int p = 0; p < 10; ++p) {
      MetadataResponse::Partition part;
      part.partition_index = p;
      part.leader_id = 1;
      part.replica_nodes = {1};
      part.isr_nodes = {1};
      topic.partitions.push_back(part);
    }
    md.topics.push_back(topic);
  }
  double md_rate = per_second(secs, [&] {
    auto f = encode_response(7, 12, md);
    sink = sink + f->bytes.size();
  });
  auto md_frame = encode_response(7, 12, md);
  check(md_frame.is_ok(), "encode metadata");
  std::printf("metadata_encode        %10.1f K resp/s  (100 topics x 10 partitions, %zu bytes)\n",
              md_rate / 1e3, md_frame->bytes.size());
  double md_decode_rate = per_second(secs, [&] {
    auto r = parse_response_frame(ApiKey::kMetadata, 12, ByteSpan(md_frame->bytes).subspan(4));
    sink = sink + std::get<MetadataResponse>(r->body).topics.size();
  });
  std::printf("metadata_decode        %10.1f K resp/s\n", md_decode_rate / 1e3);
  return sink == 0xdeadbeef ? 1 : 0;
}
