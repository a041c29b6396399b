#include "format/value.h"

#include <cassert>
#include <cmath>

#include "format/text.h"

namespace sluice::format {

Value Value::null(Type type) {
  Value v;
  v.type_ = std::move(type);
  return v;
}

Value Value::boolean(bool b) {
  Value v;
  v.type_ = Type::boolean();
  v.null_ = false;
  v.i_ = b ? 1 : 0;
  return v;
}
Value Value::integer(int32_t i) {
  return make_int(Type::integer(), i);
}
Value Value::bigint(int64_t i) {
  return make_int(Type::bigint(), i);
}
Value Value::timestamp(int64_t ms) {
  return make_int(Type::timestamp(), ms);
}
Value Value::date(int32_t days) {
  return make_int(Type::date(), days);
}
Value Value::time(int32_t ms) {
  return make_int(Type::time(), ms);
}

Value Value::make_int(Type t, int64_t i) {
  Value v;
  v.type_ = std::move(t);
  v.null_ = false;
  v.i_ = i;
  return v;
}

Value Value::double_(double d) {
  Value v;
  v.type_ = Type::double_();
  v.null_ = false;
  v.d_ = d;
  return v;
}

Value Value::decimal(Int128 unscaled, int precision, int scale) {
  Value v;
  v.type_ = Type::decimal(precision, scale);
  v.null_ = false;
  v.dec_ = unscaled;
  return v;
}

Value Value::string(std::string s) {
  Value v;
  v.type_ = Type::string();
  v.null_ = false;
  v.s_ = std::move(s);
  return v;
}

Value Value::bytes(std::string s) {
  Value v;
  v.type_ = Type::bytes();
  v.null_ = false;
  v.s_ = std::move(s);
  return v;
}

Value Value::array(Type element, std::vector<Value> elements) {
  Value v;
  v.type_ = Type::array(std::move(element));
  v.null_ = false;
  v.children_ = std::move(elements);
  return v;
}

// NOLINTNEXTLINE(performance-unnecessary-value-param): false positive; entries are moved from.
Value Value::map(Type key, Type value, std::vector<std::pair<Value, Value>> entries) {
  Value v;
  v.type_ = Type::map(std::move(key), std::move(value));
  v.null_ = false;
  for (auto& [k, val] : entries) {
    v.children_.push_back(std::move(k));
    v.values_.push_back(std::move(val));
  }
  return v;
}

Value Value::struct_(Type type, std::vector<Value> fields) {
  assert(type.id() == TypeId::kStruct && type.fields().size() == fields.size());
  Value v;
  v.type_ = std::move(type);
  v.null_ = false;
  v.children_ = std::move(fields);
  return v;
}

const Value* Value::field(std::string_view name) const {
  int i = type_.field_index(name);
  return i < 0 ? nullptr : &children_[static_cast<size_t>(i)];
}

std::string Value::to_string() const {
  if (null_) return "null";
  std::string s;
  switch (type_.id()) {
    case TypeId::kBoolean:
      return as_bool() ? "true" : "false";
    case TypeId::kInteger:
    case TypeId::kBigint:
    case TypeId::kTimestamp:
    case TypeId::kDate:
    case TypeId::kTime:
      append_int(s, i_);
      return s;
    case TypeId::kDouble:
      return java_double_string(d_);
    case TypeId::kDecimal:
      return decimal_to_string(dec_, type_.scale());
    case TypeId::kString:
      return s_;
    case TypeId::kBytes:
      append_base64(s, s_);
      return s;
    case TypeId::kArray:
      s += '[';
      for (size_t i = 0; i < children_.size(); ++i) {
        if (i) s += ", ";
        s += children_[i].to_string();
      }
      s += ']';
      return s;
    case TypeId::kMap:
      s += '{';
      for (size_t i = 0; i < children_.size(); ++i) {
        if (i) s += ", ";
        s += children_[i].to_string();
        s += '=';
        s += values_[i].to_string();
      }
      s += '}';
      return s;
    case TypeId::kStruct:
      s += "Struct{";
      {
        bool first = true;
        for (size_t i = 0; i < children_.size(); ++i) {
          if (children_[i].is_null()) continue;  // Connect's Struct.toString skips nulls
          if (!first) s += ',';
          first = false;
          s += type_.fields()[i].name;
          s += '=';
          s += children_[i].to_string();
        }
      }
      s += '}';
      return s;
  }
  return s;
}

bool Value::operator==(const Value& o) const {
  if (!(type_ == o.type_) || null_ != o.null_) return false;
  if (null_) return true;
  switch (type_.id()) {
    case TypeId::kDouble:
      return d_ == o.d_ || (std::isnan(d_) && std::isnan(o.d_));
    case TypeId::kDecimal:
      return dec_ == o.dec_;
    case TypeId::kString:
    case TypeId::kBytes:
      return s_ == o.s_;
    case TypeId::kArray:
    case TypeId::kStruct:
      return children_ == o.children_;
    case TypeId::kMap:
      return children_ == o.children_ && values_ == o.values_;
    default:
      return i_ == o.i_;
  }
}

Value read_value(const Vector& v, size_t row) {
  const Type& t = v.type();
  if (v.is_null(row)) return Value::null(t);
  size_t p = v.index(row);
  switch (t.id()) {
    case TypeId::kBoolean:
      return Value::boolean(v.data<uint8_t>()[p] != 0);
    case TypeId::kInteger:
      return Value::integer(v.data<int32_t>()[p]);
    case TypeId::kBigint:
      return Value::bigint(v.data<int64_t>()[p]);
    case TypeId::kDouble:
      return Value::double_(v.data<double>()[p]);
    case TypeId::kDecimal:
      return Value::decimal(v.data<Int128>()[p], t.precision(), t.scale());
    case TypeId::kString:
      return Value::string(std::string(v.get_string(row)));
    case TypeId::kBytes:
      return Value::bytes(std::string(v.get_string(row)));
    case TypeId::kTimestamp:
      return Value::timestamp(v.data<int64_t>()[p]);
    case TypeId::kDate:
      return Value::date(v.data<int32_t>()[p]);
    case TypeId::kTime:
      return Value::time(v.data<int32_t>()[p]);
    case TypeId::kArray: {
      ListEntry e = v.list_entry(row);
      std::vector<Value> els;
      for (uint32_t i = 0; i < e.length; ++i) els.push_back(read_value(v.child(0), e.offset + i));
      return Value::array(t.element(), std::move(els));
    }
    case TypeId::kMap: {
      ListEntry e = v.list_entry(row);
      std::vector<std::pair<Value, Value>> entries;
      for (uint32_t i = 0; i < e.length; ++i) {
        entries.emplace_back(read_value(v.child(0), e.offset + i),
                             read_value(v.child(1), e.offset + i));
      }
      return Value::map(t.key(), t.value(), std::move(entries));
    }
    case TypeId::kStruct: {
      std::vector<Value> fs;
      for (size_t k = 0; k < v.num_children(); ++k) fs.push_back(read_value(v.child(k), p));
      return Value::struct_(t, std::move(fs));
    }
  }
  return Value::null(t);
}

void write_value(Vector& v, size_t row, const Value& value) {
  const Type& t = v.type();
  if (value.is_null()) {
    v.set_null(row);
    if (t.id() == TypeId::kArray || t.id() == TypeId::kMap) v.set_list_entry(row, {0, 0});
    if (t.id() == TypeId::kStruct) {
      for (size_t k = 0; k < v.num_children(); ++k) v.child(k).set_null(row);
    }
    return;
  }
  assert(value.type() == t);
  v.set_valid(row);
  switch (t.id()) {
    case TypeId::kBoolean:
      v.set<uint8_t>(row, value.as_bool() ? 1 : 0);
      return;
    case TypeId::kInteger:
    case TypeId::kDate:
    case TypeId::kTime:
      v.set<int32_t>(row, value.as_int());
      return;
    case TypeId::kBigint:
    case TypeId::kTimestamp:
      v.set<int64_t>(row, value.as_bigint());
      return;
    case TypeId::kDouble:
      v.set<double>(row, value.as_double());
      return;
    case TypeId::kDecimal:
      v.set<Int128>(row, value.as_decimal());
      return;
    case TypeId::kString:
    case TypeId::kBytes:
      v.set_string(row, value.as_string());
      return;
    case TypeId::kArray: {
      const auto& els = value.elements();
      uint32_t start = v.append_list_slots(static_cast<uint32_t>(els.size()));
      for (size_t i = 0; i < els.size(); ++i) write_value(v.child(0), start + i, els[i]);
      v.set_list_entry(row, {start, static_cast<uint32_t>(els.size())});
      return;
    }
    case TypeId::kMap: {
      const auto& ks = value.map_keys();
      const auto& vs = value.map_values();
      uint32_t start = v.append_list_slots(static_cast<uint32_t>(ks.size()));
      for (size_t i = 0; i < ks.size(); ++i) {
        write_value(v.child(0), start + i, ks[i]);
        write_value(v.child(1), start + i, vs[i]);
      }
      v.set_list_entry(row, {start, static_cast<uint32_t>(ks.size())});
      return;
    }
    case TypeId::kStruct: {
      const auto& fs = value.struct_fields();
      for (size_t k = 0; k < fs.size(); ++k) write_value(v.child(k), row, fs[k]);
      return;
    }
  }
}

}  // namespace sluice::format
