// JSON Schema compatibility: each of Confluent's rules with a compatible and an incompatible
// change, checked in both directions (BACKWARD: the new schema reads; FORWARD: the old one does),
// the errorType names and paths, the message text, and the schemas ksqlDB and Confluent's
// serializers generate.
#include "schema/json_schema_compat.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::schema {
namespace {

using Strings = std::vector<std::string>;

// "ERROR_TYPE #/path" for each message (the path: the first '#/...' quoted in the description).
Strings diffs(std::string_view reader, std::string_view writer) {
  Strings out;
  for (const std::string& m : json_schema_incompatibilities(reader, writer)) {
    const std::string prefix = "{errorType:\"";
    if (!m.starts_with(prefix)) {
      out.push_back(m);
      continue;
    }
    const size_t end = m.find('"', prefix.size());
    std::string s = m.substr(prefix.size(), end - prefix.size());
    const size_t p = m.find("'#/");
    if (p != std::string::npos) s += " " + m.substr(p + 1, m.find('\'', p + 1) - p - 1);
    out.push_back(s);
  }
  return out;
}

// Old schema `before`, new schema `after`.
Strings backward(std::string_view before, std::string_view after) {
  return diffs(after, before);
}
Strings forward(std::string_view before, std::string_view after) {
  return diffs(before, after);
}

std::string object(std::string_view properties, std::string_view extra = "") {
  return "{\"type\":\"object\",\"properties\":{" + std::string(properties) + "}" +
         (extra.empty() ? "" : ",") + std::string(extra) + "}";
}

TEST(JsonSchemaCompat, IdenticalSchemasAreCompatible) {
  const std::string s = object(R"("a":{"type":"string"},"b":{"type":"integer"})");
  EXPECT_EQ(backward(s, s), Strings{});
  EXPECT_EQ(forward(s, s), Strings{});
  EXPECT_EQ(backward("true", "{}"), Strings{});
}

TEST(JsonSchemaCompat, TypeChanges) {
  EXPECT_EQ(backward(R"({"type":"string"})", R"({"type":"integer"})"), Strings{"TYPE_CHANGED #/"});
  EXPECT_EQ(forward(R"({"type":"string"})", R"({"type":"integer"})"), Strings{"TYPE_CHANGED #/"});
  // integer -> number widens; number -> integer narrows.
  EXPECT_EQ(backward(R"({"type":"integer"})", R"({"type":"number"})"), Strings{});
  EXPECT_EQ(forward(R"({"type":"integer"})", R"({"type":"number"})"), Strings{"TYPE_NARROWED #/"});
  // A reader taking anything reads all; nothing written (false) is read by all.
  EXPECT_EQ(backward(R"({"type":"string"})", "{}"), Strings{});
  EXPECT_EQ(forward(R"({"type":"string"})", "{}"), Strings{"TYPE_CHANGED #/"});
  EXPECT_EQ(backward("false", R"({"type":"string"})"), Strings{});
  // Nested, with the path.
  EXPECT_EQ(backward(object(R"("a":{"type":"boolean"})"), object(R"("a":{"type":"string"})")),
            Strings{"TYPE_CHANGED #/properties/a"});
}

TEST(JsonSchemaCompat, OpenContentModel) {
  const std::string before = object(R"("a":{"type":"string"})");
  const std::string after = object(R"("a":{"type":"string"},"b":{"type":"string"})");
  // The old writer may have put anything under "b".
  EXPECT_EQ(backward(before, after),
            Strings{"PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL #/properties/b"});
  // Removed from an open model: read as an additional property.
  EXPECT_EQ(forward(before, after), Strings{});
  // Added with an empty schema: anything reads.
  EXPECT_EQ(backward(before, object(R"("a":{"type":"string"},"b":{})")), Strings{});
}

TEST(JsonSchemaCompat, ClosedContentModel) {
  const std::string before =
      object(R"("a":{"type":"string"},"b":{"type":"string"})", R"("additionalProperties":false)");
  const std::string removed = object(R"("a":{"type":"string"})", R"("additionalProperties":false)");
  EXPECT_EQ(backward(before, removed),
            Strings{"PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL #/properties/b"});
  EXPECT_EQ(forward(before, removed), Strings{});
  // Optional additions to a closed model are compatible; required ones without a default not.
  EXPECT_EQ(backward(removed, before), Strings{});
  const std::string required_added = object(R"("a":{"type":"string"},"b":{"type":"string"})",
                                            R"("additionalProperties":false,"required":["b"])");
  EXPECT_EQ(backward(removed, required_added),
            Strings{"REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL #/properties/b"});
  const std::string required_with_default =
      object(R"("a":{"type":"string"},"b":{"type":"string","default":"x"})",
             R"("additionalProperties":false,"required":["b"])");
  EXPECT_EQ(backward(removed, required_with_default), Strings{});
  // A property whose schema is false was never written.
  EXPECT_EQ(
      backward(object(R"("a":{"type":"string"},"b":false)", R"("additionalProperties":false)"),
               removed),
      Strings{});
  // Closing an open model.
  EXPECT_EQ(backward(object(R"("a":{"type":"string"})"), removed),
            Strings{"ADDITIONAL_PROPERTIES_REMOVED #/additionalProperties"});
  EXPECT_EQ(forward(object(R"("a":{"type":"string"})"), removed), Strings{});
}

TEST(JsonSchemaCompat, PartiallyOpenContentModel) {
  const std::string strings = R"("additionalProperties":{"type":"string"})";
  const std::string before = object(R"("a":{"type":"string"})", strings);
  EXPECT_EQ(backward(before, object(R"("a":{"type":"string"},"b":{"type":"string"})", strings)),
            Strings{});
  EXPECT_EQ(backward(before, object(R"("a":{"type":"string"},"b":{"type":"integer"})", strings)),
            (Strings{"TYPE_CHANGED #/properties/b",
                     "PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL #/properties/b"}));
  // Removed: the reader's additionalProperties schema must read what was written.
  const std::string with_int = object(R"("a":{"type":"string"},"n":{"type":"integer"})", strings);
  EXPECT_EQ(backward(with_int, before),
            (Strings{"TYPE_CHANGED #/properties/n",
                     "PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL "
                     "#/properties/n"}));
  // patternProperties cover the names they match.
  const std::string patterned =
      object(R"("a":{"type":"string"})", R"("patternProperties":{"^n_":{"type":"integer"}})");
  EXPECT_EQ(backward(patterned, object(R"("a":{"type":"string"},"n_1":{"type":"integer"})",
                                       R"("patternProperties":{"^n_":{"type":"integer"}})")),
            Strings{});
}

TEST(JsonSchemaCompat, RequiredAttributes) {
  const std::string optional = object(R"("a":{"type":"string"})");
  const std::string required = object(R"("a":{"type":"string"})", R"("required":["a"])");
  EXPECT_EQ(backward(optional, required), Strings{"REQUIRED_ATTRIBUTE_ADDED #/required/a"});
  EXPECT_EQ(forward(optional, required), Strings{});
  EXPECT_EQ(
      backward(optional, object(R"("a":{"type":"string","default":""})", R"("required":["a"])")),
      Strings{});
}

TEST(JsonSchemaCompat, Enums) {
  const std::string ab = R"({"type":"string","enum":["A","B"]})";
  const std::string abc = R"({"type":"string","enum":["A","B","C"]})";
  const std::string ad = R"({"type":"string","enum":["A","D"]})";
  EXPECT_EQ(backward(ab, abc), Strings{});
  // "type" beside "enum" makes an allOf of the two facets (as the validator Confluent uses reads
  // it): a narrowed enum then shows as that allOf's members no longer matching.
  EXPECT_EQ(forward(ab, abc), Strings{"COMBINED_TYPE_SUBSCHEMAS_CHANGED #/"});
  EXPECT_EQ(backward(ab, ad), Strings{"COMBINED_TYPE_SUBSCHEMAS_CHANGED #/"});
  // Order does not matter.
  EXPECT_EQ(backward(R"({"enum":["A","B"]})", R"({"enum":["B","A"]})"), Strings{});
  EXPECT_EQ(backward(R"({"enum":["A","B"]})", R"({"enum":["A"]})"),
            Strings{"ENUM_ARRAY_NARROWED #/enum"});
  EXPECT_EQ(backward(R"({"const":1})", R"({"const":2})"), Strings{"ENUM_ARRAY_CHANGED #/const"});
  EXPECT_EQ(backward(R"({"const":1})", R"({"const":1})"), Strings{});
}

TEST(JsonSchemaCompat, StringConstraints) {
  const std::string plain = R"({"type":"string"})";
  const std::string max5 = R"({"type":"string","maxLength":5})";
  const std::string max3 = R"({"type":"string","maxLength":3})";
  EXPECT_EQ(backward(plain, max5), Strings{"MAX_LENGTH_ADDED #/maxLength"});
  EXPECT_EQ(forward(plain, max5), Strings{});
  EXPECT_EQ(backward(max5, max3), Strings{"MAX_LENGTH_DECREASED #/maxLength"});
  EXPECT_EQ(forward(max5, max3), Strings{});
  const std::string min2 = R"({"type":"string","minLength":2})";
  const std::string min4 = R"({"type":"string","minLength":4})";
  EXPECT_EQ(backward(plain, min2), Strings{"MIN_LENGTH_ADDED #/minLength"});
  EXPECT_EQ(backward(min2, min4), Strings{"MIN_LENGTH_INCREASED #/minLength"});
  EXPECT_EQ(forward(min2, min4), Strings{});
  const std::string p1 = R"({"type":"string","pattern":"^a"})";
  const std::string p2 = R"({"type":"string","pattern":"^b"})";
  EXPECT_EQ(backward(plain, p1), Strings{"PATTERN_ADDED #/pattern"});
  EXPECT_EQ(forward(plain, p1), Strings{});
  EXPECT_EQ(backward(p1, p2), Strings{"PATTERN_CHANGED #/pattern"});
}

TEST(JsonSchemaCompat, NumberConstraints) {
  const std::string plain = R"({"type":"number"})";
  const std::string max10 = R"({"type":"number","maximum":10})";
  const std::string max5 = R"({"type":"number","maximum":5})";
  EXPECT_EQ(backward(plain, max10), Strings{"MAXIMUM_ADDED #/maximum"});
  EXPECT_EQ(forward(plain, max10), Strings{});
  EXPECT_EQ(backward(max10, max5), Strings{"MAXIMUM_DECREASED #/maximum"});
  EXPECT_EQ(forward(max10, max5), Strings{});
  const std::string min0 = R"({"type":"number","minimum":0})";
  const std::string min1 = R"({"type":"number","minimum":1})";
  EXPECT_EQ(backward(min0, min1), Strings{"MINIMUM_INCREASED #/minimum"});
  EXPECT_EQ(forward(min0, min1), Strings{});
  EXPECT_EQ(backward(R"({"type":"number","exclusiveMaximum":5})",
                     R"({"type":"number","exclusiveMaximum":4})"),
            Strings{"EXCLUSIVE_MAXIMUM_DECREASED #/exclusiveMaximum"});
  EXPECT_EQ(backward(plain, R"({"type":"number","exclusiveMinimum":0})"),
            Strings{"EXCLUSIVE_MINIMUM_ADDED #/exclusiveMinimum"});
  const std::string m2 = R"({"type":"integer","multipleOf":2})";
  const std::string m4 = R"({"type":"integer","multipleOf":4})";
  const std::string m3 = R"({"type":"integer","multipleOf":3})";
  EXPECT_EQ(backward(m2, m4), Strings{"MULTIPLE_OF_EXPANDED #/multipleOf"});
  EXPECT_EQ(forward(m2, m4), Strings{});
  EXPECT_EQ(backward(m2, m3), Strings{"MULTIPLE_OF_CHANGED #/multipleOf"});
  EXPECT_EQ(backward(R"({"type":"integer"})", m2), Strings{"MULTIPLE_OF_ADDED #/multipleOf"});
}

TEST(JsonSchemaCompat, Arrays) {
  const std::string strings = R"({"type":"array","items":{"type":"string"}})";
  const std::string ints = R"({"type":"array","items":{"type":"integer"}})";
  const std::string any = R"({"type":"array"})";
  EXPECT_EQ(backward(strings, ints), Strings{"TYPE_CHANGED #/items"});
  EXPECT_EQ(backward(strings, any), Strings{});
  EXPECT_EQ(forward(strings, any), Strings{"SCHEMA_ADDED #/items"});
  EXPECT_EQ(backward(any, R"({"type":"array","maxItems":3})"),
            Strings{"MAX_ITEMS_ADDED #/maxItems"});
  EXPECT_EQ(backward(R"({"type":"array","maxItems":3})", R"({"type":"array","maxItems":2})"),
            Strings{"MAX_ITEMS_DECREASED #/maxItems"});
  EXPECT_EQ(backward(R"({"type":"array","minItems":1})", R"({"type":"array","minItems":2})"),
            Strings{"MIN_ITEMS_INCREASED #/minItems"});
  EXPECT_EQ(backward(any, R"({"type":"array","uniqueItems":true})"),
            Strings{"UNIQUE_ITEMS_ADDED #/uniqueItems"});
  EXPECT_EQ(forward(any, R"({"type":"array","uniqueItems":true})"), Strings{});
  // Tuples: an item added to an open tuple, or removed from a closed one.
  const std::string one = R"({"type":"array","items":[{"type":"string"}]})";
  const std::string two = R"({"type":"array","items":[{"type":"string"},{"type":"integer"}]})";
  EXPECT_EQ(backward(one, two), Strings{"ITEM_ADDED_TO_OPEN_CONTENT_MODEL #/items/1"});
  EXPECT_EQ(forward(one, two), Strings{});
  const std::string closed_one =
      R"({"type":"array","items":[{"type":"string"}],"additionalItems":false})";
  const std::string closed_two =
      R"({"type":"array","items":[{"type":"string"},{"type":"integer"}],"additionalItems":false})";
  EXPECT_EQ(backward(closed_two, closed_one),
            Strings{"ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL #/items/1"});
  EXPECT_EQ(backward(closed_one, closed_two), Strings{});
}

TEST(JsonSchemaCompat, UnionsOfOptionalValues) {
  const std::string optional_string = R"({"oneOf":[{"type":"null"},{"type":"string"}]})";
  const std::string wider = R"({"oneOf":[{"type":"null"},{"type":"string"},{"type":"integer"}]})";
  EXPECT_EQ(backward(optional_string, wider), Strings{});
  EXPECT_EQ(forward(optional_string, wider), Strings{"SUM_TYPE_NARROWED #/"});
  // A plain type becoming optional reads; the reverse does not.
  EXPECT_EQ(backward(R"({"type":"string"})", optional_string), Strings{});
  EXPECT_EQ(forward(R"({"type":"string"})", optional_string), Strings{"TYPE_CHANGED #/"});
  // Members replaced.
  EXPECT_EQ(backward(R"({"oneOf":[{"type":"string"},{"type":"integer"}]})",
                     R"({"oneOf":[{"type":"string"},{"type":"boolean"}]})"),
            Strings{"COMBINED_TYPE_SUBSCHEMAS_CHANGED #/"});
  // Order and duplicates do not matter.
  EXPECT_EQ(backward(optional_string,
                     R"({"oneOf":[{"type":"string"},{"type":"null"},{"type":"string"}]})"),
            Strings{});
  // Criteria: oneOf -> anyOf widens; anyOf -> oneOf does not.
  const std::string any = R"({"anyOf":[{"type":"null"},{"type":"string"}]})";
  EXPECT_EQ(backward(optional_string, any), Strings{});
  EXPECT_EQ(backward(any, optional_string), Strings{"COMBINED_TYPE_CHANGED #/"});
  // "type": [a, b] is an anyOf.
  EXPECT_EQ(backward(R"({"type":["null","string"]})", any), Strings{});
  EXPECT_EQ(backward(R"({"type":"string"})", R"({"type":["null","string"]})"), Strings{});
  // allOf: a reader adding a member constrains more.
  EXPECT_EQ(backward(R"({"allOf":[{"type":"string"}]})",
                     R"({"allOf":[{"type":"string"},{"maxLength":3}]})"),
            Strings{"PRODUCT_TYPE_EXTENDED #/"});
  // Member changes inside a union.
  EXPECT_EQ(backward(R"({"oneOf":[{"type":"null"},{"type":"string","maxLength":5}]})",
                     R"({"oneOf":[{"type":"null"},{"type":"string","maxLength":3}]})"),
            Strings{"COMBINED_TYPE_SUBSCHEMAS_CHANGED #/"});
}

TEST(JsonSchemaCompat, NotSchemas) {
  EXPECT_EQ(backward(R"({"not":{"type":"string"}})", R"({"not":{"type":"string"}})"), Strings{});
  // Excluding less reads more.
  EXPECT_EQ(backward(R"({"not":{"type":"string","maxLength":3}})", R"({"not":{"type":"string"}})"),
            Strings{"NOT_TYPE_EXTENDED #/not"});
  EXPECT_EQ(forward(R"({"not":{"type":"string","maxLength":3}})", R"({"not":{"type":"string"}})"),
            Strings{});
}

TEST(JsonSchemaCompat, Dependencies) {
  const std::string none = object(R"("a":{},"b":{},"c":{})");
  const std::string ab = object(R"("a":{},"b":{},"c":{})", R"("dependencies":{"a":["b"]})");
  const std::string abc = object(R"("a":{},"b":{},"c":{})", R"("dependencies":{"a":["b","c"]})");
  EXPECT_EQ(backward(none, ab), Strings{"DEPENDENCY_ARRAY_ADDED #/dependencies/a"});
  EXPECT_EQ(forward(none, ab), Strings{});
  EXPECT_EQ(backward(ab, abc), Strings{"DEPENDENCY_ARRAY_EXTENDED #/dependencies/a"});
  EXPECT_EQ(forward(ab, abc), Strings{});
  EXPECT_EQ(backward(none, object(R"("a":{})", R"("dependencies":{"a":{"required":["b"]}})")),
            Strings{"DEPENDENCY_SCHEMA_ADDED #/dependencies/a"});
}

TEST(JsonSchemaCompat, References) {
  const std::string before =
      R"({"type":"object","properties":{"home":{"$ref":"#/definitions/Addr"}},
    "definitions":{"Addr":{"type":"object","properties":{"zip":{"type":"string"}}}}})";
  const std::string after = R"({"type":"object","properties":{"home":{"$ref":"#/definitions/Addr"}},
    "definitions":{"Addr":{"type":"object","properties":{"zip":{"type":"integer"}}}}})";
  const std::string inlined = R"({"type":"object","properties":{"home":
    {"type":"object","properties":{"zip":{"type":"string"}}}}})";
  EXPECT_EQ(backward(before, after), Strings{"TYPE_CHANGED #/properties/home/properties/zip"});
  EXPECT_EQ(backward(before, inlined), Strings{});
  // Recursive schemas terminate.
  const std::string tree = R"({"$defs":{"node":{"type":"object","properties":{
    "value":{"type":"string"},"children":{"type":"array","items":{"$ref":"#/$defs/node"}}}}},
    "$ref":"#/$defs/node"})";
  const std::string root_tree = R"({"type":"object","properties":{
    "value":{"type":"string"},"children":{"type":"array","items":{"$ref":"#"}}}})";
  EXPECT_EQ(backward(tree, tree), Strings{});
  EXPECT_EQ(backward(tree, root_tree), Strings{});
  // A reference this document cannot resolve compares by its text.
  EXPECT_EQ(backward(R"({"$ref":"other.json"})", R"({"$ref":"other.json"})"), Strings{});
  EXPECT_EQ(backward(R"({"$ref":"other.json"})", R"({"$ref":"other2.json"})"),
            Strings{"TYPE_CHANGED #/"});
}

