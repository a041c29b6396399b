#include "kafka/protocol/frame.h"

#include <fmt/format.h>

#include "kafka/protocol/codec.h"

namespace sluice::kafka {

Result<int32_t> parse_frame_size(ByteSpan prefix, int32_t max_frame_size) {
  if (prefix.size() < 4) return Status::corruption("frame size prefix truncated");
  int32_t size = static_cast<int32_t>(load_be32(prefix.data()));
  if (size < 0 || size > max_frame_size) {
    return Status::corruption(fmt::format("frame size {} outside [0, {}]", size, max_frame_size));
  }
  return size;
}

namespace {

Status skip_tagged_fields(ByteReader& r) {
  std::string error;
  codec::Ctx c{0, true, &error};
  if (codec::decode_tag_section(r, c, [](int32_t, ByteSpan) { return true; })) {
    return Status::ok();
  }
  return Status::corruption(error);
}

Status check_version(ApiKey key, int16_t version, const ApiInfo*& info) {
  info = find_api(static_cast<int16_t>(key));
  if (info == nullptr) {
    return Status::unsupported(fmt::format("unknown api key {}", static_cast<int16_t>(key)));
  }
  if (!info->supports(version)) {
    return Status::unsupported(fmt::format("{} v{} not supported (supported {}-{})", info->name,
                                           version, info->min_version, info->max_version));
  }
  return Status::ok();
}

}  // namespace

Result<ParsedRequest> parse_request_frame(ByteSpan frame) {
  if (frame.size() > static_cast<size_t>(kDefaultMaxFrameSize)) {
    return Status::corruption(fmt::format("frame of {} bytes exceeds the maximum", frame.size()));
  }
  ByteReader r(frame);
  ParsedRequest p;
  if (r.remaining() < 10) return Status::corruption("request header truncated");
  p.header.api_key = r.get_i16();
  p.header.api_version = r.get_i16();
  p.header.correlation_id = r.get_i32();
  int16_t client_id_len = r.get_i16();
  if (client_id_len < -1) return Status::corruption("request header: negative client_id length");
  if (client_id_len >= 0) {
    if (static_cast<size_t>(client_id_len) > r.remaining()) {
      return Status::corruption("request header: client_id exceeds frame");
    }
    p.header.client_id = std::string(as_string_view(r.get_bytes(client_id_len)));
  }
  p.api = find_api(p.header.api_key);
  const ApiInfo* info = nullptr;
  Status vs = check_version(p.api_key(), p.version(), info);
  if (!vs.is_ok()) {
    p.error = ErrorCode::kUnsupportedVersion;
    p.status = std::move(vs);
    return p;
  }
  if (info->is_flexible(p.version())) {
    Status ts = skip_tagged_fields(r);
    if (!ts.is_ok()) {
      p.error = ErrorCode::kInvalidRequest;
      p.status = ts.with_context(fmt::format("{} v{} request header", info->name, p.version()));
      return p;
    }
  }
  Result<RequestBody> body = decode_request_body(p.api_key(), p.version(), r);
  if (!body.is_ok()) {
    p.error = ErrorCode::kInvalidRequest;
    p.status = body.status();
    return p;
  }
  p.body = std::move(body).value();
  return p;
}

size_t ResponseFrame::wire_size() const {
  size_t n = bytes.size();
  for (const Splice& s : splices) n += s.size;
  return n;
}

std::vector<uint8_t> ResponseFrame::flatten(
    const std::function<ByteSpan(const Splice&)>& resolve) const {
  std::vector<uint8_t> out;
  out.reserve(wire_size());
  size_t pos = 0;
  for (const Splice& s : splices) {
    out.insert(out.end(), bytes.begin() + static_cast<ptrdiff_t>(pos),
               bytes.begin() + static_cast<ptrdiff_t>(s.at));
    ByteSpan b = resolve(s);
    out.insert(out.end(), b.begin(), b.end());
    pos = s.at;
  }
  out.insert(out.end(), bytes.begin() + static_cast<ptrdiff_t>(pos), bytes.end());
  return out;
}

namespace detail {

Status begin_response(ByteWriter& w, ApiKey key, int32_t correlation_id, int16_t version) {
  const ApiInfo* info = nullptr;
  SLUICE_RETURN_IF_ERROR(check_version(key, version, info));
  w.put_i32(0);  // size, patched by finish_frame
  w.put_i32(correlation_id);
  if (response_header_version(key, version, *info) >= 1) w.put_uvarint(0);
  return Status::ok();
}

Status begin_request(ByteWriter& w, ApiKey key, const RequestHeader& h) {
  const ApiInfo* info = nullptr;
  SLUICE_RETURN_IF_ERROR(check_version(key, h.api_version, info));
  w.put_i32(0);
  w.put_i16(static_cast<int16_t>(key));
  w.put_i16(h.api_version);
  w.put_i32(h.correlation_id);
  if (!h.client_id) {
    w.put_i16(-1);
  } else {
    if (h.client_id->size() > 0x7fff) return Status::invalid_argument("client_id too long");
    w.put_i16(static_cast<int16_t>(h.client_id->size()));
    w.put_bytes(*h.client_id);
  }
  if (request_header_version(key, h.api_version, *info) >= 2) w.put_uvarint(0);
  return Status::ok();
}

void finish_frame(ByteWriter& w, const std::vector<Splice>& splices) {
  size_t size = w.size() - 4;
  for (const Splice& s : splices) size += s.size;
  store_be32(w.data(), static_cast<uint32_t>(size));
}

}  // namespace detail

Result<ResponseFrame> encode_response(int32_t correlation_id, int16_t version,
                                      const ResponseBody& body) {
  return std::visit(
      [&](const auto& r) -> Result<ResponseFrame> {
        using T = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return Status::invalid_argument("empty response body");
        } else {
          return encode_response(correlation_id, version, r);
        }
      },
      body);
}

