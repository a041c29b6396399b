// The AVRO format (see avro_format.h): ksqlDB's schema generation and inference, and codecs that
// read Avro datums into column vectors and write them from column vectors, resolving the writer
// schema through the Schema Registry.
#include "format/avro_format.h"

#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include <map>
#include <memory>
#include <set>
#include <unordered_map>
#include <utility>

#include "format/decimal.h"
#include "format/format_util.h"
#include "format/text.h"
#include "schema/avro_binary.h"
#include "schema/avro_datum.h"
#include "schema/avro_schema.h"
#include "schema/registry.h"

namespace sluice::format {
namespace {

using schema::avro_type_name;
using schema::AvroReader;
using schema::AvroSchema;
using schema::AvroType;
using Node = AvroSchema::Node;
using OJson = nlohmann::ordered_json;

// Nesting deeper than this (recursive writer schemas, hostile data) fails the record.
constexpr int kMaxDepth = 100;
// Items of type null take no bytes: a list of them is bounded by this instead of the input size.
constexpr int64_t kMaxNullItems = 1 << 20;

// A valid decimal logical type; an invalid one is ignored (the bytes are bytes), as Avro says.
bool is_decimal(const Node& n) {
  return (n.type == AvroType::kBytes || n.type == AvroType::kFixed) &&
         n.logical_type == "decimal" && n.precision > 0 && n.scale <= n.precision;
}

// The name a union branch has as a STRUCT field when a union is read as one (Connect's rule:
// the type's name; a named type's short name), upper-cased as ksqlDB's columns are.
std::string branch_field_name(const Node& n) {
  if (!n.full_name.empty()) {
    size_t dot = n.full_name.rfind('.');
    return upper_ascii(dot == std::string::npos ? n.full_name : n.full_name.substr(dot + 1));
  }
  return upper_ascii(avro_type_name(n.type));
}

// The non-null branches of a union, or nullptr when `n` is not a union.
std::vector<const Node*> value_branches(const Node& n) {
  std::vector<const Node*> out;
  for (const Node* b : n.branches) {
    if (b->type != AvroType::kNull) out.push_back(b);
  }
  return out;
}

// ---- Schema generation (ksqlDB's AvroSchemas via Connect's AvroData) ----

Status check_avro_name(const std::string& name) {
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  if (name.empty() || !alpha(name[0])) {
    return Status::invalid_argument(
        fmt::format("Schema is not compatible with Avro: Illegal initial character: {}", name));
  }
  for (char c : name) {
    if (!alpha(c) && !(c >= '0' && c <= '9')) {
      return Status::invalid_argument(
          fmt::format("Schema is not compatible with Avro: Illegal character in: {}", name));
    }
  }
  return Status::ok();
}

OJson connect_logical(std::string_view avro_type, std::string_view logical,
                      std::string_view connect_name) {
  OJson j = OJson::object();
  j["type"] = avro_type;
  j["connect.version"] = 1;
  j["connect.name"] = connect_name;
  j["logicalType"] = logical;
  return j;
}

Result<OJson> generated_type(const Type& t, const std::string& record_name);

OJson optional_of(OJson t) {
  return OJson::array({"null", std::move(t)});
}

Result<OJson> generated_record(const std::vector<Field>& fields, const std::string& full_name) {
  OJson j = OJson::object();
  size_t dot = full_name.rfind('.');
  j["type"] = "record";
  j["name"] = dot == std::string::npos ? full_name : full_name.substr(dot + 1);
  if (dot != std::string::npos) j["namespace"] = full_name.substr(0, dot);
  OJson list = OJson::array();
  for (const Field& f : fields) {
    SLUICE_RETURN_IF_ERROR(check_avro_name(f.name));
    SLUICE_ASSIGN_OR_RETURN(OJson ft, generated_type(f.type, full_name + "_" + f.name));
    OJson field = OJson::object();
    field["name"] = f.name;
    field["type"] = optional_of(std::move(ft));
    field["default"] = nullptr;
    list.push_back(std::move(field));
  }
  j["fields"] = std::move(list);
  j["connect.name"] = full_name;
  return j;
}

Result<OJson> generated_type(const Type& t, const std::string& record_name) {
  switch (t.id()) {
    case TypeId::kBoolean:
      return OJson("boolean");
    case TypeId::kInteger:
      return OJson("int");
    case TypeId::kBigint:
      return OJson("long");
    case TypeId::kDouble:
      return OJson("double");
    case TypeId::kString:
      return OJson("string");
    case TypeId::kBytes:
      return OJson("bytes");
    case TypeId::kDecimal: {
      OJson j = OJson::object();
      j["type"] = "bytes";
      j["scale"] = t.scale();
      j["precision"] = t.precision();
      j["connect.version"] = 1;
      j["connect.parameters"] = {{"scale", std::to_string(t.scale())},
                                 {"connect.decimal.precision", std::to_string(t.precision())}};
      j["connect.name"] = "org.apache.kafka.connect.data.Decimal";
      j["logicalType"] = "decimal";
      return j;
    }
    case TypeId::kTimestamp:
      return connect_logical("long", "timestamp-millis", "org.apache.kafka.connect.data.Timestamp");
    case TypeId::kDate:
      return connect_logical("int", "date", "org.apache.kafka.connect.data.Date");
    case TypeId::kTime:
      return connect_logical("int", "time-millis", "org.apache.kafka.connect.data.Time");
    case TypeId::kArray: {
      SLUICE_ASSIGN_OR_RETURN(OJson items, generated_type(t.element(), record_name));
      return OJson{{"type", "array"}, {"items", optional_of(std::move(items))}};
    }
    case TypeId::kMap: {
      if (t.key().id() != TypeId::kString) {
        return Status::invalid_argument("Avro only supports MAPs with STRING keys");
      }
      SLUICE_ASSIGN_OR_RETURN(OJson values, generated_type(t.value(), record_name));
      return OJson{{"type", "map"}, {"values", optional_of(std::move(values))}};
    }
    case TypeId::kStruct:
      return generated_record(t.fields(), record_name);
  }
  return Status::internal("unknown type");
}

// ---- Inference ----

// `open`: the records being inferred (a recursive one has no SQL type); `keep`: field names as
// written, else upper-cased.
Result<Type> inferred_type(const Node& n, std::set<const Node*>& open, bool keep) {
  switch (n.type) {
    case AvroType::kNull:
      return Status::invalid_argument("Avro type 'null' has no SQL type");
    case AvroType::kBoolean:
      return Type::boolean();
    case AvroType::kInt:
      if (n.logical_type == "date") return Type::date();
      if (n.logical_type == "time-millis") return Type::time();
      return Type::integer();
    case AvroType::kLong:
      if (n.logical_type == "timestamp-millis" || n.logical_type == "timestamp-micros") {
        return Type::timestamp();
      }
      if (n.logical_type == "time-micros") return Type::time();
      return Type::bigint();
    case AvroType::kFloat:
    case AvroType::kDouble:
      return Type::double_();
    case AvroType::kString:
    case AvroType::kEnum:
      return Type::string();
    case AvroType::kBytes:
    case AvroType::kFixed:
      if (is_decimal(n)) {
        int precision = std::min(n.precision, kMaxDecimalPrecision);
        if (auto e = check_decimal(precision, n.scale)) return Status::invalid_argument(e->message);
        return Type::decimal(precision, n.scale);
      }
      return Type::bytes();
    case AvroType::kArray: {
      SLUICE_ASSIGN_OR_RETURN(Type items, inferred_type(*n.items, open, keep));
      return Type::array(std::move(items));
    }
    case AvroType::kMap: {
      SLUICE_ASSIGN_OR_RETURN(Type values, inferred_type(*n.values, open, keep));
      return Type::map(Type::string(), std::move(values));
    }
    case AvroType::kRecord: {
      if (!open.insert(&n).second) {
        return Status::invalid_argument(
            fmt::format("Recursive Avro record '{}' has no SQL type", n.full_name));
      }
      std::vector<Field> fields;
      for (const Node::Field& f : n.fields) {
        SLUICE_ASSIGN_OR_RETURN(Type ft, inferred_type(*f.type, open, keep));
        fields.push_back({keep ? f.name : upper_ascii(f.name), std::move(ft)});
      }
      open.erase(&n);
      return Type::struct_(std::move(fields));
    }
    case AvroType::kUnion: {
      std::vector<const Node*> branches = value_branches(n);
      if (branches.empty()) return Status::invalid_argument("Avro union of null has no SQL type");
      if (branches.size() == 1) return inferred_type(*branches[0], open, keep);
      std::vector<Field> fields;
      for (const Node* b : branches) {
        SLUICE_ASSIGN_OR_RETURN(Type bt, inferred_type(*b, open, keep));
        fields.push_back({branch_field_name(*b), std::move(bt)});
      }
      return Type::struct_(std::move(fields));
    }
  }
  return Status::internal("unknown Avro type");
}

// ---- Decoding ----

// What to do with each field of a writer record when reading it into a STRUCT (or the row):
// the target field (column) each writer field goes to, or -1 to skip it, and the targets no
// writer field fills (NULL).
struct FieldMap {
  std::vector<int> target;
  std::vector<uint32_t> unfilled;
};

FieldMap map_fields(const Node& record, const std::vector<std::string_view>& targets) {
  FieldMap m;
  m.target.assign(record.fields.size(), -1);
  std::vector<bool> filled(targets.size(), false);
  // Exact names first, then case-insensitive ones for what is left.
  for (int pass = 0; pass < 2; ++pass) {
    for (size_t k = 0; k < record.fields.size(); ++k) {
      if (m.target[k] >= 0) continue;
      for (size_t j = 0; j < targets.size(); ++j) {
        if (filled[j]) continue;
        bool same = pass == 0 ? record.fields[k].name == targets[j]
                              : iequals_ascii(record.fields[k].name, targets[j]);
        if (same) {
          m.target[k] = static_cast<int>(j);
          filled[j] = true;
          break;
        }
      }
    }
  }
  for (size_t j = 0; j < targets.size(); ++j) {
    if (!filled[j]) m.unfilled.push_back(static_cast<uint32_t>(j));
  }
  return m;
}

// A writer schema, with the field maps computed for it so far.
struct WriterPlan {
  AvroSchema schema;
  const Node* root = nullptr;
  FieldMap row;  // wrapped rows: writer record fields -> columns
  bool row_is_record = false;
  std::map<std::pair<const Node*, const void*>, FieldMap> structs;
};

Result<AvroSchema> fetch_schema(schema::SchemaRegistry* registry, int32_t id) {
  if (!registry) return Status::invalid_argument("the AVRO format needs a Schema Registry");
  auto v = registry->by_id(id);
  if (!v.ok()) return Status::invalid_argument(fmt::format("Schema {} not found", id));
  if (v.value->type != "AVRO") {
    return Status::invalid_argument(
        fmt::format("Schema {} is a {} schema, not an AVRO one", id, v.value->type));
  }
  return AvroSchema::parse(v.value->schema);
}

class AvroDecoder final : public RecordDecoder {
 public:
  AvroDecoder(std::vector<Column> columns, Side side, bool wrapped, const FormatOptions& options)
      : RecordDecoder(side),
        columns_(std::move(columns)),
        wrapped_(wrapped),
        registry_(options.registry) {
    for (const Column& c : columns_) names_.push_back(c.name);
  }

