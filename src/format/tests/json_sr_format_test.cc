#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "format/json_sr_format.h"
#include "format/tests/format_test_util.h"
#include "schema/avro_binary.h"
#include "schema/registry.h"

namespace sluice::format {
namespace {

using testing::decode;
using testing::encode;
using testing::row_text;

// NOLINTNEXTLINE(readability-identifier-naming)
const Format& kJsonSr = json_sr_format();

using JsonSrFormatTest = testing::RegistryFormatTest;

TEST_F(JsonSrFormatTest, WritesJsonBehindTheRegisteredSchemasId) {
  std::vector<Column> cols = {{"ID", Type::integer()}, {"NAME", Type::string()}};
  ColumnBatch b(cols, 4);
  b.set_size(1);
  write_value(b.column(0), 0, Value::integer(7));
  write_value(b.column(1), 0, Value::string("x"));
  auto records = encode(kJsonSr, cols, b, Side::kValue, options_);
  ASSERT_EQ(records.size(), 1u);
  ASSERT_TRUE(records[0].has_value());
  auto registered = registry_->get_version("t-value", "latest", false);
  ASSERT_TRUE(registered.ok());
  EXPECT_EQ(registered.value->type, "JSON");
  EXPECT_EQ(schema::confluent_schema_id(*records[0]), registered.value->id);
  EXPECT_EQ(records[0]->substr(schema::kConfluentHeader), R"({"ID":7,"NAME":"x"})");
  auto j = nlohmann::json::parse(registered.value->schema);
  EXPECT_EQ(j["properties"]["ID"]["oneOf"][1],
            nlohmann::json::parse(R"({"type":"integer","connect.type":"int32"})"));
  // And back, through the same columns.
  auto d = decode(kJsonSr, cols, {records[0]}, Side::kValue, options_);
  ASSERT_TRUE(d.errors.empty());
  EXPECT_EQ(row_text(d.batch, 0), "7|x");
}

TEST_F(JsonSrFormatTest, RecordsWithoutTheHeaderFailAlone) {
  std::vector<Column> cols = {{"V", Type::bigint()}};
  std::string good;
  schema::write_confluent_header(3, good);
  good += R"({"V": 5})";
  auto d = decode(kJsonSr, cols, {std::string(R"({"V": 1})"), good, std::nullopt}, Side::kValue,
                  options_);
  ASSERT_EQ(d.errors.size(), 1u);
  EXPECT_EQ(d.errors.errors()[0].row, 0u);
  EXPECT_EQ(d.errors.errors()[0].message, "Failed to deserialise value: Unknown magic byte!");
  EXPECT_EQ(row_text(d.batch, 1), "5");
  EXPECT_EQ(row_text(d.batch, 2), "<null row>");
}

TEST_F(JsonSrFormatTest, InfersColumnsAsKsqlDbReadsConnectsSchemas) {
  auto cols = json_schema_columns(R"({"type":"object","properties":{
      "id":{"type":"integer","connect.type":"int32"},
      "total":{"oneOf":[{"type":"null"},{"type":"integer"}]},
      "price":{"type":"number","title":"org.apache.kafka.connect.data.Decimal",
               "connect.parameters":{"scale":"2","connect.decimal.precision":"8"}},
      "tags":{"type":"array","items":{"type":"string"}},
      "attrs":{"type":"object","additionalProperties":{"type":"number"}},
      "at":{"type":"integer","title":"org.apache.kafka.connect.data.Timestamp"}}})",
                                  true, "ROWVAL", false);
  ASSERT_TRUE(cols.is_ok()) << cols.status().to_string();
  std::string got;
  for (const Column& c : *cols) got += c.name + " " + c.type.to_string() + ", ";
  EXPECT_EQ(got,
            "ID INTEGER, TOTAL BIGINT, PRICE DECIMAL(8, 2), TAGS ARRAY<STRING>, "
            "ATTRS MAP<STRING, DOUBLE>, AT TIMESTAMP, ");
  auto key = json_schema_columns(R"({"type":"string"})", false, "ROWKEY", false);
  ASSERT_TRUE(key.is_ok());
  EXPECT_EQ((*key)[0].name, "ROWKEY");
  EXPECT_FALSE(json_schema_columns(R"({"oneOf":[{"type":"string"},{"type":"integer"}]})", true,
                                   "ROWVAL", false)
                   .is_ok());
  // The generated schema reads back as the same columns.
  std::vector<Column> mine = {{"A", Type::decimal(4, 1)},
                              {"B", Type::map(Type::string(), Type::date())}};
  auto text = ksql_json_schema(mine, true);
  ASSERT_TRUE(text.is_ok());
  auto back = json_schema_columns(*text, true, "ROWVAL", true);
  ASSERT_TRUE(back.is_ok());
  EXPECT_EQ(*back, mine);
}

}  // namespace
}  // namespace sluice::format
