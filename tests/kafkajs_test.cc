// kafkajs against `sluice serve`: runs each test of tests/node/kafkajs_test.js (node's built-in
// test runner) against a fresh server. Skipped only when node is not installed; kafkajs itself is
// installed by scripts/install-deps.sh (npm install in tests/node, pinned by its
// package-lock.json).
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

class KafkajsTest : public ::testing::TestWithParam<const char*> {};

TEST_P(KafkajsTest, Passes) {
  if (!node_installed()) GTEST_SKIP() << "node is not installed";
  ASSERT_TRUE(std::filesystem::exists(kNodeDir + "/node_modules/kafkajs/package.json"))
      << "kafkajs is missing: run scripts/install-deps.sh (npm install in tests/node)";
  TempDir dir;
  SluiceProcess server(dir.path() + "/data", kShortRebalanceDelay);
  server.start();
  expect_node_test_passes(kNodeDir + "/kafkajs_test.js", GetParam(), {server.bootstrap()});
  int status = server.stop();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << "sluice did not stop cleanly; see " << server.log_path();
}

INSTANTIATE_TEST_SUITE_P(Node, KafkajsTest,
                         ::testing::Values("admin creates", "1000 messages", "two consumers",
                                           "idempotent producer", "multi-topic batches",
                                           "deleteTopicRecords", "transactions"),
                         [](const auto& info) { return param_name(info.param); });

}  // namespace
}  // namespace sluice::testing