  bool decode_record(const RecordBytes& rec, size_t row) override {
    unowned_ = rec.padded;
    return decode_one(rec.view(), row);
  }

 private:
  Result<WriterPlan*> plan_for(int32_t id) {
    auto it = plans_.find(id);
    if (it != plans_.end()) return it->second.get();
    SLUICE_ASSIGN_OR_RETURN(AvroSchema s, fetch_schema(registry_, id));
    auto plan = std::make_unique<WriterPlan>();
    plan->schema = std::move(s);
    plan->root = &plan->schema.root();
    if (wrapped_) {
      // A record, or a record that may be null.
      const Node* r = plan->root;
      if (r->type == AvroType::kUnion) {
        std::vector<const Node*> b = value_branches(*r);
        if (b.size() == 1) r = b[0];
      }
      if (r->type == AvroType::kRecord) {
        plan->row_is_record = true;
        plan->row = map_fields(*r, names_);
      }
    }
    WriterPlan* p = plan.get();
    plans_.emplace(id, std::move(plan));
    return p;
  }

  bool decode_one(std::string_view bytes, size_t row) {
    std::optional<int32_t> id = schema::confluent_schema_id(bytes);
    if (!id) return fail("Unknown magic byte!");
    auto plan = plan_for(*id);
    if (!plan) return fail(plan.status().message());
    WriterPlan& p = **plan;
    AvroReader in(bytes.substr(schema::kConfluentHeader));
    plan_ = &p;
    bool ok;
    if (!wrapped_) {
      ok = outs_.empty() || read_value(*p.root, *outs_[0], row, in, 0);
    } else {
      ok = read_row(p, row, in);
    }
    if (ok && in.failed()) return fail("truncated or malformed Avro data");
    return ok;
  }

