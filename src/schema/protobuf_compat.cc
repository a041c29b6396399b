// Protobuf schema compatibility (see protobuf_compat.h). The .proto texts are parsed with
// libprotoc into descriptor pools of their own; the comparison then walks the writer's ("original"
// in Confluent's terms) and the reader's ("update") descriptors side by side the way Confluent's
// protobuf diff does: top-level and nested messages by simple name, fields by number, oneofs by
// name, message-typed fields by their name without the package (and then by content).
//
// Only the changes Confluent counts as incompatible are recorded: the compatible ones (a field or
// message added or removed, a field renamed, enum constants changed, a oneof added or removed, a
// changed package, string <-> bytes, a string's label) need no message.
//
// Thread-safety: no shared state; every call builds its own pools.
#include "schema/protobuf_compat.h"

#include <cstdio>

#include <google/protobuf/compiler/parser.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <fmt/format.h>

#include <climits>
#include <compare>
#include <cstdint>
#include <memory>
#include <set>
#include <utility>

namespace sluice::schema {

// The imports Confluent's and ksqlDB's schemas use that libprotobuf does not compile in.
constexpr std::string_view kConfluentMeta = R"(syntax = "proto3";
package confluent;
import "google/protobuf/descriptor.proto";
message Meta {
  string doc = 1;
  map<string, string> params = 2;
  repeated string tags = 3;
}
extend google.protobuf.FileOptions { Meta file_meta = 1088; }
extend google.protobuf.MessageOptions { Meta message_meta = 1088; }
extend google.protobuf.FieldOptions { Meta field_meta = 1088; }
extend google.protobuf.EnumOptions { Meta enum_meta = 1088; }
extend google.protobuf.EnumValueOptions { Meta enum_value_meta = 1088; }
)";
constexpr std::string_view kConfluentDecimal = R"(syntax = "proto3";
package confluent.type;
message Decimal {
  bytes value = 1;
  uint32 precision = 2;
  int32 scale = 3;
}
)";
constexpr std::string_view kGoogleDate = R"(syntax = "proto3";
package google.type;
message Date {
  int32 year = 1;
  int32 month = 2;
  int32 day = 3;
}
)";
constexpr std::string_view kGoogleTimeOfDay = R"(syntax = "proto3";
package google.type;
message TimeOfDay {
  int32 hours = 1;
  int32 minutes = 2;
  int32 seconds = 3;
  int32 nanos = 4;
}
)";

void quiet_protobuf_logs() {
  // Only FATAL reaches stderr (libprotobuf aborts after it).
  static const bool kInstalled = [] {
    google::protobuf::SetLogHandler([](google::protobuf::LogLevel level, const char* file, int line,
                                       const std::string& message) {
      if (level == google::protobuf::LOGLEVEL_FATAL) {
        std::fprintf(stderr, "[libprotobuf FATAL %s:%d] %s\n", file, line, message.c_str());
      }
    });
    return true;
  }();
  (void)kInstalled;
}

const std::string_view* protobuf_builtin_import(std::string_view name) {
  static const std::map<std::string_view, std::string_view> kTexts = {
      {"confluent/meta.proto", kConfluentMeta},
      {"confluent/type/decimal.proto", kConfluentDecimal},
      {"google/type/date.proto", kGoogleDate},
      {"google/type/timeofday.proto", kGoogleTimeOfDay}};
  auto it = kTexts.find(name);
  return it == kTexts.end() ? nullptr : &it->second;
}

// A named namespace around the anonymous one: unity builds put several files' helpers in one
// translation unit, where two anonymous namespaces would merge.
namespace protobuf_compat_internal {
namespace {

namespace pb = google::protobuf;

constexpr int kMaxImportDepth = 100;
constexpr std::string_view kMainFile = "<sluice compat main>.proto";

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

// A parsed .proto file and everything it imports, in a pool of its own.
class ProtoFile {
 public:
  static Result<std::unique_ptr<ProtoFile>> parse(
      std::string_view text, const std::map<std::string, std::string>& imports) {
    std::unique_ptr<ProtoFile> f(new ProtoFile());
    std::set<std::string> building;
    SLUICE_RETURN_IF_ERROR(f->add(std::string(kMainFile), text, imports, building, 0));
    f->file_ = f->pool_.FindFileByName(std::string(kMainFile));
    if (f->file_ == nullptr) return Status::internal("Protobuf schema not built");
    return f;
  }

