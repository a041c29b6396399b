// Group coordinator records (src/kafka/group): any bytes decode or fail cleanly with kCorruption;
// what decodes re-encodes to bytes that decode and re-encode identically; and replaying any
// record sequence into a coordinator leaves it usable. Input: records framed as
// [u16 key length][key][i16 value length, -1 for a tombstone][value], repeated.
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <vector>

#include "common/log.h"
#include "kafka/group/group_coordinator.h"
#include "kafka/group/records.h"

using namespace sluice;
using namespace sluice::kafka::group;

namespace {

class NullStore final : public OffsetStore {
 public:
  Status append(std::vector<KeyValue>) override { return Status::ok(); }
};

class FixedClock final : public Clock {
 public:
  int64_t now_ms() override { return now; }
  int64_t now = 1'000'000;
};

void check(bool ok) {
  if (!ok) std::abort();
}

void round_trip(ByteSpan key, std::optional<ByteSpan> value) {
  auto k = decode_key(key);
  check(k.is_ok() || k.status().code() == StatusCode::kCorruption);
  if (k.is_ok()) {
    std::vector<uint8_t> again = std::visit([](const auto& v) { return encode_key(v); }, *k);
    auto k2 = decode_key({again.data(), again.size()});
    check(k2.is_ok());
    check(std::visit([](const auto& v) { return encode_key(v); }, *k2) == again);
  }
  if (!value) return;
  auto o = decode_offset_value(*value);
  check(o.is_ok() || o.status().code() == StatusCode::kCorruption);
  if (o.is_ok()) {
    std::vector<uint8_t> again = encode_value(*o);
    check(std::vector<uint8_t>(value->begin(), value->end()) == again);
  }
  auto g = decode_group_value(*value);
  check(g.is_ok() || g.status().code() == StatusCode::kCorruption);
  if (g.is_ok()) {
    std::vector<uint8_t> again = encode_value(*g);
    check(std::vector<uint8_t>(value->begin(), value->end()) == again);
  }
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): libFuzzer looks the entry point up by this name.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static bool quiet = [] {
    spdlog::set_level(spdlog::level::off);
    return true;
  }();
  (void)quiet;
  NullStore store;
  FixedClock clock;
  GroupConfig config;
  config.min_session_timeout_ms = 1;
  GroupCoordinator coord(config, store, clock);
  ByteReader r({data, size});
  while (r.remaining() > 0) {
    uint16_t klen = r.get_be16();
    ByteSpan key = r.get_bytes(klen);
    int16_t vlen = r.get_i16();
    std::optional<ByteSpan> value;
    if (vlen >= 0) value = r.get_bytes(static_cast<size_t>(vlen));
    if (!r.ok()) break;
    round_trip(key, value);
    coord.load(key, value).ignore_error();
  }
  coord.complete_load();
  std::vector<std::string> ids;
  for (const GroupListing& g : coord.list_groups()) ids.push_back(g.group_id);
  for (const GroupDescription& d : coord.describe_groups(ids)) {
    coord.fetch_offsets({d.group_id, std::nullopt});
    for (const DescribedMember& m : d.members) {
      coord.heartbeat({d.group_id, 1, m.member_id, m.group_instance_id});
    }
  }
  clock.now += 3'600'000;
  coord.tick();
  coord.delete_groups(ids);
  return 0;
}
