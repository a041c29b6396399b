#include "schema/registry.h"

#include "schema/json_schema_compat.h"
#include "schema/protobuf_compat.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "schema/avro_schema.h"

namespace sluice::schema {

using nlohmann::json;

namespace {

constexpr const char* kDefaultLevel = "BACKWARD";
constexpr const char* kDefaultMode = "READWRITE";

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool transitive(std::string_view level) {
  return level.ends_with("_TRANSITIVE");
}

// The keys and values of the `_schemas` records, as Confluent's registry writes them.
std::string schema_key(const std::string& subject, int32_t version) {
  return json{{"keytype", "SCHEMA"}, {"subject", subject}, {"version", version}, {"magic", 1}}
      .dump();
}

std::string subject_key(const char* keytype, const std::string& subject) {
  json k{{"keytype", keytype}, {"magic", 0}};
  k["subject"] = subject.empty() ? json(nullptr) : json(subject);
  return k.dump();
}

json references_json(const std::vector<SchemaReference>& refs) {
  json out = json::array();
  for (const SchemaReference& r : refs) {
    out.push_back({{"name", r.name}, {"subject", r.subject}, {"version", r.version}});
  }
  return out;
}

std::string version_value(const SchemaVersion& v) {
  json j{{"subject", v.subject},
         {"version", v.version},
         {"id", v.id},
         {"schema", v.schema},
         {"deleted", v.deleted}};
  if (v.type != "AVRO") j["schemaType"] = v.type;
  if (!v.references.empty()) j["references"] = references_json(v.references);
  return j.dump();
}

std::optional<SchemaVersion> parse_version_value(std::string_view text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("subject") || !j["subject"].is_string() ||
      !j.contains("version") || !j["version"].is_number_integer() || !j.contains("id") ||
      !j["id"].is_number_integer() || !j.contains("schema") || !j["schema"].is_string()) {
    return std::nullopt;
  }
  SchemaVersion v;
  v.subject = j["subject"].get<std::string>();
  v.version = j["version"].get<int32_t>();
  v.id = j["id"].get<int32_t>();
  v.schema = j["schema"].get<std::string>();
  if (j.contains("schemaType") && j["schemaType"].is_string()) {
    v.type = j["schemaType"].get<std::string>();
  }
  if (j.contains("deleted") && j["deleted"].is_boolean()) v.deleted = j["deleted"].get<bool>();
  if (j.contains("references") && j["references"].is_array()) {
    for (const json& r : j["references"]) {
      if (!r.is_object() || !r.contains("name") || !r["name"].is_string() ||
          !r.contains("subject") || !r["subject"].is_string() || !r.contains("version") ||
          !r["version"].is_number_integer()) {
        continue;
      }
      v.references.push_back({r["name"].get<std::string>(), r["subject"].get<std::string>(),
                              r["version"].get<int32_t>()});
    }
  }
  return v;
}

template <typename T>
Reply<T> store_error(const Status& st) {
  return Reply<T>::fail(500, 50001, "Error in the backend data store: " + st.message());
}

Reply<std::string> not_configured(const std::string& subject, const char* what, int code) {
  return Reply<std::string>::fail(
      404, code,
      fmt::format("Subject '{}' does not have subject-level {} configured", subject, what));
}

std::string not_found_subject(const std::string& subject) {
  return fmt::format("Subject '{}' not found.", subject);
}

}  // namespace

bool valid_compatibility_level(std::string_view level) {
  static constexpr std::string_view kLevels[] = {
      "NONE", "BACKWARD",       "BACKWARD_TRANSITIVE", "FORWARD", "FORWARD_TRANSITIVE",
      "FULL", "FULL_TRANSITIVE"};
  return std::find(std::begin(kLevels), std::end(kLevels), level) != std::end(kLevels);
}

Result<std::unique_ptr<SchemaRegistry>> SchemaRegistry::open(SchemaLog& log) {
  std::unique_ptr<SchemaRegistry> r(new SchemaRegistry(log));
  std::lock_guard<std::mutex> lock(r->mu_);
  SLUICE_RETURN_IF_ERROR(log.replay(
      [&](std::string_view key, std::optional<std::string_view> v) { r->apply(key, v); }));
  return r;
}

