// The ksqlDB-compatible REST API from outside: a real `sluice serve` process driven with curl
// (and kcat for input): /ksql for every statement kind and the error kinds, push queries on
// /query and /query-stream (earliest/latest, LIMIT, rows arriving while the query is open, client
// disconnect and /close-query freeing the query, stream scans), /info, /healthcheck, the SQL
// metrics, and a restart keeping the catalog and resuming the persistent queries.
#include <signal.h>
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/background_command.h"
#include "tests/support/sluice_process.h"
#include "tests/support/sluice_server_test.h"

namespace sluice::testing {
namespace {

using Json = nlohmann::json;
using std::chrono::seconds;

struct HttpResult {
  int status = 0;
  std::string body;
  Json json() const { return Json::parse(body, nullptr, false); }
};

std::string url(uint16_t port, const std::string& path) {
  return "http://127.0.0.1:" + std::to_string(port) + path;
}

HttpResult post(uint16_t port, const std::string& path, const std::string& body,
                const std::vector<std::string>& headers = {}) {
  std::vector<std::string> argv = {"curl", "-sS", "-X",
                                   "POST", "-H",  "Content-Type: application/json"};
  for (const auto& h : headers) {
    argv.push_back("-H");
    argv.push_back(h);
  }
  for (const char* a : {"--max-time", "60", "--data-binary"}) argv.push_back(a);
  argv.push_back(body);
  argv.push_back("-w");
  argv.push_back("\n%{http_code}");
  argv.push_back(url(port, path));
  CommandResult r = run_command(argv);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  HttpResult out;
  size_t nl = r.out.rfind('\n');
  if (nl == std::string::npos) return out;
  out.status = std::atoi(r.out.c_str() + nl + 1);
  out.body = r.out.substr(0, nl);
  return out;
}

HttpResult get(uint16_t port, const std::string& path) {
  CommandResult r =
      run_command({"curl", "-sS", "--max-time", "30", "-w", "\n%{http_code}", url(port, path)});
  HttpResult out;
  size_t nl = r.out.rfind('\n');
  if (nl == std::string::npos) return out;
  out.status = std::atoi(r.out.c_str() + nl + 1);
  out.body = r.out.substr(0, nl);
  return out;
}

std::string ksql_body(const std::string& statements, const Json& props = Json::object()) {
  return Json{{"ksql", statements}, {"streamsProperties", props}}.dump();
}

class KsqlRestTest : public SluiceServerTest {
 protected:
  uint16_t port() const { return server_->http_port(); }

  // Runs statements that must succeed; returns the entities.
  Json ksql(const std::string& statements, const Json& props = Json::object()) {
    HttpResult r = post(port(), "/ksql", ksql_body(statements, props));
    EXPECT_EQ(r.status, 200) << statements << "\n" << r.body;
    Json j = r.json();
    EXPECT_TRUE(j.is_array()) << r.body;
    return j;
  }

  // The ids of the running queries of a type ("PERSISTENT" / "PUSH").
  std::vector<std::string> query_ids(const std::string& type) {
    std::vector<std::string> ids;
    Json j = ksql("SHOW QUERIES;");
    for (const auto& q : j[0]["queries"]) {
      if (q["queryType"] == type) ids.push_back(q["id"]);
    }
    return ids;
  }

  // A push query running in the background, its output in a file.
  std::unique_ptr<BackgroundCommand> background_query(const std::string& path,
                                                      const std::string& body,
                                                      const std::string& name) {
    return std::make_unique<BackgroundCommand>(
        std::vector<std::string>{"curl", "-sS", "-N", "-X", "POST", "-H",
                                 "Content-Type: application/json", "--data-binary", body,
                                 url(port(), path)},
        dir_.path() + "/" + name);
  }
};

TEST_F(KsqlRestTest, InfoAndHealthcheck) {
  HttpResult info = get(port(), "/info");
  EXPECT_EQ(info.status, 200);
  Json j = info.json();
  EXPECT_EQ(j["KsqlServerInfo"]["serverStatus"], "RUNNING") << info.body;
  EXPECT_FALSE(j["KsqlServerInfo"]["version"].get<std::string>().empty());
  EXPECT_FALSE(j["KsqlServerInfo"]["kafkaClusterId"].get<std::string>().empty());
  HttpResult health = get(port(), "/healthcheck");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.json()["isHealthy"], true) << health.body;
  EXPECT_EQ(health.json()["details"]["commandRunner"]["isHealthy"], true);
}

TEST_F(KsqlRestTest, StatementsGetKsqlDbEntities) {
  Json j = ksql(
      "CREATE STREAM orders (id BIGINT KEY, item STRING, amount DOUBLE) "
      "WITH (kafka_topic='orders', partitions=2, value_format='JSON');"
      "CREATE STREAM big AS SELECT id, item, amount * 2 AS doubled FROM orders WHERE amount > 10;");
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[0]["@type"], "currentStatus");
  EXPECT_EQ(j[0]["commandId"], "stream/`ORDERS`/create");
  EXPECT_EQ(j[0]["commandStatus"]["status"], "SUCCESS");
  EXPECT_EQ(j[0]["commandStatus"]["message"], "Stream created");
  EXPECT_TRUE(j[0]["commandStatus"]["queryId"].is_null());
  EXPECT_GE(j[0]["commandSequenceNumber"].get<int64_t>(), 0);
  EXPECT_EQ(j[1]["commandStatus"]["queryId"], "CSAS_BIG_0");
  EXPECT_EQ(j[1]["commandStatus"]["message"], "Created query with ID CSAS_BIG_0");

