// Protobuf schema compatibility: each of Confluent's rules with a compatible and an incompatible
// change, checked in both directions (BACKWARD: the new schema reads; FORWARD: the old one does),
// the errorType names and paths, and the message text.
#include "schema/protobuf_compat.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::schema {
namespace {

using Strings = std::vector<std::string>;

// "ERROR_TYPE #/path" for each message (the path: the first '#/...' quoted in the description).
Strings diffs(std::string_view reader, std::string_view writer,
              const std::map<std::string, std::string>& imports = {}) {
  Strings out;
  for (const std::string& m : protobuf_incompatibilities(reader, writer, imports)) {
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

// Old schema `before`, new schema `after`: the differences under BACKWARD (the new schema reads
// old data) and FORWARD (the old schema reads new data).
Strings backward(std::string_view before, std::string_view after) {
  return diffs(after, before);
}
Strings forward(std::string_view before, std::string_view after) {
  return diffs(before, after);
}

constexpr std::string_view kBase = R"(syntax = "proto3";
package test;
message Order {
  string id = 1;
  int32 quantity = 2;
  Item item = 3;
}
message Item {
  string sku = 1;
  double price = 2;
}
)";

TEST(ProtobufCompat, IdenticalSchemasAreCompatible) {
  EXPECT_EQ(backward(kBase, kBase), Strings{});
  EXPECT_EQ(forward(kBase, kBase), Strings{});
}

TEST(ProtobufCompat, AddedAndRemovedOptionalFieldsAreCompatible) {
  const std::string added = R"(syntax = "proto3";
package test;
message Order {
  string id = 1;
  int32 quantity = 2;
  Item item = 3;
  repeated string tags = 4;
}
message Item {
  string sku = 1;
  double price = 2;
}
)";
  EXPECT_EQ(backward(kBase, added), Strings{});
  EXPECT_EQ(forward(kBase, added), Strings{});
  // A renumbered field is a removal and an addition: compatible too.
  EXPECT_EQ(backward("syntax = \"proto3\"; message M { string a = 1; }",
                     "syntax = \"proto3\"; message M { string a = 2; }"),
            Strings{});
}

TEST(ProtobufCompat, RequiredFieldsAddedOrRemoved) {
  constexpr std::string_view before = R"(syntax = "proto2";
message M { optional string a = 1; })";
  constexpr std::string_view after = R"(syntax = "proto2";
message M { optional string a = 1; required string b = 2; })";
  EXPECT_EQ(backward(before, after), Strings{"REQUIRED_FIELD_ADDED #/M/2"});
  EXPECT_EQ(forward(before, after), Strings{"REQUIRED_FIELD_REMOVED #/M/2"});
  // optional <-> optional: nothing.
  constexpr std::string_view optional_added = R"(syntax = "proto2";
message M { optional string a = 1; optional string b = 2; })";
  EXPECT_EQ(backward(before, optional_added), Strings{});
  EXPECT_EQ(forward(before, optional_added), Strings{});
  // Out of a oneof (where it may have been unset) into a required field, which is also a numeric
  // label change; the oneof's other member goes with the oneof (ONEOF_REMOVED: compatible).
  EXPECT_EQ(backward(R"(syntax = "proto2"; message M { oneof c { int32 a = 1; string b = 2; } })",
                     R"(syntax = "proto2"; message M { required int32 a = 1; })"),
            (Strings{"REQUIRED_FIELD_ADDED #/M/1", "FIELD_NUMERIC_LABEL_CHANGED #/M/1"}));
}

std::string one_field(std::string_view type, std::string_view label = "") {
  return "syntax = \"proto3\";\nenum E { E0 = 0; E1 = 1; }\nmessage M { " + std::string(label) +
         (label.empty() ? "" : " ") + std::string(type) + " f = 1; }\nmessage N { int32 x = 1; }\n";
}

TEST(ProtobufCompat, ScalarGroupsAreWireCompatible) {
  const std::vector<std::vector<std::string_view>> groups = {
      {"int32", "int64", "uint32", "uint64", "bool", "E"},
      {"sint32", "sint64"},
      {"string", "bytes"},
      {"fixed32", "sfixed32"},
      {"fixed64", "sfixed64"},
      {"float"},
      {"double"}};
  for (size_t g = 0; g < groups.size(); ++g) {
    for (size_t h = 0; h < groups.size(); ++h) {
      for (std::string_view a : groups[g]) {
        for (std::string_view b : groups[h]) {
          const Strings expected = g == h ? Strings{} : Strings{"FIELD_SCALAR_KIND_CHANGED #/M/1"};
          EXPECT_EQ(backward(one_field(a), one_field(b)), expected) << a << " -> " << b;
        }
      }
    }
  }
}