  bool read_row(WriterPlan& p, size_t row, AvroReader& in) {
    const Node* w = p.root;
    if (w->type == AvroType::kUnion) {
      int64_t b = in.read_long();
      if (in.failed() || b < 0 || static_cast<size_t>(b) >= w->branches.size()) {
        return fail("invalid union branch");
      }
      w = w->branches[static_cast<size_t>(b)];
      if (w->type == AvroType::kNull) {
        set_all_null(row);
        return true;
      }
    }
    if (!p.row_is_record || w->type != AvroType::kRecord) {
      return fail(fmt::format("expected an Avro record for the columns {}, got {}",
                              column_list(columns_), avro_type_name(w->type)));
    }
    for (size_t k = 0; k < w->fields.size(); ++k) {
      int target = p.row.target[k];
      const Node::Field& f = w->fields[k];
      bool ok = target < 0 ? skip(*f.type, in, 0)
                           : read_value(*f.type, *outs_[static_cast<size_t>(target)], row, in, 1);
      if (!ok) return field_failed(f.name);
    }
    for (uint32_t j : p.row.unfilled) set_null_row(*outs_[j], row);
    return true;
  }

  bool field_failed(std::string_view name) {
    err_ = err_.rfind("field ", 0) == 0 ? fmt::format("field {}.{}", name, err_.substr(6))
                                        : fmt::format("field {}: {}", name, err_);
    return false;
  }

  bool mismatch(const Node& w, const Type& t) {
    return fail(fmt::format("cannot read Avro {} as {}", avro_type_name(w.type), t.to_string()));
  }

  void put_string(Vector& v, size_t row, std::string_view s) {
    if (unowned_) {
      v.set_string_unowned(row, s);
    } else {
      v.set_string(row, s);
    }
  }

  // Reads one datum of writer schema `w` into row `row` of `v`.
  bool read_value(const Node& writer, Vector& v, size_t row, AvroReader& in, int depth) {
    if (depth > kMaxDepth) return fail("Avro data nested too deeply");
    const Node* w = &writer;
    const Type& t = v.type();
    if (w->type == AvroType::kUnion) {
      int64_t b = in.read_long();
      if (in.failed() || b < 0 || static_cast<size_t>(b) >= w->branches.size()) {
        return fail("invalid union branch");
      }
      const Node* branch = w->branches[static_cast<size_t>(b)];
      if (branch->type != AvroType::kNull && t.id() == TypeId::kStruct &&
          value_branches(*w).size() > 1) {
        return read_union_struct(*w, *branch, v, row, in, depth);
      }
      w = branch;
    }
    if (w->type == AvroType::kNull) {
      set_null_row(v, row);
      return true;
    }
    v.set_valid(row);
    switch (t.id()) {
      case TypeId::kBoolean:
        if (w->type != AvroType::kBoolean) return mismatch(*w, t);
        v.set<uint8_t>(row, in.read_boolean() ? 1 : 0);
        return true;
      case TypeId::kInteger:
        if (w->type != AvroType::kInt) return mismatch(*w, t);
        v.set<int32_t>(row, in.read_int());
        return true;
      case TypeId::kBigint:
        if (w->type != AvroType::kInt && w->type != AvroType::kLong) return mismatch(*w, t);
        v.set<int64_t>(row, in.read_long());
        return true;
      case TypeId::kDouble:
        if (w->type == AvroType::kDouble) {
          v.set<double>(row, in.read_double());
        } else if (w->type == AvroType::kFloat) {
          v.set<double>(row, static_cast<double>(in.read_float()));
        } else {
          return mismatch(*w, t);
        }
        return true;
      case TypeId::kString:
        return read_string(*w, v, row, in);
      case TypeId::kBytes:
        if (is_decimal(*w)) return mismatch(*w, t);
        if (w->type == AvroType::kBytes) {
          put_string(v, row, in.read_bytes());
        } else if (w->type == AvroType::kFixed) {
          put_string(v, row, in.read_fixed(static_cast<size_t>(w->size)));
        } else {
          return mismatch(*w, t);
        }
        return true;
      case TypeId::kDecimal:
        return read_decimal(*w, v, row, in);
      case TypeId::kTimestamp:
        if (w->type != AvroType::kLong) return mismatch(*w, t);
        v.set<int64_t>(row, w->logical_type == "timestamp-micros" ? floor_div(in.read_long(), 1000)
                                                                  : in.read_long());
        return true;
      case TypeId::kDate:
        if (w->type != AvroType::kInt) return mismatch(*w, t);
        v.set<int32_t>(row, in.read_int());
        return true;
      case TypeId::kTime:
        if (w->type == AvroType::kInt) {
          v.set<int32_t>(row, in.read_int());
        } else if (w->type == AvroType::kLong && w->logical_type == "time-micros") {
          v.set<int32_t>(row, static_cast<int32_t>(floor_div(in.read_long(), 1000)));
        } else {
          return mismatch(*w, t);
        }
        return true;
      case TypeId::kArray:
        if (w->type != AvroType::kArray) return mismatch(*w, t);
        return read_list(*w->items, nullptr, v, row, in, depth);
      case TypeId::kMap:
        if (w->type == AvroType::kArray && is_map_entry(*w->items)) {
          return read_map_entries(*w->items, v, row, in, depth);
        }
        if (w->type != AvroType::kMap) return mismatch(*w, t);
        return read_list(*w->values, &v.child(0), v, row, in, depth);
      case TypeId::kStruct:
        if (w->type != AvroType::kRecord) return mismatch(*w, t);
        return read_struct(*w, v, row, in, depth);
    }
    return mismatch(*w, t);
  }

