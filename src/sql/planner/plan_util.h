// Helpers the query planners share (plan_query for stateless queries, plan_aggregate for
// GROUP BY): ksqlDB's naming of select items and the wording of its planning errors.
//
// Thread-safety: free functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "sql/parser/expr.h"
#include "sql/parser/statement.h"
#include "sql/planner/binder.h"
#include "sql/planner/bound_expr.h"
#include "sql/planner/query_plan.h"

namespace sluice::sql::plan_detail {

// One select item as bound.
struct Item {
  std::string name;
  BoundExprPtr expr;
  bool from_star = false;
  std::string source_text;  // the expression as written (for messages)
  bool cast = false;        // written as a CAST (never the key, even when the cast folds away)
};

// ksqlDB's "Error in WHERE expression: <reason>", with our position kept in front.
Status with_clause(const Status& s, std::string_view clause);
// ksqlDB reports a CAST that cannot be compiled in a projection as "Invalid Select: ...".
Status with_select_context(const Status& s);
// The name ksqlDB gives an unaliased select expression: a column's own name, a struct field's
// name, or the next KSQL_COL_n.
std::string default_name(const Expr& e, int& counter);
bool is_pseudo_column(std::string_view name);
// True when e reads only the given batch columns (and constants, functions of them).
bool reads_only(const BoundExpr& e, const std::vector<uint32_t>& allowed);
// Qualifies unqualified column references with the source name, as ksqlDB prints them.
void qualify_columns(Expr& e, const std::string& source);
// "a, b and c" with sep = ", ", last_sep = " and ".
std::string join_names(const std::vector<std::string>& names, std::string_view sep,
                       std::string_view last_sep);

// The projection has a value column and no name twice (ksqlDB's messages).
Status check_output_columns(const std::vector<OutputColumn>& columns);

// True when the select items or HAVING call an aggregate function.
bool has_aggregate(const Query& q);
bool is_window_bound(std::string_view name);  // WINDOWSTART or WINDOWEND
// The first WINDOWSTART or WINDOWEND reference in e, or null.
const ColumnRef* first_window_bound(const Expr& e);
// ksqlDB's refusal of window bounds outside a windowed aggregation's SELECT (HAVING, calls).
Status window_bounds_outside_select(const ColumnRef& c);
bool contains_aggregate(const Expr& e);

// Plans the aggregation of a query with GROUP BY or aggregate calls into `plan` (whose input
// and WHERE are set; `source_binder` binds over the source's `scope`): plan.aggregate, the
// projection over its result, the slots.
Status plan_aggregate(const Query& q, const PlanContext& ctx, const Scope& scope,
                      ExprBinder& source_binder, QueryPlan& plan);

// Plans a query's join (its first join; more are not supported yet): plan.join, plan.input as
// the joined batch, `scope` over it (each side's columns by their qualifier).
Status plan_join(const Query& q, const PlanContext& ctx, QueryPlan& plan, Scope& scope);
// Which of a join's select items is its key (ksqlDB's rules and messages), re-pointed at the
// joined batch's key column.
Status join_key_items(const JoinPlan& j, const PlanContext& ctx, std::vector<Item>& items,
                      std::vector<bool>& is_key);

}  // namespace sluice::sql::plan_detail