  j = ksql("SHOW STREAMS;");
  ASSERT_EQ(j[0]["@type"], "streams");
  ASSERT_EQ(j[0]["streams"].size(), 2u);
  EXPECT_EQ(j[0]["streams"][1]["name"], "ORDERS");
  EXPECT_EQ(j[0]["streams"][1]["topic"], "orders");
  EXPECT_EQ(j[0]["streams"][1]["type"], "STREAM");
  EXPECT_EQ(j[0]["streams"][1]["valueFormat"], "JSON");
  EXPECT_EQ(j[0]["streams"][1]["isWindowed"], false);
  EXPECT_EQ(ksql("LIST TABLES;")[0]["@type"], "tables");

  j = ksql("SHOW TOPICS;");
  ASSERT_EQ(j[0]["@type"], "kafka_topics");
  bool found = false;
  for (const auto& t : j[0]["topics"]) {
    if (t["name"] == "orders") {
      found = true;
      EXPECT_EQ(t["replicaInfo"], Json::array({1, 1}));
    }
    EXPECT_NE(t["name"].get<std::string>()[0], '_') << "internal topics are hidden";
  }
  EXPECT_TRUE(found) << j.dump();

  j = ksql("SHOW QUERIES;");
  ASSERT_EQ(j[0]["@type"], "queries");
  ASSERT_EQ(j[0]["queries"].size(), 1u);
  EXPECT_EQ(j[0]["queries"][0]["id"], "CSAS_BIG_0");
  EXPECT_EQ(j[0]["queries"][0]["sinks"], Json::array({"BIG"}));
  EXPECT_EQ(j[0]["queries"][0]["sinkKafkaTopics"], Json::array({"BIG"}));
  EXPECT_EQ(j[0]["queries"][0]["queryType"], "PERSISTENT");
  EXPECT_EQ(j[0]["queries"][0]["state"], "RUNNING");

  j = ksql("DESCRIBE orders; DESCRIBE big EXTENDED;");
  ASSERT_EQ(j[0]["@type"], "sourceDescription");
  const Json& d = j[0]["sourceDescription"];
  EXPECT_EQ(d["name"], "ORDERS");
  EXPECT_EQ(d["type"], "STREAM");
  EXPECT_EQ(d["partitions"], 2);
  EXPECT_EQ(d["extended"], false);
  ASSERT_EQ(d["fields"].size(), 3u);
  EXPECT_EQ(d["fields"][0]["name"], "ID");
  EXPECT_EQ(d["fields"][0]["type"], "KEY");
  EXPECT_EQ(d["fields"][0]["schema"]["type"], "BIGINT");
  EXPECT_FALSE(d["fields"][1].contains("type"));
  EXPECT_EQ(d["fields"][2]["schema"]["type"], "DOUBLE");
  EXPECT_EQ(d["readQueries"][0]["id"], "CSAS_BIG_0");
  EXPECT_EQ(j[1]["sourceDescription"]["extended"], true);
  EXPECT_EQ(j[1]["sourceDescription"]["writeQueries"][0]["id"], "CSAS_BIG_0");
  j = ksql("DESCRIBE STREAMS;");
  EXPECT_EQ(j[0]["@type"], "source_descriptions");
  EXPECT_EQ(j[0]["sourceDescriptions"].size(), 2u);

