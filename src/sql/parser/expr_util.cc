#include "sql/parser/expr_util.h"

#include <type_traits>

namespace sluice::sql {
namespace {

ExprPtr clone_or_null(const ExprPtr& e) {
  return e ? clone_expr(*e) : nullptr;
}

std::vector<ExprPtr> clone_all(const std::vector<ExprPtr>& v) {
  std::vector<ExprPtr> out;
  out.reserve(v.size());
  for (const auto& e : v) out.push_back(clone_or_null(e));
  return out;
}

bool equal_or_both_null(const ExprPtr& a, const ExprPtr& b) {
  if (!a || !b) return !a && !b;
  return expr_equals(*a, *b);
}

bool all_equal(const std::vector<ExprPtr>& a, const std::vector<ExprPtr>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!equal_or_both_null(a[i], b[i])) return false;
  }
  return true;
}

// Copies the node's own fields; children are replaced by deep copies below.
struct Cloner {
  template <typename T>
  ExprPtr operator()(const T& src) const {
    auto out = std::make_unique<T>(src.pos);
    out->height = src.height;
    copy(src, *out);
    return out;
  }

  static void copy(const Literal& s, Literal& d) { d.value = s.value; }
  static void copy(const ColumnRef& s, ColumnRef& d) {
    d.qualifier = s.qualifier;
    d.name = s.name;
  }
  static void copy(const LambdaVariable& s, LambdaVariable& d) { d.name = s.name; }
  static void copy(const Dereference& s, Dereference& d) {
    d.base = clone_or_null(s.base);
    d.field = s.field;
  }
  static void copy(const Subscript& s, Subscript& d) {
    d.base = clone_or_null(s.base);
    d.index = clone_or_null(s.index);
  }
  static void copy(const Unary& s, Unary& d) {
    d.op = s.op;
    d.operand = clone_or_null(s.operand);
  }
  static void copy(const Arithmetic& s, Arithmetic& d) {
    d.op = s.op;
    d.left = clone_or_null(s.left);
    d.right = clone_or_null(s.right);
  }
  static void copy(const Comparison& s, Comparison& d) {
    d.op = s.op;
    d.left = clone_or_null(s.left);
    d.right = clone_or_null(s.right);
  }
  static void copy(const Logical& s, Logical& d) {
    d.op = s.op;
    d.left = clone_or_null(s.left);
    d.right = clone_or_null(s.right);
  }
  static void copy(const Not& s, Not& d) { d.operand = clone_or_null(s.operand); }
  static void copy(const IsNull& s, IsNull& d) {
    d.operand = clone_or_null(s.operand);
    d.negated = s.negated;
  }
  static void copy(const Between& s, Between& d) {
    d.value = clone_or_null(s.value);
    d.low = clone_or_null(s.low);
    d.high = clone_or_null(s.high);
    d.negated = s.negated;
  }
  static void copy(const Like& s, Like& d) {
    d.value = clone_or_null(s.value);
    d.pattern = clone_or_null(s.pattern);
    d.escape = s.escape;
    d.negated = s.negated;
  }
  static void copy(const InList& s, InList& d) {
    d.value = clone_or_null(s.value);
    d.list = clone_all(s.list);
    d.negated = s.negated;
  }
  static void copy(const Cast& s, Cast& d) {
    d.operand = clone_or_null(s.operand);
    d.type = s.type;
  }
  static void copy(const Case& s, Case& d) {
    d.operand = clone_or_null(s.operand);
    for (const auto& w : s.whens) {
      d.whens.push_back(WhenClause{clone_or_null(w.condition), clone_or_null(w.result)});
    }
    d.else_result = clone_or_null(s.else_result);
  }
  static void copy(const FunctionCall& s, FunctionCall& d) {
    d.name = s.name;
    d.args = clone_all(s.args);
    d.star = s.star;
  }
  static void copy(const Lambda& s, Lambda& d) {
    d.params = s.params;
    d.body = clone_or_null(s.body);
  }
  static void copy(const IntervalUnit& s, IntervalUnit& d) { d.unit = s.unit; }
  static void copy(const ArrayCtor& s, ArrayCtor& d) { d.elements = clone_all(s.elements); }
  static void copy(const MapCtor& s, MapCtor& d) {
    for (const auto& e : s.entries) {
      d.entries.push_back(MapEntry{clone_or_null(e.key), clone_or_null(e.value)});
    }
  }
  static void copy(const StructCtor& s, StructCtor& d) {
    for (const auto& f : s.fields)
      d.fields.push_back(StructCtorField{f.name, clone_or_null(f.value)});
  }
  static void copy(const TypedLiteral& s, TypedLiteral& d) {
    d.type_name = s.type_name;
    d.value = s.value;
  }
  static void copy(const AtTimeZone& s, AtTimeZone& d) {
    d.operand = clone_or_null(s.operand);
    d.zone = s.zone;
  }
};

