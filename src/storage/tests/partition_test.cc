#include "storage/partition.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "storage/fault_injection_fs.h"
#include "storage/tests/test_util.h"

namespace sluice {
namespace {

using testing::make_batch;
using testing::TempDir;

LogConfig small_config() {
  LogConfig c;
  c.fsync = FsyncPolicy::kNever;
  c.segment_bytes = 4096;
  c.index_interval_bytes = 256;
  return c;
}

std::unique_ptr<Partition> open_partition(FileSystem& fs, const std::string& dir,
                                          const LogConfig& cfg, int64_t now = 1000) {
  auto p = Partition::open(fs, dir, "t", 0, cfg, now);
  EXPECT_TRUE(p.is_ok()) << p.status().to_string();
  return std::move(p).value();
}

// Reads everything from `from` (up to the HW) and returns (base offset, bytes) per batch.
std::vector<std::pair<int64_t, std::vector<uint8_t>>> read_all(const Partition& p, int64_t from) {
  std::vector<std::pair<int64_t, std::vector<uint8_t>>> out;
  Offset next(from);
  while (next < p.high_watermark()) {
    auto r = p.read(next, 1 << 20, p.high_watermark());
    EXPECT_TRUE(r.is_ok()) << r.status().to_string();
    if (!r.is_ok() || r->empty()) break;
    std::vector<uint8_t> buf;
    EXPECT_TRUE(r->copy_to(buf).is_ok());
    auto views = split_batches(buf);
    EXPECT_TRUE(views.is_ok());
    for (const auto& v : *views) {
      EXPECT_TRUE(v.validate().is_ok());
      out.emplace_back(v.base_offset(), std::vector<uint8_t>(v.bytes().begin(), v.bytes().end()));
    }
    next = r->next_offset;
  }
  return out;
}

TEST(Partition, AppendAssignsOffsetsAndReadsBackExactBytes) {
  TempDir dir;
  auto p = open_partition(posix_file_system(), dir.sub("p"), small_config());
  std::vector<std::vector<uint8_t>> sent;
  for (int i = 0; i < 50; ++i) {
    auto b = make_batch(1 + i % 4, 50);
    auto info = p->append(b);
    ASSERT_TRUE(info.is_ok()) << info.status().to_string();
    EXPECT_EQ(info->last_offset.value() - info->base_offset.value(), i % 4);
    set_base_offset(b, info->base_offset.value());
    sent.push_back(b);
  }
  EXPECT_EQ(p->log_end_offset(), p->high_watermark());
  auto got = read_all(*p, 0);
  ASSERT_EQ(got.size(), sent.size());
  for (size_t i = 0; i < sent.size(); ++i) EXPECT_EQ(got[i].second, sent[i]) << i;
  EXPECT_GT(p->stats().segments, 2u);  // 4 KiB segments rolled
}

TEST(Partition, ReadStartsAtTheBatchContainingTheOffset) {
  TempDir dir;
  auto p = open_partition(posix_file_system(), dir.sub("p"), small_config());
  for (int i = 0; i < 40; ++i) ASSERT_TRUE(p->append(make_batch(5, 20)).is_ok());
  for (int64_t from : {0, 1, 4, 5, 77, 123, 199}) {
    auto r = p->read(Offset(from), 1, p->high_watermark());
    ASSERT_TRUE(r.is_ok());
    ASSERT_FALSE(r->empty());
    EXPECT_EQ(r->first_offset.value(), from / 5 * 5) << from;
    EXPECT_EQ(r->next_offset.value(), from / 5 * 5 + 5);
    auto bytes = p->read_bytes(Offset(from), 1, p->high_watermark());
    ASSERT_TRUE(bytes.is_ok());
    std::vector<uint8_t> copy;
    ASSERT_TRUE(r->copy_to(copy).is_ok());
    EXPECT_EQ(std::vector<uint8_t>(bytes->begin(), bytes->end()), copy);
  }
  // At the end: empty, not an error. Past it or below the start: out of range.
  auto end = p->read(Offset(200), 1000, p->high_watermark());
  ASSERT_TRUE(end.is_ok());
  EXPECT_TRUE(end->empty());
  EXPECT_EQ(p->read(Offset(201), 1000, p->high_watermark()).status().code(),
            StatusCode::kOutOfRange);
  EXPECT_EQ(p->read(Offset(-1), 1000, p->high_watermark()).status().code(),
            StatusCode::kOutOfRange);
}

TEST(Partition, ReadHonoursMaxBytesAndMaxOffsetButReturnsAtLeastOneBatch) {
  TempDir dir;
  LogConfig cfg = small_config();
  cfg.segment_bytes = 1 << 20;
  auto p = open_partition(posix_file_system(), dir.sub("p"), cfg);
  auto b = make_batch(2, 100);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(p->append(b).is_ok());
  size_t bs = b.size();
  auto r = p->read(Offset(0), bs * 3 + 10, p->high_watermark());
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r->bytes, bs * 3);
  EXPECT_EQ(r->ranges.size(), 1u);  // contiguous batches coalesce
  auto one = p->read(Offset(0), 5, p->high_watermark());
  EXPECT_EQ(one->bytes, bs);
  auto bounded = p->read(Offset(0), 1 << 20, Offset(6));
  EXPECT_EQ(bounded->next_offset.value(), 6);
  auto rb = p->read_bytes(Offset(0), 1 << 20, Offset(6));
  EXPECT_EQ(rb->size(), bs * 3);
  auto rb1 = p->read_bytes(Offset(0), 5, p->high_watermark());
  EXPECT_EQ(rb1->size(), bs);
  auto none = p->read(Offset(4), 1 << 20, Offset(4));
  EXPECT_TRUE(none->empty());
}

TEST(Partition, RollsBySizeAndAge) {
  TempDir dir;
  LogConfig cfg = small_config();
  cfg.segment_bytes = 1000;
  cfg.segment_ms = 60'000;
  auto p = open_partition(posix_file_system(), dir.sub("p"), cfg);
  auto b = make_batch(1, 300);  // ~380 bytes: two per segment
  AppendOptions o;
  o.now_ms = 1000;
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(p->append(b, o).is_ok());
  EXPECT_EQ(p->stats().segments, 3u);
  // Age: the next append after segment.ms rolls even though the segment has room.
  o.now_ms = 1000 + 60'000;
  auto small = make_batch(1, 10);
  ASSERT_TRUE(p->append(small, o).is_ok());
  EXPECT_EQ(p->stats().segments, 4u);
  // And maintenance rolls an old active segment without an append.
  auto st = p->run_maintenance(1000 + 200'000);
  ASSERT_TRUE(st.is_ok()) << st.to_string();
  EXPECT_EQ(p->stats().segments, 5u);
  auto names = posix_file_system().list(dir.sub("p"));
  ASSERT_TRUE(names.is_ok());
  EXPECT_NE(std::find(names->begin(), names->end(), "00000000000000000006.log"), names->end());
  EXPECT_EQ(read_all(*p, 0).size(), 7u);
}

TEST(Partition, OffsetForTimestamp) {
  TempDir dir;
  auto p = open_partition(posix_file_system(), dir.sub("p"), small_config());
  // Batches of 5 records at timestamps 1000 + 10*i .. +4; one out-of-order batch in the middle.
  for (int i = 0; i < 40; ++i) {
    int64_t ts = i == 20 ? 50 : 1000 + 10 * i;
    ASSERT_TRUE(p->append(make_batch(5, 30, ts)).is_ok());
  }
  auto at = [&](int64_t ts) { return p->offset_for_timestamp(ts).value(); };
  EXPECT_EQ(at(0).offset.value(), 0);
  EXPECT_EQ(at(1000).offset.value(), 0);
  EXPECT_EQ(at(1002).offset.value(), 2);
  EXPECT_EQ(at(1002).timestamp, 1002);
  EXPECT_EQ(at(1005).offset.value(), 5);  // first record of the next batch
  EXPECT_EQ(at(1253).offset.value(), 128);
  EXPECT_EQ(at(1394).offset.value(), 199);
  EXPECT_EQ(at(1395).offset.value(), -1);  // nothing that late
  EXPECT_EQ(at(Partition::kLatestTimestamp).offset.value(), 200);
  EXPECT_EQ(at(Partition::kEarliestTimestamp).offset.value(), 0);
  EXPECT_EQ(at(Partition::kMaxTimestamp).offset.value(), 199);
  EXPECT_EQ(at(Partition::kMaxTimestamp).timestamp, 1394);
  ASSERT_TRUE(p->delete_records_before(Offset(7)).is_ok());
  EXPECT_EQ(at(Partition::kEarliestTimestamp).offset.value(), 7);
  EXPECT_EQ(at(0).offset.value(), 7);
}

TEST(Partition, RetentionByTimeAndSize) {
  TempDir dir;
  LogConfig cfg = small_config();
  cfg.segment_bytes = 1000;
  cfg.retention_ms = 10'000;
  auto p = open_partition(posix_file_system(), dir.sub("p"), cfg);
  auto b = make_batch(1, 300);
  // Timestamps: 12 batches at 1000, 1100, ...
  for (int i = 0; i < 12; ++i) {
    ASSERT_TRUE(p->append(make_batch(1, 300, 1000 + 100 * i)).is_ok());
  }
  size_t before = p->stats().segments;
  ASSERT_EQ(before, 6u);
  // now - retention = 1350: segments whose newest record is older go (the first two).
  ASSERT_TRUE(p->run_maintenance(11'350).is_ok());
  EXPECT_EQ(p->stats().segments, 4u);
  EXPECT_EQ(p->log_start_offset().value(), 4);
  EXPECT_EQ(p->read(Offset(3), 100, p->high_watermark()).status().code(), StatusCode::kOutOfRange);
  // Size: keep at most ~2 segments' worth.
  cfg.retention_ms = -1;
  cfg.retention_bytes = 1600;
  p->set_config(cfg);
  ASSERT_TRUE(p->run_maintenance(11'400).is_ok());
  // Like Kafka: whole segments go while the rest still holds at least retention.bytes.
  EXPECT_LT(p->stats().size_bytes, 1600u + 1000u);
  EXPECT_GE(p->stats().segments, 2u);  // the active one always stays
  int64_t lso = p->log_start_offset().value();
  EXPECT_GT(lso, 4);
  auto got = read_all(*p, lso);
  EXPECT_EQ(got.front().first, lso);
  EXPECT_EQ(got.back().first, 11);
  // The log start offset survives a restart.
  p.reset();
  auto again = open_partition(posix_file_system(), dir.sub("p"), cfg);
  EXPECT_EQ(again->log_start_offset().value(), lso);
}

TEST(Partition, DeleteRecordsBeforePersists) {
  TempDir dir;
  auto cfg = small_config();
  {
    auto p = open_partition(posix_file_system(), dir.sub("p"), cfg);
    for (int i = 0; i < 30; ++i) ASSERT_TRUE(p->append(make_batch(2, 100)).is_ok());
    EXPECT_EQ(p->delete_records_before(Offset(61)).status().code(), StatusCode::kOutOfRange);
    auto lw = p->delete_records_before(Offset(33));
    ASSERT_TRUE(lw.is_ok());
    EXPECT_EQ(lw->value(), 33);
    EXPECT_EQ(p->log_start_offset().value(), 33);
    auto r = p->read(Offset(33), 1, p->high_watermark());
    ASSERT_TRUE(r.is_ok());
    EXPECT_EQ(r->first_offset.value(), 32);  // whole batches: the one holding 33
    // Deleting everything rolls a fresh segment.
    ASSERT_TRUE(p->delete_records_before(Offset(60)).is_ok());
    EXPECT_EQ(p->stats().segments, 1u);
    EXPECT_TRUE(p->read(Offset(60), 100, p->high_watermark())->empty());
  }
  auto p = open_partition(posix_file_system(), dir.sub("p"), cfg);
  EXPECT_EQ(p->log_start_offset().value(), 60);
  EXPECT_EQ(p->log_end_offset().value(), 60);
  auto info = p->append(make_batch(1));
  ASSERT_TRUE(info.is_ok());
  EXPECT_EQ(info->base_offset.value(), 60);
}

TEST(Partition, ListenersAndWaitersSeeNewData) {
  TempDir dir;
  auto p = open_partition(posix_file_system(), dir.sub("p"), small_config());
  std::atomic<int64_t> seen{-1};
  uint64_t id = p->subscribe([&](Offset hw) { seen = hw.value(); });
  std::thread waiter([&] { EXPECT_TRUE(p->wait_for_data(Offset(2), std::chrono::seconds(10))); });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_TRUE(p->append(make_batch(2)).is_ok());
  EXPECT_EQ(seen.load(), 2);
  ASSERT_TRUE(p->append(make_batch(2)).is_ok());
  waiter.join();
  EXPECT_EQ(seen.load(), 4);
  p->unsubscribe(id);
  ASSERT_TRUE(p->append(make_batch(2)).is_ok());
  EXPECT_EQ(seen.load(), 4);
  EXPECT_FALSE(p->wait_for_data(Offset(6), std::chrono::milliseconds(10)));
}

TEST(Partition, FsyncAlwaysGroupCommitsConcurrentAppends) {
  TempDir dir;
  FaultInjectionFileSystem fs(posix_file_system());
  LogConfig cfg = small_config();
  cfg.fsync = FsyncPolicy::kAlways;
  cfg.segment_bytes = 64 << 20;
  auto p = open_partition(fs, dir.sub("p"), cfg);
  uint64_t syncs_before = fs.sync_count();
  constexpr int kThreads = 8, kPer = 50;
  std::vector<std::thread> ts;
  ts.reserve(kThreads);
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    ts.emplace_back([&] {
      auto b = make_batch(4, 100);
      for (int i = 0; i < kPer; ++i) {
        auto info = p->append(b);
        if (!info.is_ok()) {
          ++failures;
          continue;
        }
        // Acknowledged means durable: the HW already covers it.
        if (p->high_watermark().value() <= info->last_offset.value()) ++failures;
      }
    });
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(p->high_watermark().value(), kThreads * kPer * 4);
  uint64_t syncs = fs.sync_count() - syncs_before;
  EXPECT_GT(syncs, 0u);
  EXPECT_LE(syncs, static_cast<uint64_t>(kThreads * kPer));
  // A crash now loses nothing that was acknowledged.
  ASSERT_TRUE(fs.crash().is_ok());
  p.reset();
  auto again = open_partition(fs, dir.sub("p"), cfg);
  EXPECT_EQ(again->log_end_offset().value(), kThreads * kPer * 4);
}

TEST(Partition, FsyncNeverLosesUnsyncedDataInACrashButStaysConsistent) {
  TempDir dir;
  FaultInjectionFileSystem fs(posix_file_system());
  LogConfig cfg = small_config();
  cfg.fsync = FsyncPolicy::kInterval;
  cfg.fsync_interval_ms = 100;
  cfg.segment_bytes = 1 << 20;
  auto p = open_partition(fs, dir.sub("p"), cfg, 0);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(p->append(make_batch(1, 100)).is_ok());
  ASSERT_TRUE(p->run_maintenance(50).is_ok());   // not due yet
  ASSERT_TRUE(p->run_maintenance(150).is_ok());  // due: flushes 10 batches
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(p->append(make_batch(1, 100)).is_ok());
  ASSERT_TRUE(fs.crash().is_ok());  // the last 5 were never synced
  p.reset();  // its close() finds the files already cut back, as after a reboot
  auto reopened = open_partition(fs, dir.sub("p"), cfg, 0);
  EXPECT_EQ(reopened->log_end_offset().value(), 10);
  EXPECT_EQ(read_all(*reopened, 0).size(), 10u);
}

TEST(Partition, LogAppendTimeAndLeaderEpoch) {
  TempDir dir;
  LogConfig cfg = small_config();
  cfg.timestamp_type = TimestampType::kLogAppendTime;
  auto p = open_partition(posix_file_system(), dir.sub("p"), cfg);
  AppendOptions o;
  o.now_ms = 424242;
  o.leader_epoch = 9;
  auto info = p->append(make_batch(3, 10, 5), o);
  ASSERT_TRUE(info.is_ok());
  EXPECT_EQ(info->log_append_time, 424242);
  auto got = read_all(*p, 0);
  ASSERT_EQ(got.size(), 1u);
  auto v = RecordBatchView::parse_first(got[0].second);
  ASSERT_TRUE(v->validate().is_ok());
  EXPECT_EQ(v->header().max_timestamp, 424242);
  EXPECT_EQ(v->header().partition_leader_epoch, 9);
  EXPECT_EQ(p->offset_for_timestamp(424242)->offset.value(), 0);
}

TEST(Partition, RejectsBadBatchesWithoutSideEffects) {
  TempDir dir;
  LogConfig cfg = small_config();
  cfg.max_message_bytes = 500;
  auto p = open_partition(posix_file_system(), dir.sub("p"), cfg);
  auto big = make_batch(1, 1000);
  EXPECT_EQ(p->append(big).status().code(), StatusCode::kInvalidArgument);
  auto bad = make_batch(2);
  bad.back() ^= 1;
  EXPECT_EQ(p->append(bad).status().code(), StatusCode::kCorruption);
  auto cut = make_batch(2);
  cut.resize(cut.size() - 3);
  EXPECT_FALSE(p->append(cut).is_ok());
  EXPECT_FALSE(p->append(ByteSpan{}).is_ok());
  EXPECT_EQ(p->log_end_offset().value(), 0);
  // Several batches in one call.
  auto two = testing::concat({make_batch(2), make_batch(3)});
  auto info = p->append(two);
  ASSERT_TRUE(info.is_ok()) << info.status().to_string();
  EXPECT_EQ(info->base_offset.value(), 0);
  EXPECT_EQ(info->last_offset.value(), 4);
}

TEST(Partition, ConcurrentReadersNeverSeePartialBatches) {
  TempDir dir;
  LogConfig cfg = small_config();
  cfg.segment_bytes = int64_t{64} * 1024;
  auto p = open_partition(posix_file_system(), dir.sub("p"), cfg);
  std::atomic<bool> stop{false};
  std::atomic<int> bad{0}, reads{0};
  std::vector<std::thread> ts;
  ts.reserve(2);
  for (int w = 0; w < 2; ++w) {
    ts.emplace_back([&, w] {
      for (int i = 0; i < 400; ++i) {
        if (!p->append(make_batch(1 + (i + w) % 5, 50 + i % 300)).is_ok()) ++bad;
      }
    });
  }
  for (int r = 0; r < 2; ++r) {
    ts.emplace_back([&, r] {
      uint64_t x = 88172645463325252ull + static_cast<uint64_t>(r);
      ReadBuffer buf;
      // Reads go on until the writers are done and each reader has checked enough reads (on a
      // loaded machine the writers may finish before a reader was scheduled much).
      for (int mine = 0, tries = 0; !stop || (mine < 50 && tries < 5000); ++tries) {
        int64_t hw = p->high_watermark().value();
        if (hw == 0) continue;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        int64_t from = static_cast<int64_t>(x % static_cast<uint64_t>(hw));
        Status st = p->read_into(Offset(from), 1 + x % 20000, Offset(hw), buf);
        auto views = split_batches(buf);
        if (!st.is_ok() || !views.is_ok() || views->empty()) {
          ++bad;
          continue;
        }
        for (const auto& v : *views) {
          if (!v.validate().is_ok() || v.last_offset() >= hw) ++bad;
        }
        if ((*views)[0].base_offset() > from || (*views)[0].last_offset() < from) ++bad;
        ++reads;
        ++mine;
      }
    });
  }
  ts[0].join();
  ts[1].join();
  stop = true;
  ts[2].join();
  ts[3].join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_GE(reads.load(), 100);
  EXPECT_GT(p->stats().segments, 3u);
}

TEST(Partition, ScanBatchHeadersForProducerState) {
  TempDir dir;
  auto p = open_partition(posix_file_system(), dir.sub("p"), small_config());
  for (int i = 0; i < 20; ++i) {
    RecordBatchBuilder b;
    b.set_producer(1000 + i % 3, 1, i * 2);
    b.add(5, std::nullopt, as_bytes("x"));
    b.add(6, std::nullopt, as_bytes("y"));
    ASSERT_TRUE(p->append(b.build().value()).is_ok());
  }
  std::vector<BatchHeader> hs;
  ASSERT_TRUE(p->scan_batch_headers(Offset(30), [&](const BatchHeader& h) {
                 hs.push_back(h);
                 return true;
               }).is_ok());
  ASSERT_EQ(hs.size(), 5u);
  EXPECT_EQ(hs[0].base_offset, 30);
  EXPECT_EQ(hs[0].producer_id, 1000 + 15 % 3);
  EXPECT_EQ(hs[0].base_sequence, 30);
  EXPECT_EQ(hs.back().last_offset(), 39);
}

}  // namespace
}  // namespace sluice
