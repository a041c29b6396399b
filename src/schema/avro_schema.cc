// Avro schema parsing, Parsing Canonical Form and schema-resolution checks (Avro 1.11
// specification, "Schema Declaration", "Parsing Canonical Form for Schemas", "Schema Resolution").
//
// Where the specification is loose, the behaviour follows what the Java implementation (and so
// Confluent's registry) accepts, since the schemas we see were written against it: a short name
// that is not found in the current namespace is also looked up in the null namespace, record
// names compare unqualified, and the incompatibility messages use Confluent's wording.
#include "schema/avro_schema.h"

#include <nlohmann/json.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <limits>
#include <map>
#include <set>
#include <utility>

namespace sluice::schema {
namespace {

using Json = nlohmann::json;
using Node = AvroSchema::Node;

// Deeper schemas (or default values) are rejected rather than risking the stack.
constexpr int kMaxDepth = 200;

struct TypeName {
  AvroType type;
  std::string_view name;
};

constexpr std::array<TypeName, 14> kTypeNames = {{
    {AvroType::kNull, "null"},
    {AvroType::kBoolean, "boolean"},
    {AvroType::kInt, "int"},
    {AvroType::kLong, "long"},
    {AvroType::kFloat, "float"},
    {AvroType::kDouble, "double"},
    {AvroType::kBytes, "bytes"},
    {AvroType::kString, "string"},
    {AvroType::kRecord, "record"},
    {AvroType::kEnum, "enum"},
    {AvroType::kArray, "array"},
    {AvroType::kMap, "map"},
    {AvroType::kUnion, "union"},
    {AvroType::kFixed, "fixed"},
}};

bool is_primitive(AvroType t) {
  return t <= AvroType::kString;
}
bool is_named(AvroType t) {
  return t == AvroType::kRecord || t == AvroType::kEnum || t == AvroType::kFixed;
}

std::string upper_type_name(AvroType t) {
  std::string s(avro_type_name(t));
  for (char& c : s) c = static_cast<char>(c - 'a' + 'A');
  return s;
}

std::optional<AvroType> primitive_type(std::string_view name) {
  for (const auto& tn : kTypeNames) {
    if (is_primitive(tn.type) && tn.name == name) return tn.type;
  }
  return std::nullopt;
}

// [A-Za-z_][A-Za-z0-9_]*
bool is_valid_name(std::string_view s) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

// Dot-separated valid names (a full name, or a non-null namespace).
bool is_valid_dotted(std::string_view s) {
  size_t start = 0;
  while (true) {
    const size_t dot = s.find('.', start);
    if (!is_valid_name(s.substr(start, dot == std::string_view::npos ? dot : dot - start))) {
      return false;
    }
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

std::string_view short_name(std::string_view full) {
  const size_t dot = full.rfind('.');
  return dot == std::string_view::npos ? full : full.substr(dot + 1);
}

std::string_view namespace_of(std::string_view full) {
  const size_t dot = full.rfind('.');
  return dot == std::string_view::npos ? std::string_view() : full.substr(0, dot);
}

// A name containing a dot is already full; otherwise it lives in `space` (null when empty).
std::string qualify(std::string_view name, std::string_view space) {
  if (name.find('.') != std::string_view::npos || space.empty()) return std::string(name);
  return fmt::format("{}.{}", space, name);
}

// Integral JSON numbers that fit int64 (nlohmann keeps large positives as unsigned).
std::optional<std::int64_t> as_int64(const Json& j) {
  if (j.is_number_unsigned()) {
    const auto u = j.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return std::nullopt;
    }
    return static_cast<std::int64_t>(u);
  }
  if (j.is_number_integer()) return j.get<std::int64_t>();
  return std::nullopt;
}

// The attributes of logicalType "decimal", kept for the datum codec (avro_datum.h). Missing or
// invalid ones are no error: Java ignores a logical type it cannot use.
void parse_decimal_attributes(Node& node, const Json& j) {
  if (node.logical_type != "decimal") return;
  for (auto [attr, to] : {std::pair{"precision", &node.precision}, {"scale", &node.scale}}) {
    auto it = j.find(attr);
    const auto v = it == j.end() ? std::nullopt : as_int64(*it);
    if (v && *v >= 0 && *v <= std::numeric_limits<std::int32_t>::max()) *to = static_cast<int>(*v);
  }
}

Status invalid(std::string message) {
  return Status::invalid_argument(std::move(message));
}

// A JSON value for an error message, cut short so that a whole schema is not echoed back. The cut
// falls between UTF-8 characters: the message may itself be written into JSON.
std::string snippet(const Json& j) {
  std::string s = j.dump();
  size_t cut = 80;
  if (s.size() <= cut) return s;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0U) == 0x80U) --cut;
  return s.substr(0, cut) + "...";
}

// ---------------------------------------------------------------------------------------------
// Parsing

struct Arena {
  std::vector<std::unique_ptr<Node>> nodes;
};

// A field default, checked once the whole schema is known: a default may be a value of a record
// that is still being parsed (a recursive field).
struct PendingDefault {
  const Node* type;
  Json value;
  std::string field;
  std::string record;
};

class Parser {
 public:
  Result<const Node*> parse(const Json& j, const std::string& space, int depth);
  Status check_defaults() const;
  std::shared_ptr<Arena> arena() const { return arena_; }