Result<std::vector<uint8_t>> encode_request(const RequestHeader& header, const RequestBody& body) {
  return std::visit(
      [&](const auto& q) -> Result<std::vector<uint8_t>> {
        using T = std::decay_t<decltype(q)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return Status::invalid_argument("empty request body");
        } else {
          if (header.api_key != static_cast<int16_t>(ApiOf<T>::kKey)) {
            return Status::invalid_argument("header api_key does not match the body");
          }
          return encode_request(header.correlation_id, header.client_id, header.api_version, q);
        }
      },
      body);
}

Result<ParsedResponse> parse_response_frame(ApiKey key, int16_t version, ByteSpan frame) {
  const ApiInfo* info = nullptr;
  SLUICE_RETURN_IF_ERROR(check_version(key, version, info));
  ByteReader r(frame);
  ParsedResponse p;
  if (r.remaining() < 4) return Status::corruption("response header truncated");
  p.correlation_id = r.get_i32();
  if (response_header_version(key, version, *info) >= 1) {
    SLUICE_RETURN_IF_ERROR(skip_tagged_fields(r));
  }
  SLUICE_ASSIGN_OR_RETURN(p.body, decode_response_body(key, version, r));
  return p;
}

ApiVersionsResponse make_api_versions_response() {
  ApiVersionsResponse resp;
  // Every version listed is served. (Produce v0 must be listed: librdkafka before 2.10 enables
  // gzip, snappy and lz4 only when the broker lists it, KAFKA-18659; its v0-v2 message sets are
  // up-converted.)
  for (const ApiInfo& a : supported_apis()) {
    resp.api_keys.push_back({static_cast<int16_t>(a.key), a.min_version, a.max_version});
  }
  return resp;
}

Result<ResponseFrame> encode_api_versions_unsupported(int32_t correlation_id) {
  ApiVersionsResponse resp = make_api_versions_response();
  resp.error_code = to_wire(ErrorCode::kUnsupportedVersion);
  return encode_response(correlation_id, 0, resp);
}

}  // namespace sluice::kafka
