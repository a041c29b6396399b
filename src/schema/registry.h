// The Schema Registry: subjects, their versions, global schema ids, compatibility configuration
// and modes, with Confluent Schema Registry's semantics and error codes, so that Confluent's
// serializers and tools work against Sluice unchanged.
//
// Every change is a record of the `_schemas` log (SchemaLog), keyed and valued as Confluent's
// registry writes its `_schemas` topic (JSON keys {"keytype":"SCHEMA"|"CONFIG"|"MODE",...}); the
// registry's state is what replaying those records gives, so a restart (or a second process over
// the same log) rebuilds it.
//
// Schema types: AVRO is parsed and validated, registered schemas are identified by their JSON
// with whitespace and attribute order normalized (so formatting differences do not make new
// versions, while a changed default does) and compatibility is Avro schema resolution. JSON and
// PROTOBUF schemas are identified by their text; their compatibility follows Confluent's JSON
// Schema and Protobuf rules (json_schema_compat.h, protobuf_compat.h; PROTOBUF references are
// resolved through the registry).
//
// Thread-safety: every member function is thread-safe (one mutex; log appends happen under it, in
// the order of the changes).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace sluice::schema {

// Where the registry's records go and come back from (a compacted topic).
class SchemaLog {
 public:
  virtual ~SchemaLog() = default;
  // Appends one record durably; `value` nullopt: a tombstone (a hard delete).
  virtual Status append(const std::string& key, const std::optional<std::string>& value) = 0;
  // Calls `f` with every record from the start, in order.
  virtual Status replay(const std::function<void(std::string_view key,
                                                 std::optional<std::string_view> value)>& f) = 0;
};

// The log in memory (tests, and `sluice test`'s per-case registries): a replay sees every record
// appended so far. `fail` makes appends fail (fault injection).
class MemorySchemaLog final : public SchemaLog {
 public:
  Status append(const std::string& key, const std::optional<std::string>& value) override;
  Status replay(const std::function<void(std::string_view key,
                                         std::optional<std::string_view> value)>& f) override;
  std::vector<std::pair<std::string, std::optional<std::string>>> records;
  bool fail = false;
};

// A failed request: the HTTP status and Confluent's error code and message.
struct RegistryError {
  int http_status = 500;
  int code = 50001;
  std::string message;
};

template <typename T>
struct Reply {
  std::optional<T> value;
  RegistryError error;
  bool ok() const { return value.has_value(); }
  static Reply of(T v) {
    Reply r;
    r.value = std::move(v);
    return r;
  }
  static Reply fail(int http_status, int code, std::string message) {
    Reply r;
    r.error = {http_status, code, std::move(message)};
    return r;
  }
  // Another reply's error.
  template <typename U>
  static Reply fail(const Reply<U>& other) {
    Reply r;
    r.error = other.error;
    return r;
  }
};

struct SchemaReference {
  std::string name;
  std::string subject;
  int32_t version = 0;
  bool operator==(const SchemaReference&) const = default;
};

struct SchemaVersion {
  std::string subject;
  int32_t version = 0;
  int32_t id = 0;
  std::string type = "AVRO";  // AVRO, JSON, PROTOBUF
  std::string schema;
  std::vector<SchemaReference> references;
  bool deleted = false;
};

// A schema as a client sends it.
struct SchemaInput {
  std::string schema;
  std::string type = "AVRO";
  std::vector<SchemaReference> references;
  // IMPORT mode only: the id and version to register it under.
  std::optional<int32_t> id, version;
};

class SchemaRegistry {
 public:
  // Replays `log` (which must outlive the registry).
  static Result<std::unique_ptr<SchemaRegistry>> open(SchemaLog& log);

