// `sluice sql` and `sluice run` from outside: the shell against a real `sluice serve` process
// (a file with -f, statements with -e, the interactive mode fed through a stdin pipe with a push
// query streaming rows produced while it runs), and `sluice run FILE.sql` as the embedded main
// job, fed and read with kcat, stopped with SIGTERM and restarted on the same data.
#include <signal.h>
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/background_command.h"
#include "tests/support/sluice_process.h"

namespace sluice::testing {
namespace {

using std::chrono::seconds;

std::string write_file(const std::string& dir, const std::string& name, const std::string& text) {
  std::string path = dir + "/" + name;
  std::ofstream(path) << text;
  return path;
}

bool exited_with(int status, int code) {
  return WIFEXITED(status) && WEXITSTATUS(status) == code;
}

// Consumes `count` records of `topic` from the beginning (waiting for them), as "key|value".
std::vector<std::string> consume(const std::string& bootstrap, const std::string& topic,
                                 int count) {
  CommandResult r = run_command({"kcat", "-b", bootstrap, "-C", "-t", topic, "-o", "beginning",
                                 "-c", std::to_string(count), "-f", "%k|%s\\n"},
                                "", 60000);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return non_empty_lines(r.out);
}

void produce(const std::string& bootstrap, const std::string& topic, const std::string& lines) {
  CommandResult r = run_command({"kcat", "-b", bootstrap, "-P", "-t", topic, "-K", "|"}, lines);
  ASSERT_EQ(r.exit_code, 0) << r.err;
}

class SqlShellTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<SluiceProcess>(data_.path());
    server_->start();
  }
  void TearDown() override {
    int status = server_->stop();
    EXPECT_TRUE(exited_with(status, 0)) << "see " << server_->log_path();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_->http_port()); }
  CommandResult sql(std::vector<std::string> args, const std::string& input = "") {
    std::vector<std::string> argv = {sluice_binary(), "sql", "--server", url()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, input, 120000);
  }

  TempDir data_, files_;
  std::unique_ptr<SluiceProcess> server_;
};