void SchemaRegistry::apply(std::string_view key_text, std::optional<std::string_view> value) {
  json key = json::parse(key_text, nullptr, false);
  if (key.is_discarded() || !key.is_object() || !key.contains("keytype") ||
      !key["keytype"].is_string()) {
    return;  // not a record of ours (NOOP and the like)
  }
  const std::string type = key["keytype"].get<std::string>();
  const std::string subject = key.contains("subject") && key["subject"].is_string()
                                  ? key["subject"].get<std::string>()
                                  : std::string();
  if (type == "SCHEMA") {
    if (!key.contains("version") || !key["version"].is_number_integer()) return;
    const auto version = key["version"].get<int32_t>();
    if (!value) {
      auto s = subjects_.find(subject);
      if (s == subjects_.end()) return;
      s->second.versions.erase(version);
      if (s->second.versions.empty()) subjects_.erase(s);
      return;
    }
    std::optional<SchemaVersion> v = parse_version_value(*value);
    if (!v) return;
    max_id_ = std::max(max_id_, v->id);
    ids_.try_emplace(v->id, *v);
    if (Reply<std::string> ident = identity({v->schema, v->type, v->references, {}, {}});
        ident.ok()) {
      id_by_identity_.try_emplace(*ident.value, v->id);
    }
    subjects_[subject].versions[version] = std::move(*v);
  } else if (type == "CONFIG" || type == "MODE") {
    auto& map = type == "CONFIG" ? config_ : mode_;
    const char* field = type == "CONFIG" ? "compatibilityLevel" : "mode";
    if (!value) {
      map.erase(subject);
      return;
    }
    json v = json::parse(*value, nullptr, false);
    if (!v.is_discarded() && v.is_object() && v.contains(field) && v[field].is_string()) {
      map[subject] = v[field].get<std::string>();
    }
  }
}

Status SchemaRegistry::append(const std::string& key, const std::optional<std::string>& value) {
  SLUICE_RETURN_IF_ERROR(log_.append(key, value));
  apply(key, value ? std::optional<std::string_view>(*value) : std::nullopt);
  return Status::ok();
}

Status SchemaRegistry::write_version(const SchemaVersion& v) {
  return append(schema_key(v.subject, v.version), version_value(v));
}

Status SchemaRegistry::delete_one(SchemaVersion v, bool permanent) {
  if (permanent) return append(schema_key(v.subject, v.version), std::nullopt);
  v.deleted = true;
  return write_version(v);
}

Reply<std::string> SchemaRegistry::identity(const SchemaInput& in) const {
  std::string body;
  if (in.type == "AVRO") {
    Result<AvroSchema> parsed = AvroSchema::parse(in.schema);
    if (!parsed.is_ok()) {
      return Reply<std::string>::fail(422, 42201, "Invalid schema: " + parsed.status().message());
    }
    // The JSON with its whitespace and attribute order normalized (not the Parsing Canonical
    // Form: that drops defaults, doc and aliases, which a registry must tell apart, as
    // Confluent's does: a default changes compatibility).
    body = json::parse(in.schema, nullptr, false).dump();
  } else if (in.type == "JSON") {
    json j = json::parse(in.schema, nullptr, false);
    if (j.is_discarded()) return Reply<std::string>::fail(422, 42201, "Invalid schema: not JSON");
    body = j.dump();
  } else if (in.type == "PROTOBUF") {
    body = in.schema;
  } else {
    return Reply<std::string>::fail(422, 42201, fmt::format("Invalid schema type {}", in.type));
  }
  return Reply<std::string>::of(in.type + "\n" + references_json(in.references).dump() + "\n" +
                                body);
}

std::string SchemaRegistry::level_of(const std::string& subject) const {
  if (auto it = config_.find(subject); it != config_.end()) return it->second;
  if (auto it = config_.find(""); it != config_.end()) return it->second;
  return kDefaultLevel;
}

std::string SchemaRegistry::mode_of(const std::string& subject) const {
  if (auto it = mode_.find(subject); it != mode_.end()) return it->second;
  if (auto it = mode_.find(""); it != mode_.end()) return it->second;
  return kDefaultMode;
}

