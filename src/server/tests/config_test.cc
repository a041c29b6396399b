#include "server/config.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

namespace sluice {
namespace {

std::string write_temp(const std::string& text) {
  char name[] = "/tmp/sluice-config-XXXXXX";
  int fd = mkstemp(name);
  close(fd);
  std::ofstream(name) << text;
  return name;
}

TEST(Config, ParsesHostPort) {
  EXPECT_EQ(parse_host_port("127.0.0.1:9092")->port, 9092);
  EXPECT_EQ(parse_host_port(":8080")->host, "0.0.0.0");
  EXPECT_EQ(parse_host_port("[::1]:1")->host, "::1");
  EXPECT_FALSE(parse_host_port("localhost").is_ok());
  EXPECT_FALSE(parse_host_port("h:99999").is_ok());
  EXPECT_FALSE(parse_host_port("h:12x").is_ok());
}

TEST(Config, LoadsTomlOverDefaults) {
  std::string path = write_temp(R"(
data_dir = "/tmp/x"
[kafka]
listen = "127.0.0.1:19092"
default_partitions = 6
group_initial_rebalance_delay_ms = 50
[log]
fsync = "always"
retention_ms = -1
)");
  auto cfg = load_config_file(path);
  ASSERT_TRUE(cfg.is_ok()) << cfg.status().to_string();
  EXPECT_EQ(cfg->data_dir, "/tmp/x");
  EXPECT_EQ(cfg->kafka_listen.port, 19092);
  EXPECT_EQ(cfg->default_partitions, 6);
  EXPECT_EQ(cfg->group_initial_rebalance_delay_ms, 50);
  EXPECT_EQ(ServerConfig{}.group_initial_rebalance_delay_ms, 3000);
  EXPECT_EQ(cfg->fsync, "always");
  EXPECT_EQ(cfg->retention_ms, -1);
  EXPECT_EQ(cfg->http_listen.port, 8080);  // untouched default
  std::remove(path.c_str());
}

TEST(Config, SqlErrorTopic) {
  EXPECT_EQ(ServerConfig{}.sql_error_topic, "_sluice_errors");
  auto cfg = load_config_file(write_temp("[sql]\nerror_topic = \"bad_records\"\n"));
  ASSERT_TRUE(cfg.is_ok()) << cfg.status().to_string();
  EXPECT_EQ(cfg->sql_error_topic, "bad_records");
  auto empty = load_config_file(write_temp("[sql]\nerror_topic = \"\"\n"));
  ASSERT_FALSE(empty.is_ok());
  EXPECT_NE(empty.status().message().find("sql.error_topic"), std::string::npos);
  auto unknown = load_config_file(write_temp("[sql]\ncommand_topic = \"x\"\n"));
  ASSERT_FALSE(unknown.is_ok());
  EXPECT_NE(unknown.status().message().find("sql.command_topic: unknown setting"),
            std::string::npos)
      << unknown.status().message();
}

TEST(Config, SqlMemoryLimit) {
  EXPECT_EQ(ServerConfig{}.sql_memory_limit_bytes, 0);
  auto cfg = load_config_file(write_temp("[sql]\nmemory_limit_bytes = 536870912\n"));
  ASSERT_TRUE(cfg.is_ok()) << cfg.status().to_string();
  EXPECT_EQ(cfg->sql_memory_limit_bytes, 536870912);
  auto negative = load_config_file(write_temp("[sql]\nmemory_limit_bytes = -1\n"));
  ASSERT_FALSE(negative.is_ok());
  EXPECT_NE(negative.status().message().find("sql.memory_limit_bytes"), std::string::npos);
}

TEST(Config, UnknownKeyNamesFileLineAndKey) {
  std::string path = write_temp("data_dir = \"a\"\n[log]\nretention = 5\n");
  auto cfg = load_config_file(path);
  ASSERT_FALSE(cfg.is_ok());
  EXPECT_NE(cfg.status().message().find(":3: log.retention: unknown setting"), std::string::npos)
      << cfg.status().message();
  std::remove(path.c_str());
}

TEST(Config, SyntaxErrorAndBadValues) {
  std::string path = write_temp("data_dir = \n");
  EXPECT_FALSE(load_config_file(path).is_ok());
  std::remove(path.c_str());
  path = write_temp("[log]\nfsync = \"sometimes\"\n");
  auto cfg = load_config_file(path);
  ASSERT_FALSE(cfg.is_ok());
  EXPECT_NE(cfg.status().message().find("fsync"), std::string::npos);
  std::remove(path.c_str());
  EXPECT_FALSE(load_config_file("/nonexistent/sluice.toml").is_ok());
  auto negative = load_config_file(write_temp("[kafka]\ngroup_initial_rebalance_delay_ms = -1\n"));
  ASSERT_FALSE(negative.is_ok());
  EXPECT_NE(negative.status().message().find("kafka.group_initial_rebalance_delay_ms"),
            std::string::npos);
}

}  // namespace
}  // namespace sluice