TEST_F(SqlShellTest, FileCreatesInsertsAndShowsAsTables) {
  std::string file = write_file(files_.path(), "pipeline.sql", R"(
-- a source, three rows, and a query deriving a stream from it
CREATE STREAM pageviews (user_id STRING KEY, page STRING, ms BIGINT)
  WITH (kafka_topic='pageviews', partitions=1, value_format='JSON');
INSERT INTO pageviews (user_id, page, ms) VALUES ('alice', '/home', 10);
INSERT INTO pageviews (user_id, page, ms) VALUES ('bob', '/cart', 20);
INSERT INTO pageviews (user_id, page, ms) VALUES ('alice', '/pay', 30);
-- a new query reads only new records unless told to start from the beginning (as in ksqlDB)
SET 'auto.offset.reset' = 'earliest';
CREATE STREAM slow AS SELECT user_id, UCASE(page) AS page FROM pageviews WHERE ms > 15;
SHOW STREAMS;
DESCRIBE pageviews;
SHOW QUERIES;
)");
  CommandResult r = sql({"-f", file});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.err, "");
  const std::string& out = r.out;
  EXPECT_NE(out.find(" Message        \n----------------\n Stream created \n----------------\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find(" Created query with ID CSAS_SLOW_"), std::string::npos) << out;
  EXPECT_NE(out.find(" Stream Name | Kafka Topic | Key Format | Value Format | Windowed \n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find(" PAGEVIEWS   | pageviews   | KAFKA      | JSON         | false    \n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find(" SLOW        | SLOW        | KAFKA      | JSON         | false    \n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("Name                 : PAGEVIEWS\n"
                     " Field   | Type                   \n"
                     "----------------------------------\n"
                     " USER_ID | VARCHAR(STRING)  (key) \n"
                     " PAGE    | VARCHAR(STRING)        \n"
                     " MS      | BIGINT                 \n"
                     "----------------------------------\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("| PERSISTENT | RUNNING:1 | SLOW      | SLOW             | CREATE STREAM "
                     "slow AS SELECT"),
            std::string::npos)
      << out;
  // The derived stream really runs: its topic gets the two rows that pass the filter.
  EXPECT_EQ(consume(server_->bootstrap(), "SLOW", 2),
            (std::vector<std::string>{"bob|{\"PAGE\":\"/CART\"}", "alice|{\"PAGE\":\"/PAY\"}"}));
}

TEST_F(SqlShellTest, FirstErrorStopsTheFileWithItsMessageAndExitCode1) {
  std::string file = write_file(files_.path(), "bad.sql",
                                "CREATE STREAM s (v INT) WITH (kafka_topic='s', partitions=1, "
                                "value_format='JSON');\n"
                                "SELECT v\n  FROMM s EMIT CHANGES;\n"
                                "SHOW STREAMS;\n");
  CommandResult r = sql({"-f", file});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("Stream created"), std::string::npos) << r.out;
  // The message names the line and column within the statement.
  EXPECT_NE(r.err.find("line 2:9: mismatched input 's'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("Statement: SELECT v\n  FROMM s EMIT CHANGES;\n"), std::string::npos)
      << r.err;
  EXPECT_EQ(r.out.find("Stream Name"), std::string::npos) << "ran past the error:\n" << r.out;

  // --continue-on-error runs the rest and still says that something failed.
  CommandResult going = sql({"--continue-on-error", "-e",
                             "DROP STREAM nope; SHOW STREAMS; CREATE STREAM s (v INT) WITH "
                             "(kafka_topic='s', value_format='JSON');"});
  EXPECT_EQ(going.exit_code, 1);
  EXPECT_NE(going.out.find(" S           | s           |"), std::string::npos) << going.out;
  std::vector<std::string> errors = non_empty_lines(going.err);
  ASSERT_EQ(errors.size(), 4u) << going.err;
  EXPECT_NE(errors[0].find("NOPE"), std::string::npos) << errors[0];
  EXPECT_EQ(errors[1], "Statement: DROP STREAM nope;");
  EXPECT_NE(errors[2].find("already exists"), std::string::npos) << errors[2];
  EXPECT_EQ(errors[3],
            "Statement: CREATE STREAM s (v INT) WITH (kafka_topic='s', value_format='JSON');");

  // A server that is not there is an error too.
  CommandResult nobody =
      run_command({sluice_binary(), "sql", "--server",
                   "http://127.0.0.1:" + std::to_string(free_port()), "-e", "SHOW STREAMS;"});
  EXPECT_EQ(nobody.exit_code, 1);
  EXPECT_NE(nobody.err.find("cannot connect to the server"), std::string::npos) << nobody.err;
}

// PRINT streams the topic's records (it is a query, not a /ksql statement): FROM BEGINNING with a
// LIMIT ends by itself.
TEST_F(SqlShellTest, PrintStreamsTheTopicsRecords) {
  produce(server_->bootstrap(), "clicks", "a|{\"n\":1}\nb|{\"n\":2}\nc|{\"n\":3}\n");
  CommandResult r = sql({"-e", "PRINT 'clicks' FROM BEGINNING LIMIT 2;"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::vector<std::string> lines = non_empty_lines(r.out);
  ASSERT_EQ(lines.size(), 5u) << r.out;
  EXPECT_EQ(lines[0].rfind("Key format: ", 0), 0u) << r.out;
  EXPECT_EQ(lines[1].rfind("Value format: ", 0), 0u) << r.out;
  EXPECT_NE(lines[2].find(", key: a, value: {\"n\":1}, partition: 0"), std::string::npos) << r.out;
  EXPECT_NE(lines[3].find(", key: b, value: {\"n\":2}, partition: 0"), std::string::npos) << r.out;
  EXPECT_EQ(lines[4], "Topic printing ceased");

  CommandResult unknown = sql({"-e", "PRINT 'nope' FROM BEGINNING LIMIT 1;"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("Could not find topic 'nope'"), std::string::npos) << unknown.err;
}

// The interactive mode reading a pipe: statements across lines, client-side SET, and a push query
// that prints rows produced (with kcat) while it runs, ending at its LIMIT.
TEST_F(SqlShellTest, InteractiveStdinStreamsAPushQuery) {
  std::string input = files_.path() + "/input.sql";
  write_file(files_.path(), "input.sql",
             "CREATE STREAM clicks (\n"
             "  id STRING KEY,\n"
             "  n INT\n"
             ") WITH (kafka_topic='clicks', partitions=1,\n"
             "        value_format='JSON');\n"
             "SHOW\n STREAMS;  SHOW TOPICS;\n"
             "SELECT id, n * 10 AS tens FROM clicks\n"
             "  EMIT CHANGES LIMIT 3;\n"
             "exit\n"
             "SHOW QUERIES;\n");
  BackgroundCommand shell(
      {"sh", "-c", "exec '" + sluice_binary() + "' sql " + url() + " < '" + input + "'"},
      files_.path() + "/shell");
  // The query reads from the latest offsets: feed rows until three of them have come through.
  bool ended = false;
  for (int i = 0; i < 600 && !ended; ++i) {
    if (shell.out().find("|TENS") != std::string::npos) {
      produce(server_->bootstrap(), "clicks",
              "k" + std::to_string(i) + "|{\"N\":" + std::to_string(i) + "}\n");
    }
    ended = wait_until([&] { return shell.out().find("Query terminated") != std::string::npos; },
                       std::chrono::milliseconds(100));
  }
  int status = shell.wait(seconds(30));
  EXPECT_TRUE(exited_with(status, 0)) << shell.out() << shell.err();
  std::string out = shell.out();
  EXPECT_EQ(shell.err(), "");
  EXPECT_NE(out.find(" CLICKS      | clicks      | KAFKA      | JSON         | false    \n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find(" clicks      | 1          | 1                  \n"), std::string::npos)
      << out;
  EXPECT_NE(out.find("|ID                  |TENS                |\n"), std::string::npos) << out;
  // Three rows of the shape |kI |I*10 |, then the end of the query.
  size_t rows = 0;
  for (const std::string& line : non_empty_lines(out)) {
    if (line.starts_with("|k")) {
      ++rows;
      std::string key = line.substr(1, line.find(' ') - 1);
      int i = std::stoi(key.substr(1));
      EXPECT_NE(line.find("|" + std::to_string(i * 10) + " "), std::string::npos) << line;
    }
  }
  EXPECT_EQ(rows, 3u) << out;
  EXPECT_NE(out.find("Limit Reached\nQuery terminated\n"), std::string::npos) << out;
  // `exit` ended the session: the statement after it did not run.
  EXPECT_EQ(out.find("Query ID"), std::string::npos) << out;
}

class SqlRunTest : public ::testing::Test {
 protected:
  std::vector<std::string> run_argv(const std::string& file) {
    return {sluice_binary(),
            "run",
            file,
            "--data-dir",
            data_.path(),
            "--kafka-listen",
            bootstrap(),
            "--http-listen",
            "127.0.0.1:" + std::to_string(http_port_),
            "--schema-registry-listen",
            "127.0.0.1:0"};
  }
  std::string bootstrap() const { return "127.0.0.1:" + std::to_string(kafka_port_); }

  TempDir data_, files_;
  uint16_t kafka_port_ = free_port();
  uint16_t http_port_ = free_port();
};

TEST_F(SqlRunTest, RunsTheFileThenServesUntilSigterm) {
  std::string file = write_file(files_.path(), "job.sql", R"(
CREATE STREAM orders (id STRING KEY, amount DOUBLE, country STRING)
  WITH (kafka_topic='orders', partitions=1, value_format='JSON');
CREATE STREAM refunds (id STRING KEY, amount DOUBLE, country STRING)
  WITH (kafka_topic='refunds', partitions=1, value_format='JSON');
CREATE STREAM big_orders WITH (kafka_topic='big_orders') AS
  SELECT id, amount, country FROM orders WHERE amount >= 100;
INSERT INTO big_orders SELECT id, -amount AS amount, country FROM refunds WHERE amount >= 100;
)");
  auto sorted = [](std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
  };
  for (int start = 0; start < 2; ++start) {
    SCOPED_TRACE(start == 0 ? "first start" : "restart on the same data");
    BackgroundCommand job(run_argv(file), files_.path() + "/run" + std::to_string(start));
    ASSERT_TRUE(wait_until([&] { return job.out().find("serving until") != std::string::npos; },
                           seconds(60)))
        << job.out() << job.err();
    if (start == 0) {
      EXPECT_NE(job.out().find("Stream created"), std::string::npos) << job.out();
      EXPECT_NE(job.out().find("Created query with ID CSAS_BIG_ORDERS_"), std::string::npos);
      produce(bootstrap(), "orders",
              "o1|{\"AMOUNT\":50,\"COUNTRY\":\"FR\"}\no2|{\"AMOUNT\":150,\"COUNTRY\":\"DE\"}\n");
      produce(bootstrap(), "refunds", "r1|{\"AMOUNT\":500,\"COUNTRY\":\"IT\"}\n");
      EXPECT_EQ(sorted(consume(bootstrap(), "big_orders", 2)),
                (std::vector<std::string>{"o2|{\"AMOUNT\":150.0,\"COUNTRY\":\"DE\"}",
                                          "r1|{\"AMOUNT\":-500.0,\"COUNTRY\":\"IT\"}"}));
    } else {
      // The catalog came back from the data directory: the file's statements are skipped, the
      // queries run on from where they were.
      EXPECT_NE(job.out().find("Skipped (ORDERS exists, created by this same statement)"),
                std::string::npos)
          << job.out();
      EXPECT_NE(job.out().find("Skipped (BIG_ORDERS exists, created by this same statement)"),
                std::string::npos)
          << job.out();
      EXPECT_NE(job.out().find("Skipped (the same query is already running): INSERT INTO "
                               "big_orders SELECT"),
                std::string::npos)
          << job.out();
      // Exactly the two queries of the file run: none was started twice.
      CommandResult queries =
          run_command({sluice_binary(), "sql", "http://127.0.0.1:" + std::to_string(http_port_),
                       "-e", "SHOW QUERIES;"});
      ASSERT_EQ(queries.exit_code, 0) << queries.err;
      size_t persistent = 0;
      for (const std::string& line : non_empty_lines(queries.out)) {
        persistent += line.find("| PERSISTENT |") != std::string::npos;
      }
      EXPECT_EQ(persistent, 2u) << queries.out;
      produce(bootstrap(), "orders", "o3|{\"AMOUNT\":300,\"COUNTRY\":\"US\"}\n");
      produce(bootstrap(), "refunds", "r2|{\"AMOUNT\":100,\"COUNTRY\":\"ES\"}\n");
      std::vector<std::string> all = sorted(consume(bootstrap(), "big_orders", 4));
      EXPECT_EQ(all, (std::vector<std::string>{"o2|{\"AMOUNT\":150.0,\"COUNTRY\":\"DE\"}",
                                               "o3|{\"AMOUNT\":300.0,\"COUNTRY\":\"US\"}",
                                               "r1|{\"AMOUNT\":-500.0,\"COUNTRY\":\"IT\"}",
                                               "r2|{\"AMOUNT\":-100.0,\"COUNTRY\":\"ES\"}"}));
    }
    int status = job.stop(SIGTERM, seconds(30));
    EXPECT_TRUE(exited_with(status, 0)) << job.err();
  }
}

TEST_F(SqlRunTest, AFailingStatementStopsTheServerWithExit1) {
  std::string file = write_file(
      files_.path(), "bad.sql",
      "CREATE STREAM a (v INT) WITH (kafka_topic='a', partitions=1, value_format='JSON');\n"
      "CREATE STREAM b AS SELECT nope FROM a;\n"
      "CREATE STREAM c (v INT) WITH (kafka_topic='c', partitions=1, value_format='JSON');\n");
  CommandResult r = run_command(run_argv(file), "", 60000);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("NOPE"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("sluice run: a statement of " + file + " failed; stopping"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.out.find("serving until"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("sluice stopped cleanly"), std::string::npos) << r.err;

  // A push query without LIMIT would never end: refused before it starts.
  std::string push = write_file(files_.path(), "push.sql", "SELECT * FROM a EMIT CHANGES;\n");
  CommandResult p = run_command(run_argv(push), "", 60000);
  EXPECT_EQ(p.exit_code, 1);
  EXPECT_NE(p.err.find("A push query without LIMIT never ends"), std::string::npos) << p.err;
  // So would a PRINT without LIMIT.
  std::string print = write_file(files_.path(), "print.sql", "PRINT 'a' FROM BEGINNING;\n");
  CommandResult pr = run_command(run_argv(print), "", 60000);
  EXPECT_EQ(pr.exit_code, 1);
  EXPECT_NE(pr.err.find("PRINT without LIMIT never ends"), std::string::npos) << pr.err;
}

}  // namespace
}  // namespace sluice::testing