  j = ksql("EXPLAIN CSAS_BIG_0;");
  ASSERT_EQ(j[0]["@type"], "queryDescription");
  EXPECT_EQ(j[0]["queryDescription"]["id"], "CSAS_BIG_0");
  EXPECT_EQ(j[0]["queryDescription"]["sources"], Json::array({"ORDERS"}));
  EXPECT_EQ(j[0]["queryDescription"]["sinks"], Json::array({"BIG"}));
  j = ksql("EXPLAIN SELECT item, amount FROM orders EMIT CHANGES;");
  EXPECT_EQ(j[0]["queryDescription"]["fields"][1]["name"], "AMOUNT") << j.dump();
  EXPECT_EQ(j[0]["queryDescription"]["queryType"], "PUSH");
  EXPECT_TRUE(query_ids("PUSH").empty()) << "EXPLAIN runs nothing";
  j = ksql("SHOW QUERIES EXTENDED; SHOW STREAMS EXTENDED;");
  EXPECT_EQ(j[0]["@type"], "query_descriptions");
  EXPECT_EQ(j[0]["queryDescriptions"][0]["id"], "CSAS_BIG_0");
  EXPECT_EQ(j[0]["queryDescriptions"][0]["fields"].size(), 3u);
  EXPECT_EQ(j[1]["@type"], "source_descriptions");
  EXPECT_EQ(j[1]["sourceDescriptions"].size(), 2u);

  j = ksql("SHOW FUNCTIONS; DESCRIBE FUNCTION substring;");
  EXPECT_EQ(j[0]["@type"], "function_names");
  EXPECT_GT(j[0]["functions"].size(), 50u);
  EXPECT_EQ(j[1]["@type"], "describe_function");
  EXPECT_EQ(j[1]["name"], "SUBSTRING");
  EXPECT_FALSE(j[1]["functions"].empty());
  j = ksql("DESCRIBE FUNCTION topk;");
  EXPECT_EQ(j[0]["name"], "TOPK");
  EXPECT_EQ(j[0]["type"], "AGGREGATE");
  ASSERT_FALSE(j[0]["functions"].empty()) << j.dump();
  EXPECT_EQ(j[0]["functions"][0]["arguments"][0]["name"], "val") << j.dump();

  // Request properties apply to this request only; SET inside applies to what follows it.
  j = ksql("SET 'ksql.example' = 'b'; SHOW PROPERTIES;", {{"auto.offset.reset", "earliest"}});
  ASSERT_EQ(j.size(), 1u) << "SET answers nothing";
  EXPECT_EQ(j[0]["@type"], "properties");
  std::map<std::string, std::string> props;
  for (const auto& p : j[0]["properties"]) props[p["name"]] = p["value"];
  EXPECT_EQ(props["auto.offset.reset"], "earliest");
  EXPECT_EQ(props["ksql.example"], "b");
  j = ksql("SHOW PROPERTIES;");
  EXPECT_TRUE(j[0]["properties"].empty()) << j.dump();