const SchemaRegistry::Subject* SchemaRegistry::find_subject(const std::string& subject,
                                                            bool deleted) const {
  auto it = subjects_.find(subject);
  if (it == subjects_.end()) return nullptr;
  for (const auto& [n, v] : it->second.versions) {
    if (deleted || !v.deleted) return &it->second;
  }
  return nullptr;
}

Reply<int32_t> SchemaRegistry::parse_version(const Subject& s, const std::string& version,
                                             bool deleted) const {
  int32_t n = 0;
  if (version == "latest" || version == "-1") {
    n = -1;
    for (const auto& [k, v] : s.versions) {
      if (deleted || !v.deleted) n = k;
    }
  } else {
    auto [p, ec] = std::from_chars(version.data(), version.data() + version.size(), n);
    if (ec != std::errc() || p != version.data() + version.size() || n < 1) {
      return Reply<int32_t>::fail(
          422, 42202,
          fmt::format("The specified version '{}' is not a valid version id. Allowed values are "
                      "between [1, 2^31-1] and the string \"latest\"",
                      version));
    }
  }
  auto it = s.versions.find(n);
  if (it == s.versions.end() || (it->second.deleted && !deleted)) {
    return Reply<int32_t>::fail(404, 40402, fmt::format("Version {} not found.", version));
  }
  return Reply<int32_t>::of(n);
}

Result<std::map<std::string, std::string>> SchemaRegistry::imports_of(
    const std::vector<SchemaReference>& references) const {
  std::map<std::string, std::string> out;
  std::vector<SchemaReference> todo = references;
  for (size_t i = 0; i < todo.size(); ++i) {
    if (i > 1000) return Status::invalid_argument("too many schema references");
    const SchemaReference ref = todo[i];  // a copy: todo grows below
    if (out.count(ref.name)) continue;
    auto s = subjects_.find(ref.subject);
    if (s == subjects_.end()) {
      return Status::invalid_argument(
          fmt::format("reference {} to subject {} not found", ref.name, ref.subject));
    }
    auto v = s->second.versions.find(ref.version);
    if (v == s->second.versions.end()) {
      return Status::invalid_argument(fmt::format("reference {} to subject {} version {} not found",
                                                  ref.name, ref.subject, ref.version));
    }
    out[ref.name] = v->second.schema;
    for (const SchemaReference& r : v->second.references) todo.push_back(r);
  }
  return out;
}

