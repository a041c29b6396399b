// GROUP BY planning: grouping expressions and aggregate calls bound against the source; HAVING
// and the projection bound against the aggregation's result, with ksqlDB's checks and messages.
#include <algorithm>

#include <fmt/format.h>

#include "format/format.h"
#include "sql/parser/expr_util.h"
#include "sql/parser/formatter.h"
#include "sql/planner/binder.h"
#include "sql/planner/plan_util.h"

namespace sluice::sql {

using format::Type;
using format::TypeId;

namespace plan_detail {

bool contains_aggregate(const Expr& e) {
  if (const auto* f = e.if_as<FunctionCall>(); f && is_aggregate_function(f->name)) return true;
  bool found = false;
  for_each_child(e, [&](const Expr& c) { found = found || contains_aggregate(c); });
  return found;
}

bool is_window_bound(std::string_view name) {
  return name == "WINDOWSTART" || name == "WINDOWEND";
}

const ColumnRef* first_window_bound(const Expr& e) {
  if (const auto* c = e.if_as<ColumnRef>(); c && is_window_bound(c->name)) return c;
  const ColumnRef* found = nullptr;
  for_each_child(e, [&](const Expr& c) {
    if (!found) found = first_window_bound(c);
  });
  return found;
}

Status window_bounds_outside_select(const ColumnRef& c) {
  return Status::invalid_argument(fmt::format(
      "Window bounds column {} can only be used in the SELECT clause of windowed aggregations",
      c.name));
}

bool has_aggregate(const Query& q) {
  for (const SelectItem& s : q.select) {
    if (s.expr && contains_aggregate(*s.expr)) return true;
  }
  return q.having && contains_aggregate(*q.having);
}

namespace {

// The first aggregate call inside e, or null.
const FunctionCall* first_aggregate(const Expr& e) {
  if (const auto* f = e.if_as<FunctionCall>(); f && is_aggregate_function(f->name)) return f;
  const FunctionCall* found = nullptr;
  for_each_child(e, [&](const Expr& c) {
    if (!found) found = first_aggregate(c);
  });
  return found;
}

// The session's ksql.functions.* settings (ksqlDB's defaults when unset or not a count).
AggregateConfig aggregate_config(const SessionState* session) {
  AggregateConfig config;
  if (!session) return config;
  auto limit = [&](const char* property, size_t& out) {
    std::string v = session->property(property).value_or("");
    if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos || v.size() > 9) {
      return;
    }
    out = static_cast<size_t>(std::stoul(v));
  };
  limit("ksql.functions.collect_list.limit", config.collect_list_limit);
  limit("ksql.functions.collect_set.limit", config.collect_set_limit);
  return config;
}

// ksqlDB keeps each group's intermediate values (one per aggregate call) in a state store written
// in the source's value format (AggregateNode takes the leftmost source's format for its
// aggregation), so a call whose intermediate type that format cannot hold is refused: DELIMITED
// has no ARRAY, MAP or STRUCT, which rules out AVG, the standard deviations, CORRELATION,
// *_BY_OFFSET, COUNT_DISTINCT, COLLECT_*, TOPK* and HISTOGRAM. The message is the one ksqlDB wraps
// the format's refusal in (AggregateBuilderUtils). The state has no wrapping of its own, so the
// source's WRAP_SINGLE_VALUE does not apply. NONE holds no columns at all: ksqlDB refuses it
// earlier, at the grouping step before the state store, with the format's own message, so this
// is not the refusal for it.
Status check_intermediate_types(const DataSource& source, const AggregatePlan& agg) {
  const format::Format* value_format = format::find_format(source.value_format.name);
  if (!value_format || value_format == &format::none_format()) return Status::ok();
  std::vector<format::Column> state;
  for (size_t i = 0; i < agg.calls.size(); ++i) {
    state.push_back(
        {fmt::format("KSQL_AGG_VARIABLE_{}", i), agg.calls[i].function->intermediate_type()});
  }
  if (value_format->validate(state, format::Side::kValue, format::FormatOptions{}).is_ok()) {
    return Status::ok();
  }
  return Status::invalid_argument(
      "One of the functions used in the statement has an intermediate type that the value format "
      "can not handle. Please remove the function or change the format.\nConsider up-voting "
      "https://github.com/confluentinc/ksql/issues/3950, which will resolve this limitation");
}

// ksqlDB prints COUNT(*) as COUNT(ROWTIME) in its messages.
std::string call_text(const FunctionCall& f) {
  if (f.star || (f.name == "COUNT" && f.args.empty())) return "COUNT(ROWTIME)";
  return to_sql(f);
}

// Binds the expressions over an aggregation's result: grouping expressions and aggregate calls
// become its columns; any other reference to the source is "not part of GROUP BY".
class ResultRewriter {
 public:
  ResultRewriter(ExprBinder& source_binder, AggregatePlan& agg, AggregateConfig config)
      : source_(source_binder), agg_(agg), config_(config) {}