  bool read_string(const Node& w, Vector& v, size_t row, AvroReader& in) {
    switch (w.type) {
      case AvroType::kString:
        put_string(v, row, in.read_bytes());
        return true;
      case AvroType::kEnum: {
        int64_t i = in.read_long();
        if (in.failed() || i < 0 || static_cast<size_t>(i) >= w.symbols.size()) {
          return fail("invalid enum symbol index");
        }
        // The symbol lives in the writer schema, which the decoder keeps: copy it anyway, a
        // batch may outlive the decoder.
        v.set_string(row, w.symbols[static_cast<size_t>(i)]);
        return true;
      }
      case AvroType::kBoolean:
        v.set_string(row, in.read_boolean() ? "true" : "false");
        return true;
      case AvroType::kInt:
      case AvroType::kLong:
        scratch_.clear();
        append_int(scratch_, in.read_long());
        v.set_string(row, scratch_);
        return true;
      case AvroType::kFloat:
      case AvroType::kDouble:
        scratch_.clear();
        append_java_double(scratch_, w.type == AvroType::kFloat
                                         ? static_cast<double>(in.read_float())
                                         : in.read_double());
        v.set_string(row, scratch_);
        return true;
      default:
        return mismatch(w, v.type());
    }
  }

  bool read_decimal(const Node& w, Vector& v, size_t row, AvroReader& in) {
    if (!is_decimal(w)) return mismatch(w, v.type());
    std::string_view b =
        w.type == AvroType::kFixed ? in.read_fixed(static_cast<size_t>(w.size)) : in.read_bytes();
    if (in.failed()) return fail("truncated or malformed Avro data");
    if (b.size() > 16) return fail("decimal of more than 16 bytes");
    Int128 u = 0;
    if (!b.empty()) {
      const auto first = static_cast<uint8_t>(b[0]);
      u = first >= 0x80 ? Int128{first} - 256 : Int128{first};  // the sign
      for (size_t i = 1; i < b.size(); ++i) {
        u = static_cast<Int128>(static_cast<unsigned __int128>(u) << 8) |
            static_cast<uint8_t>(b[i]);
      }
    }
    const Type& t = v.type();
    if (w.scale > t.scale()) {
      Int128 div = pow10_i128(w.scale - t.scale());
      if (u % div != 0) {
        return fail(fmt::format("decimal {} does not fit {}", decimal_to_string(u, w.scale),
                                t.to_string()));
      }
    }
    auto r = rescale_decimal(u, w.scale, t.precision(), t.scale());
    if (!r) {
      return fail(
          fmt::format("decimal {} does not fit {}", decimal_to_string(u, w.scale), t.to_string()));
    }
    v.set<Int128>(row, *r);
    return true;
  }

  // Arrays (`keys` null) and maps (`keys` the key vector): blocks of items.
  bool read_list(const Node& item, Vector* keys, Vector& v, size_t row, AvroReader& in, int depth) {
    const uint32_t start = v.list_size();
    uint32_t total = 0;
    for (;;) {
      int64_t n = in.read_block_count();
      if (in.failed()) return fail("truncated or malformed Avro data");
      if (n == 0) break;
      int64_t bound = item.type == AvroType::kNull && !keys ? kMaxNullItems - total
                                                            : static_cast<int64_t>(in.remaining());
      if (n > bound) return fail("Avro block count larger than the data");
      uint32_t slot = v.append_list_slots(static_cast<uint32_t>(n));
      Vector& values = v.child(keys ? 1 : 0);
      for (int64_t i = 0; i < n; ++i) {
        auto at = slot + static_cast<uint32_t>(i);
        if (keys) {
          std::string_view k = in.read_bytes();
          keys->set_valid(at);
          put_string(*keys, at, k);
        }
        if (!read_value(item, values, at, in, depth + 1) || in.failed()) {
          v.truncate_list(start);
          return fail("truncated or malformed Avro data");
        }
      }
      total += static_cast<uint32_t>(n);
    }
    v.set_list_entry(row, {start, total});
    return true;
  }

