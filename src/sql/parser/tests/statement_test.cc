// Every statement kind: the fields the planner reads come out right.
#include <gtest/gtest.h>

#include "sql/parser/tests/test_util.h"

namespace sluice::sql {
namespace {

using testing::parse_ok;

TEST(Statement, CreateStreamWithColumnsAndProperties) {
  auto s = parse_ok(
      "CREATE STREAM pageviews (viewtime BIGINT, `UserId` VARCHAR KEY, h BYTES HEADER('trace'), "
      "hs ARRAY<STRUCT<key STRING, value BYTES>> HEADERS) WITH (kafka_topic='pv', "
      "value_format='JSON', partitions=4, replicas=1, timestamp='viewtime', "
      "timestamp_format='yyyy-MM-dd', wrap_single_value=false, value_schema_id=-3, "
      "'value.delimiter'='|', ratio=1.5, big=1E3, nothing=NULL);");
  ASSERT_TRUE(s);
  ASSERT_EQ(s->kind, StatementKind::kCreateSource);
  const auto& c = s->as<CreateSource>();
  EXPECT_FALSE(c.is_table);
  EXPECT_FALSE(c.or_replace);
  EXPECT_FALSE(c.is_source);
  EXPECT_EQ(c.name, "PAGEVIEWS");
  ASSERT_EQ(c.elements.size(), 4u);
  EXPECT_EQ(c.elements[0].name, "VIEWTIME");
  EXPECT_EQ(c.elements[0].type.kind, TypeKind::kBigInt);
  EXPECT_EQ(c.elements[0].constraint, ColumnConstraint::kNone);
  EXPECT_EQ(c.elements[1].name, "UserId");
  EXPECT_EQ(c.elements[1].type.kind, TypeKind::kString);
  EXPECT_EQ(c.elements[1].constraint, ColumnConstraint::kKey);
  EXPECT_EQ(c.elements[2].constraint, ColumnConstraint::kHeader);
  EXPECT_EQ(c.elements[2].header_key, "trace");
  EXPECT_EQ(c.elements[3].constraint, ColumnConstraint::kHeaders);
  EXPECT_EQ(c.elements[3].type.element().fields.size(), 2u);
  const Properties& p = c.properties;
  ASSERT_EQ(p.items.size(), 12u);
  EXPECT_EQ(p.items[0].name, "KAFKA_TOPIC");
  EXPECT_EQ(p.find("kafka_topic")->value, LiteralValue::string("pv"));
  EXPECT_EQ(p.find("PARTITIONS")->value, LiteralValue::integer(4));
  EXPECT_EQ(p.find("wrap_single_value")->value, LiteralValue::boolean(false));
  EXPECT_EQ(p.find("value_schema_id")->value.int_value, -3);
  EXPECT_EQ(p.find("value.delimiter")->value.text, "|");
  EXPECT_EQ(p.find("ratio")->value.type, LiteralType::kDecimal);
  EXPECT_EQ(p.find("big")->value.type, LiteralType::kDouble);
  EXPECT_EQ(p.find("nothing")->value.type, LiteralType::kNull);
  EXPECT_EQ(p.find("missing"), nullptr);
}

TEST(Statement, CreateTableVariants) {
  auto s = parse_ok(
      "CREATE OR REPLACE TABLE IF NOT EXISTS users (id INT PRIMARY KEY, name STRING) "
      "WITH (kafka_topic='users', format='JSON')");
  ASSERT_TRUE(s);
  const auto& c = s->as<CreateSource>();
  EXPECT_TRUE(c.is_table);
  EXPECT_TRUE(c.or_replace);
  EXPECT_TRUE(c.if_not_exists);
  EXPECT_EQ(c.elements[0].constraint, ColumnConstraint::kPrimaryKey);

  s = parse_ok("CREATE SOURCE TABLE t (id INT PRIMARY KEY) WITH (kafka_topic='t', format='JSON')");
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->as<CreateSource>().is_source);
  EXPECT_TRUE(s->as<CreateSource>().is_table);

  // Columns may be inferred from a schema registry: no element list at all.
  s = parse_ok("CREATE STREAM s WITH (kafka_topic='s', value_format='AVRO')");
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->as<CreateSource>().elements.empty());
}

