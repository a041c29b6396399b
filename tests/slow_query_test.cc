// A slow SQL query must not slow anything else down: while a persistent query is stuck in one
// record (a regular expression with catastrophic backtracking, the kind of query a user can
// write), Kafka clients produce and fetch, /healthcheck answers, and statements run, at their
// usual speed. Before SQL left the network threads, every REST request waited for the SQL
// worker's whole poll round on a Kafka I/O loop, and with a few such requests in flight Kafka
// clients stalled too.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/background_command.h"
#include "tests/support/sluice_process.h"

namespace sluice::testing {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

std::vector<std::string> curl_post(uint16_t port, const std::string& path,
                                   const std::string& body) {
  return {"curl",
          "-sS",
          "--max-time",
          "60",
          "-o",
          "/dev/null",
          "-w",
          "%{http_code}",
          "-X",
          "POST",
          "-H",
          "Content-Type: application/json",
          "--data-binary",
          body,
          "http://127.0.0.1:" + std::to_string(port) + path};
}

TEST(SlowQuery, KafkaRestAndStatementsStayFastWhileAQueryIsStuck) {
  TempDir dir;
  // Two I/O loops: enough REST requests in flight to occupy both if they waited on SQL there.
  SluiceProcess server(dir.path() + "/data", {"--threads", "2"});
  server.start();
  uint16_t http = server.http_port();

  CommandResult created = run_command(curl_post(
      http, "/ksql",
      R"({"ksql": "CREATE STREAM s (v STRING) WITH (kafka_topic='s', partitions=1, value_format='JSON'); CREATE STREAM o AS SELECT REGEXP_EXTRACT('(a+)+b', v) AS x FROM s;", "streamsProperties": {"auto.offset.reset": "earliest"}})"));
  ASSERT_EQ(created.out, "200") << created.err;
  // 40 a's and no b: the backtracking takes far longer than this test (the test kills the server).
  std::string record = R"({"v": ")" + std::string(40, 'a') + R"(c"})";
  ASSERT_EQ(
      run_command({"kcat", "-b", server.bootstrap(), "-P", "-t", "s"}, record + "\n").exit_code, 0);
  // The worker picks the record up within its poll interval and stays in it.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));

  // Statements waiting in the background, more than there are I/O loops.
  std::vector<std::unique_ptr<BackgroundCommand>> requests;
  requests.reserve(4);
  for (int i = 0; i < 4; ++i) {
    requests.push_back(std::make_unique<BackgroundCommand>(
        curl_post(http, "/ksql", R"({"ksql": "SHOW QUERIES; SHOW STREAMS;"})"),
        dir.path() + "/show" + std::to_string(i)));
  }

  auto t0 = Clock::now();
  CommandResult health =
      run_command({"curl", "-sS", "--max-time", "30", "-o", "/dev/null", "-w", "%{http_code}",
                   "http://127.0.0.1:" + std::to_string(http) + "/healthcheck"});
  double health_s = seconds_since(t0);
  EXPECT_EQ(health.out, "200") << health.err;
  EXPECT_LT(health_s, 3.0) << "/healthcheck waited for the SQL worker";

  t0 = Clock::now();
  std::string lines;
  for (int i = 0; i < 200; ++i) lines += "k" + std::to_string(i) + "|v" + std::to_string(i) + "\n";
  CommandResult produced =
      run_command({"kcat", "-b", server.bootstrap(), "-P", "-t", "other", "-K", "|"}, lines, 30000);
  EXPECT_EQ(produced.exit_code, 0) << produced.err;
  CommandResult consumed = run_command({"kcat", "-b", server.bootstrap(), "-C", "-t", "other", "-o",
                                        "beginning", "-c", "200", "-f", "%s\\n"},
                                       "", 30000);
  double kafka_s = seconds_since(t0);
  EXPECT_EQ(non_empty_lines(consumed.out).size(), 200u) << consumed.err;
  EXPECT_LT(kafka_s, 10.0) << "Kafka clients waited for the SQL worker";

  for (size_t i = 0; i < requests.size(); ++i) {
    requests[i]->wait(std::chrono::seconds(10));
    EXPECT_EQ(requests[i]->out(), "200") << "request " << i << " " << requests[i]->err();
  }

  // A new statement, and the stuck query is listed (its description does not wait for it).
  t0 = Clock::now();
  CommandResult more = run_command(curl_post(
      http, "/ksql",
      R"({"ksql": "CREATE STREAM t (v STRING) WITH (kafka_topic='t', partitions=1, value_format='JSON'); SHOW QUERIES;"})"));
  EXPECT_EQ(more.out, "200") << more.err;
  EXPECT_LT(seconds_since(t0), 3.0) << "a statement waited for the SQL worker";

  // The query is still in that record: what was measured above ran beside it.
  CommandResult out = run_command(
      {"kcat", "-b", server.bootstrap(), "-C", "-t", "O", "-o", "beginning", "-e", "-q"}, "",
      30000);
  EXPECT_EQ(out.out, "") << "the slow query finished early: the test measured nothing";
  server.kill();
}

}  // namespace
}  // namespace sluice::testing