std::vector<std::string> SchemaRegistry::incompatibilities(
    const SchemaInput& in, const std::vector<const SchemaVersion*>& against,
    const std::string& level) const {
  std::vector<std::string> out;
  if (level == "NONE") return out;
  const bool backward = level.starts_with("BACKWARD") || level.starts_with("FULL");
  const bool forward = level.starts_with("FORWARD") || level.starts_with("FULL");
  std::optional<AvroSchema> mine_avro;
  std::map<std::string, std::string> mine_imports;
  if (in.type == "AVRO") {
    Result<AvroSchema> mine = AvroSchema::parse(in.schema);
    if (!mine.is_ok()) return {"Invalid schema: " + mine.status().message()};
    mine_avro = std::move(*mine);
  } else if (in.type == "PROTOBUF") {
    auto imports = imports_of(in.references);
    if (!imports.is_ok()) return {"Invalid schema: " + imports.status().message()};
    mine_imports = std::move(*imports);
    if (Status st = validate_protobuf_schema(in.schema, mine_imports); !st.is_ok()) {
      return {"Invalid schema: " + st.message()};
    }
  } else if (in.type == "JSON") {
    if (Status st = validate_json_schema(in.schema); !st.is_ok()) {
      return {"Invalid schema: " + st.message()};
    }
  } else {
    return out;
  }
  for (const SchemaVersion* old : against) {
    if (old->type != in.type) {
      out.push_back(
          fmt::format("Incompatible because of different schema type, old schema "
                      "version {} is {}",
                      old->version, old->type));
      continue;
    }
    std::vector<std::string> found;
    const auto append = [&found](std::vector<std::string> more) {
      for (std::string& m : more) found.push_back(std::move(m));
    };
    if (in.type == "AVRO") {
      Result<AvroSchema> theirs = AvroSchema::parse(old->schema);
      if (!theirs.is_ok()) continue;  // stored before: it parsed then
      if (backward) append(avro_incompatibilities(*mine_avro, *theirs));
      if (forward) append(avro_incompatibilities(*theirs, *mine_avro));
    } else if (in.type == "PROTOBUF") {
      auto theirs_imports = imports_of(old->references);
      // Stored before PROTOBUF schemas were validated: one that does not parse is not compared.
      if (!theirs_imports.is_ok() ||
          !validate_protobuf_schema(old->schema, *theirs_imports).is_ok()) {
        continue;
      }
      const ProtobufSchemaText mine{in.schema, &mine_imports};
      const ProtobufSchemaText theirs{old->schema, &*theirs_imports};
      // Confluent's FULL lists the FORWARD findings first.
      if (forward) append(protobuf_incompatibilities(theirs, mine, "old", "new"));
      if (backward) append(protobuf_incompatibilities(mine, theirs, "new", "old"));
    } else {
      if (!validate_json_schema(old->schema).is_ok()) continue;
      if (forward) append(json_schema_incompatibilities(old->schema, in.schema, "old", "new"));
      if (backward) append(json_schema_incompatibilities(in.schema, old->schema, "new", "old"));
    }
    if (found.empty()) continue;
    for (std::string& m : found) out.push_back(std::move(m));
    out.push_back(fmt::format("{{oldSchemaVersion: {}}}", old->version));
    out.push_back(fmt::format("{{oldSchema: '{}'}}", old->schema));
    out.push_back(fmt::format("{{compatibility: '{}'}}", level));
    break;  // Confluent reports the first schema it is incompatible with
  }
  return out;
}

Reply<int32_t> SchemaRegistry::register_schema(const std::string& subject, const SchemaInput& in,
                                               bool normalize) {
  (void)normalize;  // schemas are compared with their JSON normalized either way
  std::lock_guard<std::mutex> lock(mu_);
  const std::string mode = mode_of(subject);
  if (mode == "READONLY" || mode == "READONLY_OVERRIDE") {
    return Reply<int32_t>::fail(422, 42205,
                                fmt::format("Subject {} is in read-only mode", subject));
  }
  const bool import = mode == "IMPORT";
  if ((in.id || in.version) && !import) {
    return Reply<int32_t>::fail(422, 42205,
                                "Registering a schema with an id or version needs the IMPORT mode");
  }
  Reply<std::string> ident = identity(in);
  if (!ident.ok()) return Reply<int32_t>::fail(ident);
  for (const SchemaReference& ref : in.references) {
    const Subject* s = find_subject(ref.subject, false);
    const bool found =
        s && s->versions.contains(ref.version) && !s->versions.at(ref.version).deleted;
    if (!found) {
      return Reply<int32_t>::fail(
          422, 42201,
          fmt::format("Invalid schema: reference {} to subject {} version {} not found", ref.name,
                      ref.subject, ref.version));
    }
  }
  auto known = id_by_identity_.find(*ident.value);
  std::vector<const SchemaVersion*> live;
  int32_t last_version = 0;
  if (auto s = subjects_.find(subject); s != subjects_.end()) {
    for (const auto& [n, v] : s->second.versions) {
      last_version = std::max(last_version, n);
      if (v.deleted) continue;
      if (known != id_by_identity_.end() && v.id == known->second && !in.id) {
        return Reply<int32_t>::of(v.id);  // already registered
      }
      live.push_back(&v);
    }
  }
  if (!import && !live.empty()) {
    const std::string level = level_of(subject);
    std::vector<const SchemaVersion*> against;
    for (auto it = live.rbegin(); it != live.rend(); ++it) {
      against.push_back(*it);
      if (!transitive(level)) break;
    }
    std::vector<std::string> problems = incompatibilities(in, against, level);
    if (!problems.empty()) {
      return Reply<int32_t>::fail(
          409, 409,
          fmt::format("Schema being registered is incompatible with an earlier schema for "
                      "subject \"{}\", details: [{}]",
                      subject, fmt::join(problems, ", ")));
    }
  }
  SchemaVersion v;
  v.subject = subject;
  v.version = in.version.value_or(last_version + 1);
  v.id = in.id ? *in.id : known != id_by_identity_.end() ? known->second : max_id_ + 1;
  if (in.id) {
    if (auto other = ids_.find(*in.id); other != ids_.end()) {
      Reply<std::string> theirs =
          identity({other->second.schema, other->second.type, other->second.references, {}, {}});
      if (!theirs.ok() || *theirs.value != *ident.value) {
        return Reply<int32_t>::fail(
            422, 42205, fmt::format("Overwrite new schema with id {} is not permitted.", *in.id));
      }
    }
  }
  v.type = in.type;
  v.schema = in.schema;
  v.references = in.references;
  if (Status st = write_version(v); !st.is_ok()) {
    return store_error<int32_t>(st);
  }
  return Reply<int32_t>::of(v.id);
}