TEST(ProtobufCompat, FieldKindChanged) {
  // scalar <-> message, scalar <-> map, map <-> message: incompatible both ways.
  const std::vector<std::string> kinds = {one_field("int32"), one_field("N"),
                                          one_field("map<string, int32>"), one_field("E")};
  EXPECT_EQ(backward(kinds[0], kinds[1]), Strings{"FIELD_KIND_CHANGED #/M/1"});
  EXPECT_EQ(forward(kinds[0], kinds[1]), Strings{"FIELD_KIND_CHANGED #/M/1"});
  EXPECT_EQ(backward(kinds[1], kinds[2]), Strings{"FIELD_KIND_CHANGED #/M/1"});
  EXPECT_EQ(backward(kinds[2], kinds[0]), Strings{"FIELD_KIND_CHANGED #/M/1"});
  // An enum is a scalar, and reads as a varint: compatible with int32.
  EXPECT_EQ(backward(kinds[0], kinds[3]), Strings{});
  EXPECT_EQ(forward(kinds[0], kinds[3]), Strings{});
  // map<K, V>: keys and values compared as fields.
  EXPECT_EQ(backward(one_field("map<string, int32>"), one_field("map<string, int64>")), Strings{});
  EXPECT_EQ(backward(one_field("map<string, int32>"), one_field("map<string, string>")),
            Strings{"FIELD_SCALAR_KIND_CHANGED #/M/1"});
  EXPECT_EQ(backward(one_field("map<string, int32>"), one_field("map<int32, int32>")),
            Strings{"FIELD_SCALAR_KIND_CHANGED #/M/1"});
  EXPECT_EQ(backward(one_field("map<string, N>"), one_field("map<string, int32>")),
            Strings{"FIELD_KIND_CHANGED #/M/1"});
}

TEST(ProtobufCompat, FieldNamedTypeChanged) {
  constexpr std::string_view before = R"(syntax = "proto3";
message M { A f = 1; }
message A { string s = 1; })";
  constexpr std::string_view after = R"(syntax = "proto3";
message M { B f = 1; }
message B { string s = 1; })";
  // The old type is gone too: MESSAGE_REMOVED when the new schema reads.
  EXPECT_EQ(backward(before, after),
            (Strings{"FIELD_NAMED_TYPE_CHANGED #/M/1", "MESSAGE_REMOVED #/A"}));
  EXPECT_EQ(forward(before, after),
            (Strings{"FIELD_NAMED_TYPE_CHANGED #/M/1", "MESSAGE_REMOVED #/B"}));
}

TEST(ProtobufCompat, MessageTypedFieldsCompareTheirTypes) {
  constexpr std::string_view before = R"(syntax = "proto3";
message M { Inner f = 1; message Inner { int32 n = 1; } })";
  constexpr std::string_view compatible = R"(syntax = "proto3";
message M { Inner f = 1; message Inner { int64 n = 1; string added = 2; } })";
  constexpr std::string_view incompatible = R"(syntax = "proto3";
message M { Inner f = 1; message Inner { string n = 1; } })";
  EXPECT_EQ(backward(before, compatible), Strings{});
  EXPECT_EQ(forward(before, compatible), Strings{});
  // Reported at the type's path, then at the field using it; the nested type's own comparison
  // finds the same difference again, reported once.
  EXPECT_EQ(backward(before, incompatible),
            (Strings{"FIELD_SCALAR_KIND_CHANGED #/M/Inner/1", "FIELD_NAMED_TYPE_CHANGED #/M/1"}));
  EXPECT_EQ(forward(before, incompatible),
            (Strings{"FIELD_SCALAR_KIND_CHANGED #/M/Inner/1", "FIELD_NAMED_TYPE_CHANGED #/M/1"}));
  // Qualified and unqualified names of the same type are the same type.
  EXPECT_EQ(backward(R"(syntax = "proto3"; package p; message M { Inner f = 1; message Inner {} })",
                     R"(syntax = "proto3"; package p; message M { .p.M.Inner f = 1;
                        message Inner {} })"),
            Strings{});
}

