// Transient queries over an in-memory topic store: push queries from the end or the beginning,
// LIMIT, stream scans, cancellation, closing, and the REST rendering of values.
#include "sql/engine/transient_query.h"

#include <gtest/gtest.h>

#include "schema/registry.h"

#include "sql/engine/engine.h"
#include "sql/parser/parser.h"

namespace sluice::sql {
namespace {

// Collects what the engine delivers.
class CollectingSink final : public TransientSink {
 public:
  bool cancelled() const override { return cancelled_; }
  bool full() const override { return rows.size() >= capacity; }
  void row(std::string_view json) override { rows.emplace_back(json); }
  void end(TransientEnd reason, std::string_view message) override {
    ++ends;
    end_reason = reason;
    end_message = std::string(message);
  }

  std::vector<std::string> rows;
  size_t capacity = 1000;
  bool cancelled_ = false;
  int ends = 0;
  TransientEnd end_reason = TransientEnd::kClosed;
  std::string end_message;
};

class TransientQueryTest : public ::testing::Test {
 protected:
  TransientQueryTest() : engine_(store_, options()) {}
  static EngineOptions options() {
    EngineOptions o;
    o.auto_create_source_topics = true;
    return o;
  }
  void SetUp() override {
    Status st = engine_.execute_script(
        "CREATE STREAM S (K STRING KEY, N INT, D DECIMAL(4, 2), TS TIMESTAMP, B BYTES, "
        "A ARRAY<INT>, M MAP<STRING, DOUBLE>, ST STRUCT<X INT, Y STRING>) "
        "WITH (kafka_topic='s', value_format='JSON');");
    ASSERT_TRUE(st.is_ok()) << st.to_string();
  }
  void produce(std::optional<std::string> key, std::optional<std::string> value) {
    TopicRecord r;
    r.key = std::move(key);
    r.value = std::move(value);
    std::vector<TopicRecord> v;
    v.push_back(std::move(r));
    ASSERT_TRUE(store_.append("s", 0, std::move(v)).is_ok());
  }
  Result<TransientQueryInfo> start(const std::string& sql, std::shared_ptr<CollectingSink> sink) {
    auto stmt = parse_statement(sql);
    if (!stmt) return stmt.status();
    const auto* q = (*stmt)->if_as<QueryStatement>();
    if (!q) return Status::invalid_argument("not a query");
    return engine_.start_transient(q->query, sql, std::move(sink));
  }
  void poll() { ASSERT_TRUE(engine_.poll_transients().is_ok()); }

