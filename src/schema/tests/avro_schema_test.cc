// Avro schemas: parsing and validation, Parsing Canonical Form (expected forms written by hand
// from the specification's rules), and schema-resolution compatibility with the registry's
// message texts.
#include "schema/avro_schema.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace sluice::schema {
namespace {

using Strings = std::vector<std::string>;

// The parse error message, or "OK" when the schema parses.
std::string parse_error(std::string_view json) {
  auto r = AvroSchema::parse(json);
  if (r.is_ok()) return "OK";
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  return r.status().message();
}

std::string canonical(std::string_view json) {
  auto r = AvroSchema::parse(json);
  return r.is_ok() ? r->canonical() : "PARSE ERROR: " + r.status().message();
}

Strings incompatibilities(std::string_view reader, std::string_view writer) {
  auto r = AvroSchema::parse(reader);
  auto w = AvroSchema::parse(writer);
  if (!r.is_ok()) return {"READER PARSE ERROR: " + r.status().message()};
  if (!w.is_ok()) return {"WRITER PARSE ERROR: " + w.status().message()};
  return avro_incompatibilities(*r, *w);
}

bool compatible(std::string_view reader, std::string_view writer) {
  return incompatibilities(reader, writer).empty();
}

// The errorType of each message.
Strings error_types(const Strings& messages) {
  Strings out;
  for (const auto& m : messages) {
    const auto start = m.find("errorType:'");
    if (start == std::string::npos) {
      out.push_back(m);
      continue;
    }
    const auto from = start + 11;
    out.push_back(m.substr(from, m.find('\'', from) - from));
  }
  return out;
}

// A record "R" with the given fields JSON.
std::string record(std::string_view fields, std::string_view extra = "") {
  return std::string(R"({"type":"record","name":"R",)") + std::string(extra) + R"("fields":[)" +
         std::string(fields) + "]}";
}

// ----------------------------------------------------------------------------------------------
// Parsing

TEST(AvroParse, PrimitivesAsNamesAndObjects) {
  const std::vector<std::pair<std::string, AvroType>> cases = {
      {"null", AvroType::kNull},   {"boolean", AvroType::kBoolean}, {"int", AvroType::kInt},
      {"long", AvroType::kLong},   {"float", AvroType::kFloat},     {"double", AvroType::kDouble},
      {"bytes", AvroType::kBytes}, {"string", AvroType::kString},
  };
  for (const auto& [name, type] : cases) {
    auto a = AvroSchema::parse("\"" + name + "\"");
    ASSERT_TRUE(a.is_ok()) << name << ": " << a.status().to_string();
    EXPECT_EQ(a->root().type, type) << name;
    EXPECT_EQ(a->canonical(), "\"" + name + "\"");
    auto b = AvroSchema::parse(R"({"type":")" + name + "\"}");
    ASSERT_TRUE(b.is_ok()) << name << ": " << b.status().to_string();
    EXPECT_EQ(b->root().type, type) << name;
    EXPECT_EQ(b->canonical(), "\"" + name + "\"");
  }
}

TEST(AvroParse, LogicalTypeIsKept) {
  auto s = AvroSchema::parse(R"({"type":"int","logicalType":"date"})");
  ASSERT_TRUE(s.is_ok()) << s.status().to_string();
  EXPECT_EQ(s->root().type, AvroType::kInt);
  EXPECT_EQ(s->root().logical_type, "date");
  auto d = AvroSchema::parse(
      R"({"type":"fixed","name":"D","size":8,"logicalType":"decimal","precision":10,"scale":2})");
  ASSERT_TRUE(d.is_ok()) << d.status().to_string();
  EXPECT_EQ(d->root().logical_type, "decimal");
  EXPECT_EQ(d->root().size, 8);
}

TEST(AvroParse, RecordWithFieldAttributes) {
  auto s = AvroSchema::parse(R"({
    "type": "record", "name": "User", "namespace": "com.example", "doc": "a user",
    "aliases": ["Person", "org.old.Human"],
    "fields": [
      {"name": "id", "type": "long", "order": "descending", "doc": "the id"},
      {"name": "name", "type": "string", "default": "anon", "aliases": ["full_name"]},
      {"name": "email", "type": ["null", "string"], "default": null, "order": "ignore"}
    ]})");
  ASSERT_TRUE(s.is_ok()) << s.status().to_string();
  const auto& root = s->root();
  EXPECT_EQ(root.type, AvroType::kRecord);
  EXPECT_EQ(root.full_name, "com.example.User");
  EXPECT_EQ(root.aliases, (Strings{"com.example.Person", "org.old.Human"}));
  ASSERT_EQ(root.fields.size(), 3u);
  EXPECT_EQ(root.fields[0].name, "id");
  EXPECT_EQ(root.fields[0].type->type, AvroType::kLong);
  EXPECT_FALSE(root.fields[0].default_json.has_value());
  EXPECT_EQ(root.fields[1].default_json, "\"anon\"");
  EXPECT_EQ(root.fields[1].aliases, Strings{"full_name"});
  EXPECT_EQ(root.fields[2].default_json, "null");
  ASSERT_EQ(root.fields[2].type->type, AvroType::kUnion);
  ASSERT_EQ(root.fields[2].type->branches.size(), 2u);
  EXPECT_EQ(root.fields[2].type->branches[0]->type, AvroType::kNull);
  EXPECT_EQ(root.fields[2].type->branches[1]->type, AvroType::kString);
}

