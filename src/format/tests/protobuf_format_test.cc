// Tests of the PROTOBUF and PROTOBUF_NOSR formats: ksqlDB's generated schemas and inference,
// round trips of every SQL type, reading writer schemas of other shapes, message indexes, and
// records that must fail alone (bad headers, truncated or hostile data, random bytes).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <random>

#include "format/protobuf_format.h"
#include "format/tests/format_test_util.h"
#include "schema/avro_binary.h"
#include "schema/registry.h"

namespace sluice::format {
namespace {

using testing::decode;
using testing::encode;
using testing::row_text;

// NOLINTNEXTLINE(readability-identifier-naming)
const Format& kProto = protobuf_format();
// NOLINTNEXTLINE(readability-identifier-naming)
const Format& kNosr = protobuf_nosr_format();

class ProtobufFormatTest : public testing::RegistryFormatTest {
 protected:
  int32_t register_proto(const std::string& subject, const std::string& text,
                         std::vector<schema::SchemaReference> refs = {}) {
    schema::SchemaInput in{text, "PROTOBUF", std::move(refs)};
    auto id = registry_->register_schema(subject, in, false);
    EXPECT_TRUE(id.ok()) << id.error.message;
    return id.value.value_or(0);
  }

  // A record of message `message` of schema `text` (registered under `subject`) holding `json`.
  std::string record(const std::string& subject, const std::string& text,
                     const std::string& message, const std::string& json,
                     const ProtoImports& imports = {},
                     std::vector<schema::SchemaReference> refs = {}) {
    int32_t id = register_proto(subject, text, std::move(refs));
    auto indexes = protobuf_message_indexes(text, message, imports);
    EXPECT_TRUE(indexes.is_ok()) << indexes.status().to_string();
    auto body = protobuf_json_to_binary(text, message, json, imports);
    EXPECT_TRUE(body.is_ok()) << body.status().to_string();
    std::string out;
    write_protobuf_header(id, indexes.is_ok() ? *indexes : std::vector<int>{0}, out);
    return out + (body.is_ok() ? *body : std::string());
  }
};

Type struct_ab() {
  return Type::struct_({{"A", Type::integer()}, {"B", Type::string()}});
}

std::vector<Column> every_type() {
  return {{"B", Type::boolean()},
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
          {"ST", struct_ab()},
          {"STS", Type::array(struct_ab())},
          {"IMAP", Type::map(Type::bigint(), struct_ab())}};
}

std::vector<Value> every_value() {
  return {Value::boolean(true),
          Value::integer(-7),
          Value::bigint(1LL << 40),
          Value::double_(1.5),
          Value::decimal(-12345, 5, 2),
          Value::string("héllo"),
          Value::bytes(std::string("\0\1\2", 3)),
          Value::timestamp(-1700000000123),
          Value::date(-719162),
          Value::time(86399999),
          Value::array(Type::integer(), {Value::integer(1), Value::integer(-3)}),
          Value::map(Type::string(), Type::string(), {{Value::string("k"), Value::string("v")}}),
          Value::struct_(struct_ab(), {Value::integer(4), Value::string("x")}),
          Value::array(struct_ab(),
                       {Value::struct_(struct_ab(), {Value::integer(1), Value::string("a")}),
                        Value::struct_(struct_ab(), {Value::integer(2), Value::string("b")})}),
          Value::map(Type::bigint(), struct_ab(),
                     {{Value::bigint(-9),
                       Value::struct_(struct_ab(), {Value::integer(5), Value::string("")})}})};
}

ColumnBatch batch_of(const std::vector<Column>& cols, const std::vector<std::vector<Value>>& rows) {
  ColumnBatch b(cols, 4);
  b.reserve(rows.size());
  b.set_size(rows.size());
  for (size_t r = 0; r < rows.size(); ++r) {
    for (size_t c = 0; c < cols.size(); ++c) write_value(b.column(c), r, rows[r][c]);
  }
  return b;
}

std::vector<Value> nulls_of(const std::vector<Column>& cols) {
  std::vector<Value> out;
  for (const Column& c : cols) out.push_back(Value::null(c.type));
  return out;
}

TEST_F(ProtobufFormatTest, GeneratesKsqlDbsSchema) {
  std::vector<Column> cols = {
      {"ID", Type::bigint()},
      {"PRICE", Type::decimal(4, 2)},
      {"ADDR", Type::struct_({{"CITY", Type::string()}, {"GEO", struct_ab()}})},
      {"TAGS", Type::array(Type::integer())},
      {"M", Type::map(Type::string(), Type::double_())},
      {"AT", Type::timestamp()}};
  auto text = ksql_protobuf_schema(cols, "");
  ASSERT_TRUE(text.is_ok()) << text.status().to_string();
  EXPECT_EQ(*text,
            "syntax = \"proto3\";\n"
            "\n"
            "import \"confluent/meta.proto\";\n"
            "import \"confluent/type/decimal.proto\";\n"
            "import \"google/protobuf/timestamp.proto\";\n"
            "\n"
            "message ConnectDefault1 {\n"
            "  int64 ID = 1;\n"
            "  confluent.type.Decimal PRICE = 2 [(confluent.field_meta) = {params: [{key: "
            "\"precision\", value: \"4\"}, {key: \"scale\", value: \"2\"}]}];\n"
            "  ConnectDefault2 ADDR = 3;\n"
            "  repeated int32 TAGS = 4;\n"
            "  map<string, double> M = 5;\n"
            "  google.protobuf.Timestamp AT = 6;\n"
            "\n"
            "  message ConnectDefault2 {\n"
            "    string CITY = 1;\n"
            "    ConnectDefault3 GEO = 2;\n"
            "\n"
            "    message ConnectDefault3 {\n"
            "      int32 A = 1;\n"
            "      string B = 2;\n"
            "    }\n"
            "  }\n"
            "}\n");
  // The generated schema infers back to the same columns.
  auto back = protobuf_schema_columns(*text, "", false);
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(*back, cols);

  // A schema full name names the message (and its package); nested messages start at 1.
  std::vector<Column> one = {{"S", struct_ab()}};
  auto named = ksql_protobuf_schema(one, "com.acme.Thing");
  ASSERT_TRUE(named.is_ok());
  EXPECT_NE(named->find("package com.acme;"), std::string::npos);
  EXPECT_NE(named->find("message Thing {"), std::string::npos);
  EXPECT_NE(named->find("ConnectDefault1 S = 1;"), std::string::npos);

  std::vector<Column> scalars = {{"A", Type::integer()}, {"B", Type::string()}};
  auto optional = ksql_protobuf_schema(scalars, "", ProtobufNullable::kOptional);
  EXPECT_NE(optional->find("optional int32 A = 1;"), std::string::npos);
  auto wrapper = ksql_protobuf_schema(scalars, "", ProtobufNullable::kWrapper);
  EXPECT_NE(wrapper->find("import \"google/protobuf/wrappers.proto\";"), std::string::npos);
  EXPECT_NE(wrapper->find("google.protobuf.StringValue B = 2;"), std::string::npos);
}

TEST_F(ProtobufFormatTest, RejectsWhatProtobufCannotHold) {
  std::vector<Column> one = {{"A", Type::integer()}};
  FormatOptions unwrapped = options_;
  unwrapped.wrap_single_value = false;
  EXPECT_EQ(kProto.validate(one, Side::kValue, unwrapped).message(),
            "Format 'PROTOBUF' does not support 'WRAP_SINGLE_VALUE' set to 'false'.");
  EXPECT_EQ(kNosr.validate(one, Side::kValue, unwrapped).message(),
            "Format 'PROTOBUF_NOSR' does not support 'WRAP_SINGLE_VALUE' set to 'false'.");
  FormatOptions wrapped = options_;
  wrapped.wrap_single_value = true;
  EXPECT_TRUE(kProto.validate(one, Side::kValue, wrapped).is_ok());
  std::vector<Column> two = {{"A", Type::integer()}, {"B", Type::integer()}};
  EXPECT_FALSE(kProto.validate(two, Side::kValue, wrapped).is_ok());

  std::vector<Column> bad_name = {{"1abc", Type::double_()}};
  EXPECT_NE(kProto.validate(bad_name, Side::kValue, options_).message().find("1abc"),
            std::string::npos);
  std::vector<Column> double_key = {{"M", Type::map(Type::double_(), Type::integer())}};
  EXPECT_FALSE(kProto.validate(double_key, Side::kValue, options_).is_ok());
  std::vector<Column> nested = {{"A", Type::array(Type::array(Type::integer()))}};
  EXPECT_FALSE(kProto.validate(nested, Side::kValue, options_).is_ok());
  FormatOptions bad_nullable = options_;
  bad_nullable.properties["VALUE_PROTOBUF_NULLABLE_REPRESENTATION"] = "maybe";
  EXPECT_FALSE(kProto.validate(one, Side::kValue, bad_nullable).is_ok());
  // Only the value side's property applies to values.
  EXPECT_TRUE(kProto.validate(one, Side::kKey, bad_nullable).is_ok());

  FormatOptions no_registry;
  EXPECT_FALSE(kProto.make_decoder(one, Side::kValue, no_registry).is_ok());
  EXPECT_FALSE(kProto.make_encoder(one, Side::kValue, no_registry).is_ok());
  EXPECT_TRUE(kNosr.make_decoder(one, Side::kValue, no_registry).is_ok());
}

TEST_F(ProtobufFormatTest, RoundTripsEveryTypeThroughTheRegisteredSchema) {
  std::vector<Column> cols = every_type();
  ColumnBatch b = batch_of(cols, {every_value(), nulls_of(cols)});
  b.value_null()[0] = b.value_null()[1] = 0;
  auto records = encode(kProto, cols, b, Side::kValue, options_);
  ASSERT_EQ(records.size(), 2u);
  ASSERT_TRUE(records[0].has_value());
  EXPECT_EQ(schema::confluent_schema_id(*records[0]), 1);
  // Message indexes [0]: one 0 byte after the header.
  EXPECT_EQ((*records[0])[schema::kConfluentHeader], '\0');
  auto registered = registry_->get_version("t-value", "latest", false);
  ASSERT_TRUE(registered.ok());
  EXPECT_EQ(registered.value->type, "PROTOBUF");
  auto d = decode(kProto, cols, {records[0], records[1]}, Side::kValue, options_);
  ASSERT_TRUE(d.errors.empty()) << d.errors.errors()[0].message;
  EXPECT_EQ(row_text(d.batch, 0), row_text(b, 0));
  // NULLs are absent fields: proto3 reads scalars back as their defaults, messages as NULL,
  // repeated fields as empty.
  EXPECT_EQ(row_text(d.batch, 1), "false|0|0|0.0|null|||null|null|null|[]|{}|null|[]|{}");
}

TEST_F(ProtobufFormatTest, NullableRepresentationsKeepNulls) {
  std::vector<Column> cols = {
      {"I", Type::integer()}, {"S", Type::string()}, {"ST", struct_ab()}, {"D", Type::double_()}};
  std::vector<Value> zeros = {
      Value::integer(0), Value::string(""),
      Value::struct_(struct_ab(), {Value::null(Type::integer()), Value::string("")}),
      Value::double_(0)};
  for (const char* repr : {"OPTIONAL", "WRAPPER"}) {
    SCOPED_TRACE(repr);
    FormatOptions o = options_;
    o.topic = std::string("t_") + repr;
    o.properties["VALUE_PROTOBUF_NULLABLE_REPRESENTATION"] = repr;
    ColumnBatch b = batch_of(cols, {nulls_of(cols), zeros});
    auto records = encode(kProto, cols, b, Side::kValue, o);
    ASSERT_EQ(records.size(), 2u);
    auto d = decode(kProto, cols, {records[0], records[1]}, Side::kValue, o);
    ASSERT_TRUE(d.errors.empty()) << d.errors.errors()[0].message;
    EXPECT_EQ(row_text(d.batch, 0), "null|null|null|null");
    EXPECT_EQ(row_text(d.batch, 1), "0||Struct{B=}|0.0");
    // NOSR too.
    auto nosr = encode(kNosr, cols, b, Side::kValue, o);
    auto dn = decode(kNosr, cols, {nosr[0], nosr[1]}, Side::kValue, o);
    ASSERT_TRUE(dn.errors.empty());
    EXPECT_EQ(row_text(dn.batch, 0), "null|null|null|null");
  }
}

TEST_F(ProtobufFormatTest, NosrIsTheBareMessage) {
  std::vector<Column> cols = every_type();
  ColumnBatch b = batch_of(cols, {every_value()});
  auto records = encode(kNosr, cols, b, Side::kValue, FormatOptions{});
  ASSERT_EQ(records.size(), 1u);
  ASSERT_TRUE(records[0].has_value());
  // Field 1 (B, bool true) first: tag 0x08, value 1.
  EXPECT_EQ(records[0]->substr(0, 2), "\x08\x01");
  auto d = decode(kNosr, cols, {records[0]}, Side::kValue, FormatOptions{});
  ASSERT_TRUE(d.errors.empty()) << d.errors.errors()[0].message;
  EXPECT_EQ(row_text(d.batch, 0), row_text(b, 0));
  // The helpers read what the encoder wrote.
  auto text = ksql_protobuf_schema(cols, "");
  auto json = protobuf_binary_to_json(*text, "", *records[0]);
  ASSERT_TRUE(json.is_ok()) << json.status().to_string();
  auto j = nlohmann::json::parse(*json);
  EXPECT_EQ(j["DEC"].dump(), "-123.45");
  EXPECT_EQ(j["TS"], -1700000000123);
  EXPECT_EQ(j["DT"], -719162);
  EXPECT_EQ(j["TM"], 86399999);
  EXPECT_EQ(j["BY"], "AAEC");
  EXPECT_EQ(j["IMAP"]["-9"]["A"], 5);
}

TEST_F(ProtobufFormatTest, KeysAreMessagesToo) {
  std::vector<Column> key = {{"K", Type::integer()}};
  ColumnBatch b = batch_of(key, {{Value::integer(5)}});
  auto keys = encode(kProto, key, b, Side::kKey, options_);
  ASSERT_TRUE(keys[0].has_value());
  // The header, the indexes, then field 1 = 5.
  EXPECT_EQ(keys[0]->substr(schema::kConfluentHeader), std::string("\0\x08\x05", 3));
  auto reg = registry_->get_version("t-key", "latest", false);
  ASSERT_TRUE(reg.ok());
  EXPECT_NE(reg.value->schema.find("int32 K = 1;"), std::string::npos);
  auto d = decode(kProto, key, {keys[0]}, Side::kKey, options_);
  ASSERT_TRUE(d.errors.empty());
  EXPECT_EQ(row_text(d.batch, 0, Side::kKey), "5");
  // A null key stays a null record.
  ColumnBatch n(key, 4);
  n.set_size(1);
  n.key_null()[0] = 1;
  auto nulls = encode(kProto, key, n, Side::kKey, options_);
  EXPECT_FALSE(nulls[0].has_value());
}

TEST_F(ProtobufFormatTest, ReadsOtherWriterSchemasAsKsqlDbDoes) {
  // Lower-case names, fields in another order, a field no column reads, a column the writer
  // lacks, unsigned and zig-zag integers, a float, an enum, wrappers, nested messages, a map
  // with int keys, an optional field.
  std::string writer = R"(syntax = "proto3";
import "google/protobuf/wrappers.proto";
package acme;
enum Suit { SPADES = 0; HEARTS = 1; }
message Outer {
  message Inner { sint64 n = 1; repeated string tags = 2; }
  Suit suit = 7;
  string skipped = 1;
  uint32 code = 3;
  float ratio = 4;
  Inner inner = 5;
  google.protobuf.StringValue wrapped = 6;
  map<int32, Inner> by_id = 8;
  optional int64 maybe = 9;
  repeated Inner list = 10;
  int32 id = 2;
  fixed64 big = 11;
})";
  std::string rec = record("t-value", writer, "acme.Outer",
                           R"({"id": 7, "suit": "HEARTS", "skipped": "x", "code": 4000000000,
                               "ratio": 0.5, "inner": {"n": -3, "tags": ["a", "b"]},
                               "wrapped": "w", "by_id": {"4": {"n": 1}},
                               "list": [{"n": 1}, {"tags": ["z"]}], "big": 9})");
  std::vector<Column> cols = {
      {"ID", Type::bigint()},
      {"SUIT", Type::string()},
      {"CODE", Type::bigint()},
      {"RATIO", Type::double_()},
      {"INNER", Type::struct_({{"N", Type::bigint()}, {"TAGS", Type::array(Type::string())}})},
      {"WRAPPED", Type::string()},
      {"BY_ID", Type::map(Type::integer(), Type::struct_({{"N", Type::bigint()}}))},
      {"MAYBE", Type::bigint()},
      {"MISSING", Type::integer()},
      {"LIST", Type::array(Type::struct_({{"TAGS", Type::array(Type::string())}}))},
      {"BIG", Type::string()}};
  auto d = decode(kProto, cols, {rec}, Side::kValue, options_);
  ASSERT_TRUE(d.errors.empty()) << d.errors.errors()[0].message;
  EXPECT_EQ(row_text(d.batch, 0),
            "7|HEARTS|4000000000|0.5|Struct{N=-3,TAGS=[a, b]}|w|{4=Struct{N=1}}|null|null|"
            "[Struct{TAGS=[]}, Struct{TAGS=[z]}]|9");
  // Unset fields: scalars and enums default, messages and wrappers NULL, repeated empty.
  std::string empty = record("t-value", writer, "acme.Outer", "{}");
  auto e = decode(kProto, cols, {empty}, Side::kValue, options_);
  ASSERT_TRUE(e.errors.empty()) << e.errors.errors()[0].message;
  EXPECT_EQ(row_text(e.batch, 0), "0|SPADES|0|0.0|null|null|{}|null|null|[]|0");

