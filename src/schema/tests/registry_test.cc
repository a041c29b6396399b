#include "schema/registry.h"

#include <gtest/gtest.h>

namespace sluice::schema {
namespace {

using MemoryLog = MemorySchemaLog;

constexpr const char* kV1 =
    R"({"type":"record","name":"User","fields":[{"name":"id","type":"long"}]})";
// V1 plus a field with a default: BACKWARD compatible.
constexpr const char* kV2 =
    R"({"type":"record","name":"User","fields":[{"name":"id","type":"long"},)"
    R"({"name":"email","type":"string","default":""}]})";
// V2 plus a field without a default: not BACKWARD compatible.
constexpr const char* kV3 =
    R"({"type":"record","name":"User","fields":[{"name":"id","type":"long"},)"
    R"({"name":"email","type":"string","default":""},{"name":"age","type":"int"}]})";

SchemaInput avro(const char* text) {
  return SchemaInput{text, "AVRO", {}, {}, {}};
}

class RegistryTest : public ::testing::Test {
 protected:
  void SetUp() override { reopen(); }
  void reopen() {
    auto r = SchemaRegistry::open(log);
    ASSERT_TRUE(r.is_ok());
    reg = std::move(r).value();
  }
  MemoryLog log;
  std::unique_ptr<SchemaRegistry> reg;
};

TEST_F(RegistryTest, RegistersVersionsAndReusesIds) {
  auto a = reg->register_schema("users-value", avro(kV1), false);
  ASSERT_TRUE(a.ok()) << a.error.message;
  EXPECT_EQ(*a.value, 1);
  // The same schema, formatted differently: the same version and id.
  auto again = reg->register_schema(
      "users-value",
      avro(R"({"name":"User","type":"record","fields":[{"type":"long","name":"id"}]})"), false);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again.value, 1);
  auto b = reg->register_schema("users-value", avro(kV2), false);
  ASSERT_TRUE(b.ok()) << b.error.message;
  EXPECT_EQ(*b.value, 2);
  // The same schema under another subject keeps its global id.
  auto other = reg->register_schema("archive-value", avro(kV1), false);
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(*other.value, 1);
  auto versions = reg->versions("users-value", false);
  ASSERT_TRUE(versions.ok());
  EXPECT_EQ(*versions.value, (std::vector<int32_t>{1, 2}));
  auto latest = reg->get_version("users-value", "latest", false);
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ(latest.value->version, 2);
  EXPECT_EQ(latest.value->id, 2);
  auto subjects = reg->subjects(false, "");
  EXPECT_EQ(*subjects.value, (std::vector<std::string>{"archive-value", "users-value"}));
  auto by_id = reg->by_id(2);
  ASSERT_TRUE(by_id.ok());
  EXPECT_EQ(by_id.value->schema, kV2);
  auto holders = reg->id_versions(1, false);
  ASSERT_TRUE(holders.ok());
  EXPECT_EQ(holders.value->size(), 2u);
}

TEST_F(RegistryTest, RefusesIncompatibleSchemasPerLevel) {
  ASSERT_TRUE(reg->register_schema("u", avro(kV1), false).ok());
  ASSERT_TRUE(reg->register_schema("u", avro(kV2), false).ok());
  auto bad = reg->register_schema("u", avro(kV3), false);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error.http_status, 409);
  EXPECT_EQ(bad.error.code, 409);
  EXPECT_NE(bad.error.message.find("Schema being registered is incompatible with an earlier "
                                   "schema for subject \"u\""),
            std::string::npos)
      << bad.error.message;
  EXPECT_NE(bad.error.message.find("READER_FIELD_MISSING_DEFAULT_VALUE"), std::string::npos);
  EXPECT_NE(bad.error.message.find("{oldSchemaVersion: 2}"), std::string::npos);
  // The compatibility endpoint says the same without registering.
  auto check = reg->check_compatibility("u", "latest", avro(kV3));
  ASSERT_TRUE(check.ok());
  EXPECT_FALSE(check.value->empty());
  // FORWARD: the old schema must read the new one's data; dropping the defaulted field is fine
  // for BACKWARD but adding a field without default is fine for FORWARD.
  ASSERT_TRUE(reg->set_config("u", "forward").ok());
  EXPECT_EQ(*reg->get_config("u", false).value, "FORWARD");
  EXPECT_TRUE(reg->register_schema("u", avro(kV3), false).ok());
  ASSERT_TRUE(reg->set_config("u", "NONE").ok());
  EXPECT_TRUE(reg->register_schema("u", avro(R"("string")"), false).ok());
  auto invalid = reg->set_config("u", "SIDEWAYS");
  ASSERT_FALSE(invalid.ok());
  EXPECT_EQ(invalid.error.code, 42203);
}

