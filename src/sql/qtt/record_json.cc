#include "sql/qtt/record_json.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>

#include <fmt/format.h>

#include "format/avro_format.h"
#include "format/json_sr_format.h"
#include "format/protobuf_format.h"
#include "schema/avro_binary.h"
#include "schema/avro_datum.h"
#include "schema/avro_schema.h"
#include "schema/registry.h"

namespace sluice::sql::qtt {

using json = nlohmann::ordered_json;

namespace {

// Significant digits of a JSON number's text (leading zeros and the exponent excluded).
int significant_digits(const std::string& s) {
  int n = 0;
  bool leading = true;
  for (char c : s) {
    if (c == 'e' || c == 'E') break;
    if (c < '0' || c > '9') continue;
    if (leading && c == '0') continue;
    leading = false;
    ++n;
  }
  return n;
}

// Builds the tree like nlohmann's DOM parser, except for long float literals (kExactNumber).
class ExactSax : public nlohmann::json_sax<json> {
 public:
  explicit ExactSax(json& root) : root_(root) {}
  bool null() override { return add(json(nullptr)); }
  bool boolean(bool v) override { return add(json(v)); }
  bool number_integer(number_integer_t v) override { return add(json(v)); }
  bool number_unsigned(number_unsigned_t v) override { return add(json(v)); }
  bool number_float(number_float_t v, const string_t& text) override {
    if (significant_digits(text) <= 15) return add(json(v));
    return add(
        json::binary(json::binary_t::container_type(text.begin(), text.end()), kExactNumber));
  }
  bool string(string_t& v) override { return add(json(v)); }
  bool binary(binary_t& v) override { return add(json::binary(v)); }
  bool start_object(std::size_t) override { return open(json::object()); }
  bool key(string_t& k) override {
    key_ = k;
    return true;
  }
  bool end_object() override { return close(); }
  bool start_array(std::size_t) override { return open(json::array()); }
  bool end_array() override { return close(); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    return false;
  }

 private:
  // Places v in the container being built (or as the root); last_ points at it.
  bool add(json v) {
    if (stack_.empty()) {
      root_ = std::move(v);
      last_ = &root_;
    } else if (json& top = *stack_.back(); top.is_array()) {
      top.push_back(std::move(v));
      last_ = &top.back();
    } else {
      top[key_] = std::move(v);
      last_ = &top[key_];
    }
    return true;
  }
  bool open(json v) {
    add(std::move(v));
    stack_.push_back(last_);
    return true;
  }
  bool close() {
    stack_.pop_back();
    return true;
  }

  json& root_;
  json* last_ = nullptr;
  std::vector<json*> stack_;
  std::string key_;
};

void put_be(std::string& out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}

uint64_t get_be(const std::string& s) {
  uint64_t v = 0;
  for (char c : s) v = (v << 8) | static_cast<uint8_t>(c);
  return v;
}

}  // namespace

Result<json> parse_test_json(const std::string& text) {
  json root;
  ExactSax sax(root);
  if (!json::sax_parse(text, &sax)) return Status::invalid_argument("invalid JSON");
  return root;
}

std::string dump_exact(const json& v) {
  if (v.is_binary() && v.get_binary().has_subtype() && v.get_binary().subtype() == kExactNumber) {
    return std::string(v.get_binary().begin(), v.get_binary().end());
  }
  std::string out;
  if (v.is_object()) {
    out += '{';
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (out.size() > 1) out += ',';
      out += json(it.key()).dump();
      out += ':';
      out += dump_exact(it.value());
    }
    return out + '}';
  }
  if (v.is_array()) {
    out += '[';
    for (const json& e : v) {
      if (out.size() > 1) out += ',';
      out += dump_exact(e);
    }
    return out + ']';
  }
  return v.dump();
}

json as_lossy(const json& v) {
  if (v.is_binary() && v.get_binary().has_subtype() && v.get_binary().subtype() == kExactNumber) {
    return std::strtod(std::string(v.get_binary().begin(), v.get_binary().end()).c_str(), nullptr);
  }
  if (v.is_object()) {
    json out = json::object();
    for (auto it = v.begin(); it != v.end(); ++it) out[it.key()] = as_lossy(it.value());
    return out;
  }
  if (v.is_array()) {
    json out = json::array();
    for (const json& e : v) out.push_back(as_lossy(e));
    return out;
  }
  return v;
}

