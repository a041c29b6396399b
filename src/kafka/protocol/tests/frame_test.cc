// Hand-checked byte vectors: frames captured from librdkafka 2.0.2 (kcat -L against a listener),
// frames assembled by hand from the protocol guide, response splices, and KIP-511.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "kafka/protocol/frame.h"
#include "kafka/protocol/tests/test_util.h"

namespace sluice::kafka {
namespace {

using testing::hex;
using testing::unhex;

// librdkafka's first request: ApiVersions v3, header v2 (client_id "rdkafka", no tags), body
// client_software_name "librdkafka" and client_software_version "2.0.2" as compact strings.
constexpr std::string_view kRdkafkaApiVersions =
    "0012000300000001000772646b61666b61000b6c696272646b61666b6106322e302e3200";
// Its second, after our ApiVersions answer: Metadata v4 with an empty topic array (brokers only)
// and allow_auto_topic_creation false.
constexpr std::string_view kRdkafkaMetadata = "0003000400000002000772646b61666b610000000000";

TEST(KafkaFrame, ParsesLibrdkafkaApiVersionsV3) {
  std::vector<uint8_t> frame = unhex(kRdkafkaApiVersions);
  auto p = parse_request_frame(frame);
  ASSERT_TRUE(p.is_ok()) << p.status().to_string();
  ASSERT_TRUE(p->ok()) << p->status.to_string();
  EXPECT_EQ(p->api_key(), ApiKey::kApiVersions);
  EXPECT_EQ(p->version(), 3);
  EXPECT_EQ(p->header.correlation_id, 1);
  EXPECT_EQ(p->header.client_id, "rdkafka");
  const auto& req = std::get<ApiVersionsRequest>(p->body);
  EXPECT_EQ(req.client_software_name, "librdkafka");
  EXPECT_EQ(req.client_software_version, "2.0.2");
  // Our encoder produces the very same bytes.
  auto again = encode_request(p->header, p->body);
  ASSERT_TRUE(again.is_ok());
  EXPECT_EQ(hex(ByteSpan(*again).subspan(4)), kRdkafkaApiVersions);
}

TEST(KafkaFrame, ParsesLibrdkafkaMetadataV4) {
  std::vector<uint8_t> frame = unhex(kRdkafkaMetadata);
  auto p = parse_request_frame(frame);
  ASSERT_TRUE(p.is_ok() && p->ok());
  EXPECT_EQ(p->api_key(), ApiKey::kMetadata);
  EXPECT_EQ(p->version(), 4);
  const auto& req = std::get<MetadataRequest>(p->body);
  ASSERT_TRUE(req.topics.has_value());
  EXPECT_TRUE(req.topics->empty());
  EXPECT_FALSE(req.allow_auto_topic_creation);
  auto again = encode_request(p->header, p->body);
  ASSERT_TRUE(again.is_ok());
  EXPECT_EQ(hex(ByteSpan(*again).subspan(4)), kRdkafkaMetadata);
}

TEST(KafkaFrame, ApiVersionsV3ResponseUsesHeaderV0AndCompactBody) {
  ApiVersionsResponse resp;
  resp.api_keys = {{3, 0, 12}, {18, 0, 3}};
  auto f = encode_response(1, 3, resp);
  ASSERT_TRUE(f.is_ok());
  // size 23 | corr 1 | error 0 | compact array of 2 (03) each + empty tags | throttle 0 | tags 0
  EXPECT_EQ(hex(f->bytes),
            "0000001a"
            "00000001"
            "0000"
            "03"
            "00030000000c00"
            "00120000000300"
            "00000000"
            "00");
}

TEST(KafkaFrame, FlexibleResponseHeaderHasTagSection) {
  HeartbeatResponse resp;
  resp.error_code = to_wire(ErrorCode::kRebalanceInProgress);
  auto v4 = encode_response(9, 4, resp);
  ASSERT_TRUE(v4.is_ok());
  // size 12 | corr 9 | header tags 00 | throttle 0 | error 27 | body tags 00
  EXPECT_EQ(hex(v4->bytes),
            "0000000c"
            "00000009"
            "00"
            "00000000"
            "001b"
            "00");
  auto v0 = encode_response(9, 0, resp);
  ASSERT_TRUE(v0.is_ok());
  EXPECT_EQ(hex(v0->bytes),
            "00000006"
            "00000009"
            "001b");
}

TEST(KafkaFrame, ProduceV9DecodesRecordsWithoutCopy) {
  // Hand-built per the protocol guide: header v2, transactional_id null (compact 00), acks -1,
  // timeout 1000, one topic "t" with partition 0 and 3 record bytes "abc".
  std::vector<uint8_t> frame = unhex(
      "0000"
      "0009"
      "0000002a"
      "0001"
      "63"
      "00"
      "00"
      "ffff"
      "000003e8"
      "02"
      "0274"
      "02"
      "00000000"
      "04616263"
      "00"
      "00"
      "00");
  auto p = parse_request_frame(frame);
  ASSERT_TRUE(p.is_ok());
  ASSERT_TRUE(p->ok()) << p->status.to_string();
  EXPECT_EQ(p->header.client_id, "c");
  const auto& req = std::get<ProduceRequest>(p->body);
  EXPECT_FALSE(req.transactional_id.has_value());
  EXPECT_EQ(req.acks, -1);
  EXPECT_EQ(req.timeout_ms, 1000);
  ASSERT_EQ(req.topic_data.size(), 1u);
  EXPECT_EQ(req.topic_data[0].name, "t");
  const auto& part = req.topic_data[0].partition_data.at(0);
  ASSERT_TRUE(part.records.has_value());
  EXPECT_EQ(as_string_view(part.records->bytes), "abc");
  // Borrowed: the span points into the frame buffer.
  EXPECT_EQ(part.records->bytes.data(), frame.data() + frame.size() - 6);
}

TEST(KafkaFrame, FetchResponseSplicesRecords) {
  FetchResponse resp;
  resp.responses.resize(1);
  resp.responses[0].topic = "t";
  resp.responses[0].partitions.resize(2);
  resp.responses[0].partitions[0].records = Records::splice(42, 100);
  resp.responses[0].partitions[1].partition_index = 1;
  resp.responses[0].partitions[1].records = Records::splice(43, 5);
  for (int16_t v : {int16_t{4}, int16_t{11}, int16_t{12}}) {
    auto f = encode_response(5, v, resp);
    ASSERT_TRUE(f.is_ok()) << f.status().to_string();
    ASSERT_EQ(f->splices.size(), 2u);
    EXPECT_EQ(f->splices[0].id, 42u);
    EXPECT_EQ(f->splices[1].size, 5u);
    EXPECT_LT(f->splices[0].at, f->splices[1].at);
    EXPECT_EQ(f->wire_size(), f->bytes.size() + 105);
    std::vector<uint8_t> a(100, 0xaa), b(5, 0xbb);
    std::vector<uint8_t> flat =
        f->flatten([&](const Splice& s) { return s.id == 42 ? ByteSpan(a) : ByteSpan(b); });
    ASSERT_EQ(flat.size(), f->wire_size());
    auto size = parse_frame_size(flat);
    ASSERT_TRUE(size.is_ok());
    EXPECT_EQ(static_cast<size_t>(*size), flat.size() - 4);
    auto back = parse_response_frame(ApiKey::kFetch, v, ByteSpan(flat).subspan(4));
    ASSERT_TRUE(back.is_ok()) << back.status().to_string();
    const auto& parts = std::get<FetchResponse>(back->body).responses.at(0).partitions;
    EXPECT_TRUE(parts[0].records == Records::borrowed(a));
    EXPECT_TRUE(parts[1].records == Records::borrowed(b));
  }
}

TEST(KafkaFrame, TaggedFieldIsWrittenOnlyWhenNotDefault) {
  FetchRequest req;
  auto plain = encode_request(1, std::nullopt, 12, req);
  ASSERT_TRUE(plain.is_ok());
  req.cluster_id = "abc";
  auto tagged = encode_request(1, std::nullopt, 12, req);
  ASSERT_TRUE(tagged.is_ok());
  // The struct's tag section goes from "00" to count 1, tag 0, size 4, compact "abc".
  EXPECT_EQ(tagged->size(), plain->size() + 6);
  EXPECT_EQ(hex(ByteSpan(*tagged).last(7)), "01000404616263");
  auto p = parse_request_frame(ByteSpan(*tagged).subspan(4));
  ASSERT_TRUE(p.is_ok() && p->ok());
  EXPECT_EQ(std::get<FetchRequest>(p->body).cluster_id, "abc");
}

TEST(KafkaFrame, UnknownTaggedFieldsAreSkipped) {
  // ApiVersions v3 whose header and body each carry an unknown tag (5 and 9).
  std::vector<uint8_t> frame = unhex(
      "0012"
      "0003"
      "00000007"
      "ffff"
      "0105020102"
      "0261"
      "0262"
      "0109031122"
      "33");
  // body: name "a", version "b", tags: count 1, tag 9 size 3 -> 11 22 33
  auto p = parse_request_frame(frame);
  ASSERT_TRUE(p.is_ok()) << p.status().to_string();
  ASSERT_TRUE(p->ok()) << p->status.to_string();
  EXPECT_FALSE(p->header.client_id.has_value());
  EXPECT_EQ(std::get<ApiVersionsRequest>(p->body).client_software_name, "a");
}

TEST(KafkaFrame, UnsupportedVersionsAreIdentified) {
  // ApiVersions v4 (newer than ours): the header still parses, so we can answer.
  auto p =
      parse_request_frame(unhex("00120004000000070000"
                                "00"));
  ASSERT_TRUE(p.is_ok());
  EXPECT_EQ(p->error, ErrorCode::kUnsupportedVersion);
  EXPECT_EQ(p->header.correlation_id, 7);
  EXPECT_EQ(p->api_key(), ApiKey::kApiVersions);
  // Fetch v3 is below our range, key 1000 unknown.
  auto old = parse_request_frame(unhex("00010003000000080000"));
  ASSERT_TRUE(old.is_ok());
  EXPECT_EQ(old->error, ErrorCode::kUnsupportedVersion);
  auto unknown = parse_request_frame(unhex("03e80000000000090000"));
  ASSERT_TRUE(unknown.is_ok());
  EXPECT_EQ(unknown->error, ErrorCode::kUnsupportedVersion);
  EXPECT_EQ(unknown->api, nullptr);
  EXPECT_EQ(to_wire(unknown->error), 35);
}

TEST(KafkaFrame, ApiVersionsUnsupportedAnswerIsV0WithOurRanges) {
  auto f = encode_api_versions_unsupported(7);
  ASSERT_TRUE(f.is_ok());
  size_t n = supported_apis().size();
  // size | corr | error 35 | int32 count | 6 bytes per api | throttle absent in v0
  ASSERT_EQ(f->bytes.size(), 4 + 4 + 2 + 4 + 6 * n);
  EXPECT_EQ(hex(ByteSpan(f->bytes).first(14)).substr(8),
            "00000007"
            "0023" +
                fmt::format("{:08x}", n));                            // one entry per API we serve
  EXPECT_EQ(hex(ByteSpan(f->bytes).subspan(14, 6)), "000000000009");  // Produce 0-9
  auto back = parse_response_frame(ApiKey::kApiVersions, 0, ByteSpan(f->bytes).subspan(4));
  ASSERT_TRUE(back.is_ok());
  const auto& r = std::get<ApiVersionsResponse>(back->body);
  EXPECT_EQ(r.error_code, 35);
  ASSERT_EQ(r.api_keys.size(), n);
  EXPECT_EQ(r.api_keys.back().api_key, 60);
}

// ApiVersions lists the versions the frame parser accepts, no more, no less.
TEST(KafkaFrame, ApiVersionsListsExactlyTheServedVersions) {
  ApiVersionsResponse resp = make_api_versions_response();
  ASSERT_EQ(resp.api_keys.size(), supported_apis().size());
  for (size_t i = 0; i < resp.api_keys.size(); ++i) {
    const ApiInfo& info = supported_apis()[i];
    const auto& a = resp.api_keys[i];
    EXPECT_EQ(a.api_key, static_cast<int16_t>(info.key));
    EXPECT_EQ(a.max_version, info.max_version);
    EXPECT_EQ(a.min_version, info.min_version) << info.name;
  }
  // librdkafka before 2.10 compresses only when Produce v0 is listed (KAFKA-18659); v0-v2 are
  // served, their message sets up-converted.
  EXPECT_EQ(api_info(ApiKey::kProduce).min_version, 0);
}

TEST(KafkaFrame, FrameSizePrefixIsBounded) {
  EXPECT_TRUE(parse_frame_size(unhex("00000010")).is_ok());
  EXPECT_FALSE(parse_frame_size(unhex("ffffffff")).is_ok());
  EXPECT_FALSE(parse_frame_size(unhex("7fffffff")).is_ok());
  EXPECT_FALSE(parse_frame_size(unhex("000010")).is_ok());
  EXPECT_TRUE(parse_frame_size(unhex("06400000")).is_ok());   // exactly 100 MiB
  EXPECT_FALSE(parse_frame_size(unhex("06400001")).is_ok());  // one byte more
  EXPECT_FALSE(parse_frame_size(unhex("00000011"), 16).is_ok());
}

TEST(KafkaFrame, ErrorNames) {
  EXPECT_EQ(error_name(ErrorCode::kUnsupportedVersion), "UNSUPPORTED_VERSION");
  EXPECT_EQ(error_name(int16_t{3}), "UNKNOWN_TOPIC_OR_PARTITION");
  EXPECT_EQ(error_name(int16_t{-1}), "UNKNOWN_SERVER_ERROR");
  EXPECT_EQ(error_name(int16_t{30000}), "UNKNOWN_ERROR_CODE");
  EXPECT_TRUE(is_retriable(ErrorCode::kNotLeaderOrFollower));
  EXPECT_FALSE(is_retriable(ErrorCode::kTopicAuthorizationFailed));
}

TEST(KafkaFrame, EncodingNullWhereNotNullableFails) {
  MetadataRequest req;
  req.topics.reset();  // null means "all topics" only from v1
  EXPECT_TRUE(encode_request(1, "c", 1, req).is_ok());
  auto v0 = encode_request(1, "c", 0, req);
  ASSERT_FALSE(v0.is_ok());
  EXPECT_EQ(v0.status().message(),
            "encoding MetadataRequest v0: topics: null in non-nullable version 0");
  EXPECT_FALSE(encode_request(1, "c", 99, req).is_ok());
}

}  // namespace
}  // namespace sluice::kafka
