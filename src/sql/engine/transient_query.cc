// Transient queries (see transient_query.h): planning, polling and the REST rendering of rows.
#include "sql/engine/transient_query.h"

#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>

#include "format/decimal.h"
#include "format/text.h"
#include "schema/avro_binary.h"
#include "schema/avro_datum.h"
#include "schema/avro_schema.h"
#include "schema/registry.h"
#include "sql/engine/ddl.h"
#include "sql/engine/engine.h"
#include "sql/functions/builtins.h"
#include "sql/functions/cast.h"
#include "sql/functions/time_format.h"
#include "sql/parser/formatter.h"

namespace sluice::sql {

namespace {

// Marks an encoded row as a table's deleted key (see RestRowEncoder).
constexpr char kTombstoneMark = 'T';

// Renders each active row's columns as a JSON array (value side); the key side is empty: a
// transient query's output columns are all value columns (PlanContext::transient). Over a table,
// deleted rows are encoded too, kTombstoneMark before the array, which poll_transient() strips
// and hands to TransientSink::tombstone().
class RestRowEncoder final : public format::Encoder {
 public:
  RestRowEncoder(bool value_side, size_t arity, bool table = false)
      : Encoder(arity), value_side_(value_side), table_(table) {}

 protected:
  void encode_rows(const format::ColumnBatch& batch, std::span<const uint32_t> columns,
                   format::EncodedRecords& out) override {
    for (size_t i = 0; i < batch.active_rows(); ++i) {
      uint32_t row = batch.row(i);
      if (!value_side_) {
        out.finish_record();
        continue;
      }
      if (batch.value_null()[row] && !table_) {
        out.add_null();
        continue;
      }
      std::string& b = out.buffer();
      if (batch.value_null()[row]) b += kTombstoneMark;
      b += '[';
      for (size_t j = 0; j < columns.size(); ++j) {
        if (j) b += ',';
        append_rest_json(b, format::read_value(batch.column(columns[j]), row));
      }
      b += ']';
      out.finish_record();
    }
  }

