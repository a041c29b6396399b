#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "format/avro_format.h"
#include "format/tests/format_test_util.h"
#include "schema/avro_binary.h"
#include "schema/avro_datum.h"
#include "schema/avro_schema.h"
#include "schema/registry.h"

namespace sluice::format {
namespace {

using testing::decode;
using testing::encode;
using testing::Records;
using testing::row_text;

// NOLINTNEXTLINE(readability-identifier-naming)
const Format& kAvro = avro_format();

class AvroFormatTest : public testing::RegistryFormatTest {
 protected:
  // Registers `schema_json` under `subject` and returns a record of `value` written with it.
  std::string record(const std::string& subject, const std::string& schema_json,
                     const nlohmann::json& value) {
    auto id = registry_->register_schema(subject, schema::SchemaInput{schema_json}, false);
    EXPECT_TRUE(id.ok()) << id.error.message;
    auto parsed = schema::AvroSchema::parse(schema_json);
    EXPECT_TRUE(parsed.is_ok());
    std::string out;
    schema::write_confluent_header(id.value.value_or(0), out);
    Status st = schema::avro_encode_json(parsed->root(), value, out);
    EXPECT_TRUE(st.is_ok()) << st.to_string();
    return out;
  }

  ColumnBatch batch_of(const std::vector<Column>& columns, const std::vector<Value>& row) {
    ColumnBatch b(columns, 4);
    b.set_size(1);
    for (size_t c = 0; c < columns.size(); ++c) write_value(b.column(c), 0, row[c]);
    return b;
  }
};

TEST_F(AvroFormatTest, GeneratesKsqlDbsSchema) {
  std::vector<Column> cols = {{"ID", Type::bigint()},
                              {"PRICE", Type::decimal(4, 2)},
                              {"ADDR", Type::struct_({{"CITY", Type::string()}})},
                              {"TAGS", Type::array(Type::integer())},
                              {"AT", Type::timestamp()}};
  auto text = ksql_avro_schema(cols, true, kKsqlAvroValueName);
  ASSERT_TRUE(text.is_ok()) << text.status().to_string();
  auto j = nlohmann::json::parse(*text);
  EXPECT_EQ(j["name"], "KsqlDataSourceSchema");
  EXPECT_EQ(j["namespace"], "io.confluent.ksql.avro_schemas");
  EXPECT_EQ(j["fields"][0],
            nlohmann::json::parse(R"({"name":"ID","type":["null","long"],"default":null})"));
  EXPECT_EQ(j["fields"][1]["type"][1]["logicalType"], "decimal");
  EXPECT_EQ(j["fields"][1]["type"][1]["precision"], 4);
  EXPECT_EQ(j["fields"][1]["type"][1]["scale"], 2);
  EXPECT_EQ(j["fields"][2]["type"][1]["name"], "KsqlDataSourceSchema_ADDR");
  EXPECT_EQ(j["fields"][3]["type"][1]["items"], nlohmann::json::parse(R"(["null","int"])"));
  EXPECT_EQ(j["fields"][4]["type"][1]["logicalType"], "timestamp-millis");
  // Unwrapped: the type alone, not nullable.
  std::vector<Column> one = {{"K", Type::string()}};
  EXPECT_EQ(*ksql_avro_schema(one, false, "x.Key"), R"("string")");
  EXPECT_EQ(ksql_avro_key_name("MY_OUTPUT"), "io.confluent.ksql.avro_schemas.MyOutputKey");
}

TEST_F(AvroFormatTest, RejectsWhatAvroCannotHold) {
  std::vector<Column> map_key = {{"M", Type::map(Type::integer(), Type::double_())}};
  EXPECT_EQ(kAvro.validate(map_key, Side::kValue, options_).message(),
            "Avro only supports MAPs with STRING keys");
  std::vector<Column> bad_name = {{"1abc", Type::double_()}};
  EXPECT_EQ(kAvro.validate(bad_name, Side::kValue, options_).message(),
            "Schema is not compatible with Avro: Illegal initial character: 1abc");
  std::vector<Column> ok = {{"A", Type::integer()}};
  FormatOptions no_registry;
  EXPECT_FALSE(kAvro.make_decoder(ok, Side::kValue, no_registry).is_ok());
}

TEST_F(AvroFormatTest, RoundTripsEveryTypeThroughTheRegisteredSchema) {
  Type st = Type::struct_({{"A", Type::integer()}, {"B", Type::string()}});
  std::vector<Column> cols = {{"B", Type::boolean()},
                              {"I", Type::integer()},
                              {"L", Type::bigint()},
                              {"D", Type::double_()},
                              {"DEC", Type::decimal(5, 2)},
                              {"S", Type::string()},
                              {"BY", Type::bytes()},
                              {"TS", Type::timestamp()},
                              {"DT", Type::date()},
                              {"TM", Type::time()},
                              {"ARR", Type::array(Type::integer())},
                              {"MAP", Type::map(Type::string(), Type::string())},
                              {"ST", st}};
  ColumnBatch b(cols, 4);
  b.set_size(2);
  std::vector<Value> row = {
      Value::boolean(true),
      Value::integer(-7),
      Value::bigint(1LL << 40),
      Value::double_(1.5),
      Value::decimal(-12345, 5, 2),
      Value::string("héllo"),
      Value::bytes(std::string("\0\1\2", 3)),
      Value::timestamp(1700000000123),
      Value::date(19000),
      Value::time(3600000),
      Value::array(Type::integer(),
                   {Value::integer(1), Value::null(Type::integer()), Value::integer(3)}),
      Value::map(Type::string(), Type::string(), {{Value::string("k"), Value::string("v")}}),
      Value::struct_(st, {Value::integer(4), Value::null(Type::string())})};
  for (size_t c = 0; c < cols.size(); ++c) {
    write_value(b.column(c), 0, row[c]);
    set_null_row(b.column(c), 1);
  }
  auto records = encode(kAvro, cols, b, Side::kValue, options_);
  ASSERT_EQ(records.size(), 2u);
  ASSERT_TRUE(records[0].has_value());
  EXPECT_EQ(schema::confluent_schema_id(*records[0]), 1);
  auto registered = registry_->get_version("t-value", "latest", false);
  ASSERT_TRUE(registered.ok());
  auto d = decode(kAvro, cols, {records[0], records[1]}, Side::kValue, options_);
  ASSERT_TRUE(d.errors.empty()) << d.errors.errors()[0].message;
  EXPECT_EQ(row_text(d.batch, 0), row_text(b, 0));
  EXPECT_EQ(row_text(d.batch, 1), row_text(b, 1));
}

TEST_F(AvroFormatTest, ReadsOtherWriterSchemasAsKsqlDbDoes) {
  // Lower-case names, an enum, a float, an int read as STRING, a field no column reads, and a
  // column the writer lacks.
  std::string writer = R"({"type":"record","name":"r","fields":[
      {"name":"id","type":"int"},
      {"name":"suit","type":{"type":"enum","name":"Suit","symbols":["SPADES","HEARTS"]}},
      {"name":"skipped","type":{"type":"array","items":"string"}},
      {"name":"ratio","type":"float"},
      {"name":"code","type":["null","int"]},
      {"name":"either","type":["null","int","string"]}]})";
  std::string rec = record("t-value", writer,
                           {{"id", 7},
                            {"suit", "HEARTS"},
                            {"skipped", {"a", "b"}},
                            {"ratio", 0.5},
                            {"code", 42},
                            {"either", "x"}});
  std::vector<Column> cols = {
      {"ID", Type::bigint()},
      {"SUIT", Type::string()},
      {"RATIO", Type::double_()},
      {"CODE", Type::string()},
      {"MISSING", Type::integer()},
      {"EITHER", Type::struct_({{"INT", Type::integer()}, {"STRING", Type::string()}})}};
  auto d = decode(kAvro, cols, {rec}, Side::kValue, options_);
  ASSERT_TRUE(d.errors.empty()) << d.errors.errors()[0].message;
  EXPECT_EQ(row_text(d.batch, 0), "7|HEARTS|0.5|42|null|Struct{STRING=x}");
}

