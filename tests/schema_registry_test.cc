// Confluent's npm Schema Registry client and kafkajs against `sluice serve`'s registry: runs each
// test of tests/node/schema_registry_test.js (node's built-in test runner) against a fresh server,
// then restarts it and checks that the registered schemas survived. Skipped only when node is not
// installed; the npm packages are installed by scripts/install-deps.sh (tests/node).
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "tests/support/sluice_process.h"

namespace sluice::testing {
namespace {

const std::string kNodeDir = SLUICE_NODE_TESTS_DIR;

bool node_installed() {
  return run_command({"node", "--version"}, "", 10000).exit_code == 0;
}

std::string registry_url(const SluiceProcess& server) {
  return "http://127.0.0.1:" + std::to_string(server.schema_registry_port());
}

class SchemaRegistryTest : public ::testing::TestWithParam<const char*> {};

TEST_P(SchemaRegistryTest, Passes) {
  if (!node_installed()) GTEST_SKIP() << "node is not installed";
  ASSERT_TRUE(std::filesystem::exists(
      kNodeDir + "/node_modules/@kafkajs/confluent-schema-registry/package.json"))
      << "the registry client is missing: run scripts/install-deps.sh (npm install in tests/node)";
  TempDir dir;
  SluiceProcess server(dir.path() + "/data", kShortRebalanceDelay);
  server.start();
  expect_node_test_passes(kNodeDir + "/schema_registry_test.js", GetParam(),
                          {server.bootstrap(), registry_url(server),
                           "http://127.0.0.1:" + std::to_string(server.http_port())});
  int status = server.stop();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << "sluice did not stop cleanly; see " << server.log_path();
}

INSTANTIATE_TEST_SUITE_P(Node, SchemaRegistryTest,
                         ::testing::Values("register, fetch", "a compatible change",
                                           "Avro records through Sluice",
                                           "ksqlDB streams over Avro", "deletes and error"),
                         [](const auto& info) { return param_name(info.param); });

// What was registered is there after a restart (the `_schemas` topic is replayed).
TEST(SchemaRegistryRestart, SchemasSurviveARestart) {
  if (!node_installed()) GTEST_SKIP() << "node is not installed";
  TempDir dir;
  SluiceProcess server(dir.path() + "/data", kShortRebalanceDelay);
  server.start();
  const std::string url = registry_url(server);
  auto curl = [&](const std::string& method, const std::string& path, const std::string& body) {
    std::vector<std::string> args = {
        "curl", "-s", "-X", method, "-H", "Content-Type: application/vnd.schemaregistry.v1+json"};
    if (!body.empty()) {
      args.push_back("--data");
      args.push_back(body);
    }
    args.push_back(url + path);
    return run_command(args, "", 10000).out;
  };
  EXPECT_EQ(curl("POST", "/subjects/s-value/versions", R"({"schema": "\"string\""})"),
            R"({"id":1})");
  EXPECT_EQ(curl("PUT", "/config/s-value", R"({"compatibility": "FULL"})"),
            R"({"compatibility":"FULL"})");
  int status = server.stop();
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  server.start();
  EXPECT_EQ(curl("GET", "/subjects/s-value/versions/1", ""),
            R"({"id":1,"schema":"\"string\"","subject":"s-value","version":1})");
  EXPECT_EQ(curl("GET", "/config/s-value", ""), R"({"compatibilityLevel":"FULL"})");
  EXPECT_EQ(curl("POST", "/subjects/t-value/versions", R"({"schema": "\"int\""})"), R"({"id":2})");
  status = server.stop();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

}  // namespace
}  // namespace sluice::testing