  // Kafka Connect writes a map whose keys are not plain strings as an array of records with a
  // `key` and a `value` field (Connect's "MapEntry").
  static bool is_map_entry(const Node& n) {
    return n.type == AvroType::kRecord && n.fields.size() == 2 && n.fields[0].name == "key" &&
           n.fields[1].name == "value";
  }

  bool read_map_entries(const Node& entry, Vector& v, size_t row, AvroReader& in, int depth) {
    const uint32_t start = v.list_size();
    uint32_t total = 0;
    for (;;) {
      int64_t n = in.read_block_count();
      if (in.failed()) return fail("truncated or malformed Avro data");
      if (n == 0) break;
      if (n > static_cast<int64_t>(in.remaining())) {
        return fail("Avro block count larger than the data");
      }
      uint32_t slot = v.append_list_slots(static_cast<uint32_t>(n));
      for (int64_t i = 0; i < n; ++i) {
        auto at = slot + static_cast<uint32_t>(i);
        if (!read_value(*entry.fields[0].type, v.child(0), at, in, depth + 1) ||
            !read_value(*entry.fields[1].type, v.child(1), at, in, depth + 1) || in.failed()) {
          v.truncate_list(start);
          return fail("truncated or malformed Avro data");
        }
      }
      total += static_cast<uint32_t>(n);
    }
    v.set_list_entry(row, {start, total});
    return true;
  }

  const FieldMap& struct_map(const Node& record, const Type& t) {
    auto key = std::make_pair(&record, static_cast<const void*>(&t.fields()));
    auto it = plan_->structs.find(key);
    if (it != plan_->structs.end()) return it->second;
    std::vector<std::string_view> names;
    for (const Field& f : t.fields()) names.push_back(f.name);
    return plan_->structs.emplace(key, map_fields(record, names)).first->second;
  }

  bool read_struct(const Node& w, Vector& v, size_t row, AvroReader& in, int depth) {
    const FieldMap& m = struct_map(w, v.type());
    for (size_t k = 0; k < w.fields.size(); ++k) {
      int target = m.target[k];
      const Node::Field& f = w.fields[k];
      bool ok = target < 0
                    ? skip(*f.type, in, depth + 1)
                    : read_value(*f.type, v.child(static_cast<size_t>(target)), row, in, depth + 1);
      if (!ok) return field_failed(f.name);
    }
    for (uint32_t j : m.unfilled) set_null_row(v.child(j), row);
    return true;
  }

  // A union of several types read as a STRUCT with a field per branch: the branch read fills its
  // field, the others are NULL.
  bool read_union_struct(const Node& u, const Node& branch, Vector& v, size_t row, AvroReader& in,
                         int depth) {
    v.set_valid(row);
    int target = v.type().field_index(branch_field_name(branch));
    for (size_t j = 0; j < v.num_children(); ++j) {
      if (static_cast<int>(j) != target) set_null_row(v.child(j), row);
    }
    if (target < 0) {
      (void)u;
      return skip(branch, in, depth + 1);
    }
    return read_value(branch, v.child(static_cast<size_t>(target)), row, in, depth + 1);
  }

  bool skip(const Node& w, AvroReader& in, int depth) {
    if (depth > kMaxDepth) return fail("Avro data nested too deeply");
    switch (w.type) {
      case AvroType::kNull:
        return true;
      case AvroType::kBoolean:
        in.read_boolean();
        return !in.failed();
      case AvroType::kInt:
      case AvroType::kLong:
      case AvroType::kEnum:
        in.read_long();
        return !in.failed();
      case AvroType::kFloat:
        in.read_fixed(4);
        return !in.failed();
      case AvroType::kDouble:
        in.read_fixed(8);
        return !in.failed();
      case AvroType::kBytes:
      case AvroType::kString:
        in.read_bytes();
        return !in.failed();
      case AvroType::kFixed:
        in.read_fixed(static_cast<size_t>(w.size));
        return !in.failed();
      case AvroType::kRecord:
        for (const Node::Field& f : w.fields) {
          if (!skip(*f.type, in, depth + 1)) return false;
        }
        return true;
      case AvroType::kUnion: {
        int64_t b = in.read_long();
        if (in.failed() || b < 0 || static_cast<size_t>(b) >= w.branches.size()) {
          return fail("invalid union branch");
        }
        return skip(*w.branches[static_cast<size_t>(b)], in, depth + 1);
      }
      case AvroType::kArray:
      case AvroType::kMap: {
        int64_t total = 0;
        for (;;) {
          int64_t n = in.read_block_count();
          if (in.failed()) return fail("truncated or malformed Avro data");
          if (n == 0) return true;
          total += n;
          if (total > static_cast<int64_t>(in.remaining()) + kMaxNullItems) {
            return fail("Avro block count larger than the data");
          }
          for (int64_t i = 0; i < n; ++i) {
            if (w.type == AvroType::kMap) in.read_bytes();
            if (!skip(w.type == AvroType::kMap ? *w.values : *w.items, in, depth + 1) ||
                in.failed()) {
              return fail("truncated or malformed Avro data");
            }
          }
        }
      }
    }
    return fail("unknown Avro type");
  }