 private:
  Node* make(AvroType t) {
    arena_->nodes.push_back(std::make_unique<Node>());
    arena_->nodes.back()->type = t;
    return arena_->nodes.back().get();
  }
  Result<const Node*> lookup(const std::string& name, const std::string& space) const;
  Result<const Node*> parse_union(const Json& j, const std::string& space, int depth);
  Result<const Node*> parse_object(const Json& j, const std::string& space, int depth);
  Result<const Node*> parse_named(const Json& j, AvroType t, const std::string& enclosing,
                                  int depth);
  Status parse_fields(Node& record, const Json& j, const std::string& space, int depth);
  static Status parse_symbols(Node& node, const Json& j);
  static Status parse_size(Node& node, const Json& j);
  static Result<std::vector<std::string>> parse_aliases(const Json& j, const std::string& space,
                                                        const std::string& owner);

  std::shared_ptr<Arena> arena_ = std::make_shared<Arena>();
  std::map<std::string, const Node*> names_;
  std::vector<PendingDefault> defaults_;
};

Result<const Node*> Parser::parse(const Json& j, const std::string& space, int depth) {
  if (depth > kMaxDepth) return invalid("schema is nested too deeply");
  if (j.is_string()) {
    const auto& name = j.get_ref<const std::string&>();
    if (auto p = primitive_type(name)) return static_cast<const Node*>(make(*p));
    return lookup(name, space);
  }
  if (j.is_array()) return parse_union(j, space, depth);
  if (j.is_object()) return parse_object(j, space, depth);
  return invalid(
      fmt::format("{} is not a schema (expected a type name, object or array)", snippet(j)));
}

Result<const Node*> Parser::lookup(const std::string& name, const std::string& space) const {
  auto it = names_.find(qualify(name, space));
  if (it == names_.end() && name.find('.') == std::string::npos) it = names_.find(name);
  if (it == names_.end()) return invalid(fmt::format("unknown type name '{}'", name));
  return it->second;
}

Result<const Node*> Parser::parse_union(const Json& j, const std::string& space, int depth) {
  Node* node = make(AvroType::kUnion);
  std::set<std::string> seen;
  for (const Json& item : j) {
    SLUICE_ASSIGN_OR_RETURN(const Node* branch, parse(item, space, depth + 1));
    if (branch->type == AvroType::kUnion) {
      return invalid("a union may not immediately contain another union");
    }
    // Unnamed types may appear once each; named types once per full name.
    std::string key =
        is_named(branch->type) ? branch->full_name : std::string(avro_type_name(branch->type));
    if (!seen.insert(key).second) {
      return invalid(fmt::format("union contains type '{}' more than once", key));
    }
    node->branches.push_back(branch);
  }
  return static_cast<const Node*>(node);
}

Result<const Node*> Parser::parse_object(const Json& j, const std::string& space, int depth) {
  auto type_it = j.find("type");
  if (type_it == j.end()) return invalid(fmt::format("schema {} has no 'type'", snippet(j)));
  if (!type_it->is_string()) {
    return invalid(fmt::format("the 'type' of schema {} is not a string", snippet(j)));
  }
  const auto& type = type_it->get_ref<const std::string&>();
  std::string logical;
  if (auto it = j.find("logicalType"); it != j.end() && it->is_string()) {
    logical = it->get<std::string>();
  }
  Node* node = nullptr;
  if (auto p = primitive_type(type)) {
    node = make(*p);
  } else if (type == "record") {
    return parse_named(j, AvroType::kRecord, space, depth);
  } else if (type == "enum") {
    return parse_named(j, AvroType::kEnum, space, depth);
  } else if (type == "fixed") {
    return parse_named(j, AvroType::kFixed, space, depth);
  } else if (type == "array" || type == "map") {
    const bool array = type == "array";
    const char* attr = array ? "items" : "values";
    auto it = j.find(attr);
    if (it == j.end()) return invalid(fmt::format("{} schema has no '{}'", type, attr));
    SLUICE_ASSIGN_OR_RETURN(const Node* child, parse(*it, space, depth + 1));
    node = make(array ? AvroType::kArray : AvroType::kMap);
    (array ? node->items : node->values) = child;
  } else {
    // {"type": "SomeRecord"}: a reference to a named type in object form, as Java accepts.
    return lookup(type, space);
  }
  node->logical_type = std::move(logical);
  parse_decimal_attributes(*node, j);
  return static_cast<const Node*>(node);
}

Result<const Node*> Parser::parse_named(const Json& j, AvroType t, const std::string& enclosing,
                                        int depth) {
  auto name_it = j.find("name");
  if (name_it == j.end() || !name_it->is_string()) {
    return invalid(fmt::format("{} schema has no 'name' string", avro_type_name(t)));
  }
  const auto& name = name_it->get_ref<const std::string&>();
  std::string space = enclosing;
  if (name.find('.') != std::string::npos) {
    space = std::string(namespace_of(name));  // a dotted name ignores "namespace"
  } else if (auto ns_it = j.find("namespace"); ns_it != j.end() && !ns_it->is_null()) {
    if (!ns_it->is_string()) {
      return invalid(
          fmt::format("the namespace of {} '{}' is not a string", avro_type_name(t), name));
    }
    space = ns_it->get<std::string>();
    if (!space.empty() && !is_valid_dotted(space)) {
      return invalid(fmt::format("invalid namespace '{}'", space));
    }
  }
  std::string full = qualify(name, space);
  if (!is_valid_dotted(full)) return invalid(fmt::format("invalid name '{}'", full));
  if (primitive_type(short_name(full))) {
    return invalid(fmt::format("a {} may not be named after the primitive type '{}'",
                               avro_type_name(t), short_name(full)));
  }
  if (names_.count(full) != 0) {
    return invalid(fmt::format("named type '{}' is defined more than once", full));
  }
  SLUICE_ASSIGN_OR_RETURN(auto aliases, parse_aliases(j, space, full));
  Node* node = make(t);
  node->full_name = std::move(full);
  node->aliases = std::move(aliases);
  if (auto it = j.find("logicalType"); it != j.end() && it->is_string()) {
    node->logical_type = it->get<std::string>();
  }
  parse_decimal_attributes(*node, j);
  // Registered before the body is parsed so that fields may refer to the type itself.
  names_.emplace(node->full_name, node);
  if (t == AvroType::kRecord) {
    SLUICE_RETURN_IF_ERROR(parse_fields(*node, j, space, depth));
  } else if (t == AvroType::kEnum) {
    SLUICE_RETURN_IF_ERROR(parse_symbols(*node, j));
  } else {
    SLUICE_RETURN_IF_ERROR(parse_size(*node, j));
  }
  return static_cast<const Node*>(node);
}

Result<std::vector<std::string>> Parser::parse_aliases(const Json& j, const std::string& space,
                                                       const std::string& owner) {
  std::vector<std::string> out;
  auto it = j.find("aliases");
  if (it == j.end()) return out;
  if (!it->is_array()) return invalid(fmt::format("the aliases of '{}' are not an array", owner));
  for (const Json& a : *it) {
    if (!a.is_string() || !is_valid_dotted(a.get_ref<const std::string&>())) {
      return invalid(fmt::format("'{}' has an invalid alias {}", owner, snippet(a)));
    }
    out.push_back(qualify(a.get_ref<const std::string&>(), space));
  }
  return out;
}

Status Parser::parse_fields(Node& record, const Json& j, const std::string& space, int depth) {
  const std::string& rec = record.full_name;
  auto it = j.find("fields");
  if (it == j.end() || !it->is_array()) {
    return invalid(fmt::format("record '{}' has no 'fields' array", rec));
  }
  std::set<std::string> seen;
  for (const Json& f : *it) {
    if (!f.is_object())
      return invalid(fmt::format("record '{}' has a field that is not an object", rec));
    auto name_it = f.find("name");
    if (name_it == f.end())
      return invalid(fmt::format("record '{}' has a field without a name", rec));
    if (!name_it->is_string() || !is_valid_name(name_it->get_ref<const std::string&>())) {
      return invalid(
          fmt::format("record '{}' has a field with an invalid name {}", rec, snippet(*name_it)));
    }
    Node::Field field;
    field.name = name_it->get<std::string>();
    if (!seen.insert(field.name).second) {
      return invalid(
          fmt::format("record '{}' has more than one field named '{}'", rec, field.name));
    }
    const std::string where = fmt::format("field '{}' of record '{}'", field.name, rec);
    auto type_it = f.find("type");
    if (type_it == f.end()) return invalid(fmt::format("{} has no 'type'", where));
    auto type = parse(*type_it, space, depth + 1);
    if (!type.is_ok()) return type.status().with_context(where);
    field.type = *type;
    if (auto order = f.find("order"); order != f.end()) {
      if (!order->is_string() ||
          (*order != "ascending" && *order != "descending" && *order != "ignore")) {
        return invalid(fmt::format("{} has an invalid order {}", where, snippet(*order)));
      }
    }
    if (auto aliases = f.find("aliases"); aliases != f.end()) {
      if (!aliases->is_array())
        return invalid(fmt::format("the aliases of {} are not an array", where));
      for (const Json& a : *aliases) {
        if (!a.is_string() || !is_valid_name(a.get_ref<const std::string&>())) {
          return invalid(fmt::format("{} has an invalid alias {}", where, snippet(a)));
        }
        field.aliases.push_back(a.get<std::string>());
      }
    }
    if (auto def = f.find("default"); def != f.end()) {  // "default": null is a default too
      field.default_json = def->dump();
      defaults_.push_back({field.type, *def, field.name, rec});
    }
    record.fields.push_back(std::move(field));
  }
  return Status::ok();
}

Status Parser::parse_symbols(Node& node, const Json& j) {
  auto it = j.find("symbols");
  if (it == j.end() || !it->is_array()) {
    return invalid(fmt::format("enum '{}' has no 'symbols' array", node.full_name));
  }
  std::set<std::string> seen;
  for (const Json& s : *it) {
    if (!s.is_string() || !is_valid_name(s.get_ref<const std::string&>())) {
      return invalid(fmt::format("enum '{}' has an invalid symbol {}", node.full_name, snippet(s)));
    }
    if (!seen.insert(s.get<std::string>()).second) {
      return invalid(fmt::format("enum '{}' has the symbol '{}' more than once", node.full_name,
                                 s.get_ref<const std::string&>()));
    }
    node.symbols.push_back(s.get<std::string>());
  }
  if (auto def = j.find("default"); def != j.end()) {
    if (!def->is_string() || seen.count(def->get<std::string>()) == 0) {
      return invalid(fmt::format("the default {} of enum '{}' is not one of its symbols",
                                 snippet(*def), node.full_name));
    }
    node.enum_default = def->get<std::string>();
  }
  return Status::ok();
}

Status Parser::parse_size(Node& node, const Json& j) {
  auto it = j.find("size");
  const auto size = it == j.end() ? std::nullopt : as_int64(*it);
  if (!size || *size <= 0 || *size > std::numeric_limits<std::int32_t>::max()) {
    return invalid(fmt::format("fixed '{}' needs a positive integer 'size'", node.full_name));
  }
  node.size = *size;
  return Status::ok();
}

// Whether `v` is a valid default for `type` (specification, "Complex Types: Records"): a union's
// default is a value of its first branch.
bool valid_default(const Node& type, const Json& v, int depth) {
  if (depth > kMaxDepth) return false;
  switch (type.type) {
    case AvroType::kNull:
      return v.is_null();
    case AvroType::kBoolean:
      return v.is_boolean();
    case AvroType::kInt: {
      const auto i = as_int64(v);
      return i && *i >= std::numeric_limits<std::int32_t>::min() &&
             *i <= std::numeric_limits<std::int32_t>::max();
    }
    case AvroType::kLong:
      return as_int64(v).has_value();
    case AvroType::kFloat:
    case AvroType::kDouble:
      return v.is_number();
    case AvroType::kBytes:
    case AvroType::kString:
    case AvroType::kFixed:
      return v.is_string();
    case AvroType::kEnum:
      if (!v.is_string()) return false;
      for (const auto& s : type.symbols) {
        if (s == v.get_ref<const std::string&>()) return true;
      }
      return false;
    case AvroType::kArray:
      if (!v.is_array()) return false;
      for (const Json& e : v) {
        if (!valid_default(*type.items, e, depth + 1)) return false;
      }
      return true;
    case AvroType::kMap:
      if (!v.is_object()) return false;
      for (const auto& [key, e] : v.items()) {
        if (!valid_default(*type.values, e, depth + 1)) return false;
      }
      return true;
    case AvroType::kUnion:
      return !type.branches.empty() && valid_default(*type.branches.front(), v, depth + 1);
    case AvroType::kRecord:
      if (!v.is_object()) return false;
      for (const auto& f : type.fields) {
        auto it = v.find(f.name);
        // A field left out takes its own default, which is validated on its own.
        if (it == v.end() ? !f.default_json.has_value() : !valid_default(*f.type, *it, depth + 1)) {
          return false;
        }
      }
      return true;
  }
  return false;
}

Status Parser::check_defaults() const {
  for (const auto& d : defaults_) {
    if (!valid_default(*d.type, d.value, 0)) {
      const AvroType expected = d.type->type == AvroType::kUnion && !d.type->branches.empty()
                                    ? d.type->branches.front()->type
                                    : d.type->type;
      return invalid(fmt::format("the default {} of field '{}' of record '{}' is not a valid {}{}",
                                 snippet(d.value), d.field, d.record, avro_type_name(expected),
                                 d.type->type == AvroType::kUnion
                                     ? " (a union's default must match its first type)"
                                     : ""));
    }
  }
  return Status::ok();
}

// ---------------------------------------------------------------------------------------------
// Parsing Canonical Form: full names, only the attributes that affect reading, in a fixed order,
// no whitespace; a named type is written in full once and by name afterwards. Names and symbols
// are restricted to [A-Za-z0-9_.], so no string needs escaping.

class CanonicalWriter {
 public:
  std::string write(const Node& root) {
    emit(root);
    return std::move(out_);
  }