TEST(AvroParse, EnumFixedArrayMap) {
  auto s = AvroSchema::parse(R"({"type":"record","name":"R","fields":[
    {"name":"e","type":{"type":"enum","name":"Suit","symbols":["SPADES","HEARTS"],"default":"HEARTS"}},
    {"name":"f","type":{"type":"fixed","name":"Md5","size":16}},
    {"name":"a","type":{"type":"array","items":"Suit"}},
    {"name":"m","type":{"type":"map","values":{"type":"array","items":"long"}}}]})");
  ASSERT_TRUE(s.is_ok()) << s.status().to_string();
  const auto& f = s->root().fields;
  ASSERT_EQ(f.size(), 4u);
  EXPECT_EQ(f[0].type->type, AvroType::kEnum);
  EXPECT_EQ(f[0].type->symbols, (Strings{"SPADES", "HEARTS"}));
  EXPECT_EQ(f[0].type->enum_default, "HEARTS");
  EXPECT_EQ(f[1].type->type, AvroType::kFixed);
  EXPECT_EQ(f[1].type->size, 16);
  EXPECT_EQ(f[2].type->type, AvroType::kArray);
  EXPECT_EQ(f[2].type->items, f[0].type);  // the reference is the defining node
  EXPECT_EQ(f[3].type->type, AvroType::kMap);
  EXPECT_EQ(f[3].type->values->type, AvroType::kArray);
  EXPECT_EQ(f[3].type->values->items->type, AvroType::kLong);
}

TEST(AvroParse, TopLevelUnion) {
  auto s = AvroSchema::parse(R"(["null", "int", {"type":"array","items":"int"},
                                {"type":"map","values":"int"}, {"type":"fixed","name":"A","size":1},
                                {"type":"fixed","name":"B","size":1}])");
  ASSERT_TRUE(s.is_ok()) << s.status().to_string();
  EXPECT_EQ(s->root().type, AvroType::kUnion);
  EXPECT_EQ(s->root().branches.size(), 6u);
  EXPECT_EQ(parse_error("[]"), "OK");
}

TEST(AvroParse, NamespacesAndReferences) {
  auto s = AvroSchema::parse(R"({"type":"record","name":"Outer","namespace":"a.b","fields":[
    {"name":"inner","type":{"type":"record","name":"Inner","fields":[]}},
    {"name":"other","type":{"type":"enum","name":"E","namespace":"x","symbols":["A"]}},
    {"name":"dotted","type":{"type":"fixed","name":"y.F","namespace":"ignored","size":2}},
    {"name":"nulls","type":{"type":"record","name":"N","namespace":"","fields":[
      {"name":"back","type":"a.b.Inner"}]}},
    {"name":"by_short","type":"Inner"},
    {"name":"by_full","type":"x.E"},
    {"name":"obj_ref","type":{"type":"y.F"}}]})");
  ASSERT_TRUE(s.is_ok()) << s.status().to_string();
  const auto& f = s->root().fields;
  EXPECT_EQ(s->root().full_name, "a.b.Outer");
  EXPECT_EQ(f[0].type->full_name, "a.b.Inner");  // inherited from the enclosing record
  EXPECT_EQ(f[1].type->full_name, "x.E");
  EXPECT_EQ(f[2].type->full_name, "y.F");  // a dotted name is already full
  EXPECT_EQ(f[3].type->full_name, "N");    // "" is the null namespace
  EXPECT_EQ(f[3].type->fields[0].type, f[0].type);
  EXPECT_EQ(f[4].type, f[0].type);
  EXPECT_EQ(f[5].type, f[1].type);
  EXPECT_EQ(f[6].type, f[2].type);
}

TEST(AvroParse, RecursiveRecord) {
  auto s = AvroSchema::parse(R"({"type":"record","name":"List","namespace":"ll","fields":[
    {"name":"value","type":"int"},
    {"name":"next","type":["null","List"],"default":null},
    {"name":"children","type":{"type":"array","items":"ll.List"},"default":[]}]})");
  ASSERT_TRUE(s.is_ok()) << s.status().to_string();
  const auto& root = s->root();
  EXPECT_EQ(root.fields[1].type->branches[1], &root);
  EXPECT_EQ(root.fields[2].type->items, &root);
  EXPECT_EQ(s->canonical(),
            R"({"name":"ll.List","type":"record","fields":[{"name":"value","type":"int"},)"
            R"({"name":"next","type":["null","ll.List"]},)"
            R"({"name":"children","type":{"type":"array","items":"ll.List"}}]})");
}

TEST(AvroParse, SchemasCanBeCopiedAndOutliveTheirSource) {
  AvroSchema copy = *AvroSchema::parse(R"({"type":"record","name":"R","fields":[
    {"name":"a","type":{"type":"enum","name":"E","symbols":["X"]}},{"name":"b","type":"E"}]})");
  EXPECT_EQ(copy.root().fields[1].type->symbols, Strings{"X"});
  EXPECT_EQ(copy.canonical(),
            R"({"name":"R","type":"record","fields":[{"name":"a","type":)"
            R"({"name":"E","type":"enum","symbols":["X"]}},{"name":"b","type":"E"}]})");
}