TEST(Statement, CreateAsSelect) {
  auto s = parse_ok(
      "CREATE TABLE counts WITH (kafka_topic='counts', partitions=2) AS SELECT id, COUNT(*) AS n "
      "FROM s GROUP BY id EMIT CHANGES;");
  ASSERT_TRUE(s);
  ASSERT_EQ(s->kind, StatementKind::kCreateAsSelect);
  const auto& c = s->as<CreateAsSelect>();
  EXPECT_TRUE(c.is_table);
  EXPECT_EQ(c.name, "COUNTS");
  EXPECT_EQ(c.properties.items.size(), 2u);
  EXPECT_EQ(c.query.select.size(), 2u);
  EXPECT_EQ(c.query.emit, EmitKind::kChanges);

  s = parse_ok("CREATE OR REPLACE STREAM out AS SELECT * FROM s;");
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->as<CreateAsSelect>().or_replace);
  EXPECT_FALSE(s->as<CreateAsSelect>().is_table);
}

TEST(Statement, InsertIntoSelectAndValues) {
  auto s = parse_ok("INSERT INTO out SELECT * FROM s1 EMIT CHANGES;");
  ASSERT_TRUE(s);
  ASSERT_EQ(s->kind, StatementKind::kInsertInto);
  EXPECT_EQ(s->as<InsertInto>().target, "OUT");

  s = parse_ok("INSERT INTO out WITH (query_id='q1') SELECT * FROM s1;");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->as<InsertInto>().properties.items.size(), 1u);

  s = parse_ok("INSERT INTO users (id, name, tags) VALUES (1, 'it''s', ARRAY['a']);");
  ASSERT_TRUE(s);
  ASSERT_EQ(s->kind, StatementKind::kInsertValues);
  const auto& v = s->as<InsertValues>();
  EXPECT_EQ(v.columns, (std::vector<std::string>{"ID", "NAME", "TAGS"}));
  ASSERT_EQ(v.values.size(), 3u);
  EXPECT_EQ(v.values[1]->as<Literal>().value.text, "it's");
  EXPECT_EQ(v.values[2]->kind, ExprKind::kArrayCtor);

  s = parse_ok("INSERT INTO users VALUES (1, -2.5, NULL)");
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->as<InsertValues>().columns.empty());
  EXPECT_EQ(s->as<InsertValues>().values.size(), 3u);
}

TEST(Statement, ShowAndList) {
  struct Case {
    const char* sql;
    ListKind kind;
    bool extended;
  };
  for (const Case& c : {Case{"SHOW STREAMS", ListKind::kStreams, false},
                        Case{"LIST STREAMS EXTENDED", ListKind::kStreams, true},
                        Case{"show tables", ListKind::kTables, false},
                        Case{"SHOW TOPICS EXTENDED", ListKind::kTopics, true},
                        Case{"SHOW ALL TOPICS", ListKind::kTopics, false},
                        Case{"SHOW QUERIES EXTENDED", ListKind::kQueries, true},
                        Case{"LIST FUNCTIONS", ListKind::kFunctions, false},
                        Case{"SHOW PROPERTIES", ListKind::kProperties, false},
                        Case{"SHOW TYPES", ListKind::kTypes, false},
                        Case{"SHOW VARIABLES", ListKind::kVariables, false},
                        Case{"SHOW CONNECTORS", ListKind::kConnectors, false},
                        Case{"SHOW SINK CONNECTORS", ListKind::kConnectors, false},
                        Case{"SHOW CONNECTOR PLUGINS", ListKind::kConnectorPlugins, false}}) {
    auto s = parse_ok(c.sql);
    ASSERT_TRUE(s) << c.sql;
    ASSERT_EQ(s->kind, StatementKind::kList) << c.sql;
    EXPECT_EQ(s->as<ListStatement>().what, c.kind) << c.sql;
    EXPECT_EQ(s->as<ListStatement>().extended, c.extended) << c.sql;
  }
  auto s = parse_ok("SHOW ALL TOPICS");
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->as<ListStatement>().all);
  s = parse_ok("SHOW SINK CONNECTORS");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->as<ListStatement>().scope, ConnectorScope::kSink);
}

