// JSON Schema compatibility (see json_schema_compat.h). A schema is first read into a tree of
// nodes the way the JSON Schema validator Confluent uses (everit) reads it, since its rules are
// stated over that model: a schema object becomes one node per facet it has (its type, enum,
// const, allOf/anyOf/oneOf, not), several facets an allOf of them; "type": [a, b] an anyOf; a
// local $ref the node it points to (so recursive schemas are cyclic graphs). The writer's tree
// ("original" in Confluent's terms) and the reader's ("update") are then compared, recording the
// changes Confluent counts as incompatible.
//
// Thread-safety: no shared state.
#include "schema/json_schema_compat.h"

#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <utility>

namespace sluice::schema {
// A named namespace around the anonymous one: unity builds put several files' helpers in one
// translation unit, where two anonymous namespaces would merge.
namespace json_schema_compat_internal {
namespace {

using Json = nlohmann::json;

constexpr int kMaxDepth = 200;
// Comparisons of combined schemas try every pair of subschemas, recursively: a bound on the work
// keeps a hostile schema from taking the registry's time.
constexpr int64_t kMaxComparisons = 200000;

enum class NodeKind : std::uint8_t {
  kEmpty,  // {} or true: anything
  kFalse,  // false: nothing
  kBoolean,
  kNull,
  kString,
  kNumber,  // "number" and "integer"
  kObject,
  kArray,
  kEnum,
  kConst,
  kCombined,
  kNot,
  kExternalRef,  // a $ref outside this document: compared by its text
};

enum class Criterion : std::uint8_t { kAllOf, kAnyOf, kOneOf };

std::string_view criterion_name(Criterion c) {
  switch (c) {
    case Criterion::kAllOf:
      return "allOf";
    case Criterion::kAnyOf:
      return "anyOf";
    case Criterion::kOneOf:
      return "oneOf";
  }
  return "?";
}

struct Node {
  NodeKind kind = NodeKind::kEmpty;
  // Where it was read from, and which facet of that object it is: together its identity when
  // duplicate subschemas of an allOf/anyOf/oneOf are collapsed.
  const Json* source = nullptr;
  std::string facet;

  // string
  std::optional<double> max_length, min_length;
  std::optional<std::string> pattern;
  // number
  std::optional<double> maximum, minimum, exclusive_maximum, exclusive_minimum, multiple_of;
  bool integer = false;
  // object
  std::vector<std::pair<std::string, const Node*>> properties;
  std::set<std::string> required;
  std::set<std::string> with_default;  // properties whose schema has a default
  bool permits_additional_properties = true;
  const Node* additional_properties = nullptr;  // a schema for them
  std::vector<std::pair<std::string, const Node*>> pattern_properties;
  std::optional<double> max_properties, min_properties;
  std::map<std::string, std::set<std::string>> property_dependencies;
  std::map<std::string, const Node*> schema_dependencies;
  // array
  const Node* all_items = nullptr;
  std::vector<const Node*> item_list;  // tuple validation
  bool permits_additional_items = true;
  const Node* additional_items = nullptr;
  std::optional<double> max_items, min_items;
  bool unique_items = false;
  // enum and const
  std::vector<Json> values;
  // allOf / anyOf / oneOf
  Criterion criterion = Criterion::kAllOf;
  std::vector<const Node*> subschemas;
  // not
  const Node* negated = nullptr;
  // external $ref
  std::string ref;

  const Node* property(const std::string& name) const {
    for (const auto& [n, s] : properties) {
      if (n == name) return s;
    }
    return nullptr;
  }
};

std::optional<double> number_at(const Json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number()) return std::nullopt;
  return it->get<double>();
}

// Reads schema documents into nodes. Nodes live as long as the reader.
class Reader {
 public:
  explicit Reader(const Json& root) : root_(root) {}

  Result<const Node*> read() {
    const Node* n = read(root_, 0);
    if (!error_.empty()) return Status::invalid_argument(error_);
    return n;
  }

 private:
  Node* make(NodeKind kind, const Json* source, std::string facet) {
    Node& n = nodes_.emplace_back();
    n.kind = kind;
    n.source = source;
    n.facet = std::move(facet);
    return &n;
  }

  void fail(std::string message) {
    if (error_.empty()) error_ = std::move(message);
  }