  // POST /subjects/{s}/versions: the schema's id (an existing version's when the subject already
  // has it; the id of the same schema under another subject when there is one).
  Reply<int32_t> register_schema(const std::string& subject, const SchemaInput& in, bool normalize);
  // POST /subjects/{s}: the subject's version holding this schema.
  Reply<SchemaVersion> lookup(const std::string& subject, const SchemaInput& in,
                              bool deleted) const;
  Reply<std::vector<std::string>> subjects(bool deleted, std::string_view prefix) const;
  Reply<std::vector<int32_t>> versions(const std::string& subject, bool deleted) const;
  // `version`: a number, "latest" or "-1".
  Reply<SchemaVersion> get_version(const std::string& subject, const std::string& version,
                                   bool deleted) const;
  Reply<std::vector<int32_t>> referenced_by(const std::string& subject,
                                            const std::string& version) const;
  Reply<SchemaVersion> by_id(int32_t id) const;
  // The (subject, version) pairs that hold schema `id`.
  Reply<std::vector<std::pair<std::string, int32_t>>> id_versions(int32_t id, bool deleted) const;
  // DELETE /subjects/{s}: the versions deleted.
  Reply<std::vector<int32_t>> delete_subject(const std::string& subject, bool permanent);
  Reply<int32_t> delete_version(const std::string& subject, const std::string& version,
                                bool permanent);

  // Compatibility of `in` with the subject's version(s) (`version` a number or "latest"; empty:
  // every version the subject's level says); the reasons when it is not.
  Reply<std::vector<std::string>> check_compatibility(const std::string& subject,
                                                      const std::string& version,
                                                      const SchemaInput& in) const;

  // Compatibility levels ("BACKWARD", ...) and modes ("READWRITE", "READONLY", "IMPORT");
  // subject empty: the global one.
  Reply<std::string> get_config(const std::string& subject, bool default_to_global) const;
  Reply<std::string> set_config(const std::string& subject, const std::string& level);
  Reply<std::string> delete_config(const std::string& subject);
  Reply<std::string> get_mode(const std::string& subject, bool default_to_global) const;
  Reply<std::string> set_mode(const std::string& subject, const std::string& mode, bool force);
  Reply<std::string> delete_mode(const std::string& subject);

 private:
  explicit SchemaRegistry(SchemaLog& log) : log_(log) {}
  struct Subject {
    std::map<int32_t, SchemaVersion> versions;
  };
  // The records' effect on the state (replay and every change).
  void apply(std::string_view key, std::optional<std::string_view> value);
  Status append(const std::string& key, const std::optional<std::string>& value);
  Status write_version(const SchemaVersion& v);
  // A soft delete (the version marked deleted) or a permanent one (a tombstone).
  Status delete_one(SchemaVersion v, bool permanent);
  // The identity of a schema: its type, canonical form (AVRO) or text, and references.
  Reply<std::string> identity(const SchemaInput& in) const;
  std::string level_of(const std::string& subject) const;
  std::string mode_of(const std::string& subject) const;
  std::vector<std::string> incompatibilities(const SchemaInput& in,
                                             const std::vector<const SchemaVersion*>& against,
                                             const std::string& level) const;
  // The texts a schema's references name, transitively, by import name (caller holds mu_;
  // deleted versions still resolve: old schemas keep their imports).
  Result<std::map<std::string, std::string>> imports_of(
      const std::vector<SchemaReference>& references) const;
  const Subject* find_subject(const std::string& subject, bool deleted) const;
  Reply<int32_t> parse_version(const Subject& s, const std::string& version, bool deleted) const;

  SchemaLog& log_;
  mutable std::mutex mu_;
  std::map<std::string, Subject> subjects_;           // guarded by mu_
  std::map<int32_t, SchemaVersion> ids_;              // the first version of each id
  std::map<std::string, int32_t> id_by_identity_;     // guarded by mu_
  std::map<std::string, std::string> config_, mode_;  // "" the global one
  int32_t max_id_ = 0;
};

// Confluent's names: "BACKWARD", ... and the error message for an invalid one.
bool valid_compatibility_level(std::string_view level);

}  // namespace sluice::schema
