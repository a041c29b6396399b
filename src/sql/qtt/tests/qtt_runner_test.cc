// The QTT runner on small hand-written cases, and (when ../shared/ksqldb-qtt exists) over the
// stateless QTT files, so sanitizer builds exercise the whole engine on ksqlDB's cases.
#include "sql/qtt/qtt_runner.h"
#include "sql/qtt/record_json.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace sluice::sql::qtt {
namespace {

using json = nlohmann::ordered_json;

json make_case(const std::string& sql_value_format, json outputs) {
  json t;
  t["name"] = "case";
  t["statements"] = {"CREATE STREAM S (K STRING KEY, V INT) WITH (kafka_topic='s', value_format='" +
                         sql_value_format + "');",
                     "CREATE STREAM O AS SELECT K, V + 1 AS W FROM S WHERE V > 0;"};
  t["inputs"] = {{{"topic", "s"}, {"key", "a"}, {"value", {{"v", 1}}}},
                 {{"topic", "s"}, {"key", "b"}, {"value", {{"V", -1}}}}};
  t["outputs"] = std::move(outputs);
  return t;
}

TEST(QttRunner, PassesMatchingOutputsAndReportsDiffs) {
  json good = {{{"topic", "O"}, {"key", "a"}, {"value", {{"w", 2}}}}};
  EXPECT_EQ(run_case(make_case("JSON", good), "t").outcome, Outcome::kPassed);
  json bad = {{{"topic", "O"}, {"key", "a"}, {"value", {{"W", 3}}}}};
  CaseResult r = run_case(make_case("JSON", bad), "t");
  EXPECT_EQ(r.outcome, Outcome::kFailed);
  EXPECT_NE(r.detail.find("expected #0"), std::string::npos) << r.detail;
  json missing = {{{"topic", "O"}, {"key", "a"}, {"value", {{"W", 2}}}},
                  {{"topic", "O"}, {"key", "b"}, {"value", {{"W", 0}}}}};
  r = run_case(make_case("JSON", missing), "t");
  EXPECT_EQ(r.outcome, Outcome::kFailed);
  EXPECT_NE(r.detail.find("missing #1"), std::string::npos) << r.detail;
}

TEST(QttRunner, RunsAvroThroughTheCasesOwnRegistry) {
  // The source's schema is generated and registered for the inputs; the output is read back
  // with the schema the sink registered.
  json good = {{{"topic", "O"}, {"key", "a"}, {"value", {{"W", 2}}}}};
  CaseResult r = run_case(make_case("AVRO", good), "t");
  EXPECT_EQ(r.outcome, Outcome::kPassed) << r.detail;
  // A topic's own writer schema (lower-case field, no union) reaches the columns by name.
  json t = make_case("AVRO", good);
  t["topics"] = {
      {{"name", "s"},
       {"valueSchema",
        {{"type", "record"}, {"name", "r"}, {"fields", {{{"name", "v"}, {"type", "int"}}}}}}}};
  r = run_case(t, "t");
  EXPECT_EQ(r.outcome, Outcome::kPassed) << r.detail;
  json bad = {{{"topic", "O"}, {"key", "a"}, {"value", {{"W", 5}}}}};
  EXPECT_EQ(run_case(make_case("AVRO", bad), "t").outcome, Outcome::kFailed);
}

TEST(QttRunner, ExpectedExceptions) {
  json t;
  t["name"] = "rejects";
  t["statements"] = {"CREATE STREAM S (K STRING KEY, V INT) WITH (value_format='JSON');"};
  t["expectedException"] = {{"message", "Missing required property \"KAFKA_TOPIC\""}};
  CaseResult r = run_case(t, "t");
  EXPECT_EQ(r.outcome, Outcome::kPassed);
  EXPECT_TRUE(r.detail.empty()) << r.detail;
  t["statements"] = {
      "CREATE STREAM S (K STRING KEY, V INT) WITH (kafka_topic='s', "
      "value_format='JSON');"};
  EXPECT_EQ(run_case(t, "t").outcome, Outcome::kFailed);
}

TEST(QttRunner, KeepsKeyOrderAndLongNumbersAsWritten) {
  // ksqlDB's harness reads numbers as BigDecimal and keeps object order; a double would not.
  auto doc = parse_test_json(R"({"b": 1, "a": 12345678987654321.2345678987654321, "c": [0.5]})");
  ASSERT_TRUE(doc.is_ok());
  EXPECT_EQ(dump_exact(*doc), R"({"b":1,"a":12345678987654321.2345678987654321,"c":[0.5]})");
  EXPECT_DOUBLE_EQ(as_lossy(*doc)["a"].get<double>(), 12345678987654321.2345678987654321);
  EXPECT_FALSE(parse_test_json("{\"a\": ").is_ok());

  json t;
  t["name"] = "decimal";
  t["statements"] = {
      "CREATE STREAM S (K STRING KEY, V DECIMAL(33, 16), J STRING) WITH (kafka_topic='s', "
      "value_format='JSON');",
      "CREATE STREAM O AS SELECT K, ROUND(V) AS R, J FROM S;"};
  auto input = parse_test_json(
      R"([{"topic": "s", "key": "a", "value": {"V": 12345678987654321.2345678987654321,
          "J": {"z": 1, "a": 2}}}])");
  ASSERT_TRUE(input.is_ok());
  t["inputs"] = *input;
  t["outputs"] = {{{"topic", "O"},
                   {"key", "a"},
                   {"value", {{"R", 12345678987654321}, {"J", R"({"z":1,"a":2})"}}}}};
  CaseResult r = run_case(t, "t");
  EXPECT_EQ(r.outcome, Outcome::kPassed) << r.detail;
}

TEST(QttRunner, SkipsCasesNeedingKsqlDbTestUdfs) {
  json t;
  t["name"] = "udf";
  t["statements"] = {
      "CREATE STREAM S (K STRING KEY, B BOOLEAN) WITH (kafka_topic='s', "
      "value_format='JSON');",
      "CREATE STREAM O AS SELECT K, bad_udf(B) FROM S;"};
  CaseResult r = run_case(t, "t");
  EXPECT_EQ(r.outcome, Outcome::kSkipped);
  EXPECT_NE(r.detail.find("BAD_UDF"), std::string::npos) << r.detail;
}

TEST(QttRunner, StatelessQttFiles) {
  const std::string dir = SLUICE_QTT_DIR;
  if (!std::filesystem::exists(dir)) GTEST_SKIP() << dir << " not present";
  const char* files[] = {"project-filter", "select",  "math",    "cast",  "json",
                         "delimited",      "kafka",   "formats", "null",  "partition-by",
                         "key-schemas",    "explode", "regex",   "split", "timestampformat"};
  int passed = 0, failed = 0;
  for (const char* f : files) {
    auto doc = load_qtt_file(dir + "/" + f + ".json");
    ASSERT_TRUE(doc.is_ok()) << doc.status().to_string();
    for (const CaseResult& r : run_qtt(*doc, f)) {
      if (r.outcome == Outcome::kPassed) ++passed;
      if (r.outcome == Outcome::kFailed) ++failed;
    }
  }
  // A floor, not an exact count: the engine may only get better.
  EXPECT_GE(passed, 300);
  EXPECT_LE(failed, 10);
}

}  // namespace
}  // namespace sluice::sql::qtt