TEST_F(AvroFormatTest, BadRecordsFailAloneWithAReason) {
  std::string writer = R"({"type":"record","name":"r","fields":[{"name":"A","type":"string"}]})";
  std::string good = record("t-value", writer, {{"A", "ok"}});
  std::string truncated = good.substr(0, good.size() - 1);
  std::string unknown_id = good;
  unknown_id[4] = 9;
  std::string wrong_type = record(
      "other-value", R"({"type":"record","name":"r","fields":[{"name":"A","type":"boolean"}]})",
      {{"A", true}});
  std::vector<Column> cols = {{"A", Type::integer()}};
  std::vector<Column> text = {{"A", Type::string()}};
  auto d = decode(kAvro, text, {"garbage", truncated, unknown_id, good}, Side::kValue, options_);
  ASSERT_EQ(d.errors.size(), 3u);
  EXPECT_EQ(d.errors.errors()[0].message, "Failed to deserialise value: Unknown magic byte!");
  EXPECT_NE(d.errors.errors()[1].message.find("malformed"), std::string::npos);
  EXPECT_NE(d.errors.errors()[2].message.find("Schema 9 not found"), std::string::npos);
  EXPECT_EQ(row_text(d.batch, 3), "ok");
  auto mismatch = decode(kAvro, cols, {wrong_type}, Side::kValue, options_);
  ASSERT_EQ(mismatch.errors.size(), 1u);
  EXPECT_EQ(mismatch.errors.errors()[0].message,
            "Failed to deserialise value: field A: cannot read Avro boolean as INTEGER");
}