  // The columns ksqlDB infers from it.
  auto inferred = protobuf_schema_columns(writer, "", false);
  ASSERT_TRUE(inferred.is_ok()) << inferred.status().to_string();
  EXPECT_EQ(inferred->size(), 11u);
  EXPECT_EQ((*inferred)[0], (Column{"SUIT", Type::string()}));
  EXPECT_EQ((*inferred)[2], (Column{"CODE", Type::bigint()}));
  EXPECT_EQ((*inferred)[3], (Column{"RATIO", Type::double_()}));
  EXPECT_EQ((*inferred)[5], (Column{"WRAPPED", Type::string()}));
  EXPECT_EQ((*inferred)[6].type.to_string(),
            "MAP<INTEGER, STRUCT<`N` BIGINT, `TAGS` ARRAY<STRING>>>");
  auto kept = protobuf_schema_columns(writer, "Outer", true);
  ASSERT_TRUE(kept.is_ok());
  EXPECT_EQ((*kept)[9].name, "id");
}

TEST_F(ProtobufFormatTest, ReadsPackedAndUnpackedRepeatedFields) {
  std::string writer =
      "syntax = \"proto2\"; message M { repeated int32 a = 1; "
      "repeated sint32 b = 2 [packed = true]; repeated double c = 3; }";
  int32_t id = register_proto("t-value", writer);
  std::string rec;
  write_protobuf_header(id, std::vector<int>{0}, rec);
  // a unpacked: 1, then b packed: -1 2, then a again: 300 (split runs), then c packed.
  rec += std::string("\x08\x01", 2);
  rec += std::string("\x12\x02\x01\x04", 4);
  rec += std::string("\x08\xac\x02", 3);
  double x = 2.5;
  char raw[8];
  std::memcpy(raw, &x, 8);
  rec += std::string("\x1a\x08", 2) + std::string(raw, 8);
  std::vector<Column> cols = {{"A", Type::array(Type::integer())},
                              {"B", Type::array(Type::integer())},
                              {"C", Type::array(Type::double_())}};
  auto d = decode(kProto, cols, {rec, rec}, Side::kValue, options_);
  ASSERT_TRUE(d.errors.empty()) << d.errors.errors()[0].message;
  EXPECT_EQ(row_text(d.batch, 0), "[1, 300]|[-1, 2]|[2.5]");
  EXPECT_EQ(row_text(d.batch, 1), "[1, 300]|[-1, 2]|[2.5]");
}

