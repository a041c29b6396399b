#include "sql/planner/bound_expr.h"

#include <fmt/format.h>

namespace sluice::sql {

BoundExprPtr make_bound(BoundKind kind, format::Type type, SourcePos pos) {
  auto e = std::make_unique<BoundExpr>();
  e->kind = kind;
  e->type = std::move(type);
  e->pos = pos;
  return e;
}

BoundExprPtr make_bound_constant(format::Value v, SourcePos pos) {
  auto e = make_bound(BoundKind::kConstant, v.type(), pos);
  e->constant = std::move(v);
  return e;
}

BoundExprPtr clone_bound(const BoundExpr& e) {
  auto c = std::make_unique<BoundExpr>();
  c->kind = e.kind;
  c->type = e.type;
  c->constant = e.constant;
  c->column = e.column;
  c->arith = e.arith;
  c->compare = e.compare;
  c->negated = e.negated;
  c->has_else = e.has_else;
  c->untyped_null = e.untyped_null;
  c->escape = e.escape;
  c->function = e.function;
  c->name = e.name;
  c->slot = e.slot;
  c->pos = e.pos;
  for (const auto& ch : e.children) c->children.push_back(clone_bound(*ch));
  return c;
}

namespace {
void assign(BoundExpr& e, uint32_t& next) {
  e.slot = next++;
  for (auto& c : e.children) assign(*c, next);
}
}  // namespace

uint32_t assign_slots(std::span<BoundExpr* const> roots, uint32_t first) {
  uint32_t next = first;
  for (BoundExpr* r : roots) {
    if (r) assign(*r, next);
  }
  return next;
}

std::string bound_to_string(const BoundExpr& e) {
  auto child = [&](size_t i) { return bound_to_string(*e.children[i]); };
  auto list = [&](size_t from) {
    std::string s;
    for (size_t i = from; i < e.children.size(); ++i) {
      if (i > from) s += ", ";
      s += child(i);
    }
    return s;
  };
  switch (e.kind) {
    case BoundKind::kConstant:
      if (e.constant.is_null()) return "null";
      if (e.constant.type().id() == format::TypeId::kString) {
        return "'" + e.constant.as_string() + "'";
      }
      return e.constant.to_string();
    case BoundKind::kColumn:
      return fmt::format("COL#{}", e.column);
    case BoundKind::kRowTime:
      return "ROWTIME";
    case BoundKind::kRowPartition:
      return "ROWPARTITION";
    case BoundKind::kRowOffset:
      return "ROWOFFSET";
    case BoundKind::kCast:
      return fmt::format("CAST({} AS {})", child(0), e.type.to_string());
    case BoundKind::kArith:
      return fmt::format("({} {} {})", child(0), arith_op_symbol(e.arith), child(1));
    case BoundKind::kNegate:
      return fmt::format("-{}", child(0));
    case BoundKind::kCompare:
      return fmt::format("({} {} {})", child(0), compare_op_symbol(e.compare), child(1));
    case BoundKind::kAnd:
      return fmt::format("({} AND {})", child(0), child(1));
    case BoundKind::kOr:
      return fmt::format("({} OR {})", child(0), child(1));
    case BoundKind::kNot:
      return fmt::format("(NOT {})", child(0));
    case BoundKind::kIsNull:
      return fmt::format("({} IS {}NULL)", child(0), e.negated ? "NOT " : "");
    case BoundKind::kCase:
      return fmt::format("CASE({})", list(0));
    case BoundKind::kLike:
      return fmt::format("({} LIKE {})", child(0), child(1));
    case BoundKind::kIn:
      return fmt::format("({} {}IN ({}))", child(0), e.negated ? "NOT " : "", list(1));
    case BoundKind::kFunction:
      return fmt::format("{}({})", e.function ? e.function->name : "?", list(0));
    case BoundKind::kArrayIndex:
    case BoundKind::kMapLookup:
      return fmt::format("{}[{}]", child(0), child(1));
    case BoundKind::kField:
      return fmt::format("{}->{}", child(0),
                         e.children[0]->type.fields()[static_cast<size_t>(e.column)].name);
    case BoundKind::kArrayCtor:
      return fmt::format("ARRAY[{}]", list(0));
    case BoundKind::kMapCtor:
      return fmt::format("MAP({})", list(0));
    case BoundKind::kStructCtor:
      return fmt::format("STRUCT({})", list(0));
    case BoundKind::kLambdaVar:
      return fmt::format("$L{}", e.column);
    case BoundKind::kLambdaCall:
      return fmt::format("{}({})", e.name, list(0));
  }
  return "?";
}

}  // namespace sluice::sql
