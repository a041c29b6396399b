// The PROTOBUF and PROTOBUF_NOSR formats (see protobuf_format.h): .proto parsing into descriptors
// (libprotobuf's parser and DescriptorPool), ksqlDB's schema generation and inference, and codecs
// that walk the protobuf wire format between records and column vectors themselves.
#include "format/protobuf_format.h"

#include <google/protobuf/compiler/parser.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/message.h>
#include <google/protobuf/unknown_field_set.h>

#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include <climits>
#include <cstring>
#include <map>
#include <memory>
#include <set>
#include <unordered_map>
#include <utility>

#include "format/decimal.h"
#include "format/format_util.h"
#include "format/text.h"
#include "schema/avro_binary.h"
#include "schema/protobuf_compat.h"
#include "schema/registry.h"

namespace sluice::format {
namespace {

namespace pb = google::protobuf;
using FD = pb::FieldDescriptor;

// Nesting deeper than this (recursive messages, hostile data, long import chains) fails.
constexpr int kMaxDepth = 100;
// Message indexes name a message nested at most this deep.
constexpr uint64_t kMaxIndexes = 100;
// Field numbers below this are looked up in a flat table, larger ones in a map.
constexpr int kDirectNumbers = 256;
// The largest field number protobuf allows.
constexpr uint64_t kMaxFieldNumber = (1u << 29) - 1;

constexpr int kWireVarint = 0;
constexpr int kWireFixed64 = 1;
constexpr int kWireLen = 2;
constexpr int kWireStartGroup = 3;
constexpr int kWireEndGroup = 4;
constexpr int kWireFixed32 = 5;

// The name of the main file in a schema's pool: not a name an import can have.
constexpr std::string_view kMainFile = "<sluice main>.proto";

// Days since 1970-01-01 of a proleptic Gregorian date, and back (H. Hinnant's algorithms).
int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void civil_from_days(int64_t z, int64_t& y, int64_t& m, int64_t& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = yoe + era * 400 + (m <= 2);
}

// ---- The wire format ----

// A cursor over protobuf bytes that never reads past its end: every read reports success.
class WireReader {
 public:
  explicit WireReader(std::string_view s)
      : p_(reinterpret_cast<const uint8_t*>(s.data())), end_(p_ + s.size()) {}
  bool at_end() const { return p_ == end_; }
  size_t remaining() const { return static_cast<size_t>(end_ - p_); }

  bool varint(uint64_t& v) {
    v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_ == end_) return false;
      uint8_t b = *p_++;
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return true;
    }
    return false;  // more than 10 bytes
  }
  bool fixed32(uint64_t& v) {
    if (remaining() < 4) return false;
    uint32_t x;
    std::memcpy(&x, p_, 4);
    p_ += 4;
    v = x;
    return true;
  }
  bool fixed64(uint64_t& v) {
    if (remaining() < 8) return false;
    std::memcpy(&v, p_, 8);
    p_ += 8;
    return true;
  }
  bool bytes(std::string_view& s) {
    uint64_t n;
    if (!varint(n) || n > remaining()) return false;
    s = {reinterpret_cast<const char*>(p_), static_cast<size_t>(n)};
    p_ += n;
    return true;
  }
  std::string_view rest() const { return {reinterpret_cast<const char*>(p_), remaining()}; }

 private:
  const uint8_t* p_;
  const uint8_t* end_;
};

static_assert(std::endian::native == std::endian::little);