Status append_test_window(const json& window, std::string& key) {
  auto bound = [&](const char* name) -> std::optional<int64_t> {
    if (!window.is_object() || !window.contains(name) || !window[name].is_number_integer()) {
      return std::nullopt;
    }
    return window[name].get<int64_t>();
  };
  std::optional<int64_t> start = bound("start"), end = bound("end");
  std::string type = window.is_object() ? window.value("type", "") : "";
  if (!start || (type == "session" && !end) || (type != "time" && type != "session")) {
    return Status::invalid_argument("a record's window needs start, end and type time|session");
  }
  if (type == "session") put_be(key, static_cast<uint64_t>(*end), 8);
  put_be(key, static_cast<uint64_t>(*start), 8);
  return Status::ok();
}

json take_test_window(const DataSource& source, std::string& key) {
  const bool session = source.window_type == "SESSION";
  const size_t bytes = source.window_key_bytes();
  if (key.size() < bytes) return "a windowed key shorter than its window";
  auto start = static_cast<int64_t>(get_be(key.substr(key.size() - 8)));
  int64_t end = session ? static_cast<int64_t>(get_be(key.substr(key.size() - 16, 8)))
                        : start + source.window_size_ms;
  key.resize(key.size() - bytes);
  return json{{"start", start}, {"end", end}, {"type", session ? "session" : "time"}};
}

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::toupper(static_cast<unsigned char>(x)) ==
                  std::toupper(static_cast<unsigned char>(y));
         });
}

Result<std::optional<std::string>> serialize_avro(const json& value, const SideFormat& format,
                                                  const std::vector<format::Column>& columns,
                                                  format::Side side) {
  schema::SchemaRegistry* registry = format.options.registry;
  if (!registry) return Status::invalid_argument("AVRO test records need a Schema Registry");
  bool key = side == format::Side::kKey;
  std::string subject = format.options.topic + (key ? "-key" : "-value");
  int32_t id = 0;
  std::string text;
  if (auto latest = registry->get_version(subject, "latest", false); latest.ok()) {
    id = latest.value->id;
    text = latest.value->schema;
  } else {
    bool wrapped = columns.size() != 1 || (!key && format.options.wrap_single_value.value_or(true));
    SLUICE_ASSIGN_OR_RETURN(
        text, format::ksql_avro_schema(columns, wrapped, format.options.schema_full_name));
    auto registered = registry->register_schema(subject, schema::SchemaInput{text}, false);
    if (!registered.ok()) return Status::invalid_argument(registered.error.message);
    id = *registered.value;
  }
  SLUICE_ASSIGN_OR_RETURN(schema::AvroSchema parsed, schema::AvroSchema::parse(text));
  std::string out;
  schema::write_confluent_header(id, out);
  SLUICE_RETURN_IF_ERROR(schema::avro_encode_json(parsed.root(), as_lossy(value), out));
  return std::optional<std::string>(std::move(out));
}

// JSON_SR: Confluent's header (the latest schema of the subject, or the schema ksqlDB generates
// for the columns, registered) before the JSON text.
Result<std::optional<std::string>> serialize_json_sr(const json& value, const SideFormat& format,
                                                     const std::vector<format::Column>& columns,
                                                     format::Side side) {
  schema::SchemaRegistry* registry = format.options.registry;
  if (!registry) return Status::invalid_argument("JSON_SR test records need a Schema Registry");
  bool key = side == format::Side::kKey;
  std::string subject = format.options.topic + (key ? "-key" : "-value");
  int32_t id = 0;
  if (auto latest = registry->get_version(subject, "latest", false); latest.ok()) {
    id = latest.value->id;
  } else {
    bool wrapped = columns.size() != 1 || (!key && format.options.wrap_single_value.value_or(true));
    SLUICE_ASSIGN_OR_RETURN(std::string text, format::ksql_json_schema(columns, wrapped));
    auto registered = registry->register_schema(subject, schema::SchemaInput{text, "JSON"}, false);
    if (!registered.ok()) return Status::invalid_argument(registered.error.message);
    id = *registered.value;
  }
  std::string out;
  schema::write_confluent_header(id, out);
  out += dump_exact(value);
  return std::optional<std::string>(std::move(out));
}