  const pb::FileDescriptor* file() const { return file_; }

 private:
  ProtoFile() = default;

  static Result<pb::FileDescriptorProto> parse_text(std::string_view text,
                                                    const std::string& name) {
    if (text.size() > INT_MAX) return Status::invalid_argument("Protobuf schema too large");
    pb::FileDescriptorProto file;
    pb::io::ArrayInputStream input(text.data(), static_cast<int>(text.size()));
    ParseErrors errors;
    pb::io::Tokenizer tokenizer(&input, &errors);
    quiet_protobuf_logs();
    pb::compiler::Parser parser;
    parser.RecordErrorsTo(&errors);
    const bool ok = parser.Parse(&tokenizer, &file);
    if (!ok || !errors.first.empty()) {
      return Status::invalid_argument(fmt::format(
          "{}{}", name == kMainFile ? "" : name + ": ",
          errors.first.empty() ? std::string("cannot parse the Protobuf schema") : errors.first));
    }
    file.set_name(name);
    return file;
  }

  Status build(const pb::FileDescriptorProto& file) {
    BuildErrors errors;
    if (pool_.BuildFileCollectingErrors(file, &errors) == nullptr) {
      return Status::invalid_argument(errors.first.empty() ? "cannot build the Protobuf schema"
                                                           : errors.first);
    }
    return Status::ok();
  }

  // Builds file `name` from `text` after its dependencies.
  Status add(const std::string& name, std::string_view text,
             const std::map<std::string, std::string>& imports, std::set<std::string>& building,
             int depth) {
    if (depth > kMaxImportDepth) return Status::invalid_argument("imports nested too deeply");
    SLUICE_ASSIGN_OR_RETURN(pb::FileDescriptorProto file, parse_text(text, name));
    building.insert(name);
    for (const std::string& dep : file.dependency()) {
      SLUICE_RETURN_IF_ERROR(add_dependency(dep, imports, building, depth + 1));
    }
    building.erase(name);
    return build(file);
  }

  Status add_dependency(const std::string& name, const std::map<std::string, std::string>& imports,
                        std::set<std::string>& building, int depth) {
    if (pool_.FindFileByName(name) != nullptr) return Status::ok();
    if (building.count(name) != 0) {
      return Status::invalid_argument(fmt::format("import cycle through {}", name));
    }
    if (auto it = imports.find(name); it != imports.end()) {
      return add(name, it->second, imports, building, depth);
    }
    if (const std::string_view* text = protobuf_builtin_import(name)) {
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
      return build(file);
    }
    return Status::invalid_argument(fmt::format("unknown import {}", name));
  }

  pb::DescriptorPool pool_;
  const pb::FileDescriptor* file_ = nullptr;
};

// ---------------------------------------------------------------------------------------------
// The comparison.

// The incompatible kinds of difference (Confluent's Difference.Type names).
enum class Kind : std::uint8_t {
  kMessageRemoved,
  kFieldKindChanged,
  kFieldScalarKindChanged,
  kFieldNamedTypeChanged,
  kFieldNumericLabelChanged,
  kRequiredFieldAdded,
  kRequiredFieldRemoved,
  kOneofFieldRemoved,
  kMultipleFieldsMovedToOneof,
  kFieldMovedToExistingOneof,
};

struct Diff {
  Kind kind;
  std::string path;  // "#/Message/3"
  auto operator<=>(const Diff&) const = default;
};

// Differences in the order found, each once: a type used by several fields reports its
// differences once, and the lists stay as small as the schema even when types are shared.
class DiffList {
 public:
  void add(const Diff& d) {
    if (index_.insert(d).second) items_.push_back(d);
  }
  void add_all(const DiffList& other) {
    for (const Diff& d : other.items_) add(d);
  }
  bool empty() const { return items_.empty(); }
  const std::vector<Diff>& items() const { return items_; }

