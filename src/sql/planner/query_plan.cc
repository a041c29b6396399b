#include "sql/planner/query_plan.h"

#include <algorithm>
#include <functional>

#include <fmt/format.h>

#include "sql/parser/expr_util.h"
#include "sql/parser/formatter.h"
#include "sql/planner/binder.h"
#include "sql/planner/plan_util.h"

namespace sluice::sql {

using format::Type;
using format::TypeId;

std::vector<format::Column> QueryPlan::key_schema() const {
  std::vector<format::Column> out;
  for (const auto& c : columns) {
    if (c.key) out.push_back({c.name, c.type});
  }
  return out;
}

std::vector<format::Column> QueryPlan::value_schema() const {
  std::vector<format::Column> out;
  for (const auto& c : columns) {
    if (!c.key) out.push_back({c.name, c.type});
  }
  return out;
}

SourcePlan plan_source(DataSourcePtr source) {
  SourcePlan p;
  for (size_t i = 0; i < source->columns.size(); ++i) {
    const CatalogColumn& c = source->columns[i];
    p.schema.push_back({c.name, c.type});
    if (c.kind == ColumnKind::kKey) p.key_columns.push_back(static_cast<uint32_t>(i));
    if (c.kind == ColumnKind::kValue) p.value_columns.push_back(static_cast<uint32_t>(i));
    if (c.kind == ColumnKind::kHeaders || c.kind == ColumnKind::kHeader) {
      p.header_columns.push_back(
          {static_cast<uint32_t>(i), c.kind == ColumnKind::kHeaders, c.header_key});
    }
  }
  if (!source->timestamp_column.empty()) {
    p.timestamp_column = source->find_column(source->timestamp_column);
    p.timestamp_format = source->timestamp_format;
  }
  if (source->windowed()) {
    p.window_start_column = static_cast<int>(p.schema.size());
    p.schema.push_back({"WINDOWSTART", format::Type::bigint()});
    p.schema.push_back({"WINDOWEND", format::Type::bigint()});
  }
  p.source = std::move(source);
  return p;
}

bool bound_equals(const BoundExpr& a, const BoundExpr& b) {
  if (a.kind != b.kind || a.type != b.type || a.column != b.column || a.arith != b.arith ||
      a.compare != b.compare || a.negated != b.negated || a.has_else != b.has_else ||
      a.escape != b.escape || a.children.size() != b.children.size()) {
    return false;
  }
  if (a.kind == BoundKind::kConstant && !(a.constant == b.constant)) return false;
  if (a.kind == BoundKind::kFunction && a.function->name != b.function->name) return false;
  for (size_t i = 0; i < a.children.size(); ++i) {
    if (!bound_equals(*a.children[i], *b.children[i])) return false;
  }
  return true;
}

namespace {

// Splits "line L:C: message" into its position prefix ("line L:C: ") and the message.
std::pair<std::string_view, std::string_view> split_position(std::string_view m) {
  if (m.rfind("line ", 0) == 0) {
    size_t end = m.find(": ");
    if (end != std::string_view::npos) return {m.substr(0, end + 2), m.substr(end + 2)};
  }
  return {std::string_view(), m};
}

}  // namespace

namespace plan_detail {

// ksqlDB's "Error in WHERE expression: <reason>", with our position kept in front.
Status with_clause(const Status& s, std::string_view clause) {
  if (s.code() == StatusCode::kUnsupported) return s;
  auto [pos, rest] = split_position(s.message());
  return Status(s.code(), fmt::format("{}Error in {} expression: {}", pos, clause, rest));
}

// ksqlDB reports a CAST that cannot be compiled in a projection as "Invalid Select: ...".
Status with_select_context(const Status& s) {
  auto [pos, rest] = split_position(s.message());
  if (rest.rfind("Cast of ", 0) != 0) return s;
  return Status(s.code(), fmt::format("{}Invalid Select: {}", pos, rest));
}

// The name ksqlDB gives an unaliased select expression: a column's own name, a struct field's
// name, or the next KSQL_COL_n.
std::string default_name(const Expr& e, int& counter) {
  if (const auto* c = e.if_as<ColumnRef>()) return c->name;
  if (const auto* d = e.if_as<Dereference>()) return d->field;
  return fmt::format("KSQL_COL_{}", counter++);
}

bool is_pseudo_column(std::string_view name) {
  return name == "ROWTIME" || name == "ROWPARTITION" || name == "ROWOFFSET" ||
         is_window_bound(name);
}

// True when e reads only the given batch columns (and constants, functions of them).
bool reads_only(const BoundExpr& e, const std::vector<uint32_t>& allowed) {
  switch (e.kind) {
    case BoundKind::kColumn:
      return std::find(allowed.begin(), allowed.end(), static_cast<uint32_t>(e.column)) !=
             allowed.end();
    case BoundKind::kRowTime:
    case BoundKind::kRowPartition:
    case BoundKind::kRowOffset:
      return false;
    default:
      for (const auto& c : e.children) {
        if (!reads_only(*c, allowed)) return false;
      }
      return true;
  }
}

// Qualifies unqualified column references with the source name, as ksqlDB prints them.
void qualify_columns(Expr& e, const std::string& source) {
  if (e.kind == ExprKind::kColumnRef) {
    auto& c = e.as<ColumnRef>();
    if (c.qualifier.empty()) c.qualifier = source;
  }
  // The tree is our own clone, so its children may be changed in place.
  for_each_child(e, [&](const Expr& child) { qualify_columns(const_cast<Expr&>(child), source); });
}

Status check_output_columns(const std::vector<OutputColumn>& columns) {
  bool any_value = false;
  for (const auto& c : columns) any_value |= !c.key;
  if (!any_value) return Status::invalid_argument("The projection contains no value columns.");
  for (size_t i = 0; i < columns.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (columns[i].name != columns[j].name) continue;
      if (columns[i].key != columns[j].key) {
        const OutputColumn& v = columns[i].key ? columns[j] : columns[i];
        return Status::invalid_argument(fmt::format(
            "Duplicate value columns found in schema: `{}` {}", v.name, v.type.to_string()));
      }
      return Status::invalid_argument(
          fmt::format("Duplicate column name in projection: `{}`", columns[i].name));
    }
  }
  return Status::ok();
}

std::string join_names(const std::vector<std::string>& names, std::string_view sep,
                       std::string_view last_sep) {
  std::string s;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i) s += (i + 1 == names.size()) ? last_sep : sep;
    s += names[i];
  }
  return s;
}

}  // namespace plan_detail