void put_varint(uint64_t v, std::string& out) {
  char buf[10];
  size_t n = 0;
  while (v >= 0x80) {
    buf[n++] = static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  buf[n++] = static_cast<char>(v);
  out.append(buf, n);
}

void put_tag(int number, int wire_type, std::string& out) {
  put_varint((static_cast<uint64_t>(number) << 3) | static_cast<uint64_t>(wire_type), out);
}

void put_fixed32(uint32_t v, std::string& out) {
  char b[4];
  std::memcpy(b, &v, 4);
  out.append(b, 4);
}

void put_fixed64(uint64_t v, std::string& out) {
  char b[8];
  std::memcpy(b, &v, 8);
  out.append(b, 8);
}

uint64_t zigzag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
int64_t unzigzag(uint64_t v) {
  return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
}

// A length-delimited value whose size is known only once written: one byte is reserved for the
// length, and the body moved when the length needs more.
size_t begin_len(std::string& out) {
  out.push_back('\0');
  return out.size();
}
void end_len(std::string& out, size_t body) {
  size_t n = out.size() - body;
  if (n < 0x80) {
    out[body - 1] = static_cast<char>(n);
    return;
  }
  std::string len;
  put_varint(n, len);
  out.replace(body - 1, 1, len);
}

// Skips one field's value of wire type `wt` (groups included, to their end).
bool skip_value(int wt, uint64_t number, WireReader& in, int depth) {
  uint64_t v;
  std::string_view s;
  switch (wt) {
    case kWireVarint:
      return in.varint(v);
    case kWireFixed64:
      return in.fixed64(v);
    case kWireLen:
      return in.bytes(s);
    case kWireFixed32:
      return in.fixed32(v);
    case kWireStartGroup:
      if (depth > kMaxDepth) return false;
      for (;;) {
        uint64_t tag;
        if (!in.varint(tag)) return false;
        int inner = static_cast<int>(tag & 7);
        if (inner == kWireEndGroup) return (tag >> 3) == number;
        if (!skip_value(inner, tag >> 3, in, depth + 1)) return false;
      }
    default:
      return false;
  }
}

// The wire type a non-message field of this type is written with.
int wire_type_of(FD::Type t) {
  switch (t) {
    case FD::TYPE_DOUBLE:
    case FD::TYPE_FIXED64:
    case FD::TYPE_SFIXED64:
      return kWireFixed64;
    case FD::TYPE_FLOAT:
    case FD::TYPE_FIXED32:
    case FD::TYPE_SFIXED32:
      return kWireFixed32;
    case FD::TYPE_STRING:
    case FD::TYPE_BYTES:
    case FD::TYPE_MESSAGE:
      return kWireLen;
    case FD::TYPE_GROUP:
      return kWireStartGroup;
    default:
      return kWireVarint;
  }
}

// Reads one non-message value of wire type `wt` into `bits` (varints and fixed) or `bytes`.
bool read_raw(WireReader& in, int wt, uint64_t& bits, std::string_view& bytes) {
  switch (wt) {
    case kWireVarint:
      return in.varint(bits);
    case kWireFixed64:
      return in.fixed64(bits);
    case kWireFixed32:
      return in.fixed32(bits);
    case kWireLen:
      return in.bytes(bytes);
    default:
      return false;
  }
}

// Confluent's message indexes: zig-zag count, then zig-zag indexes; a 0 count means [0].
bool read_message_indexes(WireReader& in, std::vector<int>& indexes) {
  indexes.clear();
  uint64_t n;
  if (!in.varint(n)) return false;
  int64_t count = unzigzag(n);
  if (count == 0) {
    indexes.push_back(0);
    return true;
  }
  if (count < 0 || static_cast<uint64_t>(count) > kMaxIndexes) return false;
  for (int64_t i = 0; i < count; ++i) {
    uint64_t x;
    if (!in.varint(x)) return false;
    int64_t idx = unzigzag(x);
    if (idx < 0 || idx > INT32_MAX) return false;
    indexes.push_back(static_cast<int>(idx));
  }
  return true;
}

void write_message_indexes(std::span<const int> indexes, std::string& out) {
  if (indexes.size() == 1 && indexes[0] == 0) {
    out.push_back('\0');
    return;
  }
  put_varint(zigzag(static_cast<int64_t>(indexes.size())), out);
  for (int i : indexes) put_varint(zigzag(i), out);
}

// ---- Schemas: .proto text to descriptors ----

class ParseErrors final : public pb::io::ErrorCollector {
 public:
  void AddError(int line, int column, const std::string& message) override {
    if (first.empty()) first = fmt::format("line {}:{}: {}", line + 1, column + 1, message);
  }
  std::string first;
};

class BuildErrors final : public pb::DescriptorPool::ErrorCollector {
 public:
  void AddError(const std::string& /*filename*/, const std::string& element,
                const pb::Message* /*descriptor*/, ErrorLocation /*location*/,
                const std::string& message) override {
    if (first.empty()) first = element.empty() ? message : fmt::format("{}: {}", element, message);
  }
  std::string first;
};

Result<pb::FileDescriptorProto> parse_proto_text(std::string_view text, std::string_view name) {
  if (text.size() > INT_MAX) return Status::invalid_argument("Protobuf schema too large");
  schema::quiet_protobuf_logs();
  pb::FileDescriptorProto file;
  pb::io::ArrayInputStream input(text.data(), static_cast<int>(text.size()));
  ParseErrors errors;
  pb::io::Tokenizer tokenizer(&input, &errors);
  pb::compiler::Parser parser;
  parser.RecordErrorsTo(&errors);
  bool ok = parser.Parse(&tokenizer, &file);
  if (!ok || !errors.first.empty()) {
    return Status::invalid_argument(
        fmt::format("Invalid Protobuf schema {}: {}", name == kMainFile ? "" : name,
                    errors.first.empty() ? "cannot parse" : errors.first));
  }
  file.set_name(std::string(name));
  return file;
}

// A parsed .proto schema and everything it imports, in a pool of its own.
class ProtoSchema {
 public:
  static Result<std::unique_ptr<ProtoSchema>> parse(std::string_view text,
                                                    const ProtoImports& imports) {
    if (text.size() > INT32_MAX) return Status::invalid_argument("Protobuf schema too large");
    std::unique_ptr<ProtoSchema> s(new ProtoSchema());
    std::set<std::string> building;
    SLUICE_RETURN_IF_ERROR(s->add(std::string(kMainFile), text, imports, building, 0));
    s->file_ = s->pool_.FindFileByName(std::string(kMainFile));
    if (!s->file_) return Status::internal("Protobuf schema not built");
    return s;
  }

  // The message named `name` (full name, or a simple or partly qualified name within the main
  // file), or the main file's first message when `name` is empty.
  Result<const pb::Descriptor*> message(std::string_view name) const {
    if (name.empty()) {
      if (file_->message_type_count() == 0) {
        return Status::invalid_argument("The Protobuf schema has no message");
      }
      return file_->message_type(0);
    }
    if (const pb::Descriptor* d = pool_.FindMessageTypeByName(std::string(name))) return d;
    const pb::Descriptor* found = nullptr;
    for (int i = 0; i < file_->message_type_count() && !found; ++i) {
      found = find_suffix(file_->message_type(i), name);
    }
    if (!found) {
      return Status::invalid_argument(
          fmt::format("Schema does not contain a message named '{}'", name));
    }
    return found;
  }

  // The message the wire format's indexes name, or nullptr.
  const pb::Descriptor* by_indexes(std::span<const int> indexes) const {
    if (indexes.empty() || indexes[0] >= file_->message_type_count()) return nullptr;
    const pb::Descriptor* d = file_->message_type(indexes[0]);
    for (size_t i = 1; i < indexes.size(); ++i) {
      if (indexes[i] >= d->nested_type_count()) return nullptr;
      d = d->nested_type(indexes[i]);
    }
    return d;
  }

  static std::vector<int> indexes_of(const pb::Descriptor* d) {
    std::vector<int> out;
    for (; d; d = d->containing_type()) out.insert(out.begin(), d->index());
    return out;
  }

 private:
  ProtoSchema() = default;

  static const pb::Descriptor* find_suffix(const pb::Descriptor* d, std::string_view name) {
    const std::string& full = d->full_name();
    if (full == name || (full.size() > name.size() && full.ends_with(name) &&
                         full[full.size() - name.size() - 1] == '.')) {
      return d;
    }
    for (int i = 0; i < d->nested_type_count(); ++i) {
      if (const pb::Descriptor* n = find_suffix(d->nested_type(i), name)) return n;
    }
    return nullptr;
  }

  // Builds file `name` from `text` after its dependencies.
  Status add(const std::string& name, std::string_view text, const ProtoImports& imports,
             std::set<std::string>& building, int depth) {
    if (depth > kMaxDepth) return Status::invalid_argument("Protobuf imports nested too deeply");
    SLUICE_ASSIGN_OR_RETURN(pb::FileDescriptorProto file, parse_proto_text(text, name));
    building.insert(name);
    for (const std::string& dep : file.dependency()) {
      SLUICE_RETURN_IF_ERROR(add_dependency(dep, imports, building, depth + 1));
    }
    building.erase(name);
    BuildErrors errors;
    if (!pool_.BuildFileCollectingErrors(file, &errors)) {
      return Status::invalid_argument(fmt::format("Invalid Protobuf schema: {}", errors.first));
    }
    return Status::ok();
  }

  Status add_dependency(const std::string& name, const ProtoImports& imports,
                        std::set<std::string>& building, int depth) {
    if (pool_.FindFileByName(name)) return Status::ok();
    if (building.count(name)) {
      return Status::invalid_argument(fmt::format("Protobuf import cycle through {}", name));
    }
    if (auto it = imports.find(name); it != imports.end()) {
      return add(name, it->second, imports, building, depth);
    }
    if (const std::string_view* text = schema::protobuf_builtin_import(name)) {
      return add(name, *text, imports, building, depth);
    }
    // google/protobuf/*.proto: the descriptors compiled into libprotobuf.
    if (const pb::FileDescriptor* gen =
            pb::DescriptorPool::generated_pool()->FindFileByName(name)) {
      pb::FileDescriptorProto file;
      gen->CopyTo(&file);
      for (const std::string& dep : file.dependency()) {
        SLUICE_RETURN_IF_ERROR(add_dependency(dep, imports, building, depth + 1));
      }
      BuildErrors errors;
      if (!pool_.BuildFileCollectingErrors(file, &errors)) {
        return Status::invalid_argument(fmt::format("Invalid Protobuf schema: {}", errors.first));
      }
      return Status::ok();
    }
    return Status::invalid_argument(fmt::format("Protobuf schema imports unknown file {}", name));
  }

  pb::DescriptorPool pool_;
  const pb::FileDescriptor* file_ = nullptr;
};

// ---- Type mapping ----

// Messages with a SQL type of their own.
enum class Special : uint8_t { kNone, kDecimal, kTimestamp, kDate, kTime, kWrapper };

// True when message `m` has field `number` of type `type` (a message that only borrows a
// well-known type's name is an ordinary message).
bool has_field(const pb::Descriptor* m, int number, FD::Type type) {
  const FD* f = m->FindFieldByNumber(number);
  return f && f->type() == type && !f->is_repeated();
}

Special special_of(const pb::Descriptor* m) {
  const std::string& n = m->full_name();
  if (n == "confluent.type.Decimal" && has_field(m, 1, FD::TYPE_BYTES) &&
      has_field(m, 2, FD::TYPE_UINT32) && has_field(m, 3, FD::TYPE_INT32)) {
    return Special::kDecimal;
  }
  if (n == "google.protobuf.Timestamp" && has_field(m, 1, FD::TYPE_INT64) &&
      has_field(m, 2, FD::TYPE_INT32)) {
    return Special::kTimestamp;
  }
  bool int32s = has_field(m, 1, FD::TYPE_INT32) && has_field(m, 2, FD::TYPE_INT32) &&
                has_field(m, 3, FD::TYPE_INT32);
  if (n == "google.type.Date" && int32s) return Special::kDate;
  if (n == "google.type.TimeOfDay" && int32s && has_field(m, 4, FD::TYPE_INT32)) {
    return Special::kTime;
  }
  static const std::set<std::string> kWrappers = {
      "google.protobuf.DoubleValue", "google.protobuf.FloatValue",  "google.protobuf.Int64Value",
      "google.protobuf.UInt64Value", "google.protobuf.Int32Value",  "google.protobuf.UInt32Value",
      "google.protobuf.BoolValue",   "google.protobuf.StringValue", "google.protobuf.BytesValue"};
  if (kWrappers.count(n) && m->FindFieldByNumber(1) && !m->FindFieldByNumber(1)->is_repeated() &&
      m->FindFieldByNumber(1)->cpp_type() != FD::CPPTYPE_MESSAGE) {
    return Special::kWrapper;
  }
  return Special::kNone;
}

// The "precision" and "scale" params of a field's (confluent.field_meta) option.
void decimal_params(const FD* f, int& precision, int& scale) {
  const pb::UnknownFieldSet& unknown = f->options().unknown_fields();
  for (int i = 0; i < unknown.field_count(); ++i) {
    const pb::UnknownField& u = unknown.field(i);
    if (u.number() != 1088 || u.type() != pb::UnknownField::TYPE_LENGTH_DELIMITED) continue;
    WireReader meta(u.length_delimited());
    while (!meta.at_end()) {
      uint64_t tag, bits = 0;
      std::string_view entry;
      if (!meta.varint(tag)) return;
      if ((tag >> 3) != 2 || (tag & 7) != kWireLen) {
        if (!read_raw(meta, static_cast<int>(tag & 7), bits, entry)) return;
        continue;
      }
      if (!meta.bytes(entry)) return;
      WireReader e(entry);
      std::string_view key, value;
      while (!e.at_end()) {
        uint64_t t, b;
        std::string_view s;
        if (!e.varint(t) || !read_raw(e, static_cast<int>(t & 7), b, s)) break;
        if ((t >> 3) == 1) key = s;
        if ((t >> 3) == 2) value = s;
      }
      auto n = parse_int32(value);
      if (!n) continue;
      if (key == "precision") precision = *n;
      if (key == "scale") scale = *n;
    }
  }
}

std::string sql_type_of_field(const FD* f) {
  if (f->cpp_type() == FD::CPPTYPE_MESSAGE) return f->message_type()->full_name();
  return f->type_name();
}

Result<Type> inferred_message(const pb::Descriptor* m, const FD* field,
                              std::set<const pb::Descriptor*>& open, bool keep);

// The SQL type of one value of field `f` (an element, for a repeated field).
Result<Type> inferred_element(const FD* f, std::set<const pb::Descriptor*>& open, bool keep) {
  switch (f->type()) {
    case FD::TYPE_DOUBLE:
    case FD::TYPE_FLOAT:
      return Type::double_();
    case FD::TYPE_INT32:
    case FD::TYPE_SINT32:
    case FD::TYPE_SFIXED32:
      return Type::integer();
    // Connect widens the unsigned 32-bit types to INT64 (they do not fit an INT32).
    case FD::TYPE_UINT32:
    case FD::TYPE_FIXED32:
    case FD::TYPE_INT64:
    case FD::TYPE_SINT64:
    case FD::TYPE_SFIXED64:
    case FD::TYPE_UINT64:
    case FD::TYPE_FIXED64:
      return Type::bigint();
    case FD::TYPE_BOOL:
      return Type::boolean();
    case FD::TYPE_STRING:
    case FD::TYPE_ENUM:
      return Type::string();
    case FD::TYPE_BYTES:
      return Type::bytes();
    case FD::TYPE_MESSAGE:
      return inferred_message(f->message_type(), f, open, keep);
    case FD::TYPE_GROUP:
      break;
  }
  return Status::invalid_argument(
      fmt::format("Protobuf field '{}' of type group has no SQL type", f->name()));
}

Result<Type> inferred_field(const FD* f, std::set<const pb::Descriptor*>& open, bool keep) {
  if (f->is_map()) {
    const FD* k = f->message_type()->FindFieldByNumber(1);
    const FD* v = f->message_type()->FindFieldByNumber(2);
    if (!k || !v) return Status::invalid_argument("malformed Protobuf map entry");
    SLUICE_ASSIGN_OR_RETURN(Type kt, inferred_element(k, open, keep));
    SLUICE_ASSIGN_OR_RETURN(Type vt, inferred_element(v, open, keep));
    return Type::map(std::move(kt), std::move(vt));
  }
  SLUICE_ASSIGN_OR_RETURN(Type t, inferred_element(f, open, keep));
  if (f->is_repeated()) return Type::array(std::move(t));
  return t;
}

Result<Type> inferred_message(const pb::Descriptor* m, const FD* field,
                              std::set<const pb::Descriptor*>& open, bool keep) {
  switch (special_of(m)) {
    case Special::kDecimal: {
      // Connect's default when the schema gives no precision: as wide as SQL allows.
      int precision = kMaxDecimalPrecision, scale = 0;
      if (field) decimal_params(field, precision, scale);
      precision = std::min(precision, kMaxDecimalPrecision);
      if (auto e = check_decimal(precision, scale)) return Status::invalid_argument(e->message);
      return Type::decimal(precision, scale);
    }
    case Special::kTimestamp:
      return Type::timestamp();
    case Special::kDate:
      return Type::date();
    case Special::kTime:
      return Type::time();
    case Special::kWrapper:
      return inferred_element(m->FindFieldByNumber(1), open, keep);
    case Special::kNone:
      break;
  }
  if (!open.insert(m).second) {
    return Status::invalid_argument(
        fmt::format("Recursive Protobuf message '{}' has no SQL type", m->full_name()));
  }
  std::vector<Field> fields;
  for (int i = 0; i < m->field_count(); ++i) {
    const FD* f = m->field(i);
    SLUICE_ASSIGN_OR_RETURN(Type t, inferred_field(f, open, keep));
    fields.push_back({keep ? f->name() : upper_ascii(f->name()), std::move(t)});
  }
  open.erase(m);
  return Type::struct_(std::move(fields));
}

// ---- Schema generation (ksqlDB's ProtobufSchemaTranslator via Connect's ProtobufData) ----

Status check_proto_name(std::string_view name) {
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  bool ok = !name.empty() && alpha(name[0]);
  for (char c : name) ok = ok && (alpha(c) || (c >= '0' && c <= '9'));
  if (!ok) {
    return Status::invalid_argument(
        fmt::format("Schema is not compatible with Protobuf: invalid field name: {}", name));
  }
  return Status::ok();
}

class SchemaWriter {
 public:
  explicit SchemaWriter(ProtobufNullable nullable, bool root_named)
      : nullable_(nullable), next_default_(root_named ? 1 : 2) {}

  Result<std::string> file(std::span<const Column> columns, std::string_view full_name) {
    std::string pkg, name;
    size_t dot = full_name.rfind('.');
    if (full_name.empty()) {
      name = kKsqlProtobufDefaultName;
    } else if (dot == std::string_view::npos) {
      name = full_name;
    } else {
      pkg = full_name.substr(0, dot);
      name = full_name.substr(dot + 1);
      size_t start = 0;
      for (;;) {
        size_t end = pkg.find('.', start);
        SLUICE_RETURN_IF_ERROR(check_proto_name(pkg.substr(start, end - start)));
        if (end == std::string::npos) break;
        start = end + 1;
      }
    }
    SLUICE_RETURN_IF_ERROR(check_proto_name(name));
    std::vector<Field> fields;
    for (const Column& c : columns) fields.push_back({c.name, c.type});
    SLUICE_ASSIGN_OR_RETURN(std::string body, message(name, fields, ""));
    std::string out = "syntax = \"proto3\";\n";
    if (!pkg.empty()) out += fmt::format("package {};\n", pkg);
    std::string imports;
    if (decimal_)
      imports += "import \"confluent/meta.proto\";\nimport \"confluent/type/decimal.proto\";\n";
    if (timestamp_) imports += "import \"google/protobuf/timestamp.proto\";\n";
    if (wrappers_) imports += "import \"google/protobuf/wrappers.proto\";\n";
    if (date_) imports += "import \"google/type/date.proto\";\n";
    if (time_) imports += "import \"google/type/timeofday.proto\";\n";
    if (!imports.empty()) out += "\n" + imports;
    return out + "\n" + body;
  }

 private:
  Result<std::string> message(const std::string& name, const std::vector<Field>& fields,
                              const std::string& indent) {
    std::string body, nested;
    int number = 0;
    for (const Field& f : fields) {
      SLUICE_RETURN_IF_ERROR(check_proto_name(f.name));
      SLUICE_ASSIGN_OR_RETURN(std::string decl,
                              field(f.name, f.type, ++number, nested, indent + "  "));
      body += indent + "  " + decl + "\n";
    }
    std::string out = fmt::format("{}message {} {{\n{}", indent, name, body);
    if (!nested.empty()) out += "\n" + nested;
    return out + indent + "}\n";
  }

  // The type name of a value of `t`; nested messages are appended to `nested`.
  Result<std::string> type_name(const Type& t, bool element, std::string& nested,
                                const std::string& indent) {
    auto primitive = [&](std::string_view plain, std::string_view wrapper) {
      if (!element && nullable_ == ProtobufNullable::kWrapper) {
        wrappers_ = true;
        return fmt::format("google.protobuf.{}", wrapper);
      }
      return std::string(plain);
    };
    switch (t.id()) {
      case TypeId::kBoolean:
        return primitive("bool", "BoolValue");
      case TypeId::kInteger:
        return primitive("int32", "Int32Value");
      case TypeId::kBigint:
        return primitive("int64", "Int64Value");
      case TypeId::kDouble:
        return primitive("double", "DoubleValue");
      case TypeId::kString:
        return primitive("string", "StringValue");
      case TypeId::kBytes:
        return primitive("bytes", "BytesValue");
      case TypeId::kDecimal:
        decimal_ = true;
        return std::string("confluent.type.Decimal");
      case TypeId::kTimestamp:
        timestamp_ = true;
        return std::string("google.protobuf.Timestamp");
      case TypeId::kDate:
        date_ = true;
        return std::string("google.type.Date");
      case TypeId::kTime:
        time_ = true;
        return std::string("google.type.TimeOfDay");
      case TypeId::kStruct: {
        std::string name = fmt::format("ConnectDefault{}", next_default_++);
        SLUICE_ASSIGN_OR_RETURN(std::string m, message(name, t.fields(), indent));
        nested += m;
        return name;
      }
      case TypeId::kArray:
      case TypeId::kMap:
        break;
    }
    return Status::internal("no Protobuf type name for a collection");
  }

  Result<std::string> field(const std::string& name, const Type& t, int number, std::string& nested,
                            const std::string& indent) {
    if (t.id() == TypeId::kArray) {
      if (t.element().id() == TypeId::kArray || t.element().id() == TypeId::kMap) {
        return Status::invalid_argument(fmt::format(
            "The 'PROTOBUF' format does not support type '{}': an ARRAY of {} (field {})",
            t.to_string(), type_id_name(t.element().id()), name));
      }
      SLUICE_ASSIGN_OR_RETURN(std::string e, type_name(t.element(), true, nested, indent));
      return fmt::format("repeated {} {} = {};", e, name, number);
    }
    if (t.id() == TypeId::kMap) {
      TypeId k = t.key().id();
      if (k != TypeId::kString && k != TypeId::kInteger && k != TypeId::kBigint &&
          k != TypeId::kBoolean) {
        return Status::invalid_argument(fmt::format(
            "The 'PROTOBUF' format does not support type '{}': MAP keys must be STRING, INTEGER, "
            "BIGINT or BOOLEAN (field {})",
            t.to_string(), name));
      }
      if (t.value().id() == TypeId::kArray || t.value().id() == TypeId::kMap) {
        return Status::invalid_argument(
            fmt::format("The 'PROTOBUF' format does not support type '{}': a MAP of {} (field {})",
                        t.to_string(), type_id_name(t.value().id()), name));
      }
      SLUICE_ASSIGN_OR_RETURN(std::string kn, type_name(t.key(), true, nested, indent));
      SLUICE_ASSIGN_OR_RETURN(std::string vn, type_name(t.value(), true, nested, indent));
      return fmt::format("map<{}, {}> {} = {};", kn, vn, name, number);
    }
    SLUICE_ASSIGN_OR_RETURN(std::string tn, type_name(t, false, nested, indent));
    std::string prefix = nullable_ == ProtobufNullable::kOptional && !t.is_nested() &&
                                 t.id() != TypeId::kDecimal && t.id() != TypeId::kTimestamp &&
                                 t.id() != TypeId::kDate && t.id() != TypeId::kTime
                             ? "optional "
                             : "";
    std::string options;
    if (t.id() == TypeId::kDecimal) {
      options = fmt::format(
          " [(confluent.field_meta) = {{params: [{{key: \"precision\", value: \"{}\"}}, "
          "{{key: \"scale\", value: \"{}\"}}]}}]",
          t.precision(), t.scale());
    }
    return fmt::format("{}{} {} = {}{};", prefix, tn, name, number, options);
  }

  ProtobufNullable nullable_;
  int next_default_;
  bool decimal_ = false, timestamp_ = false, date_ = false, time_ = false, wrappers_ = false;
};

// ---- Field plans, shared by the codecs ----

// The writer fields of a message that columns (or struct fields) read or write, by field number.
struct FieldPlan {
  const FD* field;
  uint32_t target;
  int list_slot;  // repeated and map fields: the index of its list accumulator, else -1
};

struct MessagePlan {
  std::vector<FieldPlan> fields;
  std::vector<int16_t> direct;  // field number -> index in `fields`, -1
  std::map<int, int> sparse;    // numbers >= kDirectNumbers
  std::vector<uint32_t> unfilled;
  int num_lists = 0;

  int find(uint64_t number) const {
    if (number < direct.size()) return direct[number];
    auto it = sparse.find(static_cast<int>(number));
    return it == sparse.end() ? -1 : it->second;
  }
};

MessagePlan make_plan(const pb::Descriptor* m, const std::vector<std::string_view>& targets) {
  MessagePlan plan;
  std::vector<int> target_of(static_cast<size_t>(m->field_count()), -1);
  std::vector<bool> filled(targets.size(), false);
  // Exact names first, then case-insensitive ones for what is left (Connect's translation).
  for (int pass = 0; pass < 2; ++pass) {
    for (int k = 0; k < m->field_count(); ++k) {
      if (target_of[static_cast<size_t>(k)] >= 0) continue;
      const std::string& name = m->field(k)->name();
      for (size_t j = 0; j < targets.size(); ++j) {
        if (filled[j]) continue;
        if (pass == 0 ? name == targets[j] : iequals_ascii(name, targets[j])) {
          target_of[static_cast<size_t>(k)] = static_cast<int>(j);
          filled[j] = true;
          break;
        }
      }
    }
  }
  plan.direct.assign(kDirectNumbers, -1);
  for (int k = 0; k < m->field_count(); ++k) {
    int target = target_of[static_cast<size_t>(k)];
    if (target < 0) continue;
    const FD* f = m->field(k);
    int slot = f->is_repeated() ? plan.num_lists++ : -1;
    auto index = static_cast<int>(plan.fields.size());
    plan.fields.push_back({f, static_cast<uint32_t>(target), slot});
    if (f->number() < kDirectNumbers) {
      plan.direct[static_cast<size_t>(f->number())] = static_cast<int16_t>(index);
    } else {
      plan.sparse[f->number()] = index;
    }
  }
  for (size_t j = 0; j < targets.size(); ++j) {
    if (!filled[j]) plan.unfilled.push_back(static_cast<uint32_t>(j));
  }
  return plan;
}

// Plans by message and target (a struct type's fields, or nullptr for the row's columns).
class PlanCache {
 public:
  const MessagePlan& row(const pb::Descriptor* m, const std::vector<std::string_view>& names) {
    return get(m, nullptr, names);
  }
  const MessagePlan& of_struct(const pb::Descriptor* m, const Type& t) {
    auto key = std::make_pair(m, static_cast<const void*>(&t.fields()));
    auto it = plans_.find(key);
    if (it != plans_.end()) return it->second;
    std::vector<std::string_view> names;
    for (const Field& f : t.fields()) names.push_back(f.name);
    return plans_.emplace(key, make_plan(m, names)).first->second;
  }

 private:
  const MessagePlan& get(const pb::Descriptor* m, const void* id,
                         const std::vector<std::string_view>& names) {
    auto key = std::make_pair(m, id);
    auto it = plans_.find(key);
    if (it != plans_.end()) return it->second;
    return plans_.emplace(key, make_plan(m, names)).first->second;
  }
  std::map<std::pair<const pb::Descriptor*, const void*>, MessagePlan> plans_;
};

// special_of per message, remembered (it compares names, and codecs ask once per value).
class SpecialCache {
 public:
  Special of(const pb::Descriptor* m) {
    auto it = cache_.find(m);
    if (it != cache_.end()) return it->second;
    return cache_.emplace(m, special_of(m)).first->second;
  }

 private:
  std::unordered_map<const pb::Descriptor*, Special> cache_;
};

Result<ProtobufNullable> nullable_property(const FormatOptions& options, Side side) {
  std::string key = side == Side::kKey ? "KEY_PROTOBUF_NULLABLE_REPRESENTATION"
                                       : "VALUE_PROTOBUF_NULLABLE_REPRESENTATION";
  auto it = options.properties.find(key);
  if (it == options.properties.end()) return ProtobufNullable::kNone;
  std::string v = upper_ascii(it->second);
  if (v == "OPTIONAL") return ProtobufNullable::kOptional;
  if (v == "WRAPPER") return ProtobufNullable::kWrapper;
  return Status::invalid_argument(fmt::format(
      "Invalid value for {}: '{}'. Valid values are OPTIONAL and WRAPPER", key, it->second));
}

Result<std::unique_ptr<ProtoSchema>> fetch_schema(schema::SchemaRegistry* registry, int32_t id) {
  if (!registry) return Status::invalid_argument("The PROTOBUF format needs the Schema Registry");
  auto v = registry->by_id(id);
  if (!v.ok()) return Status::invalid_argument(fmt::format("Schema {} not found", id));
  if (v.value->type != "PROTOBUF") {
    return Status::invalid_argument(
        fmt::format("Schema {} is a {} schema, not a PROTOBUF one", id, v.value->type));
  }
  SLUICE_ASSIGN_OR_RETURN(ProtoImports imports,
                          protobuf_references(*registry, v.value->references));
  return ProtoSchema::parse(v.value->schema, imports);
}

// ---- Decoding ----

class ProtoDecoder final : public RecordDecoder {
 public:
  // `fixed`: the schema every record is written with (PROTOBUF_NOSR); nullptr: records carry
  // their writer schema's id.
  ProtoDecoder(std::vector<Column> columns, Side side, schema::SchemaRegistry* registry,
               std::unique_ptr<ProtoSchema> fixed, const pb::Descriptor* fixed_root)
      : RecordDecoder(side),
        columns_(std::move(columns)),
        registry_(registry),
        fixed_(std::move(fixed)),
        fixed_root_(fixed_root) {
    for (const Column& c : columns_) names_.push_back(c.name);
  }

  bool decode_record(const RecordBytes& rec, size_t row) override {
    unowned_ = rec.padded;
    lists_.clear();
    return decode_one(rec.view(), row);
  }

 private:
  struct ListAcc {
    uint32_t start = 0;
    uint32_t length = 0;
    bool started = false;
  };

  bool malformed() { return fail("truncated or malformed Protobuf data"); }

  bool field_failed(std::string_view name) {
    err_ = err_.rfind("field ", 0) == 0 ? fmt::format("field {}.{}", name, err_.substr(6))
                                        : fmt::format("field {}: {}", name, err_);
    return false;
  }

  bool mismatch(const FD* f, const Type& t) {
    return fail(fmt::format("cannot read Protobuf {} as {}", sql_type_of_field(f), t.to_string()));
  }

  Vector& target(Vector* parent, uint32_t j) { return parent ? parent->child(j) : *outs_[j]; }

  Result<const ProtoSchema*> schema_for(int32_t id) {
    auto it = schemas_.find(id);
    if (it != schemas_.end()) return it->second.get();
    SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<ProtoSchema> s, fetch_schema(registry_, id));
    const ProtoSchema* p = s.get();
    schemas_.emplace(id, std::move(s));
    return p;
  }

  bool decode_one(std::string_view bytes, size_t row) {
    const pb::Descriptor* root = fixed_root_;
    WireReader in(bytes);
    if (!fixed_) {
      std::optional<int32_t> id = schema::confluent_schema_id(bytes);
      if (!id) return fail("Unknown magic byte!");
      auto s = schema_for(*id);
      if (!s) return fail(s.status().message());
      in = WireReader(bytes.substr(schema::kConfluentHeader));
      if (!read_message_indexes(in, indexes_)) return fail("invalid Protobuf message indexes");
      root = (*s)->by_indexes(indexes_);
      if (!root) return fail(fmt::format("no message at the indexes of schema {}", *id));
    }
    return read_message(plans_.row(root, names_), nullptr, row, in, 0);
  }

  // Reads a message's fields into row `row` of the targets: the columns (parent null) or the
  // children of a STRUCT vector.
  bool read_message(const MessagePlan& plan, Vector* parent, size_t row, WireReader& in,
                    int depth) {
    if (depth > kMaxDepth) return fail("Protobuf data nested too deeply");
    for (const FieldPlan& fp : plan.fields) {
      if (!init_field(fp.field, target(parent, fp.target), row))
        return field_failed(fp.field->name());
    }
    for (uint32_t j : plan.unfilled) set_null_row(target(parent, j), row);
    const size_t base = lists_.size();
    lists_.resize(base + static_cast<size_t>(plan.num_lists));
    while (!in.at_end()) {
      uint64_t tag;
      if (!in.varint(tag)) return malformed();
      uint64_t number = tag >> 3;
      int wt = static_cast<int>(tag & 7);
      if (number == 0 || number > kMaxFieldNumber) return malformed();
      int index = plan.find(number);
      if (index < 0) {
        if (!skip_value(wt, number, in, depth)) return malformed();
        continue;
      }
      const FieldPlan& fp = plan.fields[static_cast<size_t>(index)];
      if (!read_field(fp, target(parent, fp.target), row, wt, in, depth, base)) {
        return field_failed(fp.field->name());
      }
    }
    for (const FieldPlan& fp : plan.fields) {
      if (fp.list_slot < 0) continue;
      Vector& v = target(parent, fp.target);
      const ListAcc& acc = lists_[base + static_cast<size_t>(fp.list_slot)];
      v.set_list_entry(row, {acc.started ? acc.start : v.list_size(), acc.length});
    }
    lists_.resize(base);
    return true;
  }

  // What an absent field reads as: proto3's default for plain scalars, NULL for messages and
  // fields with presence (optional, oneof members), an empty list for repeated fields.
  bool init_field(const FD* f, Vector& v, size_t row) {
    if (f->is_repeated()) {
      if (v.type().id() != (f->is_map() ? TypeId::kMap : TypeId::kArray)) {
        return mismatch(f, v.type());
      }
      v.set_valid(row);
      v.set_list_entry(row, {v.list_size(), 0});
      return true;
    }
    if (f->cpp_type() == FD::CPPTYPE_MESSAGE || f->has_presence()) {
      set_null_row(v, row);
      return true;
    }
    return put_scalar(f, v, row, 0, {});
  }

  uint32_t list_append(Vector& v, size_t acc_index, bool& ok) {
    ListAcc& acc = lists_[acc_index];
    uint32_t slot = v.append_list_slots(1);
    if (!acc.started) {
      acc.started = true;
      acc.start = slot;
    } else if (slot != acc.start + acc.length) {
      ok = fail("interleaved Protobuf repeated field");
    }
    ++acc.length;
    return slot;
  }

  bool read_field(const FieldPlan& fp, Vector& v, size_t row, int wt, WireReader& in, int depth,
                  size_t base) {
    const FD* f = fp.field;
    if (!f->is_repeated()) return read_single(f, v, row, wt, in, depth);
    const size_t acc = base + static_cast<size_t>(fp.list_slot);
    bool ok = true;
    if (f->is_map()) {
      std::string_view entry;
      if (wt != kWireLen) return fail("wrong wire type for a map entry");
      if (!in.bytes(entry)) return malformed();
      uint32_t slot = list_append(v, acc, ok);
      return ok && read_map_entry(f, v, slot, entry, depth);
    }
    Vector& items = v.child(0);
    const int expected = wire_type_of(f->type());
    if (wt == kWireLen && expected != kWireLen) {
      // A packed run of scalars.
      std::string_view packed;
      if (!in.bytes(packed)) return malformed();
      WireReader p(packed);
      while (!p.at_end()) {
        uint64_t bits;
        std::string_view unused;
        if (!read_raw(p, expected, bits, unused)) return malformed();
        uint32_t slot = list_append(v, acc, ok);
        if (!ok || !put_scalar(f, items, slot, bits, {})) return false;
      }
      return true;
    }
    uint32_t slot = list_append(v, acc, ok);
    return ok && read_single(f, items, slot, wt, in, depth);
  }

  bool read_map_entry(const FD* f, Vector& v, uint32_t slot, std::string_view entry, int depth) {
    const FD* kf = f->message_type()->FindFieldByNumber(1);
    const FD* vf = f->message_type()->FindFieldByNumber(2);
    if (!kf || !vf) return fail("malformed Protobuf map entry type");
    Vector& keys = v.child(0);
    Vector& values = v.child(1);
    if (!init_field(kf, keys, slot) || !init_field(vf, values, slot)) return false;
    WireReader in(entry);
    while (!in.at_end()) {
      uint64_t tag;
      if (!in.varint(tag)) return malformed();
      int wt = static_cast<int>(tag & 7);
      if ((tag >> 3) == 1) {
        if (!read_single(kf, keys, slot, wt, in, depth)) return false;
      } else if ((tag >> 3) == 2) {
        if (!read_single(vf, values, slot, wt, in, depth)) return false;
      } else if ((tag >> 3) == 0 || !skip_value(wt, tag >> 3, in, depth)) {
        return malformed();
      }
    }
    // A null key has no place in a SQL map: proto's default key stands in, as in Java.
    return true;
  }

  bool read_single(const FD* f, Vector& v, size_t row, int wt, WireReader& in, int depth) {
    if (f->cpp_type() == FD::CPPTYPE_MESSAGE) {
      std::string_view body;
      if (wt != kWireLen) return fail(fmt::format("wrong wire type {} for a message", wt));
      if (!in.bytes(body)) return malformed();
      WireReader sub(body);
      return read_message_value(f, v, row, sub, depth + 1);
    }
    if (wt != wire_type_of(f->type())) return fail(fmt::format("wrong wire type {}", wt));
    uint64_t bits = 0;
    std::string_view bytes;
    if (!read_raw(in, wt, bits, bytes)) return malformed();
    return put_scalar(f, v, row, bits, bytes);
  }

  void put_string(Vector& v, size_t row, std::string_view s) {
    if (unowned_) {
      v.set_string_unowned(row, s);
    } else {
      v.set_string(row, s);
    }
  }

  // One scalar value of field `f` (its varint or fixed bits, or its bytes) into row `row` of v,
  // converted as ksqlDB allows.
  bool put_scalar(const FD* f, Vector& v, size_t row, uint64_t bits, std::string_view bytes) {
    const Type& t = v.type();
    int64_t i = 0;
    double d = 0;
    enum { kSigned32, kUnsigned, kSigned64, kBool, kFloat, kText, kEnum } kind = kSigned64;
    switch (f->type()) {
      case FD::TYPE_INT32:
      case FD::TYPE_SFIXED32:
        i = static_cast<int32_t>(static_cast<uint32_t>(bits));
        kind = kSigned32;
        break;
      case FD::TYPE_SINT32:
        i = static_cast<int32_t>(static_cast<uint32_t>(unzigzag(bits & 0xffffffffu)));
        kind = kSigned32;
        break;
      case FD::TYPE_INT64:
      case FD::TYPE_SFIXED64:
        i = static_cast<int64_t>(bits);
        break;
      case FD::TYPE_SINT64:
        i = unzigzag(bits);
        break;
      case FD::TYPE_UINT32:
      case FD::TYPE_FIXED32:
        i = static_cast<uint32_t>(bits);
        kind = kUnsigned;
        break;
      case FD::TYPE_UINT64:
      case FD::TYPE_FIXED64:
        // As Java's long: the bits, read signed.
        i = static_cast<int64_t>(bits);
        kind = kUnsigned;
        break;
      case FD::TYPE_BOOL:
        i = bits != 0;
        kind = kBool;
        break;
      case FD::TYPE_ENUM:
        i = static_cast<int32_t>(static_cast<uint32_t>(bits));
        kind = kEnum;
        break;
      case FD::TYPE_FLOAT: {
        float x;
        auto b = static_cast<uint32_t>(bits);
        std::memcpy(&x, &b, 4);
        d = x;
        kind = kFloat;
        break;
      }
      case FD::TYPE_DOUBLE:
        std::memcpy(&d, &bits, 8);
        kind = kFloat;
        break;
      case FD::TYPE_STRING:
      case FD::TYPE_BYTES:
        kind = kText;
        break;
      default:
        return mismatch(f, t);
    }
    v.set_valid(row);
    switch (t.id()) {
      case TypeId::kBoolean:
        if (kind != kBool) return mismatch(f, t);
        v.set<uint8_t>(row, i ? 1 : 0);
        return true;
      case TypeId::kInteger:
        if (kind != kSigned32) return mismatch(f, t);
        v.set<int32_t>(row, static_cast<int32_t>(i));
        return true;
      case TypeId::kBigint:
        if (kind != kSigned32 && kind != kSigned64 && kind != kUnsigned) return mismatch(f, t);
        v.set<int64_t>(row, i);
        return true;
      case TypeId::kDouble:
        if (kind != kFloat) return mismatch(f, t);
        v.set<double>(row, d);
        return true;
      case TypeId::kString:
        switch (kind) {
          case kText:
            if (f->type() != FD::TYPE_STRING) return mismatch(f, t);
            put_string(v, row, bytes);
            return true;
          case kEnum: {
            const pb::EnumValueDescriptor* e =
                f->enum_type()->FindValueByNumber(static_cast<int>(i));
            scratch_.clear();
            if (e) {
              scratch_ = e->name();
            } else {
              append_int(scratch_, i);
            }
            // Copied: the name lives in the schema, which a batch may outlive.
            v.set_string(row, scratch_);
            return true;
          }
          case kBool:
            v.set_string(row, i ? "true" : "false");
            return true;
          case kFloat:
            scratch_.clear();
            append_java_double(scratch_, d);
            v.set_string(row, scratch_);
            return true;
          default:
            scratch_.clear();
            if (kind == kUnsigned && f->type() != FD::TYPE_UINT32 &&
                f->type() != FD::TYPE_FIXED32) {
              scratch_ = std::to_string(static_cast<uint64_t>(i));
            } else {
              append_int(scratch_, i);
            }
            v.set_string(row, scratch_);
            return true;
        }
      case TypeId::kBytes:
        if (kind != kText) return mismatch(f, t);
        put_string(v, row, bytes);
        return true;
      default:
        return mismatch(f, t);
    }
  }

  // A message-typed value: a STRUCT, or one of the well-known types with a SQL type.
  bool read_message_value(const FD* f, Vector& v, size_t row, WireReader& in, int depth) {
    if (depth > kMaxDepth) return fail("Protobuf data nested too deeply");
    const pb::Descriptor* m = f->message_type();
    const Type& t = v.type();
    Special special = specials_.of(m);
    if (special == Special::kWrapper) {
      const FD* inner = m->FindFieldByNumber(1);
      if (inner->cpp_type() == FD::CPPTYPE_MESSAGE) return mismatch(f, t);
      if (!put_scalar(inner, v, row, 0, {})) return false;
      while (!in.at_end()) {
        uint64_t tag;
        if (!in.varint(tag)) return malformed();
        int wt = static_cast<int>(tag & 7);
        if ((tag >> 3) == 1 && wt == wire_type_of(inner->type())) {
          uint64_t bits = 0;
          std::string_view bytes;
          if (!read_raw(in, wt, bits, bytes)) return malformed();
          if (!put_scalar(inner, v, row, bits, bytes)) return false;
        } else if ((tag >> 3) == 0 || !skip_value(wt, tag >> 3, in, depth)) {
          return malformed();
        }
      }
      return true;
    }
    if (special != Special::kNone) {
      // The well-known types' fields, all scalars: varints, except Decimal's value bytes.
      uint64_t fields[5] = {0, 0, 0, 0, 0};
      std::string_view value;
      while (!in.at_end()) {
        uint64_t tag;
        if (!in.varint(tag)) return malformed();
        int wt = static_cast<int>(tag & 7);
        uint64_t number = tag >> 3;
        if (number == 0) return malformed();
        uint64_t bits = 0;
        std::string_view bytes;
        if (number <= 4 && (wt == kWireVarint || wt == kWireLen)) {
          if (!read_raw(in, wt, bits, bytes)) return malformed();
          if (wt == kWireLen) {
            value = bytes;
          } else {
            fields[number] = bits;
          }
        } else if (!skip_value(wt, number, in, depth)) {
          return malformed();
        }
      }
      auto i32 = [&](int n) { return static_cast<int64_t>(static_cast<int32_t>(fields[n])); };
      switch (special) {
        case Special::kDecimal:
          return put_decimal(f, v, row, value, i32(3));
        case Special::kTimestamp: {
          if (t.id() != TypeId::kTimestamp) return mismatch(f, t);
          int64_t ms;
          if (__builtin_mul_overflow(static_cast<int64_t>(fields[1]), int64_t{1000}, &ms) ||
              __builtin_add_overflow(ms, floor_div(i32(2), 1000000), &ms)) {
            return fail("Timestamp out of range");
          }
          v.set_valid(row);
          v.set<int64_t>(row, ms);
          return true;
        }
        case Special::kDate: {
          if (t.id() != TypeId::kDate) return mismatch(f, t);
          int64_t days = days_from_civil(i32(1), i32(2), i32(3));
          if (days < INT32_MIN || days > INT32_MAX) return fail("Date out of range");
          v.set_valid(row);
          v.set<int32_t>(row, static_cast<int32_t>(days));
          return true;
        }
        case Special::kTime: {
          if (t.id() != TypeId::kTime) return mismatch(f, t);
          int64_t ms =
              i32(1) * 3600000 + i32(2) * 60000 + i32(3) * 1000 + floor_div(i32(4), 1000000);
          if (ms < INT32_MIN || ms > INT32_MAX) return fail("TimeOfDay out of range");
          v.set_valid(row);
          v.set<int32_t>(row, static_cast<int32_t>(ms));
          return true;
        }
        default:
          break;
      }
    }
    if (t.id() != TypeId::kStruct) return mismatch(f, t);
    v.set_valid(row);
    return read_message(plans_.of_struct(m, t), &v, row, in, depth);
  }

  bool put_decimal(const FD* f, Vector& v, size_t row, std::string_view b, int64_t scale) {
    const Type& t = v.type();
    if (t.id() != TypeId::kDecimal && t.id() != TypeId::kDouble) return mismatch(f, t);
    if (b.size() > 16) return fail("decimal of more than 16 bytes");
    if (scale < 0 || scale > kMaxDecimalPrecision) return fail("decimal scale out of range");
    Int128 u = 0;
    if (!b.empty()) {
      const auto first = static_cast<uint8_t>(b[0]);
      u = first >= 0x80 ? Int128{first} - 256 : Int128{first};  // the sign
      for (size_t i = 1; i < b.size(); ++i) {
        u = static_cast<Int128>(static_cast<unsigned __int128>(u) << 8) |
            static_cast<uint8_t>(b[i]);
      }
    }
    const int s = static_cast<int>(scale);
    v.set_valid(row);
    if (t.id() == TypeId::kDouble) {
      v.set<double>(row, decimal_to_double(u, s));
      return true;
    }
    if (s > t.scale() && u % pow10_i128(s - t.scale()) != 0) {
      return fail(
          fmt::format("decimal {} does not fit {}", decimal_to_string(u, s), t.to_string()));
    }
    auto r = rescale_decimal(u, s, t.precision(), t.scale());
    if (!r) {
      return fail(
          fmt::format("decimal {} does not fit {}", decimal_to_string(u, s), t.to_string()));
    }
    v.set<Int128>(row, *r);
    return true;
  }

  std::vector<Column> columns_;
  std::vector<std::string_view> names_;
  schema::SchemaRegistry* registry_;
  std::unique_ptr<ProtoSchema> fixed_;
  const pb::Descriptor* fixed_root_;
  std::unordered_map<int32_t, std::unique_ptr<ProtoSchema>> schemas_;
  PlanCache plans_;
  SpecialCache specials_;
  std::vector<ListAcc> lists_;
  std::vector<int> indexes_;
  bool unowned_ = false;
  std::string scratch_;
};

