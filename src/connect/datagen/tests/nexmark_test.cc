#include "connect/datagen/nexmark.h"

#include <gtest/gtest.h>

#include <map>
#include <numeric>
#include <sstream>

#include "format/format.h"
#include "format/value.h"

namespace sluice::connect::nexmark {
namespace {

using format::ColumnBatch;
using format::Value;

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> lines;
  std::istringstream in(s);
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

TEST(NexmarkTest, DeterministicForASeed) {
  NexmarkConfig c;
  c.seed = 7;
  NexmarkGenerator a(c), b(c);
  std::string ja, jb;
  EXPECT_EQ(a.next_json_lines(ja, 500), 500u);
  EXPECT_EQ(b.next_json_lines(jb, 500), 500u);
  EXPECT_EQ(ja, jb);
  c.seed = 8;
  NexmarkGenerator other(c);
  std::string jo;
  other.next_json_lines(jo, 500);
  EXPECT_NE(ja, jo);
}

TEST(NexmarkTest, ProportionsAndSequentialIds) {
  NexmarkGenerator g(NexmarkConfig{});
  ColumnBatch batch(NexmarkGenerator::schema(), 5000);
  std::map<int32_t, int> counts;
  int64_t next_person = kFirstPersonId;
  int64_t next_auction = kFirstAuctionId;
  for (int round = 0; round < 10; ++round) {
    batch.reset();
    ASSERT_EQ(g.next_batch(batch, 5000), 5000u);
    for (size_t i = 0; i < batch.size(); ++i) {
      int32_t kind = batch.column(0).get<int32_t>(i);
      ++counts[kind];
      // Event ids cycle through 1 person, 3 auctions, 46 bids.
      int64_t id_in_epoch = batch.offset()[i] % 50;
      EXPECT_EQ(kind, id_in_epoch < 1 ? kPerson : id_in_epoch < 4 ? kAuction : kBid);
      if (kind == kPerson) {
        EXPECT_EQ(batch.column(1).child(0).get<int64_t>(i), next_person++);
        EXPECT_TRUE(batch.column(2).is_null(i));
        EXPECT_TRUE(batch.column(3).is_null(i));
      } else if (kind == kAuction) {
        EXPECT_EQ(batch.column(2).child(0).get<int64_t>(i), next_auction++);
        EXPECT_TRUE(batch.column(1).is_null(i));
      } else {
        const auto& bid = batch.column(3);
        int64_t auction = bid.child(0).get<int64_t>(i);
        int64_t bidder = bid.child(1).get<int64_t>(i);
        int64_t price = bid.child(2).get<int64_t>(i);
        // Bids refer to auctions and people that exist (or are a few ids ahead).
        EXPECT_GE(auction, kFirstAuctionId);
        EXPECT_LT(auction, next_auction + 10);
        EXPECT_GE(bidder, kFirstPersonId);
        EXPECT_LT(bidder, next_person + 10);
        EXPECT_GE(price, 100);
        EXPECT_LE(price, 100'000'000);
      }
    }
  }
  EXPECT_EQ(counts[kPerson], 1000);
  EXPECT_EQ(counts[kAuction], 3000);
  EXPECT_EQ(counts[kBid], 46000);
}

TEST(NexmarkTest, EventTimeFollowsTheRate) {
  NexmarkConfig c;
  c.events_per_second = 1000;  // 1 ms apart
  c.base_time_ms = 5'000;
  NexmarkGenerator g(c);
  ColumnBatch batch(NexmarkGenerator::schema(), 100);
  g.next_batch(batch, 100);
  for (size_t i = 0; i < 100; ++i) {
    EXPECT_EQ(batch.rowtime()[i], 5'000 + static_cast<int64_t>(i));
    int32_t kind = batch.column(0).get<int32_t>(i);
    const auto& s = batch.column(1 + kind);
    size_t dt = kind == kPerson ? 6 : 5;  // the DATETIME field
    EXPECT_EQ(s.child(dt).get<int64_t>(i), batch.rowtime()[i]);
    if (kind == kAuction) {
      EXPECT_GT(s.child(6).get<int64_t>(i), batch.rowtime()[i]);  // expires
    }
  }
  EXPECT_EQ(g.timestamp_for_event(2500), 7'500);
}

TEST(NexmarkTest, HotAuctionsBiddersAndChannels) {
  NexmarkGenerator g(NexmarkConfig{});
  ColumnBatch batch(NexmarkGenerator::schema(), 50'000);
  g.next_batch(batch, 50'000);
  int bids = 0, hot_auction = 0, hot_bidder = 0, hot_channel = 0;
  double extra_len = 0;
  for (size_t i = 0; i < batch.size(); ++i) {
    if (batch.column(0).get<int32_t>(i) != kBid) continue;
    const auto& bid = batch.column(3);
    ++bids;
    if ((bid.child(0).get<int64_t>(i) - kFirstAuctionId) % 100 == 0) ++hot_auction;
    if ((bid.child(1).get<int64_t>(i) - kFirstPersonId) % 100 == 1) ++hot_bidder;
    std::string_view ch = bid.child(3).get_string(i);
    if (ch == "Google" || ch == "Facebook" || ch == "Baidu" || ch == "Apple") ++hot_channel;
    if (ch.substr(0, 8) == "channel-") {
      EXPECT_EQ(bid.child(4).get_string(i).substr(0, 24), "https://www.nexmark.com/");
    }
    extra_len += static_cast<double>(bid.child(6).get_string(i).size());
  }
  // hot ratio 2 and 4: P(hot) = 1 - 1/ratio, plus the few random picks that land on one.
  EXPECT_NEAR(hot_auction / double(bids), 0.5, 0.03);
  EXPECT_NEAR(hot_bidder / double(bids), 0.75, 0.03);
  EXPECT_NEAR(hot_channel / double(bids), 0.5, 0.03);
  // 100-byte bids: 32 bytes of fields, the rest padding of 54..81 letters.
  EXPECT_NEAR(extra_len / bids, 68, 2);
}

TEST(NexmarkTest, JsonLinesDecodeToTheSameRows) {
  NexmarkConfig c;
  c.seed = 99;
  NexmarkGenerator for_batch(c), for_json(c);
  const size_t n = 400;
  ColumnBatch expected(NexmarkGenerator::schema(), n);
  ASSERT_EQ(for_batch.next_batch(expected, n), n);
  std::string json;
  ASSERT_EQ(for_json.next_json_lines(json, n), n);
  auto lines = lines_of(json);
  ASSERT_EQ(lines.size(), n);
  EXPECT_EQ(lines[0].rfind("{\"event_type\":0,\"person\":{\"id\":1000,\"name\":", 0), 0u);
  EXPECT_NE(lines[0].find("},\"auction\":null,\"bid\":null}"), std::string::npos);
  EXPECT_NE(lines[1].find("\"person\":null,\"auction\":{\"id\":1000,\"itemName\":"),
            std::string::npos);
  EXPECT_NE(lines[4].find("\"bid\":{\"auction\":"), std::string::npos);

  auto dec =
      format::json_format().make_decoder(NexmarkGenerator::schema(), format::Side::kValue, {});
  ASSERT_TRUE(dec.is_ok());
  ColumnBatch decoded(NexmarkGenerator::schema(), n);
  std::vector<format::RecordBytes> recs;
  recs.reserve(lines.size());
  for (const auto& l : lines) recs.push_back(format::RecordBytes::of(l));
  format::DecodeErrors errors;
  std::vector<uint32_t> cols = {0, 1, 2, 3};
  (*dec)->decode(recs, decoded, 0, cols, errors);
  decoded.set_size(n);
  ASSERT_TRUE(errors.empty()) << errors.errors()[0].message;
  for (size_t i = 0; i < n; ++i) {
    for (size_t col = 0; col < 4; ++col) {
      Value want = format::read_value(expected.column(col), i);
      Value got = format::read_value(decoded.column(col), i);
      ASSERT_EQ(got, want) << "row " << i << " col " << col << ": " << got.to_string() << " vs "
                           << want.to_string();
    }
  }
}

TEST(NexmarkTest, StopsAtMaxEvents) {
  NexmarkConfig c;
  c.max_events = 120;
  NexmarkGenerator g(c);
  ColumnBatch batch(NexmarkGenerator::schema(), 100);
  EXPECT_EQ(g.next_batch(batch, 100), 100u);
  EXPECT_TRUE(g.has_next());
  batch.reset();
  EXPECT_EQ(g.next_batch(batch, 100), 20u);
  EXPECT_FALSE(g.has_next());
  std::string json;
  EXPECT_EQ(g.next_json_lines(json, 10), 0u);
  EXPECT_TRUE(json.empty());
}

}  // namespace
}  // namespace sluice::connect::nexmark