  std::vector<Column> columns_;
  std::vector<std::string_view> names_;
  bool wrapped_;
  schema::SchemaRegistry* registry_;
  std::unordered_map<int32_t, std::unique_ptr<WriterPlan>> plans_;
  WriterPlan* plan_ = nullptr;
  bool unowned_ = false;
  std::string scratch_;
};

// ---- Encoding ----

class AvroEncoder final : public Encoder {
 public:
  AvroEncoder(std::vector<Column> columns, Side side, bool wrapped, AvroSchema writer, int32_t id)
      : Encoder(columns.size()),
        columns_(std::move(columns)),
        side_(side),
        wrapped_(wrapped),
        writer_(std::move(writer)),
        id_(id) {
    const Node* r = &writer_.root();
    if (wrapped_ && r->type == AvroType::kUnion) {
      std::vector<const Node*> b = value_branches(*r);
      if (b.size() == 1) {
        root_union_ = r;
        r = b[0];
      }
    }
    root_ = r;
    if (wrapped_ && r->type == AvroType::kRecord) {
      std::vector<std::string_view> names;
      for (const Column& c : columns_) names.push_back(c.name);
      row_ = map_fields(*r, names);
    }
  }

 protected:
  void encode_rows(const ColumnBatch& batch, std::span<const uint32_t> columns,
                   EncodedRecords& out) override {
    vectors_.clear();
    for (uint32_t c : columns) vectors_.push_back(&batch.column(c));
    const uint8_t* null_flags = side_ == Side::kKey ? batch.key_null() : batch.value_null();
    std::string& buf = out.buffer();
    for (size_t i = 0; i < batch.active_rows(); ++i) {
      uint32_t row = batch.row(i);
      if (null_flags[row] || (!wrapped_ && (vectors_.empty() || vectors_[0]->is_null(row)))) {
        out.add_null();
        continue;
      }
      size_t begin = buf.size();
      err_.clear();
      schema::write_confluent_header(id_, buf);
      bool ok = wrapped_ ? write_row(row, buf) : write_value(*root_, *vectors_[0], row, buf, 0);
      if (ok) {
        out.finish_record();
      } else {
        buf.resize(begin);
        out.fail_record(fmt::format("Failed to serialise {}: {}", side_name(side_), err_));
      }
    }
  }

 private:
  bool fail(std::string message) {
    if (err_.empty()) err_ = std::move(message);
    return false;
  }

  bool write_row(uint32_t row, std::string& out) {
    if (root_union_) {
      schema::avro_write_long(branch_index(*root_union_, root_), out);
    }
    if (root_->type != AvroType::kRecord) return fail("the value schema is not a record");
    for (size_t k = 0; k < root_->fields.size(); ++k) {
      const Node::Field& f = root_->fields[k];
      int target = row_.target[k];
      if (!write_field(f, target < 0 ? nullptr : vectors_[static_cast<size_t>(target)], row, out,
                       1)) {
        return fail_field(f.name);
      }
    }
    return true;
  }

  bool fail_field(std::string_view name) {
    err_ = fmt::format("field {}: {}", name, err_);
    return false;
  }

  static int64_t branch_index(const Node& u, const Node* branch) {
    for (size_t i = 0; i < u.branches.size(); ++i) {
      if (u.branches[i] == branch) return static_cast<int64_t>(i);
    }
    return 0;
  }

  // A writer field no column fills, or a NULL for a field that cannot hold one: the field's
  // default when it has one, else NULL when the field may be null.
  bool write_default(const Node::Field& f, std::string& out) {
    const Node& t = *f.type;
    if (f.default_json) {
      auto value = nlohmann::json::parse(*f.default_json, nullptr, false);
      if (!value.is_discarded() && schema::avro_encode_json(t, value, out).is_ok()) return true;
    }
    if (t.type == AvroType::kNull) return true;
    if (t.type == AvroType::kUnion) {
      for (size_t i = 0; i < t.branches.size(); ++i) {
        if (t.branches[i]->type == AvroType::kNull) {
          schema::avro_write_long(static_cast<int64_t>(i), out);
          return true;
        }
      }
    }
    return fail("no value for this non-nullable field without a default");
  }

  static bool nullable(const Node& t) {
    if (t.type == AvroType::kNull) return true;
    if (t.type != AvroType::kUnion) return false;
    for (const Node* b : t.branches) {
      if (b->type == AvroType::kNull) return true;
    }
    return false;
  }

  // One field of a record: from its vector, or its default when there is no vector or the
  // value is NULL and the field cannot be.
  bool write_field(const Node::Field& f, const Vector* v, size_t row, std::string& out, int depth) {
    if (!v || (f.default_json && v->is_null(row) && !nullable(*f.type))) {
      return write_default(f, out);
    }
    return write_value(*f.type, *v, row, out, depth);
  }

  static bool accepts(const Node& w, const Type& t) {
    switch (w.type) {
      case AvroType::kBoolean:
        return t.id() == TypeId::kBoolean;
      case AvroType::kInt:
        return t.id() == TypeId::kInteger || t.id() == TypeId::kDate || t.id() == TypeId::kTime;
      case AvroType::kLong:
        return t.id() == TypeId::kBigint || t.id() == TypeId::kInteger ||
               t.id() == TypeId::kTimestamp;
      case AvroType::kFloat:
      case AvroType::kDouble:
        return t.id() == TypeId::kDouble;
      case AvroType::kString:
      case AvroType::kEnum:
        return t.id() == TypeId::kString;
      case AvroType::kBytes:
      case AvroType::kFixed:
        return is_decimal(w) ? t.id() == TypeId::kDecimal : t.id() == TypeId::kBytes;
      case AvroType::kArray:
        return t.id() == TypeId::kArray;
      case AvroType::kMap:
        return t.id() == TypeId::kMap;
      case AvroType::kRecord:
        return t.id() == TypeId::kStruct;
      default:
        return false;
    }
  }