// ----------------------------------------------------------------------------------------------
// Validation errors

TEST(AvroParseErrors, InvalidJson) {
  EXPECT_EQ(parse_error(R"({"type":"int")"), "the schema is not valid JSON");
  EXPECT_EQ(parse_error("int"), "the schema is not valid JSON");
  EXPECT_EQ(parse_error(""), "the schema is not valid JSON");
  EXPECT_NE(parse_error("42"), "OK");
  EXPECT_NE(parse_error("null"), "OK");
}

TEST(AvroParseErrors, UnknownTypeName) {
  EXPECT_EQ(parse_error(R"("integer")"), "unknown type name 'integer'");
  EXPECT_EQ(parse_error(R"({"type":"Foo"})"), "unknown type name 'Foo'");
  EXPECT_EQ(parse_error(record(R"({"name":"f","type":"Nope"})")),
            "field 'f' of record 'R': unknown type name 'Nope'");
  // Named types must be defined before use, and "record" alone is not a schema.
  EXPECT_EQ(parse_error(R"(["Later", {"type":"fixed","name":"Later","size":1}])"),
            "unknown type name 'Later'");
  EXPECT_EQ(parse_error(R"("record")"), "unknown type name 'record'");
  // A short name resolves in the current namespace, then the null namespace; not elsewhere.
  EXPECT_EQ(parse_error(R"({"type":"record","name":"R","namespace":"n","fields":[
      {"name":"a","type":{"type":"fixed","name":"F","namespace":"other","size":1}},
      {"name":"b","type":"F"}]})"),
            "field 'b' of record 'n.R': unknown type name 'F'");
  EXPECT_EQ(parse_error(R"({"type":"record","name":"R","namespace":"n","fields":[
      {"name":"a","type":{"type":"fixed","name":"F","namespace":"","size":1}},
      {"name":"b","type":"F"}]})"),
            "OK");
}

TEST(AvroParseErrors, MissingOrInvalidType) {
  EXPECT_EQ(parse_error(R"({"name":"x"})"), R"(schema {"name":"x"} has no 'type')");
  EXPECT_EQ(parse_error(R"({"type":{"type":"int"}})"),
            R"(the 'type' of schema {"type":{"type":"int"}} is not a string)");
  EXPECT_EQ(parse_error(R"({"type":"array"})"), "array schema has no 'items'");
  EXPECT_EQ(parse_error(R"({"type":"map"})"), "map schema has no 'values'");
  EXPECT_EQ(parse_error(record(R"({"name":"f"})")), "field 'f' of record 'R' has no 'type'");
}

TEST(AvroParseErrors, MissingOrInvalidNames) {
  EXPECT_EQ(parse_error(R"({"type":"record","fields":[]})"), "record schema has no 'name' string");
  EXPECT_EQ(parse_error(R"({"type":"enum","name":7,"symbols":[]})"),
            "enum schema has no 'name' string");
  EXPECT_EQ(parse_error(R"({"type":"record","name":"1abc","fields":[]})"), "invalid name '1abc'");
  EXPECT_EQ(parse_error(R"({"type":"record","name":"a-b","fields":[]})"), "invalid name 'a-b'");
  EXPECT_EQ(parse_error(R"({"type":"record","name":"","fields":[]})"), "invalid name ''");
  EXPECT_EQ(parse_error(R"({"type":"record","name":"a..b","fields":[]})"), "invalid name 'a..b'");
  EXPECT_EQ(parse_error(R"({"type":"record","name":"R","namespace":"9x","fields":[]})"),
            "invalid namespace '9x'");
  EXPECT_EQ(parse_error(R"({"type":"fixed","name":"int","size":1})"),
            "a fixed may not be named after the primitive type 'int'");
  EXPECT_EQ(parse_error(record(R"({"name":"bad name","type":"int"})")),
            R"(record 'R' has a field with an invalid name "bad name")");
  EXPECT_EQ(parse_error(record(R"({"type":"int"})")), "record 'R' has a field without a name");
  EXPECT_EQ(parse_error(R"({"type":"enum","name":"E","symbols":["ok","not ok"]})"),
            R"(enum 'E' has an invalid symbol "not ok")");
  EXPECT_EQ(parse_error(R"({"type":"record","name":"R","aliases":["a b"],"fields":[]})"),
            R"('R' has an invalid alias "a b")");
  EXPECT_EQ(parse_error(record(R"({"name":"f","type":"int","aliases":["x.y"]})")),
            R"(field 'f' of record 'R' has an invalid alias "x.y")");
}