// PROTOBUF: Confluent's header (the subject's latest schema, the schema id's, or the schema
// ksqlDB generates for the columns, registered) and message indexes before the message;
// PROTOBUF_NOSR: the message of the generated schema alone. A single key column may be given
// as its bare value.
Result<std::optional<std::string>> serialize_protobuf(const json& value, const SideFormat& format,
                                                      const std::vector<format::Column>& columns,
                                                      format::Side side) {
  const format::FormatOptions& options = format.options;
  json message = value;
  if (!value.is_object() && columns.size() == 1) message = json{{columns[0].name, value}};
  SLUICE_ASSIGN_OR_RETURN(format::ProtobufNullable nullable,
                          format::protobuf_nullable(options, side));
  if (format.name == "PROTOBUF_NOSR") {
    SLUICE_ASSIGN_OR_RETURN(std::string text, format::ksql_protobuf_schema(
                                                  columns, options.schema_full_name, nullable));
    SLUICE_ASSIGN_OR_RETURN(std::string bytes,
                            format::protobuf_json_to_binary(text, "", dump_exact(message)));
    return std::optional<std::string>(std::move(bytes));
  }
  schema::SchemaRegistry* registry = options.registry;
  if (!registry) return Status::invalid_argument("PROTOBUF test records need a Schema Registry");
  std::string subject = options.topic + (side == format::Side::kKey ? "-key" : "-value");
  std::optional<schema::SchemaVersion> writer;
  if (options.schema_id) {
    if (auto v = registry->by_id(*options.schema_id); v.ok()) writer = *v.value;
  } else if (auto latest = registry->get_version(subject, "latest", false); latest.ok()) {
    writer = *latest.value;
  }
  if (!writer) {
    SLUICE_ASSIGN_OR_RETURN(std::string text, format::ksql_protobuf_schema(
                                                  columns, options.schema_full_name, nullable));
    schema::SchemaInput in{text, "PROTOBUF", {}, {}, {}};
    auto registered = registry->register_schema(subject, in, false);
    if (!registered.ok()) return Status::invalid_argument(registered.error.message);
    writer = schema::SchemaVersion{subject, 1, *registered.value, "PROTOBUF", text, {}, false};
  }
  SLUICE_ASSIGN_OR_RETURN(format::ProtoImports imports,
                          format::protobuf_references(*registry, writer->references));
  const std::string& message_name = options.schema_full_name;
  SLUICE_ASSIGN_OR_RETURN(std::vector<int> indexes,
                          format::protobuf_message_indexes(writer->schema, message_name, imports));
  SLUICE_ASSIGN_OR_RETURN(
      std::string bytes,
      format::protobuf_json_to_binary(writer->schema, message_name, dump_exact(message), imports));
  std::string out;
  format::write_protobuf_header(writer->id, indexes, out);
  out += bytes;
  return std::optional<std::string>(std::move(out));
}

json deserialize_protobuf(const std::string& bytes, const SideFormat& format,
                          const std::vector<format::Column>& columns, format::Side side) {
  const format::FormatOptions& options = format.options;
  auto as_json = [&](Result<std::string> text) -> json {
    if (!text) return text.status().message();
    auto parsed = parse_test_json(*text);
    if (!parsed) return *text;
    return as_lossy(*parsed);  // compared as numbers, as the expected records are
  };
  if (format.name == "PROTOBUF_NOSR") {
    auto nullable = format::protobuf_nullable(options, side);
    if (!nullable) return nullable.status().message();
    auto text = format::ksql_protobuf_schema(columns, options.schema_full_name, *nullable);
    if (!text) return text.status().message();
    return as_json(format::protobuf_binary_to_json(*text, "", bytes));
  }
  int32_t id = 0;
  std::vector<int> indexes;
  auto body = format::read_protobuf_header(bytes, id, indexes);
  if (!body || !options.registry) return bytes;
  auto v = options.registry->by_id(id);
  if (!v.ok()) return fmt::format("<schema {} not found>", id);
  auto imports = format::protobuf_references(*options.registry, v.value->references);
  if (!imports) return imports.status().message();
  auto name = format::protobuf_message_name(v.value->schema, indexes, *imports);
  if (!name) return name.status().message();
  return as_json(format::protobuf_binary_to_json(v.value->schema, *name, *body, *imports));
}

