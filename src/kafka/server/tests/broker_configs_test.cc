// Dynamic broker configs: the two levels over the static settings, their validation, their
// descriptions and their file.
#include "kafka/server/broker_configs.h"

#include <gtest/gtest.h>

#include "storage/tests/test_util.h"

namespace sluice::kafka {
namespace {

using sluice::testing::TempDir;
using Level = BrokerConfigs::Level;

const BrokerConfigs::Entry* find(const std::vector<BrokerConfigs::Entry>& entries,
                                 const std::string& name) {
  for (const auto& e : entries) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

TEST(BrokerConfigs, LevelsOverTheStaticSettingsAndTheirFile) {
  TempDir dir;
  std::string path = dir.path() + "/dynamic.properties";
  BrokerSettings started;
  started.log.retention_ms = 1000;  // a static value (file or flag) different from the default
  started.default_partitions = 2;
  {
    auto c = BrokerConfigs::open(posix_file_system(), path, started);
    ASSERT_TRUE(c.is_ok()) << c.status().to_string();
    auto described = (*c)->describe(Level::kBroker);
    const auto* retention = find(described, "log.retention.ms");
    ASSERT_NE(retention, nullptr);
    EXPECT_EQ(retention->value, "1000");
    EXPECT_EQ(retention->source, ConfigSource::kStaticBroker);
    ASSERT_EQ(retention->synonyms.size(), 2u);
    EXPECT_EQ(retention->synonyms[1].source, ConfigSource::kDefault);
    EXPECT_EQ(find(described, "log.segment.bytes")->source, ConfigSource::kDefault);

    // The cluster default level, then the broker's own over it.
    auto s = (*c)->replace(Level::kClusterDefault,
                           {{"log.retention.ms", "5000"}, {"num.partitions", "4"}}, false);
    ASSERT_TRUE(s.is_ok()) << s.status().to_string();
    EXPECT_EQ(s->log.retention_ms, 5000);
    EXPECT_EQ(s->default_partitions, 4);
    s = (*c)->replace(Level::kBroker, {{"log.retention.ms", "9000"}}, false);
    ASSERT_TRUE(s.is_ok());
    EXPECT_EQ(s->log.retention_ms, 9000);
    EXPECT_EQ(s->default_partitions, 4);
    described = (*c)->describe(Level::kBroker);
    retention = find(described, "log.retention.ms");
    EXPECT_EQ(retention->value, "9000");
    EXPECT_EQ(retention->source, ConfigSource::kDynamicBroker);
    ASSERT_EQ(retention->synonyms.size(), 4u);  // broker, cluster default, static, default
    EXPECT_EQ(retention->synonyms[1].value, "5000");
    auto cluster = (*c)->describe(Level::kClusterDefault);
    ASSERT_EQ(cluster.size(), 2u);
    EXPECT_EQ(cluster[0].source, ConfigSource::kDynamicDefaultBroker);

    // Refused, changing nothing: bad values, unknown names, line breaks.
    EXPECT_EQ((*c)->replace(Level::kBroker, {{"log.retention.ms", "soon"}}, false).status().code(),
              StatusCode::kInvalidArgument);
    EXPECT_EQ((*c)->replace(Level::kBroker, {{"num.partitions", "0"}}, false).status().code(),
              StatusCode::kInvalidArgument);
    EXPECT_EQ((*c)->replace(Level::kBroker, {{"auto.create.topics.enable", "maybe"}}, false)
                  .status()
                  .code(),
              StatusCode::kInvalidArgument);
    EXPECT_EQ((*c)->replace(Level::kBroker, {{"broker.id", "3"}}, false).status().code(),
              StatusCode::kUnsupported);
    EXPECT_FALSE(
        (*c)->replace(Level::kBroker, {{"log.cleanup.policy", "compact\nx=y"}}, false).is_ok());
    // validate_only checks without keeping.
    EXPECT_TRUE((*c)->replace(Level::kBroker, {{"log.retention.ms", "1"}}, true).is_ok());
    EXPECT_EQ((*c)->effective().log.retention_ms, 9000);
  }
  // Read back from the file.
  auto again = BrokerConfigs::open(posix_file_system(), path, started);
  ASSERT_TRUE(again.is_ok()) << again.status().to_string();
  EXPECT_EQ((*again)->effective().log.retention_ms, 9000);
  EXPECT_EQ((*again)->effective().default_partitions, 4);
  EXPECT_EQ((*again)->level_values(Level::kClusterDefault).size(), 2u);
  // Clearing a level falls back to the one below.
  auto s = (*again)->replace(Level::kBroker, {}, false);
  ASSERT_TRUE(s.is_ok());
  EXPECT_EQ(s->log.retention_ms, 5000);
}

}  // namespace
}  // namespace sluice::kafka