Reply<SchemaVersion> SchemaRegistry::lookup(const std::string& subject, const SchemaInput& in,
                                            bool deleted) const {
  std::lock_guard<std::mutex> lock(mu_);
  const Subject* s = find_subject(subject, deleted);
  if (!s) return Reply<SchemaVersion>::fail(404, 40401, not_found_subject(subject));
  Reply<std::string> ident = identity(in);
  if (!ident.ok()) {
    return Reply<SchemaVersion>::fail(ident);
  }
  auto known = id_by_identity_.find(*ident.value);
  if (known != id_by_identity_.end()) {
    for (auto it = s->versions.rbegin(); it != s->versions.rend(); ++it) {
      if (it->second.id == known->second && (deleted || !it->second.deleted)) {
        return Reply<SchemaVersion>::of(it->second);
      }
    }
  }
  return Reply<SchemaVersion>::fail(404, 40403, "Schema not found");
}

Reply<std::vector<std::string>> SchemaRegistry::subjects(bool deleted,
                                                         std::string_view prefix) const {
  std::lock_guard<std::mutex> lock(mu_);
  Reply<std::vector<std::string>> r;
  r.value.emplace();
  for (const auto& [name, s] : subjects_) {
    if (name.starts_with(prefix) && find_subject(name, deleted)) r.value->push_back(name);
  }
  return r;
}

Reply<std::vector<int32_t>> SchemaRegistry::versions(const std::string& subject,
                                                     bool deleted) const {
  std::lock_guard<std::mutex> lock(mu_);
  const Subject* s = find_subject(subject, deleted);
  if (!s) return Reply<std::vector<int32_t>>::fail(404, 40401, not_found_subject(subject));
  Reply<std::vector<int32_t>> r;
  r.value.emplace();
  for (const auto& [n, v] : s->versions) {
    if (deleted || !v.deleted) r.value->push_back(n);
  }
  return r;
}

Reply<SchemaVersion> SchemaRegistry::get_version(const std::string& subject,
                                                 const std::string& version, bool deleted) const {
  std::lock_guard<std::mutex> lock(mu_);
  const Subject* s = find_subject(subject, deleted);
  if (!s) return Reply<SchemaVersion>::fail(404, 40401, not_found_subject(subject));
  Reply<int32_t> n = parse_version(*s, version, deleted);
  if (!n.ok()) return Reply<SchemaVersion>::fail(n);
  return Reply<SchemaVersion>::of(s->versions.at(*n.value));
}

Reply<std::vector<int32_t>> SchemaRegistry::referenced_by(const std::string& subject,
                                                          const std::string& version) const {
  std::lock_guard<std::mutex> lock(mu_);
  const Subject* s = find_subject(subject, false);
  if (!s) return Reply<std::vector<int32_t>>::fail(404, 40401, not_found_subject(subject));
  Reply<int32_t> n = parse_version(*s, version, false);
  if (!n.ok()) {
    return Reply<std::vector<int32_t>>::fail(n);
  }
  Reply<std::vector<int32_t>> r;
  r.value.emplace();
  for (const auto& [name, other] : subjects_) {
    for (const auto& [k, v] : other.versions) {
      if (v.deleted) continue;
      for (const SchemaReference& ref : v.references) {
        if (ref.subject == subject && ref.version == *n.value) r.value->push_back(v.id);
      }
    }
  }
  std::sort(r.value->begin(), r.value->end());
  r.value->erase(std::unique(r.value->begin(), r.value->end()), r.value->end());
  return r;
}