TEST(ProtobufCompat, NumericLabelChanges) {
  EXPECT_EQ(backward(one_field("int32", "optional"), one_field("int32", "repeated")),
            Strings{"FIELD_NUMERIC_LABEL_CHANGED #/M/1"});
  EXPECT_EQ(forward(one_field("int32", "optional"), one_field("int32", "repeated")),
            Strings{"FIELD_NUMERIC_LABEL_CHANGED #/M/1"});
  EXPECT_EQ(backward(one_field("double"), one_field("double", "repeated")),
            Strings{"FIELD_NUMERIC_LABEL_CHANGED #/M/1"});
  EXPECT_EQ(backward(one_field("E"), one_field("E", "repeated")),
            Strings{"FIELD_NUMERIC_LABEL_CHANGED #/M/1"});
  // Strings, bytes and messages may change their label (FIELD_STRING_OR_BYTES_LABEL_CHANGED is
  // compatible); proto3 `optional` and implicit presence encode alike.
  EXPECT_EQ(backward(one_field("string", "optional"), one_field("string", "repeated")), Strings{});
  EXPECT_EQ(backward(one_field("bytes", "repeated"), one_field("bytes")), Strings{});
  EXPECT_EQ(backward(one_field("N", "optional"), one_field("N", "repeated")), Strings{});
  EXPECT_EQ(backward(one_field("int32"), one_field("int32", "optional")), Strings{});
  EXPECT_EQ(forward(one_field("int32"), one_field("int32", "optional")), Strings{});
}

TEST(ProtobufCompat, OneofMoves) {
  constexpr std::string_view plain = R"(syntax = "proto3";
message M { string a = 1; string b = 2; })";
  constexpr std::string_view one_moved = R"(syntax = "proto3";
message M { string a = 1; oneof choice { string b = 2; int32 c = 3; } })";
  constexpr std::string_view two_moved = R"(syntax = "proto3";
message M { oneof choice { string a = 1; string b = 2; int32 c = 3; } })";
  EXPECT_EQ(backward(plain, one_moved), Strings{});
  EXPECT_EQ(backward(plain, two_moved), Strings{"MULTIPLE_FIELDS_MOVED_TO_ONEOF #/M/choice"});
  // Out of a oneof: the fields may all be set now, which loses nothing.
  EXPECT_EQ(forward(plain, two_moved), Strings{});
  // Into a oneof that had members already.
  constexpr std::string_view existing = R"(syntax = "proto3";
message M { string a = 1; oneof choice { int32 c = 3; } })";
  constexpr std::string_view joined = R"(syntax = "proto3";
message M { oneof choice { string a = 1; int32 c = 3; } })";
  EXPECT_EQ(backward(existing, joined), Strings{"FIELD_MOVED_TO_EXISTING_ONEOF #/M/choice"});
  EXPECT_EQ(forward(existing, joined), Strings{});
  // A moved field's type is still compared.
  constexpr std::string_view moved_retyped = R"(syntax = "proto3";
message M { string a = 1; oneof choice { double b = 2; } })";
  EXPECT_EQ(backward(plain, moved_retyped), Strings{"FIELD_SCALAR_KIND_CHANGED #/M/2"});
}

TEST(ProtobufCompat, OneofMembersAddedOrRemoved) {
  constexpr std::string_view two = R"(syntax = "proto3";
message M { oneof choice { string a = 1; string b = 2; } })";
  constexpr std::string_view three = R"(syntax = "proto3";
message M { oneof choice { string a = 1; string b = 2; int32 c = 3; } })";
  EXPECT_EQ(backward(two, three), Strings{});
  EXPECT_EQ(forward(two, three), Strings{"ONEOF_FIELD_REMOVED #/M/choice/3"});
  EXPECT_EQ(backward(three, two), Strings{"ONEOF_FIELD_REMOVED #/M/choice/3"});
  // A oneof member's type change.
  constexpr std::string_view retyped = R"(syntax = "proto3";
message M { oneof choice { string a = 1; float b = 2; } })";
  EXPECT_EQ(backward(two, retyped), Strings{"FIELD_SCALAR_KIND_CHANGED #/M/choice/2"});
  // A whole oneof added or removed (ONEOF_ADDED / ONEOF_REMOVED): compatible.
  constexpr std::string_view none = R"(syntax = "proto3"; message M { })";
  EXPECT_EQ(backward(none, two), Strings{});
  EXPECT_EQ(forward(none, two), Strings{});
  // proto3 `optional` makes a synthetic oneof: not a oneof to compare.
  EXPECT_EQ(backward(R"(syntax = "proto3"; message M { optional string a = 1; })",
                     R"(syntax = "proto3"; message M { string a = 1; string b = 2; })"),
            Strings{});
}

TEST(ProtobufCompat, MessagesRemovedMovedAndAdded) {
  constexpr std::string_view two = R"(syntax = "proto3";
message A { string s = 1; }
message B { string s = 1; })";
  constexpr std::string_view reordered = R"(syntax = "proto3";
