// INSERT INTO name [(columns)] VALUES (...): evaluates the values, encodes one record with the
// target's formats and appends it to the target's topic.
#include <algorithm>
#include <chrono>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "sql/engine/engine.h"
#include "sql/exec/expression_executor.h"
#include "sql/functions/builtins.h"
#include "sql/functions/vector_ops.h"
#include "sql/planner/binder.h"

namespace sluice::sql {

namespace {

// A STRUCT(...) value takes the column's fields, as ksqlDB coerces it: its fields by name, NULL
// for the ones it lacks (STRUCT() is all NULLs); fields the column does not have are dropped.
// Also inside ARRAY[...] constructors.
void coerce_constructor(BoundExpr& e, const format::Type& type) {
  if (e.kind == BoundKind::kArrayCtor && type.id() == format::TypeId::kArray) {
    bool changed = false;
    for (BoundExprPtr& c : e.children) {
      if (!c) continue;
      coerce_constructor(*c, type.element());
      changed = true;
    }
    if (changed && e.children.front()) e.type = format::Type::array(e.children.front()->type);
    return;
  }
  if (e.kind != BoundKind::kStructCtor || type.id() != format::TypeId::kStruct) return;
  std::vector<BoundExprPtr> given = std::move(e.children);
  const std::vector<format::Field> given_fields = e.type.fields();
  std::vector<format::Field> fields;
  e.children.clear();
  for (const auto& f : type.fields()) {
    size_t at = 0;
    while (at < given_fields.size() && given_fields[at].name != f.name) ++at;
    if (at < given_fields.size() && given[at]) {
      coerce_constructor(*given[at], f.type);
      fields.push_back({f.name, given[at]->type});
      e.children.push_back(std::move(given[at]));
    } else {
      auto null_field = std::make_unique<BoundExpr>();
      null_field->kind = BoundKind::kConstant;
      null_field->type = f.type;
      fields.push_back({f.name, f.type});
      e.children.push_back(std::move(null_field));
    }
  }
  e.type = format::Type::struct_(std::move(fields));
}

}  // namespace

Result<StatementResult> Engine::insert_values(const InsertValues& s) {
  DataSourcePtr target = catalog_.find_source(s.target);
  if (!target) {
    // ksqlDB's hint when the name differs only in case from a source's (quoted or not).
    std::string hint;
    for (const DataSourcePtr& src : catalog_.sources()) {
      if (src->name.size() != s.target.size() || src->name == s.target) continue;
      bool same = true;
      for (size_t i = 0; i < src->name.size() && same; ++i) {
        same = std::toupper(static_cast<unsigned char>(src->name[i])) ==
               std::toupper(static_cast<unsigned char>(s.target[i]));
      }
      if (!same) continue;
      bool upper = true;
      for (char ch : src->name) upper &= !(ch >= 'a' && ch <= 'z');
      hint = upper ? fmt::format(
                         "\nDid you mean {}? Hint: try removing double quotes from the "
                         "source name.",
                         src->name)
                   : fmt::format(
                         "\nDid you mean \"{}\"? Hint: wrap the source name in double "
                         "quotes to make it case-sensitive.",
                         src->name);
      break;
    }
    return Status::invalid_argument(
        fmt::format("Cannot insert values into an unknown stream/table: `{}`{}", s.target, hint));
  }
  if (target->is_source) {
    return Status::invalid_argument(fmt::format("Cannot insert values into read-only {}: {}",
                                                target->is_table ? "table" : "stream", s.target));
  }
  if (target->windowed()) return Status::not_supported_yet("INSERT VALUES into windowed sources");
  // Headers are read from records, never written by a statement (ksqlDB's message: every
  // HEADER(S) column of the target when no columns are named, else the named ones).
  std::vector<std::string> headers;
  for (const CatalogColumn& c : target->columns) {
    if (c.kind != ColumnKind::kHeader && c.kind != ColumnKind::kHeaders) continue;
    if (s.columns.empty() ||
        std::find(s.columns.begin(), s.columns.end(), c.name) != s.columns.end())
      headers.push_back(c.name);
  }
  if (!headers.empty()) {
    return Status::invalid_argument(
        fmt::format("Cannot insert into HEADER columns: {}", fmt::join(headers, ", ")));
  }
  for (const std::string& name : s.columns) {
    if (name == "ROWPARTITION" || name == "ROWOFFSET") {
      return Status::invalid_argument(
          fmt::format("Inserting into column `{}` is not allowed.", name));
    }
  }
  // ksqlDB words a count mismatch differently with and without a column list.
  if (!s.columns.empty() && s.columns.size() != s.values.size()) {
    return Status::invalid_argument(fmt::format(
        "Failed to prepare statement: Expected number columns and values to match: {}, {}",
        s.columns.size(), s.values.size()));
  }
  std::vector<std::string> names = s.columns;
  if (names.empty()) {
    for (const CatalogColumn& c : target->columns) names.push_back(c.name);
  }
  if (names.size() != s.values.size()) {
    return Status::invalid_argument(fmt::format(
        "Failed to prepare statement: Expected a value for each column. Expected Columns: [{}]. "
        "Got {} values",
        fmt::join(names, ", "), s.values.size()));
  }
  std::vector<format::Column> schema;
  for (const CatalogColumn& c : target->columns) schema.push_back({c.name, c.type});
  format::ColumnBatch batch(schema, 1);
  batch.set_size(1);
  for (size_t c = 0; c < schema.size(); ++c) batch.column(c).set_null(0);
  batch.key_null()[0] = 0;
  batch.value_null()[0] = 0;
  int64_t timestamp = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();

  Scope scope;
  scope.system_columns = false;
  ExprBinder binder(scope, builtin_functions(), catalog_);
  format::ColumnBatch empty({}, 1);
  empty.set_size(1);
  const uint32_t row0[] = {0};
  for (size_t i = 0; i < names.size(); ++i) {
    SLUICE_ASSIGN_OR_RETURN(BoundExprPtr e, binder.bind(*s.values[i]));
    format::Type type;
    int col = -1;
    if (names[i] == "ROWTIME") {
      type = format::Type::bigint();
    } else {
      col = target->find_column(names[i]);
      if (col < 0) {
        return Status::invalid_argument(fmt::format("Column name {} does not exist.", names[i]));
      }
      type = target->columns[static_cast<size_t>(col)].type;
    }
    coerce_constructor(*e, type);
    if (!is_null_literal(*e) && e->type != type && !format::can_implicitly_cast(e->type, type) &&
        !(e->type.id() == format::TypeId::kString || type.id() == format::TypeId::kString)) {
      return Status::invalid_argument(fmt::format("Expected type {} for field {} but got {}",
                                                  type.to_string(), names[i], e->type.to_string()));
    }
    SLUICE_ASSIGN_OR_RETURN(e, add_cast(std::move(e), type));
    BoundExpr* root = e.get();
    uint32_t slots = assign_slots(std::span<BoundExpr* const>(&root, 1));
    ExpressionState state(slots);
    const format::Vector& v = state.eval(*e, empty, row0);
    if (col < 0) {
      if (v.is_null(0)) return Status::invalid_argument("ROWTIME cannot be NULL");
      timestamp = v.get<int64_t>(0);
    } else {
      copy_row(v, 0, batch.column(static_cast<size_t>(col)), 0);
    }
  }
  SLUICE_ASSIGN_OR_RETURN(SinkCodecs codecs, make_sink_codecs(*target));
  std::vector<uint32_t> key_cols, value_cols;
  for (size_t c = 0; c < target->columns.size(); ++c) {
    switch (target->columns[c].kind) {
      case ColumnKind::kKey:
        key_cols.push_back(static_cast<uint32_t>(c));
        break;
      case ColumnKind::kValue:
        value_cols.push_back(static_cast<uint32_t>(c));
        break;
      case ColumnKind::kHeaders:
      case ColumnKind::kHeader:
        break;  // rejected above
    }
  }
  format::EncodedRecords keys, values;
  SLUICE_RETURN_IF_ERROR(codecs.key->encode(batch, key_cols, keys));
  SLUICE_RETURN_IF_ERROR(codecs.value->encode(batch, value_cols, values));
  for (const format::EncodedRecords* encoded : {&keys, &values}) {
    if (!encoded->errors().empty()) {
      return Status::invalid_argument(encoded->errors().front().message);
    }
  }
  OutputRecord rec;
  rec.timestamp = timestamp;
  if (!keys.record(0).null) rec.key = std::string(keys.record(0).view());
  if (!values.record(0).null) rec.value = std::string(values.record(0).view());
  std::vector<OutputRecord> out;
  out.push_back(std::move(rec));
  const int32_t part0[] = {0};
  SLUICE_RETURN_IF_ERROR(write_output(*target, out, part0));
  return StatementResult{"", "", ""};
}

}  // namespace sluice::sql
