// SQL types: ksqlDB's type system (BOOLEAN, INTEGER, BIGINT, DOUBLE, DECIMAL(p,s), STRING, BYTES,
// TIMESTAMP, DATE, TIME, ARRAY<T>, MAP<K,V>, STRUCT<name T, ...>), the implicit widening casts
// ksqlDB applies, and the two spellings ksqlDB prints (SQL text and the CLI's DESCRIBE column).
//
// Thread-safety: Type is an immutable value; copies share their nested descriptors, which are
// never modified after construction, so Types may be read from any thread.
//
// Physical representation of each type in a column vector (see vector.h):
//   BOOLEAN  uint8_t (0/1)        INTEGER  int32_t          BIGINT   int64_t
//   DOUBLE   double               DECIMAL  __int128 unscaled value, scale from the type
//   STRING   std::string_view     BYTES    std::string_view (raw bytes)
//   TIMESTAMP int64_t ms since the Unix epoch   DATE int32_t days since the epoch
//   TIME     int32_t ms since midnight
//   ARRAY    ListEntry{offset,length} into one child vector
//   MAP      ListEntry into two child vectors (keys, values)
//   STRUCT   one child vector per field, row-aligned with the parent
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::format {

enum class TypeId : uint8_t {
  kBoolean,
  kInteger,
  kBigint,
  kDouble,
  kDecimal,
  kString,
  kBytes,
  kTimestamp,
  kDate,
  kTime,
  kArray,
  kMap,
  kStruct,
};

// ksqlDB's base type name: "BOOLEAN", "INTEGER", "BIGINT", "DOUBLE", "DECIMAL", "STRING", ...
std::string_view type_id_name(TypeId id);

inline constexpr int kMaxDecimalPrecision = 38;

struct Field;

class Type {
 public:
  // A default-constructed Type is INTEGER; use the factories below.
  Type() = default;

  static Type boolean() { return Type(TypeId::kBoolean); }
  static Type integer() { return Type(TypeId::kInteger); }
  static Type bigint() { return Type(TypeId::kBigint); }
  // NOLINTNEXTLINE(readability-identifier-naming): the SQL type's name is a C++ keyword.
  static Type double_() { return Type(TypeId::kDouble); }
  static Type string() { return Type(TypeId::kString); }
  static Type bytes() { return Type(TypeId::kBytes); }
  static Type timestamp() { return Type(TypeId::kTimestamp); }
  static Type date() { return Type(TypeId::kDate); }
  static Type time() { return Type(TypeId::kTime); }
  // 1 <= precision <= 38, 0 <= scale <= precision; checked by make_decimal.
  static Type decimal(int precision, int scale);
  static Type array(Type element);
  static Type map(Type key, Type value);
  // NOLINTNEXTLINE(readability-identifier-naming): the SQL type's name is a C++ keyword.
  static Type struct_(std::vector<Field> fields);

  TypeId id() const { return id_; }
  bool is_nested() const { return id_ >= TypeId::kArray; }
  bool is_numeric() const {
    return id_ == TypeId::kInteger || id_ == TypeId::kBigint || id_ == TypeId::kDouble ||
           id_ == TypeId::kDecimal;
  }
  bool is_string_like() const { return id_ == TypeId::kString || id_ == TypeId::kBytes; }
  int precision() const { return precision_; }
  int scale() const { return scale_; }
  // ARRAY element type; MAP value type.
  const Type& element() const;
  const Type& key() const;                   // MAP only
  const Type& value() const;                 // MAP only
  const std::vector<Field>& fields() const;  // STRUCT only
  // Index of the struct field named exactly `name`, or -1.
  int field_index(std::string_view name) const;

  // ksqlDB's SqlType.toString(): INTEGER, STRING, DECIMAL(4, 2), ARRAY<BIGINT>,
  // MAP<STRING, INTEGER>, STRUCT<`A` INTEGER, `B` STRING>.
  std::string to_string() const;
  // The CLI's DESCRIBE spelling: STRING prints as VARCHAR(STRING), struct fields unquoted:
  // STRUCT<A INTEGER, B VARCHAR(STRING)>.
  std::string describe_name() const;

  // Structural equality (field names compared exactly).
  bool operator==(const Type& o) const;
  bool operator!=(const Type& o) const { return !(*this == o); }

  // Bytes one row takes in a flat vector's data buffer (0 for STRUCT, which has none).
  size_t physical_size() const;

 private:
  explicit Type(TypeId id) : id_(id) {}
  struct Nested;

  TypeId id_ = TypeId::kInteger;
  uint8_t precision_ = 0;
  uint8_t scale_ = 0;
  std::shared_ptr<const Nested> nested_;
};

struct Field {
  std::string name;
  Type type;
  bool operator==(const Field& o) const { return name == o.name && type == o.type; }
};

// Validates and builds DECIMAL(p, s) the way ksqlDB reports bad ones.
struct TypeError {
  std::string message;
};
std::optional<TypeError> check_decimal(int precision, int scale);

// The DECIMAL an integer type converts to losslessly: INTEGER -> DECIMAL(10, 0),
// BIGINT -> DECIMAL(19, 0); a DECIMAL is returned unchanged.
std::optional<Type> to_decimal_type(const Type& t);

// ksqlDB's implicit casts: INTEGER -> BIGINT -> DECIMAL -> DOUBLE (each also to any later one),
// DECIMAL(p1,s1) -> DECIMAL(p2,s2) when it fits, and element-wise for ARRAY/MAP/STRUCT.
bool can_implicitly_cast(const Type& from, const Type& to);

// The type two operands of arithmetic, CASE branches or IN lists widen to, or nullopt if they do
// not mix: numeric types widen along INTEGER -> BIGINT -> DECIMAL -> DOUBLE, two DECIMALs to the
// smallest DECIMAL holding both (ksqlDB's DecimalUtil.widen), equal types to themselves.
std::optional<Type> common_super_type(const Type& a, const Type& b);

}  // namespace sluice::format