TEST(AvroParseErrors, Duplicates) {
  EXPECT_EQ(parse_error(record(R"({"name":"a","type":{"type":"fixed","name":"F","size":1}},
                                  {"name":"b","type":{"type":"fixed","name":"F","size":2}})")),
            "field 'b' of record 'R': named type 'F' is defined more than once");
  EXPECT_EQ(parse_error(record(R"({"name":"a","type":"R"})")), "OK");  // a recursive reference
  EXPECT_EQ(parse_error(record(R"({"name":"a","type":"int"},{"name":"a","type":"long"})")),
            "record 'R' has more than one field named 'a'");
  EXPECT_EQ(parse_error(R"({"type":"enum","name":"E","symbols":["A","B","A"]})"),
            "enum 'E' has the symbol 'A' more than once");
}

TEST(AvroParseErrors, Unions) {
  EXPECT_EQ(parse_error(R"(["int","string","int"])"), "union contains type 'int' more than once");
  EXPECT_EQ(parse_error(R"([{"type":"array","items":"int"},{"type":"array","items":"long"}])"),
            "union contains type 'array' more than once");
  EXPECT_EQ(parse_error(R"([{"type":"map","values":"int"},{"type":"map","values":"long"}])"),
            "union contains type 'map' more than once");
  EXPECT_EQ(parse_error(R"([{"type":"fixed","name":"F","size":1},"F"])"),
            "union contains type 'F' more than once");
  EXPECT_EQ(parse_error(R"(["null",["int","string"]])"),
            "a union may not immediately contain another union");
  // Different named types of the same kind are fine.
  EXPECT_EQ(parse_error(R"([{"type":"enum","name":"A","symbols":["X"]},
                            {"type":"enum","name":"B","symbols":["X"]}])"),
            "OK");
}

TEST(AvroParseErrors, FixedSize) {
  const std::string expected = "fixed 'F' needs a positive integer 'size'";
  EXPECT_EQ(parse_error(R"({"type":"fixed","name":"F"})"), expected);
  EXPECT_EQ(parse_error(R"({"type":"fixed","name":"F","size":0})"), expected);
  EXPECT_EQ(parse_error(R"({"type":"fixed","name":"F","size":-3})"), expected);
  EXPECT_EQ(parse_error(R"({"type":"fixed","name":"F","size":1.5})"), expected);
  EXPECT_EQ(parse_error(R"({"type":"fixed","name":"F","size":"16"})"), expected);
  EXPECT_EQ(parse_error(R"({"type":"fixed","name":"F","size":4294967296})"), expected);
  EXPECT_EQ(parse_error(R"({"type":"fixed","name":"F","size":1})"), "OK");
}

TEST(AvroParseErrors, StructureOfRecordsAndEnums) {
  EXPECT_EQ(parse_error(R"({"type":"record","name":"R"})"), "record 'R' has no 'fields' array");
  EXPECT_EQ(parse_error(R"({"type":"record","name":"R","fields":{}})"),
            "record 'R' has no 'fields' array");
  EXPECT_EQ(parse_error(R"({"type":"record","name":"R","fields":[1]})"),
            "record 'R' has a field that is not an object");
  EXPECT_EQ(parse_error(R"({"type":"enum","name":"E"})"), "enum 'E' has no 'symbols' array");
  EXPECT_EQ(parse_error(R"({"type":"enum","name":"E","symbols":["A"],"default":"B"})"),
            R"(the default "B" of enum 'E' is not one of its symbols)");
  EXPECT_EQ(parse_error(record(R"({"name":"f","type":"int","order":"up"})")),
            R"(field 'f' of record 'R' has an invalid order "up")");
}

TEST(AvroParseErrors, MessagesQuoteLongValuesShortened) {
  const std::string long_name(200, 'x');
  EXPECT_EQ(parse_error(R"({"name":")" + long_name + R"("})"),
            R"(schema {"name":")" + std::string(71, 'x') + "... has no 'type'");
  // Not cut inside a UTF-8 character: byte 80 would fall inside the first two-byte "é".
  EXPECT_EQ(parse_error(R"({"doc":")" + std::string(71, 'x') + "\u00e9\u00e9" + R"("})"),
            R"(schema {"doc":")" + std::string(71, 'x') + "... has no 'type'");
}

TEST(AvroParseErrors, TooDeep) {
  std::string deep;
  for (int i = 0; i < 1000; ++i) deep += R"({"type":"array","items":)";
  deep += R"("int")";
  for (int i = 0; i < 1000; ++i) deep += "}";
  EXPECT_EQ(parse_error(deep), "schema is nested too deeply");
}

// ----------------------------------------------------------------------------------------------
// Field defaults

// "OK" or the error for a record with one field of `type` whose default is `value`.
std::string default_error(std::string_view type, std::string_view value) {
  return parse_error(record(std::string(R"({"name":"f","type":)") + std::string(type) +
                            R"(,"default":)" + std::string(value) + "}"));
}