TEST_F(AvroFormatTest, HostileCountsFailWithoutAllocating) {
  std::string writer = R"({"type":"record","name":"r","fields":[
      {"name":"A","type":{"type":"array","items":"long"}}]})";
  std::string rec = record("t-value", writer, {{"A", {1}}});
  // Replace the block: a count of 2^40 items with nothing behind it.
  std::string hostile = rec.substr(0, schema::kConfluentHeader);
  schema::avro_write_long(int64_t{1} << 40, hostile);
  std::vector<Column> cols = {{"A", Type::array(Type::bigint())}};
  auto d = decode(kAvro, cols, {hostile}, Side::kValue, options_);
  ASSERT_EQ(d.errors.size(), 1u);
}

TEST_F(AvroFormatTest, UnwrappedKeysAndValues) {
  std::vector<Column> key = {{"K", Type::integer()}};
  ColumnBatch b = batch_of(key, {Value::integer(5)});
  FormatOptions unwrapped = options_;
  unwrapped.wrap_single_value = false;
  auto keys = encode(kAvro, key, b, Side::kKey, options_);
  auto values = encode(kAvro, key, b, Side::kValue, unwrapped);
  ASSERT_TRUE(keys[0] && values[0]);
  // The header, then zig-zag 5.
  EXPECT_EQ(keys[0]->substr(schema::kConfluentHeader), "\x0a");
  EXPECT_EQ(values[0]->substr(schema::kConfluentHeader), "\x0a");
  EXPECT_EQ(registry_->get_version("t-key", "latest", false).value->schema, R"("int")");
  auto d = decode(kAvro, key, {keys[0]}, Side::kKey, options_);
  ASSERT_TRUE(d.errors.empty());
  EXPECT_EQ(row_text(d.batch, 0, Side::kKey), "5");
}

TEST_F(AvroFormatTest, SchemaIdWritesWithThatSchemaAndReportsRowsItCannotHold) {
  std::string writer =
      R"({"type":"record","name":"Tx","namespace":"com.acme","fields":[
          {"name":"eventID","type":"string"},{"name":"extra","type":["null","int"]}]})";
  auto id = registry_->register_schema("given-value", schema::SchemaInput{writer}, false);
  ASSERT_TRUE(id.ok());
  FormatOptions with_id = options_;
  with_id.schema_id = *id.value;
  std::vector<Column> cols = {{"EVENTID", Type::string()}};
  ColumnBatch b(cols, 4);
  b.set_size(2);
  write_value(b.column(0), 0, Value::string("e1"));
  set_null_row(b.column(0), 1);
  auto enc = kAvro.make_encoder(cols, Side::kValue, with_id);
  ASSERT_TRUE(enc.is_ok());
  EncodedRecords out;
  ASSERT_TRUE((*enc)->encode(b, testing::all_columns(1), out).is_ok());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(schema::confluent_schema_id(out.record(0).view()), *id.value);
  ASSERT_EQ(out.errors().size(), 1u);
  EXPECT_EQ(out.errors()[0].row, 1u);
  EXPECT_EQ(out.errors()[0].message,
            "Failed to serialise value: field eventID: null for non-nullable Avro string");
  // Nothing else was registered.
  EXPECT_FALSE(registry_->get_version("t-value", "latest", false).ok());
}

TEST_F(AvroFormatTest, InfersColumnsFromARegisteredSchema) {
  auto parsed = schema::AvroSchema::parse(R"({"type":"record","name":"r","fields":[
      {"name":"c1","type":{"type":"record","name":"in","fields":[{"name":"f1","type":"int"}]}},
      {"name":"c2","type":["null",{"type":"map","values":"long"}]},
      {"name":"c3","type":{"type":"bytes","logicalType":"decimal","precision":6,"scale":3}},
      {"name":"c4","type":{"type":"int","logicalType":"date"}}]})");
  ASSERT_TRUE(parsed.is_ok());
  auto cols = avro_schema_columns(*parsed, true, "ROWVAL", false);
  ASSERT_TRUE(cols.is_ok()) << cols.status().to_string();
  ASSERT_EQ(cols->size(), 4u);
  EXPECT_EQ((*cols)[0].name, "C1");
  EXPECT_EQ((*cols)[0].type.to_string(), "STRUCT<`F1` INTEGER>");
  EXPECT_EQ((*cols)[1].type.to_string(), "MAP<STRING, BIGINT>");
  EXPECT_EQ((*cols)[2].type.to_string(), "DECIMAL(6, 3)");
  EXPECT_EQ((*cols)[3].type.to_string(), "DATE");
  auto single = avro_schema_columns(*parsed, false, "ROWKEY", false);
  ASSERT_TRUE(single.is_ok());
  ASSERT_EQ(single->size(), 1u);
  EXPECT_EQ((*single)[0].name, "ROWKEY");
  auto kept = avro_schema_columns(*parsed, true, "ROWVAL", true);
  ASSERT_TRUE(kept.is_ok());
  EXPECT_EQ((*kept)[0].name, "c1");
  EXPECT_EQ((*kept)[0].type.to_string(), "STRUCT<`f1` INTEGER>");
}

}  // namespace
}  // namespace sluice::format