  // A local reference ("#", "#/definitions/a", "#/$defs/a"): the JSON it points to, or nullptr.
  const Json* resolve(const std::string& ref) const {
    if (ref == "#") return &root_;
    if (!ref.starts_with("#/")) return nullptr;
    const Json* at = &root_;
    size_t start = 2;
    while (at != nullptr) {
      const size_t slash = ref.find('/', start);
      std::string token = ref.substr(start, slash == std::string::npos ? slash : slash - start);
      std::string unescaped;
      for (size_t i = 0; i < token.size(); ++i) {
        if (token[i] == '~' && i + 1 < token.size() &&
            (token[i + 1] == '0' || token[i + 1] == '1')) {
          unescaped += token[i + 1] == '0' ? '~' : '/';
          ++i;
        } else if (token[i] == '%' && i + 2 < token.size() &&
                   std::isxdigit(static_cast<unsigned char>(token[i + 1])) &&
                   std::isxdigit(static_cast<unsigned char>(token[i + 2]))) {
          unescaped += static_cast<char>(std::stoi(token.substr(i + 1, 2), nullptr, 16));
          i += 2;
        } else {
          unescaped += token[i];
        }
      }
      if (at->is_object()) {
        auto it = at->find(unescaped);
        at = it == at->end() ? nullptr : &*it;
      } else if (at->is_array()) {
        size_t index = 0;
        bool digits = !unescaped.empty() && unescaped.size() < 10;
        for (char c : unescaped) {
          if (c < '0' || c > '9') digits = false;
        }
        if (digits) index = std::stoul(unescaped);
        at = digits && index < at->size() ? &(*at)[index] : nullptr;
      } else {
        at = nullptr;
      }
      if (slash == std::string::npos) break;
      start = slash + 1;
    }
    return at;
  }

  const Node* read(const Json& j, int depth) {
    if (auto it = cache_.find(&j); it != cache_.end()) return it->second;
    if (depth > kMaxDepth) {
      fail("the schema is nested too deeply");
      return make(NodeKind::kEmpty, &j, "");
    }
    if (j.is_boolean()) return make(j.get<bool>() ? NodeKind::kEmpty : NodeKind::kFalse, &j, "");
    if (!j.is_object()) {
      fail(fmt::format("a schema must be an object or a boolean, not {}", j.type_name()));
      return make(NodeKind::kEmpty, &j, "");
    }
    if (auto ref = j.find("$ref"); ref != j.end() && ref->is_string()) {
      // Keywords beside a $ref are ignored (draft 7), as the validator Confluent uses does.
      const std::string& text = ref->get_ref<const std::string&>();
      if (const Json* target = resolve(text)) return read(*target, depth + 1);
      Node* n = make(NodeKind::kExternalRef, &j, "");
      n->ref = text;
      return n;
    }
    // Made (and cached) first, filled after: a $ref back to this schema finds it.
    Node* self = make(NodeKind::kEmpty, &j, "");
    cache_[&j] = self;
    std::vector<Node*> facets;
    if (auto it = j.find("enum"); it != j.end() && it->is_array()) {
      Node* n = make(NodeKind::kEnum, &j, "enum");
      n->values.assign(it->begin(), it->end());
      facets.push_back(n);
    }
    if (auto it = j.find("const"); it != j.end()) {
      Node* n = make(NodeKind::kConst, &j, "const");
      n->values.push_back(*it);
      facets.push_back(n);
    }
    for (Criterion c : {Criterion::kAllOf, Criterion::kAnyOf, Criterion::kOneOf}) {
      auto it = j.find(std::string(criterion_name(c)));
      if (it == j.end()) continue;
      if (!it->is_array()) {
        fail(fmt::format("{} must be an array", criterion_name(c)));
        continue;
      }
      Node* n = make(NodeKind::kCombined, &j, std::string(criterion_name(c)));
      n->criterion = c;
      for (const Json& s : *it) n->subschemas.push_back(read(s, depth + 1));
      facets.push_back(n);
    }
    if (auto it = j.find("not"); it != j.end()) {
      Node* n = make(NodeKind::kNot, &j, "not");
      n->negated = read(*it, depth + 1);
      facets.push_back(n);
    }
    read_types(j, depth, facets);
    if (facets.size() == 1) {
      *self = *facets[0];
    } else if (facets.size() > 1) {
      self->kind = NodeKind::kCombined;
      self->criterion = Criterion::kAllOf;
      self->subschemas.assign(facets.begin(), facets.end());
    }
    return self;
  }

  // The type facets: from "type", else from the keywords of each type present.
  void read_types(const Json& j, int depth, std::vector<Node*>& facets) {
    auto type = j.find("type");
    if (type != j.end()) {
      if (type->is_string()) {
        if (Node* n = typed(j, type->get_ref<const std::string&>(), depth)) facets.push_back(n);
      } else if (type->is_array()) {
        Node* any = make(NodeKind::kCombined, &j, "type");
        any->criterion = Criterion::kAnyOf;
        for (const Json& t : *type) {
          if (!t.is_string()) {
            fail("type must be a string or an array of strings");
            continue;
          }
          if (Node* n = typed(j, t.get_ref<const std::string&>(), depth)) {
            any->subschemas.push_back(n);
          }
        }
        facets.push_back(any);
      } else {
        fail("type must be a string or an array of strings");
      }
      return;
    }
    const auto has_any = [&j](std::initializer_list<const char*> keys) {
      for (const char* k : keys) {
        if (j.contains(k)) return true;
      }
      return false;
    };
    if (has_any({"properties", "required", "additionalProperties", "patternProperties",
                 "minProperties", "maxProperties", "dependencies"})) {
      facets.push_back(typed(j, "object", depth));
    }
    if (has_any({"items", "additionalItems", "minItems", "maxItems", "uniqueItems"})) {
      facets.push_back(typed(j, "array", depth));
    }
    if (has_any({"minLength", "maxLength", "pattern"})) facets.push_back(typed(j, "string", depth));
    if (has_any({"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"})) {
      facets.push_back(typed(j, "number", depth));
    }
  }

