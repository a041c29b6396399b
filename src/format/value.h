// Value: one boxed, typed SQL value, for literals, constant folding, slow paths and tests. Never
// on the hot path: operators work on Vectors.
//
// Thread-safety: immutable after construction apart from assignment; a value type.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "format/decimal.h"
#include "format/types.h"
#include "format/vector.h"

namespace sluice::format {

class Value {
 public:
  // NULL of type INTEGER (ksqlDB's untyped NULL literal is typed by context later).
  Value() = default;

  static Value null(Type type);
  static Value boolean(bool v);
  static Value integer(int32_t v);
  static Value bigint(int64_t v);
  // NOLINTNEXTLINE(readability-identifier-naming): the SQL type's name is a C++ keyword.
  static Value double_(double v);
  static Value decimal(Int128 unscaled, int precision, int scale);
  static Value string(std::string v);
  static Value bytes(std::string v);
  static Value timestamp(int64_t ms);
  static Value date(int32_t days);
  static Value time(int32_t ms_of_day);
  static Value array(Type element, std::vector<Value> elements);
  static Value map(Type key, Type value, std::vector<std::pair<Value, Value>> entries);
  // Field values in the order of type.fields().
  // NOLINTNEXTLINE(readability-identifier-naming): the SQL type's name is a C++ keyword.
  static Value struct_(Type type, std::vector<Value> fields);

  const Type& type() const { return type_; }
  bool is_null() const { return null_; }

  bool as_bool() const { return i_ != 0; }
  int32_t as_int() const { return static_cast<int32_t>(i_); }
  int64_t as_bigint() const { return i_; }  // also TIMESTAMP ms, DATE days, TIME ms
  double as_double() const { return d_; }
  Int128 as_decimal() const { return dec_; }
  const std::string& as_string() const { return s_; }               // STRING and BYTES
  const std::vector<Value>& elements() const { return children_; }  // ARRAY
  const std::vector<Value>& map_keys() const { return children_; }
  const std::vector<Value>& map_values() const { return values_; }
  const std::vector<Value>& struct_fields() const { return children_; }
  // The struct field named exactly `name`, or nullptr.
  const Value* field(std::string_view name) const;

  // ksqlDB-style text: 12, 1.5, 'abc' quoting off: abc, [1, 2], {a=1}, Struct{A=1}; NULL as
  // "null".
  std::string to_string() const;

  bool operator==(const Value& o) const;
  bool operator!=(const Value& o) const { return !(*this == o); }

 private:
  static Value make_int(Type t, int64_t i);

  Type type_;
  bool null_ = true;
  int64_t i_ = 0;
  double d_ = 0;
  Int128 dec_ = 0;
  std::string s_;
  std::vector<Value> children_;
  std::vector<Value> values_;
};

// Boxes row `row` (logical: a constant vector answers for every row) of `v`.
Value read_value(const Vector& v, size_t row);
// Writes `value` into physical row `row` of `v`; the value's type must equal the vector's, or
// the value be NULL.
void write_value(Vector& v, size_t row, const Value& value);

}  // namespace sluice::format