TEST(Statement, Describe) {
  auto s = parse_ok("DESCRIBE pageviews EXTENDED;");
  ASSERT_TRUE(s);
  ASSERT_EQ(s->kind, StatementKind::kDescribeSource);
  EXPECT_EQ(s->as<DescribeSource>().name, "PAGEVIEWS");
  EXPECT_TRUE(s->as<DescribeSource>().extended);

  s = parse_ok("DESCRIBE STREAMS");
  ASSERT_TRUE(s);
  ASSERT_EQ(s->kind, StatementKind::kDescribeSources);
  EXPECT_FALSE(s->as<DescribeSources>().tables);
  s = parse_ok("DESCRIBE TABLES EXTENDED");
  ASSERT_TRUE(s);
  ASSERT_EQ(s->kind, StatementKind::kDescribeSources);
  EXPECT_TRUE(s->as<DescribeSources>().tables);
  EXPECT_TRUE(s->as<DescribeSources>().extended);

  s = parse_ok("DESCRIBE FUNCTION explode");
  ASSERT_TRUE(s);
  ASSERT_EQ(s->kind, StatementKind::kDescribeFunction);
  EXPECT_EQ(s->as<DescribeFunction>().name, "EXPLODE");

  // A source may itself be called FUNCTION (a non-reserved word).
  s = parse_ok("DESCRIBE function");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->kind, StatementKind::kDescribeSource);

  s = parse_ok("DESCRIBE CONNECTOR jdbc");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->kind, StatementKind::kDescribeConnector);
}

TEST(Statement, ExplainTerminateDrop) {
  auto s = parse_ok("EXPLAIN CSAS_OUT_0;");
  ASSERT_TRUE(s);
  ASSERT_EQ(s->kind, StatementKind::kExplain);
  EXPECT_EQ(s->as<Explain>().query_id, "CSAS_OUT_0");
  EXPECT_EQ(s->as<Explain>().statement, nullptr);

  s = parse_ok("EXPLAIN SELECT * FROM s EMIT CHANGES;");
  ASSERT_TRUE(s);
  ASSERT_NE(s->as<Explain>().statement, nullptr);
  EXPECT_EQ(s->as<Explain>().statement->kind, StatementKind::kQuery);

  s = parse_ok("TERMINATE CSAS_OUT_0");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->as<Terminate>().query_id, "CSAS_OUT_0");
  EXPECT_FALSE(s->as<Terminate>().all);
  s = parse_ok("TERMINATE ALL");
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->as<Terminate>().all);

  s = parse_ok("PAUSE CSAS_OUT_0;");
  ASSERT_TRUE(s);
  ASSERT_EQ(s->kind, StatementKind::kPauseQuery);
  EXPECT_EQ(s->as<PauseQuery>().query_id, "CSAS_OUT_0");
  s = parse_ok("RESUME ALL");
  ASSERT_TRUE(s);
  ASSERT_EQ(s->kind, StatementKind::kResumeQuery);
  EXPECT_TRUE(s->as<ResumeQuery>().all);

  s = parse_ok("DROP STREAM IF EXISTS s DELETE TOPIC;");
  ASSERT_TRUE(s);
  ASSERT_EQ(s->kind, StatementKind::kDropSource);
  EXPECT_TRUE(s->as<DropSource>().if_exists);
  EXPECT_TRUE(s->as<DropSource>().delete_topic);
  EXPECT_FALSE(s->as<DropSource>().is_table);
  s = parse_ok("DROP TABLE t");
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->as<DropSource>().is_table);
  EXPECT_FALSE(s->as<DropSource>().delete_topic);
  s = parse_ok("DROP TYPE IF EXISTS address");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->as<DropType>().name, "ADDRESS");
  s = parse_ok("DROP CONNECTOR c");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->kind, StatementKind::kDropConnector);
}

TEST(Statement, PropertiesAndVariables) {
  auto s = parse_ok("SET 'auto.offset.reset'='earliest';");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->as<SetProperty>().name, "auto.offset.reset");
  EXPECT_EQ(s->as<SetProperty>().value, "earliest");
  s = parse_ok("UNSET 'auto.offset.reset'");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->as<UnsetProperty>().name, "auto.offset.reset");
  s = parse_ok("ALTER SYSTEM 'ksql.x'='y'");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->as<AlterSystem>().value, "y");
  s = parse_ok("DEFINE topicName = 'orders';");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->as<DefineVariable>().name, "topicName");
  EXPECT_EQ(s->as<DefineVariable>().value, "orders");
  s = parse_ok("UNDEFINE topicName");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->as<UndefineVariable>().name, "topicName");
}

