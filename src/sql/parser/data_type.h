// SQL data types as written in ksqlDB statements (column definitions, CAST, CREATE TYPE).
//
// Thread-safety: plain value types; no shared state.
//
// A DataType is a tree that owns its children by value, so it can be copied and compared freely
// (the catalog keeps copies of column types; the planner compares them).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sluice::sql {

enum class TypeKind : uint8_t {
  kBoolean,
  kInt,     // INT, INTEGER: 32-bit signed
  kBigInt,  // BIGINT: 64-bit signed
  kDouble,
  kDecimal,  // DECIMAL(precision, scale)
  kString,   // STRING, VARCHAR
  kBytes,
  kTimestamp,
  kDate,
  kTime,
  kArray,   // children[0] is the element type
  kMap,     // children[0] key, children[1] value
  kStruct,  // fields
  kCustom,  // a name registered with CREATE TYPE; resolved by the catalog
};

struct StructField;

// A base type may carry parameters that ksqlDB's grammar accepts but no built-in type uses
// (`VARCHAR(STRING)`); they are kept so that the planner can reject them with a clear message.
struct TypeParameter {
  bool is_string_keyword = false;  // the parameter was the word STRING
  int64_t value = 0;               // otherwise an integer
  bool operator==(const TypeParameter&) const = default;
};

struct DataType {
  TypeKind kind = TypeKind::kString;
  int32_t precision = 0;  // kDecimal only
  int32_t scale = 0;      // kDecimal only
  std::string name;       // kCustom: the type's name (case-normalized like identifiers)
  std::vector<DataType> children;
  std::vector<StructField> fields;
  std::vector<TypeParameter> params;

  // Out of line: StructField is incomplete here, and constructing a DataType needs it complete.
  static DataType primitive(TypeKind k);
  static DataType decimal(int32_t precision, int32_t scale);
  static DataType array(DataType element);
  static DataType map(DataType key, DataType value);
  static DataType custom(std::string name);

  const DataType& element() const { return children.at(0); }
  const DataType& key() const { return children.at(0); }
  const DataType& value() const { return children.at(1); }

  bool operator==(const DataType& other) const;
  bool operator!=(const DataType& other) const { return !(*this == other); }
};

struct StructField {
  std::string name;
  DataType type;
  bool operator==(const StructField& o) const { return name == o.name && type == o.type; }
};

// ksqlDB's spelling of a type kind: "INTEGER", "BIGINT", "ARRAY", ...
const char* type_kind_name(TypeKind kind);

}  // namespace sluice::sql
