#include "sql/qtt/record_json.h"

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

bool json_matches(const json& e, const json& a) {
  if (e.is_number() && a.is_number()) {
    if (e.is_number_integer() && a.is_number_integer()) {
      return e.get<int64_t>() == a.get<int64_t>();
    }
    double x = e.get<double>(), y = a.get<double>();
    return x == y || (std::isnan(x) && std::isnan(y));
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