TEST(AvroDefaults, ValidDefaults) {
  EXPECT_EQ(default_error(R"("null")", "null"), "OK");
  EXPECT_EQ(default_error(R"("boolean")", "false"), "OK");
  EXPECT_EQ(default_error(R"("int")", "-2147483648"), "OK");
  EXPECT_EQ(default_error(R"("long")", "9223372036854775807"), "OK");
  EXPECT_EQ(default_error(R"("float")", "1"), "OK");
  EXPECT_EQ(default_error(R"("double")", "2.5e10"), "OK");
  EXPECT_EQ(default_error(R"("bytes")", R"("\u00ff")"), "OK");
  EXPECT_EQ(default_error(R"("string")", R"("")"), "OK");
  EXPECT_EQ(default_error(R"({"type":"fixed","name":"F","size":2})", R"("ab")"), "OK");
  EXPECT_EQ(default_error(R"({"type":"enum","name":"E","symbols":["A","B"]})", R"("B")"), "OK");
  EXPECT_EQ(default_error(R"({"type":"array","items":"int"})", "[1,2,3]"), "OK");
  EXPECT_EQ(default_error(R"({"type":"map","values":"string"})", R"({"a":"x"})"), "OK");
  EXPECT_EQ(default_error(R"(["null","string"])", "null"), "OK");
  EXPECT_EQ(default_error(R"(["string","null"])", R"("x")"), "OK");
  EXPECT_EQ(default_error(R"({"type":"int","logicalType":"date"})", "0"), "OK");
  // A record default: fields left out must have defaults of their own.
  EXPECT_EQ(default_error(R"({"type":"record","name":"P","fields":[{"name":"x","type":"int"},
                             {"name":"y","type":"int","default":0}]})",
                          R"({"x":1})"),
            "OK");
}

TEST(AvroDefaults, InvalidDefaults) {
  EXPECT_EQ(default_error(R"("int")", R"("1")"),
            R"(the default "1" of field 'f' of record 'R' is not a valid int)");
  EXPECT_EQ(default_error(R"("int")", "1.5"),
            "the default 1.5 of field 'f' of record 'R' is not a valid int");
  EXPECT_NE(default_error(R"("int")", "2147483648"), "OK");
  EXPECT_NE(default_error(R"("long")", "9223372036854775808"), "OK");
  EXPECT_NE(default_error(R"("long")", "1.0"), "OK");
  EXPECT_NE(default_error(R"("double")", R"("NaN")"), "OK");
  EXPECT_NE(default_error(R"("null")", "0"), "OK");
  EXPECT_NE(default_error(R"("boolean")", "0"), "OK");
  EXPECT_NE(default_error(R"("string")", "null"), "OK");
  EXPECT_NE(default_error(R"("bytes")", "[1]"), "OK");
  EXPECT_NE(default_error(R"({"type":"fixed","name":"F","size":2})", "12"), "OK");
  EXPECT_NE(default_error(R"({"type":"enum","name":"E","symbols":["A"]})", R"("C")"), "OK");
  EXPECT_NE(default_error(R"({"type":"array","items":"int"})", R"([1,"2"])"), "OK");
  EXPECT_NE(default_error(R"({"type":"array","items":"int"})", "{}"), "OK");
  EXPECT_NE(default_error(R"({"type":"map","values":"int"})", R"({"a":"x"})"), "OK");
  EXPECT_NE(default_error(R"({"type":"map","values":"int"})", "[]"), "OK");
  EXPECT_EQ(default_error(R"(["null","string"])", R"("x")"),
            R"(the default "x" of field 'f' of record 'R' is not a valid null )"
            "(a union's default must match its first type)");
  EXPECT_NE(default_error(R"(["string","null"])", "null"), "OK");
  EXPECT_NE(
      default_error(R"({"type":"record","name":"P","fields":[{"name":"x","type":"int"}]})", "{}"),
      "OK");
  EXPECT_NE(default_error(R"({"type":"record","name":"P","fields":[{"name":"x","type":"int"}]})",
                          R"({"x":"1"})"),
            "OK");
}

TEST(AvroDefaults, RecursiveRecordDefaultTerminates) {
  // The field's default refers to the record itself; validating must not loop.
  EXPECT_EQ(parse_error(R"({"type":"record","name":"T","fields":[
      {"name":"v","type":"int","default":0},
      {"name":"kids","type":{"type":"array","items":"T"},"default":[{"v":1,"kids":[{}]}]}]})"),
            "OK");
  EXPECT_NE(parse_error(R"({"type":"record","name":"T","fields":[
      {"name":"v","type":"int"},
      {"name":"kids","type":{"type":"array","items":"T"},"default":[{"kids":[]}]}]})"),
            "OK");
}

// ----------------------------------------------------------------------------------------------
// Parsing Canonical Form

TEST(AvroCanonical, SpecExampleStripsAndQualifies) {
  EXPECT_EQ(
      canonical(
          R"({"type":"record","name":"R","namespace":"a.b","fields":[{"name":"f","type":{"type":"int"},"doc":"x"}]})"),
      R"({"name":"a.b.R","type":"record","fields":[{"name":"f","type":"int"}]})");
}

TEST(AvroCanonical, WhitespaceAndAttributeOrderDoNotMatter) {
  const std::string expected =
      R"({"name":"n.R","type":"record","fields":[{"name":"a","type":"long"},)"
      R"({"name":"b","type":{"type":"array","items":"string"}}]})";
  EXPECT_EQ(canonical(R"(
    { "fields" : [ { "type" : "long", "name" : "a", "default" : 5, "order" : "ignore" },
                   { "name" : "b", "aliases" : ["c"],
                     "type" : { "items" : "string", "type" : "array" } } ],
      "namespace" : "n", "type" : "record", "name" : "R", "doc" : "d", "aliases" : ["Q"] })"),
            expected);
  EXPECT_EQ(canonical(R"({"type":"record","name":"n.R","fields":[{"name":"a","type":"long"},
                         {"name":"b","type":{"type":"array","items":{"type":"string"}}}]})"),
            expected);
}