  MemoryTopicStore store_;
  Engine engine_;
};

TEST_F(TransientQueryTest, PushQueryStartsAtTheEndAndFollowsNewRecords) {
  produce("old", R"({"N": 0})");
  auto sink = std::make_shared<CollectingSink>();
  auto info = start("SELECT N * 10 AS TEN, K FROM S WHERE N <> 2 EMIT CHANGES;", sink);
  ASSERT_TRUE(info.is_ok()) << info.status().to_string();
  EXPECT_EQ(info->id, "transient_S_1");
  EXPECT_EQ(rest_schema_string(*info), "`TEN` INTEGER, `K` STRING");
  poll();
  EXPECT_TRUE(sink->rows.empty());
  produce("a", R"({"N": 1})");
  produce("b", R"({"N": 2})");
  produce("c", R"({"N": 3})");
  poll();
  EXPECT_EQ(sink->rows, (std::vector<std::string>{R"([10,"a"])", R"([30,"c"])"}));
  EXPECT_EQ(engine_.transient_queries().size(), 1u);
  // The consumer goes away: the query is dropped without further calls.
  sink->cancelled_ = true;
  poll();
  EXPECT_TRUE(engine_.transient_queries().empty());
  EXPECT_EQ(sink->ends, 0);
}

TEST_F(TransientQueryTest, EarliestAndLimit) {
  for (int i = 0; i < 5; ++i) produce("k", "{\"N\": " + std::to_string(i) + "}");
  engine_.session().properties["auto.offset.reset"] = "earliest";
  auto sink = std::make_shared<CollectingSink>();
  ASSERT_TRUE(start("SELECT N FROM S EMIT CHANGES LIMIT 3;", sink).is_ok());
  poll();
  EXPECT_EQ(sink->rows, (std::vector<std::string>{"[0]", "[1]", "[2]"}));
  EXPECT_EQ(sink->ends, 1);
  EXPECT_EQ(sink->end_reason, TransientEnd::kLimit);
  EXPECT_TRUE(engine_.transient_queries().empty());
}

TEST_F(TransientQueryTest, BadRecordsAreSkippedCountedAndReported) {
  std::vector<RecordError> reported;
  engine_.set_error_handler([&](const RecordError& e) { reported.push_back(e); });
  produce("a", R"({"N": 1})");
  produce("b", "not json");
  produce("c", R"({"N": 3})");
  auto sink = std::make_shared<CollectingSink>();
  ASSERT_TRUE(start("SELECT N FROM S;", sink).is_ok());
  poll();
  EXPECT_EQ(sink->rows, (std::vector<std::string>{"[1]", "[3]"}));
  EXPECT_EQ(engine_.record_errors(), 1u);
  ASSERT_EQ(reported.size(), 1u);
  EXPECT_EQ(reported[0].offset, 1);
  EXPECT_EQ(reported[0].topic, "s");
}

TEST_F(TransientQueryTest, ScanEndsAtTheEndCapturedAtStart) {
  produce("a", R"({"N": 1})");
  produce("b", R"({"N": 2})");
  auto sink = std::make_shared<CollectingSink>();
  auto info = start("SELECT K FROM S;", sink);
  ASSERT_TRUE(info.is_ok()) << info.status().to_string();
  EXPECT_TRUE(info->scan);
  produce("later", R"({"N": 3})");
  poll();
  EXPECT_EQ(sink->rows, (std::vector<std::string>{R"(["a"])", R"(["b"])"}));
  EXPECT_EQ(sink->end_reason, TransientEnd::kComplete);
  EXPECT_EQ(sink->ends, 1);
}

TEST_F(TransientQueryTest, BackpressurePausesReading) {
  engine_.session().properties["ksql.streams.auto.offset.reset"] = "EARLIEST";
  for (int i = 0; i < 3; ++i) produce("k", "{\"N\": " + std::to_string(i) + "}");
  auto sink = std::make_shared<CollectingSink>();
  sink->capacity = 0;  // full
  ASSERT_TRUE(start("SELECT N FROM S EMIT CHANGES;", sink).is_ok());
  poll();
  EXPECT_TRUE(sink->rows.empty());
  sink->capacity = 100;
  poll();
  EXPECT_EQ(sink->rows.size(), 3u);
}

TEST_F(TransientQueryTest, CloseAndErrors) {
  auto sink = std::make_shared<CollectingSink>();
  auto info = start("SELECT * FROM S EMIT CHANGES;", sink);
  ASSERT_TRUE(info.is_ok());
  EXPECT_FALSE(engine_.close_transient("transient_X_9"));
  EXPECT_TRUE(engine_.close_transient(info->id));
  EXPECT_EQ(sink->end_reason, TransientEnd::kClosed);
  EXPECT_TRUE(engine_.transient_queries().empty());

  auto missing = start("SELECT * FROM NOPE EMIT CHANGES;", sink);
  ASSERT_FALSE(missing.is_ok());
  EXPECT_NE(missing.status().message().find("line 1:15"), std::string::npos)
      << missing.status().message();
  ASSERT_TRUE(engine_
                  .execute_script("CREATE TABLE T (K STRING PRIMARY KEY, V INT) WITH "
                                  "(kafka_topic='t', value_format='JSON');")
                  .is_ok());
  auto pull = start("SELECT * FROM T;", sink);
  ASSERT_FALSE(pull.is_ok());
  EXPECT_NE(pull.status().message().find("The `T` table isn't queryable."), std::string::npos)
      << pull.status().message();
  // A push query on a table is fine.
  EXPECT_TRUE(start("SELECT * FROM T EMIT CHANGES;", sink).is_ok());
}

TEST_F(TransientQueryTest, DroppingTheSourceEndsTheQueryWithAnError) {
  auto sink = std::make_shared<CollectingSink>();
  ASSERT_TRUE(start("SELECT * FROM S EMIT CHANGES;", sink).is_ok());
  ASSERT_TRUE(engine_.execute_script("DROP STREAM S;").is_ok());
  poll();
  EXPECT_EQ(sink->ends, 1);
  EXPECT_EQ(sink->end_reason, TransientEnd::kError);
  EXPECT_EQ(sink->end_message, "Source S was dropped");
  EXPECT_TRUE(engine_.transient_queries().empty());
}

TEST_F(TransientQueryTest, PrintShowsRawRecords) {
  produce("a", R"({"N": 1})");
  produce(std::nullopt, "plain text");
  produce("c", R"({"N": 3})");
  auto sink = std::make_shared<CollectingSink>();
  auto stmt = parse_statement("PRINT 'S' FROM BEGINNING INTERVAL 2 LIMIT 2;");
  ASSERT_TRUE(stmt.is_ok()) << stmt.status().to_string();
  auto missing = engine_.start_print((*stmt)->as<Print>(), "PRINT", sink);
  ASSERT_FALSE(missing.is_ok()) << "topic names are case-sensitive";
  EXPECT_NE(missing.status().message().find("Could not find topic 'S'"), std::string::npos);
  stmt = parse_statement("PRINT s FROM BEGINNING INTERVAL 2 LIMIT 2;");
  ASSERT_TRUE(stmt.is_ok());
  auto info = engine_.start_print((*stmt)->as<Print>(), "PRINT", sink);
  ASSERT_TRUE(info.is_ok()) << info.status().to_string();
  poll();
  ASSERT_EQ(sink->rows.size(), 4u);
  EXPECT_EQ(sink->rows[0], "Key format: KAFKA_STRING");
  EXPECT_EQ(sink->rows[1], "Value format: JSON or KAFKA_STRING");
  EXPECT_EQ(sink->rows[2],
            R"(rowtime: 1970/01/01 00:00:00.000 Z, key: a, value: {"N": 1}, partition: 0)");
  EXPECT_EQ(sink->rows[3],
            R"(rowtime: 1970/01/01 00:00:00.000 Z, key: c, value: {"N": 3}, partition: 0)");
  EXPECT_EQ(sink->end_reason, TransientEnd::kLimit);
  // Without FROM BEGINNING: only new records.
  auto latest = std::make_shared<CollectingSink>();
  stmt = parse_statement("PRINT s;");
  ASSERT_TRUE(engine_.start_print((*stmt)->as<Print>(), "PRINT", latest).is_ok());
  poll();
  EXPECT_TRUE(latest->rows.empty());
  produce(std::nullopt, std::nullopt);
  poll();
  ASSERT_EQ(latest->rows.size(), 3u);
  EXPECT_NE(latest->rows[0].find("no data processed"), std::string::npos);
  EXPECT_EQ(latest->rows[2],
            "rowtime: 1970/01/01 00:00:00.000 Z, key: <null>, value: <null>, partition: 0");
}

TEST_F(TransientQueryTest, ValuesRenderAsKsqlDbRestDoes) {
  engine_.session().properties["auto.offset.reset"] = "earliest";
  produce("k", R"({"N": null, "D": 1.5, "TS": 1000, "B": "AQI=", "A": [1, null],
                   "M": {"x": 1.0}, "ST": {"X": 7, "Y": "q\"uote"}})");
  auto sink = std::make_shared<CollectingSink>();
  ASSERT_TRUE(start("SELECT * FROM S EMIT CHANGES;", sink).is_ok());
  poll();
  ASSERT_EQ(sink->rows.size(), 1u);
  EXPECT_EQ(sink->rows[0], R"(["k",null,1.50,"1970-01-01T00:00:01.000","AQI=",[1,null],{"x":1.0},)"
                           R"({"X":7,"Y":"q\"uote"}])");
  std::string out;
  append_rest_json(out, format::Value::date(19000));
  append_rest_json(out, format::Value::time(3723000));
  append_rest_json(out, format::Value::double_(0.5));
  EXPECT_EQ(out, R"("2022-01-08""01:02:03"0.5)");
}