// What ksqlDB (and Connect's JSON Schema converter) registers: objects with connect.* annotations,
// optional columns as oneOf [null, T] with a "Not included" title.
TEST(JsonSchemaCompat, KsqlAndConnectSchemas) {
  const std::string v1 = R"({"type":"object","properties":{
    "ID":{"connect.index":0,"oneOf":[{"type":"null"},{"type":"integer","connect.type":"int64"}]},
    "NAME":{"connect.index":1,"oneOf":[{"type":"null"},{"type":"string"}]}}})";
  const std::string v1_retitled = R"({"type":"object","title":"x","properties":{
    "ID":{"connect.index":5,"oneOf":[{"type":"null","title":"Not included"},
                                     {"type":"integer","connect.type":"int32"}]},
    "NAME":{"connect.index":1,"oneOf":[{"type":"null"},{"type":"string"}]}}})";
  const std::string v2 = R"({"type":"object","properties":{
    "ID":{"connect.index":0,"oneOf":[{"type":"null"},{"type":"integer","connect.type":"int64"}]},
    "NAME":{"connect.index":1,"oneOf":[{"type":"null"},{"type":"string"}]},
    "AGE":{"connect.index":2,
           "oneOf":[{"type":"null"},{"type":"integer","connect.type":"int32"}]}}})";
  const std::string v2_number = R"({"type":"object","properties":{
    "ID":{"connect.index":0,"oneOf":[{"type":"null"},{"type":"number","connect.type":"float64"}]},
    "NAME":{"connect.index":1,"oneOf":[{"type":"null"},{"type":"string"}]}}})";
  EXPECT_EQ(backward(v1, v1_retitled), Strings{});
  EXPECT_EQ(forward(v1, v1_retitled), Strings{});
  // A column added to an open content model: incompatible for BACKWARD (as in Confluent).
  EXPECT_EQ(backward(v1, v2), Strings{"PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL #/properties/AGE"});
  EXPECT_EQ(forward(v1, v2), Strings{});
  // BIGINT -> DOUBLE widens; back narrows.
  EXPECT_EQ(backward(v1, v2_number), Strings{});
  EXPECT_EQ(forward(v1, v2_number), Strings{"COMBINED_TYPE_SUBSCHEMAS_CHANGED #/properties/ID"});
}

