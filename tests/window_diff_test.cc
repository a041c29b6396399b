// The windowed aggregations of `sluice serve` against DuckDB over the same bids
// (tests/node/window_diff_test.js): every window's final result must agree exactly. Skipped only
// when node is not installed; kafkajs and @duckdb/node-api are installed by
// scripts/install-deps.sh (npm install in tests/node).
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <iostream>
#include <string>

#include "tests/support/sluice_process.h"

namespace sluice::testing {
namespace {

const std::string kNodeDir = SLUICE_NODE_TESTS_DIR;

TEST(WindowDiff, TumblingAndHoppingWindowsAgreeWithDuckDb) {
  if (run_command({"node", "--version"}, "", 10000).exit_code != 0) {
    GTEST_SKIP() << "node is not installed";
  }
  ASSERT_TRUE(std::filesystem::exists(kNodeDir + "/node_modules/@duckdb/node-api/package.json"))
      << "@duckdb/node-api is missing: run scripts/install-deps.sh (npm install in tests/node)";
  TempDir dir;
  SluiceProcess server(dir.path() + "/data", kShortRebalanceDelay);
  server.start();
  auto r = run_command({"node", kNodeDir + "/window_diff_test.js", server.bootstrap(),
                        std::to_string(server.http_port())},
                       "", 300000);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("\n# pass 1\n"), std::string::npos) << r.out << r.err;
  std::cout << r.out.substr(0, 2000);
  int status = server.stop();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << "sluice did not stop cleanly; see " << server.log_path();
}

}  // namespace
}  // namespace sluice::testing