TEST_F(RegistryTest, TransitiveLevelsCheckEveryVersion) {
  // V1 -> V2 (BACKWARD from V1) -> V4: V4 drops `id`'s type to int... compatible with V2 only
  // when read transitively it is not: a reader needing `email` without default against V1.
  constexpr const char* kV4 =
      R"({"type":"record","name":"User","fields":[{"name":"id","type":"long"},)"
      R"({"name":"email","type":"string"}]})";
  ASSERT_TRUE(reg->register_schema("t", avro(kV1), false).ok());
  ASSERT_TRUE(reg->register_schema("t", avro(kV2), false).ok());
  // Against V2 alone (BACKWARD) V4 is fine: V2 data has `email`.
  auto plain = reg->check_compatibility("t", "", avro(kV4));
  ASSERT_TRUE(plain.ok());
  EXPECT_TRUE(plain.value->empty());
  ASSERT_TRUE(reg->set_config("t", "BACKWARD_TRANSITIVE").ok());
  auto transitive = reg->register_schema("t", avro(kV4), false);
  ASSERT_FALSE(transitive.ok());
  EXPECT_NE(transitive.error.message.find("{oldSchemaVersion: 1}"), std::string::npos)
      << transitive.error.message;
}

TEST_F(RegistryTest, ErrorsHaveConfluentsCodes) {
  auto missing = reg->versions("nope", false);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error.http_status, 404);
  EXPECT_EQ(missing.error.code, 40401);
  EXPECT_EQ(missing.error.message, "Subject 'nope' not found.");
  ASSERT_TRUE(reg->register_schema("s", avro(kV1), false).ok());
  auto version = reg->get_version("s", "7", false);
  EXPECT_EQ(version.error.code, 40402);
  auto zero = reg->get_version("s", "0", false);
  EXPECT_EQ(zero.error.http_status, 422);
  EXPECT_EQ(zero.error.code, 42202);
  auto word = reg->get_version("s", "first", false);
  EXPECT_EQ(word.error.code, 42202);
  auto id = reg->by_id(99);
  EXPECT_EQ(id.error.code, 40403);
  EXPECT_EQ(id.error.message, "Schema 99 not found");
  auto invalid = reg->register_schema("s", avro(R"({"type":"record","name":"R"})"), false);
  ASSERT_FALSE(invalid.ok());
  EXPECT_EQ(invalid.error.code, 42201);
  auto not_json = reg->register_schema("s", SchemaInput{"{", "JSON", {}, {}, {}}, false);
  EXPECT_EQ(not_json.error.code, 42201);
  auto lookup = reg->lookup("s", avro(kV2), false);
  EXPECT_EQ(lookup.error.code, 40403);
  auto found = reg->lookup("s", avro(kV1), false);
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found.value->version, 1);
  auto no_config = reg->get_config("s", false);
  EXPECT_EQ(no_config.error.code, 40408);
  EXPECT_EQ(*reg->get_config("s", true).value, "BACKWARD");
  log.fail = true;
  auto store = reg->register_schema("s", avro(kV2), false);
  EXPECT_EQ(store.error.code, 50001);
}

TEST_F(RegistryTest, SoftAndHardDeletes) {
  ASSERT_TRUE(reg->register_schema("d", avro(kV1), false).ok());
  ASSERT_TRUE(reg->register_schema("d", avro(kV2), false).ok());
  auto hard_first = reg->delete_version("d", "1", true);
  EXPECT_EQ(hard_first.error.code, 40407);
  auto soft = reg->delete_version("d", "1", false);
  ASSERT_TRUE(soft.ok());
  EXPECT_EQ(*soft.value, 1);
  EXPECT_EQ(*reg->versions("d", false).value, (std::vector<int32_t>{2}));
  EXPECT_EQ(*reg->versions("d", true).value, (std::vector<int32_t>{1, 2}));
  EXPECT_EQ(reg->delete_version("d", "1", false).error.code, 40406);
  EXPECT_EQ(reg->delete_subject("d", true).error.code, 40405);
  auto subject = reg->delete_subject("d", false);
  ASSERT_TRUE(subject.ok());
  EXPECT_EQ(*subject.value, (std::vector<int32_t>{2}));
  EXPECT_EQ(reg->versions("d", false).error.code, 40401);
  EXPECT_EQ(reg->delete_subject("d", false).error.code, 40404);
  // Soft-deleted ids still resolve (readers of old records need them).
  EXPECT_TRUE(reg->by_id(1).ok());
  // Registering again after a soft delete continues the version numbers.
  auto again = reg->register_schema("d", avro(kV1), false);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(reg->get_version("d", "latest", false).value->version, 3);
  ASSERT_TRUE(reg->delete_subject("d", false).ok());
  auto hard = reg->delete_subject("d", true);
  ASSERT_TRUE(hard.ok());
  EXPECT_TRUE(reg->subjects(true, "").value->empty());
}

