#include "kafka/group/records.h"

#include <gtest/gtest.h>

namespace sluice::kafka::group {
namespace {

ByteSpan span(const std::vector<uint8_t>& v) {
  return {v.data(), v.size()};
}

TEST(GroupRecords, OffsetKeyLayoutIsByteExact) {
  std::vector<uint8_t> k = encode_key(OffsetKey{"g", "t", 258});
  std::vector<uint8_t> want = {0, 1, 0, 1, 'g', 0, 1, 't', 0, 0, 1, 2};
  EXPECT_EQ(k, want);
  std::vector<uint8_t> gk = encode_key(GroupKey{"ab"});
  std::vector<uint8_t> gwant = {0, 2, 0, 2, 'a', 'b'};
  EXPECT_EQ(gk, gwant);
}

TEST(GroupRecords, OffsetValueLayoutIsByteExact) {
  std::vector<uint8_t> v = encode_value(OffsetValue{5, 7, "m", 9});
  std::vector<uint8_t> want = {0, 3, 0, 0,   0, 0, 0, 0, 0, 5, 0, 0, 0,
                               7, 0, 1, 'm', 0, 0, 0, 0, 0, 0, 0, 9};
  EXPECT_EQ(v, want);
}

TEST(GroupRecords, KeysRoundTrip) {
  auto k = decode_key(span(encode_key(OffsetKey{"group", "topic", 3})));
  ASSERT_TRUE(k.is_ok());
  const auto& ok = std::get<OffsetKey>(*k);
  EXPECT_EQ(ok.group_id, "group");
  EXPECT_EQ(ok.topic, "topic");
  EXPECT_EQ(ok.partition, 3);
  auto g = decode_key(span(encode_key(GroupKey{"group"})));
  ASSERT_TRUE(g.is_ok());
  EXPECT_EQ(std::get<GroupKey>(*g).group_id, "group");
}

TEST(GroupRecords, GroupValueRoundTrips) {
  GroupValue v;
  v.protocol_type = "consumer";
  v.generation_id = 4;
  v.protocol_name = "range";
  v.leader_id = "m1";
  v.current_state_timestamp_ms = 123;
  v.members.push_back({"m1", "inst-1", "c1", "/h1", 300, 100, {1, 2}, {3}});
  v.members.push_back({"m2", std::nullopt, "c2", "/h2", 301, 101, {}, {4, 5, 6}});
  auto d = decode_group_value(span(encode_value(v)));
  ASSERT_TRUE(d.is_ok()) << d.status().to_string();
  EXPECT_EQ(d->protocol_type, "consumer");
  EXPECT_EQ(d->generation_id, 4);
  EXPECT_EQ(d->protocol_name, "range");
  EXPECT_EQ(d->leader_id, "m1");
  EXPECT_EQ(d->current_state_timestamp_ms, 123);
  ASSERT_EQ(d->members.size(), 2u);
  EXPECT_EQ(d->members[0].group_instance_id, "inst-1");
  EXPECT_EQ(d->members[0].subscription, (std::vector<uint8_t>{1, 2}));
  EXPECT_EQ(d->members[1].group_instance_id, std::nullopt);
  EXPECT_EQ(d->members[1].assignment, (std::vector<uint8_t>{4, 5, 6}));
  EXPECT_EQ(d->members[1].session_timeout_ms, 101);

  GroupValue empty;
  empty.generation_id = 2;
  auto e = decode_group_value(span(encode_value(empty)));
  ASSERT_TRUE(e.is_ok());
  EXPECT_FALSE(e->protocol_name.has_value());
  EXPECT_FALSE(e->leader_id.has_value());
  EXPECT_TRUE(e->members.empty());
}

TEST(GroupRecords, RejectsMalformedRecords) {
  std::vector<uint8_t> k = encode_key(OffsetKey{"g", "t", 1});
  std::vector<uint8_t> truncated(k.begin(), k.end() - 1);
  EXPECT_EQ(decode_key(span(truncated)).status().code(), StatusCode::kCorruption);
  std::vector<uint8_t> trailing = k;
  trailing.push_back(0);
  EXPECT_EQ(decode_key(span(trailing)).status().code(), StatusCode::kCorruption);
  std::vector<uint8_t> unknown = {0, 9, 0, 0};
  EXPECT_EQ(decode_key(span(unknown)).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(decode_key({}).status().code(), StatusCode::kCorruption);

  std::vector<uint8_t> v = encode_value(OffsetValue{1, -1, "", 0});
  v[1] = 1;  // version 1 is not written by us
  EXPECT_EQ(decode_offset_value(span(v)).status().code(), StatusCode::kCorruption);

  GroupValue g;
  g.members.push_back({"m", std::nullopt, "c", "h", 1, 1, {}, {}});
  std::vector<uint8_t> gv = encode_value(g);
  // A member count far beyond the bytes present must fail without allocating for it.
  size_t count_at = 2 + 2 + 4 + 2 + 2 + 8;
  gv[count_at] = 0x7f;
  EXPECT_EQ(decode_group_value(span(gv)).status().code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace sluice::kafka::group

namespace sluice::kafka::group {
namespace {

// Every truncation and every single-byte change of valid records decodes to a value or to
// kCorruption, never to a crash or an over-read (the sanitizer build checks the latter).
TEST(GroupRecords, MutatedRecordsNeverCrash) {
  GroupValue gv;
  gv.protocol_type = "consumer";
  gv.protocol_name = "range";
  gv.leader_id = "m1";
  gv.members.push_back({"m1", "i", "c", "h", 1, 2, {1, 2, 3}, {4, 5}});
  std::vector<std::vector<uint8_t>> seeds = {
      encode_key(OffsetKey{"group", "topic", 1}), encode_key(GroupKey{"group"}),
      encode_value(OffsetValue{1, 2, "meta", 3}), encode_value(gv)};
  uint32_t x = 12345;
  for (const auto& seed : seeds) {
    for (size_t cut = 0; cut <= seed.size(); ++cut) {
      ByteSpan s(seed.data(), cut);
      decode_key(s).ignore_error();
      decode_offset_value(s).ignore_error();
      decode_group_value(s).ignore_error();
    }
    for (size_t i = 0; i < seed.size(); ++i) {
      for (int k = 0; k < 8; ++k) {
        std::vector<uint8_t> m = seed;
        x = x * 1103515245 + 12345;
        m[i] = static_cast<uint8_t>(x >> 16);
        ByteSpan s(m.data(), m.size());
        auto a = decode_key(s);
        auto b = decode_offset_value(s);
        auto c = decode_group_value(s);
        for (const Status* st : {&a.status(), &b.status(), &c.status()}) {
          EXPECT_TRUE(st->is_ok() || st->code() == StatusCode::kCorruption);
        }
      }
    }
  }
}

}  // namespace
}  // namespace sluice::kafka::group
