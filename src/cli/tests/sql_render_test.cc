#include "cli/sql_render.h"

#include <gtest/gtest.h>

namespace sluice::cli {
namespace {

using nlohmann::json;

TEST(RenderTable, ColumnsAsWideAsTheirWidestCell) {
  EXPECT_EQ(render_table({"Name", "Topic"}, {{"PAGEVIEWS", "pv"}, {"A", "a-long-topic"}}),
            " Name      | Topic        \n"
            "--------------------------\n"
            " PAGEVIEWS | pv           \n"
            " A         | a-long-topic \n"
            "--------------------------\n");
}

TEST(RenderTable, CountsCodePointsAndKeepsCellsOnOneLine) {
  std::string t = render_table({"K"}, {{"h\xc3\xa9llo"}, {"two\nlines"}});
  EXPECT_EQ(t,
            " K         \n"
            "-----------\n"
            " h\xc3\xa9llo     \n"
            " two lines \n"
            "-----------\n");
}

TEST(RenderEntity, CommandStatusIsAMessageTable) {
  json e = json::parse(R"({"@type":"currentStatus","statementText":"CREATE STREAM S ...;",
      "commandId":"stream/`S`/create","commandStatus":{"status":"SUCCESS",
      "message":"Stream created","queryId":null},"commandSequenceNumber":2,"warnings":[]})");
  EXPECT_EQ(render_entity(e),
            "\n"
            " Message        \n"
            "----------------\n"
            " Stream created \n"
            "----------------\n");
}

TEST(RenderEntity, WarningsFollowTheEntity) {
  json e = json::parse(R"({"@type":"currentStatus","commandStatus":{"message":"Stream created"},
      "warnings":[{"message":"topic has 3 partitions"}]})");
  std::string t = render_entity(e);
  EXPECT_NE(t.find(" Stream created \n----------------\nWARNING: topic has 3 partitions\n"),
            std::string::npos)
      << t;
}

TEST(RenderEntity, ShowStreamsAndTopics) {
  json streams = json::parse(R"({"@type":"streams","statementText":"SHOW STREAMS;","streams":[
      {"type":"STREAM","name":"PAGEVIEWS","topic":"pageviews","keyFormat":"KAFKA",
       "valueFormat":"JSON","isWindowed":false}],"warnings":[]})");
  EXPECT_EQ(render_entity(streams),
            "\n"
            " Stream Name | Kafka Topic | Key Format | Value Format | Windowed \n"
            "------------------------------------------------------------------\n"
            " PAGEVIEWS   | pageviews   | KAFKA      | JSON         | false    \n"
            "------------------------------------------------------------------\n");
  json topics = json::parse(R"({"@type":"kafka_topics","topics":[
      {"name":"pageviews","replicaInfo":[1,1,1]}]})");
  EXPECT_EQ(render_entity(topics),
            "\n"
            " Kafka Topic | Partitions | Partition Replicas \n"
            "-----------------------------------------------\n"
            " pageviews   | 3          | 1                  \n"
            "-----------------------------------------------\n");
}

TEST(RenderEntity, ShowQueriesWithStatusCounts) {
  json e = json::parse(
      R"({"@type":"queries","queries":[{"queryString":"CREATE STREAM B AS\n  SELECT * FROM A;","sinks":["B"],"sinkKafkaTopics":["B"],"id":"CSAS_B_0",
      "statusCount":{"RUNNING":1},"queryType":"PERSISTENT","state":"RUNNING"}]})");
  std::string t = render_entity(e);
  EXPECT_NE(t.find(" Query ID | Query Type | Status    | Sink Name | Sink Kafka Topic | Query"),
            std::string::npos)
      << t;
  EXPECT_NE(t.find(" CSAS_B_0 | PERSISTENT | RUNNING:1 | B         | B                | CREATE "
                   "STREAM B AS   SELECT * FROM A; \n"),
            std::string::npos)
      << t;
  EXPECT_NE(t.find("For detailed information on a Query run: EXPLAIN <Query ID>;"),
            std::string::npos);
}

TEST(RenderEntity, DescribeShowsTypesAndKeys) {
  json e = json::parse(R"({"@type":"sourceDescription","sourceDescription":{"name":"S",
      "windowType":null,"readQueries":[],"writeQueries":[],"fields":[
        {"name":"ID","schema":{"type":"STRING","fields":null,"memberSchema":null},"type":"KEY"},
        {"name":"N","schema":{"type":"BIGINT","fields":null,"memberSchema":null}},
        {"name":"TAGS","schema":{"type":"ARRAY","fields":null,
                                 "memberSchema":{"type":"STRING"}}},
        {"name":"P","schema":{"type":"STRUCT","fields":[
            {"name":"X","schema":{"type":"INTEGER"}},{"name":"Y","schema":{"type":"DOUBLE"}}],
            "memberSchema":null}}],
      "type":"STREAM","timestamp":"","statistics":"","errorStats":"","extended":false,
      "keyFormat":"KAFKA","valueFormat":"JSON","topic":"s","partitions":1,"replication":1,
      "statement":"CREATE STREAM S ..."}})");
  EXPECT_EQ(render_entity(e),
            "\n"
            "Name                 : S\n"
            " Field | Type                        \n"
            "-------------------------------------\n"
            " ID    | VARCHAR(STRING)  (key)      \n"
            " N     | BIGINT                      \n"
            " TAGS  | ARRAY<VARCHAR(STRING)>      \n"
            " P     | STRUCT<X INTEGER, Y DOUBLE> \n"
            "-------------------------------------\n"
            "For runtime statistics and query details run: DESCRIBE <Stream,Table> EXTENDED;\n");
}