TEST_F(ProtobufFormatTest, MessageIndexesAndSchemaIdsAsInTheQttCases) {
  // group-by.json "PROTOBUF schema and schema_id": the second message of each schema.
  std::string key_schema =
      "syntax = \"proto3\"; message ProtobufKey1 {uint32 k1 = 1;} message ProtobufKey2 {string "
      "K = 1;}";
  std::string value_schema =
      "syntax = \"proto3\"; message ProtobufValue1 {float c1 = 1; uint32 c2 = 2;} message "
      "ProtobufValue2 {uint64 A = 1; string B = 2;}";
  auto key_cols = protobuf_schema_columns(key_schema, "ProtobufKey2", true);
  auto value_cols = protobuf_schema_columns(value_schema, "ProtobufValue2", true);
  ASSERT_TRUE(key_cols.is_ok() && value_cols.is_ok());
  EXPECT_EQ(*key_cols, (std::vector<Column>{{"K", Type::string()}}));
  EXPECT_EQ(*value_cols, (std::vector<Column>{{"A", Type::bigint()}, {"B", Type::string()}}));

  std::string in =
      record("source-value", value_schema, "ProtobufValue2", R"({"A": 1230, "B": "falcon"})");
  // Indexes [1]: count 1, index 1, both zig-zag.
  EXPECT_EQ(in.substr(schema::kConfluentHeader, 2), "\x02\x02");
  auto d = decode(kProto, *value_cols, {in}, Side::kValue, options_);
  ASSERT_TRUE(d.errors.empty()) << d.errors.errors()[0].message;
  EXPECT_EQ(row_text(d.batch, 0), "1230|falcon");

  // Writing with VALUE_SCHEMA_ID and VALUE_SCHEMA_FULL_NAME: that message, those indexes.
  FormatOptions with_id = options_;
  with_id.schema_id = *schema::confluent_schema_id(in);
  with_id.schema_full_name = "ProtobufValue2";
  auto out = encode(kProto, *value_cols, d.batch, Side::kValue, with_id);
  ASSERT_TRUE(out[0].has_value());
  EXPECT_EQ(*out[0], in);
  EXPECT_FALSE(registry_->get_version("t-value", "latest", false).ok());
  int32_t sid = 0;
  std::vector<int> indexes;
  auto body = read_protobuf_header(*out[0], sid, indexes);
  ASSERT_TRUE(body.is_ok());
  EXPECT_EQ(indexes, std::vector<int>{1});
  EXPECT_EQ(*protobuf_message_name(value_schema, indexes), "ProtobufValue2");
  EXPECT_EQ(*protobuf_binary_to_json(value_schema, "ProtobufValue2", *body),
            R"({"A":1230,"B":"falcon"})");

  // Nested messages have longer index paths.
  std::string nested =
      "syntax = \"proto3\"; message A { message B { int32 x = 1; } "
      "message C { string y = 1; } } message D { int32 z = 1; }";
  EXPECT_EQ(*protobuf_message_indexes(nested, "A.C"), (std::vector<int>{0, 1}));
  std::string c = record("n-value", nested, "A.C", R"({"y": "deep"})");
  EXPECT_EQ(c.substr(schema::kConfluentHeader, 3), std::string("\x04\x00\x02", 3));
  std::vector<Column> y = {{"Y", Type::string()}};
  auto dc = decode(kProto, y, {c}, Side::kValue, options_);
  ASSERT_TRUE(dc.errors.empty()) << dc.errors.errors()[0].message;
  EXPECT_EQ(row_text(dc.batch, 0), "deep");
}