TEST_F(RegistryTest, StateSurvivesAReplay) {
  ASSERT_TRUE(reg->register_schema("a", avro(kV1), false).ok());
  ASSERT_TRUE(reg->register_schema("a", avro(kV2), false).ok());
  ASSERT_TRUE(reg->register_schema("b", avro(R"("int")"), false).ok());
  ASSERT_TRUE(reg->delete_version("a", "1", false).ok());
  ASSERT_TRUE(reg->set_config("", "FULL").ok());
  ASSERT_TRUE(reg->set_mode("b", "READONLY", false).ok());
  reopen();
  EXPECT_EQ(*reg->versions("a", false).value, (std::vector<int32_t>{2}));
  EXPECT_EQ(*reg->versions("a", true).value, (std::vector<int32_t>{1, 2}));
  EXPECT_EQ(reg->by_id(3).value->schema, R"("int")");
  EXPECT_EQ(*reg->get_config("", true).value, "FULL");
  EXPECT_EQ(*reg->get_mode("b", false).value, "READONLY");
  // Ids continue after the largest replayed one; a read-only subject refuses writes.
  auto next = reg->register_schema("c", avro(R"("string")"), false);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(*next.value, 4);
  EXPECT_EQ(reg->register_schema("b", avro(R"("long")"), false).error.code, 42205);
  // IMPORT mode needs an empty registry unless forced.
  EXPECT_EQ(reg->set_mode("", "IMPORT", false).error.code, 42205);
  EXPECT_EQ(reg->set_mode("", "SOMETIMES", false).error.code, 42204);
}

TEST_F(RegistryTest, ReferencesMustExistAndAreTracked) {
  ASSERT_TRUE(
      reg->register_schema("money", SchemaInput{R"({"type":"object"})", "JSON", {}, {}, {}}, false)
          .ok());
  SchemaInput with_ref{R"({"type":"object","properties":{"m":{"$ref":"money.json"}}})",
                       "JSON",
                       {{"money.json", "money", 1}},
                       {},
                       {}};
  auto r = reg->register_schema("order", with_ref, false);
  ASSERT_TRUE(r.ok()) << r.error.message;
  auto users = reg->referenced_by("money", "1");
  ASSERT_TRUE(users.ok());
  EXPECT_EQ(*users.value, (std::vector<int32_t>{*r.value}));
  SchemaInput dangling = with_ref;
  dangling.references[0].version = 5;
  EXPECT_EQ(reg->register_schema("order2", dangling, false).error.code, 42201);
}

// JSON Schema and Protobuf subjects are checked with their own rules (json_schema_compat.h,
// protobuf_compat.h), a PROTOBUF schema's imports resolved through its references.
TEST_F(RegistryTest, JsonAndProtobufSubjectsAreCheckedForCompatibility) {
  auto json = [](const char* text) { return SchemaInput{text, "JSON", {}, {}, {}}; };
  ASSERT_TRUE(reg->register_schema(
                     "j", json(R"({"type":"object","properties":{"a":{"type":"integer"}}})"), false)
                  .ok());
  auto changed = reg->register_schema(
      "j", json(R"({"type":"object","properties":{"a":{"type":"string"}}})"), false);
  ASSERT_FALSE(changed.ok());
  EXPECT_EQ(changed.error.code, 409);
  EXPECT_NE(changed.error.message.find("TYPE_CHANGED"), std::string::npos) << changed.error.message;
  auto proto = [](const char* text, std::vector<SchemaReference> refs = {}) {
    return SchemaInput{text, "PROTOBUF", std::move(refs), {}, {}};
  };
  ASSERT_TRUE(
      reg->register_schema("p", proto("syntax = \"proto3\";\nmessage M { int32 a = 1; }"), false)
          .ok());
  // A new field is compatible; a field changing from a number to a string is not.
  EXPECT_TRUE(
      reg->register_schema(
             "p", proto("syntax = \"proto3\";\nmessage M { int32 a = 1; string b = 2; }"), false)
          .ok());
  auto kind = reg->register_schema(
      "p", proto("syntax = \"proto3\";\nmessage M { string a = 1; string b = 2; }"), false);
  ASSERT_FALSE(kind.ok());
  EXPECT_NE(kind.error.message.find("FIELD_SCALAR_KIND_CHANGED"), std::string::npos)
      << kind.error.message;
  // Imports come from the references: a referenced message's change is found through them.
  ASSERT_TRUE(reg->register_schema("event.proto",
                                   proto("syntax = \"proto3\";\nmessage Event { int64 t = 1; }"),
                                   false)
                  .ok());
  const char* with_import =
      "syntax = \"proto3\";\nimport \"event.proto\";\nmessage L { Event e = 1; }";
  ASSERT_TRUE(
      reg->register_schema("l", proto(with_import, {{"event.proto", "event.proto", 1}}), false)
          .ok());
  auto unparsable = reg->register_schema("l", proto("message {"), false);
  EXPECT_FALSE(unparsable.ok());
}

}  // namespace
}  // namespace sluice::schema