using plan_detail::check_output_columns;
using plan_detail::default_name;
using plan_detail::is_pseudo_column;
using plan_detail::Item;
using plan_detail::join_names;
using plan_detail::qualify_columns;
using plan_detail::reads_only;
using plan_detail::with_clause;
using plan_detail::with_select_context;

void WindowPlan::windows_of(int64_t ts, std::vector<int64_t>& out) const {
  // Kafka Streams' TimeWindows.windowsFor: the starts in (ts - size, ts], multiples of advance.
  out.clear();
  int64_t start = std::max<int64_t>(0, ts - size + advance) / advance * advance;
  for (; start <= ts; start += advance) out.push_back(start);
}

Result<QueryPlan> plan_query(const Query& q, const PlanContext& ctx) {
  if (q.emit == EmitKind::kFinal && !q.window) {
    // ksqlDB's refinement: only a window can close, so only a windowed aggregation has a final
    // result to emit.
    return Status::invalid_argument("EMIT FINAL is only supported for windowed aggregations.");
  }
  if (q.window && q.group_by.empty() && !plan_detail::has_aggregate(q)) {
    return Status::not_supported_yet("windowed aggregation without GROUP BY");
  }

  QueryPlan plan;
  Scope scope;
  if (!q.joins.empty()) {
    if (ctx.transient) return Status::not_supported_yet("joins in push queries");
    SLUICE_RETURN_IF_ERROR(plan_detail::plan_join(q, ctx, plan, scope));
    if ((!q.group_by.empty() || plan_detail::has_aggregate(q)) && plan.input.source->is_table) {
      return Status::not_supported_yet("aggregations over table-table joins");
    }
    // ksqlDB does not resolve the window bounds of a windowed aggregation over a join.
    for (const SelectItem& item : q.select) {
      const ColumnRef* c =
          q.window && item.expr ? plan_detail::first_window_bound(*item.expr) : nullptr;
      if (c) {
        return Status::invalid_argument(
            fmt::format("line {}:{}: SELECT column '{}' cannot be resolved.", c->pos.line,
                        c->pos.column, c->name));
      }
    }
    if (!q.partition_by.empty()) return Status::not_supported_yet("PARTITION BY with joins");
  }
  DataSourcePtr source = plan.join ? plan.input.source : ctx.catalog->find_source(q.from.name);
  if (!source) {
    return Status::invalid_argument(fmt::format("line {}:{}: Source `{}` does not exist.",
                                                q.from.pos.line, q.from.pos.column, q.from.name));
  }
  if (source->windowed() && !ctx.transient && source->is_table) {
    return Status::invalid_argument("KSQL does not support persistent queries on windowed tables.");
  }
  if (source->windowed() && !q.partition_by.empty()) {
    return Status::invalid_argument(
        "Implicit repartitioning of windowed sources is not supported. See "
        "https://github.com/confluentinc/ksql/issues/4385.");
  }
  if (source->windowed() && (!q.group_by.empty() || plan_detail::has_aggregate(q))) {
    return Status::not_supported_yet("aggregations over windowed sources");
  }
  plan.is_table = ctx.sink_is_table;
  if (!plan.join) {
    plan.input = plan_source(source);
    scope.source_name = source->name;
    scope.alias = q.from.alias.empty() ? source->name : q.from.alias;
    for (size_t i = 0; i < plan.input.schema.size(); ++i) {
      scope.columns.push_back(
          {plan.input.schema[i].name, plan.input.schema[i].type, static_cast<int>(i)});
    }
  }
  ExprBinder binder(scope, *ctx.functions, *ctx.catalog);

  if (q.where) {
    if (const ColumnRef* c = q.window ? plan_detail::first_window_bound(*q.where) : nullptr) {
      return Status::invalid_argument(
          fmt::format("Error in WHERE expression: Unknown column {}.", c->name));
    }
    binder.set_clause("WHERE");
    auto w = binder.bind(*q.where);
    if (!w) return with_clause(w.status(), "WHERE");
    if (is_null_literal(**w)) {
      SLUICE_ASSIGN_OR_RETURN(*w, add_cast(std::move(*w), Type::boolean()));
    }
    if ((*w)->type.id() != TypeId::kBoolean) {
      return Status::invalid_argument(fmt::format(
          "Type error in WHERE expression: Should evaluate to boolean but is {} ({}) instead.",
          to_sql(*q.where), (*w)->type.to_string()));
    }
    plan.where = std::move(*w);
  }
  if (!q.group_by.empty() || plan_detail::has_aggregate(q)) {
    if (!q.partition_by.empty()) return Status::not_supported_yet("PARTITION BY with GROUP BY");
    SLUICE_RETURN_IF_ERROR(plan_detail::plan_aggregate(q, ctx, scope, binder, plan));
    return plan;
  }

  // PARTITION BY expressions, bound against the source.
  std::vector<BoundExprPtr> partition;
  bool partition_null = false;
  binder.set_clause("PARTITION BY");
  for (const ExprPtr& p : q.partition_by) {
    SLUICE_ASSIGN_OR_RETURN(BoundExprPtr b, binder.bind(*p));
    if (is_null_literal(*b)) {
      if (q.partition_by.size() > 1) {
        return Status::invalid_argument("Cannot PARTITION BY multiple columns including NULL");
      }
      partition_null = true;
      continue;
    }
    partition.push_back(std::move(b));
  }
  bool rekey = !q.partition_by.empty();
  plan.rekeyed = rekey;

  // The projection.
  binder.set_clause("SELECT");
  std::vector<Item> items;
  int counter = 0;
  auto star_columns = [&](std::vector<Item>& out, const std::string& qualifier) {
    std::vector<uint32_t> order;
    if (plan.join) {
      // A join's *: the synthetic key, then each side's columns; t.*: that side's columns.
      if (qualifier.empty() && plan.join->synthetic_key) order.push_back(0);
      for (const JoinSide& js : plan.join->sides) {
        if (!qualifier.empty() && qualifier != js.alias && qualifier != js.source.source->name) {
          continue;
        }
        const auto& cols = js.source.source->columns;
        for (size_t i = 0; i < cols.size(); ++i) {
          order.push_back(js.first_column + static_cast<uint32_t>(i));
          // A windowed source's window bounds follow its key columns.
          bool last_key = cols[i].kind == ColumnKind::kKey &&
                          (i + 1 == cols.size() || cols[i + 1].kind != ColumnKind::kKey);
          if (last_key && js.source.window_start_column >= 0) {
            auto w = js.first_column + static_cast<uint32_t>(js.source.window_start_column);
            order.push_back(w);
            order.push_back(w + 1);
          }
        }
      }
    } else if (!rekey) {
      for (uint32_t i : plan.input.key_columns) order.push_back(i);
      // A windowed source's window bounds follow its key columns (a push query's; a persistent
      // query's output keeps them in its keys).
      if (plan.input.window_start_column >= 0 && ctx.transient) {
        order.push_back(static_cast<uint32_t>(plan.input.window_start_column));
        order.push_back(static_cast<uint32_t>(plan.input.window_start_column + 1));
      }
      for (size_t i = 0; i < source->columns.size(); ++i) {
        if (source->columns[i].kind != ColumnKind::kKey) order.push_back(static_cast<uint32_t>(i));
      }
    } else {
      // After a re-key, the old key columns move to the end of the value.
      for (size_t i = 0; i < source->columns.size(); ++i) {
        if (source->columns[i].kind != ColumnKind::kKey) order.push_back(static_cast<uint32_t>(i));
      }
      for (uint32_t i : plan.input.key_columns) order.push_back(i);
    }
    for (uint32_t i : order) {
      Item it;
      it.name = plan.input.schema[i].name;
      auto e = std::make_unique<BoundExpr>();
      e->kind = BoundKind::kColumn;
      e->type = plan.input.schema[i].type;
      e->column = static_cast<int>(i);
      it.expr = std::move(e);
      it.from_star = true;
      it.source_text = it.name;
      out.push_back(std::move(it));
    }
  };
  for (const SelectItem& s : q.select) {
    switch (s.kind) {
      case SelectItemKind::kAllColumns: {
        bool known =
            s.qualifier.empty() || s.qualifier == scope.alias || s.qualifier == scope.source_name;
        for (const auto& [name, alias] : scope.sides)
          known |= s.qualifier == name || s.qualifier == alias;
        if (!known) {
          return Status::invalid_argument(fmt::format("line {}:{}: '{}' is not a valid source",
                                                      s.pos.line, s.pos.column, s.qualifier));
        }
        star_columns(items, s.qualifier);
        break;
      }
      case SelectItemKind::kStructAll: {
        auto b = binder.bind_typed(*s.expr);
        if (!b) return b.status();
        if ((*b)->type.id() != TypeId::kStruct) {
          return Status::invalid_argument("Cannot use '->*' on a non-STRUCT expression");
        }
        const auto& fields = (*b)->type.fields();
        for (size_t k = 0; k < fields.size(); ++k) {
          Item it;
          it.name = fields[k].name;
          auto f = std::make_unique<BoundExpr>();
          f->kind = BoundKind::kField;
          f->type = fields[k].type;
          f->column = static_cast<int>(k);
          f->children.push_back(clone_bound(**b));
          it.expr = std::move(f);
          items.push_back(std::move(it));
        }
        break;
      }
      case SelectItemKind::kExpression: {
        if (!s.alias.empty() && is_pseudo_column(s.alias)) {
          return Status::invalid_argument(fmt::format(
              "`{}` is a reserved column name. You cannot use it as an alias for a column.",
              s.alias));
        }
        // A persistent query's output may not have a column named like a pseudo column; a
        // transient query's may (ksqlDB's push queries show ROWTIME, ROWPARTITION, ROWOFFSET).
        if (const auto* c = s.expr->if_as<ColumnRef>(); c && !ctx.transient && s.alias.empty() &&
                                                        is_pseudo_column(c->name) &&
                                                        !scope.find(c->name)) {
          return Status::invalid_argument(fmt::format(
              "Reserved column name in select: `{}`. Please remove or alias the column.", c->name));
        }
        auto b = binder.bind_typed(*s.expr);
        if (!b) return with_select_context(b.status());
        Item it;
        it.name = s.alias.empty() ? default_name(*s.expr, counter) : s.alias;
        if (const auto* c = s.expr->if_as<ColumnRef>(); plan.join && s.alias.empty() && c &&
                                                        !c->qualifier.empty() &&
                                                        (*b)->kind == BoundKind::kColumn) {
          // A name both sides have is qualified (T_ID); another stays as it is (F1).
          int sides = 0;
          for (const ScopeColumn& sc : scope.columns) sides += sc.name == c->name;
          if (sides > 1) it.name = plan.input.schema[static_cast<size_t>((*b)->column)].name;
        }
        if (s.alias.empty() &&
            (s.expr->kind == ExprKind::kColumnRef || s.expr->kind == ExprKind::kDereference)) {
          // A generated name that clashes with an earlier one (or, for a struct field, with a
          // source column) gets _1, _2, ...
          bool deref = s.expr->kind == ExprKind::kDereference;
          std::string base = it.name;
          for (int n = 1;; ++n) {
            bool clash = deref && scope.find(it.name) != nullptr;
            for (const Item& prev : items) clash |= prev.name == it.name;
            if (!clash) break;
            it.name = fmt::format("{}_{}", base, n);
          }
        }
        it.expr = std::move(*b);
        it.source_text = to_sql(*s.expr);
        items.push_back(std::move(it));
        break;
      }
    }
  }

  // Table function calls become references to the element columns of the expanded batch.
  plan.expanded_schema = plan.input.schema;
  std::function<void(BoundExprPtr&)> lift = [&](BoundExprPtr& e) {
    for (auto& c : e->children) lift(c);
    if (e->kind != BoundKind::kFunction || !e->function->table_function) return;
    auto col = std::make_unique<BoundExpr>();
    col->kind = BoundKind::kColumn;
    col->type = e->type;
    col->pos = e->pos;
    col->column = static_cast<int>(plan.expanded_schema.size());
    plan.expanded_schema.push_back({fmt::format("$TF{}", plan.table_functions.size()), e->type});
    plan.table_functions.push_back(std::move(e->children[0]));
    e = std::move(col);
  };
  for (Item& it : items) lift(it.expr);
  if (!plan.table_functions.empty() && rekey) {
    return Status::not_supported_yet("PARTITION BY with table functions");
  }

  // Which items are key columns.
  std::vector<bool> is_key(items.size(), false);
  if (plan.join) {
    SLUICE_RETURN_IF_ERROR(plan_detail::join_key_items(*plan.join, ctx, items, is_key));
  } else if (!rekey) {
    std::vector<std::string> missing;
    for (uint32_t kc : plan.input.key_columns) {
      int found = -1;
      for (size_t i = 0; i < items.size(); ++i) {
        const BoundExpr& e = *items[i].expr;
        if (e.kind != BoundKind::kColumn || e.column != static_cast<int>(kc)) continue;
        if (found >= 0) {
          return Status::invalid_argument(fmt::format(
              "The projection contains a key column (`{}`) more than once, aliased as: {} and {}.",
              plan.input.schema[kc].name, items[static_cast<size_t>(found)].name, items[i].name));
        }
        found = static_cast<int>(i);
      }
      if (found < 0) {
        missing.push_back(plan.input.schema[kc].name);
      } else {
        is_key[static_cast<size_t>(found)] = true;
      }
    }
    bool new_planner =
        ctx.session && ctx.session->property("ksql.new.query.planner.enabled") == "true";
    if (!missing.empty() && !ctx.transient && (ctx.sink_is_table || !new_planner)) {
      // ksqlDB names every key column when any is missing.
      missing.clear();
      for (uint32_t kc : plan.input.key_columns) missing.push_back(plan.input.schema[kc].name);
      return Status::invalid_argument(fmt::format(
          "The query used to build `{}` must include the key column{} {} in its projection (eg, "
          "SELECT {}...).",
          ctx.sink_name, missing.size() > 1 ? "s" : "", join_names(missing, ", ", " and "),
          join_names(missing, ", ", ", ")));
    }
    if (!missing.empty()) {
      // Keyless output: the key columns that were not selected are dropped.
      for (size_t i = 0; i < items.size(); ++i) is_key[i] = false;
    }
  } else if (!partition_null) {
    std::vector<std::string> missing_partition;
    for (size_t p = 0; p < partition.size(); ++p) {
      int found = -1;
      for (size_t i = 0; i < items.size(); ++i) {
        if (!bound_equals(*items[i].expr, *partition[p])) continue;
        if (found >= 0) {
          return Status::invalid_argument(fmt::format(
              "The projection contains a key column (`{}`) more than once, aliased as: {} and {}.",
              items[static_cast<size_t>(found)].name, items[static_cast<size_t>(found)].name,
              items[i].name));
        }
        found = static_cast<int>(i);
      }
      bool star = false;
      for (const SelectItem& s : q.select) star |= s.kind == SelectItemKind::kAllColumns;
      if (found >= 0 && items[static_cast<size_t>(found)].from_star) {
        // SELECT * with PARTITION BY col: the column becomes the key, first.
        Item moved = std::move(items[static_cast<size_t>(found)]);
        items.erase(items.begin() + found);
        is_key.erase(is_key.begin() + found);
        items.insert(items.begin(), std::move(moved));
        is_key.insert(is_key.begin(), true);
        continue;
      }
      if (found >= 0) {
        is_key[static_cast<size_t>(found)] = true;
        continue;
      }
      if (!star) {
        ExprPtr qualified = clone_expr(*q.partition_by[p]);
        qualify_columns(*qualified, source->name);
        missing_partition.push_back(to_sql(*qualified));
        continue;
      }
      Item it;
      it.name = default_name(*q.partition_by[p], counter);
      it.expr = clone_bound(*partition[p]);
      items.insert(items.begin(), std::move(it));
      is_key.insert(is_key.begin(), true);
    }
    if (!missing_partition.empty()) {
      // ksqlDB names every partitioning expression, not only the missing ones.
      std::vector<std::string> all;
      for (const ExprPtr& pe : q.partition_by) {
        ExprPtr qualified = clone_expr(*pe);
        qualify_columns(*qualified, source->name);
        all.push_back(to_sql(*qualified));
      }
      return Status::invalid_argument(fmt::format(
          "The query used to build `{}` must include the partitioning expression{} {} in its "
          "projection (eg, SELECT {}...).",
          ctx.sink_name, all.size() > 1 ? "s" : "", join_names(all, ", ", " and "),
          join_names(all, ", ", ", ")));
    }
  }

  if (ctx.transient) std::fill(is_key.begin(), is_key.end(), false);
  std::vector<size_t> key_items;
  for (size_t i = 0; i < items.size(); ++i) {
    if (is_key[i]) key_items.push_back(i);
  }
  if (rekey && !partition_null) {
    // Key columns come in PARTITION BY order.
    auto rank = [&](size_t item) {
      for (size_t p = 0; p < partition.size(); ++p) {
        if (bound_equals(*items[item].expr, *partition[p])) return p;
      }
      return partition.size();
    };
    std::stable_sort(key_items.begin(), key_items.end(),
                     [&](size_t a, size_t b) { return rank(a) < rank(b); });
  } else if (!rekey &&
             !(ctx.session && ctx.session->property("ksql.new.query.planner.enabled") == "true")) {
    // Carried key columns keep the source's key order (the new planner keeps projection order).
    auto rank = [&](size_t item) {
      const auto& keys = plan.input.key_columns;
      return std::find(keys.begin(), keys.end(), static_cast<uint32_t>(items[item].expr->column)) -
             keys.begin();
    };
    std::stable_sort(key_items.begin(), key_items.end(),
                     [&](size_t a, size_t b) { return rank(a) < rank(b); });
  }
  // What a record's key gives: its key columns and, windowed, its window's bounds.
  std::vector<uint32_t> from_key = plan.input.key_columns;
  if (plan.input.window_start_column >= 0) {
    from_key.push_back(static_cast<uint32_t>(plan.input.window_start_column));
    from_key.push_back(static_cast<uint32_t>(plan.input.window_start_column + 1));
  }
  for (size_t i : key_items) {
    bool key_only = reads_only(*items[i].expr, from_key);
    plan.columns.push_back(
        {items[i].name, items[i].expr->type, true, std::move(items[i].expr), key_only});
  }
  for (size_t i = 0; i < items.size(); ++i) {
    if (is_key[i]) continue;
    // A transient query over a table shows a deleted key's row with what reads only the key.
    bool key_only = ctx.transient && reads_only(*items[i].expr, from_key);
    plan.columns.push_back(
        {items[i].name, items[i].expr->type, false, std::move(items[i].expr), key_only});
  }
  SLUICE_RETURN_IF_ERROR(check_output_columns(plan.columns));

  std::vector<BoundExpr*> roots;
  roots.push_back(plan.where.get());
  for (auto& t : plan.table_functions) roots.push_back(t.get());
  for (auto& c : plan.columns) roots.push_back(c.expr.get());
  plan.num_slots = assign_slots(roots);
  return plan;
}

}  // namespace sluice::sql