// ---- Encoding ----

class ProtoEncoder final : public Encoder {
 public:
  // `id`: the registered schema's id (PROTOBUF), nullopt for bare messages (PROTOBUF_NOSR).
  ProtoEncoder(std::vector<Column> columns, Side side, std::unique_ptr<ProtoSchema> schema,
               const pb::Descriptor* root, std::optional<int32_t> id)
      : Encoder(columns.size()),
        columns_(std::move(columns)),
        side_(side),
        schema_(std::move(schema)),
        root_(root),
        id_(id),
        indexes_(ProtoSchema::indexes_of(root)) {
    for (const Column& c : columns_) names_.push_back(c.name);
  }

 protected:
  void encode_rows(const ColumnBatch& batch, std::span<const uint32_t> columns,
                   EncodedRecords& out) override {
    vectors_.clear();
    for (uint32_t c : columns) vectors_.push_back(&batch.column(c));
    const uint8_t* null_flags = side_ == Side::kKey ? batch.key_null() : batch.value_null();
    const MessagePlan& plan = plans_.row(root_, names_);
    std::string& buf = out.buffer();
    for (size_t i = 0; i < batch.active_rows(); ++i) {
      uint32_t row = batch.row(i);
      if (null_flags[row]) {
        out.add_null();
        continue;
      }
      size_t begin = buf.size();
      err_.clear();
      if (id_) {
        schema::write_confluent_header(*id_, buf);
        write_message_indexes(indexes_, buf);
      }
      if (write_message(plan, nullptr, row, buf, 0)) {
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

  bool fail_field(std::string_view name) {
    err_ = err_.rfind("field ", 0) == 0 ? fmt::format("field {}.{}", name, err_.substr(6))
                                        : fmt::format("field {}: {}", name, err_);
    return false;
  }

  const Vector& target(const Vector* parent, uint32_t j) const {
    return parent ? parent->child(j) : *vectors_[j];
  }

  bool write_message(const MessagePlan& plan, const Vector* parent, size_t row, std::string& out,
                     int depth) {
    if (depth > kMaxDepth) return fail("value nested too deeply");
    for (const FieldPlan& fp : plan.fields) {
      const Vector& v = target(parent, fp.target);
      // NULL: the field is absent.
      if (v.is_null(row)) continue;
      if (!write_field(fp.field, v, row, out, depth)) return fail_field(fp.field->name());
    }
    return true;
  }

  static bool packable(const FD* f) {
    return f->cpp_type() != FD::CPPTYPE_MESSAGE && f->cpp_type() != FD::CPPTYPE_STRING;
  }

  bool write_field(const FD* f, const Vector& v, size_t row, std::string& out, int depth) {
    if (!f->is_repeated()) return write_single(f, v, row, out, depth, f->has_presence());
    if (v.type().id() != (f->is_map() ? TypeId::kMap : TypeId::kArray)) {
      return fail(fmt::format("cannot write {} as Protobuf {}{}", v.type().to_string(),
                              f->is_map() ? "map " : "repeated ", sql_type_of_field(f)));
    }
    ListEntry e = v.list_entry(row);
    if (f->is_map()) {
      const FD* kf = f->message_type()->FindFieldByNumber(1);
      const FD* vf = f->message_type()->FindFieldByNumber(2);
      if (!kf || !vf) return fail("malformed Protobuf map entry type");
      const Vector& keys = v.child(0);
      const Vector& values = v.child(1);
      for (uint32_t i = 0; i < e.length; ++i) {
        size_t at = e.offset + i;
        if (keys.is_null(at)) return fail("a map key is null");
        put_tag(f->number(), kWireLen, out);
        size_t body = begin_len(out);
        if (!write_single(kf, keys, at, out, depth, true)) return false;
        // A NULL value: the entry without one, which reads back as the default.
        if (!values.is_null(at) && !write_single(vf, values, at, out, depth, true)) return false;
        end_len(out, body);
      }
      return true;
    }
    const Vector& items = v.child(0);
    if (e.length == 0) return true;
    bool packed = f->is_packed() && packable(f);
    size_t body = 0;
    if (packed) {
      put_tag(f->number(), kWireLen, out);
      body = begin_len(out);
    }
    for (uint32_t i = 0; i < e.length; ++i) {
      size_t at = e.offset + i;
      // Protobuf's repeated fields have no NULL elements (Connect fails on them too).
      if (items.is_null(at)) return fail("a NULL element cannot be written to a repeated field");
      if (packed) {
        if (!write_scalar(f, items, at, out, false, true)) return false;
      } else if (!write_single(f, items, at, out, depth, true)) {
        return false;
      }
    }
    if (packed) end_len(out, body);
    return true;
  }

  // One value of `f` with its tag. `force`: written even when it is the default (fields with
  // presence, map entries, elements); plain proto3 fields leave defaults out, as protobuf does.
  bool write_single(const FD* f, const Vector& v, size_t row, std::string& out, int depth,
                    bool force) {
    if (f->cpp_type() == FD::CPPTYPE_MESSAGE) {
      put_tag(f->number(), kWireLen, out);
      size_t body = begin_len(out);
      if (!write_message_value(f, v, row, out, depth + 1)) return false;
      end_len(out, body);
      return true;
    }
    return write_scalar(f, v, row, out, true, force);
  }

  bool cannot(const FD* f, const Type& t) {
    return fail(fmt::format("cannot write {} as Protobuf {}", t.to_string(), sql_type_of_field(f)));
  }

  bool write_scalar(const FD* f, const Vector& v, size_t row, std::string& out, bool tagged,
                    bool force) {
    const Type& t = v.type();
    size_t p = v.index(row);
    int64_t i = 0;
    bool is_int = false;
    switch (t.id()) {
      case TypeId::kInteger:
        i = v.data<int32_t>()[p];
        is_int = true;
        break;
      case TypeId::kBigint:
        i = v.data<int64_t>()[p];
        is_int = true;
        break;
      default:
        break;
    }
    const int wt = wire_type_of(f->type());
    auto tag = [&] {
      if (tagged) put_tag(f->number(), wt, out);
    };
    switch (f->type()) {
      case FD::TYPE_INT32:
      case FD::TYPE_SINT32:
      case FD::TYPE_SFIXED32:
        if (!is_int) return cannot(f, t);
        if (i < INT32_MIN || i > INT32_MAX) return fail(fmt::format("{} does not fit int32", i));
        break;
      case FD::TYPE_UINT32:
      case FD::TYPE_FIXED32:
        if (!is_int) return cannot(f, t);
        if (i < 0 || i > UINT32_MAX) return fail(fmt::format("{} does not fit uint32", i));
        break;
      case FD::TYPE_INT64:
      case FD::TYPE_SINT64:
      case FD::TYPE_SFIXED64:
      case FD::TYPE_UINT64:
      case FD::TYPE_FIXED64:
        if (!is_int) return cannot(f, t);
        break;
      case FD::TYPE_BOOL: {
        if (t.id() != TypeId::kBoolean) return cannot(f, t);
        bool b = v.data<uint8_t>()[p] != 0;
        if (!b && !force) return true;
        tag();
        out.push_back(b ? '\1' : '\0');
        return true;
      }
      case FD::TYPE_FLOAT:
      case FD::TYPE_DOUBLE: {
        if (t.id() != TypeId::kDouble) return cannot(f, t);
        double d = v.data<double>()[p];
        uint64_t bits;
        std::memcpy(&bits, &d, 8);
        if (bits == 0 && !force) return true;
        tag();
        if (f->type() == FD::TYPE_DOUBLE) {
          put_fixed64(bits, out);
        } else {
          float x = static_cast<float>(d);
          uint32_t b32;
          std::memcpy(&b32, &x, 4);
          put_fixed32(b32, out);
        }
        return true;
      }
      case FD::TYPE_STRING:
      case FD::TYPE_BYTES: {
        if (t.id() != (f->type() == FD::TYPE_STRING ? TypeId::kString : TypeId::kBytes)) {
          return cannot(f, t);
        }
        std::string_view s = v.data<std::string_view>()[p];
        if (s.empty() && !force) return true;
        tag();
        put_varint(s.size(), out);
        out.append(s);
        return true;
      }
      case FD::TYPE_ENUM: {
        if (t.id() != TypeId::kString) return cannot(f, t);
        std::string_view s = v.data<std::string_view>()[p];
        const pb::EnumValueDescriptor* e = f->enum_type()->FindValueByName(std::string(s));
        if (!e) {
          return fail(
              fmt::format("'{}' is not a value of enum {}", s, f->enum_type()->full_name()));
        }
        if (e->number() == 0 && !force) return true;
        tag();
        put_varint(static_cast<uint64_t>(static_cast<int64_t>(e->number())), out);
        return true;
      }
      default:
        return cannot(f, t);
    }
    // The integer types.
    if (i == 0 && !force) return true;
    tag();
    switch (f->type()) {
      case FD::TYPE_SINT32:
      case FD::TYPE_SINT64:
        put_varint(zigzag(i), out);
        break;
      case FD::TYPE_SFIXED32:
      case FD::TYPE_FIXED32:
        put_fixed32(static_cast<uint32_t>(i), out);
        break;
      case FD::TYPE_SFIXED64:
      case FD::TYPE_FIXED64:
        put_fixed64(static_cast<uint64_t>(i), out);
        break;
      default:
        put_varint(static_cast<uint64_t>(i), out);
        break;
    }
    return true;
  }

  bool write_message_value(const FD* f, const Vector& v, size_t row, std::string& out, int depth) {
    if (depth > kMaxDepth) return fail("value nested too deeply");
    const pb::Descriptor* m = f->message_type();
    const Type& t = v.type();
    size_t p = v.index(row);
    switch (specials_.of(m)) {
      case Special::kWrapper:
        return write_scalar(m->FindFieldByNumber(1), v, row, out, true, false);
      case Special::kDecimal: {
        if (t.id() != TypeId::kDecimal) return cannot(f, t);
        Int128 u = v.data<Int128>()[p];
        // Two's complement, big-endian, as few bytes as hold the sign (BigInteger.toByteArray).
        char b[16];
        auto x = static_cast<unsigned __int128>(u);
        for (int k = 15; k >= 0; --k) {
          b[k] = static_cast<char>(x & 0xff);
          x >>= 8;
        }
        size_t first = 0;
        while (first < 15 && ((b[first] == 0 && !(b[first + 1] & 0x80)) ||
                              (b[first] == static_cast<char>(0xff) && (b[first + 1] & 0x80)))) {
          ++first;
        }
        int digits = 1;
        for (Int128 a = u < 0 ? -u : u; a >= 10; a /= 10) ++digits;
        put_tag(1, kWireLen, out);
        put_varint(16 - first, out);
        out.append(b + first, 16 - first);
        put_tag(2, kWireVarint, out);
        put_varint(static_cast<uint64_t>(digits), out);
        if (t.scale() != 0) {
          put_tag(3, kWireVarint, out);
          put_varint(static_cast<uint64_t>(t.scale()), out);
        }
        return true;
      }
      case Special::kTimestamp: {
        if (t.id() != TypeId::kTimestamp) return cannot(f, t);
        int64_t ms = v.data<int64_t>()[p];
        int64_t seconds = floor_div(ms, 1000);
        int64_t nanos = (ms - seconds * 1000) * 1000000;
        if (seconds != 0) {
          put_tag(1, kWireVarint, out);
          put_varint(static_cast<uint64_t>(seconds), out);
        }
        if (nanos != 0) {
          put_tag(2, kWireVarint, out);
          put_varint(static_cast<uint64_t>(nanos), out);
        }
        return true;
      }
      case Special::kDate: {
        if (t.id() != TypeId::kDate) return cannot(f, t);
        int64_t y, mo, d;
        civil_from_days(v.data<int32_t>()[p], y, mo, d);
        int64_t parts[3] = {y, mo, d};
        for (int k = 0; k < 3; ++k) {
          if (parts[k] == 0) continue;
          put_tag(k + 1, kWireVarint, out);
          put_varint(static_cast<uint64_t>(parts[k]), out);
        }
        return true;
      }
      case Special::kTime: {
        if (t.id() != TypeId::kTime) return cannot(f, t);
        int64_t ms = v.data<int32_t>()[p];
        int64_t parts[4] = {ms / 3600000, ms / 60000 % 60, ms / 1000 % 60, ms % 1000 * 1000000};
        for (int k = 0; k < 4; ++k) {
          if (parts[k] == 0) continue;
          put_tag(k + 1, kWireVarint, out);
          put_varint(static_cast<uint64_t>(parts[k]), out);
        }
        return true;
      }
      case Special::kNone:
        break;
    }
    if (t.id() != TypeId::kStruct) return cannot(f, t);
    return write_message(plans_.of_struct(m, t), &v, row, out, depth);
  }

  std::vector<Column> columns_;
  std::vector<std::string_view> names_;
  Side side_;
  std::unique_ptr<ProtoSchema> schema_;
  const pb::Descriptor* root_;
  std::optional<int32_t> id_;
  std::vector<int> indexes_;
  PlanCache plans_;
  SpecialCache specials_;
  std::vector<const Vector*> vectors_;
  std::string err_;
};

// ---- The formats ----

class ProtobufFormatBase : public Format {
 public:
  explicit ProtobufFormatBase(bool registry) : registry_(registry) {}

  std::string_view name() const override { return registry_ ? "PROTOBUF" : "PROTOBUF_NOSR"; }

  Status validate(std::span<const Column> columns, Side side,
                  const FormatOptions& options) const override {
    if (side == Side::kValue && options.wrap_single_value.has_value()) {
      if (!*options.wrap_single_value) {
        return Status::invalid_argument(fmt::format(
            "Format '{}' does not support 'WRAP_SINGLE_VALUE' set to 'false'.", name()));
      }
      if (columns.size() != 1) {
        return Status::invalid_argument(
            "'WRAP_SINGLE_VALUE' is only valid for single-field value schemas");
      }
    }
    SLUICE_ASSIGN_OR_RETURN(ProtobufNullable nullable, nullable_property(options, side));
    // Generating the schema checks the names and types.
    return ksql_protobuf_schema(columns, options.schema_full_name, nullable).status();
  }

  Result<std::unique_ptr<Decoder>> make_decoder(std::vector<Column> columns, Side side,
                                                const FormatOptions& options) const override {
    SLUICE_RETURN_IF_ERROR(validate(columns, side, options));
    if (registry_) {
      if (!options.registry) {
        return Status::invalid_argument("The PROTOBUF format needs the Schema Registry");
      }
      return std::unique_ptr<Decoder>(std::make_unique<ProtoDecoder>(
          std::move(columns), side, options.registry, nullptr, nullptr));
    }
    SLUICE_ASSIGN_OR_RETURN(auto generated, generated_schema(columns, side, options));
    const pb::Descriptor* root = generated.second;
    return std::unique_ptr<Decoder>(std::make_unique<ProtoDecoder>(
        std::move(columns), side, nullptr, std::move(generated.first), root));
  }

  Result<std::unique_ptr<Encoder>> make_encoder(std::vector<Column> columns, Side side,
                                                const FormatOptions& options) const override {
    SLUICE_RETURN_IF_ERROR(validate(columns, side, options));
    if (!registry_) {
      SLUICE_ASSIGN_OR_RETURN(auto generated, generated_schema(columns, side, options));
      const pb::Descriptor* root = generated.second;
      return std::unique_ptr<Encoder>(std::make_unique<ProtoEncoder>(
          std::move(columns), side, std::move(generated.first), root, std::nullopt));
    }
    if (!options.registry) {
      return Status::invalid_argument("The PROTOBUF format needs the Schema Registry");
    }
    int32_t id;
    std::unique_ptr<ProtoSchema> writer;
    const pb::Descriptor* root;
    if (options.schema_id) {
      id = *options.schema_id;
      SLUICE_ASSIGN_OR_RETURN(writer, fetch_schema(options.registry, id));
      SLUICE_ASSIGN_OR_RETURN(root, writer->message(options.schema_full_name));
    } else {
      SLUICE_ASSIGN_OR_RETURN(ProtobufNullable nullable, nullable_property(options, side));
      SLUICE_ASSIGN_OR_RETURN(std::string text,
                              ksql_protobuf_schema(columns, options.schema_full_name, nullable));
      SLUICE_ASSIGN_OR_RETURN(writer, ProtoSchema::parse(text, {}));
      SLUICE_ASSIGN_OR_RETURN(root, writer->message(""));
      schema::SchemaInput in;
      in.schema = std::move(text);
      in.type = "PROTOBUF";
      std::string subject = options.topic + (side == Side::kKey ? "-key" : "-value");
      auto registered = options.registry->register_schema(subject, in, false);
      if (!registered.ok()) {
        return Status::invalid_argument(fmt::format("Could not register schema for topic: {}: {}",
                                                    options.topic, registered.error.message));
      }
      id = *registered.value;
    }
    return std::unique_ptr<Encoder>(
        std::make_unique<ProtoEncoder>(std::move(columns), side, std::move(writer), root, id));
  }

 private:
  static Result<std::pair<std::unique_ptr<ProtoSchema>, const pb::Descriptor*>> generated_schema(
      std::span<const Column> columns, Side side, const FormatOptions& options) {
    SLUICE_ASSIGN_OR_RETURN(ProtobufNullable nullable, nullable_property(options, side));
    SLUICE_ASSIGN_OR_RETURN(std::string text,
                            ksql_protobuf_schema(columns, options.schema_full_name, nullable));
    SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<ProtoSchema> s, ProtoSchema::parse(text, {}));
    SLUICE_ASSIGN_OR_RETURN(const pb::Descriptor* root, s->message(""));
    return std::make_pair(std::move(s), root);
  }

  bool registry_;
};

// ---- JSON test helpers (DynamicMessage and reflection: not on any hot path) ----

using OJson = nlohmann::ordered_json;
// A JSON number kept as its text (decimals must not pass through a double).
constexpr uint8_t kNumberText = 0x4e;

class NumberTextSax : public nlohmann::json_sax<OJson> {
 public:
  explicit NumberTextSax(OJson& root) : root_(root) {}
  bool null() override { return add(OJson(nullptr)); }
  bool boolean(bool v) override { return add(OJson(v)); }
  bool number_integer(number_integer_t v) override { return add(OJson(v)); }
  bool number_unsigned(number_unsigned_t v) override { return add(OJson(v)); }
  bool number_float(number_float_t, const string_t& text) override {
    return add(
        OJson::binary(OJson::binary_t::container_type(text.begin(), text.end()), kNumberText));
  }
  bool string(string_t& v) override { return add(OJson(v)); }
  bool binary(binary_t& v) override { return add(OJson::binary(v)); }
  bool start_object(std::size_t) override { return open(OJson::object()); }
  bool key(string_t& k) override {
    key_ = k;
    return true;
  }
  bool end_object() override { return close(); }
  bool start_array(std::size_t) override { return open(OJson::array()); }
  bool end_array() override { return close(); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    return false;
  }

 private:
  bool add(OJson v) {
    if (stack_.empty()) {
      root_ = std::move(v);
      last_ = &root_;
    } else if (OJson& top = *stack_.back(); top.is_array()) {
      top.push_back(std::move(v));
      last_ = &top.back();
    } else {
      top[key_] = std::move(v);
      last_ = &top[key_];
    }
    return true;
  }
  bool open(OJson v) {
    if (stack_.size() > kMaxDepth) return false;
    add(std::move(v));
    stack_.push_back(last_);
    return true;
  }
  bool close() {
    stack_.pop_back();
    return true;
  }
  OJson& root_;
  OJson* last_ = nullptr;
  std::vector<OJson*> stack_;
  std::string key_;
};

bool is_number_text(const OJson& v) {
  return v.is_binary() && v.get_binary().has_subtype() && v.get_binary().subtype() == kNumberText;
}

// A JSON number's text (integers and kept floats), or nullopt.
std::optional<std::string> number_text(const OJson& v) {
  if (is_number_text(v)) return std::string(v.get_binary().begin(), v.get_binary().end());
  if (v.is_number()) return v.dump();
  return std::nullopt;
}

std::string dump_json(const OJson& v) {
  if (is_number_text(v)) return std::string(v.get_binary().begin(), v.get_binary().end());
  std::string out;
  if (v.is_object()) {
    out += '{';
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (out.size() > 1) out += ',';
      out += OJson(it.key()).dump();
      out += ':';
      out += dump_json(it.value());
    }
    return out + '}';
  }
  if (v.is_array()) {
    out += '[';
    for (const OJson& e : v) {
      if (out.size() > 1) out += ',';
      out += dump_json(e);
    }
    return out + ']';
  }
  return v.dump();
}

Result<int64_t> json_int(const OJson& v) {
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_number_unsigned()) return static_cast<int64_t>(v.get<uint64_t>());
  if (v.is_string()) {
    if (auto i = parse_int64(v.get<std::string>())) return *i;
  }
  if (auto text = number_text(v)) {
    double d = std::strtod(text->c_str(), nullptr);
    if (d == static_cast<double>(static_cast<int64_t>(d))) return static_cast<int64_t>(d);
  }
  return Status::invalid_argument(fmt::format("expected an integer, got {}", dump_json(v)));
}

