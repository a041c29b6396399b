#include "kafka/protocol/api.h"

#include <algorithm>
#include <array>
#include <cassert>

namespace sluice::kafka {
namespace {

constexpr std::array kApis = {
#define SLUICE_KAFKA_API_INFO(name, key, min, max, flex) \
  ApiInfo{ApiKey::k##name, #name, min, max, flex},
    SLUICE_KAFKA_APIS(SLUICE_KAFKA_API_INFO)
#undef SLUICE_KAFKA_API_INFO
};

static_assert(std::is_sorted(kApis.begin(), kApis.end(),
                             [](const ApiInfo& a, const ApiInfo& b) { return a.key < b.key; }),
              "SLUICE_KAFKA_APIS must be ordered by key");

}  // namespace

std::span<const ApiInfo> supported_apis() {
  return kApis;
}

const ApiInfo* find_api(int16_t key) {
  for (const ApiInfo& a : kApis) {
    if (static_cast<int16_t>(a.key) == key) return &a;
  }
  return nullptr;
}

const ApiInfo& api_info(ApiKey key) {
  const ApiInfo* a = find_api(static_cast<int16_t>(key));
  assert(a != nullptr);
  return *a;
}

std::string_view api_name(ApiKey key) {
  return api_info(key).name;
}

Result<RequestBody> decode_request_body(ApiKey key, int16_t version, ByteReader& r) {
  switch (key) {
#define SLUICE_KAFKA_API_DECODE(name, key_, min, max, flex)                         \
  case ApiKey::k##name: {                                                           \
    RequestBody body(std::in_place_type<name##Request>);                            \
    SLUICE_RETURN_IF_ERROR(decode_body(r, std::get<name##Request>(body), version)); \
    return body;                                                                    \
  }
    SLUICE_KAFKA_APIS(SLUICE_KAFKA_API_DECODE)
#undef SLUICE_KAFKA_API_DECODE
  }
  return Status::unsupported("unknown api key");
}

Result<ResponseBody> decode_response_body(ApiKey key, int16_t version, ByteReader& r) {
  switch (key) {
#define SLUICE_KAFKA_API_DECODE(name, key_, min, max, flex)                          \
  case ApiKey::k##name: {                                                            \
    ResponseBody body(std::in_place_type<name##Response>);                           \
    SLUICE_RETURN_IF_ERROR(decode_body(r, std::get<name##Response>(body), version)); \
    return body;                                                                     \
  }
    SLUICE_KAFKA_APIS(SLUICE_KAFKA_API_DECODE)
#undef SLUICE_KAFKA_API_DECODE
  }
  return Status::unsupported("unknown api key");
}

namespace {
template <typename Variant>
ApiKey key_of(const Variant& v) {
  return std::visit(
      [](const auto& b) -> ApiKey {
        using T = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          assert(false && "empty body");
          return ApiKey::kApiVersions;
        } else {
          return ApiOf<T>::kKey;
        }
      },
      v);
}
}  // namespace

ApiKey api_key_of(const RequestBody& body) {
  return key_of(body);
}
ApiKey api_key_of(const ResponseBody& body) {
  return key_of(body);
}

}  // namespace sluice::kafka