TEST(RenderEntity, DescribeExtendedListsQueries) {
  json e = json::parse(R"({"@type":"sourceDescription","sourceDescription":{"name":"T",
      "readQueries":[{"id":"CSAS_U_1","state":"RUNNING","queryString":"CREATE STREAM U AS ..."}],
      "writeQueries":[],"fields":[{"name":"K","schema":{"type":"INTEGER"},"type":"KEY"}],
      "type":"TABLE","timestamp":"TS","statistics":"","errorStats":"","extended":true,
      "keyFormat":"JSON","valueFormat":"JSON","topic":"t","partitions":4,"replication":1,
      "statement":"CREATE TABLE T ..."}})");
  std::string t = render_entity(e);
  EXPECT_NE(t.find("Type                 : TABLE\n"), std::string::npos) << t;
  EXPECT_NE(t.find("Timestamp field      : TS\n"), std::string::npos) << t;
  EXPECT_NE(t.find("Kafka topic          : t (partitions: 4, replication: 1)\n"), std::string::npos)
      << t;
  EXPECT_NE(t.find(" K     | INTEGER  (primary key) \n"), std::string::npos) << t;
  EXPECT_NE(t.find("Queries that read from this TABLE\n---------------------------------\n"
                   "CSAS_U_1 (RUNNING) : CREATE STREAM U AS ...\n"),
            std::string::npos)
      << t;
}

TEST(RenderEntity, PropertiesSetByTheClientAreSessionOverrides) {
  json e = json::parse(R"({"@type":"properties","properties":[
      {"name":"auto.offset.reset","scope":"KSQL","value":"earliest"},
      {"name":"ksql.x","scope":"KSQL","value":"1"}],"overwrittenProperties":["ksql.x"]})");
  std::string t = render_entity(e, {{"auto.offset.reset", "earliest"}});
  EXPECT_NE(t.find(" auto.offset.reset | KSQL  | SESSION          | earliest        \n"),
            std::string::npos)
      << t;
  EXPECT_NE(t.find(" ksql.x            | KSQL  | SERVER           | 1               \n"),
            std::string::npos)
      << t;
}

TEST(RenderEntity, DescribeStreamsDescribesEach) {
  json e = json::parse(R"({"@type":"source_descriptions","sourceDescriptions":[
      {"name":"A","type":"STREAM","extended":false,"fields":[]},
      {"name":"B","type":"STREAM","extended":false,"fields":[]}]})");
  std::string t = render_entity(e);
  EXPECT_LT(t.find("Name                 : A\n"), t.find("Name                 : B\n")) << t;
  EXPECT_NE(t.find("Name                 : B\n"), std::string::npos) << t;
}

TEST(RenderEntity, FunctionsSortedUnknownTypesAsJson) {
  json f = json::parse(R"({"@type":"function_names","functions":[
      {"name":"UCASE","category":"STRING","type":"SCALAR"},
      {"name":"ABS","category":"MATHEMATICAL","type":"SCALAR"}]})");
  std::string t = render_entity(f);
  EXPECT_LT(t.find(" ABS "), t.find(" UCASE ")) << t;
  json odd = json::parse(R"({"@type":"something_new","x":[1,2]})");
  EXPECT_NE(render_entity(odd).find("\"something_new\""), std::string::npos);
}

TEST(ErrorMessage, FromAnErrorBodyOrRaw) {
  EXPECT_EQ(error_message(R"({"@type":"statement_error","error_code":40001,
      "message":"line 1:8: Syntax error","statementText":"x","entities":[]})"),
            "line 1:8: Syntax error");
  EXPECT_EQ(error_message("not found: /ksql\n"), "not found: /ksql");
}

TEST(RowTable, BoxedRowsWrapLongCells) {
  RowTable t({"NAME", "N"}, 0, 6);
  EXPECT_EQ(t.header(),
            "+------+------+\n"
            "|NAME  |N     |\n"
            "+------+------+\n");
  EXPECT_EQ(t.row({"abc", "1"}), "|abc   |1     |\n");
  EXPECT_EQ(t.row({"abcdefghij", "2"}),
            "|abcdef|2     |\n"
            "|ghij  |      |\n");
  EXPECT_EQ(t.footer(), "+------+------+\n");
  EXPECT_EQ(cell_text(json(nullptr)), "null");
  EXPECT_EQ(cell_text(json::parse(R"({"A":[1,"x"]})")), R"({"A":[1,"x"]})");
}

TEST(RowTable, ColumnsShareTheTerminalWidth) {
  RowTable t({"A", "B", "C"}, 40, 4);
  // (40 - 4 separators) / 3 = 12 per column: the lines are exactly 40 wide.
  EXPECT_EQ(t.footer().size(), 41u);
}

}  // namespace
}  // namespace sluice::cli
