#include "format/types.h"

#include <algorithm>
#include <cassert>

#include <fmt/format.h>

namespace sluice::format {

struct Type::Nested {
  std::vector<Type> children;  // ARRAY: {element}; MAP: {key, value}
  std::vector<Field> fields;   // STRUCT
};

std::string_view type_id_name(TypeId id) {
  switch (id) {
    case TypeId::kBoolean:
      return "BOOLEAN";
    case TypeId::kInteger:
      return "INTEGER";
    case TypeId::kBigint:
      return "BIGINT";
    case TypeId::kDouble:
      return "DOUBLE";
    case TypeId::kDecimal:
      return "DECIMAL";
    case TypeId::kString:
      return "STRING";
    case TypeId::kBytes:
      return "BYTES";
    case TypeId::kTimestamp:
      return "TIMESTAMP";
    case TypeId::kDate:
      return "DATE";
    case TypeId::kTime:
      return "TIME";
    case TypeId::kArray:
      return "ARRAY";
    case TypeId::kMap:
      return "MAP";
    case TypeId::kStruct:
      return "STRUCT";
  }
  return "UNKNOWN";
}

Type Type::decimal(int precision, int scale) {
  assert(!check_decimal(precision, scale));
  Type t(TypeId::kDecimal);
  t.precision_ = static_cast<uint8_t>(precision);
  t.scale_ = static_cast<uint8_t>(scale);
  return t;
}

Type Type::array(Type element) {
  Type t(TypeId::kArray);
  auto n = std::make_shared<Nested>();
  n->children.push_back(std::move(element));
  t.nested_ = std::move(n);
  return t;
}

Type Type::map(Type key, Type value) {
  Type t(TypeId::kMap);
  auto n = std::make_shared<Nested>();
  n->children.push_back(std::move(key));
  n->children.push_back(std::move(value));
  t.nested_ = std::move(n);
  return t;
}

Type Type::struct_(std::vector<Field> fields) {
  Type t(TypeId::kStruct);
  auto n = std::make_shared<Nested>();
  n->fields = std::move(fields);
  t.nested_ = std::move(n);
  return t;
}

const Type& Type::element() const {
  assert(id_ == TypeId::kArray || id_ == TypeId::kMap);
  return nested_->children.back();
}
const Type& Type::key() const {
  assert(id_ == TypeId::kMap);
  return nested_->children.front();
}
const Type& Type::value() const {
  assert(id_ == TypeId::kMap);
  return nested_->children.back();
}
const std::vector<Field>& Type::fields() const {
  assert(id_ == TypeId::kStruct);
  return nested_->fields;
}

int Type::field_index(std::string_view name) const {
  const auto& fs = fields();
  for (size_t i = 0; i < fs.size(); ++i) {
    if (fs[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

namespace {

void append_type(std::string& out, const Type& t, bool describe) {
  switch (t.id()) {
    case TypeId::kDecimal:
      out += fmt::format("DECIMAL({}, {})", t.precision(), t.scale());
      return;
    case TypeId::kString:
      out += describe ? "VARCHAR(STRING)" : "STRING";
      return;
    case TypeId::kArray:
      out += "ARRAY<";
      append_type(out, t.element(), describe);
      out += '>';
      return;
    case TypeId::kMap:
      out += "MAP<";
      append_type(out, t.key(), describe);
      out += ", ";
      append_type(out, t.value(), describe);
      out += '>';
      return;
    case TypeId::kStruct: {
      out += "STRUCT<";
      bool first = true;
      for (const Field& f : t.fields()) {
        if (!first) out += ", ";
        first = false;
        if (describe) {
          out += f.name;
        } else {
          out += '`';
          out += f.name;
          out += '`';
        }
        out += ' ';
        append_type(out, f.type, describe);
      }
      out += '>';
      return;
    }
    default:
      out += type_id_name(t.id());
      return;
  }
}

}  // namespace

std::string Type::to_string() const {
  std::string s;
  append_type(s, *this, false);
  return s;
}

std::string Type::describe_name() const {
  std::string s;
  append_type(s, *this, true);
  return s;
}

bool Type::operator==(const Type& o) const {
  if (id_ != o.id_) return false;
  switch (id_) {
    case TypeId::kDecimal:
      return precision_ == o.precision_ && scale_ == o.scale_;
    case TypeId::kArray:
    case TypeId::kMap:
      return nested_ == o.nested_ || nested_->children == o.nested_->children;
    case TypeId::kStruct:
      return nested_ == o.nested_ || nested_->fields == o.nested_->fields;
    default:
      return true;
  }
}

size_t Type::physical_size() const {
  switch (id_) {
    case TypeId::kBoolean:
      return 1;
    case TypeId::kInteger:
    case TypeId::kDate:
    case TypeId::kTime:
      return 4;
    case TypeId::kBigint:
    case TypeId::kTimestamp:
    case TypeId::kDouble:
      return 8;
    case TypeId::kDecimal:
      return 16;
    case TypeId::kString:
    case TypeId::kBytes:
      return sizeof(std::string_view);
    case TypeId::kArray:
    case TypeId::kMap:
      return 8;  // ListEntry
    case TypeId::kStruct:
      return 0;
  }
  return 0;
}

std::optional<TypeError> check_decimal(int precision, int scale) {
  if (precision < 1) {
    return TypeError{
        fmt::format("DECIMAL precision must be >= 1: DECIMAL({}, {})", precision, scale)};
  }
  if (precision > kMaxDecimalPrecision) {
    return TypeError{fmt::format("DECIMAL precision must be <= {}: DECIMAL({}, {})",
                                 kMaxDecimalPrecision, precision, scale)};
  }
  if (scale < 0) {
    return TypeError{
        fmt::format("DECIMAL scale must be non-negative: DECIMAL({}, {})", precision, scale)};
  }
  if (scale > precision) {
    return TypeError{
        fmt::format("DECIMAL precision must be >= scale: DECIMAL({}, {})", precision, scale)};
  }
  return std::nullopt;
}

std::optional<Type> to_decimal_type(const Type& t) {
  switch (t.id()) {
    case TypeId::kInteger:
      return Type::decimal(10, 0);
    case TypeId::kBigint:
      return Type::decimal(19, 0);
    case TypeId::kDecimal:
      return t;
    default:
      return std::nullopt;
  }
}

namespace {

int numeric_rank(TypeId id) {
  switch (id) {
    case TypeId::kInteger:
      return 1;
    case TypeId::kBigint:
      return 2;
    case TypeId::kDecimal:
      return 3;
    case TypeId::kDouble:
      return 4;
    default:
      return 0;
  }
}

Type widen_decimals(const Type& a, const Type& b) {
  int scale = std::max(a.scale(), b.scale());
  int integral = std::max(a.precision() - a.scale(), b.precision() - b.scale());
  int precision = std::min(integral + scale, kMaxDecimalPrecision);
  return Type::decimal(precision, std::min(scale, precision));
}

}  // namespace

bool can_implicitly_cast(const Type& from, const Type& to) {
  if (from == to) return true;
  int rf = numeric_rank(from.id());
  int rt = numeric_rank(to.id());
  if (rf && rt) {
    if (to.id() == TypeId::kDecimal) {
      if (rf > rt) return false;
      // The source, as a decimal, must fit in the target's integral and fractional digits.
      Type d = *to_decimal_type(from);
      return d.precision() - d.scale() <= to.precision() - to.scale() && d.scale() <= to.scale();
    }
    return rf <= rt;
  }
  if (from.id() != to.id()) return false;
  switch (from.id()) {
    case TypeId::kArray:
      return can_implicitly_cast(from.element(), to.element());
    case TypeId::kMap:
      return can_implicitly_cast(from.key(), to.key()) &&
             can_implicitly_cast(from.value(), to.value());
    case TypeId::kStruct: {
      const auto& ff = from.fields();
      const auto& tf = to.fields();
      if (ff.size() != tf.size()) return false;
      for (size_t i = 0; i < ff.size(); ++i) {
        if (ff[i].name != tf[i].name || !can_implicitly_cast(ff[i].type, tf[i].type)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

std::optional<Type> common_super_type(const Type& a, const Type& b) {
  if (a == b) return a;
  int ra = numeric_rank(a.id());
  int rb = numeric_rank(b.id());
  if (ra && rb) {
    if (ra == 4 || rb == 4) return Type::double_();
    if (ra == 3 || rb == 3) return widen_decimals(*to_decimal_type(a), *to_decimal_type(b));
    return ra >= rb ? a : b;
  }
  if (a.id() != b.id()) return std::nullopt;
  switch (a.id()) {
    case TypeId::kArray: {
      auto e = common_super_type(a.element(), b.element());
      if (!e) return std::nullopt;
      return Type::array(*e);
    }
    case TypeId::kMap: {
      auto k = common_super_type(a.key(), b.key());
      auto v = common_super_type(a.value(), b.value());
      if (!k || !v) return std::nullopt;
      return Type::map(*k, *v);
    }
    default:
      return std::nullopt;
  }
}

}  // namespace sluice::format