  Result<BoundExprPtr> rewrite(const Expr& e) {
    // A window's bounds are columns of the result, after the grouping values.
    if (const auto* c = e.if_as<ColumnRef>(); c && agg_.window && is_window_bound(c->name)) {
      auto col = make_bound(BoundKind::kColumn, format::Type::bigint(), e.pos);
      col->column = static_cast<int>(agg_.group_by.size() + (c->name == "WINDOWEND" ? 1 : 0));
      return col;
    }
    if (const auto* f = e.if_as<FunctionCall>(); f && is_aggregate_function(f->name)) {
      return aggregate(*f);
    }
    if (contains_aggregate(e) || e.kind == ExprKind::kLambdaVariable ||
        e.kind == ExprKind::kLambda) {
      return BoundExprPtr();
    }
    auto bound = source_.bind(e);
    if (!bound) {
      // Not an expression over the source alone (it holds a lambda variable, ...): bind its
      // parts, which come back here.
      return BoundExprPtr();
    }
    for (size_t k = 0; k < agg_.group_by.size(); ++k) {
      if (bound_equals(**bound, *agg_.group_by[k])) {
        auto col = make_bound(BoundKind::kColumn, agg_.group_by[k]->type, e.pos);
        col->column = static_cast<int>(k);
        return col;
      }
    }
    BoundKind k = (*bound)->kind;
    if (k == BoundKind::kColumn || k == BoundKind::kRowTime || k == BoundKind::kRowPartition ||
        k == BoundKind::kRowOffset) {
      // A source column outside the grouping: recorded, bound as a NULL so binding goes on and
      // the caller can name every offending expression at once.
      if (not_grouped_.empty()) not_grouped_ = to_sql(e);
      return make_bound_constant(format::Value::null((*bound)->type), e.pos);
    }
    return BoundExprPtr();
  }

  // The first source reference outside the grouping since the last call ("" when none).
  std::string take_not_grouped() { return std::exchange(not_grouped_, std::string()); }

 private:
  Result<BoundExprPtr> aggregate(const FunctionCall& f) {
    for (const ExprPtr& a : f.args) {
      if (const FunctionCall* inner = first_aggregate(*a)) {
        return Status::invalid_argument(fmt::format("Aggregate functions can not be nested: {}({})",
                                                    f.name, call_text(*inner)));
      }
    }
    std::vector<BoundExprPtr> bound;
    std::vector<AggregateArg> infos;
    for (const ExprPtr& a : f.args) {
      if (const ColumnRef* c = agg_.window ? first_window_bound(*a) : nullptr) {
        return window_bounds_outside_select(*c);
      }
    }
    for (const ExprPtr& a : f.args) {
      SLUICE_ASSIGN_OR_RETURN(BoundExprPtr b, source_.bind(*a));
      bound.push_back(std::move(b));
    }
    for (size_t i = 0; i < bound.size(); ++i) {
      const BoundExprPtr& b = bound[i];
      AggregateArg info;
      info.text = to_sql(*f.args[i]);
      info.type = b->type;
      info.null_literal = is_null_literal(*b);
      if (b->kind == BoundKind::kConstant) info.literal = &b->constant;
      infos.push_back(info);
    }
    std::vector<size_t> data_args;
    auto fn = resolve_aggregate(f.name, infos, &data_args, config_);
    if (!fn) {
      return Status(fn.status().code(),
                    fmt::format("line {}:{}: {}", f.pos.line, f.pos.column, fn.status().message()));
    }
    AggregateCall call;
    call.function = *fn;
    call.text = call_text(f);
    for (size_t i = 0; i < data_args.size(); ++i) {
      const Type& t = call.function->param_types()[i];
      SLUICE_ASSIGN_OR_RETURN(BoundExprPtr arg, add_cast(std::move(bound[data_args[i]]), t));
      call.args.push_back(std::move(arg));
    }
    // The same call twice is computed once (its literal parameters are in the text).
    size_t index = agg_.calls.size();
    for (size_t i = 0; i < agg_.calls.size(); ++i) {
      const AggregateCall& c = agg_.calls[i];
      if (c.function->name() != call.function->name() ||
          c.function->result_type() != call.function->result_type() ||
          c.args.size() != call.args.size() || literal_text(c.text) != literal_text(call.text)) {
        continue;
      }
      bool same = true;
      for (size_t a = 0; a < c.args.size() && same; ++a) {
        same = bound_equals(*c.args[a], *call.args[a]);
      }
      if (same) index = i;
    }
    if (index == agg_.calls.size()) agg_.calls.push_back(std::move(call));
    auto col = make_bound(BoundKind::kColumn, agg_.calls[index].function->result_type(), f.pos);
    col->column = static_cast<int>(agg_.first_call_column() + index);
    return col;
  }

