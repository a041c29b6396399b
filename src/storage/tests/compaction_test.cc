#include <gtest/gtest.h>

#include <map>
#include <thread>

#include "storage/partition.h"
#include "storage/tests/test_util.h"

namespace sluice {
namespace {

using testing::make_kv_batch;
using testing::TempDir;

struct Rec {
  int64_t offset;
  std::string key;
  std::optional<std::string> value;
};

std::vector<Rec> all_records(const Partition& p) {
  std::vector<Rec> out;
  Offset next = p.log_start_offset();
  while (next < p.high_watermark()) {
    auto bytes = p.read_bytes(next, 1 << 20, p.high_watermark());
    EXPECT_TRUE(bytes.is_ok()) << bytes.status().to_string();
    if (!bytes.is_ok() || bytes->empty()) break;
    auto views = split_batches(*bytes);
    EXPECT_TRUE(views.is_ok());
    for (const auto& v : *views) {
      EXPECT_TRUE(v.validate().is_ok()) << v.validate().to_string();
      if (v.header().is_control()) {
        next = Offset(v.last_offset() + 1);
        continue;
      }
      auto reader = RecordReader::open(v);
      Record r;
      while (reader->next(r)) {
        if (r.offset < next.value()) continue;
        out.push_back({r.offset, std::string(as_string_view(*r.key)),
                       r.value ? std::optional<std::string>(std::string(as_string_view(*r.value)))
                               : std::nullopt});
      }
      next = Offset(v.last_offset() + 1);
    }
  }
  return out;
}

LogConfig compact_config() {
  LogConfig c;
  c.fsync = FsyncPolicy::kNever;
  c.cleanup_policy = CleanupPolicy::kCompact;
  c.segment_bytes = 600;
  c.index_interval_bytes = 128;
  c.delete_retention_ms = 1000;
  return c;
}

TEST(Compaction, KeepsLatestValuePerKeyWithOriginalOffsets) {
  for (auto codec : {CompressionCodec::kNone, CompressionCodec::kZstd, CompressionCodec::kSnappy}) {
    TempDir dir;
    auto p =
        std::move(Partition::open(posix_file_system(), dir.sub("p"), "t", 0, compact_config(), 0))
            .value();
    std::map<std::string, std::pair<int64_t, std::string>> expect;
    for (int i = 0; i < 60; ++i) {
      std::string key = "key" + std::to_string(i % 7);
      std::string value = "value-" + std::to_string(i);
      auto info = p->append(make_kv_batch(key, value, 10'000 + i, codec));
      ASSERT_TRUE(info.is_ok());
      expect[key] = {info->base_offset.value(), value};
    }
    // Multi-record batches too: some records survive, some do not.
    RecordBatchBuilder b(codec);
    b.add(20'000, as_bytes("key1"), as_bytes("multi-1"));
    b.add(20'001, as_bytes("solo"), as_bytes("only-once"));
    b.add(20'002, as_bytes("key1"), as_bytes("multi-2"));
    auto info = p->append(b.build().value());
    ASSERT_TRUE(info.is_ok());
    expect["key1"] = {info->base_offset.value() + 2, "multi-2"};
    expect["solo"] = {info->base_offset.value() + 1, "only-once"};
    ASSERT_TRUE(p->append(make_kv_batch("tail", "x", 30'000, codec)).is_ok());  // roll past it
    for (int i = 0; i < 8; ++i) ASSERT_TRUE(p->append(make_kv_batch("pad", "y", 30'000)).is_ok());
    expect["tail"] = {info->base_offset.value() + 3, "x"};

    uint64_t before = p->stats().size_bytes;
    size_t segments_before = p->stats().segments;
    ASSERT_TRUE(p->compact(40'000).is_ok());
    EXPECT_LT(p->stats().size_bytes, before);
    EXPECT_LT(p->stats().segments, segments_before);  // emptied segments are dropped
    auto recs = all_records(*p);
    std::map<std::string, std::pair<int64_t, std::string>> got;
    int64_t prev = -1;
    for (const auto& r : recs) {
      EXPECT_GT(r.offset, prev);
      prev = r.offset;
      if (r.key == "pad") continue;  // the active segment is not rewritten
      EXPECT_EQ(got.count(r.key), 0u)
          << "duplicate key " << r.key << " codec " << compression_codec_name(codec);
      got[r.key] = {r.offset, *r.value};
    }
    EXPECT_EQ(got, expect) << compression_codec_name(codec);
    // Offsets stay valid for reads and the next append continues after the old end.
    auto next = p->append(make_kv_batch("z", "z", 50'000));
    ASSERT_TRUE(next.is_ok());
    EXPECT_EQ(next->base_offset.value(), info->base_offset.value() + 4 + 8);
    // Reading from an offset that was compacted away starts at the next surviving batch.
    auto r = p->read(Offset(1), 1, p->high_watermark());
    ASSERT_TRUE(r.is_ok());
    EXPECT_GT(r->first_offset.value(), 1);
  }
}

std::vector<uint8_t> txn_batch(int64_t producer_id, int32_t sequence, const std::string& key,
                               const std::string& value) {
  RecordBatchBuilder b;
  b.set_producer(producer_id, 0, sequence).set_transactional(true);
  b.add(10'000, as_bytes(key), as_bytes(value));
  return b.build().value();
}

std::vector<uint8_t> marker(int64_t producer_id, ControlType type) {
  return build_control_batch(producer_id, 0, type, 0, 10'000).value();
}

// A transaction's records count once committed (superseding older values), vanish once aborted,
// and stay untouched while open (they may yet be aborted, so older values must stay too).
TEST(Compaction, HonoursTransactions) {
  TempDir dir;
  auto p =
      std::move(Partition::open(posix_file_system(), dir.sub("p"), "t", 0, compact_config(), 0))
          .value();
  ASSERT_TRUE(p->append(make_kv_batch("a", "plain", 10'000)).is_ok());
  ASSERT_TRUE(p->append(make_kv_batch("c", "plain-c", 10'000)).is_ok());
  ASSERT_TRUE(p->append(txn_batch(1, 0, "a", "committed")).is_ok());
  ASSERT_TRUE(p->append(txn_batch(2, 0, "a", "aborted")).is_ok());
  ASSERT_TRUE(p->append(txn_batch(2, 1, "b", "aborted-b")).is_ok());
  ASSERT_TRUE(p->append(txn_batch(3, 0, "c", "open")).is_ok());
  ASSERT_TRUE(p->append(marker(1, ControlType::kCommit)).is_ok());
  ASSERT_TRUE(p->append(marker(2, ControlType::kAbort)).is_ok());
  for (int i = 0; i < 12; ++i) ASSERT_TRUE(p->append(make_kv_batch("pad", "y", 10'000)).is_ok());
  ASSERT_GE(p->stats().segments, 2u);

  ASSERT_TRUE(p->compact(20'000).is_ok());
  std::map<std::string, std::vector<std::string>> got;
  for (const auto& r : all_records(*p)) {
    if (r.key != "pad") got[r.key].push_back(*r.value);
  }
  EXPECT_EQ(got["a"], std::vector<std::string>{"committed"});
  EXPECT_EQ(got.count("b"), 0u);
  EXPECT_EQ(got["c"], (std::vector<std::string>{"plain-c", "open"}));
}

TEST(Compaction, TombstonesExpireAfterDeleteRetention) {
  TempDir dir;
  LogConfig cfg = compact_config();
  auto p = std::move(Partition::open(posix_file_system(), dir.sub("p"), "t", 0, cfg, 0)).value();
  ASSERT_TRUE(p->append(make_kv_batch("a", "1", 1000)).is_ok());
  ASSERT_TRUE(p->append(make_kv_batch("b", "2", 1000)).is_ok());
  ASSERT_TRUE(p->append(make_kv_batch("a", std::nullopt, 5000)).is_ok());  // delete a
  for (int i = 0; i < 12; ++i)
    ASSERT_TRUE(p->append(make_kv_batch("pad" + std::to_string(i), "p", 5000)).is_ok());
  ASSERT_TRUE(p->compact(5500).is_ok());
  auto recs = all_records(*p);
  bool tombstone = false, old_a = false;
  for (const auto& r : recs) {
    if (r.key == "a" && !r.value) tombstone = true;
    if (r.key == "a" && r.value) old_a = true;
  }
  EXPECT_TRUE(tombstone);  // still within delete.retention.ms
  EXPECT_FALSE(old_a);
  // Maintenance after the tombstone's expiry removes it even without new segments.
  ASSERT_TRUE(p->run_maintenance(6001).is_ok());
  recs = all_records(*p);
  for (const auto& r : recs) EXPECT_NE(r.key, "a");
  bool b_kept = false;
  for (const auto& r : recs) b_kept |= r.key == "b";
  EXPECT_TRUE(b_kept);
}

TEST(Compaction, SurvivesRestartAndAppendsRunConcurrently) {
  TempDir dir;
  LogConfig cfg = compact_config();
  auto p = std::move(Partition::open(posix_file_system(), dir.sub("p"), "t", 0, cfg, 0)).value();
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(
        p->append(make_kv_batch("k" + std::to_string(i % 10), std::to_string(i), i)).is_ok());
  }
  std::atomic<bool> stop{false};
  std::atomic<int> appended{0};
  std::thread writer([&] {
    for (int i = 0; i < 300 && !stop; ++i) {
      if (p->append(make_kv_batch("w", "v", 100)).is_ok()) ++appended;
    }
  });
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(p->compact(1000).is_ok());
  stop = true;
  writer.join();
  EXPECT_GT(appended.load(), 0);
  int64_t leo = p->log_end_offset().value();
  auto before = all_records(*p);
  p.reset();
  auto again =
      std::move(Partition::open(posix_file_system(), dir.sub("p"), "t", 0, cfg, 0)).value();
  EXPECT_EQ(again->log_end_offset().value(), leo);
  auto after = all_records(*again);
  ASSERT_EQ(before.size(), after.size());
  for (size_t i = 0; i < before.size(); ++i) EXPECT_EQ(before[i].offset, after[i].offset);
  std::map<std::string, std::string> latest;
  for (const auto& r : after) latest[r.key] = *r.value;
  for (int k = 0; k < 10; ++k) EXPECT_EQ(latest["k" + std::to_string(k)], std::to_string(190 + k));
}

}  // namespace
}  // namespace sluice