TEST(Statement, TypesPrintAlterAssertConnectors) {
  auto s = parse_ok("CREATE TYPE address AS STRUCT<street STRING, zip INT>;");
  ASSERT_TRUE(s);
  ASSERT_EQ(s->kind, StatementKind::kCreateType);
  EXPECT_EQ(s->as<CreateType>().name, "ADDRESS");
  EXPECT_EQ(s->as<CreateType>().type.fields.size(), 2u);

  s = parse_ok("PRINT 'my-topic' FROM BEGINNING INTERVAL 2 LIMIT 10;");
  ASSERT_TRUE(s);
  const auto& p = s->as<Print>();
  EXPECT_EQ(p.topic, "my-topic");
  EXPECT_TRUE(p.from_beginning);
  EXPECT_EQ(p.interval, 2);
  EXPECT_EQ(p.limit, 10);
  s = parse_ok("PRINT orders");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->as<Print>().topic, "orders");  // topic names keep their case
  EXPECT_FALSE(s->as<Print>().limit.has_value());

  s = parse_ok("ALTER STREAM s ADD COLUMN c INT, ADD d STRING");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->as<AlterSource>().add_columns.size(), 2u);

  s = parse_ok("ASSERT NOT EXISTS TOPIC 't' WITH (partitions=1) TIMEOUT 5 SECONDS");
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->as<AssertTopic>().not_exists);
  EXPECT_EQ(s->as<AssertTopic>().timeout->to_millis(), 5000);
  s = parse_ok("ASSERT SCHEMA SUBJECT 'x-value' ID 3");
  ASSERT_TRUE(s);
  EXPECT_EQ(*s->as<AssertSchema>().subject, "x-value");

  s = parse_ok("CREATE SOURCE CONNECTOR IF NOT EXISTS dg WITH ('connector.class'='Datagen')");
  ASSERT_TRUE(s);
  ASSERT_EQ(s->kind, StatementKind::kCreateConnector);
  EXPECT_TRUE(s->as<CreateConnector>().is_source);
  EXPECT_EQ(s->as<CreateConnector>().properties.items[0].name, "connector.class");
}

TEST(Statement, ScriptSplitsWithSourceText) {
  std::string sql =
      "-- setup\nCREATE STREAM a (x INT) WITH (kafka_topic='a', value_format='JSON');\n"
      "  SELECT * FROM a EMIT CHANGES ;\n\nSHOW STREAMS";
  auto r = parse_script(sql);
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].text, "CREATE STREAM a (x INT) WITH (kafka_topic='a', value_format='JSON');");
  EXPECT_EQ((*r)[1].text, "SELECT * FROM a EMIT CHANGES ;");
  EXPECT_EQ((*r)[2].text, "SHOW STREAMS");
  EXPECT_EQ((*r)[1].statement->pos.line, 3u);
  EXPECT_EQ((*r)[1].statement->pos.column, 3u);
  EXPECT_EQ(sql.substr((*r)[1].begin, (*r)[1].end - (*r)[1].begin), (*r)[1].text);

  // ksqlDB requires the final ';' too; that is an option.
  ParseOptions strict;
  strict.require_semicolon = true;
  EXPECT_FALSE(parse_script("SHOW STREAMS", strict).is_ok());
  EXPECT_TRUE(parse_script("SHOW STREAMS;", strict).is_ok());
  // Empty scripts and stray semicolons are fine.
  ASSERT_TRUE(parse_script("  -- nothing\n").is_ok());
  EXPECT_TRUE(parse_script("").value().empty());
  EXPECT_EQ(parse_script(";; SHOW TABLES;;").value().size(), 1u);
}

TEST(Statement, DetailedErrorKeepsStatementsBefore) {
  ScriptParse r = parse_script_detailed("SHOW TABLES;\nSHOW NONSENSE;");
  ASSERT_TRUE(r.error.has_value());
  EXPECT_EQ(r.statements.size(), 1u);
  EXPECT_EQ(r.error->line, 2u);
  EXPECT_EQ(r.error->column, 6u);
  EXPECT_EQ(r.error->offset, 18u);
}

}  // namespace
}  // namespace sluice::sql
