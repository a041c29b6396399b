#include "sql/catalog/catalog.h"

#include <fmt/format.h>

namespace sluice::sql {

std::vector<format::Column> DataSource::key_columns() const {
  std::vector<format::Column> out;
  for (const CatalogColumn& c : columns) {
    if (c.kind == ColumnKind::kKey) out.push_back({c.name, c.type});
  }
  return out;
}

std::vector<format::Column> DataSource::value_columns() const {
  std::vector<format::Column> out;
  for (const CatalogColumn& c : columns) {
    if (c.kind == ColumnKind::kValue) out.push_back({c.name, c.type});
  }
  return out;
}

int DataSource::find_column(std::string_view name) const {
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

std::string DataSource::schema_string() const {
  std::string s;
  for (const CatalogColumn& c : columns) {
    if (!s.empty()) s += ", ";
    s += fmt::format("`{}` {}", c.name, c.type.to_string());
    switch (c.kind) {
      case ColumnKind::kKey:
        s += is_table ? " PRIMARY KEY" : " KEY";
        break;
      case ColumnKind::kHeaders:
        s += " HEADERS";
        break;
      case ColumnKind::kHeader:
        s += fmt::format(" HEADER('{}')", c.header_key);
        break;
      case ColumnKind::kValue:
        break;
    }
  }
  return s;
}

Status Catalog::add_source(DataSourcePtr source, bool replace) {
  auto it = sources_.find(source->name);
  if (it != sources_.end() && !replace) {
    return Status::already_exists(
        fmt::format("Cannot add {} '{}': A {} with the same name already exists",
                    source->is_table ? "table" : "stream", source->name,
                    it->second->is_table ? "table" : "stream"));
  }
  std::string name = source->name;
  sources_[name] = std::move(source);
  return Status::ok();
}

DataSourcePtr Catalog::find_source(std::string_view name) const {
  auto it = sources_.find(name);
  return it == sources_.end() ? nullptr : it->second;
}

Status Catalog::drop_source(std::string_view name) {
  auto it = sources_.find(name);
  if (it == sources_.end()) {
    return Status::not_found(fmt::format("Source {} does not exist.", name));
  }
  sources_.erase(it);
  return Status::ok();
}

std::vector<DataSourcePtr> Catalog::sources() const {
  std::vector<DataSourcePtr> out;
  for (const auto& [name, s] : sources_) out.push_back(s);
  return out;
}

Status Catalog::add_type(std::string name, format::Type type) {
  if (types_.count(name)) {
    return Status::already_exists(
        fmt::format("Cannot register custom type '{}' since it is already registered with type: {}",
                    name, types_.at(name).to_string()));
  }
  types_.emplace(std::move(name), std::move(type));
  return Status::ok();
}

const format::Type* Catalog::find_type(std::string_view name) const {
  auto it = types_.find(name);
  return it == types_.end() ? nullptr : &it->second;
}

Status Catalog::drop_type(std::string_view name) {
  auto it = types_.find(name);
  if (it == types_.end()) return Status::not_found(fmt::format("Type {} does not exist.", name));
  types_.erase(it);
  return Status::ok();
}

std::optional<std::string> SessionState::property(std::string_view name) const {
  auto it = properties.find(name);
  if (it == properties.end()) return std::nullopt;
  return it->second;
}

Result<format::Type> resolve_type(const DataType& t, const Catalog& catalog) {
  using format::Type;
  switch (t.kind) {
    case TypeKind::kBoolean:
      return Type::boolean();
    case TypeKind::kInt:
      return Type::integer();
    case TypeKind::kBigInt:
      return Type::bigint();
    case TypeKind::kDouble:
      return Type::double_();
    case TypeKind::kDecimal: {
      if (auto err = format::check_decimal(t.precision, t.scale)) {
        return Status::invalid_argument(err->message);
      }
      return Type::decimal(t.precision, t.scale);
    }
    case TypeKind::kString:
      // VARCHAR(STRING) is how ksqlDB's DESCRIBE spells STRING; ksqlDB accepts it back.
      if (!t.params.empty() && !(t.params.size() == 1 && t.params[0].is_string_keyword)) {
        return Status::invalid_argument("Unknown type: VARCHAR with parameters");
      }
      return Type::string();
    case TypeKind::kBytes:
      return Type::bytes();
    case TypeKind::kTimestamp:
      return Type::timestamp();
    case TypeKind::kDate:
      return Type::date();
    case TypeKind::kTime:
      return Type::time();
    case TypeKind::kArray: {
      SLUICE_ASSIGN_OR_RETURN(Type e, resolve_type(t.element(), catalog));
      return Type::array(std::move(e));
    }
    case TypeKind::kMap: {
      SLUICE_ASSIGN_OR_RETURN(Type k, resolve_type(t.key(), catalog));
      SLUICE_ASSIGN_OR_RETURN(Type v, resolve_type(t.value(), catalog));
      return Type::map(std::move(k), std::move(v));
    }
    case TypeKind::kStruct: {
      std::vector<format::Field> fields;
      for (const StructField& f : t.fields) {
        for (const auto& prev : fields) {
          if (prev.name == f.name) {
            return Status::invalid_argument(
                fmt::format("Duplicate field names found in STRUCT: '{}'", f.name));
          }
        }
        SLUICE_ASSIGN_OR_RETURN(Type ft, resolve_type(f.type, catalog));
        fields.push_back({f.name, std::move(ft)});
      }
      return Type::struct_(std::move(fields));
    }
    case TypeKind::kCustom: {
      const Type* found = catalog.find_type(t.name);
      if (!found) return Status::invalid_argument(fmt::format("Unknown type: {}", t.name));
      return *found;
    }
  }
  return Status::internal("unknown type kind");
}

}  // namespace sluice::sql