TEST_F(ProtobufFormatTest, SchemaIdEncoderReportsRowsItCannotHold) {
  std::string writer = "syntax = \"proto3\"; message V { uint32 VALUE = 1; string NAME = 2; }";
  int32_t id = register_proto("given-value", writer);
  FormatOptions with_id = options_;
  with_id.schema_id = id;
  std::vector<Column> cols = {{"VALUE", Type::bigint()}, {"NAME", Type::string()}};
  ColumnBatch b = batch_of(cols, {{Value::bigint(100), Value::string("one")},
                                  {Value::bigint(-1), Value::string("two")}});
  auto enc = kProto.make_encoder(cols, Side::kValue, with_id);
  ASSERT_TRUE(enc.is_ok()) << enc.status().to_string();
  EncodedRecords out;
  ASSERT_TRUE((*enc)->encode(b, testing::all_columns(2), out).is_ok());
  ASSERT_EQ(out.size(), 2u);
  ASSERT_EQ(out.errors().size(), 1u);
  EXPECT_EQ(out.errors()[0].row, 1u);
  EXPECT_EQ(out.errors()[0].message,
            "Failed to serialise value: field VALUE: -1 does not fit uint32");
  auto d = decode(kProto, cols, {std::string(out.record(0).view())}, Side::kValue, options_);
  ASSERT_TRUE(d.errors.empty());
  EXPECT_EQ(row_text(d.batch, 0), "100|one");
  // A schema id that is not a PROTOBUF schema, or not there.
  auto avro = registry_->register_schema("avro-value", schema::SchemaInput{R"("int")"}, false);
  with_id.schema_id = *avro.value;
  EXPECT_FALSE(kProto.make_encoder(cols, Side::kValue, with_id).is_ok());
  with_id.schema_id = 999;
  EXPECT_FALSE(kProto.make_encoder(cols, Side::kValue, with_id).is_ok());
}

