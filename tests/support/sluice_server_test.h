// A GoogleTest fixture with one `sluice serve` of its own (a fresh data directory, short group
// rebalance delay), started before the test and stopped after it; the test fails if the server
// did not exit cleanly.
#pragma once

#include <sys/wait.h>

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "tests/support/sluice_process.h"

namespace sluice::testing {

class SluiceServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<SluiceProcess>(dir_.path() + "/data", kShortRebalanceDelay);
    server_->start();
  }
  void TearDown() override {
    if (!server_->running()) return;
    int status = server_->stop();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
        << "sluice did not stop cleanly; see " << server_->log_path();
  }
  std::string bootstrap() const { return server_->bootstrap(); }

  TempDir dir_;
  std::unique_ptr<SluiceProcess> server_;
};

}  // namespace sluice::testing