message B { string s = 1; }
message A { string s = 1; })";
  constexpr std::string_view one = R"(syntax = "proto3";
message A { string s = 1; })";
  EXPECT_EQ(backward(two, reordered), Strings{});
  EXPECT_EQ(backward(one, two), Strings{});
  EXPECT_EQ(forward(one, two), Strings{"MESSAGE_REMOVED #/B"});
  EXPECT_EQ(backward(two, one), Strings{"MESSAGE_REMOVED #/B"});
  // Nested messages, by path.
  EXPECT_EQ(backward(R"(syntax = "proto3"; message A { message In { } })",
                     R"(syntax = "proto3"; message A { })"),
            Strings{"MESSAGE_REMOVED #/A/In"});
  // A map field's entry type is not a message of its own.
  EXPECT_EQ(backward(R"(syntax = "proto3"; message A { map<string, string> m = 1; })",
                     R"(syntax = "proto3"; message A { })"),
            Strings{});
}

TEST(ProtobufCompat, PackageSyntaxAndEnumChangesAreCompatible) {
  // Confluent lists PACKAGE_CHANGED and every ENUM_* change among its compatible changes.
  EXPECT_EQ(backward(R"(syntax = "proto3"; package a; message M { M f = 1; })",
                     R"(syntax = "proto3"; package b; message M { M f = 1; })"),
            Strings{});
  EXPECT_EQ(backward(R"(syntax = "proto2"; message M { optional int32 f = 1; })",
                     R"(syntax = "proto3"; message M { int32 f = 1; })"),
            Strings{});
  constexpr std::string_view e1 = R"(syntax = "proto3";
enum Color { RED = 0; GREEN = 1; BLUE = 2; }
message M { Color c = 1; })";
  constexpr std::string_view e2 = R"(syntax = "proto3";
enum Color { RED = 0; VERT = 1; }
message M { Color c = 1; })";
  EXPECT_EQ(backward(e1, e2), Strings{});
  EXPECT_EQ(forward(e1, e2), Strings{});
}

TEST(ProtobufCompat, ImportedTypes) {
  const std::map<std::string, std::string> v1 = {
      {"home.proto", R"(syntax = "proto3"; package demo; message Home { int32 id = 1; })"}};
  const std::map<std::string, std::string> v2 = {
      {"home.proto", R"(syntax = "proto3"; package demo; message Home { string id = 1; })"}};
  const std::map<std::string, std::string> other_package = {
      {"home.proto", R"(syntax = "proto3"; package demo2; message Home { int64 id = 1; })"}};
  constexpr std::string_view main = R"(syntax = "proto3";
import "home.proto";
message M { demo.Home h = 1; })";
  constexpr std::string_view main2 = R"(syntax = "proto3";
import "home.proto";
message M { demo2.Home h = 1; })";
  // Each side resolves its imports from its own references.
  const Strings changed = protobuf_incompatibilities({main, &v2}, {main, &v1});
  ASSERT_EQ(changed.size(), 2u);
  EXPECT_NE(changed[0].find("FIELD_SCALAR_KIND_CHANGED\", description:\"The kind of a SCALAR field "
                            "at path '#/Home/1'"),
            std::string::npos)
      << changed[0];
  EXPECT_NE(changed[1].find("FIELD_NAMED_TYPE_CHANGED\", description:\"The type of a MESSAGE field "
                            "at path '#/M/1'"),
            std::string::npos)
      << changed[1];
  // The same name in another package is the same type to Confluent; int32 -> int64 reads.
  EXPECT_TRUE(protobuf_incompatibilities({main2, &other_package}, {main, &v1}).empty());
  // Moving a type from the schema into an import removes it from the schema.
  constexpr std::string_view local = R"(syntax = "proto3";
package demo;
message M { Home h = 1; }
message Home { int32 id = 1; })";
  EXPECT_EQ(protobuf_incompatibilities({main, &v1}, {local, nullptr}).size(), 1u);
  EXPECT_TRUE(protobuf_incompatibilities({local, nullptr}, {main, &v1}).empty());
  EXPECT_EQ(diffs(main, main, v2), Strings{});
}