TEST_F(ProtobufFormatTest, SchemaReferences) {
  // insert-into.json "PROTOBUF insert query with schema references".
  std::string event = "syntax = \"proto3\";\n\nmessage Event {\n int64 TIMESTAMP = 1;\n}";
  std::string main =
      "syntax = \"proto3\";\n\nimport \"event.proto\"; \n\nmessage Logistics {\n "
      "Event EVENT = 1;\n}";
  register_proto("event-value", event);
  std::vector<schema::SchemaReference> refs = {{"event.proto", "event-value", 1}};
  auto imports = protobuf_references(*registry_, refs);
  ASSERT_TRUE(imports.is_ok()) << imports.status().to_string();
  auto cols = protobuf_schema_columns(main, "", false, *imports);
  ASSERT_TRUE(cols.is_ok()) << cols.status().to_string();
  ASSERT_EQ(cols->size(), 1u);
  EXPECT_EQ((*cols)[0].type.to_string(), "STRUCT<`TIMESTAMP` BIGINT>");
  std::string rec =
      record("stream-source-value", main, "", R"({"EVENT": {"TIMESTAMP": 1234}})", *imports, refs);
  auto d = decode(kProto, *cols, {rec}, Side::kValue, options_);
  ASSERT_TRUE(d.errors.empty()) << d.errors.errors()[0].message;
  EXPECT_EQ(row_text(d.batch, 0), "Struct{TIMESTAMP=1234}");
  // Without the import the schema does not build.
  EXPECT_FALSE(protobuf_schema_columns(main, "", false).is_ok());
}