Reply<SchemaVersion> SchemaRegistry::by_id(int32_t id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = ids_.find(id);
  if (it == ids_.end()) {
    return Reply<SchemaVersion>::fail(404, 40403, fmt::format("Schema {} not found", id));
  }
  return Reply<SchemaVersion>::of(it->second);
}

Reply<std::vector<std::pair<std::string, int32_t>>> SchemaRegistry::id_versions(
    int32_t id, bool deleted) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (ids_.find(id) == ids_.end()) {
    return Reply<std::vector<std::pair<std::string, int32_t>>>::fail(
        404, 40403, fmt::format("Schema {} not found", id));
  }
  Reply<std::vector<std::pair<std::string, int32_t>>> r;
  r.value.emplace();
  for (const auto& [name, s] : subjects_) {
    for (const auto& [n, v] : s.versions) {
      if (v.id == id && (deleted || !v.deleted)) r.value->emplace_back(name, n);
    }
  }
  return r;
}

Reply<std::vector<int32_t>> SchemaRegistry::delete_subject(const std::string& subject,
                                                           bool permanent) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = subjects_.find(subject);
  if (it == subjects_.end()) {
    return Reply<std::vector<int32_t>>::fail(404, 40401, not_found_subject(subject));
  }
  // A soft delete marks the live versions deleted; a hard delete removes every version.
  std::vector<SchemaVersion> todo;
  bool any_live = false;
  for (const auto& [n, v] : it->second.versions) {
    any_live |= !v.deleted;
    if (permanent || !v.deleted) todo.push_back(v);
  }
  if (!permanent && !any_live) {
    return Reply<std::vector<int32_t>>::fail(
        404, 40404,
        fmt::format("Subject '{}' was soft deleted. Set permanent=true to delete permanently",
                    subject));
  }
  if (permanent && any_live) {
    return Reply<std::vector<int32_t>>::fail(
        404, 40405,
        fmt::format("Subject '{}' was not deleted first before being permanently deleted",
                    subject));
  }
  Reply<std::vector<int32_t>> r;
  r.value.emplace();
  for (SchemaVersion& v : todo) {
    if (Status st = delete_one(v, permanent); !st.is_ok()) {
      return store_error<std::vector<int32_t>>(st);
    }
    r.value->push_back(v.version);
  }
  return r;
}

Reply<int32_t> SchemaRegistry::delete_version(const std::string& subject,
                                              const std::string& version, bool permanent) {
  std::lock_guard<std::mutex> lock(mu_);
  const Subject* s = find_subject(subject, permanent);
  if (!s) return Reply<int32_t>::fail(404, 40401, not_found_subject(subject));
  Reply<int32_t> n = parse_version(*s, version, true);
  if (!n.ok()) return n;
  SchemaVersion v = s->versions.at(*n.value);
  if (!permanent && v.deleted) {
    return Reply<int32_t>::fail(
        404, 40406,
        fmt::format("Subject '{}' Version {} was soft deleted. Set permanent=true to delete "
                    "permanently",
                    subject, v.version));
  }
  if (permanent && !v.deleted) {
    return Reply<int32_t>::fail(
        404, 40407,
        fmt::format("Subject '{}' Version {} was not deleted first before being permanently "
                    "deleted",
                    subject, v.version));
  }
  if (Status st = delete_one(v, permanent); !st.is_ok()) return store_error<int32_t>(st);
  return Reply<int32_t>::of(v.version);
}