 private:
  void quoted(std::string_view s) {
    out_ += '"';
    out_ += s;
    out_ += '"';
  }

  void emit(const Node& n) {
    if (is_primitive(n.type)) return quoted(avro_type_name(n.type));
    switch (n.type) {
      case AvroType::kUnion:
        out_ += '[';
        for (size_t i = 0; i < n.branches.size(); ++i) {
          if (i > 0) out_ += ',';
          emit(*n.branches[i]);
        }
        out_ += ']';
        return;
      case AvroType::kArray:
        out_ += R"({"type":"array","items":)";
        emit(*n.items);
        out_ += '}';
        return;
      case AvroType::kMap:
        out_ += R"({"type":"map","values":)";
        emit(*n.values);
        out_ += '}';
        return;
      default:
        break;
    }
    if (!written_.insert(n.full_name).second) return quoted(n.full_name);
    out_ += R"({"name":)";
    quoted(n.full_name);
    out_ += R"(,"type":)";
    quoted(avro_type_name(n.type));
    if (n.type == AvroType::kRecord) {
      out_ += R"(,"fields":[)";
      for (size_t i = 0; i < n.fields.size(); ++i) {
        out_ += i > 0 ? R"(,{"name":)" : R"({"name":)";
        quoted(n.fields[i].name);
        out_ += R"(,"type":)";
        emit(*n.fields[i].type);
        out_ += '}';
      }
      out_ += ']';
    } else if (n.type == AvroType::kEnum) {
      out_ += R"(,"symbols":[)";
      for (size_t i = 0; i < n.symbols.size(); ++i) {
        if (i > 0) out_ += ',';
        quoted(n.symbols[i]);
      }
      out_ += ']';
    } else {
      out_ += fmt::format(R"(,"size":{})", n.size);
    }
    out_ += '}';
  }