Result<double> json_double(const OJson& v) {
  if (auto text = number_text(v)) return std::strtod(text->c_str(), nullptr);
  if (v.is_string()) {
    if (auto d = parse_double(v.get<std::string>())) return *d;
  }
  return Status::invalid_argument(fmt::format("expected a number, got {}", dump_json(v)));
}

Status fill_message(pb::Message& m, const OJson& obj, int depth);

// Sets (or, `add`, appends to) field `f` of `m` from a JSON value.
Status put_json(pb::Message& m, const FD* f, const OJson& v, bool add, int depth) {
  const pb::Reflection* r = m.GetReflection();
  switch (f->cpp_type()) {
    case FD::CPPTYPE_INT32: {
      SLUICE_ASSIGN_OR_RETURN(int64_t i, json_int(v));
      add ? r->AddInt32(&m, f, static_cast<int32_t>(i))
          : r->SetInt32(&m, f, static_cast<int32_t>(i));
      return Status::ok();
    }
    case FD::CPPTYPE_INT64: {
      SLUICE_ASSIGN_OR_RETURN(int64_t i, json_int(v));
      add ? r->AddInt64(&m, f, i) : r->SetInt64(&m, f, i);
      return Status::ok();
    }
    case FD::CPPTYPE_UINT32: {
      SLUICE_ASSIGN_OR_RETURN(int64_t i, json_int(v));
      add ? r->AddUInt32(&m, f, static_cast<uint32_t>(i))
          : r->SetUInt32(&m, f, static_cast<uint32_t>(i));
      return Status::ok();
    }
    case FD::CPPTYPE_UINT64: {
      SLUICE_ASSIGN_OR_RETURN(int64_t i, json_int(v));
      add ? r->AddUInt64(&m, f, static_cast<uint64_t>(i))
          : r->SetUInt64(&m, f, static_cast<uint64_t>(i));
      return Status::ok();
    }
    case FD::CPPTYPE_DOUBLE:
    case FD::CPPTYPE_FLOAT: {
      SLUICE_ASSIGN_OR_RETURN(double d, json_double(v));
      if (f->cpp_type() == FD::CPPTYPE_DOUBLE) {
        add ? r->AddDouble(&m, f, d) : r->SetDouble(&m, f, d);
      } else {
        add ? r->AddFloat(&m, f, static_cast<float>(d)) : r->SetFloat(&m, f, static_cast<float>(d));
      }
      return Status::ok();
    }
    case FD::CPPTYPE_BOOL: {
      if (!v.is_boolean()) return Status::invalid_argument("expected a boolean");
      add ? r->AddBool(&m, f, v.get<bool>()) : r->SetBool(&m, f, v.get<bool>());
      return Status::ok();
    }
    case FD::CPPTYPE_STRING: {
      std::string s;
      if (v.is_string()) {
        s = v.get<std::string>();
        if (f->type() == FD::TYPE_BYTES) {
          std::string raw;
          if (!decode_base64(s, raw)) return Status::invalid_argument("bytes must be base64");
          s = std::move(raw);
        }
      } else if (auto text = number_text(v)) {
        s = *text;
      } else if (v.is_boolean()) {
        s = v.get<bool>() ? "true" : "false";
      } else {
        return Status::invalid_argument(fmt::format("expected a string, got {}", dump_json(v)));
      }
      add ? r->AddString(&m, f, std::move(s)) : r->SetString(&m, f, std::move(s));
      return Status::ok();
    }
    case FD::CPPTYPE_ENUM: {
      const pb::EnumValueDescriptor* e = nullptr;
      if (v.is_string()) {
        e = f->enum_type()->FindValueByName(v.get<std::string>());
      } else if (v.is_number_integer()) {
        e = f->enum_type()->FindValueByNumber(v.get<int>());
      }
      if (!e) return Status::invalid_argument(fmt::format("not an enum value: {}", dump_json(v)));
      add ? r->AddEnum(&m, f, e) : r->SetEnum(&m, f, e);
      return Status::ok();
    }
    case FD::CPPTYPE_MESSAGE: {
      pb::Message* sub = add ? r->AddMessage(&m, f) : r->MutableMessage(&m, f);
      const pb::Descriptor* d = sub->GetDescriptor();
      const pb::Reflection* sr = sub->GetReflection();
      switch (special_of(d)) {
        case Special::kWrapper:
          return put_json(*sub, d->FindFieldByNumber(1), v, false, depth + 1);
        case Special::kDecimal: {
          std::optional<std::string> text = v.is_string() ? v.get<std::string>() : number_text(v);
          if (!text) return Status::invalid_argument("expected a decimal number");
          size_t dot = text->find('.');
          int scale = dot == std::string::npos ? 0 : static_cast<int>(text->size() - dot - 1);
          if (text->find_first_of("eE") != std::string::npos) scale = 18;
          SLUICE_ASSIGN_OR_RETURN(Int128 u, parse_decimal(*text, kMaxDecimalPrecision, scale));
          std::string b;
          auto x = static_cast<unsigned __int128>(u);
          for (int k = 0; k < 16; ++k, x >>= 8) b.insert(b.begin(), static_cast<char>(x & 0xff));
          while (b.size() > 1 && ((b[0] == 0 && !(b[1] & 0x80)) ||
                                  (b[0] == static_cast<char>(0xff) && (b[1] & 0x80)))) {
            b.erase(b.begin());
          }
          sr->SetString(sub, d->FindFieldByNumber(1), b);
          int digits = 1;
          for (Int128 a = u < 0 ? -u : u; a >= 10; a /= 10) ++digits;
          sr->SetUInt32(sub, d->FindFieldByNumber(2), static_cast<uint32_t>(digits));
          sr->SetInt32(sub, d->FindFieldByNumber(3), scale);
          return Status::ok();
        }
        case Special::kTimestamp: {
          SLUICE_ASSIGN_OR_RETURN(int64_t ms, json_int(v));
          int64_t s = floor_div(ms, 1000);
          sr->SetInt64(sub, d->FindFieldByNumber(1), s);
          sr->SetInt32(sub, d->FindFieldByNumber(2),
                       static_cast<int32_t>((ms - s * 1000) * 1000000));
          return Status::ok();
        }
        case Special::kDate: {
          SLUICE_ASSIGN_OR_RETURN(int64_t days, json_int(v));
          int64_t y, mo, dd;
          civil_from_days(days, y, mo, dd);
          sr->SetInt32(sub, d->FindFieldByNumber(1), static_cast<int32_t>(y));
          sr->SetInt32(sub, d->FindFieldByNumber(2), static_cast<int32_t>(mo));
          sr->SetInt32(sub, d->FindFieldByNumber(3), static_cast<int32_t>(dd));
          return Status::ok();
        }
        case Special::kTime: {
          SLUICE_ASSIGN_OR_RETURN(int64_t ms, json_int(v));
          sr->SetInt32(sub, d->FindFieldByNumber(1), static_cast<int32_t>(ms / 3600000));
          sr->SetInt32(sub, d->FindFieldByNumber(2), static_cast<int32_t>(ms / 60000 % 60));
          sr->SetInt32(sub, d->FindFieldByNumber(3), static_cast<int32_t>(ms / 1000 % 60));
          sr->SetInt32(sub, d->FindFieldByNumber(4), static_cast<int32_t>(ms % 1000 * 1000000));
          return Status::ok();
        }
        case Special::kNone:
          return fill_message(*sub, v, depth + 1);
      }
    }
  }
  return Status::internal("unknown protobuf field type");
}