  // Variables: sessionVariables and DEFINE.
  HttpResult r = post(port(), "/ksql",
                      Json{{"ksql",
                            "DEFINE amount_col = 'amount';"
                            "CREATE STREAM ${name} AS SELECT id, ${amount_col} FROM orders;"},
                           {"sessionVariables", {{"name", "copy"}}}}
                          .dump());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()[0]["commandStatus"]["queryId"], "CSAS_COPY_1");

  j = ksql("INSERT INTO orders (id, item, amount) VALUES (1, 'a', 20.5);");
  EXPECT_TRUE(j.empty()) << j.dump();

  j = ksql("CREATE TYPE address AS STRUCT<street STRING, zip INT>; SHOW TYPES;");
  EXPECT_EQ(j[0]["commandId"], "type/ADDRESS/create");
  EXPECT_EQ(j[1]["@type"], "type_list");
  EXPECT_EQ(j[1]["types"]["ADDRESS"]["type"], "STRUCT");
  EXPECT_EQ(j[1]["types"]["ADDRESS"]["fields"][1]["name"], "ZIP");

  // INSERT INTO ... SELECT, a table and CREATE TABLE AS SELECT, UNSET, UNDEFINE, DROP TYPE.
  j = ksql(
      "CREATE STREAM more (id BIGINT KEY, item STRING, amount DOUBLE) "
      "WITH (kafka_topic='more', partitions=1, value_format='JSON');"
      "INSERT INTO orders SELECT * FROM more;"
      "CREATE TABLE prices (item STRING PRIMARY KEY, price DOUBLE) "
      "WITH (kafka_topic='prices', partitions=1, value_format='JSON');"
      "CREATE TABLE dear AS SELECT item, price FROM prices WHERE price > 100;"
      "DEFINE x = 'y'; SHOW VARIABLES; UNDEFINE x; SHOW VARIABLES;"
      "SET 'a.b' = 'c'; UNSET 'a.b'; SHOW PROPERTIES; DROP TYPE address;");
  ASSERT_EQ(j.size(), 8u) << j.dump();
  EXPECT_EQ(j[1]["commandStatus"]["queryId"], "INSERTQUERY_2") << j.dump();
  EXPECT_EQ(j[2]["commandId"], "table/`PRICES`/create");
  EXPECT_EQ(j[2]["commandStatus"]["message"], "Table created");
  EXPECT_EQ(j[3]["commandStatus"]["queryId"], "CTAS_DEAR_3");
  EXPECT_EQ(j[4]["@type"], "variables");
  EXPECT_EQ(j[4]["variables"][0]["name"], "X");
  EXPECT_TRUE(j[5]["variables"].empty());
  EXPECT_TRUE(j[6]["properties"].empty());
  EXPECT_EQ(j[7]["commandId"], "type/ADDRESS/drop");
  j = ksql("SHOW TABLES;");
  ASSERT_EQ(j[0]["tables"].size(), 2u);
  EXPECT_EQ(j[0]["tables"][0]["type"], "TABLE");
  EXPECT_EQ(query_ids("PERSISTENT"), (std::vector<std::string>{"CSAS_BIG_0", "CSAS_COPY_1",
                                                               "INSERTQUERY_2", "CTAS_DEAR_3"}));
  j = ksql("TERMINATE INSERTQUERY_2; TERMINATE CTAS_DEAR_3; DROP TABLE dear;");
  EXPECT_EQ(j.size(), 3u);

  j = ksql("TERMINATE CSAS_COPY_1; DROP STREAM copy DELETE TOPIC;");
  EXPECT_EQ(j[0]["commandStatus"]["message"], "Query terminated.");
  EXPECT_EQ(j[0]["commandId"], "terminate/CSAS_COPY_1/execute");
  EXPECT_EQ(j[1]["commandId"], "stream/`COPY`/drop");
  EXPECT_EQ(j[1]["commandStatus"]["message"], "Source `COPY` (topic: COPY) was dropped.");
  EXPECT_EQ(query_ids("PERSISTENT"), std::vector<std::string>{"CSAS_BIG_0"});
}

TEST_F(KsqlRestTest, ErrorsAreKsqlDbErrors) {
  // A parse error names line and column.
  HttpResult r = post(port(), "/ksql", ksql_body("CREATE STREAM s (a INT)\n WITH (kafka_topic=);"));
  EXPECT_EQ(r.status, 400);
  Json j = r.json();
  EXPECT_EQ(j["@type"], "statement_error") << r.body;
  EXPECT_EQ(j["error_code"], 40001);
  EXPECT_NE(j["message"].get<std::string>().find("line 2:"), std::string::npos) << r.body;

  // Unknown source; the statements before it succeeded and are reported.
  r = post(port(), "/ksql",
           ksql_body("CREATE STREAM s (a INT) WITH (kafka_topic='s', partitions=1, "
                     "value_format='JSON'); CREATE STREAM t AS SELECT * FROM nope;"));
  EXPECT_EQ(r.status, 400);
  j = r.json();
  EXPECT_EQ(j["error_code"], 40001);
  EXPECT_NE(j["message"].get<std::string>().find("NOPE"), std::string::npos) << r.body;
  EXPECT_NE(j["message"].get<std::string>().find("line 1:"), std::string::npos) << r.body;
  EXPECT_EQ(j["statementText"], "CREATE STREAM t AS SELECT * FROM nope;");
  ASSERT_EQ(j["entities"].size(), 1u);
  EXPECT_EQ(j["entities"][0]["commandStatus"]["message"], "Stream created");

  r = post(port(), "/ksql", "{\"ksql\": ");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.json()["@type"], "generic_error") << r.body;
  EXPECT_EQ(r.json()["error_code"], 40000);
  r = post(port(), "/ksql", "{\"sql\": \"SHOW STREAMS;\"}");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.json()["error_code"], 40000);
  for (const char* bad : {"[]", "{\"ksql\": 5}", "\"SHOW STREAMS;\"", ""}) {
    r = post(port(), "/ksql", bad);
    EXPECT_EQ(r.status, 400) << bad;
    EXPECT_EQ(r.json()["error_code"], 40000) << bad << " -> " << r.body;
  }
  for (const char* path : {"/query", "/query-stream", "/close-query"}) {
    r = post(port(), path, "{nope");
    EXPECT_EQ(r.status, 400) << path;
    EXPECT_EQ(r.json()["error_code"], 40000) << path << " -> " << r.body;
  }
  // Properties that are not an object are ignored.
  r = post(port(), "/ksql", R"({"ksql": "SHOW STREAMS;", "streamsProperties": [1, 2]})");
  EXPECT_EQ(r.status, 200) << r.body;

  r = post(port(), "/ksql", ksql_body("SELECT * FROM s EMIT CHANGES;"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.json()["error_code"], 40002) << r.body;
  EXPECT_NE(r.json()["message"].get<std::string>().find("'/query'"), std::string::npos);

  r = post(port(), "/query", Json{{"ksql", "SELECT * FROM nope EMIT CHANGES;"}}.dump());
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.json()["error_code"], 40001) << r.body;
  r = post(port(), "/query-stream", Json{{"sql", "SHOW STREAMS;"}}.dump());
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.json()["@type"], "generic_error") << r.body;
  r = post(port(), "/close-query", Json{{"queryId", "transient_X_99"}}.dump());
  EXPECT_EQ(r.status, 400);

  // The server keeps serving, and counts the failures.
  EXPECT_EQ(ksql("SHOW STREAMS;")[0]["streams"].size(), 1u);
  std::string metrics = get(port(), "/metrics").body;
  EXPECT_NE(metrics.find("sluice_sql_statements_total{result=\"failed\"}"), std::string::npos)
      << metrics;
}