TEST_F(ProtobufFormatTest, InfersWellKnownTypes) {
  std::string text = R"(syntax = "proto3";
import "confluent/meta.proto";
import "confluent/type/decimal.proto";
import "google/protobuf/timestamp.proto";
import "google/type/date.proto";
import "google/type/timeofday.proto";
import "google/protobuf/wrappers.proto";
message M {
  confluent.type.Decimal d = 1 [(confluent.field_meta) = {params: [{key: "precision", value: "6"}, {key: "scale", value: "3"}]}];
  google.protobuf.Timestamp ts = 2;
  google.type.Date dt = 3;
  google.type.TimeOfDay tm = 4;
  google.protobuf.Int32Value w = 5;
  repeated google.protobuf.BytesValue wb = 6;
  sfixed32 s = 7;
  map<bool, string> m = 8;
})";
  auto cols = protobuf_schema_columns(text, "", false);
  ASSERT_TRUE(cols.is_ok()) << cols.status().to_string();
  std::vector<Column> want = {
      {"D", Type::decimal(6, 3)}, {"TS", Type::timestamp()},
      {"DT", Type::date()},       {"TM", Type::time()},
      {"W", Type::integer()},     {"WB", Type::array(Type::bytes())},
      {"S", Type::integer()},     {"M", Type::map(Type::boolean(), Type::string())}};
  EXPECT_EQ(*cols, want);
  // And reads their values.
  std::string rec = record("wk-value", text, "",
                           R"({"d": "123.456", "ts": 1500, "dt": 19000, "tm": 3723004, "w": 0,
                               "wb": ["AAE="], "s": -5, "m": {"true": "yes"}})");
  auto d = decode(kProto, want, {rec}, Side::kValue, options_);
  ASSERT_TRUE(d.errors.empty()) << d.errors.errors()[0].message;
  EXPECT_EQ(row_text(d.batch, 0), "123.456|1500|19000|3723004|0|[AAE=]|-5|{true=yes}");

  std::string recursive = "syntax = \"proto3\"; message R { R next = 1; int32 v = 2; }";
  EXPECT_FALSE(protobuf_schema_columns(recursive, "", false).is_ok());
  EXPECT_FALSE(protobuf_schema_columns("syntax = \"proto3\"; message {", "", false).is_ok());
  EXPECT_FALSE(protobuf_schema_columns("syntax = \"proto3\"; message A {}", "B", false).is_ok());
  EXPECT_FALSE(protobuf_schema_columns("syntax = \"proto3\";", "", false).is_ok());
}