const OJson* find_json_field(const OJson& obj, const std::string& name) {
  auto it = obj.find(name);
  if (it != obj.end()) return &*it;
  for (auto i = obj.begin(); i != obj.end(); ++i) {
    if (iequals_ascii(i.key(), name)) return &i.value();
  }
  return nullptr;
}

Status fill_message(pb::Message& m, const OJson& obj, int depth) {
  if (depth > kMaxDepth) return Status::invalid_argument("JSON nested too deeply");
  if (!obj.is_object()) {
    return Status::invalid_argument(fmt::format("expected a JSON object, got {}", dump_json(obj)));
  }
  const pb::Descriptor* d = m.GetDescriptor();
  const pb::Reflection* r = m.GetReflection();
  for (int i = 0; i < d->field_count(); ++i) {
    const FD* f = d->field(i);
    const OJson* v = find_json_field(obj, f->name());
    if (!v || v->is_null()) continue;
    Status st;
    if (f->is_map()) {
      if (!v->is_object()) return Status::invalid_argument(f->name() + ": expected an object");
      const FD* kf = f->message_type()->FindFieldByNumber(1);
      const FD* vf = f->message_type()->FindFieldByNumber(2);
      for (auto it = v->begin(); it != v->end() && st.is_ok(); ++it) {
        pb::Message* entry = r->AddMessage(&m, f);
        OJson key = kf->cpp_type() == FD::CPPTYPE_STRING ? OJson(it.key())
                    : kf->cpp_type() == FD::CPPTYPE_BOOL ? OJson(it.key() == "true")
                                                         : OJson(it.key());
        st = put_json(*entry, kf, key, false, depth + 1);
        if (st.is_ok() && !it.value().is_null())
          st = put_json(*entry, vf, it.value(), false, depth + 1);
      }
    } else if (f->is_repeated()) {
      if (!v->is_array()) return Status::invalid_argument(f->name() + ": expected an array");
      for (const OJson& e : *v) {
        if (e.is_null()) return Status::invalid_argument(f->name() + ": null element");
        st = put_json(m, f, e, true, depth + 1);
        if (!st.is_ok()) break;
      }
    } else {
      st = put_json(m, f, *v, false, depth + 1);
    }
    if (!st.is_ok()) return Status::invalid_argument(f->name() + ": " + st.message());
  }
  (void)r;
  return Status::ok();
}

