// The Schema Registry's REST API, request by request through HttpServer::dispatch (no socket):
// each endpoint's body and status, and Confluent's error codes.
#include "server/schema_registry_rest.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/io_runtime.h"

namespace sluice::schema {
namespace {

using nlohmann::json;

using MemoryLog = MemorySchemaLog;

class SchemaRegistryRestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = SchemaRegistry::open(log_);
    ASSERT_TRUE(r.is_ok());
    registry_ = std::move(r).value();
    add_schema_registry_routes(http_, *registry_);
  }
  // The response's status and JSON body (null when the body is not JSON).
  std::pair<int, json> call(const std::string& method, const std::string& target,
                            const json& body = nullptr) {
    HttpRequest req;
    req.method = method;
    size_t q = target.find('?');
    req.path = target.substr(0, q);
    if (q != std::string::npos) {
      std::string query = target.substr(q + 1);
      size_t eq = query.find('=');
      req.query[query.substr(0, eq)] = query.substr(eq + 1);
    }
    if (!body.is_null()) req.body = body.dump();
    HttpResponse res = http_.dispatch(req);
    EXPECT_EQ(res.content_type, "application/vnd.schemaregistry.v1+json");
    return {res.status, json::parse(res.body, nullptr, false)};
  }
  json schema(const std::string& text) { return json{{"schema", text}}; }

  MemoryLog log_;
  std::unique_ptr<SchemaRegistry> registry_;
  IoRuntime runtime_{1};
  HttpServer http_{runtime_, HttpServerOptions{"127.0.0.1", 0}};
};

constexpr const char* kRecord =
    R"({"type":"record","name":"R","fields":[{"name":"a","type":"int"}]})";

TEST_F(SchemaRegistryRestTest, SubjectsVersionsAndLookups) {
  EXPECT_EQ(call("GET", "/subjects"), (std::pair<int, json>{200, json::array()}));
  EXPECT_EQ(call("POST", "/subjects/r-value/versions", schema(kRecord)),
            (std::pair<int, json>{200, {{"id", 1}}}));
  EXPECT_EQ(call("GET", "/subjects"), (std::pair<int, json>{200, {"r-value"}}));
  EXPECT_EQ(call("GET", "/subjects?subjectPrefix=x"), (std::pair<int, json>{200, json::array()}));
  auto [status, got] = call("GET", "/subjects/r-value/versions/latest");
  EXPECT_EQ(status, 200);
  EXPECT_EQ(got, (json{{"subject", "r-value"}, {"version", 1}, {"id", 1}, {"schema", kRecord}}));
  EXPECT_EQ(call("GET", "/subjects/r-value/versions/-1").second, got);
  // POST /subjects/{s}: which version holds this schema.
  EXPECT_EQ(call("POST", "/subjects/r-value", schema(kRecord)).second, got);
  EXPECT_EQ(call("POST", "/subjects/r-value", schema(R"("int")")).second["error_code"], 40403);
  EXPECT_EQ(call("GET", "/schemas/ids/1/subjects").second, json({"r-value"}));
  EXPECT_EQ(call("GET", "/schemas/ids/1/versions").second,
            json::array({{{"subject", "r-value"}, {"version", 1}}}));
  EXPECT_EQ(call("GET", "/schemas").second.size(), 1u);
  EXPECT_EQ(call("GET", "/contexts").second, json({"."}));
  EXPECT_EQ(call("GET", "/subjects/r-value/versions/1/referencedby").second, json::array());
  // A subject name with a slash, percent-encoded.
  EXPECT_EQ(call("POST", "/subjects/a%2Fb/versions", schema(kRecord)).second["id"], 1);
  EXPECT_EQ(call("GET", "/subjects/a%2Fb/versions").second, json({1}));
  // A non-AVRO schema keeps its type.
  json proto{{"schema", "syntax = \"proto3\"; message M { int32 a = 1; }"},
             {"schemaType", "PROTOBUF"}};
  int32_t id = call("POST", "/subjects/p-value/versions", proto).second["id"];
  EXPECT_EQ(call("GET", "/schemas/ids/" + std::to_string(id)).second["schemaType"], "PROTOBUF");
}

