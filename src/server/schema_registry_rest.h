// Confluent Schema Registry's REST API over a SchemaRegistry, at `/` of the registry's own
// listener (--schema-registry-listen, default port 8081): /subjects, /schemas, /config, /mode,
// /compatibility, /contexts, with Confluent's JSON bodies, content type and error codes.
#pragma once

#include "schema/registry.h"
#include "server/http_server.h"

namespace sluice::schema {

// Registers the API's routes on `http` (before it starts); `registry` must outlive it.
void add_schema_registry_routes(HttpServer& http, SchemaRegistry& registry);

}  // namespace sluice::schema
