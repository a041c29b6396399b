// `sluice serve` from the outside: start-up, the HTTP endpoints, clean shutdown, and clear errors
// for bad configuration and an unusable data directory.
#include <sys/stat.h>
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <fstream>

#include "tests/support/sluice_process.h"

namespace sluice::testing {
namespace {

TEST(Serve, HealthMetricsAndCleanShutdown) {
  TempDir dir;
  SluiceProcess s(dir.path() + "/data");
  s.start();
  EXPECT_EQ(http_get(s.http_port(), "/health"), R"({"status":"UP"})");
  std::string metrics = http_get(s.http_port(), "/metrics");
  EXPECT_NE(metrics.find("# TYPE sluice_kafka_requests_total counter"), std::string::npos);
  EXPECT_NE(metrics.find("sluice_http_requests_total"), std::string::npos);
  int status = s.stop();
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  std::ifstream log(s.log_path());
  std::string text((std::istreambuf_iterator<char>(log)), {});
  EXPECT_NE(text.find("received SIGTERM"), std::string::npos);
  EXPECT_NE(text.find("stopped cleanly"), std::string::npos);
}

TEST(Serve, BadConfigFileNamesTheProblem) {
  TempDir dir;
  std::string cfg = dir.path() + "/sluice.toml";
  std::ofstream(cfg) << "[log]\nfsync = \"sometimes\"\n";
  auto r = run_command({sluice_binary(), "serve", "--config", cfg});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("fsync"), std::string::npos) << r.err;
  std::ofstream(cfg) << "[kafka]\nlisten = 9092\n";
  r = run_command({sluice_binary(), "serve", "--config", cfg});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("kafka.listen: must be a string"), std::string::npos) << r.err;
}

TEST(Serve, UnusableDataDirIsAClearError) {
  TempDir dir;
  std::string file = dir.path() + "/not-a-dir";
  std::ofstream(file) << "x";
  auto r =
      run_command({sluice_binary(), "serve", "--data-dir", file, "--kafka-listen", "127.0.0.1:0",
                   "--http-listen", "127.0.0.1:0", "--schema-registry-listen", "127.0.0.1:0"},
                  "", 20000);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(file), std::string::npos) << r.err;
}

TEST(Serve, CorruptSegmentTailIsTruncatedAndLogged) {
  TempDir dir;
  std::string data = dir.path() + "/data";
  {
    SluiceProcess s(data);
    s.start();
    auto r = run_command({"kcat", "-b", s.bootstrap(), "-P", "-t", "events"}, "a\nb\nc\n");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    s.stop();
  }
  // Append garbage to the partition's only segment, as a torn write would leave it.
  std::string seg = data + "/topics/events/0/00000000000000000000.log";
  {
    std::ofstream f(seg, std::ios::app | std::ios::binary);
    f << std::string("\x00\x00\x00\x00\x00\x00\x00\x09\x00\x00\x01\x00garbage", 19);
  }
  SluiceProcess s(data);
  s.start();
  auto r = run_command(
      {"kcat", "-b", s.bootstrap(), "-C", "-t", "events", "-e", "-o", "beginning", "-q"});
  EXPECT_EQ(r.out, "a\nb\nc\n") << r.err;
  s.stop();
  std::ifstream log(s.log_path());
  std::string text((std::istreambuf_iterator<char>(log)), {});
  EXPECT_NE(text.find("events"), std::string::npos);
  EXPECT_NE(text.find("truncat"), std::string::npos) << text;
}

}  // namespace
}  // namespace sluice::testing