 private:
  std::vector<Diff> items_;
  std::set<Diff> index_;
};

std::string_view kind_name(Kind k) {
  switch (k) {
    case Kind::kMessageRemoved:
      return "MESSAGE_REMOVED";
    case Kind::kFieldKindChanged:
      return "FIELD_KIND_CHANGED";
    case Kind::kFieldScalarKindChanged:
      return "FIELD_SCALAR_KIND_CHANGED";
    case Kind::kFieldNamedTypeChanged:
      return "FIELD_NAMED_TYPE_CHANGED";
    case Kind::kFieldNumericLabelChanged:
      return "FIELD_NUMERIC_LABEL_CHANGED";
    case Kind::kRequiredFieldAdded:
      return "REQUIRED_FIELD_ADDED";
    case Kind::kRequiredFieldRemoved:
      return "REQUIRED_FIELD_REMOVED";
    case Kind::kOneofFieldRemoved:
      return "ONEOF_FIELD_REMOVED";
    case Kind::kMultipleFieldsMovedToOneof:
      return "MULTIPLE_FIELDS_MOVED_TO_ONEOF";
    case Kind::kFieldMovedToExistingOneof:
      return "FIELD_MOVED_TO_EXISTING_ONEOF";
  }
  return "?";
}

// Confluent's wording, word for word (its double space after "field" included), so that
// messages compare equal to what its registry returns.
std::string describe(const Diff& d, std::string_view r, std::string_view w) {
  const std::string& p = d.path;
  switch (d.kind) {
    case Kind::kMessageRemoved:
      return fmt::format("The {} schema is missing a MESSAGE type at path '{}' in the {} schema", r,
                         p, w);
    case Kind::kFieldKindChanged:
      return fmt::format(
          "The type of a field at path '{}' in the {} schema does not match the {} "
          "schema",
          p, r, w);
    case Kind::kFieldScalarKindChanged:
      return fmt::format(
          "The kind of a SCALAR field at path '{}' in the {} schema does not match "
          "its kind in the {} schema",
          p, r, w);
    case Kind::kFieldNamedTypeChanged:
      return fmt::format(
          "The type of a MESSAGE field at path '{}' in the {} schema does not match "
          "its type in the {} schema",
          p, r, w);
    case Kind::kFieldNumericLabelChanged:
      return fmt::format(
          "The label for a NUMERIC field at path '{}' in the {} schema does not "
          "match its label in the {} schema",
          p, r, w);
    case Kind::kRequiredFieldAdded:
      return fmt::format(
          "A required field  at path '{}' in the {} schema is missing in the {} "
          "schema",
          p, r, w);
    case Kind::kRequiredFieldRemoved:
      return fmt::format("The {} schema is missing a required field at path: '{}' in the {} schema",
                         r, p, w);
    case Kind::kOneofFieldRemoved:
      return fmt::format("The {} schema is missing a oneof field at path '{}' in the {} schema", r,
                         p, w);
    case Kind::kMultipleFieldsMovedToOneof:
      return fmt::format(
          "Multiple fields in the oneof at path '{}' in the {} schema are outside a "
          "oneof in the {} schema",
          p, r, w);
    case Kind::kFieldMovedToExistingOneof:
      return fmt::format(
          "A field in the oneof at path '{}' in the {} schema is outside an "
          "existing oneof in the {} schema",
          p, r, w);
  }
  return "";
}

// Wire-compatible groups of scalar types (Protobuf's "Updating A Message Type" rules, as
// Confluent groups them); an enum reads and writes as an int32.
enum class ScalarGroup : std::uint8_t {
  kVarint,
  kZigzag,
  kStringOrBytes,
  kFixed32,
  kFixed64,
  kFloat,
  kDouble
};

ScalarGroup scalar_group(const pb::FieldDescriptor* f) {
  switch (f->type()) {
    case pb::FieldDescriptor::TYPE_SINT32:
    case pb::FieldDescriptor::TYPE_SINT64:
      return ScalarGroup::kZigzag;
    case pb::FieldDescriptor::TYPE_STRING:
    case pb::FieldDescriptor::TYPE_BYTES:
      return ScalarGroup::kStringOrBytes;
    case pb::FieldDescriptor::TYPE_FIXED32:
    case pb::FieldDescriptor::TYPE_SFIXED32:
      return ScalarGroup::kFixed32;
    case pb::FieldDescriptor::TYPE_FIXED64:
    case pb::FieldDescriptor::TYPE_SFIXED64:
      return ScalarGroup::kFixed64;
    case pb::FieldDescriptor::TYPE_FLOAT:
      return ScalarGroup::kFloat;
    case pb::FieldDescriptor::TYPE_DOUBLE:
      return ScalarGroup::kDouble;
    default:  // int32, int64, uint32, uint64, bool, enum
      return ScalarGroup::kVarint;
  }
}

enum class FieldKind : std::uint8_t { kScalar, kMessage, kMap };

FieldKind field_kind(const pb::FieldDescriptor* f) {
  if (f->is_map()) return FieldKind::kMap;
  if (f->message_type() != nullptr) return FieldKind::kMessage;  // message or group
  return FieldKind::kScalar;                                     // scalars and enums
}

// Cardinality: proto3's implicit presence and `optional` are both optional (they encode alike).
int label_of(const pb::FieldDescriptor* f) {
  if (f->is_repeated()) return 2;
  if (f->is_required()) return 1;
  return 0;
}

// The nested types that are messages of their own (not the entries map<K, V> fields generate,
// which are compared as part of their map field).
std::vector<const pb::Descriptor*> messages_of(const pb::FileDescriptor* file) {
  std::vector<const pb::Descriptor*> out;
  for (int i = 0; i < file->message_type_count(); ++i) out.push_back(file->message_type(i));
  return out;
}

std::vector<const pb::Descriptor*> nested_of(const pb::Descriptor* d) {
  std::vector<const pb::Descriptor*> out;
  for (int i = 0; i < d->nested_type_count(); ++i) {
    if (!d->nested_type(i)->options().map_entry()) out.push_back(d->nested_type(i));
  }
  return out;
}

// A type's name within its package ("Outer.Inner"): how Confluent matches message-typed fields,
// so moving a type to another package (or into an imported file) keeps it the same type.
std::string local_name(const pb::Descriptor* d) {
  const std::string& package = d->file()->package();
  const std::string& full = d->full_name();
  if (!package.empty() && full.size() > package.size() && full.starts_with(package) &&
      full[package.size()] == '.') {
    return full.substr(package.size() + 1);
  }
  return full;
}

class Differ {
 public:
  void compare_files(const pb::FileDescriptor* writer, const pb::FileDescriptor* reader) {
    // A changed package is compatible: Confluent's registry lists PACKAGE_CHANGED among its
    // compatible changes (messages name their type by the indexes in the file, not by name).
    compare_messages(messages_of(writer), messages_of(reader));
  }

