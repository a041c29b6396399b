// Encoders and decoders of the __consumer_offsets records; records.h documents the layout.
#include "kafka/group/records.h"

#include <cassert>

namespace sluice::kafka::group {
namespace {

constexpr uint16_t kOffsetKeyV0 = 0;
constexpr uint16_t kOffsetKeyV1 = 1;
constexpr uint16_t kGroupKeyV2 = 2;
constexpr uint16_t kOffsetValueV3 = 3;
constexpr uint16_t kGroupValueV3 = 3;

void put_string(ByteWriter& w, std::string_view s) {
  assert(s.size() <= kMaxRecordString);
  w.put_i16(static_cast<int16_t>(s.size()));
  w.put_bytes(s);
}

void put_nullable_string(ByteWriter& w, const std::optional<std::string>& s) {
  if (!s) {
    w.put_i16(-1);
  } else {
    put_string(w, *s);
  }
}

void put_bytes(ByteWriter& w, const std::vector<uint8_t>& b) {
  w.put_i32(static_cast<int32_t>(b.size()));
  w.put_bytes(ByteSpan(b.data(), b.size()));
}

std::optional<std::string> get_nullable_string(ByteReader& r) {
  int16_t len = r.get_i16();
  if (len < 0) {
    if (len != -1) r.fail();
    return std::nullopt;
  }
  ByteSpan b = r.get_bytes(static_cast<size_t>(len));
  return std::string(as_string_view(b));
}

std::string get_string(ByteReader& r) {
  auto s = get_nullable_string(r);
  if (!s) {
    r.fail();
    return {};
  }
  return std::move(*s);
}

std::vector<uint8_t> get_byte_vector(ByteReader& r) {
  int32_t len = r.get_i32();
  if (len < 0) {
    r.fail();
    return {};
  }
  ByteSpan b = r.get_bytes(static_cast<size_t>(len));
  return {b.begin(), b.end()};
}

Status finish(const ByteReader& r, const char* what) {
  if (!r.ok()) return Status::corruption(std::string("truncated or malformed ") + what);
  if (r.remaining() != 0) return Status::corruption(std::string("trailing bytes after ") + what);
  return Status::ok();
}

}  // namespace

std::vector<uint8_t> encode_key(const OffsetKey& key) {
  ByteWriter w(8 + key.group_id.size() + key.topic.size());
  w.put_be16(kOffsetKeyV1);
  put_string(w, key.group_id);
  put_string(w, key.topic);
  w.put_i32(key.partition);
  return w.take();
}

std::vector<uint8_t> encode_key(const GroupKey& key) {
  ByteWriter w(4 + key.group_id.size());
  w.put_be16(kGroupKeyV2);
  put_string(w, key.group_id);
  return w.take();
}

std::vector<uint8_t> encode_value(const OffsetValue& value) {
  ByteWriter w(26 + value.metadata.size());
  w.put_be16(kOffsetValueV3);
  w.put_i64(value.offset);
  w.put_i32(value.leader_epoch);
  put_string(w, value.metadata);
  w.put_i64(value.commit_timestamp_ms);
  return w.take();
}

std::vector<uint8_t> encode_value(const GroupValue& value) {
  ByteWriter w(64);
  w.put_be16(kGroupValueV3);
  put_string(w, value.protocol_type);
  w.put_i32(value.generation_id);
  put_nullable_string(w, value.protocol_name);
  put_nullable_string(w, value.leader_id);
  w.put_i64(value.current_state_timestamp_ms);
  w.put_i32(static_cast<int32_t>(value.members.size()));
  for (const StoredMember& m : value.members) {
    put_string(w, m.member_id);
    put_nullable_string(w, m.group_instance_id);
    put_string(w, m.client_id);
    put_string(w, m.client_host);
    w.put_i32(m.rebalance_timeout_ms);
    w.put_i32(m.session_timeout_ms);
    put_bytes(w, m.subscription);
    put_bytes(w, m.assignment);
  }
  return w.take();
}

Result<RecordKey> decode_key(ByteSpan bytes) {
  ByteReader r(bytes);
  uint16_t version = r.get_be16();
  if (!r.ok()) return Status::corruption("empty __consumer_offsets key");
  if (version == kOffsetKeyV0 || version == kOffsetKeyV1) {
    OffsetKey k;
    k.group_id = get_string(r);
    k.topic = get_string(r);
    k.partition = r.get_i32();
    SLUICE_RETURN_IF_ERROR(finish(r, "offset commit key"));
    return RecordKey(std::move(k));
  }
  if (version == kGroupKeyV2) {
    GroupKey k;
    k.group_id = get_string(r);
    SLUICE_RETURN_IF_ERROR(finish(r, "group metadata key"));
    return RecordKey(std::move(k));
  }
  return Status::corruption("unknown __consumer_offsets key version " + std::to_string(version));
}

Result<OffsetValue> decode_offset_value(ByteSpan bytes) {
  ByteReader r(bytes);
  uint16_t version = r.get_be16();
  if (r.ok() && version != kOffsetValueV3) {
    return Status::corruption("unknown offset commit value version " + std::to_string(version));
  }
  OffsetValue v;
  v.offset = r.get_i64();
  v.leader_epoch = r.get_i32();
  v.metadata = get_string(r);
  v.commit_timestamp_ms = r.get_i64();
  SLUICE_RETURN_IF_ERROR(finish(r, "offset commit value"));
  return v;
}

Result<GroupValue> decode_group_value(ByteSpan bytes) {
  ByteReader r(bytes);
  uint16_t version = r.get_be16();
  if (r.ok() && version != kGroupValueV3) {
    return Status::corruption("unknown group metadata value version " + std::to_string(version));
  }
  GroupValue v;
  v.protocol_type = get_string(r);
  v.generation_id = r.get_i32();
  v.protocol_name = get_nullable_string(r);
  v.leader_id = get_nullable_string(r);
  v.current_state_timestamp_ms = r.get_i64();
  int32_t count = r.get_i32();
  if (count < 0) r.fail();
  // Each member takes at least 24 bytes, which bounds the reservation by the input's size.
  if (r.ok() && static_cast<size_t>(count) > r.remaining() / 24) r.fail();
  for (int32_t i = 0; r.ok() && i < count; ++i) {
    StoredMember m;
    m.member_id = get_string(r);
    m.group_instance_id = get_nullable_string(r);
    m.client_id = get_string(r);
    m.client_host = get_string(r);
    m.rebalance_timeout_ms = r.get_i32();
    m.session_timeout_ms = r.get_i32();
    m.subscription = get_byte_vector(r);
    m.assignment = get_byte_vector(r);
    v.members.push_back(std::move(m));
  }
  SLUICE_RETURN_IF_ERROR(finish(r, "group metadata value"));
  return v;
}

}  // namespace sluice::kafka::group