// PRINT decodes Avro records with the schema their id names; a query reads them into columns.
TEST(TransientAvroTest, PrintAndSelectAvroRecords) {
  schema::MemorySchemaLog log;
  auto registry = schema::SchemaRegistry::open(log);
  ASSERT_TRUE(registry.is_ok());
  MemoryTopicStore store;
  EngineOptions options;
  options.auto_create_source_topics = true;
  options.registry = registry->get();
  Engine engine(store, options);
  ASSERT_TRUE(engine
                  .execute_script(
                      "CREATE STREAM AV (K STRING KEY, N INT, S STRING) WITH (kafka_topic='av', "
                      "value_format='AVRO');"
                      "INSERT INTO AV (ROWTIME, K, N, S) VALUES (0, 'k', 5, 'five');")
                  .is_ok());
  auto sink = std::make_shared<CollectingSink>();
  auto stmt = parse_statement("PRINT av FROM BEGINNING LIMIT 1;");
  ASSERT_TRUE(stmt.is_ok());
  ASSERT_TRUE(engine.start_print((*stmt)->as<Print>(), "PRINT", sink).is_ok());
  ASSERT_TRUE(engine.poll_transients().is_ok());
  ASSERT_EQ(sink->rows.size(), 3u);
  EXPECT_EQ(sink->rows[0], "Key format: KAFKA_STRING");
  EXPECT_EQ(sink->rows[1], "Value format: AVRO");
  EXPECT_EQ(sink->rows[2],
            R"(rowtime: 1970/01/01 00:00:00.000 Z, key: k, value: {"N":5,"S":"five"}, )"
            R"(partition: 0)");
  engine.session().properties["auto.offset.reset"] = "earliest";
  auto rows = std::make_shared<CollectingSink>();
  auto query = parse_statement("SELECT * FROM AV EMIT CHANGES;");
  ASSERT_TRUE(query.is_ok());
  ASSERT_TRUE(engine.start_transient((*query)->as<QueryStatement>().query, "", rows).is_ok());
  ASSERT_TRUE(engine.poll_transients().is_ok());
  ASSERT_EQ(rows->rows.size(), 1u);
  EXPECT_EQ(rows->rows[0], R"(["k",5,"five"])");
}

}  // namespace
}  // namespace sluice::sql