  DiffList take() { return std::move(out_); }

 private:
  void add(Kind k) { out_.add({k, path_string()}); }

  std::string path_string() const {
    std::string s = "#/";
    for (size_t i = 0; i < path_.size(); ++i) {
      if (i > 0) s += '/';
      s += path_[i];
    }
    return s;
  }

  // Enters one level of the path for the scope's lifetime.
  class Scope {
   public:
    Scope(Differ& d, std::string part) : d_(d) { d_.path_.push_back(std::move(part)); }
    ~Scope() { d_.path_.pop_back(); }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    Differ& d_;
  };

  // Message types at one level (a file's or a message's nested ones), by simple name.
  void compare_messages(const std::vector<const pb::Descriptor*>& writer,
                        const std::vector<const pb::Descriptor*>& reader) {
    for (const pb::Descriptor* w : writer) {
      Scope scope(*this, w->name());
      const pb::Descriptor* r = nullptr;
      for (const pb::Descriptor* c : reader) {
        if (c->name() == w->name()) r = c;
      }
      if (r == nullptr) {
        // The writer's records may name it by its index: the reader cannot resolve them.
        add(Kind::kMessageRemoved);
      } else {
        compare_message(w, r);
      }
    }
  }

  struct FieldAt {
    const pb::FieldDescriptor* field = nullptr;
    std::string oneof;  // "" outside a (real) oneof
  };

  static std::map<int, FieldAt> fields_by_number(const pb::Descriptor* d) {
    std::map<int, FieldAt> out;
    for (int i = 0; i < d->field_count(); ++i) {
      const pb::FieldDescriptor* f = d->field(i);
      // proto3 `optional` fields sit in a synthetic oneof of their own: not a oneof to compare.
      const pb::OneofDescriptor* o = f->real_containing_oneof();
      out[f->number()] = {f, o == nullptr ? std::string() : o->name()};
    }
    return out;
  }

