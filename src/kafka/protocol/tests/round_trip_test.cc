// Every API, every supported version, request and response: encode then decode gives back the
// same message, and re-encoding gives the same bytes.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>

#include "kafka/protocol/frame.h"
#include "kafka/protocol/tests/test_util.h"

namespace sluice::kafka {
namespace {

using testing::filled;

template <typename T>
void round_trip_body(int16_t version, uint32_t seed) {
  SCOPED_TRACE(::testing::Message()
               << api_name(ApiOf<T>::kKey) << (ApiOf<T>::kIsRequest ? "Request" : "Response")
               << " v" << version << " seed " << seed);
  T in = filled<T>(version, seed);
  ByteWriter w;
  Status st = encode_body(w, in, version);
  ASSERT_TRUE(st.is_ok()) << st.to_string();
  std::vector<uint8_t> bytes = w.take();
  ByteReader r(bytes);
  T out;
  Status ds = decode_body(r, out, version);
  ASSERT_TRUE(ds.is_ok()) << ds.to_string();
  EXPECT_EQ(r.remaining(), 0u);
  EXPECT_TRUE(in == out);
  ByteWriter w2;
  ASSERT_TRUE(encode_body(w2, out, version).is_ok());
  EXPECT_EQ(testing::hex(w2.span()), testing::hex(bytes));
}

template <typename Q, typename R>
void round_trip_api() {
  const ApiInfo& info = api_info(ApiOf<Q>::kKey);
  int flexible = 0, rigid = 0;
  for (int16_t v = info.min_version; v <= info.max_version; ++v) {
    (info.is_flexible(v) ? flexible : rigid)++;
    for (uint32_t seed = 0; seed < 4; ++seed) {
      round_trip_body<Q>(v, seed);
      round_trip_body<R>(v, seed);
    }
  }
  EXPECT_GT(flexible + rigid, 0);
}

#define SLUICE_KAFKA_ROUND_TRIP_TEST(name, key, min, max, flex) \
  TEST(KafkaRoundTrip, name) {                                  \
    round_trip_api<name##Request, name##Response>();            \
  }
SLUICE_KAFKA_APIS(SLUICE_KAFKA_ROUND_TRIP_TEST)
#undef SLUICE_KAFKA_ROUND_TRIP_TEST

// Whole frames: header v1/v2 requests through parse_request_frame, responses (header v0/v1)
// through parse_response_frame.
TEST(KafkaRoundTrip, FramesOfEveryApiAndVersion) {
  int frames = 0;
  for (const ApiInfo& info : supported_apis()) {
    for (int16_t v = info.min_version; v <= info.max_version; ++v) {
      SCOPED_TRACE(::testing::Message() << info.name << " v" << v);
      Result<RequestBody> sample_req = Status::internal("unset");
      Result<ResponseBody> sample_resp = Status::internal("unset");
      switch (info.key) {
#define SLUICE_KAFKA_SAMPLE(name, key_, min, max, flex)       \
  case ApiKey::k##name:                                       \
    sample_req = RequestBody(filled<name##Request>(v, 7));    \
    sample_resp = ResponseBody(filled<name##Response>(v, 7)); \
    break;
        SLUICE_KAFKA_APIS(SLUICE_KAFKA_SAMPLE)
#undef SLUICE_KAFKA_SAMPLE
      }
      RequestHeader h{static_cast<int16_t>(info.key), v, 1000 + v, std::string("client-x")};
      auto req = encode_request(h, *sample_req);
      ASSERT_TRUE(req.is_ok()) << req.status().to_string();
      Result<int32_t> size = parse_frame_size(*req);
      ASSERT_TRUE(size.is_ok());
      ASSERT_EQ(static_cast<size_t>(*size) + 4, req->size());
      auto parsed = parse_request_frame(ByteSpan(*req).subspan(4));
      ASSERT_TRUE(parsed.is_ok()) << parsed.status().to_string();
      ASSERT_TRUE(parsed->ok()) << parsed->status.to_string();
      EXPECT_EQ(parsed->header, h);
      EXPECT_EQ(parsed->api, &info);
      EXPECT_TRUE(parsed->body == *sample_req);

      auto resp = encode_response(77, v, *sample_resp);
      ASSERT_TRUE(resp.is_ok()) << resp.status().to_string();
      ASSERT_TRUE(resp->splices.empty());
      auto back = parse_response_frame(info.key, v, ByteSpan(resp->bytes).subspan(4));
      ASSERT_TRUE(back.is_ok()) << back.status().to_string();
      EXPECT_EQ(back->correlation_id, 77);
      EXPECT_TRUE(back->body == *sample_resp);
      ++frames;
    }
  }
  EXPECT_GT(frames, 100);
}

}  // namespace
}  // namespace sluice::kafka

namespace sluice::kafka {
namespace {

// Writes the fuzz seed corpus: one request frame (without size prefix) per API at its lowest and
// highest version, into $SLUICE_FUZZ_SEED_DIR. Run by hand when the set of APIs changes.
TEST(KafkaRoundTrip, DISABLED_WriteFuzzSeeds) {
  const char* dir = std::getenv("SLUICE_FUZZ_SEED_DIR");
  ASSERT_NE(dir, nullptr) << "set SLUICE_FUZZ_SEED_DIR";
  for (const ApiInfo& info : supported_apis()) {
    for (int16_t v : {info.min_version, info.max_version}) {
      Result<std::vector<uint8_t>> frame = Status::internal("unset");
      switch (info.key) {
#define SLUICE_KAFKA_SAMPLE(name, key_, min, max, flex)                         \
  case ApiKey::k##name:                                                         \
    frame = encode_request(v, "seed", v, testing::filled<name##Request>(v, 5)); \
    break;
        SLUICE_KAFKA_APIS(SLUICE_KAFKA_SAMPLE)
#undef SLUICE_KAFKA_SAMPLE
      }
      ASSERT_TRUE(frame.is_ok());
      std::string path = fmt::format("{}/{}_v{}", dir, info.name, v);
      FILE* f = std::fopen(path.c_str(), "wb");
      ASSERT_NE(f, nullptr) << path;
      std::fwrite(frame->data() + 4, 1, frame->size() - 4, f);
      std::fclose(f);
    }
  }
}

}  // namespace
}  // namespace sluice::kafka