  // The literal parameters of a call as printed (calls differing only in them differ).
  static std::string literal_text(const std::string& text) {
    size_t comma = text.find(',');
    return comma == std::string::npos ? std::string() : text.substr(comma);
  }

  ExprBinder& source_;
  AggregatePlan& agg_;
  AggregateConfig config_;
  std::string not_grouped_;
};

}  // namespace

namespace {

Status plan_window(const WindowSpec& w, const Query& q, const DataSource& source,
                   AggregatePlan& agg) {
  if (source.is_table) {
    return Status::invalid_argument("Windowing not supported for table aggregations.");
  }
  WindowPlan plan;
  plan.size = w.size.to_millis();
  plan.session = w.type == WindowType::kSession;
  plan.advance = w.type == WindowType::kHopping ? w.advance.to_millis() : plan.size;
  // Without a GRACE PERIOD, EMIT FINAL closes a window at its end (as ksqlDB does), EMIT CHANGES
  // after ksqlDB's default grace.
  plan.grace = w.grace ? w.grace->to_millis() : q.emit == EmitKind::kFinal ? 0 : kDefaultGraceMs;
  plan.retention = w.retention ? w.retention->to_millis() : plan.size + plan.grace;
  plan.emit_final = q.emit == EmitKind::kFinal;
  if (plan.size <= 0) {
    return Status::invalid_argument(
        fmt::format("line {}:{}: Window size must be positive.", w.pos.line, w.pos.column));
  }
  if (plan.advance <= 0 || plan.advance > plan.size) {
    // Kafka Streams' TimeWindows.advanceBy check.
    return Status::invalid_argument(fmt::format(
        "line {}:{}: Window advancement interval should be more than zero and less than window "
        "duration",
        w.pos.line, w.pos.column));
  }
  if (plan.grace < 0) {
    return Status::invalid_argument(
        fmt::format("line {}:{}: Grace period must not be negative.", w.pos.line, w.pos.column));
  }
  agg.window = plan;
  return Status::ok();
}

}  // namespace

Status plan_aggregate(const Query& q, const PlanContext& ctx, const Scope& scope,
                      ExprBinder& source_binder, QueryPlan& plan) {
  const DataSource& source = *plan.input.source;
  auto agg = std::make_unique<AggregatePlan>();
  agg->source_is_table = source.is_table;
  if (const ColumnRef* c = q.window && q.having ? first_window_bound(*q.having) : nullptr) {
    return window_bounds_outside_select(*c);
  }
  if (q.window) SLUICE_RETURN_IF_ERROR(plan_window(*q.window, q, source, *agg));

  if (q.group_by.empty() && !ctx.transient) {
    const FunctionCall* f = nullptr;
    for (const SelectItem& s : q.select) {
      if (!f && s.expr) f = first_aggregate(*s.expr);
    }
    if (!f && q.having) f = first_aggregate(*q.having);
    std::string what =
        ctx.transient ? "SELECT"
                      : fmt::format("CREATE {} AS SELECT", ctx.sink_is_table ? "TABLE" : "STREAM");
    return Status::invalid_argument(fmt::format(
        "{} statement does not support aggregate function [{}] without a GROUP BY clause.", what,
        f ? call_text(*f) : std::string("?")));
  }
  if (source.value_format.name == "KAFKA") {
    return Status::invalid_argument(
        fmt::format("Source(s) {} are using the 'KAFKA' value format. This format does not yet "
                    "support GROUP BY.",
                    source.name));
  }

  // Grouping expressions, over the source.
  source_binder.set_clause("GROUP BY");
  std::vector<std::string> group_texts;
  for (const ExprPtr& g : q.group_by) {
    if (const FunctionCall* f = first_aggregate(*g)) {
      return Status::invalid_argument(fmt::format(
          "GROUP BY does not support aggregate functions: {} is an aggregate function.", f->name));
    }
    SLUICE_ASSIGN_OR_RETURN(BoundExprPtr b, source_binder.bind_typed(*g));
    ExprPtr qualified = clone_expr(*g);
    qualify_columns(*qualified, source.name);
    for (const BoundExprPtr& prev : agg->group_by) {
      if (bound_equals(*prev, *b)) {
        return Status::invalid_argument(
            fmt::format("Duplicate GROUP BY expression: {}", to_sql(*qualified)));
      }
    }
    group_texts.push_back(to_sql(*g));
    agg->group_by.push_back(std::move(b));
  }
  // Grouping by the source's key columns, in order, keeps every group in its partition.
  bool by_key = agg->group_by.size() == plan.input.key_columns.size();
  for (size_t k = 0; by_key && k < agg->group_by.size(); ++k) {
    const BoundExpr& g = *agg->group_by[k];
    by_key =
        g.kind == BoundKind::kColumn && g.column == static_cast<int>(plan.input.key_columns[k]);
  }
  // A join's rows are grouped in a stage of their own, after the join's.
  agg->repartition = source.is_table || !by_key || plan.join;

  ResultRewriter rewriter(source_binder, *agg, aggregate_config(ctx.session));
  Scope result_scope;  // nothing resolves by name: the rewriter maps every source reference
  result_scope.source_name = scope.source_name;
  result_scope.alias = scope.alias;
  result_scope.system_columns = false;
  ExprBinder result_binder(result_scope, *ctx.functions, *ctx.catalog);
  result_binder.set_rewriter([&](const Expr& e) { return rewriter.rewrite(e); });
  source_binder.set_clause("SELECT");

  // The projection.
  std::vector<Item> items;
  std::vector<std::string> not_grouped;
  int counter = 0;
  auto add_item = [&](const Expr& e, std::string alias, bool from_star) -> Status {
    result_binder.set_clause("SELECT");
    auto b = result_binder.bind_typed(e);
    if (!b) return with_select_context(b.status());
    if (!rewriter.take_not_grouped().empty()) {
      not_grouped.push_back(to_sql(e));
      return Status::ok();
    }
    Item it;
    it.name = alias.empty() ? default_name(e, counter) : std::move(alias);
    it.expr = std::move(*b);
    it.from_star = from_star;
    it.source_text = to_sql(e);
    it.cast = e.kind == ExprKind::kCast;
    items.push_back(std::move(it));
    return Status::ok();
  };
  for (const SelectItem& s : q.select) {
    switch (s.kind) {
      case SelectItemKind::kAllColumns: {
        // Every source column (key columns first), each of which must be grouped.
        std::vector<size_t> order(plan.input.key_columns.begin(), plan.input.key_columns.end());
        for (size_t i = 0; i < source.columns.size(); ++i) {
          if (source.columns[i].kind != ColumnKind::kKey) order.push_back(i);
        }
        for (size_t i : order) {
          ColumnRef ref(s.pos);
          ref.name = source.columns[i].name;
          SLUICE_RETURN_IF_ERROR(add_item(ref, "", true));
        }
        break;
      }
      case SelectItemKind::kStructAll:
        return Status::not_supported_yet("'->*' in an aggregation's projection");
      case SelectItemKind::kExpression:
        if (!s.alias.empty() && is_pseudo_column(s.alias)) {
          return Status::invalid_argument(fmt::format(
              "`{}` is a reserved column name. You cannot use it as an alias for a column.",
              s.alias));
        }
        SLUICE_RETURN_IF_ERROR(add_item(*s.expr, s.alias, false));
        break;
    }
  }
  if (!not_grouped.empty()) {
    return Status::invalid_argument(
        fmt::format("Non-aggregate SELECT expression(s) not part of GROUP BY: {}\nEither add the "
                    "column(s) to the GROUP BY or remove them from the SELECT.",
                    join_names(not_grouped, ", ", ", ")));
  }

  if (q.having) {
    result_binder.set_clause("HAVING");
    auto h = result_binder.bind(*q.having);
    if (!h) return with_clause(h.status(), "HAVING");
    if (std::string leaf = rewriter.take_not_grouped(); !leaf.empty()) {
      return Status::invalid_argument(
          fmt::format("Non-aggregate HAVING expression not part of GROUP BY: {}", leaf));
    }
    if (is_null_literal(**h)) {
      SLUICE_ASSIGN_OR_RETURN(*h, add_cast(std::move(*h), Type::boolean()));
    }
    if ((*h)->type.id() != TypeId::kBoolean) {
      return Status::invalid_argument(fmt::format(
          "Type error in HAVING expression: Should evaluate to boolean but is {} ({}) instead.",
          to_sql(*q.having), (*h)->type.to_string()));
    }
    agg->having = std::move(*h);
  }
  if (agg->calls.empty()) {
    return Status::invalid_argument(
        "GROUP BY requires aggregate functions in either the SELECT or HAVING clause.");
  }
  if (source.is_table) {
    std::vector<std::string> refused;
    for (const AggregateCall& c : agg->calls) {
      if (!c.function->supports_tables() &&
          std::find(refused.begin(), refused.end(), c.function->name()) == refused.end()) {
        refused.push_back(c.function->name());
      }
    }
    if (!refused.empty()) {  // in the order the query calls them, as ksqlDB lists them
      return Status::invalid_argument(fmt::format(
          "The aggregation function{} {} cannot be applied to a table source, only to a stream "
          "source.",
          refused.size() > 1 ? "s" : "", join_names(refused, ", ", " and ")));
    }
  }

  if (agg->window && agg->window->session) {
    // Merging sessions folds their accumulators together.
    for (const AggregateCall& c : agg->calls) {
      if (!c.function->supports_merge()) {
        return Status::not_supported_yet(
            fmt::format("SESSION windows with {}", c.function->name()));
      }
    }
  }
  // The result schema: grouping values, the window's bounds, then the calls' results.
  for (size_t k = 0; k < agg->group_by.size(); ++k) {
    agg->schema.push_back({fmt::format("$G{}", k), agg->group_by[k]->type});
  }
  if (agg->window) {
    agg->schema.push_back({"WINDOWSTART", format::Type::bigint()});
    agg->schema.push_back({"WINDOWEND", format::Type::bigint()});
  }
  for (size_t i = 0; i < agg->calls.size(); ++i) {
    agg->schema.push_back({fmt::format("$A{}", i), agg->calls[i].function->result_type()});
  }

  // Key columns: the items that are exactly a grouping expression, in GROUP BY order (a CAST of
  // one, even to its own type, is another expression, a value column, as in ksqlDB).
  std::vector<int> key_item(agg->group_by.size(), -1);
  for (size_t i = 0; i < items.size(); ++i) {
    const BoundExpr& e = *items[i].expr;
    if (e.kind != BoundKind::kColumn || e.column >= static_cast<int>(agg->group_by.size()) ||
        items[i].cast) {
      continue;
    }
    int& slot = key_item[static_cast<size_t>(e.column)];
    if (slot >= 0 && !ctx.transient) {
      return Status::invalid_argument(
          fmt::format("The projection contains a key column more than once: `{}` and `{}`.",
                      items[static_cast<size_t>(slot)].name, items[i].name));
    }
    if (slot < 0) slot = static_cast<int>(i);
  }
  std::vector<bool> is_key(items.size(), false);
  if (!ctx.transient) {
    std::vector<std::string> missing;
    for (size_t k = 0; k < key_item.size(); ++k) {
      if (key_item[k] < 0) {
        missing.push_back(group_texts[k]);
      } else {
        is_key[static_cast<size_t>(key_item[k])] = true;
      }
    }
    if (!missing.empty()) {
      return Status::invalid_argument(fmt::format(
          "The query used to build `{}` must include the grouping expression{} {} in its "
          "projection (eg, SELECT {}...).",
          ctx.sink_name, missing.size() > 1 ? "s" : "", join_names(missing, ", ", " and "),
          join_names(missing, ", ", ", ")));
    }
    for (size_t k = 0; k < key_item.size(); ++k) {
      Item& it = items[static_cast<size_t>(key_item[k])];
      plan.columns.push_back({it.name, it.expr->type, true, std::move(it.expr), true});
    }
  }
  for (size_t i = 0; i < items.size(); ++i) {
    if (is_key[i]) continue;
    plan.columns.push_back(
        {items[i].name, items[i].expr->type, false, std::move(items[i].expr), false});
  }
  SLUICE_RETURN_IF_ERROR(check_output_columns(plan.columns));
  SLUICE_RETURN_IF_ERROR(check_intermediate_types(source, *agg));

  std::vector<BoundExpr*> source_roots;
  source_roots.push_back(plan.where.get());
  for (auto& g : agg->group_by) source_roots.push_back(g.get());
  for (auto& c : agg->calls) {
    for (auto& a : c.args) source_roots.push_back(a.get());
  }
  agg->num_source_slots = assign_slots(source_roots);
  std::vector<BoundExpr*> result_roots;
  result_roots.push_back(agg->having.get());
  for (auto& c : plan.columns) result_roots.push_back(c.expr.get());
  plan.num_slots = assign_slots(result_roots);
  plan.is_table = true;
  plan.rekeyed = true;  // the key is the grouping, computed
  plan.aggregate = std::move(agg);
  return Status::ok();
}

}  // namespace plan_detail

}  // namespace sluice::sql