  bool write_value(const Node& w, const Vector& v, size_t row, std::string& out, int depth) {
    if (depth > kMaxDepth) return fail("value nested too deeply");
    const Type& t = v.type();
    bool null = v.is_null(row);
    if (w.type == AvroType::kUnion) {
      for (size_t i = 0; i < w.branches.size(); ++i) {
        const Node& b = *w.branches[i];
        if (null ? b.type == AvroType::kNull : accepts(b, t)) {
          schema::avro_write_long(static_cast<int64_t>(i), out);
          return null || write_value(b, v, row, out, depth + 1);
        }
      }
      return fail(null ? "null for a union without null"
                       : fmt::format("no branch of the union holds {}", t.to_string()));
    }
    if (null) {
      return w.type == AvroType::kNull ||
             fail(fmt::format("null for non-nullable Avro {}", avro_type_name(w.type)));
    }
    if (!accepts(w, t)) {
      return fail(fmt::format("cannot write {} as Avro {}", t.to_string(), avro_type_name(w.type)));
    }
    size_t p = v.index(row);
    switch (w.type) {
      case AvroType::kBoolean:
        schema::avro_write_boolean(v.data<uint8_t>()[p] != 0, out);
        return true;
      case AvroType::kInt:
        schema::avro_write_long(v.data<int32_t>()[p], out);
        return true;
      case AvroType::kLong:
        schema::avro_write_long(
            t.id() == TypeId::kInteger ? v.data<int32_t>()[p] : v.data<int64_t>()[p], out);
        return true;
      case AvroType::kFloat:
        schema::avro_write_float(static_cast<float>(v.data<double>()[p]), out);
        return true;
      case AvroType::kDouble:
        schema::avro_write_double(v.data<double>()[p], out);
        return true;
      case AvroType::kString:
        schema::avro_write_bytes(v.data<std::string_view>()[p], out);
        return true;
      case AvroType::kEnum: {
        std::string_view s = v.data<std::string_view>()[p];
        for (size_t i = 0; i < w.symbols.size(); ++i) {
          if (w.symbols[i] == s) {
            schema::avro_write_long(static_cast<int64_t>(i), out);
            return true;
          }
        }
        return fail(fmt::format("'{}' is not a symbol of enum {}", s, w.full_name));
      }
      case AvroType::kBytes:
      case AvroType::kFixed:
        if (is_decimal(w)) return write_decimal(w, v.data<Int128>()[p], t.scale(), out);
        if (w.type == AvroType::kFixed) {
          std::string_view s = v.data<std::string_view>()[p];
          if (static_cast<int64_t>(s.size()) != w.size) {
            return fail(fmt::format("{} bytes for fixed {} of {}", s.size(), w.full_name, w.size));
          }
          out.append(s);
          return true;
        }
        schema::avro_write_bytes(v.data<std::string_view>()[p], out);
        return true;
      case AvroType::kArray:
      case AvroType::kMap: {
        ListEntry e = v.data<ListEntry>()[p];
        if (e.length > 0) {
          schema::avro_write_long(e.length, out);
          for (uint32_t i = 0; i < e.length; ++i) {
            if (w.type == AvroType::kMap) {
              const Vector& keys = v.child(0);
              if (keys.is_null(e.offset + i)) return fail("a map key is null");
              schema::avro_write_bytes(keys.get_string(e.offset + i), out);
            }
            const Vector& values = v.child(w.type == AvroType::kMap ? 1 : 0);
            if (!write_value(w.type == AvroType::kMap ? *w.values : *w.items, values, e.offset + i,
                             out, depth + 1)) {
              return false;
            }
          }
        }
        schema::avro_write_long(0, out);
        return true;
      }
      case AvroType::kRecord: {
        const FieldMap& m = struct_map(w, t);
        for (size_t k = 0; k < w.fields.size(); ++k) {
          const Node::Field& f = w.fields[k];
          int target = m.target[k];
          if (!write_field(f, target < 0 ? nullptr : &v.child(static_cast<size_t>(target)), row,
                           out, depth + 1)) {
            return fail_field(f.name);
          }
        }
        return true;
      }
      default:
        return fail(fmt::format("cannot write Avro {}", avro_type_name(w.type)));
    }
  }

  bool write_decimal(const Node& w, Int128 unscaled, int scale, std::string& out) {
    auto r = rescale_decimal(unscaled, scale, kMaxDecimalPrecision, w.scale);
    if (!r || (w.precision > 0 && *r != 0 &&
               (*r >= pow10_i128(w.precision) || *r <= -pow10_i128(w.precision)))) {
      return fail(fmt::format("decimal {} does not fit the schema's precision {}, scale {}",
                              decimal_to_string(unscaled, scale), w.precision, w.scale));
    }
    // Two's complement, big-endian, as few bytes as hold the sign.
    char b[16];
    auto u = static_cast<unsigned __int128>(*r);
    for (int i = 15; i >= 0; --i) {
      b[i] = static_cast<char>(u & 0xff);
      u >>= 8;
    }
    size_t first = 0;
    while (first < 15 && ((b[first] == 0 && !(b[first + 1] & 0x80)) ||
                          (b[first] == static_cast<char>(0xff) && (b[first + 1] & 0x80)))) {
      ++first;
    }
    std::string_view bytes(b + first, 16 - first);
    if (w.type == AvroType::kFixed) {
      if (static_cast<int64_t>(bytes.size()) > w.size) return fail("decimal too large for fixed");
      out.append(static_cast<size_t>(w.size) - bytes.size(), *r < 0 ? '\xff' : '\0');
      out.append(bytes);
      return true;
    }
    schema::avro_write_bytes(bytes, out);
    return true;
  }