  Node* typed(const Json& j, const std::string& type, int depth) {
    if (type == "string") {
      Node* n = make(NodeKind::kString, &j, "type:string");
      n->max_length = number_at(j, "maxLength");
      n->min_length = number_at(j, "minLength");
      if (auto it = j.find("pattern"); it != j.end() && it->is_string()) n->pattern = *it;
      return n;
    }
    if (type == "number" || type == "integer") {
      Node* n = make(NodeKind::kNumber, &j, "type:" + type);
      n->integer = type == "integer";
      n->maximum = number_at(j, "maximum");
      n->minimum = number_at(j, "minimum");
      // Draft 4's boolean exclusiveMaximum/Minimum are not limits of their own.
      n->exclusive_maximum = number_at(j, "exclusiveMaximum");
      n->exclusive_minimum = number_at(j, "exclusiveMinimum");
      n->multiple_of = number_at(j, "multipleOf");
      return n;
    }
    if (type == "boolean") return make(NodeKind::kBoolean, &j, "type:boolean");
    if (type == "null") return make(NodeKind::kNull, &j, "type:null");
    if (type == "object") return object(j, depth);
    if (type == "array") return array(j, depth);
    fail(fmt::format("unknown type '{}'", type));
    return nullptr;
  }

  Node* object(const Json& j, int depth) {
    Node* n = make(NodeKind::kObject, &j, "type:object");
    if (auto it = j.find("properties"); it != j.end() && it->is_object()) {
      for (const auto& [name, s] : it->items()) {
        n->properties.emplace_back(name, read(s, depth + 1));
        if (s.is_object() && s.contains("default")) n->with_default.insert(name);
      }
    }
    if (auto it = j.find("required"); it != j.end() && it->is_array()) {
      for (const Json& r : *it) {
        if (r.is_string()) n->required.insert(r.get<std::string>());
      }
    }
    if (auto it = j.find("additionalProperties"); it != j.end()) {
      if (it->is_boolean()) {
        n->permits_additional_properties = it->get<bool>();
      } else {
        n->additional_properties = read(*it, depth + 1);
      }
    }
    if (auto it = j.find("patternProperties"); it != j.end() && it->is_object()) {
      for (const auto& [pattern, s] : it->items()) {
        n->pattern_properties.emplace_back(pattern, read(s, depth + 1));
      }
    }
    n->max_properties = number_at(j, "maxProperties");
    n->min_properties = number_at(j, "minProperties");
    if (auto it = j.find("dependencies"); it != j.end() && it->is_object()) {
      for (const auto& [name, d] : it->items()) {
        if (d.is_array()) {
          std::set<std::string>& names = n->property_dependencies[name];
          for (const Json& p : d) {
            if (p.is_string()) names.insert(p.get<std::string>());
          }
        } else {
          n->schema_dependencies[name] = read(d, depth + 1);
        }
      }
    }
    return n;
  }

  Node* array(const Json& j, int depth) {
    Node* n = make(NodeKind::kArray, &j, "type:array");
    if (auto it = j.find("items"); it != j.end()) {
      if (it->is_array()) {
        for (const Json& s : *it) n->item_list.push_back(read(s, depth + 1));
      } else {
        n->all_items = read(*it, depth + 1);
      }
    }
    if (auto it = j.find("additionalItems"); it != j.end()) {
      if (it->is_boolean()) {
        n->permits_additional_items = it->get<bool>();
      } else {
        n->additional_items = read(*it, depth + 1);
      }
    }
    n->max_items = number_at(j, "maxItems");
    n->min_items = number_at(j, "minItems");
    if (auto it = j.find("uniqueItems"); it != j.end() && it->is_boolean()) {
      n->unique_items = it->get<bool>();
    }
    return n;
  }