namespace sluice::sql {
namespace {

// A pull query answers from the table's topic as it is now: a table dropped with its topic and
// created again over a new topic of the same name shows the new rows only.
TEST_F(TransientQueryTest, PullQueriesOnATableRecreatedOverItsTopicShowTheNewRows) {
  auto pull = [&](std::vector<std::string>& rows) {
    auto sink = std::make_shared<CollectingSink>();
    auto info = start("SELECT * FROM T;", sink);
    ASSERT_TRUE(info.is_ok()) << info.status().to_string();
    poll();
    EXPECT_EQ(sink->end_reason, TransientEnd::kAnswered);
    rows = sink->rows;
  };
  ASSERT_TRUE(engine_
                  .execute_script("SET 'auto.offset.reset'='earliest';"
                                  "CREATE TABLE T AS SELECT K, COUNT(*) AS C FROM S GROUP BY K;")
                  .is_ok());
  produce("a", R"({"N": 1})");
  produce("b", R"({"N": 2})");
  ASSERT_TRUE(engine_.poll().is_ok());
  std::vector<std::string> rows;
  pull(rows);
  EXPECT_EQ(rows, (std::vector<std::string>{R"(["a",1])", R"(["b",1])"}));

  ASSERT_TRUE(engine_.execute_script("TERMINATE ALL; DROP TABLE T DELETE TOPIC;").is_ok());
  ASSERT_TRUE(engine_
                  .execute_script("CREATE TABLE T AS SELECT K, COUNT(*) AS C FROM S "
                                  "WHERE K = 'b' GROUP BY K;")
                  .is_ok());
  ASSERT_TRUE(engine_.poll().is_ok());
  pull(rows);
  EXPECT_EQ(rows, (std::vector<std::string>{R"(["b",1])"}));
}

}  // namespace
}  // namespace sluice::sql