  std::string out_;
  std::set<std::string> written_;
};

// ---------------------------------------------------------------------------------------------
// Schema resolution. Paths are locations in the reader schema, JSON-pointer style.

std::string show(const std::string& path) {
  return path.empty() ? "/" : path;
}

std::string incompatibility(std::string_view type, std::string_view description,
                            std::string_view info) {
  return fmt::format("{{errorType:'{}', description:'{}', additionalInfo:'{}'}}", type, description,
                     info);
}

std::string type_mismatch(const std::string& path, const Node& r, const Node& w) {
  return incompatibility(
      "TYPE_MISMATCH",
      fmt::format("The type (path '{}') of a field in the new schema does not match with the old "
                  "schema",
                  show(path)),
      fmt::format("reader type: {} not compatible with writer type: {}", upper_type_name(r.type),
                  upper_type_name(w.type)));
}

std::string missing_union_branch(const std::string& path, const Node& w) {
  return incompatibility(
      "MISSING_UNION_BRANCH",
      fmt::format("The new schema is missing a type inside a union field at "
                  "path '{}' in the old schema",
                  show(path)),
      fmt::format("reader union lacking writer type: {}", upper_type_name(w.type)));
}

// Data written as `w` can be decoded as `r` by promotion (specification, "Schema Resolution").
bool promotable(AvroType w, AvroType r) {
  switch (w) {
    case AvroType::kInt:
      return r == AvroType::kLong || r == AvroType::kFloat || r == AvroType::kDouble;
    case AvroType::kLong:
      return r == AvroType::kFloat || r == AvroType::kDouble;
    case AvroType::kFloat:
      return r == AvroType::kDouble;
    case AvroType::kString:
      return r == AvroType::kBytes;
    case AvroType::kBytes:
      return r == AvroType::kString;
    default:
      return false;
  }
}

// Unqualified names compare (as Java does), or one of the reader's aliases names the writer.
bool names_match(const Node& r, const Node& w) {
  if (short_name(r.full_name) == short_name(w.full_name)) return true;
  for (const auto& alias : r.aliases) {
    if (alias == w.full_name || short_name(alias) == short_name(w.full_name)) return true;
  }
  return false;
}

class Checker {
 public:
  std::vector<std::string> check(const Node& r, const Node& w, const std::string& path);