TEST_F(KsqlRestTest, PushQueriesFromEarliestWithLimit) {
  ksql(
      "CREATE STREAM s (k STRING KEY, n INT, d DECIMAL(5,2), ts TIMESTAMP) "
      "WITH (kafka_topic='s', partitions=1, value_format='JSON');"
      "INSERT INTO s (k, n, d, ts) VALUES ('a', 1, 1.50, '1970-01-01T00:00:00.000');"
      "INSERT INTO s (k, n, d, ts) VALUES ('b', 2, 22.05, '1970-01-01T00:00:01.000');"
      "INSERT INTO s (k, n, d, ts) VALUES ('c', 3, 3.00, '1970-01-01T00:00:02.000');");
  Json earliest{{"ksql.streams.auto.offset.reset", "earliest"}};

  // /query: [{"header"...}, {"row"...}, ..., {"finalMessage"...}]
  HttpResult r = post(port(), "/query",
                      Json{{"ksql", "SELECT k, n, d, ts FROM s WHERE n > 1 EMIT CHANGES LIMIT 2;"},
                           {"streamsProperties", earliest}}
                          .dump());
  ASSERT_EQ(r.status, 200) << r.body;
  Json j = r.json();
  ASSERT_TRUE(j.is_array()) << r.body;
  ASSERT_EQ(j.size(), 4u) << r.body;
  EXPECT_TRUE(j[0]["header"]["queryId"].get<std::string>().starts_with("transient_S_"));
  EXPECT_EQ(j[0]["header"]["schema"], "`K` STRING, `N` INTEGER, `D` DECIMAL(5, 2), `TS` TIMESTAMP");
  EXPECT_EQ(j[1]["row"]["columns"].dump(), R"(["b",2,22.05,"1970-01-01T00:00:01.000"])");
  EXPECT_EQ(j[2]["row"]["columns"].dump(), R"(["c",3,3.0,"1970-01-01T00:00:02.000"])");
  EXPECT_EQ(j[3]["finalMessage"], "Limit Reached");
  // Exact text for DECIMAL: as ksqlDB renders it, with its scale.
  EXPECT_NE(r.body.find("[\"c\",3,3.00,"), std::string::npos) << r.body;

  // /query-stream, delimited: a header line then one array per row.
  r = post(port(), "/query-stream",
           Json{{"sql", "SELECT * FROM s EMIT CHANGES LIMIT 3;"}, {"properties", earliest}}.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  auto lines = non_empty_lines(r.body);
  ASSERT_EQ(lines.size(), 4u) << r.body;
  Json header = Json::parse(lines[0]);
  EXPECT_EQ(header["columnNames"], Json::array({"K", "N", "D", "TS"}));
  EXPECT_EQ(header["columnTypes"],
            Json::array({"STRING", "INTEGER", "DECIMAL(5, 2)", "TIMESTAMP"}));
  EXPECT_EQ(Json::parse(lines[1])[0], "a");
  EXPECT_EQ(Json::parse(lines[3])[1], 3);

  // /query-stream, application/json: one array.
  r = post(port(), "/query-stream",
           Json{{"sql", "SELECT n FROM s EMIT CHANGES LIMIT 2;"}, {"properties", earliest}}.dump(),
           {"Accept: application/json"});
  ASSERT_EQ(r.status, 200) << r.body;
  j = r.json();
  ASSERT_TRUE(j.is_array()) << r.body;
  ASSERT_EQ(j.size(), 3u);
  EXPECT_EQ(j[0]["columnNames"], Json::array({"N"}));
  EXPECT_EQ(j[2], Json::array({2}));

  // PRINT on /query: raw records as text lines.
  r = post(port(), "/query", Json{{"ksql", "PRINT s FROM BEGINNING LIMIT 2;"}}.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  lines = non_empty_lines(r.body);
  ASSERT_EQ(lines.size(), 4u) << r.body;
  EXPECT_EQ(lines[0], "Key format: KAFKA_STRING");
  EXPECT_EQ(lines[1], "Value format: JSON or KAFKA_STRING");
  EXPECT_TRUE(lines[2].starts_with("rowtime: ")) << lines[2];
  EXPECT_NE(lines[2].find(", key: a, value: {"), std::string::npos) << lines[2];
  EXPECT_TRUE(lines[3].ends_with(", partition: 0")) << lines[3];
  r = post(port(), "/query", Json{{"ksql", "PRINT nope;"}}.dump());
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("Could not find topic 'nope'"), std::string::npos) << r.body;

  // A stream scan (no EMIT): the rows there now, then the end.
  r = post(port(), "/query-stream", Json{{"sql", "SELECT n FROM s WHERE n <> 2;"}}.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  lines = non_empty_lines(r.body);
  ASSERT_EQ(lines.size(), 3u) << r.body;
  EXPECT_EQ(lines[1], "[1]");
  EXPECT_EQ(lines[2], "[3]");
  // A table declared over a topic is not queryable (ksqlDB's error); one a query builds is: its
  // rows now, one per key, then the end.
  ksql(
      "CREATE TABLE t (k STRING PRIMARY KEY, v INT) "
      "WITH (kafka_topic='t', partitions=1, value_format='JSON');");
  r = post(port(), "/query-stream", Json{{"sql", "SELECT * FROM t;"}}.dump());
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("The `T` table isn't queryable."), std::string::npos) << r.body;
  ksql("CREATE TABLE counts AS SELECT n, COUNT(*) AS c FROM s GROUP BY n;", earliest);
  for (int i = 0; i < 200; ++i) {
    r = post(port(), "/query-stream", Json{{"sql", "SELECT * FROM counts WHERE n = 3;"}}.dump());
    if (non_empty_lines(r.body).size() == 2) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(r.status, 200) << r.body;
  lines = non_empty_lines(r.body);
  ASSERT_EQ(lines.size(), 2u) << r.body;
  EXPECT_EQ(lines[1], "[3,1]");
  EXPECT_TRUE(query_ids("PUSH").empty());
}

TEST_F(KsqlRestTest, PushQueryStreamsNewRowsAndStopsWhenTheClientLeaves) {
  ksql(
      "CREATE STREAM s (k STRING KEY, n INT) "
      "WITH (kafka_topic='s', partitions=2, value_format='JSON');"
      "INSERT INTO s (k, n) VALUES ('old', 0);");
  // Latest (the default): only rows written after the query started.
  auto q = background_query("/query-stream",
                            Json{{"sql", "SELECT k, n * 10 AS m FROM s EMIT CHANGES;"}}.dump(),
                            "latest");
  ASSERT_TRUE(
      wait_until([&] { return q->out().find("queryId") != std::string::npos; }, seconds(30)))
      << q->err();
  ASSERT_EQ(query_ids("PUSH").size(), 1u);
  ksql("INSERT INTO s (k, n) VALUES ('x', 1);");
  ASSERT_TRUE(
      wait_until([&] { return q->out().find(R"(["x",10])") != std::string::npos; }, seconds(30)))
      << q->out();
  // Records from a Kafka producer show up too.
  auto produced =
      run_command({"kcat", "-b", server_->bootstrap(), "-P", "-t", "s", "-k", "y"}, "{\"N\": 2}\n");
  ASSERT_EQ(produced.exit_code, 0) << produced.err;
  ASSERT_TRUE(
      wait_until([&] { return q->out().find(R"(["y",20])") != std::string::npos; }, seconds(30)))
      << q->out();
  EXPECT_EQ(q->out().find("old"), std::string::npos) << q->out();
  EXPECT_TRUE(wait_until(
      [&] {
        return get(port(), "/metrics").body.find("sluice_sql_queries_running{type=\"push\"} 1") !=
               std::string::npos;
      },
      seconds(30)));

  // The client goes away: the query is stopped and freed.
  q->stop(SIGTERM);
  EXPECT_TRUE(wait_until([&] { return query_ids("PUSH").empty(); }, seconds(30)));
  EXPECT_TRUE(wait_until(
      [&] {
        return get(port(), "/metrics").body.find("sluice_sql_queries_running{type=\"push\"} 0") !=
               std::string::npos;
      },
      seconds(30)));

  // /close-query ends a query: the client's stream ends by itself.
  auto q2 = background_query("/query",
                             Json{{"ksql", "SELECT * FROM s EMIT CHANGES;"},
                                  {"streamsProperties", {{"auto.offset.reset", "earliest"}}}}
                                 .dump(),
                             "closed");
  ASSERT_TRUE(
      wait_until([&] { return q2->out().find(R"("old",0)") != std::string::npos; }, seconds(30)))
      << q2->out();
  // The first line is `[{"header":{...}},`.
  std::string first = non_empty_lines(q2->out())[0];
  Json header = Json::parse(first.substr(1, first.size() - 2));
  std::string id = header["header"]["queryId"];
  HttpResult r = post(port(), "/close-query", Json{{"queryId", id}}.dump());
  EXPECT_EQ(r.status, 200) << r.body;
  int status = q2->wait(seconds(30));
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << q2->err();
  Json all = Json::parse(q2->out(), nullptr, false);
  ASSERT_TRUE(all.is_array()) << q2->out();
  EXPECT_EQ(all.back()["finalMessage"], "Query Closed");
  EXPECT_TRUE(query_ids("PUSH").empty());

  // TERMINATE <transient id> on /ksql ends one too.
  auto q3 = background_query("/query-stream", Json{{"sql", "SELECT * FROM s EMIT CHANGES;"}}.dump(),
                             "terminated");
  ASSERT_TRUE(
      wait_until([&] { return q3->out().find("queryId") != std::string::npos; }, seconds(30)));
  std::string id3 = Json::parse(non_empty_lines(q3->out())[0])["queryId"];
  Json j = ksql("TERMINATE " + id3 + ";");
  EXPECT_EQ(j[0]["commandStatus"]["message"], "Query terminated.");
  status = q3->wait(seconds(30));
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << q3->err();
}

TEST_F(KsqlRestTest, ServerStopEndsOpenPushQueries) {
  ksql("CREATE STREAM s (n INT) WITH (kafka_topic='s', partitions=1, value_format='JSON');");
  auto q =
      background_query("/query", Json{{"ksql", "SELECT * FROM s EMIT CHANGES;"}}.dump(), "open");
  ASSERT_TRUE(
      wait_until([&] { return q->out().find("header") != std::string::npos; }, seconds(30)));
  int status = server_->stop();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << "sluice did not stop cleanly; see " << server_->log_path();
  // The client's response ends (completely or cut off) instead of hanging.
  int curl = q->wait(seconds(30));
  EXPECT_TRUE(WIFEXITED(curl)) << "curl was still waiting and got killed";
  // What it got before the end is still well-formed rows.
  EXPECT_EQ(q->out().rfind("[{\"header\":", 0), 0u) << q->out();
}

TEST(KsqlRestErrors, BadRecordsGoToTheConfiguredErrorTopicAndAreCounted) {
  TempDir dir;
  SluiceProcess server(dir.path() + "/data", {"--sql-error-topic", "bad_records"});
  server.start();
  HttpResult r = post(server.http_port(), "/ksql",
                      ksql_body("CREATE STREAM s (n INT) WITH (kafka_topic='s', partitions=1, "
                                "value_format='JSON'); CREATE STREAM t AS SELECT n FROM s;"));
  ASSERT_EQ(r.status, 200) << r.body;
  auto produced =
      run_command({"kcat", "-b", server.bootstrap(), "-P", "-t", "s"}, "{\"N\": 1}\nnot json\n");
  ASSERT_EQ(produced.exit_code, 0) << produced.err;
  std::string errors;
  EXPECT_TRUE(wait_until(
      [&] {
        errors = run_command({"kcat", "-b", server.bootstrap(), "-C", "-t", "bad_records", "-e",
                              "-o", "beginning", "-q"})
                     .out;
        return !errors.empty();
      },
      seconds(30)));
  Json e = Json::parse(errors, nullptr, false);
  EXPECT_EQ(e["topic"], "s") << errors;
  EXPECT_EQ(e["offset"], 1) << errors;
  EXPECT_TRUE(wait_until(
      [&] {
        return get(server.http_port(), "/metrics").body.find("sluice_sql_record_errors_total 1") !=
               std::string::npos;
      },
      seconds(30)));
  int status = server.stop();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST_F(KsqlRestTest, PersistentQueriesStartAtTheEndUnlessTheyAskForEarliest) {
  ksql(
      "CREATE STREAM src (k STRING KEY, n INT) "
      "WITH (kafka_topic='src', partitions=1, value_format='JSON');"
      "INSERT INTO src (k, n) VALUES ('old', 1);");
  // As in ksqlDB: no auto.offset.reset means latest, for CREATE ... AS SELECT and INSERT INTO.
  ksql(
      "CREATE STREAM new_only AS SELECT k, n FROM src;"
      "CREATE STREAM new_too (k STRING KEY, n INT) "
      "WITH (kafka_topic='new_too', partitions=1, value_format='JSON');"
      "INSERT INTO new_too SELECT k, n FROM src;");
  ksql("CREATE STREAM all_rows AS SELECT k, n FROM src;", {{"auto.offset.reset", "earliest"}});
  ksql(
      "SET 'ksql.streams.auto.offset.reset' = 'earliest';"
      "CREATE STREAM all_too AS SELECT k, n FROM src;");
  ksql("INSERT INTO src (k, n) VALUES ('new', 2);");
  auto first_rows = [&](const std::string& stream, int n) {
    HttpResult r = post(
        port(), "/query-stream",
        Json{{"sql", "SELECT * FROM " + stream + " EMIT CHANGES LIMIT " + std::to_string(n) + ";"},
             {"properties", {{"auto.offset.reset", "earliest"}}}}
            .dump());
    EXPECT_EQ(r.status, 200) << r.body;
    std::vector<std::string> rows = non_empty_lines(r.body);
    if (!rows.empty()) rows.erase(rows.begin());  // the header
    return rows;
  };
  // The first row of each latest query is the record written after it started.
  EXPECT_EQ(first_rows("new_only", 1), std::vector<std::string>{R"(["new",2])"});
  EXPECT_EQ(first_rows("new_too", 1), std::vector<std::string>{R"(["new",2])"});
  std::vector<std::string> both = {R"(["old",1])", R"(["new",2])"};
  EXPECT_EQ(first_rows("all_rows", 2), both);
  EXPECT_EQ(first_rows("all_too", 2), both);
}

TEST_F(KsqlRestTest, PersistentQueriesSurviveARestart) {
  ksql(
      "CREATE STREAM src (k STRING KEY, n INT) "
      "WITH (kafka_topic='src', partitions=1, value_format='JSON');"
      "CREATE STREAM doubled WITH (kafka_topic='doubled') AS "
      "SELECT k, n * 2 AS n2 FROM src;"
      "INSERT INTO src (k, n) VALUES ('a', 1);");
  auto out_rows = [&](int n) {
    HttpResult r =
        post(port(), "/query-stream",
             Json{{"sql", "SELECT * FROM doubled EMIT CHANGES LIMIT " + std::to_string(n) + ";"},
                  {"properties", {{"auto.offset.reset", "earliest"}}}}
                 .dump());
    EXPECT_EQ(r.status, 200) << r.body;
    return non_empty_lines(r.body);
  };
  auto first = out_rows(1);
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[1], R"(["a",2])");

  int status = server_->stop();
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  server_ = std::make_unique<SluiceProcess>(dir_.path() + "/data");
  server_->start();

  Json j = ksql("SHOW STREAMS;");
  ASSERT_EQ(j[0]["streams"].size(), 2u) << j.dump();
  EXPECT_EQ(query_ids("PERSISTENT"), std::vector<std::string>{"CSAS_DOUBLED_0"});
  ksql("INSERT INTO src (k, n) VALUES ('b', 5);");
  auto rows = out_rows(2);
  ASSERT_EQ(rows.size(), 3u);
  // Resumed from its checkpoint: 'a' was not processed twice.
  EXPECT_EQ(rows[1], R"(["a",2])");
  EXPECT_EQ(rows[2], R"(["b",10])");
  std::string metrics = get(port(), "/metrics").body;
  EXPECT_NE(metrics.find("sluice_sql_queries_running{type=\"persistent\"} 1"), std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("sluice_sql_records_processed_total"), std::string::npos);
}

}  // namespace
}  // namespace sluice::testing