TEST(AvroCanonical, NamedTypesWrittenOnceThenByFullName) {
  EXPECT_EQ(canonical(R"({"type":"record","name":"Pair","namespace":"p","fields":[
      {"name":"left","type":{"type":"record","name":"Point","fields":[
        {"name":"x","type":"double"},{"name":"y","type":"double"}]}},
      {"name":"right","type":"Point"},
      {"name":"more","type":{"type":"map","values":"p.Point"}}]})"),
            R"({"name":"p.Pair","type":"record","fields":[)"
            R"({"name":"left","type":{"name":"p.Point","type":"record","fields":[)"
            R"({"name":"x","type":"double"},{"name":"y","type":"double"}]}},)"
            R"({"name":"right","type":"p.Point"},)"
            R"({"name":"more","type":{"type":"map","values":"p.Point"}}]})");
}

TEST(AvroCanonical, UnionsEnumsFixedMapsArrays) {
  EXPECT_EQ(canonical(R"(["null", {"type":"string"}, {"type":"enum","name":"E","namespace":"x",
                           "symbols":["A","B"],"default":"A","doc":"d"}])"),
            R"(["null","string",{"name":"x.E","type":"enum","symbols":["A","B"]}])");
  // [INTEGERS]: JSON itself forbids leading zeros, so the size is always written plainly.
  EXPECT_EQ(canonical(R"({"type":"fixed","size":016,"name":"F"})"),
            "PARSE ERROR: the schema is not valid JSON");
  EXPECT_EQ(canonical(R"({"size":16,"type":"fixed","name":"F","namespace":"n","aliases":["G"]})"),
            R"({"name":"n.F","type":"fixed","size":16})");
  EXPECT_EQ(canonical(R"({"type":"map","values":{"type":"array","items":["int","null"]}})"),
            R"({"type":"map","values":{"type":"array","items":["int","null"]}})");
}

TEST(AvroCanonical, LogicalTypesStripped) {
  EXPECT_EQ(canonical(R"({"type":"long","logicalType":"timestamp-millis"})"), R"("long")");
  EXPECT_EQ(canonical(R"({"type":"bytes","logicalType":"decimal","precision":4,"scale":2})"),
            R"("bytes")");
  EXPECT_EQ(canonical(R"({"type":"fixed","name":"D","size":4,"logicalType":"decimal",
                          "precision":4})"),
            R"({"name":"D","type":"fixed","size":4})");
  EXPECT_EQ(canonical(record(R"({"name":"u","type":{"type":"string","logicalType":"uuid"}})")),
            R"({"name":"R","type":"record","fields":[{"name":"u","type":"string"}]})");
}

// ----------------------------------------------------------------------------------------------
// Compatibility (schema resolution)

TEST(AvroCompat, IdenticalAndPromotions) {
  EXPECT_TRUE(compatible(R"("string")", R"("string")"));
  EXPECT_TRUE(compatible(R"("long")", R"("int")"));
  EXPECT_TRUE(compatible(R"("float")", R"("int")"));
  EXPECT_TRUE(compatible(R"("double")", R"("int")"));
  EXPECT_TRUE(compatible(R"("float")", R"("long")"));
  EXPECT_TRUE(compatible(R"("double")", R"("long")"));
  EXPECT_TRUE(compatible(R"("double")", R"("float")"));
  EXPECT_TRUE(compatible(R"("bytes")", R"("string")"));
  EXPECT_TRUE(compatible(R"("string")", R"("bytes")"));
  EXPECT_TRUE(compatible(R"({"type":"int","logicalType":"date"})", R"("int")"));

  EXPECT_EQ(error_types(incompatibilities(R"("int")", R"("long")")), Strings{"TYPE_MISMATCH"});
  EXPECT_FALSE(compatible(R"("long")", R"("float")"));
  EXPECT_FALSE(compatible(R"("float")", R"("double")"));
  EXPECT_FALSE(compatible(R"("int")", R"("string")"));
  EXPECT_FALSE(compatible(R"("boolean")", R"("int")"));
  EXPECT_FALSE(compatible(R"("null")", R"("string")"));
}

TEST(AvroCompat, TypeMismatchMessageText) {
  EXPECT_EQ(incompatibilities(record(R"({"name":"a","type":"string"})"),
                              record(R"({"name":"a","type":"int"})")),
            Strings{"{errorType:'TYPE_MISMATCH', description:'The type (path '/fields/0/type') of "
                    "a field in the new schema does not match with the old schema', "
                    "additionalInfo:'reader type: STRING not compatible with writer type: INT'}"});
  EXPECT_EQ(incompatibilities(R"({"type":"array","items":"int"})", R"("string")"),
            Strings{"{errorType:'TYPE_MISMATCH', description:'The type (path '/') of a field in "
                    "the new schema does not match with the old schema', additionalInfo:'reader "
                    "type: ARRAY not compatible with writer type: STRING'}"});
}