  void compare_message(const pb::Descriptor* w, const pb::Descriptor* r) {
    if (!in_progress_.insert(w).second) return;  // a recursive type: already being compared
    const std::map<int, FieldAt> w_all = fields_by_number(w);
    const std::map<int, FieldAt> r_all = fields_by_number(r);
    std::map<int, const pb::FieldDescriptor*> w_top, r_top;
    for (const auto& [n, at] : w_all) {
      if (at.oneof.empty()) w_top[n] = at.field;
    }
    for (const auto& [n, at] : r_all) {
      if (at.oneof.empty()) r_top[n] = at.field;
    }

    // Fields the reader moved into a oneof. One field moving into a new oneof reads alike; more
    // than one, or one joining fields that were in a oneof already, makes data the writer wrote
    // (several of them set) unreadable as a oneof.
    for (int i = 0; i < r->real_oneof_decl_count(); ++i) {
      const pb::OneofDescriptor* o = r->oneof_decl(i);
      Scope scope(*this, o->name());
      int moved = 0;
      int existing = 0;
      for (int j = 0; j < o->field_count(); ++j) {
        const int n = o->field(j)->number();
        if (w_top.erase(n) != 0) {
          ++moved;  // no longer a removed field: compared below as a moved one
        } else if (auto it = w_all.find(n); it != w_all.end() && !it->second.oneof.empty()) {
          ++existing;
        }
      }
      if (moved > 1) {
        add(Kind::kMultipleFieldsMovedToOneof);
      } else if (moved == 1 && existing > 0) {
        add(Kind::kFieldMovedToExistingOneof);
      }
    }

    // Oneofs both have, by name: a member the reader dropped altogether is data it cannot read.
    for (int i = 0; i < w->real_oneof_decl_count(); ++i) {
      const pb::OneofDescriptor* wo = w->oneof_decl(i);
      const pb::OneofDescriptor* ro = r->FindOneofByName(wo->name());
      if (ro == nullptr || ro->is_synthetic()) continue;  // removed: compatible
      Scope scope(*this, wo->name());
      for (int j = 0; j < wo->field_count(); ++j) {
        const pb::FieldDescriptor* wf = wo->field(j);
        Scope field_scope(*this, std::to_string(wf->number()));
        const pb::FieldDescriptor* rf = nullptr;
        for (int k = 0; k < ro->field_count(); ++k) {
          if (ro->field(k)->number() == wf->number()) rf = ro->field(k);
        }
        if (rf != nullptr) {
          compare_field(wf, rf, true);
        } else if (r_all.count(wf->number()) == 0) {
          add(Kind::kOneofFieldRemoved);
        }
        // else: moved out of this oneof, compared below
      }
    }

    // Fields outside oneofs, by number.
    for (const auto& [n, wf] : w_top) {
      Scope scope(*this, std::to_string(n));
      auto rit = r_top.find(n);
      if (rit != r_top.end()) {
        compare_field(wf, rit->second, true);
      } else if (wf->is_required()) {
        add(Kind::kRequiredFieldRemoved);
      }
    }
    for (const auto& [n, rf] : r_top) {
      if (w_top.count(n) != 0) continue;  // compared above
      // New, or moved out of a oneof (where the writer may have left it unset).
      if (rf->is_required()) {
        Scope scope(*this, std::to_string(n));
        add(Kind::kRequiredFieldAdded);
      }
    }

    // Fields that changed oneof membership (moved into or out of a oneof, or their oneof
    // renamed): compared by number too, so their type changes are not missed.
    for (const auto& [n, wat] : w_all) {
      auto rit = r_all.find(n);
      if (rit == r_all.end()) continue;
      const FieldAt& rat = rit->second;
      if (wat.oneof == rat.oneof) continue;  // compared above
      Scope scope(*this, std::to_string(n));
      compare_field(wat.field, rat.field, true);
    }

    compare_messages(nested_of(w), nested_of(r));
    in_progress_.erase(w);
  }