OJson print_message(const pb::Message& m, int depth);

// Field `f` of `m` (element `index` of a repeated one, -1 for a singular one) as JSON.
OJson print_value(const pb::Message& m, const FD* f, int index, int depth) {
  const pb::Reflection* r = m.GetReflection();
  bool rep = index >= 0;
  switch (f->cpp_type()) {
    case FD::CPPTYPE_INT32:
      return rep ? r->GetRepeatedInt32(m, f, index) : r->GetInt32(m, f);
    case FD::CPPTYPE_INT64:
      return rep ? r->GetRepeatedInt64(m, f, index) : r->GetInt64(m, f);
    case FD::CPPTYPE_UINT32:
      return rep ? r->GetRepeatedUInt32(m, f, index) : r->GetUInt32(m, f);
    case FD::CPPTYPE_UINT64:
      return rep ? r->GetRepeatedUInt64(m, f, index) : r->GetUInt64(m, f);
    case FD::CPPTYPE_DOUBLE:
      return rep ? r->GetRepeatedDouble(m, f, index) : r->GetDouble(m, f);
    case FD::CPPTYPE_FLOAT:
      return static_cast<double>(rep ? r->GetRepeatedFloat(m, f, index) : r->GetFloat(m, f));
    case FD::CPPTYPE_BOOL:
      return rep ? r->GetRepeatedBool(m, f, index) : r->GetBool(m, f);
    case FD::CPPTYPE_STRING: {
      std::string s = rep ? r->GetRepeatedString(m, f, index) : r->GetString(m, f);
      if (f->type() != FD::TYPE_BYTES) return s;
      std::string b64;
      append_base64(b64, s);
      return b64;
    }
    case FD::CPPTYPE_ENUM:
      return (rep ? r->GetRepeatedEnum(m, f, index) : r->GetEnum(m, f))->name();
    case FD::CPPTYPE_MESSAGE: {
      const pb::Message& sub = rep ? r->GetRepeatedMessage(m, f, index) : r->GetMessage(m, f);
      const pb::Descriptor* d = sub.GetDescriptor();
      const pb::Reflection* sr = sub.GetReflection();
      auto i32 = [&](int n) -> int64_t { return sr->GetInt32(sub, d->FindFieldByNumber(n)); };
      switch (special_of(d)) {
        case Special::kWrapper:
          return print_value(sub, d->FindFieldByNumber(1), -1, depth + 1);
        case Special::kDecimal: {
          std::string b = sr->GetString(sub, d->FindFieldByNumber(1));
          int64_t scale = i32(3);
          if (b.size() > 16 || scale < 0 || scale > kMaxDecimalPrecision) return "<bad decimal>";
          Int128 u = 0;
          if (!b.empty()) {
            const auto first = static_cast<uint8_t>(b[0]);
            u = first >= 0x80 ? Int128{first} - 256 : Int128{first};
            for (size_t k = 1; k < b.size(); ++k) {
              u = static_cast<Int128>(static_cast<unsigned __int128>(u) << 8) |
                  static_cast<uint8_t>(b[k]);
            }
          }
          std::string text = decimal_to_string(u, static_cast<int>(scale));
          return OJson::binary(OJson::binary_t::container_type(text.begin(), text.end()),
                               kNumberText);
        }
        case Special::kTimestamp:
          return sr->GetInt64(sub, d->FindFieldByNumber(1)) * 1000 + floor_div(i32(2), 1000000);
        case Special::kDate:
          return days_from_civil(i32(1), i32(2), i32(3));
        case Special::kTime:
          return i32(1) * 3600000 + i32(2) * 60000 + i32(3) * 1000 + floor_div(i32(4), 1000000);
        case Special::kNone:
          return print_message(sub, depth + 1);
      }
    }
  }
  return nullptr;
}

