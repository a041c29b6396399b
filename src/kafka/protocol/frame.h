// Kafka request/response framing: the size prefix, request header v1/v2, response header v0/v1,
// and the top-level entry points the network server calls.
//
// Thread-safety: pure functions over caller-owned buffers.
//
// Wire layout (all big-endian):
//   frame            = size:int32 (bytes that follow, <= max frame size) + header + body
//   request header   v1: api_key:int16 api_version:int16 correlation_id:int32
//                        client_id:nullable string (int16 length, -1 = null; never compact)
//                    v2: v1 + tagged fields (uvarint count, ...) — for flexible request versions
//   response header  v0: correlation_id:int32
//                    v1: v0 + tagged fields — for flexible response versions, except ApiVersions,
//                        whose response header is always v0 (KIP-511)
//
// Lifetimes: a ParsedRequest borrows from the frame buffer passed to parse_request_frame — the
// Records of Produce requests point into it (no copy). Keep the buffer alive while the request is
// handled. Everything else in the request (strings, bytes, arrays) is owned.
//
// Unsupported requests: an unknown API key or a version outside supported_apis() comes back as a
// ParsedRequest with error == kUnsupportedVersion and no body. For ApiVersions, answer with
// encode_api_versions_unsupported() (v0 encoding carrying our ranges, as Kafka does since
// KIP-511); for any other API Kafka closes the connection, and so should the broker, since the
// client cannot parse a response of a version it did not ask for in a layout we do not know.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"
#include "kafka/protocol/api.h"
#include "kafka/protocol/errors.h"

namespace sluice::kafka {

// Largest frame (size prefix value) we accept by default; a larger prefix means a broken or
// hostile peer, and the connection is closed before anything is allocated. Kafka's default
// socket.request.max.bytes is the same 100 MiB.
inline constexpr int32_t kDefaultMaxFrameSize = 100 * 1024 * 1024;

// Reads and validates the 4-byte size prefix (0 <= size <= max_frame_size).
Result<int32_t> parse_frame_size(ByteSpan prefix, int32_t max_frame_size = kDefaultMaxFrameSize);

struct RequestHeader {
  int16_t api_key = 0;
  int16_t api_version = 0;
  int32_t correlation_id = 0;
  std::optional<std::string> client_id;
  bool operator==(const RequestHeader&) const = default;
};

struct ParsedRequest {
  RequestHeader header;
  const ApiInfo* api = nullptr;  // null for an unknown API key
  RequestBody body;              // the decoded request; std::monostate when error != kNone
  // kNone; kUnsupportedVersion for an unknown key or unsupported version; kInvalidRequest for a
  // body that does not decode (status says where, e.g. "Produce v9: topic_data[0]...").
  ErrorCode error = ErrorCode::kNone;
  Status status;

  bool ok() const { return error == ErrorCode::kNone; }
  ApiKey api_key() const { return static_cast<ApiKey>(header.api_key); }
  int16_t version() const { return header.api_version; }
};

// Parses one request frame: the bytes after the 4-byte size prefix. Fails (the connection should
// be closed) only when even the header cannot be read, since then there is no correlation id to
// answer; every other problem is reported in ParsedRequest::error. Trailing bytes after the body
// are ignored, as Kafka does.
Result<ParsedRequest> parse_request_frame(ByteSpan frame);

// An encoded response: `bytes` is the frame (size prefix included) minus the spliced record
// ranges. To send it, write bytes[0, s0.at), then the s0.size bytes the broker associates with
// s0.id (a file range, a list of chunks), then bytes[s0.at, s1.at), ..., then bytes[sN.at, end).
// The size prefix already counts the spliced bytes. `splices` is ordered by `at`, and empty
// unless the response used Records::splice().
struct ResponseFrame {
  std::vector<uint8_t> bytes;
  std::vector<Splice> splices;

  size_t wire_size() const;
  // The contiguous frame, asking `resolve` for the bytes of each splice (which must be exactly
  // splice.size long). Meant for tests and small responses.
  std::vector<uint8_t> flatten(const std::function<ByteSpan(const Splice&)>& resolve) const;
};

// Encodes a response frame for `correlation_id` at `version` (must be supported).
Result<ResponseFrame> encode_response(int32_t correlation_id, int16_t version,
                                      const ResponseBody& body);
template <typename R>
requires(!ApiOf<R>::kIsRequest) Result<ResponseFrame> encode_response(int32_t correlation_id,
                                                                      int16_t version,
                                                                      const R& response);

// Encodes a request frame (size prefix included), for our tools and tests.
Result<std::vector<uint8_t>> encode_request(const RequestHeader& header, const RequestBody& body);
template <typename Q>
requires(ApiOf<Q>::kIsRequest) Result<std::vector<uint8_t>> encode_request(
    int32_t correlation_id, std::optional<std::string> client_id, int16_t version,
    const Q& request);

// Parses a response frame (the bytes after the size prefix) of a request we sent with `key` at
// `version`. Records in the body borrow from `frame`.
struct ParsedResponse {
  int32_t correlation_id = 0;
  ResponseBody body;
};
Result<ParsedResponse> parse_response_frame(ApiKey key, int16_t version, ByteSpan frame);

// The ApiVersions answer listing supported_apis() (error 0, throttle 0), except that Produce is
// advertised from v0 for librdkafka's sake (see frame.cc); v0-v2 requests are still refused.
ApiVersionsResponse make_api_versions_response();
// The KIP-511 answer to an ApiVersions request of a version we do not support: a v0 response
// with UNSUPPORTED_VERSION and our ranges, so that the client retries with a version we know.
Result<ResponseFrame> encode_api_versions_unsupported(int32_t correlation_id);

// ---- implementation details of the templates above ----
namespace detail {
// Starts a response frame: size placeholder and response header. Fails for unsupported versions.
Status begin_response(ByteWriter& w, ApiKey key, int32_t correlation_id, int16_t version);
Status begin_request(ByteWriter& w, ApiKey key, const RequestHeader& header);
// Patches the size prefix.
void finish_frame(ByteWriter& w, const std::vector<Splice>& splices);
}  // namespace detail

template <typename R>
requires(!ApiOf<R>::kIsRequest) Result<ResponseFrame> encode_response(int32_t correlation_id,
                                                                      int16_t version,
                                                                      const R& response) {
  ByteWriter w(256);
  ResponseFrame f;
  SLUICE_RETURN_IF_ERROR(detail::begin_response(w, ApiOf<R>::kKey, correlation_id, version));
  SLUICE_RETURN_IF_ERROR(encode_body(w, response, version, &f.splices));
  detail::finish_frame(w, f.splices);
  f.bytes = w.take();
  return f;
}

template <typename Q>
requires(ApiOf<Q>::kIsRequest) Result<std::vector<uint8_t>> encode_request(
    int32_t correlation_id, std::optional<std::string> client_id, int16_t version,
    const Q& request) {
  RequestHeader h{static_cast<int16_t>(ApiOf<Q>::kKey), version, correlation_id,
                  std::move(client_id)};
  ByteWriter w(256);
  SLUICE_RETURN_IF_ERROR(detail::begin_request(w, ApiOf<Q>::kKey, h));
  SLUICE_RETURN_IF_ERROR(encode_body(w, request, version, nullptr));
  detail::finish_frame(w, {});
  return w.take();
}

}  // namespace sluice::kafka
