// SqlService: statements survive a restart (command topic replay) and queries resume where their
// checkpoint says, without repeating outputs; bad records land in the error topic.
#include "sql/engine/sql_service.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <random>

namespace sluice::sql {
namespace {

class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() /
            ("sluice-sqlsvc-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

size_t count(TopicStore& store, const std::string& topic) {
  auto r = store.read(topic, 0, 0, 1000);
  return r ? r->size() : 0;
}

void produce(TopicStore& store, const std::string& value) {
  TopicRecord r;
  r.value = value;
  std::vector<TopicRecord> one;
  one.push_back(std::move(r));
  ASSERT_TRUE(store.append("in", 0, std::move(one)).is_ok());
}

TEST(SqlService, ReplaysStatementsAndResumesFromCheckpoints) {
  TempDir dir;
  LogDefaults d;
  d.fsync = FsyncPolicy::kNever;
  auto log = LogManager::open(posix_file_system(), dir.path(), d);
  ASSERT_TRUE(log.is_ok()) << log.status().to_string();
  LogTopicStore store(**log);
  SqlServiceOptions opts;
  opts.poll_interval = std::chrono::milliseconds(5);
  {
    auto svc = SqlService::start(**log, opts);
    ASSERT_TRUE(svc.is_ok()) << svc.status().to_string();
    auto r = (*svc)->execute(
        "CREATE STREAM IN_S (V INT) WITH (kafka_topic='in', partitions=1, value_format='JSON');"
        "CREATE STREAM OUT_S AS SELECT V * 10 AS W FROM IN_S;");
    ASSERT_TRUE(r.is_ok()) << r.status().to_string();
    ASSERT_EQ(r->size(), 2u);
    EXPECT_EQ((*r)[1].query_id, "CSAS_OUT_S_0");
    produce(store, R"({"V": 1})");
    produce(store, "garbage");
    produce(store, R"({"V": 2})");
    ASSERT_TRUE((*svc)->poll_now().is_ok());
    EXPECT_EQ(count(store, "OUT_S"), 2u);
    EXPECT_EQ((*svc)->record_errors(), 1u);
    EXPECT_EQ(count(store, "_sluice_errors"), 1u);
  }
  {
    auto svc = SqlService::start(**log, opts);
    ASSERT_TRUE(svc.is_ok()) << svc.status().to_string();
    ASSERT_EQ((*svc)->queries().size(), 1u);
    ASSERT_TRUE((*svc)->poll_now().is_ok());
    EXPECT_EQ(count(store, "OUT_S"), 2u);  // nothing repeated
    produce(store, R"({"V": 3})");
    // The worker picks it up on its own.
    for (int i = 0; i < 400 && count(store, "OUT_S") < 3; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    EXPECT_EQ(count(store, "OUT_S"), 3u);
    auto bad = (*svc)->execute("CREATE STREAM X AS SELECT NOPE FROM IN_S;");
    EXPECT_FALSE(bad.is_ok());
  }
}

}  // namespace
}  // namespace sluice::sql