  const Json& root_;
  std::deque<Node> nodes_;
  std::map<const Json*, Node*> cache_;
  std::string error_;
};

// ---------------------------------------------------------------------------------------------
// The comparison: `o` the writer's schema, `u` the reader's (Confluent's original and update).

// Confluent's wording, word for word (its slips included: "The new has a closed content model"),
// by the group each error type belongs to; first the reader's role, then the writer's.
std::string describe(std::string_view type, const std::string& p, std::string_view r,
                     std::string_view w) {
  const auto in = [type](std::initializer_list<std::string_view> names) {
    for (std::string_view n : names) {
      if (n == type) return true;
    }
    return false;
  };
  if (in({"MAXIMUM_ADDED", "MINIMUM_ADDED", "EXCLUSIVE_MAXIMUM_ADDED", "EXCLUSIVE_MINIMUM_ADDED",
          "MULTIPLE_OF_ADDED", "MAX_LENGTH_ADDED", "MIN_LENGTH_ADDED", "PATTERN_ADDED",
          "REQUIRED_ATTRIBUTE_ADDED", "MAX_PROPERTIES_ADDED", "MIN_PROPERTIES_ADDED",
          "DEPENDENCY_ARRAY_ADDED", "DEPENDENCY_SCHEMA_ADDED", "MAX_ITEMS_ADDED", "MIN_ITEMS_ADDED",
          "UNIQUE_ITEMS_ADDED", "ADDITIONAL_ITEMS_REMOVED", "ADDITIONAL_PROPERTIES_REMOVED"})) {
    return fmt::format("The keyword at path '{}' in the {} schema is not present in the {} schema",
                       p, r, w);
  }
  if (in({"MIN_LENGTH_INCREASED", "MINIMUM_INCREASED", "EXCLUSIVE_MINIMUM_INCREASED",
          "MIN_PROPERTIES_INCREASED", "MULTIPLE_OF_EXPANDED", "MIN_ITEMS_INCREASED"})) {
    return fmt::format(
        "The value at path '{}' in the {} schema is more than its value in the {} "
        "schema",
        p, r, w);
  }
  if (in({"MAX_LENGTH_DECREASED", "MAXIMUM_DECREASED", "MAX_ITEMS_DECREASED",
          "EXCLUSIVE_MAXIMUM_DECREASED", "MAX_PROPERTIES_DECREASED"})) {
    return fmt::format(
        "The value at path '{}' in the {} schema is less than its value in the {} "
        "schema",
        p, r, w);
  }
  if (in({"PATTERN_CHANGED", "MULTIPLE_OF_CHANGED", "DEPENDENCY_ARRAY_CHANGED"})) {
    return fmt::format("The value at path '{}' is different between the {} and {} schema", p, r, w);
  }
  if (in({"ADDITIONAL_ITEMS_NARROWED", "ENUM_ARRAY_NARROWED", "SUM_TYPE_NARROWED",
          "ADDITIONAL_PROPERTIES_NARROWED"})) {
    return fmt::format(
        "An array or combined type at path '{}' has fewer elements in the {} schema "
        "than the {} schema",
        p, r, w);
  }
  if (in({"DEPENDENCY_ARRAY_EXTENDED", "PRODUCT_TYPE_EXTENDED", "SUM_TYPE_EXTENDED",
          "NOT_TYPE_EXTENDED"})) {
    return fmt::format(
        "An array or combined type at path '{}' has more elements in the {} schema "
        "than the {} schema",
        p, r, w);
  }
  if (in({"TYPE_CHANGED", "TYPE_NARROWED", "COMBINED_TYPE_CHANGED",
          "COMBINED_TYPE_SUBSCHEMAS_CHANGED", "ENUM_ARRAY_CHANGED"})) {
    return fmt::format("A type at path '{}' is different between the {} schema and the {} schema",
                       p, r, w);
  }
  if (in({"PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL", "ITEM_ADDED_TO_OPEN_CONTENT_MODEL"})) {
    return fmt::format(
        "The {} schema has an open content model and has a property or item at path "
        "'{}' which is missing in the {} schema",
        r, p, w);
  }
  if (type == "REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL") {
    return fmt::format(
        "The {} schema has an unopen content model and has a required property at "
        "path '{}' which is missing in the {} schema",
        r, p, w);
  }
  if (in({"PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL",
          "ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL"})) {
    return fmt::format(
        "The {} has a closed content model and is missing a property or item present "
        "at path '{}' in the {} schema",
        r, p, w);
  }
  if (in({"PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
          "ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"})) {
    return fmt::format(
        "A property or item is missing in the {} schema but present at path '{}' in "
        "the {} schema and is not covered by its partially open content model",
        r, p, w);
  }
  if (in({"PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
          "ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"})) {
    return fmt::format(
        "The {} schema has a property or item at path '{}' which is missing in the {} "
        "schema and is not covered by its partially open content model",
        r, p, w);
  }
  // SCHEMA_ADDED: Confluent's description is empty; say what it is.
  return fmt::format(
      "The {} schema has a schema at path '{}' which is not present in the {} "
      "schema",
      r, p, w);
}

struct Diff {
  std::string type;  // Confluent's Difference.Type name
  std::string path;  // "#/properties/a"
};

bool is_open(const Node& n) {
  return n.pattern_properties.empty() && n.additional_properties == nullptr &&
         n.permits_additional_properties;
}

bool is_open_items(const Node& n) {
  return n.additional_items == nullptr && n.permits_additional_items;
}

// The schema a partially open object gives property `name`: the first patternProperties entry
// matching it, else its additionalProperties schema; nullptr when neither.
const Node* partial_schema(const Node& n, const std::string& name) {
  for (const auto& [pattern, schema] : n.pattern_properties) {
    try {
      if (std::regex_search(name, std::regex(pattern, std::regex::ECMAScript))) return schema;
    } catch (const std::regex_error&) {
      // A pattern std::regex cannot read matches nothing here.
    }
  }
  return n.additional_properties;
}

std::string identity(const Node& n) {
  if (n.source == nullptr) return n.facet;
  return n.source->dump(-1, ' ', false, Json::error_handler_t::replace) + "\n" + n.facet;
}

class Differ {
 public:
  void compare(const Node* o, const Node* u);
  std::vector<Diff> take() { return std::move(out_); }
  bool exhausted() const { return comparisons_ > kMaxComparisons; }