 private:
  std::vector<std::string> check_reader_union(const Node& r, const Node& w,
                                              const std::string& path);
  std::vector<std::string> check_named(const Node& r, const Node& w, const std::string& path);
  std::vector<std::string> check_record(const Node& r, const Node& w, const std::string& path);

  using Pair = std::pair<const Node*, const Node*>;
  std::set<Pair> in_progress_;  // a revisit is a recursive type: assume compatible
  std::set<Pair> compatible_;   // named pairs already found compatible
};

void append(std::vector<std::string>& to, std::vector<std::string> from) {
  for (auto& s : from) to.push_back(std::move(s));
}

std::vector<std::string> Checker::check(const Node& r, const Node& w, const std::string& path) {
  std::vector<std::string> out;
  if (w.type == AvroType::kUnion) {
    // Every branch the writer may have used must be readable. Against a reader union a failure is
    // a missing branch (at the writer branch's index, as Confluent reports it); against any other
    // reader it is whatever makes that branch unreadable.
    for (size_t i = 0; i < w.branches.size(); ++i) {
      auto errors = check(r, *w.branches[i], path);
      if (errors.empty()) continue;
      if (r.type == AvroType::kUnion) {
        out.push_back(missing_union_branch(fmt::format("{}/{}", path, i), *w.branches[i]));
      } else {
        append(out, std::move(errors));
      }
    }
    return out;
  }
  if (r.type == AvroType::kUnion) return check_reader_union(r, w, path);
  if (r.type != w.type) {
    if (!promotable(w.type, r.type)) out.push_back(type_mismatch(path, r, w));
    return out;
  }
  switch (r.type) {
    case AvroType::kArray:
      return check(*r.items, *w.items, path + "/items");
    case AvroType::kMap:
      return check(*r.values, *w.values, path + "/values");
    case AvroType::kRecord:
    case AvroType::kEnum:
    case AvroType::kFixed:
      return check_named(r, w, path);
    default:
      return out;  // the same primitive
  }
}

// The reader picks the first branch of the same type (and name), else the first one the
// writer's type promotes to; that branch must then read the writer's data.
std::vector<std::string> Checker::check_reader_union(const Node& r, const Node& w,
                                                     const std::string& path) {
  const Node* chosen = nullptr;
  for (const Node* b : r.branches) {
    if (b->type == w.type && (!is_named(w.type) || names_match(*b, w))) {
      chosen = b;
      break;
    }
  }
  for (size_t i = 0; chosen == nullptr && i < r.branches.size(); ++i) {
    if (promotable(w.type, r.branches[i]->type)) chosen = r.branches[i];
  }
  if (chosen != nullptr && check(*chosen, w, path).empty()) return {};
  return {missing_union_branch(path, w)};
}

std::vector<std::string> Checker::check_named(const Node& r, const Node& w,
                                              const std::string& path) {
  const Pair key(&r, &w);
  if (in_progress_.count(key) != 0 || compatible_.count(key) != 0) return {};
  in_progress_.insert(key);
  std::vector<std::string> out;
  if (!names_match(r, w)) {
    out.push_back(incompatibility(
        "NAME_MISMATCH",
        fmt::format("The name of the schema has changed (path '{}')", path + "/name"),
        fmt::format("expected: {}", w.full_name)));
  }
  if (r.type == AvroType::kRecord) {
    append(out, check_record(r, w, path));
  } else if (r.type == AvroType::kEnum && !r.enum_default) {
    std::vector<std::string> missing;
    for (const auto& s : w.symbols) {
      if (std::find(r.symbols.begin(), r.symbols.end(), s) == r.symbols.end()) {
        missing.push_back(s);
      }
    }
    if (!missing.empty()) {
      const std::string list = fmt::format("[{}]", fmt::join(missing, ", "));
      out.push_back(incompatibility("MISSING_ENUM_SYMBOLS",
                                    fmt::format("The new schema is missing enum symbols '{}' at "
                                                "path '{}' in the old schema",
                                                list, path + "/symbols"),
                                    list));
    }
  } else if (r.type == AvroType::kFixed && r.size != w.size) {
    out.push_back(incompatibility(
        "FIXED_SIZE_MISMATCH",
        fmt::format("The size of FIXED type field at path '{}' in the new schema does not match "
                    "with the old schema",
                    path + "/size"),
        fmt::format("expected: {}, found: {}", w.size, r.size)));
  }
  in_progress_.erase(key);
  if (out.empty()) compatible_.insert(key);
  return out;
}

std::vector<std::string> Checker::check_record(const Node& r, const Node& w,
                                               const std::string& path) {
  std::vector<std::string> out;
  for (size_t i = 0; i < r.fields.size(); ++i) {
    const Node::Field& rf = r.fields[i];
    const std::string field_path = fmt::format("{}/fields/{}", path, i);
    const auto find = [&w](const std::string& name) -> const Node::Field* {
      for (const auto& f : w.fields) {
        if (f.name == name) return &f;
      }
      return nullptr;
    };
    const Node::Field* wf = find(rf.name);
    for (size_t a = 0; wf == nullptr && a < rf.aliases.size(); ++a) wf = find(rf.aliases[a]);
    if (wf != nullptr) {
      append(out, check(*rf.type, *wf->type, field_path + "/type"));
    } else if (!rf.default_json) {
      out.push_back(incompatibility(
          "READER_FIELD_MISSING_DEFAULT_VALUE",
          fmt::format("The field '{}' at path '{}' in the new schema has no default value and is "
                      "missing in the old schema",
                      rf.name, field_path),
          rf.name));
    }
  }
  return out;
}

}  // namespace

Result<AvroSchema> AvroSchema::parse(std::string_view json) {
  const Json doc = Json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return invalid("the schema is not valid JSON");
  Parser parser;
  SLUICE_ASSIGN_OR_RETURN(const Node* root, parser.parse(doc, "", 0));
  SLUICE_RETURN_IF_ERROR(parser.check_defaults());
  AvroSchema schema;
  schema.root_ = std::shared_ptr<const Node>(parser.arena(), root);
  schema.canonical_ = CanonicalWriter().write(*root);
  return schema;
}

const std::string& AvroSchema::canonical() const {
  return canonical_;
}

std::vector<std::string> avro_incompatibilities(const AvroSchema& reader,
                                                const AvroSchema& writer) {
  return Checker().check(reader.root(), writer.root(), "");
}

std::string_view avro_type_name(AvroType t) {
  for (const auto& tn : kTypeNames) {
    if (tn.type == t) return tn.name;
  }
  return "?";
}

}  // namespace sluice::schema