  // A field's type (and, for scalars, its label); `labels` false for map keys and values.
  void compare_field(const pb::FieldDescriptor* w, const pb::FieldDescriptor* r, bool labels) {
    const FieldKind wk = field_kind(w);
    if (wk != field_kind(r)) {
      add(Kind::kFieldKindChanged);
      return;
    }
    switch (wk) {
      case FieldKind::kScalar: {
        const ScalarGroup g = scalar_group(w);
        if (g != scalar_group(r)) {
          add(Kind::kFieldScalarKindChanged);
        } else if (labels && label_of(w) != label_of(r) && g != ScalarGroup::kStringOrBytes) {
          // A repeated number may be packed, which a singular reader cannot decode; repeated
          // strings and bytes are encoded as singular ones are, one record each.
          add(Kind::kFieldNumericLabelChanged);
        }
        return;
      }
      case FieldKind::kMap:
        compare_field(w->message_type()->map_key(), r->message_type()->map_key(), false);
        compare_field(w->message_type()->map_value(), r->message_type()->map_value(), false);
        return;
      case FieldKind::kMessage:
        compare_message_types(w->message_type(), r->message_type());
        return;
    }
  }

  // Message-typed fields: the same type name within its package, and the types compatible (their
  // own differences reported at the type's path, as Confluent does, plus this field's).
  void compare_message_types(const pb::Descriptor* w, const pb::Descriptor* r) {
    const std::string w_name = local_name(w);
    if (w_name != local_name(r)) {
      add(Kind::kFieldNamedTypeChanged);
      return;
    }
    // A recursive type being compared already (above us): assumed compatible, as Confluent does.
    if (in_progress_.count(w) != 0) return;
    const std::pair<const pb::Descriptor*, const pb::Descriptor*> key(w, r);
    auto memo = memo_.find(key);
    if (memo == memo_.end()) {
      // The type's differences do not depend on where it is used: computed once per pair, so
      // types used by many fields (at many depths) are not compared again and again.
      std::vector<std::string> saved_path = std::move(path_);
      DiffList saved_out = std::move(out_);
      path_.clear();
      out_ = DiffList();
      size_t start = 0;
      for (size_t dot = w_name.find('.'); dot != std::string::npos; dot = w_name.find('.', start)) {
        path_.push_back(w_name.substr(start, dot - start));
        start = dot + 1;
      }
      path_.push_back(w_name.substr(start));
      compare_message(w, r);
      DiffList found = std::move(out_);
      path_ = std::move(saved_path);
      out_ = std::move(saved_out);
      memo = memo_.emplace(key, std::move(found)).first;
    }
    out_.add_all(memo->second);
    if (!memo->second.empty()) add(Kind::kFieldNamedTypeChanged);
  }

  std::vector<std::string> path_;
  DiffList out_;
  std::set<const pb::Descriptor*> in_progress_;
  std::map<std::pair<const pb::Descriptor*, const pb::Descriptor*>, DiffList> memo_;
};

const std::map<std::string, std::string>& imports_or_none(
    const std::map<std::string, std::string>* imports) {
  static const std::map<std::string, std::string> kNone;
  return imports == nullptr ? kNone : *imports;
}

}  // namespace
}  // namespace protobuf_compat_internal

Status validate_protobuf_schema(std::string_view proto,
                                const std::map<std::string, std::string>& imports) {
  auto parsed = protobuf_compat_internal::ProtoFile::parse(proto, imports);
  return parsed.is_ok() ? Status::ok() : parsed.status();
}

std::vector<std::string> protobuf_incompatibilities(const ProtobufSchemaText& reader,
                                                    const ProtobufSchemaText& writer,
                                                    std::string_view reader_role,
                                                    std::string_view writer_role) {
  using namespace protobuf_compat_internal;
  auto r = ProtoFile::parse(reader.proto, imports_or_none(reader.imports));
  if (!r.is_ok()) return {"Invalid schema: " + r.status().message()};
  auto w = ProtoFile::parse(writer.proto, imports_or_none(writer.imports));
  if (!w.is_ok()) return {"Invalid schema: " + w.status().message()};
  Differ differ;
  differ.compare_files((*w)->file(), (*r)->file());
  const DiffList diffs = differ.take();
  std::vector<std::string> out;
  for (const Diff& d : diffs.items()) {
    out.push_back(fmt::format("{{errorType:\"{}\", description:\"{}\"}}", kind_name(d.kind),
                              describe(d, reader_role, writer_role)));
  }
  return out;
}

std::vector<std::string> protobuf_incompatibilities(
    std::string_view reader_proto, std::string_view writer_proto,
    const std::map<std::string, std::string>& imports) {
  return protobuf_incompatibilities({reader_proto, &imports}, {writer_proto, &imports});
}

}  // namespace sluice::schema