  const FieldMap& struct_map(const Node& record, const Type& t) {
    auto key = std::make_pair(&record, static_cast<const void*>(&t.fields()));
    auto it = structs_.find(key);
    if (it != structs_.end()) return it->second;
    std::vector<std::string_view> names;
    for (const Field& f : t.fields()) names.push_back(f.name);
    return structs_.emplace(key, map_fields(record, names)).first->second;
  }

  std::vector<Column> columns_;
  Side side_;
  bool wrapped_;
  AvroSchema writer_;
  int32_t id_;
  const Node* root_ = nullptr;
  const Node* root_union_ = nullptr;
  FieldMap row_;
  std::map<std::pair<const Node*, const void*>, FieldMap> structs_;
  std::vector<const Vector*> vectors_;
  std::string err_;
};

bool is_wrapped(size_t num_columns, Side side, const FormatOptions& options) {
  if (num_columns != 1) return true;
  if (side == Side::kKey) return false;
  return options.wrap_single_value.value_or(true);
}

class AvroFormat final : public Format {
 public:
  std::string_view name() const override { return "AVRO"; }

  Status validate(std::span<const Column> columns, Side side,
                  const FormatOptions& options) const override {
    if (side == Side::kValue && options.wrap_single_value.has_value() && columns.size() != 1) {
      return Status::invalid_argument(
          "'WRAP_SINGLE_VALUE' is only valid for single-field value schemas");
    }
    // Generating the schema checks the names and map keys.
    return ksql_avro_schema(columns, is_wrapped(columns.size(), side, options), kKsqlAvroValueName)
        .status();
  }

  Result<std::unique_ptr<Decoder>> make_decoder(std::vector<Column> columns, Side side,
                                                const FormatOptions& options) const override {
    SLUICE_RETURN_IF_ERROR(validate(columns, side, options));
    if (!options.registry) {
      return Status::invalid_argument("The AVRO format needs the Schema Registry");
    }
    bool wrapped = is_wrapped(columns.size(), side, options);
    return std::unique_ptr<Decoder>(
        std::make_unique<AvroDecoder>(std::move(columns), side, wrapped, options));
  }

  Result<std::unique_ptr<Encoder>> make_encoder(std::vector<Column> columns, Side side,
                                                const FormatOptions& options) const override {
    SLUICE_RETURN_IF_ERROR(validate(columns, side, options));
    if (!options.registry) {
      return Status::invalid_argument("The AVRO format needs the Schema Registry");
    }
    bool wrapped = is_wrapped(columns.size(), side, options);
    int32_t id;
    AvroSchema writer;
    if (options.schema_id) {
      id = *options.schema_id;
      SLUICE_ASSIGN_OR_RETURN(writer, fetch_schema(options.registry, id));
    } else {
      std::string full_name = options.schema_full_name.empty() ? std::string(kKsqlAvroValueName)
                                                               : options.schema_full_name;
      SLUICE_ASSIGN_OR_RETURN(std::string text, ksql_avro_schema(columns, wrapped, full_name));
      SLUICE_ASSIGN_OR_RETURN(writer, AvroSchema::parse(text));
      schema::SchemaInput in;
      in.schema = std::move(text);
      std::string subject = options.topic + (side == Side::kKey ? "-key" : "-value");
      auto registered = options.registry->register_schema(subject, in, false);
      if (!registered.ok()) {
        return Status::invalid_argument(fmt::format("Could not register schema for topic: {}: {}",
                                                    options.topic, registered.error.message));
      }
      id = *registered.value;
    }
    return std::unique_ptr<Encoder>(
        std::make_unique<AvroEncoder>(std::move(columns), side, wrapped, std::move(writer), id));
  }
};

}  // namespace

std::string ksql_avro_key_name(std::string_view source_name) {
  std::string name(kKsqlAvroNamespace);
  name += '.';
  bool start = true;
  for (char c : source_name) {
    if (c == '_') {
      start = true;
      continue;
    }
    if (start && c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (!start && c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    name += c;
    start = false;
  }
  return name + "Key";
}

Result<std::string> ksql_avro_schema(std::span<const Column> columns, bool wrapped,
                                     std::string_view full_name) {
  if (!wrapped && columns.size() == 1) {
    SLUICE_ASSIGN_OR_RETURN(OJson t, generated_type(columns[0].type, std::string(full_name)));
    return t.dump();
  }
  std::vector<Field> fields;
  for (const Column& c : columns) fields.push_back({c.name, c.type});
  SLUICE_ASSIGN_OR_RETURN(OJson r, generated_record(fields, std::string(full_name)));
  return r.dump();
}

Result<std::vector<Column>> avro_schema_columns(const AvroSchema& schema, bool wrapped,
                                                std::string_view single_name, bool keep_names) {
  std::set<const Node*> open;
  const Node* root = &schema.root();
  if (wrapped && root->type == AvroType::kUnion) {
    std::vector<const Node*> b = value_branches(*root);
    if (b.size() == 1) root = b[0];
  }
  std::vector<Column> columns;
  if (wrapped && root->type == AvroType::kRecord) {
    open.insert(root);
    for (const Node::Field& f : root->fields) {
      SLUICE_ASSIGN_OR_RETURN(Type t, inferred_type(*f.type, open, keep_names));
      columns.push_back({keep_names ? f.name : upper_ascii(f.name), std::move(t)});
    }
    return columns;
  }
  SLUICE_ASSIGN_OR_RETURN(Type t, inferred_type(schema.root(), open, keep_names));
  columns.push_back({std::string(single_name), std::move(t)});
  return columns;
}

const Format& avro_format() {
  static const AvroFormat kFormat;
  return kFormat;
}

}  // namespace sluice::format