TEST(JsonSchemaCompat, InvalidSchemas) {
  for (const char* bad : {"{", "[1]", "5", R"({"type":"strin"})", R"({"type":5})",
                          R"({"properties":{"a":7}})", R"({"oneOf":{}})"}) {
    const Strings found = json_schema_incompatibilities(bad, "{}");
    ASSERT_EQ(found.size(), 1u) << bad;
    EXPECT_TRUE(found[0].starts_with("Invalid schema: ")) << found[0];
    EXPECT_EQ(validate_json_schema(bad).code(), StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_TRUE(json_schema_incompatibilities("{}", "{").at(0).starts_with("Invalid schema: "));
  EXPECT_TRUE(validate_json_schema(R"({"type":"object","connect.name":"x"})").is_ok());
  EXPECT_TRUE(validate_json_schema("true").is_ok());
}

TEST(JsonSchemaCompat, MessageTextIsConfluents) {
  EXPECT_EQ(json_schema_incompatibilities(R"({"type":"string"})", R"({"type":"integer"})"),
            Strings{"{errorType:\"TYPE_CHANGED\", description:\"A type at path '#/' is different "
                    "between the new schema and the old schema'}"});
  EXPECT_EQ(json_schema_incompatibilities(object(R"("a":{},"b":{"type":"string"})"),
                                          object(R"("a":{})"), "old", "new"),
            Strings{"{errorType:\"PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL\", description:\"The old "
                    "schema has an open content model and has a property or item at path "
                    "'#/properties/b' which is missing in the new schema'}"});
  EXPECT_EQ(json_schema_incompatibilities(object("", R"("additionalProperties":false)"),
                                          object(R"("a":{})", R"("additionalProperties":false)")),
            Strings{"{errorType:\"PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL\", description:\"The "
                    "new has a closed content model and is missing a property or item present at "
                    "path '#/properties/a' in the old schema'}"});
}

TEST(JsonSchemaCompat, NestedUnionsStayBounded) {
  // oneOf of oneOfs, 6 levels deep, 4 distinct members each: matching tries every pair of members
  // at every level (16^6 comparisons) unless bounded.
  std::string s = R"({"type":"string"})";
  for (int level = 0; level < 6; ++level) {
    std::string next = "{\"oneOf\":[";
    for (int i = 0; i < 4; ++i) {
      if (i > 0) next += ",";
      next += "{\"title\":\"" + std::to_string(i) + "\"," + s.substr(1);
    }
    s = next + "]}";
  }
  const auto start = std::chrono::steady_clock::now();
  const Strings found = json_schema_incompatibilities(s, s);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
  EXPECT_EQ(found, Strings{"The schemas are too complex to check for compatibility"});
}

}  // namespace
}  // namespace sluice::schema