TEST(AvroCompat, AddedFieldNeedsDefault) {
  const std::string old_schema = record(R"({"name":"a","type":"int"})");
  EXPECT_TRUE(compatible(record(R"({"name":"a","type":"int"},{"name":"b","type":"string",
                                   "default":"x"})"),
                         old_schema));
  EXPECT_EQ(incompatibilities(record(R"({"name":"a","type":"int"},{"name":"b","type":"string"})"),
                              old_schema),
            Strings{"{errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'The field 'b' "
                    "at path '/fields/1' in the new schema has no default value and is missing in "
                    "the old schema', additionalInfo:'b'}"});
  // A null default counts as a default.
  EXPECT_TRUE(compatible(
      record(R"({"name":"a","type":"int"},{"name":"b","type":["null","int"],"default":null})"),
      old_schema));
}

TEST(AvroCompat, RemovedFieldIsIgnored) {
  EXPECT_TRUE(compatible(record(R"({"name":"a","type":"int"})"),
                         record(R"({"name":"a","type":"int"},{"name":"gone","type":"string"})")));
  // ...but the other direction needs a default for the field the reader expects.
  EXPECT_EQ(error_types(incompatibilities(
                record(R"({"name":"a","type":"int"},{"name":"gone","type":"string"})"),
                record(R"({"name":"a","type":"int"})"))),
            Strings{"READER_FIELD_MISSING_DEFAULT_VALUE"});
}

TEST(AvroCompat, RenamedFieldViaAliases) {
  const std::string writer = record(R"({"name":"old_name","type":"long"})");
  EXPECT_EQ(error_types(incompatibilities(record(R"({"name":"new_name","type":"long"})"), writer)),
            Strings{"READER_FIELD_MISSING_DEFAULT_VALUE"});
  EXPECT_TRUE(compatible(
      record(R"({"name":"new_name","type":"long","aliases":["something","old_name"]})"), writer));
  // The alias finds the field, whose type must still resolve.
  EXPECT_EQ(error_types(incompatibilities(
                record(R"({"name":"new_name","type":"int","aliases":["old_name"]})"), writer)),
            Strings{"TYPE_MISMATCH"});
}

TEST(AvroCompat, EnumSymbols) {
  const auto e = [](std::string_view symbols, std::string_view extra = "") {
    return std::string(R"({"type":"enum","name":"E","symbols":)") + std::string(symbols) +
           std::string(extra) + "}";
  };
  EXPECT_TRUE(compatible(e(R"(["A","B","C"])"), e(R"(["A","B"])")));  // symbol added
  EXPECT_EQ(incompatibilities(e(R"(["A"])"), e(R"(["C","A","B"])")),
            Strings{"{errorType:'MISSING_ENUM_SYMBOLS', description:'The new schema is missing "
                    "enum symbols '[C, B]' at path '/symbols' in the old schema', "
                    "additionalInfo:'[C, B]'}"});
  // A reader default absorbs unknown symbols.
  EXPECT_TRUE(compatible(e(R"(["A","Z"])", R"(,"default":"Z")"), e(R"(["A","B"])")));
  EXPECT_EQ(error_types(incompatibilities(R"({"type":"enum","name":"Other","symbols":["A"]})",
                                          e(R"(["A"])"))),
            Strings{"NAME_MISMATCH"});
}

TEST(AvroCompat, FixedSizeAndName) {
  EXPECT_TRUE(compatible(R"({"type":"fixed","name":"F","size":4})",
                         R"({"type":"fixed","name":"F","size":4})"));
  EXPECT_EQ(
      incompatibilities(record(R"({"name":"h","type":{"type":"fixed","name":"F","size":8}})"),
                        record(R"({"name":"h","type":{"type":"fixed","name":"F","size":4}})")),
      Strings{"{errorType:'FIXED_SIZE_MISMATCH', description:'The size of FIXED type field at "
              "path '/fields/0/type/size' in the new schema does not match with the old "
              "schema', additionalInfo:'expected: 4, found: 8'}"});
  EXPECT_EQ(incompatibilities(R"({"type":"fixed","name":"G","size":4})",
                              R"({"type":"fixed","name":"n.F","size":4})"),
            Strings{"{errorType:'NAME_MISMATCH', description:'The name of the schema has changed "
                    "(path '/name')', additionalInfo:'expected: n.F'}"});
}

TEST(AvroCompat, RecordNameChangeAndReaderAlias) {
  const std::string writer = R"({"type":"record","name":"Old","namespace":"n","fields":[
      {"name":"a","type":"int"}]})";
  EXPECT_EQ(error_types(incompatibilities(R"({"type":"record","name":"New","namespace":"n",
                                             "fields":[{"name":"a","type":"int"}]})",
                                          writer)),
            Strings{"NAME_MISMATCH"});
  EXPECT_TRUE(compatible(R"({"type":"record","name":"New","namespace":"n","aliases":["Old"],
                            "fields":[{"name":"a","type":"int"}]})",
                         writer));
  // Unqualified names compare, so moving a record to another namespace is fine.
  EXPECT_TRUE(compatible(
      R"({"type":"record","name":"Old","namespace":"m","fields":[{"name":"a","type":"int"}]})",
      writer));
  // A name change and a field problem are both reported, depth-first in reader order.
  EXPECT_EQ(error_types(incompatibilities(R"({"type":"record","name":"New","fields":[
                                             {"name":"a","type":"string"},{"name":"b","type":"int"}]})",
                                          writer)),
            (Strings{"NAME_MISMATCH", "TYPE_MISMATCH", "READER_FIELD_MISSING_DEFAULT_VALUE"}));
}

