#include "sql/qtt/record_json.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>

#include <fmt/format.h>

namespace sluice::sql::qtt {

using nlohmann::json;

namespace {

void put_be(std::string& out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}

uint64_t get_be(const std::string& s) {
  uint64_t v = 0;
  for (char c : s) v = (v << 8) | static_cast<uint8_t>(c);
  return v;
}

}  // namespace

Result<std::optional<std::string>> serialize_test_value(
    const json& value, const SideFormat& format, const std::vector<format::Column>& columns) {
  if (value.is_null() || format.name == "NONE") return std::optional<std::string>();
  if (format.name == "JSON") return std::optional<std::string>(value.dump());
  if (format.name == "DELIMITED") {
    return std::optional<std::string>(value.is_string() ? value.get<std::string>() : value.dump());
  }
  if (format.name == "KAFKA") {
    if (columns.empty()) return std::optional<std::string>();
    std::string out;
    switch (columns[0].type.id()) {
      case format::TypeId::kInteger:
        if (!value.is_number_integer()) return std::optional<std::string>(value.dump());
        put_be(out, static_cast<uint32_t>(value.get<int64_t>()), 4);
        return std::optional<std::string>(out);
      case format::TypeId::kBigint:
        if (!value.is_number_integer()) return std::optional<std::string>(value.dump());
        put_be(out, static_cast<uint64_t>(value.get<int64_t>()), 8);
        return std::optional<std::string>(out);
      case format::TypeId::kDouble: {
        if (!value.is_number()) return std::optional<std::string>(value.dump());
        double d = value.get<double>();
        uint64_t bits;
        std::memcpy(&bits, &d, 8);
        put_be(out, bits, 8);
        return std::optional<std::string>(out);
      }
      default:
        return std::optional<std::string>(value.is_string() ? value.get<std::string>()
                                                            : value.dump());
    }
  }
  return Status::unsupported(fmt::format("test records in format {}", format.name));
}

json deserialize_to_json(const std::optional<std::string>& bytes, const SideFormat& format,
                         const std::vector<format::Column>& columns) {
  if (!bytes || format.name == "NONE") return nullptr;
  if (format.name == "JSON") {
    json j = json::parse(*bytes, nullptr, false);
    if (j.is_discarded()) return *bytes;
    return j;
  }
  if (format.name == "KAFKA" && !columns.empty()) {
    switch (columns[0].type.id()) {
      case format::TypeId::kInteger:
        if (bytes->size() == 4) return static_cast<int32_t>(get_be(*bytes));
        break;
      case format::TypeId::kBigint:
        if (bytes->size() == 8) return static_cast<int64_t>(get_be(*bytes));
        break;
      case format::TypeId::kDouble:
        if (bytes->size() == 8) {
          uint64_t bits = get_be(*bytes);
          double d;
          std::memcpy(&d, &bits, 8);
          return d;
        }
        break;
      default:
        break;
    }
  }
  return *bytes;
}

namespace {

const json* find_field(const json& obj, const std::string& name) {
  auto it = obj.find(name);
  if (it != obj.end()) return &*it;
  for (auto i = obj.begin(); i != obj.end(); ++i) {
    if (i.key().size() != name.size()) continue;
    bool eq = true;
    for (size_t k = 0; k < name.size() && eq; ++k) {
      eq = std::toupper(static_cast<unsigned char>(i.key()[k])) ==
           std::toupper(static_cast<unsigned char>(name[k]));
    }
    if (eq) return &i.value();
  }
  return nullptr;
}

json normalize_value(const json& v, const format::Type& t) {
  switch (t.id()) {
    case format::TypeId::kStruct: {
      if (!v.is_object()) return v;
      json out = json::object();
      for (const auto& f : t.fields()) {
        const json* x = find_field(v, f.name);
        out[f.name] = x ? normalize_value(*x, f.type) : json(nullptr);
      }
      return out;
    }
    case format::TypeId::kArray: {
      if (!v.is_array()) return v;
      json out = json::array();
      for (const auto& e : v) out.push_back(normalize_value(e, t.element()));
      return out;
    }
    case format::TypeId::kMap: {
      if (!v.is_object()) return v;
      json out = json::object();
      for (auto it = v.begin(); it != v.end(); ++it) {
        out[it.key()] = normalize_value(it.value(), t.value());
      }
      return out;
    }
    default:
      return v;
  }
}

}  // namespace

json normalize_expected(const json& value, const SideFormat& format,
                        const std::vector<format::Column>& columns, bool key_side) {
  if (format.name != "JSON" || value.is_null() || columns.empty()) return value;
  bool wrapped =
      columns.size() != 1 || (!key_side && format.options.wrap_single_value.value_or(true));
  if (!wrapped) return normalize_value(value, columns[0].type);
  if (!value.is_object()) return value;
  json out = json::object();
  for (const auto& c : columns) {
    const json* x = find_field(value, c.name);
    out[c.name] = x ? normalize_value(*x, c.type) : json(nullptr);
  }
  return out;
}

bool json_matches(const json& e, const json& a) {
  if (e.is_number() && a.is_number()) {
    if (e.is_number_integer() && a.is_number_integer()) {
      return e.get<int64_t>() == a.get<int64_t>();
    }
    // Doubles may differ in the last bits: the JVM's and glibc's sin/cos/asin round differently.
    double x = e.get<double>(), y = a.get<double>();
    if (x == y || (std::isnan(x) && std::isnan(y))) return true;
    return std::fabs(x - y) <= 1e-15 * std::max(std::fabs(x), std::fabs(y));
  }
  if (e.is_object() && a.is_object()) {
    if (e.size() != a.size()) return false;
    for (auto it = e.begin(); it != e.end(); ++it) {
      auto found = a.find(it.key());
      if (found == a.end() || !json_matches(it.value(), *found)) return false;
    }
    return true;
  }
  if (e.is_array() && a.is_array()) {
    if (e.size() != a.size()) return false;
    for (size_t i = 0; i < e.size(); ++i) {
      if (!json_matches(e[i], a[i])) return false;
    }
    return true;
  }
  if (e.is_string() && a.is_number()) return e.get<std::string>() == a.dump();
  return e == a;
}

}  // namespace sluice::sql::qtt
