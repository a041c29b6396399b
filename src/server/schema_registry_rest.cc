#include "server/schema_registry_rest.h"

#include <charconv>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace sluice::schema {

using nlohmann::json;

namespace {

constexpr const char* kContentType = "application/vnd.schemaregistry.v1+json";

HttpResponse reply(int status, const json& body) {
  HttpResponse r;
  r.status = status;
  r.content_type = kContentType;
  r.body = body.dump();
  return r;
}

HttpResponse error(int status, int code, const std::string& message) {
  return reply(status, json{{"error_code", code}, {"message", message}});
}

template <typename T>
HttpResponse error(const Reply<T>& r) {
  return error(r.error.http_status, r.error.code, r.error.message);
}

bool flag(const HttpRequest& req, const char* name) {
  auto it = req.query.find(name);
  return it != req.query.end() && it->second == "true";
}

// The path's segments, percent-decoded ("/subjects/a%2Fb/versions" -> subjects, a/b, versions).
std::vector<std::string> segments(std::string_view path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    out.push_back(url_decode(path.substr(i, j - i)));
    i = j;
  }
  return out;
}

json version_json(const SchemaVersion& v, bool with_subject) {
  json j;
  if (with_subject) {
    j["subject"] = v.subject;
    j["version"] = v.version;
  }
  j["id"] = v.id;
  if (v.type != "AVRO") j["schemaType"] = v.type;
  if (!v.references.empty()) {
    json refs = json::array();
    for (const SchemaReference& r : v.references) {
      refs.push_back({{"name", r.name}, {"subject", r.subject}, {"version", r.version}});
    }
    j["references"] = std::move(refs);
  }
  j["schema"] = v.schema;
  return j;
}

// A schema in a request body: {"schema": "...", "schemaType": "AVRO", "references": [...]}.
std::optional<SchemaInput> parse_input(const HttpRequest& req, HttpResponse* bad) {
  json body = json::parse(req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    *bad = error(400, 400, "Unrecognized request body: a JSON object is expected");
    return std::nullopt;
  }
  SchemaInput in;
  if (!body.contains("schema") || !body["schema"].is_string()) {
    *bad = error(422, 42201, "Empty schema");
    return std::nullopt;
  }
  in.schema = body["schema"].get<std::string>();
  if (body.contains("schemaType") && body["schemaType"].is_string()) {
    in.type = body["schemaType"].get<std::string>();
  }
  if (body.contains("references") && body["references"].is_array()) {
    for (const json& r : body["references"]) {
      if (!r.is_object() || !r.contains("name") || !r["name"].is_string() ||
          !r.contains("subject") || !r["subject"].is_string() || !r.contains("version") ||
          !r["version"].is_number_integer()) {
        *bad = error(422, 42201, "Invalid schema: a reference needs name, subject and version");
        return std::nullopt;
      }
      in.references.push_back({r["name"].get<std::string>(), r["subject"].get<std::string>(),
                               r["version"].get<int32_t>()});
    }
  }
  if (body.contains("id") && body["id"].is_number_integer()) in.id = body["id"].get<int32_t>();
  if (body.contains("version") && body["version"].is_number_integer()) {
    in.version = body["version"].get<int32_t>();
  }
  return in;
}

std::optional<int32_t> parse_id(const std::string& s) {
  int32_t id = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), id);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return id;
}

HttpResponse compatibility(const Reply<std::vector<std::string>>& r, bool verbose) {
  if (!r.ok()) return error(r);
  json j{{"is_compatible", r.value->empty()}};
  if (verbose) j["messages"] = *r.value;
  return reply(200, j);
}

// /subjects...
HttpResponse subjects(SchemaRegistry& reg, const HttpRequest& req,
                      const std::vector<std::string>& p) {
  const bool deleted = flag(req, "deleted");
  if (p.size() == 1) {
    if (req.method != "GET") return error(405, 405, "Method not allowed");
    auto prefix = req.query.find("subjectPrefix");
    auto r = reg.subjects(deleted, prefix == req.query.end() ? "" : prefix->second);
    return r.ok() ? reply(200, *r.value) : error(r);
  }
  const std::string& subject = p[1];
  if (p.size() == 2) {
    if (req.method == "POST") {
      HttpResponse bad;
      auto in = parse_input(req, &bad);
      if (!in) return bad;
      auto r = reg.lookup(subject, *in, deleted);
      return r.ok() ? reply(200, version_json(*r.value, true)) : error(r);
    }
    if (req.method == "DELETE") {
      auto r = reg.delete_subject(subject, flag(req, "permanent"));
      return r.ok() ? reply(200, *r.value) : error(r);
    }
    return error(405, 405, "Method not allowed");
  }
  if (p[2] != "versions") return error(404, 404, "HTTP 404 Not Found");
  if (p.size() == 3) {
    if (req.method == "GET") {
      auto r = reg.versions(subject, deleted);
      return r.ok() ? reply(200, *r.value) : error(r);
    }
    if (req.method == "POST") {
      HttpResponse bad;
      auto in = parse_input(req, &bad);
      if (!in) return bad;
      auto r = reg.register_schema(subject, *in, flag(req, "normalize"));
      return r.ok() ? reply(200, json{{"id", *r.value}}) : error(r);
    }
    return error(405, 405, "Method not allowed");
  }
  const std::string& version = p[3];
  if (p.size() == 4) {
    if (req.method == "GET") {
      auto r = reg.get_version(subject, version, deleted);
      return r.ok() ? reply(200, version_json(*r.value, true)) : error(r);
    }
    if (req.method == "DELETE") {
      auto r = reg.delete_version(subject, version, flag(req, "permanent"));
      return r.ok() ? reply(200, *r.value) : error(r);
    }
    return error(405, 405, "Method not allowed");
  }
  if (p.size() == 5 && p[4] == "schema" && req.method == "GET") {
    auto r = reg.get_version(subject, version, deleted);
    if (!r.ok()) return error(r);
    HttpResponse out = reply(200, json());
    out.body = r.value->schema;
    return out;
  }
  if (p.size() == 5 && p[4] == "referencedby" && req.method == "GET") {
    auto r = reg.referenced_by(subject, version);
    return r.ok() ? reply(200, *r.value) : error(r);
  }
  return error(404, 404, "HTTP 404 Not Found");
}