TEST(ProtobufCompat, BuiltInImports) {
  constexpr std::string_view wkt = R"(syntax = "proto3";
import "google/protobuf/timestamp.proto";
import "google/protobuf/wrappers.proto";
import "confluent/type/decimal.proto";
import "confluent/meta.proto";
import "google/type/date.proto";
import "google/type/timeofday.proto";
message M {
  google.protobuf.Timestamp ts = 1;
  google.protobuf.StringValue s = 2;
  confluent.type.Decimal d = 3
      [(confluent.field_meta) = { params: [{key: "precision", value: "5"}] }];
  google.type.Date day = 4;
  google.type.TimeOfDay time = 5;
})";
  EXPECT_TRUE(validate_protobuf_schema(wkt).is_ok()) << validate_protobuf_schema(wkt).message();
  EXPECT_EQ(backward(wkt, wkt), Strings{});
  constexpr std::string_view changed = R"(syntax = "proto3";
import "google/protobuf/timestamp.proto";
import "google/protobuf/wrappers.proto";
message M {
  google.protobuf.Timestamp ts = 1;
  google.protobuf.Int64Value s = 2;
})";
  EXPECT_EQ(backward(wkt, changed), Strings{"FIELD_NAMED_TYPE_CHANGED #/M/2"});
}

TEST(ProtobufCompat, InvalidSchemas) {
  const Strings bad = protobuf_incompatibilities("message {", std::string(kBase));
  ASSERT_EQ(bad.size(), 1u);
  EXPECT_TRUE(bad[0].starts_with("Invalid schema: ")) << bad[0];
  const Strings unknown_type = protobuf_incompatibilities(
      "syntax = \"proto3\"; message M { Missing m = 1; }", std::string(kBase));
  ASSERT_EQ(unknown_type.size(), 1u);
  EXPECT_TRUE(unknown_type[0].starts_with("Invalid schema: ")) << unknown_type[0];
  const Status missing_import =
      validate_protobuf_schema("syntax = \"proto3\"; import \"nope.proto\"; message M {}");
  EXPECT_EQ(missing_import.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(missing_import.message().find("nope.proto"), std::string::npos);
  const std::map<std::string, std::string> cycle = {
      {"a.proto", "syntax = \"proto3\"; import \"b.proto\";"},
      {"b.proto", "syntax = \"proto3\"; import \"a.proto\";"}};
  EXPECT_FALSE(validate_protobuf_schema("syntax = \"proto3\"; import \"a.proto\";", cycle).is_ok());
  EXPECT_TRUE(validate_protobuf_schema(kBase).is_ok());
}

TEST(ProtobufCompat, MessageTextIsConfluents) {
  const Strings backward_messages = protobuf_incompatibilities(
      {one_field("string"), nullptr}, {one_field("int32"), nullptr}, "new", "old");
  EXPECT_EQ(backward_messages,
            Strings{"{errorType:\"FIELD_SCALAR_KIND_CHANGED\", description:\"The kind of a SCALAR "
                    "field at path '#/M/1' in the new schema does not match its kind in the old "
                    "schema\"}"});
  // FORWARD: the old schema is the reader.
  const Strings forward_messages = protobuf_incompatibilities(
      {"syntax = \"proto3\"; message M {}", nullptr},
      {"syntax = \"proto3\"; message M {} message X {}", nullptr}, "old", "new");
  EXPECT_EQ(forward_messages,
            Strings{"{errorType:\"MESSAGE_REMOVED\", description:\"The old schema is missing a "
                    "MESSAGE type at path '#/X' in the new schema\"}"});
}

// Message T<i>, with two fields of type T<i+1>.
std::string chain_message(int i) {
  const std::string next = "T" + std::to_string(i + 1);
  return "message T" + std::to_string(i) + " { " + next + " a = 1; " + next + " b = 2; }\n";
}

TEST(ProtobufCompat, RecursiveAndSharedTypesTerminate) {
  constexpr std::string_view tree = R"(syntax = "proto3";
message Node { string v = 1; repeated Node children = 2; Node parent = 3; })";
  constexpr std::string_view tree2 = R"(syntax = "proto3";
message Node { bytes v = 1; repeated Node children = 2; Node parent = 3; int32 depth = 4; })";
  EXPECT_EQ(backward(tree, tree2), Strings{});
  // A chain of types each using the next twice: 2^40 paths, one comparison per type pair.
  std::string chain = "syntax = \"proto3\";\n";
  std::string chain2 = chain;
  for (int i = 0; i < 40; ++i) {
    chain += chain_message(i);
    chain2 += chain_message(i);
  }
  chain += "message T40 { int32 leaf = 1; }\n";
  chain2 += "message T40 { string leaf = 1; }\n";
  const auto start = std::chrono::steady_clock::now();
  const Strings found = backward(chain, chain2);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  ASSERT_FALSE(found.empty());
  EXPECT_EQ(found[0], "FIELD_SCALAR_KIND_CHANGED #/T40/1");
}

}  // namespace
}  // namespace sluice::schema