TEST(AvroCompat, ArraysAndMaps) {
  EXPECT_TRUE(
      compatible(R"({"type":"array","items":"long"})", R"({"type":"array","items":"int"})"));
  EXPECT_TRUE(
      compatible(R"({"type":"map","values":"double"})", R"({"type":"map","values":"float"})"));
  const Strings array_msgs =
      incompatibilities(R"({"type":"array","items":"int"})", R"({"type":"array","items":"long"})");
  ASSERT_EQ(array_msgs.size(), 1u);
  EXPECT_NE(array_msgs[0].find("(path '/items')"), std::string::npos) << array_msgs[0];
  const Strings map_msgs =
      incompatibilities(R"({"type":"map","values":"int"})", R"({"type":"map","values":"string"})");
  ASSERT_EQ(map_msgs.size(), 1u);
  EXPECT_NE(map_msgs[0].find("(path '/values')"), std::string::npos) << map_msgs[0];
  EXPECT_EQ(error_types(incompatibilities(R"({"type":"map","values":"int"})",
                                          R"({"type":"array","items":"int"})")),
            Strings{"TYPE_MISMATCH"});
}

TEST(AvroCompat, UnionWideningAndNarrowing) {
  // Widening the reader union is fine; the writer's union must be fully covered.
  EXPECT_TRUE(compatible(R"(["null","int","string"])", R"(["null","int"])"));
  EXPECT_TRUE(compatible(R"(["null","long"])", R"(["null","int"])"));  // via promotion
  EXPECT_EQ(incompatibilities(R"(["null","int"])", R"(["null","int","string"])"),
            Strings{"{errorType:'MISSING_UNION_BRANCH', description:'The new schema is missing a "
                    "type inside a union field at path '/2' in the old schema', "
                    "additionalInfo:'reader union lacking writer type: STRING'}"});
  // A non-union reader must read every writer branch.
  EXPECT_TRUE(compatible(R"("long")", R"(["int","long"])"));
  EXPECT_EQ(incompatibilities(record(R"({"name":"a","type":"string"})"),
                              record(R"({"name":"a","type":["null","string"]})")),
            Strings{"{errorType:'TYPE_MISMATCH', description:'The type (path '/fields/0/type') of "
                    "a field in the new schema does not match with the old schema', "
                    "additionalInfo:'reader type: STRING not compatible with writer type: NULL'}"});
}

TEST(AvroCompat, ReaderUnionWriterNonUnion) {
  EXPECT_TRUE(compatible(R"(["null","string"])", R"("string")"));
  EXPECT_TRUE(compatible(R"(["null","double"])", R"("int")"));
  EXPECT_TRUE(compatible(R"(["null",{"type":"fixed","name":"F","size":2}])",
                         R"({"type":"fixed","name":"F","size":2})"));
  EXPECT_EQ(incompatibilities(R"(["null","string"])", R"("int")"),
            Strings{"{errorType:'MISSING_UNION_BRANCH', description:'The new schema is missing a "
                    "type inside a union field at path '/' in the old schema', "
                    "additionalInfo:'reader union lacking writer type: INT'}"});
  // The branch chosen by name must also read the writer's data.
  EXPECT_EQ(error_types(incompatibilities(R"(["null",{"type":"fixed","name":"F","size":4}])",
                                          R"({"type":"fixed","name":"F","size":2})")),
            Strings{"MISSING_UNION_BRANCH"});
}

TEST(AvroCompat, RecursiveSchemas) {
  const std::string list = R"({"type":"record","name":"List","fields":[
      {"name":"value","type":"int"},{"name":"next","type":["null","List"]}]})";
  EXPECT_TRUE(compatible(list, list));
  // A widened value type in the recursive reader is still fine...
  EXPECT_TRUE(compatible(R"({"type":"record","name":"List","fields":[
      {"name":"value","type":"long"},{"name":"next","type":["null","List"]}]})",
                         list));
  // ...and a narrowed one is reported once, at the top level, without looping: the recursive
  // occurrence is the same (reader, writer) pair, assumed compatible when revisited.
  EXPECT_EQ(incompatibilities(list, R"({"type":"record","name":"List","fields":[
      {"name":"value","type":"long"},{"name":"next","type":["null","List"]}]})"),
            Strings{"{errorType:'TYPE_MISMATCH', description:'The type (path '/fields/0/type') of "
                    "a field in the new schema does not match with the old schema', "
                    "additionalInfo:'reader type: INT not compatible with writer type: LONG'}"});
  // Mutually recursive types, checked against themselves.
  const std::string tree = R"({"type":"record","name":"Tree","fields":[
      {"name":"kids","type":{"type":"array","items":{"type":"record","name":"Edge","fields":[
        {"name":"to","type":"Tree"},{"name":"w","type":"double"}]}}}]})";
  EXPECT_TRUE(compatible(tree, tree));
}

}  // namespace
}  // namespace sluice::schema