// /schemas...
HttpResponse schemas(SchemaRegistry& reg, const HttpRequest& req,
                     const std::vector<std::string>& p) {
  if (req.method != "GET") return error(405, 405, "Method not allowed");
  if (p.size() == 2 && p[1] == "types") return reply(200, json{"JSON", "PROTOBUF", "AVRO"});
  if (p.size() == 1) {
    // Every subject's versions, as Confluent lists /schemas.
    json out = json::array();
    auto names = reg.subjects(flag(req, "deleted"), "");
    for (const std::string& s : *names.value) {
      auto vs = reg.versions(s, flag(req, "deleted"));
      if (!vs.ok()) continue;
      for (int32_t v : *vs.value) {
        auto sv = reg.get_version(s, std::to_string(v), flag(req, "deleted"));
        if (sv.ok()) out.push_back(version_json(*sv.value, true));
      }
    }
    return reply(200, out);
  }
  if (p.size() < 3 || p[1] != "ids") return error(404, 404, "HTTP 404 Not Found");
  std::optional<int32_t> id = parse_id(p[2]);
  if (!id) return error(404, 40403, fmt::format("Schema {} not found", p[2]));
  if (p.size() == 3 || (p.size() == 4 && p[3] == "schema")) {
    auto r = reg.by_id(*id);
    if (!r.ok()) return error(r);
    if (p.size() == 4) {
      HttpResponse out = reply(200, json());
      out.body = r.value->schema;
      return out;
    }
    json j = version_json(*r.value, false);
    j.erase("id");
    return reply(200, j);
  }
  if (p.size() == 4 && (p[3] == "subjects" || p[3] == "versions")) {
    auto r = reg.id_versions(*id, flag(req, "deleted"));
    if (!r.ok()) return error(r);
    json out = json::array();
    for (const auto& [subject, version] : *r.value) {
      if (p[3] == "subjects") {
        if (out.empty() || out.back() != subject) out.push_back(subject);
      } else {
        out.push_back({{"subject", subject}, {"version", version}});
      }
    }
    return reply(200, out);
  }
  return error(404, 404, "HTTP 404 Not Found");
}

// /config[/{subject}] and /mode[/{subject}].
HttpResponse settings(SchemaRegistry& reg, const HttpRequest& req,
                      const std::vector<std::string>& p) {
  if (p.size() > 2) return error(404, 404, "HTTP 404 Not Found");
  const bool config = p[0] == "config";
  const std::string subject = p.size() == 2 ? p[1] : "";
  const char* field = config ? "compatibilityLevel" : "mode";
  if (req.method == "GET") {
    auto r = config ? reg.get_config(subject, flag(req, "defaultToGlobal") || subject.empty())
                    : reg.get_mode(subject, flag(req, "defaultToGlobal") || subject.empty());
    return r.ok() ? reply(200, json{{field, *r.value}}) : error(r);
  }
  if (req.method == "PUT") {
    json body = json::parse(req.body, nullptr, false);
    const char* in = config ? "compatibility" : "mode";
    if (body.is_discarded() || !body.is_object() || !body.contains(in) || !body[in].is_string()) {
      return config ? error(422, 42203, "Invalid compatibility level")
                    : error(422, 42204, "Invalid mode");
    }
    auto r = config ? reg.set_config(subject, body[in].get<std::string>())
                    : reg.set_mode(subject, body[in].get<std::string>(), flag(req, "force"));
    return r.ok() ? reply(200, json{{in, *r.value}}) : error(r);
  }
  if (req.method == "DELETE") {
    auto r = config ? reg.delete_config(subject) : reg.delete_mode(subject);
    return r.ok() ? reply(200, json{{field, *r.value}}) : error(r);
  }
  return error(405, 405, "Method not allowed");
}

}  // namespace

void add_schema_registry_routes(HttpServer& http, SchemaRegistry& registry) {
  SchemaRegistry* reg = &registry;
  http.route("GET", "/", [](const HttpRequest&) { return reply(200, json::object()); });
  http.route("GET", "/contexts", [](const HttpRequest&) { return reply(200, json{"."}); });
  // Writes reach the log: every route runs on the worker threads.
  http.route_prefix_blocking("*", "/", [reg](const HttpRequest& req) {
    std::vector<std::string> p = segments(req.path);
    if (p.empty()) return error(404, 404, "HTTP 404 Not Found");
    if (p[0] == "subjects") return subjects(*reg, req, p);
    if (p[0] == "schemas") return schemas(*reg, req, p);
    if (p[0] == "config" || p[0] == "mode") return settings(*reg, req, p);
    if (p[0] == "compatibility" && p.size() >= 4 && p[1] == "subjects" && p[3] == "versions" &&
        req.method == "POST") {
      HttpResponse bad;
      auto in = parse_input(req, &bad);
      if (!in) return bad;
      return compatibility(
          reg->check_compatibility(p[2], p.size() >= 5 ? p[4] : std::string(), *in),
          flag(req, "verbose"));
    }
    return error(404, 404, "HTTP 404 Not Found");
  });
}

}  // namespace sluice::schema