OJson print_message(const pb::Message& m, int depth) {
  if (depth > kMaxDepth) return "<nested too deeply>";
  const pb::Descriptor* d = m.GetDescriptor();
  const pb::Reflection* r = m.GetReflection();
  OJson out = OJson::object();
  for (int i = 0; i < d->field_count(); ++i) {
    const FD* f = d->field(i);
    if (f->is_map()) {
      OJson map = OJson::object();
      const FD* kf = f->message_type()->FindFieldByNumber(1);
      const FD* vf = f->message_type()->FindFieldByNumber(2);
      for (int k = 0; k < r->FieldSize(m, f); ++k) {
        const pb::Message& e = r->GetRepeatedMessage(m, f, k);
        OJson key = print_value(e, kf, -1, depth + 1);
        std::string ks = key.is_string() ? key.get<std::string>() : key.dump();
        map[ks] = vf->cpp_type() == FD::CPPTYPE_MESSAGE && !e.GetReflection()->HasField(e, vf)
                      ? OJson(nullptr)
                      : print_value(e, vf, -1, depth + 1);
      }
      out[f->name()] = std::move(map);
    } else if (f->is_repeated()) {
      OJson list = OJson::array();
      for (int k = 0; k < r->FieldSize(m, f); ++k) list.push_back(print_value(m, f, k, depth + 1));
      out[f->name()] = std::move(list);
    } else if ((f->cpp_type() == FD::CPPTYPE_MESSAGE || f->has_presence()) && !r->HasField(m, f)) {
      out[f->name()] = nullptr;
    } else {
      out[f->name()] = print_value(m, f, -1, depth + 1);
    }
  }
  return out;
}

}  // namespace