 private:
  void add(std::string type) { out_.push_back({std::move(type), path_string()}); }
  void add(const std::string& attribute, std::string type) {
    path_.push_back(attribute);
    add(std::move(type));
    path_.pop_back();
  }
  std::string path_string() const {
    std::string s = "#/";
    for (size_t i = 0; i < path_.size(); ++i) {
      if (i > 0) s += '/';
      s += path_[i];
    }
    return s;
  }

  class Scope {
   public:
    Scope(Differ& d, std::string part) : d_(d) { d_.path_.push_back(std::move(part)); }
    ~Scope() { d_.path_.pop_back(); }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    Differ& d_;
  };

  // The incompatibilities of comparing o with u here, without recording them.
  std::vector<Diff> trial(const Node* o, const Node* u) {
    std::vector<Diff> saved = std::move(out_);
    out_.clear();
    compare(o, u);
    std::vector<Diff> found = std::move(out_);
    out_ = std::move(saved);
    return found;
  }
  void append(std::vector<Diff> diffs) {
    for (Diff& d : diffs) out_.push_back(std::move(d));
  }

  void compare_bounds(const std::optional<double>& o, const std::optional<double>& u,
                      const std::string& keyword, const std::string& prefix, bool upper) {
    if (o == u) return;
    if (!o) {
      add(keyword, prefix + "_ADDED");
    } else if (!u) {
      // removed: compatible
    } else if (upper && *u < *o) {
      add(keyword, prefix + "_DECREASED");
    } else if (!upper && *u > *o) {
      add(keyword, prefix + "_INCREASED");
    }
  }

  void compare_string(const Node& o, const Node& u);
  void compare_number(const Node& o, const Node& u);
  void compare_enum(const Node& o, const Node& u);
  void compare_combined(const Node& o, const Node& u);
  void compare_object(const Node& o, const Node& u);
  void compare_array(const Node& o, const Node& u);