struct Equals {
  const Expr& other;

  template <typename T>
  bool operator()(const T& a) const {
    return same(a, other.as<T>());
  }

  static bool same(const Literal& a, const Literal& b) { return a.value == b.value; }
  static bool same(const ColumnRef& a, const ColumnRef& b) {
    return a.qualifier == b.qualifier && a.name == b.name;
  }
  static bool same(const LambdaVariable& a, const LambdaVariable& b) { return a.name == b.name; }
  static bool same(const Dereference& a, const Dereference& b) {
    return a.field == b.field && equal_or_both_null(a.base, b.base);
  }
  static bool same(const Subscript& a, const Subscript& b) {
    return equal_or_both_null(a.base, b.base) && equal_or_both_null(a.index, b.index);
  }
  static bool same(const Unary& a, const Unary& b) {
    return a.op == b.op && equal_or_both_null(a.operand, b.operand);
  }
  template <typename T>
  static bool binary(const T& a, const T& b) {
    return a.op == b.op && equal_or_both_null(a.left, b.left) &&
           equal_or_both_null(a.right, b.right);
  }
  static bool same(const Arithmetic& a, const Arithmetic& b) { return binary(a, b); }
  static bool same(const Comparison& a, const Comparison& b) { return binary(a, b); }
  static bool same(const Logical& a, const Logical& b) { return binary(a, b); }
  static bool same(const Not& a, const Not& b) { return equal_or_both_null(a.operand, b.operand); }
  static bool same(const IsNull& a, const IsNull& b) {
    return a.negated == b.negated && equal_or_both_null(a.operand, b.operand);
  }
  static bool same(const Between& a, const Between& b) {
    return a.negated == b.negated && equal_or_both_null(a.value, b.value) &&
           equal_or_both_null(a.low, b.low) && equal_or_both_null(a.high, b.high);
  }
  static bool same(const Like& a, const Like& b) {
    return a.negated == b.negated && a.escape == b.escape && equal_or_both_null(a.value, b.value) &&
           equal_or_both_null(a.pattern, b.pattern);
  }
  static bool same(const InList& a, const InList& b) {
    return a.negated == b.negated && equal_or_both_null(a.value, b.value) &&
           all_equal(a.list, b.list);
  }
  static bool same(const Cast& a, const Cast& b) {
    return a.type == b.type && equal_or_both_null(a.operand, b.operand);
  }
  static bool same(const Case& a, const Case& b) {
    if (a.whens.size() != b.whens.size()) return false;
    for (size_t i = 0; i < a.whens.size(); ++i) {
      if (!equal_or_both_null(a.whens[i].condition, b.whens[i].condition) ||
          !equal_or_both_null(a.whens[i].result, b.whens[i].result)) {
        return false;
      }
    }
    return equal_or_both_null(a.operand, b.operand) &&
           equal_or_both_null(a.else_result, b.else_result);
  }
  static bool same(const FunctionCall& a, const FunctionCall& b) {
    return a.name == b.name && a.star == b.star && all_equal(a.args, b.args);
  }
  static bool same(const Lambda& a, const Lambda& b) {
    return a.params == b.params && equal_or_both_null(a.body, b.body);
  }
  static bool same(const IntervalUnit& a, const IntervalUnit& b) { return a.unit == b.unit; }
  static bool same(const ArrayCtor& a, const ArrayCtor& b) {
    return all_equal(a.elements, b.elements);
  }
  static bool same(const MapCtor& a, const MapCtor& b) {
    if (a.entries.size() != b.entries.size()) return false;
    for (size_t i = 0; i < a.entries.size(); ++i) {
      if (!equal_or_both_null(a.entries[i].key, b.entries[i].key) ||
          !equal_or_both_null(a.entries[i].value, b.entries[i].value)) {
        return false;
      }
    }
    return true;
  }
  static bool same(const StructCtor& a, const StructCtor& b) {
    if (a.fields.size() != b.fields.size()) return false;
    for (size_t i = 0; i < a.fields.size(); ++i) {
      if (a.fields[i].name != b.fields[i].name ||
          !equal_or_both_null(a.fields[i].value, b.fields[i].value)) {
        return false;
      }
    }
    return true;
  }
  static bool same(const TypedLiteral& a, const TypedLiteral& b) {
    return a.type_name == b.type_name && a.value == b.value;
  }
  static bool same(const AtTimeZone& a, const AtTimeZone& b) {
    return a.zone == b.zone && equal_or_both_null(a.operand, b.operand);
  }
};

}  // namespace

ExprPtr clone_expr(const Expr& e) {
  return visit_expr(e, Cloner{});
}

bool expr_equals(const Expr& a, const Expr& b) {
  if (&a == &b) return true;
  if (a.kind != b.kind) return false;
  return visit_expr(a, Equals{b});
}

}  // namespace sluice::sql
