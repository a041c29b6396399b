#include "storage/log_manager.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "storage/fault_injection_fs.h"
#include "storage/tests/test_util.h"

namespace sluice {
namespace {

using testing::make_batch;
using testing::TempDir;

LogDefaults defaults() {
  LogDefaults d;
  d.fsync = FsyncPolicy::kNever;
  return d;
}

TEST(LogManager, CreateListAppendReopen) {
  TempDir dir;
  {
    auto m = LogManager::open(posix_file_system(), dir.path(), defaults());
    ASSERT_TRUE(m.is_ok()) << m.status().to_string();
    ASSERT_TRUE((*m)->create_topic("orders", 3, {{"retention.ms", "60000"}}).is_ok());
    ASSERT_TRUE((*m)->create_topic("users", 1, {{"cleanup.policy", "compact"}}).is_ok());
    EXPECT_EQ((*m)->create_topic("orders", 1, {}).code(), StatusCode::kAlreadyExists);
    EXPECT_EQ((*m)->create_topic("bad/name", 1, {}).code(), StatusCode::kInvalidArgument);
    EXPECT_EQ((*m)->create_topic("x", 0, {}).code(), StatusCode::kInvalidArgument);
    EXPECT_EQ((*m)->create_topic("x", 1, {{"retention.ms", "soon"}}).code(),
              StatusCode::kInvalidArgument);
    EXPECT_EQ((*m)->create_topic("x", 1, {{"no.such.config", "1"}}).code(),
              StatusCode::kInvalidArgument);
    EXPECT_FALSE((*m)->has_topic("x"));
    auto ts = (*m)->topics();
    ASSERT_EQ(ts.size(), 2u);
    EXPECT_EQ(ts[0].name, "orders");
    EXPECT_EQ(ts[0].partitions, 3);
    EXPECT_EQ(ts[0].config.retention_ms, 60000);
    EXPECT_EQ(ts[1].config.cleanup_policy, CleanupPolicy::kCompact);
    for (int i = 0; i < 3; ++i) {
      Partition* p = (*m)->partition("orders", i);
      ASSERT_NE(p, nullptr);
      for (int k = 0; k <= i; ++k) ASSERT_TRUE(p->append(make_batch(2)).is_ok());
    }
    EXPECT_EQ((*m)->partition("orders", 3), nullptr);
    EXPECT_EQ((*m)->partition("nope", 0), nullptr);
  }
  auto m = LogManager::open(posix_file_system(), dir.path(), defaults());
  ASSERT_TRUE(m.is_ok()) << m.status().to_string();
  auto info = (*m)->topic_info("orders");
  ASSERT_TRUE(info.is_ok());
  EXPECT_EQ(info->partitions, 3);
  EXPECT_EQ(info->overrides.at("retention.ms"), "60000");
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ((*m)->partition("orders", i)->log_end_offset().value(), 2 * (i + 1));
  }
}

TEST(LogManager, ConfigIsPersistedInADocumentedFile) {
  TempDir dir;
  auto m = LogManager::open(posix_file_system(), dir.path(), defaults()).value();
  ASSERT_TRUE(m->create_topic("t", 2, {{"segment.bytes", "1048576"}}).is_ok());
  ASSERT_TRUE(m->alter_config("t", {{"fsync", "always"}, {"retention.bytes", "1000000"}}).is_ok());
  EXPECT_EQ(m->alter_config("t", {{"fsync", "sometimes"}}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(m->partition("t", 1)->config().fsync, FsyncPolicy::kAlways);
  auto text = posix_file_system().read_file(dir.path() + "/topics/t/topic.properties");
  ASSERT_TRUE(text.is_ok());
  std::string s(as_string_view(*text));
  EXPECT_NE(s.find("partitions=2\n"), std::string::npos) << s;
  EXPECT_NE(s.find("config.fsync=always\n"), std::string::npos) << s;
  EXPECT_NE(s.find("config.retention.bytes=1000000\n"), std::string::npos) << s;
  EXPECT_EQ(s.find("segment.bytes"), std::string::npos) << "alter_config replaces overrides";
  m.reset();
  auto again = LogManager::open(posix_file_system(), dir.path(), defaults()).value();
  auto info = again->topic_info("t").value();
  EXPECT_EQ(info.config.fsync, FsyncPolicy::kAlways);
  EXPECT_EQ(info.config.retention_bytes, 1000000);
  auto described = describe_config(info.config);
  EXPECT_EQ(described.at("fsync"), "always");
  EXPECT_EQ(described.at("cleanup.policy"), "delete");
}

TEST(LogManager, AddPartitionsAndDeleteTopic) {
  TempDir dir;
  auto m = LogManager::open(posix_file_system(), dir.path(), defaults()).value();
  ASSERT_TRUE(m->create_topic("t", 1, {}).is_ok());
  Partition* p0 = m->partition("t", 0);
  ASSERT_TRUE(p0->append(make_batch(1)).is_ok());
  ASSERT_TRUE(m->add_partitions("t", 4).is_ok());
  EXPECT_EQ(m->add_partitions("t", 2).code(), StatusCode::kInvalidArgument);
  EXPECT_NE(m->partition("t", 3), nullptr);
  EXPECT_EQ(m->partition("t", 0), p0);  // existing partitions are untouched
  ASSERT_TRUE(m->delete_topic("t").is_ok());
  EXPECT_EQ(m->delete_topic("t").code(), StatusCode::kNotFound);
  EXPECT_EQ(m->partition("t", 0), nullptr);
  // A stale pointer stays safe: the partition is closed, not freed.
  EXPECT_EQ(p0->append(make_batch(1)).status().code(), StatusCode::kAborted);
  EXPECT_FALSE(posix_file_system().exists(dir.path() + "/topics/t").value());
  // The name can be reused, starting from offset 0.
  ASSERT_TRUE(m->create_topic("t", 1, {}).is_ok());
  EXPECT_EQ(m->partition("t", 0)->log_end_offset().value(), 0);
  m.reset();
  auto again = LogManager::open(posix_file_system(), dir.path(), defaults()).value();
  EXPECT_EQ(again->topic_info("t")->partitions, 1);
}

// Descriptors this process holds on files whose path contains `part` (deleted files included).
int open_files_containing(const std::string& part) {
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    auto target = std::filesystem::read_symlink(e.path(), ec);
    if (!ec && target.string().find(part) != std::string::npos) ++n;
  }
  return n;
}

// Deleting a topic gives its disk space (and page cache) back at once, not at the next restart:
// the partitions let go of their segment files. A read served just before keeps its file open
// until it is done with it, and a stale partition pointer stays safe.
TEST(LogManager, DeletedTopicClosesItsFiles) {
  TempDir dir;
  auto m = LogManager::open(posix_file_system(), dir.path(), defaults()).value();
  ASSERT_TRUE(m->create_topic("gone", 2, {{"segment.bytes", "1024"}}).is_ok());
  Partition* p0 = m->partition("gone", 0);
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(p0->append(make_batch(4, 100)).is_ok());
    ASSERT_TRUE(m->partition("gone", 1)->append(make_batch(4, 100)).is_ok());
  }
  ASSERT_GT(open_files_containing("gone"), 2);
  auto held = p0->read(Offset(0), 100, p0->high_watermark());  // a fetch still being sent
  ASSERT_TRUE(held.is_ok());
  ASSERT_EQ(held->ranges.size(), 1u);
  ASSERT_TRUE(m->delete_topic("gone").is_ok());
  EXPECT_EQ(open_files_containing("gone"), 1) << "only the held read's segment stays open";
  std::vector<uint8_t> bytes;
  ASSERT_TRUE(held->copy_to(bytes).is_ok());
  EXPECT_EQ(bytes.size(), held->bytes);
  held = Status::not_found("done");
  EXPECT_EQ(open_files_containing("gone"), 0);
  // The stale pointer answers without data.
  EXPECT_EQ(p0->append(make_batch(1)).status().code(), StatusCode::kAborted);
  auto r = p0->read(Offset(0), 1 << 20, Offset(1000));
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_TRUE(r->empty());
  EXPECT_TRUE(p0->flush().is_ok());
  EXPECT_TRUE(p0->run_maintenance(0).is_ok());
}

TEST(LogManager, MaintenanceRunsRetentionAcrossTopics) {
  TempDir dir;
  auto m = LogManager::open(posix_file_system(), dir.path(), defaults()).value();
  ASSERT_TRUE(
      m->create_topic("t", 1, {{"segment.bytes", "500"}, {"retention.ms", "1000"}}).is_ok());
  Partition* p = m->partition("t", 0);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(p->append(make_batch(1, 200, 5000)).is_ok());
  ASSERT_GT(p->stats().segments, 3u);
  ASSERT_TRUE(m->run_maintenance(7000).is_ok());
  EXPECT_EQ(p->stats().segments, 1u);  // one batch per segment: only the active one is left
  EXPECT_EQ(p->log_start_offset().value(), p->log_end_offset().value() - 1);
}

TEST(LogManager, UnreadableDataDirIsAClearError) {
  TempDir dir;
  {
    auto m = LogManager::open(posix_file_system(), dir.path(), defaults()).value();
    ASSERT_TRUE(m->create_topic("t", 1, {}).is_ok());
  }
  // Tests run as root, where chmod 000 is no obstacle: deny through the fault-injecting FS.
  FaultInjectionFileSystem fs(posix_file_system());
  fs.deny(dir.path() + "/topics");
  auto m = LogManager::open(fs, dir.path(), defaults());
  ASSERT_FALSE(m.is_ok());
  EXPECT_EQ(m.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(m.status().message().find(dir.path()), std::string::npos) << m.status().message();
  // A data dir that is a file.
  std::string file = dir.path() + "/plain-file";
  ASSERT_TRUE(posix_file_system().write_file_atomic(file, as_bytes("x")).is_ok());
  auto m2 = LogManager::open(posix_file_system(), file, defaults());
  ASSERT_FALSE(m2.is_ok());
  EXPECT_NE(m2.status().message().find(file), std::string::npos) << m2.status().message();
}

TEST(LogManager, DataDirIsLockedAgainstASecondUser) {
  TempDir dir;
  auto m = LogManager::open(posix_file_system(), dir.path(), defaults());
  ASSERT_TRUE(m.is_ok());
  auto second = LogManager::open(posix_file_system(), dir.path(), defaults());
  ASSERT_FALSE(second.is_ok());
  EXPECT_EQ(second.status().code(), StatusCode::kAborted);
  EXPECT_NE(second.status().message().find("another process"), std::string::npos);
  m->reset();
  EXPECT_TRUE(LogManager::open(posix_file_system(), dir.path(), defaults()).is_ok());
}

TEST(LogManager, CorruptTopicMetadataIsAClearError) {
  TempDir dir;
  {
    auto m = LogManager::open(posix_file_system(), dir.path(), defaults()).value();
    ASSERT_TRUE(m->create_topic("t", 1, {}).is_ok());
  }
  std::string meta = dir.path() + "/topics/t/topic.properties";
  ASSERT_TRUE(posix_file_system().write_file_atomic(meta, as_bytes("version=1\nbogus\n")).is_ok());
  auto m = LogManager::open(posix_file_system(), dir.path(), defaults());
  ASSERT_FALSE(m.is_ok());
  EXPECT_EQ(m.status().code(), StatusCode::kCorruption);
  EXPECT_NE(m.status().message().find(meta), std::string::npos) << m.status().message();
}

TEST(LogConfig, ParsesKafkaNames) {
  LogConfig d;
  auto c = apply_overrides(d, {{"cleanup.policy", "compact,delete"},
                               {"message.timestamp.type", "LogAppendTime"},
                               {"fsync.interval.ms", "250"},
                               {"min.insync.replicas", "2"}});
  ASSERT_TRUE(c.is_ok()) << c.status().to_string();
  EXPECT_TRUE(c->compacts());
  EXPECT_TRUE(c->deletes());
  EXPECT_EQ(c->timestamp_type, TimestampType::kLogAppendTime);
  EXPECT_EQ(c->fsync_interval_ms, 250);
  EXPECT_FALSE(apply_overrides(d, {{"segment.bytes", "99999999999"}}).is_ok());
  EXPECT_FALSE(apply_overrides(d, {{"retention.ms", "1\n2"}}).is_ok());
  TopicMetadata m{5, {{"a.b", "c=d"}}};
  auto back = decode_topic_metadata(encode_topic_metadata(m), "x");
  ASSERT_TRUE(back.is_ok());
  EXPECT_EQ(back->partitions, 5);
  EXPECT_EQ(back->overrides.at("a.b"), "c=d");
  EXPECT_FALSE(decode_topic_metadata("partitions=1\n", "x").is_ok());
  EXPECT_TRUE(validate_topic_name("a.B_c-9").is_ok());
  EXPECT_FALSE(validate_topic_name("..").is_ok());
  EXPECT_FALSE(validate_topic_name(std::string(250, 'a')).is_ok());
}

}  // namespace
}  // namespace sluice