Reply<std::vector<std::string>> SchemaRegistry::check_compatibility(const std::string& subject,
                                                                    const std::string& version,
                                                                    const SchemaInput& in) const {
  std::lock_guard<std::mutex> lock(mu_);
  using R = Reply<std::vector<std::string>>;
  Reply<std::string> ident = identity(in);
  if (!ident.ok()) return R::fail(ident);
  const Subject* s = find_subject(subject, false);
  const std::string level = level_of(subject);
  std::vector<const SchemaVersion*> against;
  if (!version.empty()) {
    if (!s) return R::fail(404, 40401, not_found_subject(subject));
    Reply<int32_t> n = parse_version(*s, version, false);
    if (!n.ok()) return R::fail(n);
    against.push_back(&s->versions.at(*n.value));
  } else if (s) {
    for (auto it = s->versions.rbegin(); it != s->versions.rend(); ++it) {
      if (it->second.deleted) continue;
      against.push_back(&it->second);
      if (!transitive(level)) break;
    }
  }
  return R::of(incompatibilities(in, against, level));
}

Reply<std::string> SchemaRegistry::get_config(const std::string& subject,
                                              bool default_to_global) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (!subject.empty() && config_.find(subject) == config_.end() && !default_to_global) {
    return not_configured(subject, "compatibility", 40408);
  }
  return Reply<std::string>::of(level_of(subject));
}

Reply<std::string> SchemaRegistry::set_config(const std::string& subject,
                                              const std::string& level) {
  const std::string l = upper(level);
  if (!valid_compatibility_level(l)) {
    return Reply<std::string>::fail(
        422, 42203,
        "Invalid compatibility level. Valid values are none, backward, forward, full, "
        "backward_transitive, forward_transitive, and full_transitive");
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (Status st = append(subject_key("CONFIG", subject), json{{"compatibilityLevel", l}}.dump());
      !st.is_ok()) {
    return store_error<std::string>(st);
  }
  return Reply<std::string>::of(l);
}

Reply<std::string> SchemaRegistry::delete_config(const std::string& subject) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = config_.find(subject);
  if (it == config_.end() && !subject.empty()) {
    return not_configured(subject, "compatibility", 40408);
  }
  Reply<std::string> r;
  r.value = level_of(subject);
  if (it != config_.end()) {
    if (Status st = append(subject_key("CONFIG", subject), std::nullopt); !st.is_ok()) {
      return store_error<std::string>(st);
    }
  }
  return r;
}

Reply<std::string> SchemaRegistry::get_mode(const std::string& subject,
                                            bool default_to_global) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (!subject.empty() && mode_.find(subject) == mode_.end() && !default_to_global) {
    return not_configured(subject, "mode", 40409);
  }
  return Reply<std::string>::of(mode_of(subject));
}

Reply<std::string> SchemaRegistry::set_mode(const std::string& subject, const std::string& mode,
                                            bool force) {
  const std::string m = upper(mode);
  if (m != "READWRITE" && m != "READONLY" && m != "READONLY_OVERRIDE" && m != "IMPORT") {
    return Reply<std::string>::fail(
        422, 42204,
        "Invalid mode. Valid values are READWRITE, READONLY, READONLY_OVERRIDE and IMPORT");
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (m == "IMPORT" && !force) {
    // Importing into a registry (or subject) that has schemas would mix two id spaces.
    bool has = subject.empty() ? !subjects_.empty() : find_subject(subject, true) != nullptr;
    if (has) {
      return Reply<std::string>::fail(422, 42205, "Cannot import since found existing subjects");
    }
  }
  if (Status st = append(subject_key("MODE", subject), json{{"mode", m}}.dump()); !st.is_ok()) {
    return store_error<std::string>(st);
  }
  return Reply<std::string>::of(m);
}

Reply<std::string> SchemaRegistry::delete_mode(const std::string& subject) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = mode_.find(subject);
  if (it == mode_.end()) {
    return not_configured(subject, "mode", 40409);
  }
  Reply<std::string> r;
  r.value = it->second;
  if (Status st = append(subject_key("MODE", subject), std::nullopt); !st.is_ok()) {
    return store_error<std::string>(st);
  }
  return r;
}

Status MemorySchemaLog::append(const std::string& key, const std::optional<std::string>& value) {
  if (fail) return Status::io_error("disk full");
  records.emplace_back(key, value);
  return Status::ok();
}

Status MemorySchemaLog::replay(
    const std::function<void(std::string_view, std::optional<std::string_view>)>& f) {
  for (const auto& [k, v] : records) f(k, v ? std::optional<std::string_view>(*v) : std::nullopt);
  return Status::ok();
}

}  // namespace sluice::schema
