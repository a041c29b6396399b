// The Kafka APIs Sluice speaks: keys, supported version ranges, flexible versions, the request and
// response types, and the per-message codec entry points.
//
// Thread-safety: constants and pure functions only.
//
// SLUICE_KAFKA_APIS is the single place that says which versions we support: ApiVersions answers
// from it, the frame parser rejects what lies outside it. Adding a version of an API is an edit
// of its max here plus KF lines for the fields that version adds (messages_*.h).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <variant>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"
#include "kafka/protocol/messages_admin.h"
#include "kafka/protocol/messages_core.h"
#include "kafka/protocol/messages_group.h"
#include "kafka/protocol/messages_txn.h"

namespace sluice::kafka {

// X(Name, key, min_version, max_version, first_flexible_version)
#define SLUICE_KAFKA_APIS(X)              \
  X(Produce, 0, 0, 9, 9)                  \
  X(Fetch, 1, 4, 12, 12)                  \
  X(ListOffsets, 2, 1, 7, 6)              \
  X(Metadata, 3, 0, 12, 9)                \
  X(OffsetCommit, 8, 0, 8, 8)             \
  X(OffsetFetch, 9, 1, 8, 6)              \
  X(FindCoordinator, 10, 0, 4, 3)         \
  X(JoinGroup, 11, 0, 7, 6)               \
  X(Heartbeat, 12, 0, 4, 4)               \
  X(LeaveGroup, 13, 0, 4, 4)              \
  X(SyncGroup, 14, 0, 5, 4)               \
  X(DescribeGroups, 15, 0, 5, 5)          \
  X(ListGroups, 16, 0, 4, 3)              \
  X(ApiVersions, 18, 0, 3, 3)             \
  X(CreateTopics, 19, 0, 7, 5)            \
  X(DeleteTopics, 20, 0, 6, 4)            \
  X(DeleteRecords, 21, 0, 2, 2)           \
  X(InitProducerId, 22, 0, 4, 2)          \
  X(OffsetForLeaderEpoch, 23, 0, 4, 4)    \
  X(AddPartitionsToTxn, 24, 0, 3, 3)      \
  X(AddOffsetsToTxn, 25, 0, 3, 3)         \
  X(EndTxn, 26, 0, 3, 3)                  \
  X(TxnOffsetCommit, 28, 0, 3, 3)         \
  X(DescribeConfigs, 32, 0, 4, 4)         \
  X(AlterConfigs, 33, 0, 2, 2)            \
  X(CreatePartitions, 37, 0, 3, 2)        \
  X(DeleteGroups, 42, 0, 2, 2)            \
  X(IncrementalAlterConfigs, 44, 0, 1, 1) \
  X(OffsetDelete, 47, 0, 0, 32767)        \
  X(DescribeCluster, 60, 0, 0, 0)

enum class ApiKey : int16_t {
#define SLUICE_KAFKA_API_ENUM(name, key, min, max, flex) k##name = (key),
  SLUICE_KAFKA_APIS(SLUICE_KAFKA_API_ENUM)
#undef SLUICE_KAFKA_API_ENUM
};

struct ApiInfo {
  ApiKey key;
  std::string_view name;
  int16_t min_version;
  int16_t max_version;
  int16_t first_flexible_version;

  bool supports(int16_t v) const { return v >= min_version && v <= max_version; }
  bool is_flexible(int16_t v) const { return v >= first_flexible_version; }
};

// Every supported API, ordered by key.
std::span<const ApiInfo> supported_apis();
// Null for an API key we do not implement.
const ApiInfo* find_api(int16_t key);
const ApiInfo& api_info(ApiKey key);
std::string_view api_name(ApiKey key);

// Request header version 2 (tagged fields) for flexible request versions, 1 otherwise.
inline int16_t request_header_version(ApiKey, int16_t version, const ApiInfo& info) {
  return info.is_flexible(version) ? 2 : 1;
}
// Response header version 1 (tagged fields) for flexible versions, except ApiVersions whose
// response header is always v0 (KIP-511: a client must read it before knowing our versions).
inline int16_t response_header_version(ApiKey key, int16_t version, const ApiInfo& info) {
  return key != ApiKey::kApiVersions && info.is_flexible(version) ? 1 : 0;
}

using RequestBody = std::variant<std::monostate
#define SLUICE_KAFKA_API_REQ(name, key, min, max, flex) , name##Request
                                     SLUICE_KAFKA_APIS(SLUICE_KAFKA_API_REQ)
#undef SLUICE_KAFKA_API_REQ
                                 >;
using ResponseBody = std::variant<std::monostate
#define SLUICE_KAFKA_API_RESP(name, key, min, max, flex) , name##Response
                                      SLUICE_KAFKA_APIS(SLUICE_KAFKA_API_RESP)
#undef SLUICE_KAFKA_API_RESP
                                  >;

// ApiOf<ProduceRequest>::kKey == ApiKey::kProduce, same for responses.
template <typename T>
struct ApiOf;
#define SLUICE_KAFKA_API_OF(name, key, min, max, flex) \
  template <>                                          \
  struct ApiOf<name##Request> {                        \
    static constexpr ApiKey kKey = ApiKey::k##name;    \
    static constexpr bool kIsRequest = true;           \
  };                                                   \
  template <>                                          \
  struct ApiOf<name##Response> {                       \
    static constexpr ApiKey kKey = ApiKey::k##name;    \
    static constexpr bool kIsRequest = false;          \
  };
SLUICE_KAFKA_APIS(SLUICE_KAFKA_API_OF)
#undef SLUICE_KAFKA_API_OF

// A records-splice placeholder in an encoded buffer (see ResponseFrame in frame.h).
struct Splice {
  size_t at;      // byte offset in the encoded buffer where the spliced bytes go
  uint64_t id;    // Records::splice_id
  uint32_t size;  // Records::splice_size
};

// Per-message body codecs (no header, no size prefix). `version` must be supported (the frame
// functions check it); decoding borrows Records from `r`'s buffer. Encoding appends to `w`;
// record splices are appended to `splices`, or fail when it is null.
#define SLUICE_KAFKA_API_CODEC_DECL(name, key, min, max, flex)                 \
  Status decode_body(ByteReader& r, name##Request& out, int16_t version);      \
  Status decode_body(ByteReader& r, name##Response& out, int16_t version);     \
  Status encode_body(ByteWriter& w, const name##Request& in, int16_t version,  \
                     std::vector<Splice>* splices = nullptr);                  \
  Status encode_body(ByteWriter& w, const name##Response& in, int16_t version, \
                     std::vector<Splice>* splices = nullptr);
SLUICE_KAFKA_APIS(SLUICE_KAFKA_API_CODEC_DECL)
#undef SLUICE_KAFKA_API_CODEC_DECL

// Decodes/encodes a body held in a variant; the alternative must match `key`.
Result<RequestBody> decode_request_body(ApiKey key, int16_t version, ByteReader& r);
Result<ResponseBody> decode_response_body(ApiKey key, int16_t version, ByteReader& r);
ApiKey api_key_of(const RequestBody& body);   // body must not be monostate
ApiKey api_key_of(const ResponseBody& body);  // body must not be monostate

}  // namespace sluice::kafka