TEST_F(ProtobufFormatTest, DecimalsKeepTheirScale) {
  // decimal.json "PROTOBUF should not trim trailing zeros" and "PROTOBUF in/out".
  std::vector<Column> cols = {{"DEC", Type::decimal(6, 4)}, {"BIG", Type::decimal(21, 19)}};
  auto big = parse_decimal("10.123451234512345", 21, 19);
  ASSERT_TRUE(big.is_ok());
  ColumnBatch b = batch_of(cols, {{Value::decimal(100000, 6, 4), Value::decimal(*big, 21, 19)}});
  auto records = encode(kNosr, cols, b, Side::kValue, FormatOptions{});
  auto d = decode(kNosr, cols, {records[0]}, Side::kValue, FormatOptions{});
  ASSERT_TRUE(d.errors.empty());
  EXPECT_EQ(row_text(d.batch, 0), "10.0000|10.1234512345123450000");
  auto text = ksql_protobuf_schema(cols, "");
  EXPECT_EQ(*protobuf_binary_to_json(*text, "", *records[0]),
            R"({"DEC":10.0000,"BIG":10.1234512345123450000})");
  // A value with more digits than the column's scale does not fit.
  std::vector<Column> narrow = {{"DEC", Type::decimal(6, 1)}};
  auto n = decode(kNosr, narrow, {*protobuf_json_to_binary(*text, "", R"({"DEC": 1.25})")},
                  Side::kValue, FormatOptions{});
  ASSERT_EQ(n.errors.size(), 1u);
  EXPECT_NE(n.errors.errors()[0].message.find("does not fit"), std::string::npos);
}

TEST_F(ProtobufFormatTest, JsonHelpersShowValuesAsKsqlDbsTestsDo) {
  // joins.json "stream stream left join - PROTOBUF": a NULL written is read back as "" and 0.
  std::string text =
      "syntax = \"proto3\"; message ConnectDefault1 { string NAME = 1; "
      "int64 VALUE = 2; string F1 = 3; int64 F2 = 4; }";
  auto bin = protobuf_json_to_binary(text, "", R"({"name": "zero", "value": 0, "F1": null,
                                                  "unknown": 1})");
  ASSERT_TRUE(bin.is_ok()) << bin.status().to_string();
  EXPECT_EQ(*protobuf_binary_to_json(text, "", *bin),
            R"({"NAME":"zero","VALUE":0,"F1":"","F2":0})");
  EXPECT_FALSE(protobuf_json_to_binary(text, "", R"({"NAME": [1]})").is_ok());
  EXPECT_FALSE(protobuf_json_to_binary(text, "", "{").is_ok());
  EXPECT_FALSE(protobuf_binary_to_json(text, "", "\xff\xff\xff").is_ok());
}

