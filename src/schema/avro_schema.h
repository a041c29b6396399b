// Avro schemas for the Schema Registry: parsing and validation (the Avro 1.11 specification),
// the Parsing Canonical Form (two schemas that read data alike compare equal), and schema
// resolution (whether a reader schema can read what a writer schema wrote), which the
// registry's compatibility modes are built on.
//
// Thread-safety: an AvroSchema is immutable after parse(); free functions hold no state. Copies
// share the (immutable) node tree.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace sluice::schema {

enum class AvroType : std::uint8_t {
  kNull,
  kBoolean,
  kInt,
  kLong,
  kFloat,
  kDouble,
  kBytes,
  kString,
  kRecord,
  kEnum,
  kArray,
  kMap,
  kUnion,
  kFixed,
};

// The type's name in a schema: "null", "boolean", ..., "record", "union".
std::string_view avro_type_name(AvroType t);

class AvroSchema {
 public:
  struct Node;
  // Parses a schema's JSON text (a primitive type name string, a JSON object, or a union array).
  // Invalid schemas fail with invalid_argument and a message naming what is wrong.
  static Result<AvroSchema> parse(std::string_view json);

  // The Parsing Canonical Form (Avro specification, "Parsing Canonical Form for Schemas").
  const std::string& canonical() const;
  const Node& root() const { return *root_; }

 private:
  // Points into an arena holding every node of this schema (aliasing shared_ptr): named types
  // may be referenced from many places and recursively, so nodes are not owned by their parents.
  std::shared_ptr<const Node> root_;
  std::string canonical_;
};

// One node of a parsed schema. A reference to a named type (and a recursive one) is a pointer to
// the node that defined it, so the graph may have cycles; all nodes live as long as the schema.
struct AvroSchema::Node {
  struct Field {
    std::string name;
    const Node* type = nullptr;
    std::vector<std::string> aliases;
    std::optional<std::string> default_json;  // the default value as compact JSON, if any
  };

  AvroType type = AvroType::kNull;
  std::string logical_type;  // "" when absent; kept for users, ignored by resolution
  // logicalType "decimal" (bytes, fixed): 0 when absent or not a non-negative integer.
  int precision = 0;
  int scale = 0;

  // Named types (record, enum, fixed).
  std::string full_name;             // namespace-qualified
  std::vector<std::string> aliases;  // namespace-qualified
  // record
  std::vector<Field> fields;
  // enum
  std::vector<std::string> symbols;
  std::optional<std::string> enum_default;
  // fixed
  std::int64_t size = 0;
  // array / map
  const Node* items = nullptr;
  const Node* values = nullptr;
  // union
  std::vector<const Node*> branches;
};

// Whether data written with `writer` can be read with `reader` (Avro schema resolution). Empty
// when it can; else one message per incompatibility, in Confluent's registry's form:
// {errorType:'TYPE_MISMATCH', description:'...', additionalInfo:'reader type: STRING not
// compatible with writer type: INT'}.
std::vector<std::string> avro_incompatibilities(const AvroSchema& reader, const AvroSchema& writer);

}  // namespace sluice::schema