json deserialize_avro(const std::string& bytes, const SideFormat& format,
                      const std::vector<format::Column>& columns, format::Side side) {
  std::optional<int32_t> id = schema::confluent_schema_id(bytes);
  schema::SchemaRegistry* registry = format.options.registry;
  if (!id || !registry) return bytes;
  auto v = registry->by_id(*id);
  if (!v.ok()) return fmt::format("<schema {} not found>", *id);
  auto parsed = schema::AvroSchema::parse(v.value->schema);
  if (!parsed) return parsed.status().message();
  schema::AvroReader in(std::string_view(bytes).substr(schema::kConfluentHeader));
  auto decoded = schema::avro_decode_ordered_json(parsed->root(), in);
  if (!decoded) return decoded.status().message();
  bool wrapped = columns.size() != 1 ||
                 (side == format::Side::kValue && format.options.wrap_single_value.value_or(true));
  if (!wrapped || !decoded->is_object()) return *decoded;
  json row = json::object();
  for (auto it = decoded->begin(); it != decoded->end(); ++it) {
    for (const format::Column& c : columns) {
      if (iequals(c.name, it.key())) {
        row[it.key()] = it.value();
        break;
      }
    }
  }
  return row;
}

}  // namespace

Result<std::optional<std::string>> serialize_test_value(const json& value, const SideFormat& format,
                                                        const std::vector<format::Column>& columns,
                                                        format::Side side) {
  if (value.is_null() || format.name == "NONE") return std::optional<std::string>();
  if (format.name == "AVRO") return serialize_avro(value, format, columns, side);
  if (format.name == "JSON_SR") return serialize_json_sr(value, format, columns, side);
  if (format.name == "PROTOBUF" || format.name == "PROTOBUF_NOSR") {
    return serialize_protobuf(value, format, columns, side);
  }
  if (format.name == "JSON") return std::optional<std::string>(dump_exact(value));
  if (format.name == "DELIMITED") {
    return std::optional<std::string>(value.is_string() ? value.get<std::string>()
                                                        : dump_exact(value));
  }
  if (format.name == "KAFKA") {
    if (columns.empty()) return std::optional<std::string>();
    if (value.is_binary()) return serialize_test_value(as_lossy(value), format, columns, side);
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
                         const std::vector<format::Column>& columns, format::Side side) {
  if (!bytes || format.name == "NONE") return nullptr;
  if (format.name == "AVRO") return deserialize_avro(*bytes, format, columns, side);
  if (format.name == "PROTOBUF" || format.name == "PROTOBUF_NOSR") {
    return deserialize_protobuf(*bytes, format, columns, side);
  }
  if (format.name == "JSON" || format.name == "JSON_SR") {
    std::string_view text = *bytes;
    if (format.name == "JSON_SR" && schema::confluent_schema_id(text)) {
      text.remove_prefix(schema::kConfluentHeader);
    }
    json j = json::parse(text, nullptr, false);
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
    case format::TypeId::kDecimal: {
      // A DECIMAL may be written as a string ("3.40", "005.4"): compare it by value.
      if (!v.is_string()) return v;
      const std::string& text = v.get_ref<const std::string&>();
      char* end = nullptr;
      double d = std::strtod(text.c_str(), &end);
      return !text.empty() && end == text.c_str() + text.size() ? json(d) : v;
    }
    default:
      return v;
  }
}

}  // namespace

json normalize_expected(const json& value, const SideFormat& format,
                        const std::vector<format::Column>& columns, bool key_side) {
  if ((format.name != "JSON" && format.name != "JSON_SR" && format.name != "AVRO" &&
       format.name != "PROTOBUF" && format.name != "PROTOBUF_NOSR") ||
      value.is_null() || columns.empty()) {
    return value;
  }
  // PROTOBUF keys and values are always messages.
  bool wrapped = columns.size() != 1 || format.name.rfind("PROTOBUF", 0) == 0 ||
                 (!key_side && format.options.wrap_single_value.value_or(true));
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