TEST_F(ProtobufFormatTest, BadRecordsFailAloneWithAReason) {
  std::string writer = "syntax = \"proto3\"; message M { string A = 1; int32 N = 2; }";
  std::string good = record("t-value", writer, "", R"({"A": "ok", "N": 3})");
  std::vector<Column> cols = {{"A", Type::string()}, {"N", Type::integer()}};
  std::string truncated = good.substr(0, good.size() - 1);
  std::string unknown_id = good;
  unknown_id[4] = 9;
  std::string bad_indexes = good;
  bad_indexes[schema::kConfluentHeader] = '\x02';  // [?]: a count of 1, then the 'A' tag as 5
  std::string hostile = good.substr(0, schema::kConfluentHeader + 1) +
                        std::string("\x0a\xff\xff\xff\xff\x0f", 6) + "abc";
  // N (an int32) as a length-delimited value.
  std::string wrong_wire = good.substr(0, schema::kConfluentHeader + 1) + "\x12\x01x";
  std::string group = good.substr(0, schema::kConfluentHeader + 1) + "\x0b";
  std::string zero_field = good.substr(0, schema::kConfluentHeader + 1) + std::string("\x00", 1);
  auto d = decode(
      kProto, cols,
      {"garbage", truncated, unknown_id, bad_indexes, hostile, wrong_wire, group, zero_field, good},
      Side::kValue, options_);
  ASSERT_EQ(d.errors.size(), 8u);
  EXPECT_EQ(d.errors.errors()[0].message, "Failed to deserialise value: Unknown magic byte!");
  EXPECT_NE(d.errors.errors()[1].message.find("malformed"), std::string::npos);
  EXPECT_NE(d.errors.errors()[2].message.find("Schema 9 not found"), std::string::npos);
  EXPECT_NE(d.errors.errors()[3].message.find("no message at the indexes"), std::string::npos);
  EXPECT_EQ(d.errors.errors()[5].message,
            "Failed to deserialise value: field N: wrong wire type 2");
  EXPECT_EQ(row_text(d.batch, 8), "ok|3");
  for (uint32_t r = 0; r < 8; ++r) EXPECT_EQ(row_text(d.batch, r), "null|null");

  std::vector<Column> wrong_type = {{"A", Type::boolean()}};
  auto m = decode(kProto, wrong_type, {good}, Side::kValue, options_);
  ASSERT_EQ(m.errors.size(), 1u);
  EXPECT_EQ(m.errors.errors()[0].message,
            "Failed to deserialise value: field A: cannot read Protobuf string as BOOLEAN");
  // A null record is a null row.
  auto n = decode(kProto, cols, {std::nullopt}, Side::kValue, options_);
  EXPECT_TRUE(n.errors.empty());
  EXPECT_EQ(row_text(n.batch, 0), "<null row>");
}

TEST_F(ProtobufFormatTest, RandomBytesNeverCrash) {
  std::vector<Column> cols = every_type();
  ColumnBatch b = batch_of(cols, {every_value()});
  auto records = encode(kProto, cols, b, Side::kValue, options_);
  auto nosr = encode(kNosr, cols, b, Side::kValue, FormatOptions{});
  ASSERT_TRUE(records[0] && nosr[0]);
  std::mt19937 rng(42);
  testing::Records inputs, bare;
  for (int i = 0; i < 3000; ++i) {
    std::string r = i % 2 ? *records[0] : *nosr[0];
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      size_t at = (i % 2 ? schema::kConfluentHeader : 0) + rng() % (r.size() - 5);
      switch (rng() % 3) {
        case 0:
          r[at] = static_cast<char>(rng());
          break;
        case 1:
          r.resize(at);
          break;
        default:
          r.insert(at, 1, static_cast<char>(rng()));
      }
      if (r.size() < 8) break;
    }
    (i % 2 ? inputs : bare).push_back(r);
    std::string noise(rng() % 40, '\0');
    for (char& c : noise) c = static_cast<char>(rng());
    bare.push_back(noise);
  }
  auto d = decode(kProto, cols, inputs, Side::kValue, options_);
  auto dn = decode(kNosr, cols, bare, Side::kValue, FormatOptions{});
  EXPECT_LT(d.errors.size() + dn.errors.size(), inputs.size() + bare.size());
  // Rows that decoded can be read.
  for (size_t r = 0; r < inputs.size(); ++r) (void)row_text(d.batch, r);
  for (size_t r = 0; r < bare.size(); ++r) (void)row_text(dn.batch, r);
}

TEST_F(ProtobufFormatTest, NullElementsCannotBeWritten) {
  std::vector<Column> cols = {{"ARR", Type::array(Type::integer())},
                              {"M", Type::map(Type::string(), Type::integer())}};
  ColumnBatch b = batch_of(
      cols, {{Value::array(Type::integer(), {Value::integer(1), Value::null(Type::integer())}),
              Value::map(Type::string(), Type::integer(), {})},
             {Value::array(Type::integer(), {}),
              Value::map(Type::string(), Type::integer(),
                         {{Value::string("k"), Value::null(Type::integer())}})}});
  auto enc = kNosr.make_encoder(cols, Side::kValue, FormatOptions{});
  ASSERT_TRUE(enc.is_ok());
  EncodedRecords out;
  ASSERT_TRUE((*enc)->encode(b, testing::all_columns(2), out).is_ok());
  ASSERT_EQ(out.errors().size(), 1u);
  EXPECT_EQ(out.errors()[0].message,
            "Failed to serialise value: field ARR: a NULL element cannot be written to a repeated "
            "field");
  // A NULL map value is an entry without a value: the default.
  auto d = decode(kNosr, cols, {std::string(out.record(1).view())}, Side::kValue, FormatOptions{});
  ASSERT_TRUE(d.errors.empty());
  EXPECT_EQ(row_text(d.batch, 0), "[]|{k=0}");
}

}  // namespace
}  // namespace sluice::format