  std::vector<std::string> path_;
  std::vector<Diff> out_;
  std::set<const Node*> in_progress_;
  std::map<const Node*, std::string> identities_;  // identity() of each, computed once
  int64_t comparisons_ = 0;
};

void Differ::compare(const Node* o, const Node* u) {
  if (++comparisons_ > kMaxComparisons) return;
  if (o == nullptr && u == nullptr) return;
  if (o == nullptr) {
    add("SCHEMA_ADDED");
    return;
  }
  if (u == nullptr) return;  // SCHEMA_REMOVED: compatible

  // A combined schema against a plain one: a singleton reads as its one member; a reader anyOf or
  // oneOf reads whatever one of its members does; a writer allOf writes what each member allows.
  const bool o_combined = o->kind == NodeKind::kCombined;
  const bool u_combined = u->kind == NodeKind::kCombined;
  if (!o_combined && u_combined) {
    if (u->subschemas.size() == 1) {
      if (trial(o, u->subschemas[0]).empty()) return;
    } else if (u->criterion != Criterion::kAllOf) {
      for (const Node* s : u->subschemas) {
        if (trial(o, s).empty()) return;  // SUM_TYPE_EXTENDED: compatible
      }
    }
  } else if (o_combined && !u_combined) {
    if (o->subschemas.size() == 1) {
      if (trial(o->subschemas[0], u).empty()) return;
    } else if (o->criterion == Criterion::kAllOf) {
      for (const Node* s : o->subschemas) {
        if (trial(s, u).empty()) return;  // PRODUCT_TYPE_NARROWED: compatible
      }
    }
  }

  if (o->kind != u->kind) {
    // Nothing was written (false), or the reader takes anything (true, {}).
    if (o->kind != NodeKind::kFalse && u->kind != NodeKind::kEmpty) add("TYPE_CHANGED");
    return;
  }
  if (!in_progress_.insert(o).second) return;  // a recursive schema: already being compared
  switch (o->kind) {
    case NodeKind::kString:
      compare_string(*o, *u);
      break;
    case NodeKind::kNumber:
      compare_number(*o, *u);
      break;
    case NodeKind::kEnum:
      compare_enum(*o, *u);
      break;
    case NodeKind::kConst:
      if (o->values != u->values) add("const", "ENUM_ARRAY_CHANGED");
      break;
    case NodeKind::kCombined:
      compare_combined(*o, *u);
      break;
    case NodeKind::kNot: {
      // not A reads not B when B reads A: the roles reverse.
      Scope scope(*this, "not");
      if (!trial(u->negated, o->negated).empty()) add("NOT_TYPE_EXTENDED");
      break;
    }
    case NodeKind::kObject:
      compare_object(*o, *u);
      break;
    case NodeKind::kArray:
      compare_array(*o, *u);
      break;
    case NodeKind::kExternalRef:
      if (o->ref != u->ref) add("TYPE_CHANGED");
      break;
    default:  // empty, false, boolean, null: nothing more to compare
      break;
  }
  in_progress_.erase(o);
}

void Differ::compare_string(const Node& o, const Node& u) {
  compare_bounds(o.max_length, u.max_length, "maxLength", "MAX_LENGTH", true);
  compare_bounds(o.min_length, u.min_length, "minLength", "MIN_LENGTH", false);
  if (!o.pattern && u.pattern) {
    add("pattern", "PATTERN_ADDED");
  } else if (o.pattern && u.pattern && *o.pattern != *u.pattern) {
    add("pattern", "PATTERN_CHANGED");
  }
}

void Differ::compare_number(const Node& o, const Node& u) {
  compare_bounds(o.maximum, u.maximum, "maximum", "MAXIMUM", true);
  compare_bounds(o.minimum, u.minimum, "minimum", "MINIMUM", false);
  compare_bounds(o.exclusive_maximum, u.exclusive_maximum, "exclusiveMaximum", "EXCLUSIVE_MAXIMUM",
                 true);
  compare_bounds(o.exclusive_minimum, u.exclusive_minimum, "exclusiveMinimum", "EXCLUSIVE_MINIMUM",
                 false);
  if (o.multiple_of != u.multiple_of) {
    const auto divides = [](double divisor, double x) {
      if (divisor == 0) return false;
      const double q = x / divisor;
      return std::isfinite(q) && std::fabs(q - std::round(q)) < 1e-9;
    };
    if (!o.multiple_of) {
      add("multipleOf", "MULTIPLE_OF_ADDED");
    } else if (!u.multiple_of) {
      // removed: compatible
    } else if (divides(*o.multiple_of, *u.multiple_of)) {
      add("multipleOf", "MULTIPLE_OF_EXPANDED");  // fewer values are multiples of the new one
    } else if (!divides(*u.multiple_of, *o.multiple_of)) {
      add("multipleOf", "MULTIPLE_OF_CHANGED");
    }
  }
  // integer -> number widens (TYPE_EXTENDED); number -> integer narrows.
  if (!o.integer && u.integer) add("TYPE_NARROWED");
}

void Differ::compare_enum(const Node& o, const Node& u) {
  const auto contains_all = [](const std::vector<Json>& big, const std::vector<Json>& small) {
    for (const Json& v : small) {
      if (std::find(big.begin(), big.end(), v) == big.end()) return false;
    }
    return true;
  };
  const bool extended = contains_all(u.values, o.values);
  const bool narrowed = contains_all(o.values, u.values);
  if (extended) return;  // the same values, or more: ENUM_ARRAY_EXTENDED is compatible
  add("enum", narrowed ? "ENUM_ARRAY_NARROWED" : "ENUM_ARRAY_CHANGED");
}

void Differ::compare_combined(const Node& o, const Node& u) {
  if (o.criterion != u.criterion) {
    const bool o_single = o.subschemas.size() == 1;
    const bool u_single = u.subschemas.size() == 1;
    const bool extended = u.criterion == Criterion::kAnyOf || (o_single && u_single) ||
                          (o_single && u.criterion == Criterion::kOneOf) ||
                          (u_single && o.criterion == Criterion::kAllOf);
    if (!extended) {
      add("COMBINED_TYPE_CHANGED");
      return;
    }
  }
  // Duplicate subschemas collapse (the same JSON twice is one alternative).
  const auto distinct = [this](const std::vector<const Node*>& all) {
    std::vector<const Node*> out;
    std::set<std::string_view> seen;
    for (const Node* n : all) {
      auto it = identities_.find(n);
      if (it == identities_.end()) it = identities_.emplace(n, identity(*n)).first;
      if (seen.insert(it->second).second) out.push_back(n);
    }
    return out;
  };
  const std::vector<const Node*> os = distinct(o.subschemas);
  const std::vector<const Node*> us = distinct(u.subschemas);
  if (os.size() < us.size() && u.criterion == Criterion::kAllOf) add("PRODUCT_TYPE_EXTENDED");
  if (os.size() > us.size() && o.criterion != Criterion::kAllOf) add("SUM_TYPE_NARROWED");

  // Which reader subschema reads which writer one: a maximum matching of the compatible pairs
  // must cover the smaller side.
  std::vector<std::vector<size_t>> readable(os.size());
  for (size_t i = 0; i < os.size(); ++i) {
    Scope scope(*this, fmt::format("{}/{}", criterion_name(o.criterion), i));
    for (size_t k = 0; k < us.size(); ++k) {
      if (trial(os[i], us[k]).empty()) readable[i].push_back(k);
    }
  }
  std::vector<int> match_of(us.size(), -1);
  size_t matched = 0;
  for (size_t i = 0; i < os.size(); ++i) {
    std::vector<bool> visited(us.size(), false);
    // Kuhn's augmenting paths (the sides are small).
    const auto augment = [&](const auto& self, size_t from) -> bool {
      for (size_t k : readable[from]) {
        if (visited[k]) continue;
        visited[k] = true;
        if (match_of[k] < 0 || self(self, static_cast<size_t>(match_of[k]))) {
          match_of[k] = static_cast<int>(from);
          return true;
        }
      }
      return false;
    };
    if (augment(augment, i)) ++matched;
  }
  if (matched < std::min(os.size(), us.size())) add("COMBINED_TYPE_SUBSCHEMAS_CHANGED");
}

void Differ::compare_object(const Node& o, const Node& u) {
  {
    Scope scope(*this, "required");
    for (const auto& [name, schema] : o.properties) {
      if (u.property(name) == nullptr) continue;
      if (o.required.count(name) == 0 && u.required.count(name) != 0 &&
          u.with_default.count(name) == 0) {
        add(name, "REQUIRED_ATTRIBUTE_ADDED");
      }
    }
  }
  {
    Scope scope(*this, "properties");
    for (const auto& [name, os] : o.properties) {
      Scope prop(*this, name);
      if (const Node* us = u.property(name)) {
        compare(os, us);
      } else if (is_open(u)) {
        // removed from an open model: the reader takes it as any additional property
      } else if (const Node* partial = partial_schema(u, name)) {
        std::vector<Diff> found = trial(os, partial);
        const bool covered = found.empty();
        append(std::move(found));
        if (!covered) add("PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL");
      } else if (os->kind != NodeKind::kFalse) {
        add("PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL");
      }
    }
    for (const auto& [name, us] : u.properties) {
      if (o.property(name) != nullptr) continue;
      Scope prop(*this, name);
      if (is_open(o)) {
        // The writer may have written anything under this name.
        if (us->kind != NodeKind::kEmpty) add("PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL");
        continue;
      }
      if (const Node* partial = partial_schema(o, name)) {
        std::vector<Diff> found = trial(partial, us);
        const bool covered = found.empty();
        append(std::move(found));
        if (!covered) add("PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL");
      }
      if (u.required.count(name) != 0 && u.with_default.count(name) == 0) {
        add("REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL");
      }
    }
  }
  {
    Scope scope(*this, "dependencies");
    for (const auto& [name, uses] : u.property_dependencies) {
      Scope dep(*this, name);
      auto it = o.property_dependencies.find(name);
      if (it == o.property_dependencies.end()) {
        add("DEPENDENCY_ARRAY_ADDED");
      } else if (it->second != uses) {
        const bool extended =
            std::includes(uses.begin(), uses.end(), it->second.begin(), it->second.end());
        const bool narrowed =
            std::includes(it->second.begin(), it->second.end(), uses.begin(), uses.end());
        if (extended) {
          add("DEPENDENCY_ARRAY_EXTENDED");
        } else if (!narrowed) {
          add("DEPENDENCY_ARRAY_CHANGED");
        }
      }
    }
    for (const auto& [name, us] : u.schema_dependencies) {
      Scope dep(*this, name);
      auto it = o.schema_dependencies.find(name);
      if (it == o.schema_dependencies.end()) {
        add("DEPENDENCY_SCHEMA_ADDED");
      } else {
        compare(it->second, us);
      }
    }
  }
  {
    Scope scope(*this, "additionalProperties");
    if (o.permits_additional_properties != u.permits_additional_properties) {
      if (!u.permits_additional_properties) add("ADDITIONAL_PROPERTIES_REMOVED");
    } else if (o.additional_properties == nullptr && u.additional_properties != nullptr) {
      add("ADDITIONAL_PROPERTIES_NARROWED");
    } else if (o.additional_properties != nullptr && u.additional_properties != nullptr) {
      compare(o.additional_properties, u.additional_properties);
    }
  }
  compare_bounds(o.max_properties, u.max_properties, "maxProperties", "MAX_PROPERTIES", true);
  compare_bounds(o.min_properties, u.min_properties, "minProperties", "MIN_PROPERTIES", false);
}

void Differ::compare_array(const Node& o, const Node& u) {
  {
    Scope scope(*this, "items");
    compare(o.all_items, u.all_items);
  }
  const size_t common = std::min(o.item_list.size(), u.item_list.size());
  for (size_t i = 0; i < common; ++i) {
    Scope scope(*this, fmt::format("items/{}", i));
    compare(o.item_list[i], u.item_list[i]);
  }
  for (size_t i = common; i < o.item_list.size(); ++i) {
    Scope scope(*this, fmt::format("items/{}", i));
    if (is_open_items(u)) continue;  // the reader takes it as an additional item
    if (u.additional_items != nullptr) {
      std::vector<Diff> found = trial(o.item_list[i], u.additional_items);
      const bool covered = found.empty();
      append(std::move(found));
      if (!covered) add("ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL");
    } else if (o.item_list[i]->kind != NodeKind::kFalse) {
      add("ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL");
    }
  }
  for (size_t i = common; i < u.item_list.size(); ++i) {
    Scope scope(*this, fmt::format("items/{}", i));
    if (is_open_items(o)) {
      if (u.item_list[i]->kind != NodeKind::kEmpty) add("ITEM_ADDED_TO_OPEN_CONTENT_MODEL");
    } else if (o.additional_items != nullptr) {
      std::vector<Diff> found = trial(o.additional_items, u.item_list[i]);
      const bool covered = found.empty();
      append(std::move(found));
      if (!covered) add("ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL");
    }
    // else: added to a closed model, where the writer wrote no such item: compatible
  }
  {
    Scope scope(*this, "additionalItems");
    if (o.permits_additional_items != u.permits_additional_items) {
      if (!u.permits_additional_items) add("ADDITIONAL_ITEMS_REMOVED");
    } else if (o.additional_items == nullptr && u.additional_items != nullptr) {
      add("ADDITIONAL_ITEMS_NARROWED");
    } else if (o.additional_items != nullptr && u.additional_items != nullptr) {
      compare(o.additional_items, u.additional_items);
    }
  }
  compare_bounds(o.max_items, u.max_items, "maxItems", "MAX_ITEMS", true);
  compare_bounds(o.min_items, u.min_items, "minItems", "MIN_ITEMS", false);
  if (!o.unique_items && u.unique_items) add("uniqueItems", "UNIQUE_ITEMS_ADDED");
}

// Parses and reads a schema document; `doc` must outlive the nodes.
Status parse(std::string_view text, Json& doc) {
  doc = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Status::invalid_argument("the schema is not valid JSON");
  return Status::ok();
}

}  // namespace
}  // namespace json_schema_compat_internal

