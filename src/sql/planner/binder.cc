#include "sql/planner/binder.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "format/decimal.h"
#include "sql/functions/aggregate.h"
#include "sql/functions/cast.h"
#include "sql/parser/formatter.h"

namespace sluice::sql {

using format::Type;
using format::TypeId;
using format::Value;

const ScopeColumn* Scope::find(std::string_view name) const {
  for (const ScopeColumn& c : columns) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

bool is_null_literal(const BoundExpr& e) {
  return e.kind == BoundKind::kConstant && e.untyped_null;
}

namespace {

const char* compare_op_name(CompareOp op) {
  switch (op) {
    case CompareOp::kEq:
      return "EQUAL";
    case CompareOp::kNe:
      return "NOT_EQUAL";
    case CompareOp::kLt:
      return "LESS_THAN";
    case CompareOp::kLe:
      return "LESS_THAN_OR_EQUAL";
    case CompareOp::kGt:
      return "GREATER_THAN";
    case CompareOp::kGe:
      return "GREATER_THAN_OR_EQUAL";
    case CompareOp::kIsDistinctFrom:
      return "IS_DISTINCT_FROM";
    case CompareOp::kIsNotDistinctFrom:
      return "IS_NOT_DISTINCT_FROM";
  }
  return "?";
}

Type cap_decimal(int precision, int scale) {
  precision = std::clamp(precision, 1, format::kMaxDecimalPrecision);
  scale = std::clamp(scale, 0, precision);
  return Type::decimal(precision, scale);
}

// ksqlDB's decimal result types for + - * / %.
Type decimal_result(ArithOp op, const Type& a, const Type& b) {
  int p1 = a.precision(), s1 = a.scale(), p2 = b.precision(), s2 = b.scale();
  switch (op) {
    case ArithOp::kAdd:
    case ArithOp::kSub: {
      int s = std::max(s1, s2);
      return cap_decimal(std::max(p1 - s1, p2 - s2) + s + 1, s);
    }
    case ArithOp::kMul:
      return cap_decimal(p1 + p2 + 1, s1 + s2);
    case ArithOp::kDiv: {
      int s = std::max(6, s1 + p2 + 1);
      return cap_decimal(p1 - s1 + s2 + s, s);
    }
    case ArithOp::kMod: {
      int s = std::max(s1, s2);
      return cap_decimal(std::min(p1 - s1, p2 - s2) + s, s);
    }
    case ArithOp::kConcat:
      break;
  }
  return a;
}

bool is_comparable_scalar(TypeId id) {
  return id == TypeId::kBoolean || id == TypeId::kString || id == TypeId::kBytes ||
         id == TypeId::kTimestamp || id == TypeId::kDate || id == TypeId::kTime;
}

}  // namespace

Result<BoundExprPtr> add_cast(BoundExprPtr e, const Type& to) {
  if (e->type == to && !e->untyped_null) return e;
  if (e->kind == BoundKind::kConstant) {
    SourcePos pos = e->pos;
    auto v = cast_value(e->constant, to);
    // A literal that does not convert is NULL, as the same cast of a column value would be.
    return make_bound_constant(v ? std::move(*v) : Value::null(to), pos);
  }
  auto c = make_bound(BoundKind::kCast, to, e->pos);
  c->children.push_back(std::move(e));
  return c;
}

Status ExprBinder::error(const Expr& at, std::string message) const {
  return Status::invalid_argument(
      fmt::format("line {}:{}: {}", at.pos.line, at.pos.column, std::move(message)));
}

Result<BoundExprPtr> ExprBinder::bind(const Expr& e) {
  return bind_node(e);
}

Result<BoundExprPtr> ExprBinder::bind_typed(const Expr& e) {
  SLUICE_ASSIGN_OR_RETURN(BoundExprPtr b, bind_node(e));
  if (is_null_literal(*b)) {
    return error(e,
                 "Can't infer a type of null. Please explicitly cast it to a required type, "
                 "e.g. CAST(null AS VARCHAR).");
  }
  return b;
}

Result<BoundExprPtr> ExprBinder::bind_column(const ColumnRef& c) {
  if (!scope_.sides.empty()) {
    SLUICE_ASSIGN_OR_RETURN(const ScopeColumn* col, find_join_column(c));
    if (col) {
      auto e = make_bound(BoundKind::kColumn, col->type, c.pos);
      e->column = col->index;
      return e;
    }
  } else if (!c.qualifier.empty() && c.qualifier != scope_.source_name &&
             c.qualifier != scope_.alias) {
    // A qualifier that names no source in scope (ksqlDB's wording; a known qualifier with an
    // unknown column is "column 'Q.C' cannot be resolved" below).
    return error(c, fmt::format("Failed to prepare statement: '{}' is not a valid stream/table "
                                "name or alias.",
                                c.qualifier));
  }
  if (const ScopeColumn* col = scope_.sides.empty() ? scope_.find(c.name) : nullptr) {
    auto e = make_bound(BoundKind::kColumn, col->type, c.pos);
    e->column = col->index;
    return e;
  }
  if (scope_.system_columns) {
    if (c.name == "ROWTIME") return make_bound(BoundKind::kRowTime, Type::bigint(), c.pos);
    if (c.name == "ROWPARTITION")
      return make_bound(BoundKind::kRowPartition, Type::integer(), c.pos);
    if (c.name == "ROWOFFSET") return make_bound(BoundKind::kRowOffset, Type::bigint(), c.pos);
  }
  for (size_t i = lambda_params_.size(); i-- > 0;) {
    if (lambda_params_[i].first == c.name) {
      auto e = make_bound(BoundKind::kLambdaVar, lambda_params_[i].second, c.pos);
      e->column = static_cast<int>(i);
      return e;
    }
  }
  std::string name = c.qualifier.empty() ? c.name : c.qualifier + "." + c.name;
  if (clause_ == "PARTITION BY") {
    return error(c,
                 fmt::format("PARTITION BY column '{}' cannot be resolved. '{}' must be a column "
                             "in the source schema since PARTITION BY is applied on the input.",
                             name, name));
  }
  return error(c, fmt::format("{} column '{}' cannot be resolved.", clause_, name));
}

Result<const ScopeColumn*> ExprBinder::find_join_column(const ColumnRef& c) const {
  auto pseudo = [](std::string_view n) {
    return n == "ROWTIME" || n == "ROWPARTITION" || n == "ROWOFFSET";
  };
  if (!c.qualifier.empty()) {
    const std::string* alias = nullptr;
    for (const auto& [name, side_alias] : scope_.sides) {
      if (c.qualifier == side_alias || c.qualifier == name) alias = &side_alias;
    }
    if (!alias) {
      return error(c, fmt::format("Failed to prepare statement: '{}' is not a valid stream/table "
                                  "name or alias.",
                                  c.qualifier));
    }
    for (const ScopeColumn& col : scope_.columns) {
      if (col.qualifier == *alias && col.name == c.name) return &col;
    }
    return nullptr;
  }
  if (pseudo(c.name)) return nullptr;  // the joined row's own
  const ScopeColumn* found = nullptr;
  std::vector<std::string> candidates;
  for (const ScopeColumn& col : scope_.columns) {
    if (col.name != c.name) continue;
    found = &col;
    candidates.push_back(col.qualifier.empty() ? col.name : col.qualifier + "." + col.name);
  }
  if (candidates.size() > 1) {
    std::string list;
    for (size_t i = 0; i < candidates.size(); ++i) {
      if (i) list += i + 1 == candidates.size() ? " or " : ", ";
      list += candidates[i];
    }
    return error(c, fmt::format("Column '{}' is ambiguous. Could be {}.", c.name, list));
  }
  return found;
}

Result<BoundExprPtr> ExprBinder::bind_arith(const Arithmetic& a) {
  SLUICE_ASSIGN_OR_RETURN(BoundExprPtr l, bind_node(*a.left));
  SLUICE_ASSIGN_OR_RETURN(BoundExprPtr r, bind_node(*a.right));
  // ksqlDB refuses arithmetic on a bare NULL (CAST(NULL AS INT) + 1 is fine).
  if (is_null_literal(*l) || is_null_literal(*r)) {
    auto name = [](const BoundExpr& e) {
      return is_null_literal(e) ? std::string("null") : e.type.to_string();
    };
    return error(a, fmt::format("Error processing expression: {}. Arithmetic on types {} and {} "
                                "are not supported.",
                                to_sql(a), name(*l), name(*r)));
  }
  const Type lt = l->type, rt = r->type;
  auto unsupported = [&] {
    return error(
        a, fmt::format("Error processing expression: {}. Unsupported arithmetic types. "
                       "{} {}",
                       to_sql(a), format::type_id_name(lt.id()), format::type_id_name(rt.id())));
  };
  if (a.op == ArithOp::kConcat ||
      (a.op == ArithOp::kAdd && lt.id() == TypeId::kString && rt.id() == TypeId::kString)) {
    if (lt.id() != TypeId::kString || rt.id() != TypeId::kString) return unsupported();
    auto e = make_bound(BoundKind::kArith, Type::string(), a.pos);
    e->arith = ArithOp::kConcat;
    e->children.push_back(std::move(l));
    e->children.push_back(std::move(r));
    return e;
  }
  if (!lt.is_numeric() || !rt.is_numeric()) return unsupported();
  Type result;
  if (lt.id() == TypeId::kDouble || rt.id() == TypeId::kDouble) {
    result = Type::double_();
  } else if (lt.id() == TypeId::kDecimal || rt.id() == TypeId::kDecimal) {
    Type ld = *format::to_decimal_type(lt), rd = *format::to_decimal_type(rt);
    SLUICE_ASSIGN_OR_RETURN(l, add_cast(std::move(l), ld));
    SLUICE_ASSIGN_OR_RETURN(r, add_cast(std::move(r), rd));
    auto e = make_bound(BoundKind::kArith, decimal_result(a.op, ld, rd), a.pos);
    e->arith = a.op;
    e->children.push_back(std::move(l));
    e->children.push_back(std::move(r));
    return e;
  } else if (lt.id() == TypeId::kBigint || rt.id() == TypeId::kBigint) {
    result = Type::bigint();
  } else {
    result = Type::integer();
  }
  SLUICE_ASSIGN_OR_RETURN(l, add_cast(std::move(l), result));
  SLUICE_ASSIGN_OR_RETURN(r, add_cast(std::move(r), result));
  auto e = make_bound(BoundKind::kArith, result, a.pos);
  e->arith = a.op;
  e->children.push_back(std::move(l));
  e->children.push_back(std::move(r));
  return e;
}

Result<BoundExprPtr> ExprBinder::bind_compare(const Expr& at, CompareOp op, BoundExprPtr l,
                                              BoundExprPtr r) {
  bool ln = is_null_literal(*l), rn = is_null_literal(*r);
  bool distinct = op == CompareOp::kIsDistinctFrom || op == CompareOp::kIsNotDistinctFrom;
  if ((ln || rn) && !distinct) {
    // ksqlDB: a comparison with the NULL literal is never true; IS [NOT] NULL says what is meant.
    auto side = [](bool null, const BoundExpr& e) {
      if (null) return std::string("NULL");
      std::string t = e.type.to_string();  // the base type: DECIMAL, not DECIMAL(4, 2)
      return t.substr(0, t.find_first_of("(<"));
    };
    return error(at, fmt::format("Comparison with NULL not supported: {} {} {}\nUse 'IS NULL' or "
                                 "'IS NOT NULL' instead.",
                                 side(ln, *l), compare_op_symbol(op), side(rn, *r)));
  }
  if (ln && !rn) {
    SLUICE_ASSIGN_OR_RETURN(l, add_cast(std::move(l), r->type));
  } else if (rn && !ln) {
    SLUICE_ASSIGN_OR_RETURN(r, add_cast(std::move(r), l->type));
  }
  const Type lt = l->type, rt = r->type;
  auto mismatch = [&]() -> Status {
    std::string ls = "?", rs = "?", prefix;
    if (const auto* c = at.if_as<Comparison>()) {
      ls = to_sql(*c->left);
      rs = to_sql(*c->right);
    } else if (const auto* b = at.if_as<Between>()) {
      // BETWEEN is checked as its two comparisons; ksqlDB words its error so.
      ls = to_sql(*b->value);
      rs = to_sql(op == CompareOp::kGe ? *b->low : *b->high);
      prefix = "Invalid expression: ";
    }
    return error(at, fmt::format("{}Cannot compare {} ({}) to {} ({}) with {}.", prefix, ls,
                                 lt.to_string(), rs, rt.to_string(), compare_op_name(op)));
  };
  Type common = lt;
  if (lt.is_numeric() && rt.is_numeric()) {
    auto c = format::common_super_type(lt, rt);
    if (!c) return mismatch();
    common = *c;
  } else if (lt == rt) {
    bool ordered = is_comparable_scalar(lt.id());
    if (!ordered && op != CompareOp::kEq && op != CompareOp::kNe && !distinct) return mismatch();
  } else if ((lt.id() == TypeId::kTimestamp || lt.id() == TypeId::kDate ||
              lt.id() == TypeId::kTime) &&
             rt.id() == TypeId::kString) {
    common = lt;
  } else if ((rt.id() == TypeId::kTimestamp || rt.id() == TypeId::kDate ||
              rt.id() == TypeId::kTime) &&
             lt.id() == TypeId::kString) {
    common = rt;
  } else if ((lt.id() == TypeId::kTimestamp && rt.id() == TypeId::kDate) ||
             (lt.id() == TypeId::kDate && rt.id() == TypeId::kTimestamp)) {
    common = Type::timestamp();
  } else {
    return mismatch();
  }
  SLUICE_ASSIGN_OR_RETURN(l, add_cast(std::move(l), common));
  SLUICE_ASSIGN_OR_RETURN(r, add_cast(std::move(r), common));
  auto e = make_bound(BoundKind::kCompare, Type::boolean(), at.pos);
  e->compare = op;
  e->children.push_back(std::move(l));
  e->children.push_back(std::move(r));
  return e;
}

Result<BoundExprPtr> ExprBinder::bind_case(const Case& c) {
  std::vector<BoundExprPtr> conds, results;
  BoundExprPtr operand;
  if (c.operand) {
    SLUICE_ASSIGN_OR_RETURN(operand, bind_node(*c.operand));
  }
  for (const WhenClause& w : c.whens) {
    SLUICE_ASSIGN_OR_RETURN(BoundExprPtr cond, bind_node(*w.condition));
    if (operand) {
      SLUICE_ASSIGN_OR_RETURN(
          cond, bind_compare(*w.condition, CompareOp::kEq, clone_bound(*operand), std::move(cond)));
    } else if (is_null_literal(*cond)) {
      SLUICE_ASSIGN_OR_RETURN(cond, add_cast(std::move(cond), Type::boolean()));
    } else if (cond->type.id() != TypeId::kBoolean) {
      return error(*w.condition, fmt::format("WHEN operand type should be boolean.\nType for "
                                             "'{}' is {}",
                                             to_sql(*w.condition), cond->type.to_string()));
    }
    conds.push_back(std::move(cond));
    SLUICE_ASSIGN_OR_RETURN(BoundExprPtr res, bind_node(*w.result));
    results.push_back(std::move(res));
  }
  if (c.else_result) {
    SLUICE_ASSIGN_OR_RETURN(BoundExprPtr res, bind_node(*c.else_result));
    results.push_back(std::move(res));
  }
  std::optional<Type> type;
  for (const auto& r : results) {
    if (is_null_literal(*r)) continue;
    if (!type) {
      type = r->type;
      continue;
    }
    auto common = format::common_super_type(*type, r->type);
    if (!common) {
      return error(c, fmt::format("Invalid Case expression. Type for all 'THEN' clauses should "
                                  "be the same.\nTHEN expression '{}' has type: {}.",
                                  bound_to_string(*r), r->type.to_string()));
    }
    type = *common;
  }
  if (!type) {
    return error(c, "Invalid Case expression. All case branches have a type of null");
  }
  auto e = make_bound(BoundKind::kCase, *type, c.pos);
  e->has_else = c.else_result != nullptr;
  for (size_t i = 0; i < conds.size(); ++i) {
    e->children.push_back(std::move(conds[i]));
    SLUICE_ASSIGN_OR_RETURN(BoundExprPtr r, add_cast(std::move(results[i]), *type));
    e->children.push_back(std::move(r));
  }
  if (e->has_else) {
    SLUICE_ASSIGN_OR_RETURN(BoundExprPtr r, add_cast(std::move(results.back()), *type));
    e->children.push_back(std::move(r));
  }
  return e;
}

Result<BoundExprPtr> ExprBinder::bind_function(const FunctionCall& f) {
  static constexpr const char* kHigherOrder[] = {"TRANSFORM", "FILTER", "REDUCE"};
  for (const char* h : kHigherOrder) {
    if (f.name == h) return bind_lambda_call(f);
  }
  if (is_aggregate_function(f.name)) {
    // Reached only outside an aggregation's SELECT and HAVING (which rewrite the calls).
    return error(f, fmt::format("Aggregate functions can not be used in {}: {}", clause_, f.name));
  }
  std::vector<BoundExprPtr> args;
  std::vector<ArgInfo> infos;
  for (const ExprPtr& a : f.args) {
    SLUICE_ASSIGN_OR_RETURN(BoundExprPtr b, bind_node(*a));
    args.push_back(std::move(b));
  }
  for (const auto& b : args) {
    ArgInfo info;
    info.type = b->type;
    info.null_literal = is_null_literal(*b);
    if (b->kind == BoundKind::kConstant) info.constant = &b->constant;
    infos.push_back(std::move(info));
  }
  auto resolved = functions_.resolve(f.name, infos);
  if (!resolved) return error(f, resolved.status().message());
  BoundFunctionPtr fn = std::move(*resolved);
  auto e = make_bound(BoundKind::kFunction, fn->return_type, f.pos);
  for (size_t i = 0; i < args.size(); ++i) {
    const Type& pt = i < fn->param_types.size() ? fn->param_types[i] : args[i]->type;
    SLUICE_ASSIGN_OR_RETURN(BoundExprPtr c, add_cast(std::move(args[i]), pt));
    e->children.push_back(std::move(c));
  }
  e->function = std::move(fn);
  return e;
}

Result<BoundExprPtr> ExprBinder::bind_node(const Expr& e) {
  if (rewriter_) {
    SLUICE_ASSIGN_OR_RETURN(BoundExprPtr replaced, rewriter_(e));
    if (replaced) return replaced;
  }
  switch (e.kind) {
    case ExprKind::kLiteral: {
      const LiteralValue& v = e.as<Literal>().value;
      switch (v.type) {
        case LiteralType::kNull: {
          auto b = make_bound_constant(Value::null(Type::string()), e.pos);
          b->untyped_null = true;
          return b;
        }
        case LiteralType::kBoolean:
          return make_bound_constant(Value::boolean(v.bool_value), e.pos);
        case LiteralType::kInt:
          return make_bound_constant(Value::integer(static_cast<int32_t>(v.int_value)), e.pos);
        case LiteralType::kBigInt:
          return make_bound_constant(Value::bigint(v.int_value), e.pos);
        case LiteralType::kDouble:
          if (std::isinf(v.double_value)) {
            return error(e, fmt::format("Number overflows DOUBLE: {}", v.text));
          }
          return make_bound_constant(Value::double_(v.double_value), e.pos);
        case LiteralType::kDecimal: {
          auto d = format::parse_decimal(v.text, v.precision, v.scale);
          if (!d) return error(e, d.status().message());
          return make_bound_constant(Value::decimal(*d, v.precision, v.scale), e.pos);
        }
        case LiteralType::kString:
          return make_bound_constant(Value::string(v.text), e.pos);
        case LiteralType::kVariable:
          return error(e, fmt::format("Variable '{}' is not defined", v.text));
      }
      return error(e, "bad literal");
    }
    case ExprKind::kColumnRef:
      return bind_column(e.as<ColumnRef>());
    case ExprKind::kLambdaVariable: {
      const auto& lv = e.as<LambdaVariable>();
      for (size_t i = lambda_params_.size(); i-- > 0;) {
        if (lambda_params_[i].first == lv.name) {
          auto b = make_bound(BoundKind::kLambdaVar, lambda_params_[i].second, e.pos);
          b->column = static_cast<int>(i);
          return b;
        }
      }
      return error(e, fmt::format("Lambda variable '{}' cannot be resolved.", lv.name));
    }
    case ExprKind::kDereference: {
      const auto& d = e.as<Dereference>();
      SLUICE_ASSIGN_OR_RETURN(BoundExprPtr base, bind_node(*d.base));
      if (base->type.id() != TypeId::kStruct) {
        return error(e, fmt::format("Expected STRUCT type, got: {}", base->type.to_string()));
      }
      int idx = base->type.field_index(d.field);
      if (idx < 0) {
        return error(e,
                     fmt::format("Could not find field '{}' in '{}'.", d.field, to_sql(*d.base)));
      }
      auto b =
          make_bound(BoundKind::kField, base->type.fields()[static_cast<size_t>(idx)].type, e.pos);
      b->column = idx;
      b->children.push_back(std::move(base));
      return b;
    }
    case ExprKind::kSubscript: {
      const auto& s = e.as<Subscript>();
      SLUICE_ASSIGN_OR_RETURN(BoundExprPtr base, bind_node(*s.base));
      SLUICE_ASSIGN_OR_RETURN(BoundExprPtr index, bind_node(*s.index));
      if (base->type.id() == TypeId::kArray) {
        if (index->type.id() != TypeId::kInteger && index->type.id() != TypeId::kBigint &&
            !is_null_literal(*index)) {
          return error(e,
                       fmt::format("Array index must be INTEGER, got {}", index->type.to_string()));
        }
        SLUICE_ASSIGN_OR_RETURN(index, add_cast(std::move(index), Type::integer()));
        auto b = make_bound(BoundKind::kArrayIndex, base->type.element(), e.pos);
        b->children.push_back(std::move(base));
        b->children.push_back(std::move(index));
        return b;
      }
      if (base->type.id() == TypeId::kMap) {
        Type key = base->type.key();
        if (!is_null_literal(*index) && !format::can_implicitly_cast(index->type, key)) {
          return error(e, fmt::format("Map key must be {}, got {}", key.to_string(),
                                      index->type.to_string()));
        }
        SLUICE_ASSIGN_OR_RETURN(index, add_cast(std::move(index), key));
        auto b = make_bound(BoundKind::kMapLookup, base->type.value(), e.pos);
        b->children.push_back(std::move(base));
        b->children.push_back(std::move(index));
        return b;
      }
      return error(e, fmt::format("Subscript expression requires ARRAY or MAP, got {}",
                                  base->type.to_string()));
    }
    case ExprKind::kUnary: {
      const auto& u = e.as<Unary>();
      SLUICE_ASSIGN_OR_RETURN(BoundExprPtr v, bind_node(*u.operand));
      if (!v->type.is_numeric()) {
        return error(e, fmt::format("Unary operator requires a numeric operand, got {}",
                                    v->type.to_string()));
      }
      if (u.op == UnaryOp::kPlus) return v;
      if (v->kind == BoundKind::kConstant && !v->constant.is_null()) {
        const Value& c = v->constant;
        switch (c.type().id()) {
          case TypeId::kInteger:
            return make_bound_constant(Value::integer(static_cast<int32_t>(-int64_t{c.as_int()})),
                                       e.pos);
          case TypeId::kBigint:
            return make_bound_constant(
                Value::bigint(static_cast<int64_t>(0ULL - static_cast<uint64_t>(c.as_bigint()))),
                e.pos);
          case TypeId::kDouble:
            return make_bound_constant(Value::double_(-c.as_double()), e.pos);
          case TypeId::kDecimal:
            return make_bound_constant(
                Value::decimal(-c.as_decimal(), c.type().precision(), c.type().scale()), e.pos);
          default:
            break;
        }
      }
      auto b = make_bound(BoundKind::kNegate, v->type, e.pos);
      b->children.push_back(std::move(v));
      return b;
    }
    case ExprKind::kArithmetic:
      return bind_arith(e.as<Arithmetic>());
    case ExprKind::kComparison: {
      const auto& c = e.as<Comparison>();
      SLUICE_ASSIGN_OR_RETURN(BoundExprPtr l, bind_node(*c.left));
      SLUICE_ASSIGN_OR_RETURN(BoundExprPtr r, bind_node(*c.right));
      return bind_compare(e, c.op, std::move(l), std::move(r));
    }
    case ExprKind::kLogical: {
      const auto& lg = e.as<Logical>();
      auto b = make_bound(lg.op == LogicalOp::kAnd ? BoundKind::kAnd : BoundKind::kOr,
                          Type::boolean(), e.pos);
      for (const Expr* side : {lg.left.get(), lg.right.get()}) {
        SLUICE_ASSIGN_OR_RETURN(BoundExprPtr v, bind_node(*side));
        if (is_null_literal(*v)) {
          SLUICE_ASSIGN_OR_RETURN(v, add_cast(std::move(v), Type::boolean()));
        }
        if (v->type.id() != TypeId::kBoolean) {
          return error(*side, fmt::format("Logical operator requires BOOLEAN operands, got {}",
                                          v->type.to_string()));
        }
        b->children.push_back(std::move(v));
      }
      return b;
    }
    case ExprKind::kNot: {
      SLUICE_ASSIGN_OR_RETURN(BoundExprPtr v, bind_node(*e.as<Not>().operand));
      if (is_null_literal(*v)) {
        SLUICE_ASSIGN_OR_RETURN(v, add_cast(std::move(v), Type::boolean()));
      }
      if (v->type.id() != TypeId::kBoolean) {
        return error(e, fmt::format("NOT requires a BOOLEAN operand, got {}", v->type.to_string()));
      }
      auto b = make_bound(BoundKind::kNot, Type::boolean(), e.pos);
      b->children.push_back(std::move(v));
      return b;
    }
    case ExprKind::kIsNull: {
      const auto& n = e.as<IsNull>();
      SLUICE_ASSIGN_OR_RETURN(BoundExprPtr v, bind_node(*n.operand));
      auto b = make_bound(BoundKind::kIsNull, Type::boolean(), e.pos);
      b->negated = n.negated;
      b->children.push_back(std::move(v));
      return b;
    }
    case ExprKind::kBetween: {
      const auto& bt = e.as<Between>();
      SLUICE_ASSIGN_OR_RETURN(BoundExprPtr v, bind_node(*bt.value));
      SLUICE_ASSIGN_OR_RETURN(BoundExprPtr lo, bind_node(*bt.low));
      SLUICE_ASSIGN_OR_RETURN(BoundExprPtr hi, bind_node(*bt.high));
      auto v2 = clone_bound(*v);
      SLUICE_ASSIGN_OR_RETURN(BoundExprPtr ge,
                              bind_compare(e, CompareOp::kGe, std::move(v), std::move(lo)));
      SLUICE_ASSIGN_OR_RETURN(BoundExprPtr le,
                              bind_compare(e, CompareOp::kLe, std::move(v2), std::move(hi)));
      auto b = make_bound(BoundKind::kAnd, Type::boolean(), e.pos);
      b->children.push_back(std::move(ge));
      b->children.push_back(std::move(le));
      if (!bt.negated) return b;
      auto n = make_bound(BoundKind::kNot, Type::boolean(), e.pos);
      n->children.push_back(std::move(b));
      return n;
    }
    case ExprKind::kLike: {
      const auto& lk = e.as<Like>();
      SLUICE_ASSIGN_OR_RETURN(BoundExprPtr v, bind_node(*lk.value));
      SLUICE_ASSIGN_OR_RETURN(BoundExprPtr p, bind_node(*lk.pattern));
      SLUICE_ASSIGN_OR_RETURN(v, add_cast(std::move(v), Type::string()));
      SLUICE_ASSIGN_OR_RETURN(p, add_cast(std::move(p), Type::string()));
      auto b = make_bound(BoundKind::kLike, Type::boolean(), e.pos);
      if (lk.escape) {
        if (lk.escape->size() != 1) return error(e, "Escape string must be a single character");
        b->escape = (*lk.escape)[0];
      }
      b->children.push_back(std::move(v));
      b->children.push_back(std::move(p));
      if (!lk.negated) return b;
      auto n = make_bound(BoundKind::kNot, Type::boolean(), e.pos);
      n->children.push_back(std::move(b));
      return n;
    }
    case ExprKind::kInList: {
      const auto& in = e.as<InList>();
      SLUICE_ASSIGN_OR_RETURN(BoundExprPtr v, bind_node(*in.value));
      std::vector<BoundExprPtr> items;
      Type common = v->type;
      bool typed = !is_null_literal(*v);
      for (const ExprPtr& x : in.list) {
        SLUICE_ASSIGN_OR_RETURN(BoundExprPtr b, bind_node(*x));
        if (!is_null_literal(*b)) {
          if (!typed) {
            common = b->type;
            typed = true;
          } else {
            auto c = format::common_super_type(common, b->type);
            if (!c) {
              return error(*x, fmt::format("Invalid Predicate: operator IN requires all values "
                                           "to be compatible. {} ({}) vs {} ({})",
                                           to_sql(*in.value), common.to_string(), to_sql(*x),
                                           b->type.to_string()));
            }
            common = *c;
          }
        }
        items.push_back(std::move(b));
      }
      auto b = make_bound(BoundKind::kIn, Type::boolean(), e.pos);
      b->negated = in.negated;
      SLUICE_ASSIGN_OR_RETURN(v, add_cast(std::move(v), common));
      b->children.push_back(std::move(v));
      for (auto& x : items) {
        SLUICE_ASSIGN_OR_RETURN(BoundExprPtr c, add_cast(std::move(x), common));
        b->children.push_back(std::move(c));
      }
      return b;
    }
    case ExprKind::kCast: {
      const auto& c = e.as<Cast>();
      SLUICE_ASSIGN_OR_RETURN(BoundExprPtr v, bind_node(*c.operand));
      auto to = resolve_type(c.type, catalog_);
      if (!to) return error(e, to.status().message());
      if (!is_null_literal(*v) && !can_cast(v->type, *to)) {
        return error(e, fmt::format("Cast of {} to {} is not supported", v->type.to_string(),
                                    to->to_string()));
      }
      return add_cast(std::move(v), *to);
    }
    case ExprKind::kCase:
      return bind_case(e.as<Case>());
    case ExprKind::kFunctionCall:
      return bind_function(e.as<FunctionCall>());
    case ExprKind::kLambda:
      return error(e,
                   "Lambda expressions are only valid as arguments of TRANSFORM, FILTER and "
                   "REDUCE");
    case ExprKind::kIntervalUnit:
      return make_bound_constant(Value::string(time_unit_name(e.as<IntervalUnit>().unit)), e.pos);
    case ExprKind::kArrayCtor:
    case ExprKind::kMapCtor:
    case ExprKind::kStructCtor:
    case ExprKind::kTypedLiteral:
      return bind_constructor(e);
    case ExprKind::kAtTimeZone:
      return Status::not_supported_yet("AT TIME ZONE");
  }
  return error(e, "unsupported expression");
}

}  // namespace sluice::sql