 private:
  bool value_side_;
  bool table_;  // deleted rows are shown (marked), not dropped
};

}  // namespace

void append_rest_json(std::string& out, const format::Value& v) {
  using format::TypeId;
  if (v.is_null()) {
    out += "null";
    return;
  }
  const format::Type& t = v.type();
  switch (t.id()) {
    case TypeId::kBoolean:
      out += v.as_bool() ? "true" : "false";
      return;
    case TypeId::kInteger:
    case TypeId::kBigint:
      format::append_int(out, v.as_bigint());
      return;
    case TypeId::kDouble: {
      double d = v.as_double();
      if (std::isnan(d) || std::isinf(d)) {
        // Jackson quotes non-finite numbers.
        out += '"';
        format::append_java_double(out, d);
        out += '"';
      } else {
        format::append_java_double(out, d);
      }
      return;
    }
    case TypeId::kDecimal:
      format::append_decimal(out, v.as_decimal(), t.scale());
      return;
    case TypeId::kString:
      format::append_json_string(out, v.as_string());
      return;
    case TypeId::kBytes: {
      std::string b64;
      format::append_base64(b64, v.as_string());
      format::append_json_string(out, b64);
      return;
    }
    case TypeId::kTimestamp:
      format::append_json_string(
          out, format_timestamp(v.as_bigint(), "yyyy-MM-dd'T'HH:mm:ss.SSS").value_or(""));
      return;
    case TypeId::kDate:
      format::append_json_string(
          out, format_timestamp(v.as_bigint() * 86400000LL, "yyyy-MM-dd").value_or(""));
      return;
    case TypeId::kTime:
      format::append_json_string(out, format_timestamp(v.as_bigint(), "HH:mm:ss").value_or(""));
      return;
    case TypeId::kArray: {
      out += '[';
      bool first = true;
      for (const format::Value& e : v.elements()) {
        if (!first) out += ',';
        first = false;
        append_rest_json(out, e);
      }
      out += ']';
      return;
    }
    case TypeId::kMap: {
      out += '{';
      const auto& keys = v.map_keys();
      const auto& values = v.map_values();
      for (size_t i = 0; i < keys.size(); ++i) {
        if (i) out += ',';
        if (keys[i].type().id() == TypeId::kString && !keys[i].is_null()) {
          format::append_json_string(out, keys[i].as_string());
        } else {
          format::append_json_string(out, keys[i].to_string());
        }
        out += ':';
        append_rest_json(out, values[i]);
      }
      out += '}';
      return;
    }
    case TypeId::kStruct: {
      out += '{';
      const auto& fields = t.fields();
      const auto& values = v.struct_fields();
      for (size_t i = 0; i < fields.size() && i < values.size(); ++i) {
        if (i) out += ',';
        format::append_json_string(out, fields[i].name);
        out += ':';
        append_rest_json(out, values[i]);
      }
      out += '}';
      return;
    }
    default:
      format::append_json_string(out, v.to_string());
      return;
  }
}

std::string rest_schema_string(const TransientQueryInfo& info) {
  std::string s;
  for (size_t i = 0; i < info.columns.size(); ++i) {
    const format::Column& c = info.columns[i];
    if (!s.empty()) s += ", ";
    bool key = i < info.key_columns.size() && info.key_columns[i];
    s += fmt::format("`{}` {}{}", c.name, c.type.to_string(), key ? " KEY" : "");
  }
  return s;
}

struct Engine::TransientQuery {
  TransientQueryInfo info;  // set before the query is shared, then constant
  // Set by DROP of the source (a statement); the poll thread ends the query with an error.
  std::atomic<bool> source_dropped{false};
  // Held by the poll thread for one batch, and by whoever ends the query; guards what follows.
  std::mutex mu;
  bool ended = false;  // the sink got its end()
  std::unique_ptr<QueryPlan> plan;
  std::unique_ptr<QueryExecutor> executor;
  std::vector<int64_t> next_offsets;  // per input partition
  std::vector<int64_t> end_offsets;   // scans only
  // A pull query on a table: the table's rows when it started, fed to the executor at once.
  std::optional<std::vector<TopicRecord>> table_rows;
  std::optional<int64_t> limit;
  int64_t emitted = 0;
  std::shared_ptr<TransientSink> sink;
  // PRINT: raw records of `topic` as text lines, every `interval`-th one.
  bool print = false;
  std::string topic;
  int64_t interval = 1;
  int64_t seen = 0;
  bool formats_shown = false;
};

namespace {

constexpr std::string_view kNoData = "\u00af\\_(\u30c4)_/\u00af - no data processed";

// What PRINT shows of a record's key or value: the format it looks like (ksqlDB guesses among
// its formats) and the text. Bytes in Confluent's wire format whose schema id the registry holds
// as an Avro schema, and that decode with it, are AVRO, shown as JSON; otherwise JSON text and
// plain strings are what we tell apart.
struct Printed {
  std::string_view format;
  std::string text;
};

Printed printed(const std::optional<std::string>& bytes, schema::SchemaRegistry* registry) {
  if (!bytes) return {kNoData, "<null>"};
  if (auto id = schema::confluent_schema_id(*bytes); id && registry) {
    auto version = registry->by_id(*id);
    if (version.ok() && version.value->type == "AVRO") {
      if (auto parsed = schema::AvroSchema::parse(version.value->schema)) {
        schema::AvroReader in(std::string_view(*bytes).substr(schema::kConfluentHeader));
        auto decoded = schema::avro_decode_ordered_json(parsed->root(), in);
        if (decoded && in.at_end()) return {"AVRO", decoded->dump()};
      }
    }
  }
  if (nlohmann::json::accept(*bytes)) return {"JSON or KAFKA_STRING", *bytes};
  return {"KAFKA_STRING", *bytes};
}

std::string print_line(const TopicRecord& r, int32_t partition, const Printed& key,
                       const Printed& value) {
  std::string ts = format_timestamp(r.timestamp, "yyyy/MM/dd HH:mm:ss.SSS").value_or("?");
  return fmt::format("rowtime: {} Z, key: {}, value: {}, partition: {}", ts, key.text, value.text,
                     partition);
}

}  // namespace

Result<TransientQueryInfo> Engine::start_print(const Print& print, std::string_view text,
                                               std::shared_ptr<TransientSink> sink) {
  // Topic names are case-sensitive; the parser keeps a PRINT's name as written.
  const std::string& topic = print.topic;
  if (!store_.exists(topic)) {
    return Status::invalid_argument(
        fmt::format("Could not find topic '{}', or the KSQL user does not have permissions to "
                    "list the topic. Topic names are case-sensitive.",
                    topic));
  }
  if (print.interval && *print.interval <= 0) {
    return Status::invalid_argument("INTERVAL must be a positive number of records");
  }
  auto t = std::make_shared<TransientQuery>();
  t->print = true;
  t->topic = topic;
  t->interval = print.interval.value_or(1);
  t->limit = print.limit;
  t->sink = std::move(sink);
  // Without FROM BEGINNING, PRINT starts at the end whatever auto.offset.reset says (ksqlDB).
  SLUICE_ASSIGN_OR_RETURN(
      t->next_offsets,
      start_offsets(topic, print.from_beginning ? OffsetReset::kEarliest : OffsetReset::kLatest));
  t->info.id = fmt::format("print_{}_{}", topic, ++transient_counter_);
  t->info.sql = std::string(text);
  t->info.source = topic;
  TransientQueryInfo info = t->info;
  std::lock_guard<std::mutex> lock(runtime_mu_);
  transients_.push_back(std::move(t));
  return info;
}

Result<size_t> Engine::poll_print(TransientQuery& t, bool* done) {
  if (!store_.exists(t.topic)) {
    t.sink->end(TransientEnd::kError, fmt::format("Topic {} was deleted", t.topic));
    *done = true;
    return size_t{0};
  }
  int32_t parts = store_.partitions(t.topic);
  if (static_cast<int32_t>(t.next_offsets.size()) < parts) {
    t.next_offsets.resize(static_cast<size_t>(parts), 0);
  }
  size_t processed = 0;
  for (size_t p = 0; p < t.next_offsets.size(); ++p) {
    if (t.sink->full()) return processed;
    SLUICE_ASSIGN_OR_RETURN(std::vector<TopicRecord> recs,
                            store_.read(t.topic, static_cast<int32_t>(p), t.next_offsets[p],
                                        options_.poll_batch_records));
    for (const TopicRecord& r : recs) {
      t.next_offsets[p] = r.offset + 1;
      ++processed;
      if (t.seen++ % t.interval != 0) continue;
      Printed key = printed(r.key, options_.registry);
      Printed value = printed(r.value, options_.registry);
      if (!t.formats_shown) {
        t.formats_shown = true;
        t.sink->row(fmt::format("Key format: {}", key.format));
        t.sink->row(fmt::format("Value format: {}", value.format));
      }
      t.sink->row(print_line(r, static_cast<int32_t>(p), key, value));
      ++t.emitted;
      if (t.limit && t.emitted >= *t.limit) {
        t.sink->end(TransientEnd::kLimit, "");
        *done = true;
        return processed;
      }
    }
  }
  return processed;
}

namespace {

// The pseudo columns named in `e` that are not columns of `source`, in order, once each.
void pseudo_columns_in(const Expr& e, const DataSource& source, std::vector<std::string>& out) {
  if (const auto* c = e.if_as<ColumnRef>()) {
    if ((c->name == "ROWPARTITION" || c->name == "ROWOFFSET") && source.find_column(c->name) < 0 &&
        std::find(out.begin(), out.end(), c->name) == out.end()) {
      out.push_back(c->name);
    }
  }
  for_each_child(e, [&](const Expr& child) { pseudo_columns_in(child, source, out); });
}

// ksqlDB's pull queries read ROWTIME but not ROWPARTITION and ROWOFFSET (push queries read all).
Status check_pull_pseudo_columns(const Query& query, const DataSource& source) {
  std::vector<std::string> found;
  for (const SelectItem& item : query.select) {
    if (item.expr) pseudo_columns_in(*item.expr, source, found);
  }
  auto refuse = [&](const char* clause) {
    std::vector<std::string> quoted;
    quoted.reserve(found.size());
    for (const auto& n : found) quoted.push_back("`" + n + "`");
    return Status::invalid_argument(
        fmt::format("Pull queries don't support the following columns in {} clauses: {}", clause,
                    fmt::join(quoted, ", ")));
  };
  if (!found.empty()) return refuse("SELECT");
  if (query.where) pseudo_columns_in(*query.where, source, found);
  if (!found.empty()) return refuse("WHERE");
  return Status::ok();
}

// Whether a literal converts to `type` the strict way ksqlDB converts the values a pull query
// compares its key with: numbers widen, a string stays a string; nothing is parsed. (Keys of
// other types, temporal ones for instance, are left to the WHERE expression's own checks.)
bool strictly_converts(const LiteralValue& v, const format::Type& type) {
  using format::TypeId;
  TypeId t = type.id();
  if (t != TypeId::kBoolean && t != TypeId::kInteger && t != TypeId::kBigint &&
      t != TypeId::kDecimal && t != TypeId::kDouble && t != TypeId::kString) {
    return true;
  }
  switch (v.type) {
    case LiteralType::kBoolean:
      return t == TypeId::kBoolean;
    case LiteralType::kInt:
      return t == TypeId::kInteger || t == TypeId::kBigint || t == TypeId::kDecimal ||
             t == TypeId::kDouble;
    case LiteralType::kBigInt:
      return t == TypeId::kBigint || t == TypeId::kDecimal || t == TypeId::kDouble;
    case LiteralType::kDecimal:
      return t == TypeId::kDecimal || t == TypeId::kDouble;
    case LiteralType::kDouble:
      return t == TypeId::kDouble;
    case LiteralType::kString:
      return t == TypeId::kString;
    default:
      return true;  // NULL and the rest: other checks answer
  }
}

// A pull query's `K IN (v, ...)` on a key column (anywhere under AND and OR) needs each literal
// to convert to the key's type: ksqlDB looks the keys up one by one (an IN is a disjunction of
// equalities to it) and says so of the first that does not ("'10' can not be converted to the
// type of the key column: ID INTEGER KEY"), where an IN of mixed types would otherwise fail the
// type check of the list. (`K = v` fails the comparison's own type check first, as in ksqlDB.)
Status check_key_literals(const Expr& e, const DataSource& source) {
  auto key_column = [&](const Expr& x) -> const CatalogColumn* {
    if (x.kind != ExprKind::kColumnRef) return nullptr;
    int i = source.find_column(x.as<ColumnRef>().name);
    if (i < 0) return nullptr;
    const CatalogColumn& c = source.columns[static_cast<size_t>(i)];
    return c.kind == ColumnKind::kKey ? &c : nullptr;
  };
  auto check = [&](const CatalogColumn& key, const Expr& value) {
    if (value.kind != ExprKind::kLiteral) return Status::ok();
    const LiteralValue& v = value.as<Literal>().value;
    if (strictly_converts(v, key.type)) return Status::ok();
    return Status::invalid_argument(fmt::format(
        "'{}' can not be converted to the type of the key column: {} {} KEY",
        v.type == LiteralType::kString ? v.text : to_sql(value), key.name, key.type.to_string()));
  };
  switch (e.kind) {
    case ExprKind::kLogical: {
      const auto& l = e.as<Logical>();
      SLUICE_RETURN_IF_ERROR(check_key_literals(*l.left, source));
      return check_key_literals(*l.right, source);
    }
    case ExprKind::kInList: {
      const auto& in = e.as<InList>();
      const CatalogColumn* k = in.negated ? nullptr : key_column(*in.value);
      if (!k) return Status::ok();
      for (const ExprPtr& x : in.list) SLUICE_RETURN_IF_ERROR(check(*k, *x));
      return Status::ok();
    }
    default:
      return Status::ok();
  }
}

}  // namespace

namespace {

bool reads_column(const BoundExpr& e, std::optional<uint32_t> column);

// The key values a pull query on a single-key table looks up: the literals of `KEY = literal` or
// `KEY IN (literals)` in WHERE's top-level conjuncts, those all of them allow (nullopt: none, or a
// conjunct on the key that is no lookup: a scan). Values come in the order written, cast to the
// key's type (the binder cast the column or the literal to a common type; a column cast to a
// wider type is not a lookup).

std::optional<std::vector<format::Value>> lookup_keys(const BoundExpr& where, uint32_t key_column) {
  if (where.kind == BoundKind::kAnd) {
    // The keys every conjunct on the key allows, in the first one's order; a conjunct on the key
    // that is no lookup (an OR of them, say) makes it a scan, as ksqlDB answers those in the
    // table's key order.
    std::optional<std::vector<format::Value>> keys;
    for (const auto& c : where.children) {
      auto more = lookup_keys(*c, key_column);
      if (!more) {
        if (reads_column(*c, key_column)) return std::nullopt;
        continue;
      }
      if (!keys) {
        keys = std::move(more);
      } else {
        std::erase_if(*keys, [&](const format::Value& k) {
          return std::find(more->begin(), more->end(), k) == more->end();
        });
      }
    }
    return keys;
  }
  auto is_key = [&](const BoundExpr& e) {
    return e.kind == BoundKind::kColumn && e.column == static_cast<int>(key_column);
  };
  if (where.kind == BoundKind::kCompare && where.compare == CompareOp::kEq &&
      where.children.size() == 2) {
    const BoundExpr& l = *where.children[0];
    const BoundExpr& r = *where.children[1];
    if (is_key(l) && r.kind == BoundKind::kConstant) return std::vector<format::Value>{r.constant};
    if (is_key(r) && l.kind == BoundKind::kConstant) return std::vector<format::Value>{l.constant};
  }
  if (where.kind == BoundKind::kIn && !where.negated && !where.children.empty() &&
      is_key(*where.children[0])) {
    std::vector<format::Value> keys;
    for (size_t i = 1; i < where.children.size(); ++i) {
      if (where.children[i]->kind != BoundKind::kConstant) return std::nullopt;
      keys.push_back(where.children[i]->constant);
    }
    return keys;
  }
  return std::nullopt;
}

// A pull query on a windowed table may bound WINDOWSTART and WINDOWEND with text datetimes
// (ksqlDB's window bounds): '2020-02-23T23:45:12.000', optionally with a zone offset, or a
// prefix of it ('2020-02-23T23:45'; hour 24 is the next day's start). Each such literal
// compared with a window bound becomes its epoch milliseconds.
Status resolve_window_bound_text(Expr& e) {
  auto is_bound = [](const Expr* x) {
    const auto* c = x->if_as<ColumnRef>();
    return c && (c->name == "WINDOWSTART" || c->name == "WINDOWEND");
  };
  auto resolve = [](ExprPtr& x) -> Status {
    auto* l = x->if_as<Literal>();
    if (!l || l->value.type != LiteralType::kString) return Status::ok();
    std::string text = l->value.text;
    int64_t extra = 0;
    if (text.size() >= 13 && text.compare(10, 3, "T24") == 0) {
      text.replace(11, 2, "00");
      extra = 86400000;
    }
    std::optional<int64_t> ms = parse_iso_timestamp(text);
    if (!ms) {
      return Status::invalid_argument(fmt::format(
          "Failed to parse window bound '{}': expected yyyy-MM-dd'T'HH:mm:ss.SSS, a prefix of "
          "it, and an optional zone offset",
          l->value.text));
    }
    l->value.type = LiteralType::kBigInt;
    l->value.int_value = *ms + extra;
    l->value.text.clear();
    return Status::ok();
  };
  if (auto* c = e.if_as<Comparison>()) {
    if (is_bound(c->left.get())) SLUICE_RETURN_IF_ERROR(resolve(c->right));
    if (is_bound(c->right.get())) SLUICE_RETURN_IF_ERROR(resolve(c->left));
  } else if (auto* b = e.if_as<Between>(); b && is_bound(b->value.get())) {
    SLUICE_RETURN_IF_ERROR(resolve(b->low));
    SLUICE_RETURN_IF_ERROR(resolve(b->high));
  } else if (auto* l = e.if_as<Logical>()) {
    SLUICE_RETURN_IF_ERROR(resolve_window_bound_text(*l->left));
    SLUICE_RETURN_IF_ERROR(resolve_window_bound_text(*l->right));
  } else if (auto* n = e.if_as<Not>()) {
    SLUICE_RETURN_IF_ERROR(resolve_window_bound_text(*n->operand));
  }
  return Status::ok();
}

bool reads_column(const BoundExpr& e, std::optional<uint32_t> column) {
  if (e.kind == BoundKind::kColumn && (!column || e.column == static_cast<int>(*column))) {
    return true;
  }
  for (const auto& c : e.children) {
    if (reads_column(*c, column)) return true;
  }
  return false;
}

// ksqlDB's rules for LIKE in a pull query's WHERE: on a column, the column must be a STRING,
// with or without table scans; LIKE on anything but a column needs a table scan.
Status check_pull_like(const BoundExpr& e, const QueryPlan& plan, bool scans) {
  for (const auto& c : e.children) SLUICE_RETURN_IF_ERROR(check_pull_like(*c, plan, scans));
  if (e.kind != BoundKind::kLike || e.children.size() < 2) return Status::ok();
  // The binder casts the value to STRING; what it was is under the cast.
  auto uncast = [](const BoundExpr& x) {
    const BoundExpr* p = &x;
    while (p->kind == BoundKind::kCast && !p->children.empty()) p = p->children[0].get();
    return p;
  };
  const BoundExpr* value = uncast(*e.children[0]);
  if (value->kind != BoundKind::kColumn || value->column < 0 ||
      static_cast<size_t>(value->column) >= plan.input.schema.size()) {
    if (scans) return Status::ok();
    return Status::invalid_argument("Like condition must be between strings.");
  }
  const format::Type& type = plan.input.schema[static_cast<size_t>(value->column)].type;
  if (type.id() != format::TypeId::kString) {
    return Status::invalid_argument(
        fmt::format("The column type for Like condition must be VARCHAR. The column type is {}.",
                    format::type_id_name(type.id())));
  }
  return Status::ok();
}

// ksqlDB's rules for a pull query on a table when table scans are off
// (ksql.query.pull.table.scan.enabled = false): WHERE must look its single key up with
// `KEY = value` or `KEY IN (values)`, once, the values not reading any column.
Status check_key_lookup(const BoundExpr& where, const Query& query, const QueryPlan& plan) {
  uint32_t key = plan.input.key_columns.empty() ? UINT32_MAX : plan.input.key_columns[0];
  std::vector<const BoundExpr*> conjuncts;
  std::function<void(const BoundExpr&)> split = [&](const BoundExpr& e) {
    if (e.kind == BoundKind::kAnd) {
      for (const auto& c : e.children) split(*c);
    } else {
      conjuncts.push_back(&e);
    }
  };
  split(where);
  for (uint32_t kc : plan.input.key_columns) {
    if (plan.input.key_columns.size() > 1 &&
        std::none_of(conjuncts.begin(), conjuncts.end(),
                     [&](const BoundExpr* c) { return reads_column(*c, kc); })) {
      return Status::invalid_argument(
          "Multi-column sources must specify every key in the WHERE clause");
    }
  }
  // The key column, possibly cast to the type of what it is compared with.
  auto is_key = [&](const BoundExpr& e) {
    const BoundExpr* x = &e;
    while (x->kind == BoundKind::kCast && !x->children.empty()) x = x->children[0].get();
    return x->kind == BoundKind::kColumn && x->column == static_cast<int>(key);
  };
  constexpr const char* kUnresolvable =
      "A comparison must be between a key column and a resolvable expression.";
  int on_key = 0;
  bool not_equals = false;
  for (const BoundExpr* c : conjuncts) {
    if (!reads_column(*c, key)) continue;
    ++on_key;
    if (c->kind == BoundKind::kCompare) {
      const BoundExpr& l = *c->children[0];
      const BoundExpr& r = *c->children[1];
      if (!is_key(l) && !is_key(r)) {
        return Status::invalid_argument("A comparison must directly reference a key column.");
      }
      const BoundExpr& other = is_key(l) ? r : l;
      if (reads_column(other, std::nullopt)) return Status::invalid_argument(kUnresolvable);
      not_equals = not_equals || c->compare != CompareOp::kEq;
    } else if (c->kind == BoundKind::kIn && !c->children.empty() && is_key(*c->children[0])) {
      for (size_t i = 1; i < c->children.size(); ++i) {
        if (reads_column(*c->children[i], std::nullopt)) {
          return Status::invalid_argument(kUnresolvable);
        }
      }
    } else {
      return Status::invalid_argument("A comparison must directly reference a key column.");
    }
  }
  if (on_key > 1) {
    return Status::invalid_argument(
        "A comparison condition on the key column cannot be combined with other comparisons such "
        "as an IN predicate");
  }
  if (not_equals) {
    const format::Column& k = plan.input.schema[key];
    return Status::invalid_argument(
        fmt::format("Bound on key columns '[`{}` {} KEY]' must currently be '='. ", k.name,
                    k.type.to_string()));
  }
  if (on_key == 0) {
    return Status::invalid_argument(
        fmt::format("WHERE clause missing key column for disjunct: {}", to_sql(*query.where)));
  }
  return Status::ok();
}

}  // namespace

Result<TransientQueryInfo> Engine::start_transient(const Query& query, std::string_view text,
                                                   std::shared_ptr<TransientSink> sink) {
  DataSourcePtr source = catalog_.find_source(query.from.name);
  if (!source) {
    return Status::invalid_argument(fmt::format("line {}:{}: Source `{}` does not exist.",
                                                query.from.pos.line, query.from.pos.column,
                                                query.from.name));
  }
  bool scan = !query.is_push();
  if (scan && query.window) {
    return Status::invalid_argument(
        "Pull queries don't support WINDOW clauses. See https://cnfl.io/queries for more "
        "info.\nAdd EMIT CHANGES if you intended to issue a push query.");
  }
  if (scan && !query.group_by.empty()) {
    return Status::invalid_argument(
        "Pull queries don't support GROUP BY clauses. See https://cnfl.io/queries for more "
        "info.\nAdd EMIT CHANGES if you intended to issue a push query.");
  }
  if (scan && source->is_table && !source->created_by_query && !source->is_source) {
    // ksqlDB materializes the tables its queries build (and CREATE SOURCE TABLE's); a table
    // declared over a topic is not queryable.
    return Status::invalid_argument(fmt::format(
        "The `{}` table isn't queryable. To derive a queryable table, you can do 'CREATE TABLE "
        "QUERYABLE_{} AS SELECT * FROM {}'. See https://cnfl.io/queries for more info.\nAdd "
        "EMIT CHANGES if you intended to issue a push query.",
        source->name, source->name, source->name));
  }
  if (scan) SLUICE_RETURN_IF_ERROR(check_pull_pseudo_columns(query, *source));
  if (scan && source->windowed() && query.where) {
    // The statement's tree is this call's to change (a pull query runs once).
    SLUICE_RETURN_IF_ERROR(resolve_window_bound_text(*query.where));
  }
  if (scan && source->is_table && query.where) {
    SLUICE_RETURN_IF_ERROR(check_key_literals(*query.where, *source));
  }
  PlanContext ctx{&catalog_, &builtin_functions(), &session_, "", source->is_table};
  ctx.transient = true;
  auto planned_or = plan_query(query, ctx);
  if (!planned_or.is_ok() && scan && query.where &&
      planned_or.status().message().find("Error in WHERE expression") != std::string::npos) {
    // ksqlDB's pull queries name the WHERE clause they could not use.
    const Status& st = planned_or.status();
    return Status(st.code(), st.message() + "\nStatement: " + to_sql(*query.where));
  }
  SLUICE_ASSIGN_OR_RETURN(QueryPlan planned, std::move(planned_or));

  auto t = std::make_shared<TransientQuery>();
  t->plan = std::make_unique<QueryPlan>(std::move(planned));
  SinkCodecs codecs;
  codecs.key = std::make_unique<RestRowEncoder>(false, 0);
  codecs.value = std::make_unique<RestRowEncoder>(true, t->plan->columns.size(), source->is_table);
  SLUICE_ASSIGN_OR_RETURN(t->executor, QueryExecutor::create(*t->plan, std::move(codecs)));
  const std::string& topic = source->topic;
  if (scan && source->is_table) {
    // A lookup of the keys WHERE names, in the order it names them; else a scan of every row
    // (which ksql.query.pull.table.scan.enabled = false refuses, as ksqlDB does).
    std::optional<std::vector<format::Value>> keys;
    const QueryPlan& plan = *t->plan;
    if (plan.where && plan.input.key_columns.size() == 1) {
      keys = lookup_keys(*plan.where, plan.input.key_columns[0]);
    }
    const bool scans = session_.property("ksql.query.pull.table.scan.enabled") != "false";
    if (plan.where) SLUICE_RETURN_IF_ERROR(check_pull_like(*plan.where, plan, scans));
    if (!scans) {
      if (!plan.where) {
        return Status::invalid_argument(
            "Pull queries on a table need a WHERE clause on its key when table scans are "
            "disabled (ksql.query.pull.table.scan.enabled).");
      }
      SLUICE_RETURN_IF_ERROR(check_key_lookup(*plan.where, query, plan));
    }
    if (keys) {
      for (const format::Value& k : *keys) {
        if (k.is_null()) {
          return Status::invalid_argument(
              fmt::format("Primary key columns can not be NULL: ({} = null)",
                          plan.input.schema[plan.input.key_columns[0]].name));
        }
      }
    }
    std::optional<std::vector<std::string>> encoded;
    if (keys) {
      SLUICE_ASSIGN_OR_RETURN(encoded, encode_keys(*source, *keys));
    }
    SLUICE_ASSIGN_OR_RETURN(t->table_rows, materialized_rows(*source, encoded));
  } else if (scan) {
    // A scan reads what the stream holds now, from its beginning.
    SLUICE_ASSIGN_OR_RETURN(t->next_offsets, start_offsets(topic, OffsetReset::kEarliest));
    SLUICE_ASSIGN_OR_RETURN(t->end_offsets, start_offsets(topic, OffsetReset::kLatest));
  } else {
    SLUICE_ASSIGN_OR_RETURN(t->next_offsets, start_offsets(topic, offset_reset()));
  }
  t->limit = query.limit;
  t->sink = std::move(sink);
  t->info.id = fmt::format("transient_{}_{}", source->name, ++transient_counter_);
  t->info.sql = std::string(text);
  t->info.source = source->name;
  t->info.scan = scan;
  for (const OutputColumn& c : t->plan->columns) {
    t->info.columns.push_back({c.name, c.type});
    // A pull query on a table shows the table's key columns (a windowed table's window bounds
    // too), selected as they are, as KEY.
    const SourcePlan& in = t->plan->input;
    const auto column = c.expr->kind == BoundKind::kColumn ? c.expr->column : -1;
    const bool key_column = std::find(in.key_columns.begin(), in.key_columns.end(),
                                      static_cast<uint32_t>(column)) != in.key_columns.end();
    const bool window_bound = in.window_start_column >= 0 && (column == in.window_start_column ||
                                                              column == in.window_start_column + 1);
    bool key = scan && source->is_table && column >= 0 && (key_column || window_bound);
    t->info.key_columns.push_back(key);
  }
  TransientQueryInfo info = t->info;
  std::lock_guard<std::mutex> lock(runtime_mu_);
  transients_.push_back(std::move(t));
  return info;
}

Result<size_t> Engine::poll_transient(TransientQuery& t, bool* done) {
  if (t.print) return poll_print(t, done);
  const std::string& topic = t.plan->input.source->topic;
  if (t.source_dropped.load()) {
    t.sink->end(TransientEnd::kError, fmt::format("Source {} was dropped", t.info.source));
    *done = true;
    return size_t{0};
  }
  if (t.limit && t.emitted >= *t.limit) {  // LIMIT 0: the header, then the end
    t.sink->end(TransientEnd::kLimit, "");
    *done = true;
    return size_t{0};
  }
  if (t.table_rows) return poll_table_rows(t, done);
  int32_t parts = store_.partitions(topic);
  if (!t.info.scan && static_cast<int32_t>(t.next_offsets.size()) < parts) {
    t.next_offsets.resize(static_cast<size_t>(parts), 0);
  }
  size_t processed = 0;
  std::vector<InputRecord> inputs;
  std::vector<OutputRecord> out;
  std::vector<RecordError> errors;
  bool scan_done = true;
  for (size_t p = 0; p < t.next_offsets.size(); ++p) {
    size_t max = options_.poll_batch_records;
    if (t.info.scan) {
      if (t.next_offsets[p] >= t.end_offsets[p]) continue;
      scan_done = false;
      max = std::min(max, static_cast<size_t>(t.end_offsets[p] - t.next_offsets[p]));
    }
    if (t.sink->full()) return processed;
    SLUICE_ASSIGN_OR_RETURN(std::vector<TopicRecord> recs,
                            store_.read(topic, static_cast<int32_t>(p), t.next_offsets[p], max));
    if (recs.empty()) {
      // Nothing but transaction markers (or aborted records) may be left before the end.
      if (t.info.scan) {
        SLUICE_ASSIGN_OR_RETURN(int64_t readable,
                                store_.readable_end(topic, static_cast<int32_t>(p)));
        if (readable >= t.end_offsets[p]) t.next_offsets[p] = t.end_offsets[p];
      }
      continue;
    }
    inputs.clear();
    for (const TopicRecord& r : recs) inputs.push_back(input_record(r, static_cast<int32_t>(p)));
    out.clear();
    errors.clear();
    t.executor->process(inputs, out, errors);
    // Bad records are counted and reported as a persistent query's are (ksqlDB's processing log
    // records transient queries' too).
    count_errors(errors);
    t.next_offsets[p] = recs.back().offset + 1;
    processed += recs.size();
    for (const OutputRecord& o : out) {
      if (!o.value) continue;  // a stream's tombstone has no row to show
      if (!o.value->empty() && o.value->front() == kTombstoneMark) {
        t.sink->tombstone(o.value->substr(1));
      } else {
        t.sink->row(*o.value);
      }
      ++t.emitted;
      if (t.limit && t.emitted >= *t.limit) {
        t.sink->end(TransientEnd::kLimit, "");
        *done = true;
        return processed;
      }
    }
  }
  if (t.info.scan) {
    scan_done = true;
    for (size_t p = 0; p < t.next_offsets.size(); ++p) {
      scan_done &= t.next_offsets[p] >= t.end_offsets[p];
    }
    if (scan_done) {
      t.sink->end(TransientEnd::kComplete, "");
      *done = true;
    }
  }
  return processed;
}

Result<std::vector<std::string>> Engine::encode_keys(const DataSource& table,
                                                     const std::vector<format::Value>& keys) {
  SLUICE_ASSIGN_OR_RETURN(SinkCodecs codecs, make_sink_codecs(table));
  std::vector<format::Column> key_schema = table.key_columns();
  format::ColumnBatch batch(key_schema, std::max<size_t>(keys.size(), 1));
  batch.set_size(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    SLUICE_ASSIGN_OR_RETURN(format::Value v, cast_value(keys[i], key_schema[0].type));
    format::write_value(batch.column(0), i, v);
  }
  format::EncodedRecords out;
  std::vector<uint32_t> columns{0};
  SLUICE_RETURN_IF_ERROR(codecs.key->encode(batch, columns, out));
  std::vector<std::string> encoded;
  for (size_t i = 0; i < out.size(); ++i) {
    format::RecordBytes b = out.record(i);
    // A NULL key matches no row; each key is looked up once.
    if (b.null || keys[i].is_null()) continue;
    std::string k(b.view());
    if (std::find(encoded.begin(), encoded.end(), k) == encoded.end()) encoded.push_back(k);
  }
  return encoded;
}

Result<std::vector<TopicRecord>> Engine::materialized_rows(
    const DataSource& table, const std::optional<std::vector<std::string>>& keys) {
  std::lock_guard<std::mutex> lock(materialized_mu_);
  Materialized& m = materialized_[table.name];
  if (m.topic != table.topic) m = Materialized{table.topic, {}, {}};
  // Catch up with what the table's topic gained since the last pull query.
  int32_t parts = store_.partitions(table.topic);
  if (static_cast<int32_t>(m.next_offsets.size()) < parts) {
    m.next_offsets.resize(static_cast<size_t>(parts), 0);
  }
  for (int32_t p = 0; p < parts; ++p) {
    SLUICE_ASSIGN_OR_RETURN(int64_t end, store_.end_offset(table.topic, p));
    int64_t& next = m.next_offsets[static_cast<size_t>(p)];
    while (next < end) {
      SLUICE_ASSIGN_OR_RETURN(std::vector<TopicRecord> recs,
                              store_.read(table.topic, p, next, options_.poll_batch_records));
      if (recs.empty()) break;
      next = recs.back().offset + 1;
      for (TopicRecord& r : recs) {
        if (!r.key) continue;  // a table row needs a key
        std::string key = *r.key;
        if (!r.value) {
          m.rows.erase(key);
        } else {
          m.rows[std::move(key)] = {p, std::move(r)};
        }
      }
    }
  }
  if (keys) {
    // A windowed table's rows of a key: those whose keys are the key and a window (in window
    // order, as the serialized key ends with the window's start).
    const size_t window_bytes = table.window_key_bytes();
    std::vector<TopicRecord> rows;
    for (const std::string& k : *keys) {
      for (auto it = m.rows.lower_bound(k);
           it != m.rows.end() && it->first.compare(0, k.size(), k) == 0; ++it) {
        if (it->first.size() == k.size() + window_bytes) rows.push_back(it->second.second);
        if (window_bytes == 0) break;
      }
    }
    return rows;
  }
  // Partition by partition, each in the order of its serialized keys: ksqlDB's table scans
  // answer in that order (a state store per partition).
  std::vector<std::pair<int32_t, const TopicRecord*>> order;
  order.reserve(m.rows.size());
  for (const auto& [key, row] : m.rows) order.emplace_back(row.first, &row.second);
  std::stable_sort(order.begin(), order.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<TopicRecord> rows;
  rows.reserve(order.size());
  for (const auto& [partition, row] : order) rows.push_back(*row);
  return rows;
}

Result<size_t> Engine::poll_table_rows(TransientQuery& t, bool* done) {
  std::vector<InputRecord> inputs;
  inputs.reserve(t.table_rows->size());
  for (const TopicRecord& r : *t.table_rows) inputs.push_back(input_record(r, 0));
  std::vector<OutputRecord> out;
  std::vector<RecordError> errors;
  t.executor->process(inputs, out, errors);
  count_errors(errors);
  for (const OutputRecord& o : out) {
    // A row that fails WHERE comes out as a table's delete: not a row of the answer.
    if (!o.value || (!o.value->empty() && o.value->front() == kTombstoneMark)) continue;
    if (t.limit && t.emitted >= *t.limit) break;
    t.sink->row(*o.value);
    ++t.emitted;
  }
  t.sink->end(t.limit && t.emitted >= *t.limit ? TransientEnd::kLimit : TransientEnd::kAnswered,
              "");
  *done = true;
  return inputs.size();
}

std::vector<std::shared_ptr<Engine::TransientQuery>> Engine::transient_snapshot() const {
  std::lock_guard<std::mutex> lock(runtime_mu_);
  return transients_;
}

void Engine::remove_transient(const TransientQuery* t) {
  std::lock_guard<std::mutex> lock(runtime_mu_);
  std::erase_if(transients_, [t](const auto& x) { return x.get() == t; });
}

void Engine::mark_source_dropped(std::string_view source) {
  std::lock_guard<std::mutex> lock(runtime_mu_);
  for (const auto& t : transients_) {
    if (!t->print && t->info.source == source) t->source_dropped = true;
  }
}

Result<size_t> Engine::poll_transients() {
  size_t total = 0;
  for (const auto& q : transient_snapshot()) {
    TransientQuery& t = *q;
    std::lock_guard<std::mutex> lock(t.mu);
    if (t.ended) continue;
    bool done = t.sink->cancelled();
    if (!done) {
      auto n = poll_transient(t, &done);
      if (!n) {
        t.sink->end(TransientEnd::kError, n.status().message());
        done = true;
      } else {
        total += *n;
      }
    }
    if (done) {
      t.ended = true;  // the sink was ended, or its client went away
      remove_transient(&t);
    }
  }
  return total;
}

bool Engine::close_transient(std::string_view id) {
  std::shared_ptr<TransientQuery> t;
  {
    std::lock_guard<std::mutex> lock(runtime_mu_);
    for (size_t i = 0; i < transients_.size(); ++i) {
      // Case-insensitive: TERMINATE upper-cases the id it is given.
      if (to_upper(transients_[i]->info.id) != to_upper(id)) continue;
      t = std::move(transients_[i]);
      transients_.erase(transients_.begin() + static_cast<std::ptrdiff_t>(i));
      break;
    }
  }
  if (!t) return false;
  std::lock_guard<std::mutex> lock(t->mu);
  if (!t->ended) {
    t->ended = true;
    t->sink->end(TransientEnd::kClosed, "");
  }
  return true;
}

void Engine::close_all_transients() {
  std::vector<std::shared_ptr<TransientQuery>> all;
  {
    std::lock_guard<std::mutex> lock(runtime_mu_);
    all.swap(transients_);
  }
  for (auto& t : all) {
    std::lock_guard<std::mutex> lock(t->mu);
    if (t->ended) continue;
    t->ended = true;
    t->sink->end(TransientEnd::kClosed, "");
  }
}

std::vector<TransientQueryInfo> Engine::transient_queries() const {
  std::vector<TransientQueryInfo> out;
  for (const auto& t : transient_snapshot()) out.push_back(t->info);
  return out;
}

void Engine::add_transient_input_topics(std::set<std::string>& out) const {
  for (const auto& t : transient_snapshot()) {
    std::lock_guard<std::mutex> lock(t->mu);
    if (t->ended) continue;
    out.insert(t->plan ? t->plan->input.source->topic : t->topic);
  }
}

}  // namespace sluice::sql