Status validate_json_schema(std::string_view schema) {
  using namespace json_schema_compat_internal;
  Json doc;
  SLUICE_RETURN_IF_ERROR(parse(schema, doc));
  Reader reader(doc);
  auto root = reader.read();
  return root.is_ok() ? Status::ok() : root.status();
}

std::vector<std::string> json_schema_incompatibilities(std::string_view reader,
                                                       std::string_view writer,
                                                       std::string_view reader_role,
                                                       std::string_view writer_role) {
  using namespace json_schema_compat_internal;
  Json r_doc, w_doc;
  if (Status s = parse(reader, r_doc); !s.is_ok()) return {"Invalid schema: " + s.message()};
  if (Status s = parse(writer, w_doc); !s.is_ok()) return {"Invalid schema: " + s.message()};
  Reader r_reader(r_doc), w_reader(w_doc);
  auto r = r_reader.read();
  if (!r.is_ok()) return {"Invalid schema: " + r.status().message()};
  auto w = w_reader.read();
  if (!w.is_ok()) return {"Invalid schema: " + w.status().message()};
  Differ differ;
  differ.compare(*w, *r);
  if (differ.exhausted()) {
    return {"The schemas are too complex to check for compatibility"};
  }
  std::vector<std::string> out;
  std::set<std::pair<std::string, std::string>> seen;
  for (const Diff& d : differ.take()) {
    if (!seen.insert({d.type, d.path}).second) continue;
    // Confluent's form, its closing single quote after a double-quoted description included.
    out.push_back(fmt::format("{{errorType:\"{}\", description:\"{}'}}", d.type,
                              describe(d.type, d.path, reader_role, writer_role)));
  }
  return out;
}

}  // namespace sluice::schema