Result<ProtobufNullable> protobuf_nullable(const FormatOptions& options, Side side) {
  return nullable_property(options, side);
}

Result<ProtoImports> protobuf_references(const schema::SchemaRegistry& registry,
                                         const std::vector<schema::SchemaReference>& references) {
  ProtoImports imports;
  std::vector<schema::SchemaReference> todo = references;
  // Every reference, transitively; a bound on the count stops cycles.
  for (size_t i = 0; i < todo.size(); ++i) {
    if (i > 1000) return Status::invalid_argument("too many Protobuf schema references");
    const schema::SchemaReference& ref = todo[i];
    if (imports.count(ref.name)) continue;
    auto v = registry.get_version(ref.subject, std::to_string(ref.version), false);
    if (!v.ok()) {
      return Status::invalid_argument(
          fmt::format("Schema reference {} (subject {} version {}) not "
                      "found",
                      ref.name, ref.subject, ref.version));
    }
    imports[ref.name] = v.value->schema;
    for (const auto& r : v.value->references) todo.push_back(r);
  }
  return imports;
}

Result<std::string> ksql_protobuf_schema(std::span<const Column> columns,
                                         std::string_view full_name, ProtobufNullable nullable) {
  SchemaWriter w(nullable, !full_name.empty());
  return w.file(columns, full_name);
}

Result<std::vector<Column>> protobuf_schema_columns(std::string_view proto_text,
                                                    std::string_view message_name, bool keep_names,
                                                    const ProtoImports& imports) {
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<ProtoSchema> s, ProtoSchema::parse(proto_text, imports));
  SLUICE_ASSIGN_OR_RETURN(const pb::Descriptor* m, s->message(message_name));
  std::set<const pb::Descriptor*> open = {m};
  std::vector<Column> columns;
  for (int i = 0; i < m->field_count(); ++i) {
    const FD* f = m->field(i);
    SLUICE_ASSIGN_OR_RETURN(Type t, inferred_field(f, open, keep_names));
    columns.push_back({keep_names ? f->name() : upper_ascii(f->name()), std::move(t)});
  }
  return columns;
}

Result<std::vector<int>> protobuf_message_indexes(std::string_view proto_text,
                                                  std::string_view message_name,
                                                  const ProtoImports& imports) {
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<ProtoSchema> s, ProtoSchema::parse(proto_text, imports));
  SLUICE_ASSIGN_OR_RETURN(const pb::Descriptor* m, s->message(message_name));
  if (m->file() != s->message("").value()->file()) {
    return Status::invalid_argument(
        fmt::format("message '{}' is not defined in the schema itself", message_name));
  }
  return ProtoSchema::indexes_of(m);
}

void write_protobuf_header(int32_t schema_id, std::span<const int> message_indexes,
                           std::string& out) {
  schema::write_confluent_header(schema_id, out);
  write_message_indexes(message_indexes, out);
}

Result<std::string_view> read_protobuf_header(std::string_view record, int32_t& schema_id,
                                              std::vector<int>& message_indexes) {
  std::optional<int32_t> id = schema::confluent_schema_id(record);
  if (!id) return Status::invalid_argument("Unknown magic byte!");
  WireReader in(record.substr(schema::kConfluentHeader));
  if (!read_message_indexes(in, message_indexes)) {
    return Status::invalid_argument("invalid Protobuf message indexes");
  }
  schema_id = *id;
  return in.rest();
}

Result<std::string> protobuf_message_name(std::string_view proto_text,
                                          std::span<const int> message_indexes,
                                          const ProtoImports& imports) {
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<ProtoSchema> s, ProtoSchema::parse(proto_text, imports));
  const pb::Descriptor* d = s->by_indexes(message_indexes);
  if (!d) return Status::invalid_argument("no message at these message indexes");
  return d->full_name();
}

Result<std::string> protobuf_json_to_binary(std::string_view proto_text,
                                            std::string_view message_name, std::string_view json,
                                            const ProtoImports& imports) {
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<ProtoSchema> s, ProtoSchema::parse(proto_text, imports));
  SLUICE_ASSIGN_OR_RETURN(const pb::Descriptor* d, s->message(message_name));
  OJson value;
  NumberTextSax sax(value);
  if (!OJson::sax_parse(json, &sax)) return Status::invalid_argument("invalid JSON");
  pb::DynamicMessageFactory factory;
  std::unique_ptr<pb::Message> m(factory.GetPrototype(d)->New());
  SLUICE_RETURN_IF_ERROR(fill_message(*m, value, 0));
  std::string out;
  if (!m->SerializePartialToString(&out)) return Status::internal("cannot serialize the message");
  return out;
}

Result<std::string> protobuf_binary_to_json(std::string_view proto_text,
                                            std::string_view message_name, std::string_view bytes,
                                            const ProtoImports& imports) {
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<ProtoSchema> s, ProtoSchema::parse(proto_text, imports));
  SLUICE_ASSIGN_OR_RETURN(const pb::Descriptor* d, s->message(message_name));
  if (bytes.size() > INT32_MAX) return Status::invalid_argument("message too large");
  pb::DynamicMessageFactory factory;
  std::unique_ptr<pb::Message> m(factory.GetPrototype(d)->New());
  if (!m->ParsePartialFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return Status::invalid_argument("malformed Protobuf message");
  }
  return dump_json(print_message(*m, 0));
}

const Format& protobuf_format() {
  static const ProtobufFormatBase kFormat(true);
  return kFormat;
}

const Format& protobuf_nosr_format() {
  static const ProtobufFormatBase kFormat(false);
  return kFormat;
}

}  // namespace sluice::format