TEST_F(SchemaRegistryRestTest, RawSchemasAndCompatibility) {
  ASSERT_EQ(call("POST", "/subjects/r-value/versions", schema(kRecord)).first, 200);
  HttpRequest raw;
  raw.method = "GET";
  raw.path = "/subjects/r-value/versions/1/schema";
  EXPECT_EQ(http_.dispatch(raw).body, kRecord);
  raw.path = "/schemas/ids/1/schema";
  EXPECT_EQ(http_.dispatch(raw).body, kRecord);
  const std::string widened =
      R"({"type":"record","name":"R","fields":[{"name":"a","type":"long"}]})";
  // BACKWARD: a long reads an int; the other way round it does not.
  EXPECT_EQ(call("POST", "/compatibility/subjects/r-value/versions/latest", schema(widened)).second,
            (json{{"is_compatible", true}}));
  EXPECT_EQ(call("PUT", "/config/r-value", {{"compatibility", "FORWARD"}}).second,
            (json{{"compatibility", "FORWARD"}}));
  auto [status, verdict] =
      call("POST", "/compatibility/subjects/r-value/versions?verbose=true", schema(widened));
  EXPECT_EQ(status, 200);
  EXPECT_EQ(verdict["is_compatible"], false);
  ASSERT_FALSE(verdict["messages"].empty());
  EXPECT_NE(verdict["messages"][0].get<std::string>().find("TYPE_MISMATCH"), std::string::npos);
  EXPECT_EQ(call("POST", "/subjects/r-value/versions", schema(widened)).second["error_code"], 409);
  EXPECT_EQ(call("GET", "/config/r-value").second, (json{{"compatibilityLevel", "FORWARD"}}));
  EXPECT_EQ(call("DELETE", "/config/r-value").second, (json{{"compatibilityLevel", "FORWARD"}}));
  EXPECT_EQ(call("GET", "/config/r-value").second["error_code"], 40408);
  EXPECT_EQ(call("GET", "/config/r-value?defaultToGlobal=true").second,
            (json{{"compatibilityLevel", "BACKWARD"}}));
}

TEST_F(SchemaRegistryRestTest, ModesAndErrors) {
  EXPECT_EQ(call("GET", "/mode").second, (json{{"mode", "READWRITE"}}));
  EXPECT_EQ(call("PUT", "/mode/ro", {{"mode", "READONLY"}}).second, (json{{"mode", "READONLY"}}));
  EXPECT_EQ(call("POST", "/subjects/ro/versions", schema(kRecord)).second["error_code"], 42205);
  EXPECT_EQ(call("DELETE", "/mode/ro").second, (json{{"mode", "READONLY"}}));
  EXPECT_EQ(call("GET", "/mode/ro").second["error_code"], 40409);
  EXPECT_EQ(call("PUT", "/mode", {{"mode", "SOMETIMES"}}).second["error_code"], 42204);
  EXPECT_EQ(call("POST", "/subjects/ro/versions", schema(kRecord)).first, 200);
  // Malformed requests.
  HttpRequest bad;
  bad.method = "POST";
  bad.path = "/subjects/x/versions";
  bad.body = "{";
  EXPECT_EQ(http_.dispatch(bad).status, 400);
  EXPECT_EQ(call("POST", "/subjects/x/versions", json::object()).second["error_code"], 42201);
  EXPECT_EQ(call("POST", "/subjects/x/versions", {{"schema", "\"int\""}, {"schemaType", "XML"}})
                .second["error_code"],
            42201);
  EXPECT_EQ(call("GET", "/schemas/ids/abc").second["error_code"], 40403);
  EXPECT_EQ(call("GET", "/nowhere").first, 404);
  EXPECT_EQ(call("PATCH", "/subjects").first, 405);
  // Version errors and deletes of one version.
  EXPECT_EQ(call("GET", "/subjects/ro/versions/2").second["error_code"], 40402);
  EXPECT_EQ(call("DELETE", "/subjects/ro/versions/1?permanent=true").second["error_code"], 40407);
  EXPECT_EQ(call("DELETE", "/subjects/ro/versions/1").second, json(1));
  EXPECT_EQ(call("DELETE", "/subjects/ro/versions/1").second["error_code"], 40401);
  EXPECT_EQ(call("GET", "/subjects/ro/versions?deleted=true").second, json({1}));
  EXPECT_EQ(call("DELETE", "/subjects/ro/versions/1?permanent=true").second, json(1));
  EXPECT_EQ(call("GET", "/subjects/ro/versions?deleted=true").second["error_code"], 40401);
}

}  // namespace
}  // namespace sluice::schema
