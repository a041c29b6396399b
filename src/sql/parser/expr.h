// Expression nodes of the ksqlDB SQL AST.
//
// Thread-safety: an AST is a plain tree owned by whoever parsed it; no shared state. Reading one
// tree from several threads is safe, mutating it is not.
//
// Every node derives from Expr and carries its kind (for switch dispatch), the source position of
// its first token, and its height (1 for a leaf), which the parser bounds so that recursive
// consumers (the formatter, the planner, destructors) never run out of stack. Children are owned
// through std::unique_ptr. Use `expr.as<Comparison>()` after checking `expr.kind`, or
// `visit_expr(expr, overloaded-lambdas)` for exhaustive dispatch.
//
// Names are stored case-normalized the way ksqlDB does it: unquoted identifiers upper-cased,
// quoted (`x` or "x") ones kept as written.
#pragma once

#include <cassert>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sql/parser/data_type.h"

namespace sluice::sql {

// 1-based line and column (counted in UTF-8 code points), 0-based byte offset into the text.
struct SourcePos {
  uint32_t line = 1;
  uint32_t column = 1;
  uint32_t offset = 0;
};

// The units ksqlDB accepts in WINDOW, WITHIN, GRACE PERIOD, RETENTION and as function arguments
// (TIMESTAMPADD(SECONDS, ...)).
enum class TimeUnit : uint8_t { kMillisecond, kSecond, kMinute, kHour, kDay };

const char* time_unit_name(TimeUnit unit);  // "MILLISECONDS", "SECONDS", ...
int64_t time_unit_millis(TimeUnit unit);
// The words (upper case) that name each unit: "SECOND" and "SECONDS", ...
struct TimeUnitWord {
  std::string_view word;
  TimeUnit unit;
};
std::span<const TimeUnitWord> time_unit_words();

struct Duration {
  int64_t value = 0;
  TimeUnit unit = TimeUnit::kMillisecond;
  // Saturates instead of overflowing.
  int64_t to_millis() const;
  bool operator==(const Duration&) const = default;
};

enum class LiteralType : uint8_t {
  kNull,
  kBoolean,
  kInt,      // integer literal that fits 32 bits
  kBigInt,   // integer literal that needs 64 bits
  kDecimal,  // `1.5`: exact, text kept; precision/scale derived from the digits
  kDouble,   // `1.5E3`
  kString,
  kVariable,  // `${name}` not substituted before parsing; text holds the name
};

struct LiteralValue {
  LiteralType type = LiteralType::kNull;
  bool bool_value = false;
  int64_t int_value = 0;  // kInt, kBigInt
  double double_value = 0;
  // kString: the unescaped value; kDecimal: the digits as written, with a leading '-' when
  // negative (e.g. "-12.50"); kVariable: the variable's name.
  std::string text;
  int32_t precision = 0;  // kDecimal
  int32_t scale = 0;      // kDecimal

  static LiteralValue null() { return {}; }
  static LiteralValue boolean(bool b);
  static LiteralValue integer(int64_t v);  // kInt when it fits 32 bits, else kBigInt
  static LiteralValue bigint(int64_t v);
  static LiteralValue dbl(double v);
  static LiteralValue string(std::string s);
  // Precision and scale the way ksqlDB derives them from a decimal literal's digits.
  static LiteralValue decimal(std::string text);

  bool operator==(const LiteralValue& o) const;
};

enum class ExprKind : uint8_t {
  kLiteral,
  kColumnRef,
  kLambdaVariable,
  kDereference,
  kSubscript,
  kUnary,
  kArithmetic,
  kComparison,
  kLogical,
  kNot,
  kIsNull,
  kBetween,
  kLike,
  kInList,
  kCast,
  kCase,
  kFunctionCall,
  kLambda,
  kIntervalUnit,
  kArrayCtor,
  kMapCtor,
  kStructCtor,
  kTypedLiteral,
  kAtTimeZone,
};

const char* expr_kind_name(ExprKind kind);

struct Expr {
  const ExprKind kind;
  SourcePos pos;
  uint32_t height = 1;

  virtual ~Expr() = default;
  Expr(const Expr&) = delete;
  Expr& operator=(const Expr&) = delete;

  template <typename T>
  const T& as() const {
    assert(kind == T::kKind);
    return static_cast<const T&>(*this);
  }
  template <typename T>
  T& as() {
    assert(kind == T::kKind);
    return static_cast<T&>(*this);
  }
  template <typename T>
  const T* if_as() const {
    return kind == T::kKind ? static_cast<const T*>(this) : nullptr;
  }
  template <typename T>
  T* if_as() {
    return kind == T::kKind ? static_cast<T*>(this) : nullptr;
  }

 protected:
  Expr(ExprKind k, SourcePos p) : kind(k), pos(p) {}
};

using ExprPtr = std::unique_ptr<Expr>;

template <ExprKind K>
struct ExprOf : Expr {
  static constexpr ExprKind kKind = K;
  explicit ExprOf(SourcePos p) : Expr(K, p) {}
};

struct Literal : ExprOf<ExprKind::kLiteral> {
  using ExprOf::ExprOf;
  LiteralValue value;
};

// `name` or `source.name`. ROWTIME, ROWKEY, WINDOWSTART and friends are plain column refs.
struct ColumnRef : ExprOf<ExprKind::kColumnRef> {
  using ExprOf::ExprOf;
  std::string qualifier;  // empty when unqualified
  std::string name;
};

// A reference, inside a lambda body, to one of the lambda's parameters.
struct LambdaVariable : ExprOf<ExprKind::kLambdaVariable> {
  using ExprOf::ExprOf;
  std::string name;
};

// `base->field`
struct Dereference : ExprOf<ExprKind::kDereference> {
  using ExprOf::ExprOf;
  ExprPtr base;
  std::string field;
};

// `base[index]`: 1-based array index (negative from the end) or map key.
struct Subscript : ExprOf<ExprKind::kSubscript> {
  using ExprOf::ExprOf;
  ExprPtr base;
  ExprPtr index;
};

enum class UnaryOp : uint8_t { kMinus, kPlus };
struct Unary : ExprOf<ExprKind::kUnary> {
  using ExprOf::ExprOf;
  UnaryOp op = UnaryOp::kMinus;
  ExprPtr operand;
};

enum class ArithOp : uint8_t { kAdd, kSub, kMul, kDiv, kMod, kConcat };
const char* arith_op_symbol(ArithOp op);
struct Arithmetic : ExprOf<ExprKind::kArithmetic> {
  using ExprOf::ExprOf;
  ArithOp op = ArithOp::kAdd;
  ExprPtr left;
  ExprPtr right;
};

enum class CompareOp : uint8_t {
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kIsDistinctFrom,
  kIsNotDistinctFrom
};
const char* compare_op_symbol(CompareOp op);  // "=", "<>", ..., "IS DISTINCT FROM"
struct Comparison : ExprOf<ExprKind::kComparison> {
  using ExprOf::ExprOf;
  CompareOp op = CompareOp::kEq;
  ExprPtr left;
  ExprPtr right;
};

enum class LogicalOp : uint8_t { kAnd, kOr };
struct Logical : ExprOf<ExprKind::kLogical> {
  using ExprOf::ExprOf;
  LogicalOp op = LogicalOp::kAnd;
  ExprPtr left;
  ExprPtr right;
};

struct Not : ExprOf<ExprKind::kNot> {
  using ExprOf::ExprOf;
  ExprPtr operand;
};

// `x IS [NOT] NULL`
struct IsNull : ExprOf<ExprKind::kIsNull> {
  using ExprOf::ExprOf;
  ExprPtr operand;
  bool negated = false;
};

// `x [NOT] BETWEEN low AND high`
struct Between : ExprOf<ExprKind::kBetween> {
  using ExprOf::ExprOf;
  ExprPtr value;
  ExprPtr low;
  ExprPtr high;
  bool negated = false;
};

// `x [NOT] LIKE pattern [ESCAPE 'c']`
struct Like : ExprOf<ExprKind::kLike> {
  using ExprOf::ExprOf;
  ExprPtr value;
  ExprPtr pattern;
  std::optional<std::string> escape;
  bool negated = false;
};

// `x [NOT] IN (a, b, ...)`
struct InList : ExprOf<ExprKind::kInList> {
  using ExprOf::ExprOf;
  ExprPtr value;
  std::vector<ExprPtr> list;
  bool negated = false;
};

struct Cast : ExprOf<ExprKind::kCast> {
  using ExprOf::ExprOf;
  ExprPtr operand;
  DataType type;
};

struct WhenClause {
  ExprPtr condition;  // for a simple CASE, the value compared with the operand
  ExprPtr result;
};

// Searched CASE when `operand` is null, simple CASE otherwise. `else_result` may be null.
struct Case : ExprOf<ExprKind::kCase> {
  using ExprOf::ExprOf;
  ExprPtr operand;
  std::vector<WhenClause> whens;
  ExprPtr else_result;
};

// `NAME(args)`; `COUNT(*)` has star set and no args. Lambdas appear as Lambda args.
struct FunctionCall : ExprOf<ExprKind::kFunctionCall> {
  using ExprOf::ExprOf;
  std::string name;
  std::vector<ExprPtr> args;
  bool star = false;
};

// `x => body` or `(x, y) => body`; inside body, parameters are LambdaVariable nodes.
struct Lambda : ExprOf<ExprKind::kLambda> {
  using ExprOf::ExprOf;
  std::vector<std::string> params;
  ExprPtr body;
};

// A bare time unit used as a function argument, as in TIMESTAMPADD(SECONDS, 5, ts).
struct IntervalUnit : ExprOf<ExprKind::kIntervalUnit> {
  using ExprOf::ExprOf;
  TimeUnit unit = TimeUnit::kMillisecond;
};

// `ARRAY[a, b]`
struct ArrayCtor : ExprOf<ExprKind::kArrayCtor> {
  using ExprOf::ExprOf;
  std::vector<ExprPtr> elements;
};

struct MapEntry {
  ExprPtr key;
  ExprPtr value;
};
// `MAP(k := v, ...)`
struct MapCtor : ExprOf<ExprKind::kMapCtor> {
  using ExprOf::ExprOf;
  std::vector<MapEntry> entries;
};

struct StructCtorField {
  std::string name;
  ExprPtr value;
};
// `STRUCT(name := value, ...)`
struct StructCtor : ExprOf<ExprKind::kStructCtor> {
  using ExprOf::ExprOf;
  std::vector<StructCtorField> fields;
};

// `identifier 'string'`, e.g. `TIMESTAMP '2020-01-01T00:00:00'` or `DATE '2020-01-01'`.
struct TypedLiteral : ExprOf<ExprKind::kTypedLiteral> {
  using ExprOf::ExprOf;
  std::string type_name;
  std::string value;
};

// `x AT TIME ZONE 'zone'`
struct AtTimeZone : ExprOf<ExprKind::kAtTimeZone> {
  using ExprOf::ExprOf;
  ExprPtr operand;
  std::string zone;
};

// Calls f(child) for each direct child expression, in source order.
template <typename F>
void for_each_child(const Expr& e, F&& f);

// Calls f(e.as<Node>()) for the concrete node type of e and returns its result.
template <typename F>
decltype(auto) visit_expr(const Expr& e, F&& f) {
  switch (e.kind) {
    case ExprKind::kLiteral:
      return f(e.as<Literal>());
    case ExprKind::kColumnRef:
      return f(e.as<ColumnRef>());
    case ExprKind::kLambdaVariable:
      return f(e.as<LambdaVariable>());
    case ExprKind::kDereference:
      return f(e.as<Dereference>());
    case ExprKind::kSubscript:
      return f(e.as<Subscript>());
    case ExprKind::kUnary:
      return f(e.as<Unary>());
    case ExprKind::kArithmetic:
      return f(e.as<Arithmetic>());
    case ExprKind::kComparison:
      return f(e.as<Comparison>());
    case ExprKind::kLogical:
      return f(e.as<Logical>());
    case ExprKind::kNot:
      return f(e.as<Not>());
    case ExprKind::kIsNull:
      return f(e.as<IsNull>());
    case ExprKind::kBetween:
      return f(e.as<Between>());
    case ExprKind::kLike:
      return f(e.as<Like>());
    case ExprKind::kInList:
      return f(e.as<InList>());
    case ExprKind::kCast:
      return f(e.as<Cast>());
    case ExprKind::kCase:
      return f(e.as<Case>());
    case ExprKind::kFunctionCall:
      return f(e.as<FunctionCall>());
    case ExprKind::kLambda:
      return f(e.as<Lambda>());
    case ExprKind::kIntervalUnit:
      return f(e.as<IntervalUnit>());
    case ExprKind::kArrayCtor:
      return f(e.as<ArrayCtor>());
    case ExprKind::kMapCtor:
      return f(e.as<MapCtor>());
    case ExprKind::kStructCtor:
      return f(e.as<StructCtor>());
    case ExprKind::kTypedLiteral:
      return f(e.as<TypedLiteral>());
    case ExprKind::kAtTimeZone:
      return f(e.as<AtTimeZone>());
  }
  assert(false && "unknown ExprKind");
  return f(e.as<Literal>());
}

template <typename F>
void for_each_child(const Expr& e, F&& f) {
  auto one = [&](const ExprPtr& c) {
    if (c) f(*c);
  };
  switch (e.kind) {
    case ExprKind::kLiteral:
    case ExprKind::kColumnRef:
    case ExprKind::kLambdaVariable:
    case ExprKind::kIntervalUnit:
    case ExprKind::kTypedLiteral:
      return;
    case ExprKind::kDereference:
      one(e.as<Dereference>().base);
      return;
    case ExprKind::kSubscript:
      one(e.as<Subscript>().base);
      one(e.as<Subscript>().index);
      return;
    case ExprKind::kUnary:
      one(e.as<Unary>().operand);
      return;
    case ExprKind::kArithmetic:
      one(e.as<Arithmetic>().left);
      one(e.as<Arithmetic>().right);
      return;
    case ExprKind::kComparison:
      one(e.as<Comparison>().left);
      one(e.as<Comparison>().right);
      return;
    case ExprKind::kLogical:
      one(e.as<Logical>().left);
      one(e.as<Logical>().right);
      return;
    case ExprKind::kNot:
      one(e.as<Not>().operand);
      return;
    case ExprKind::kIsNull:
      one(e.as<IsNull>().operand);
      return;
    case ExprKind::kBetween: {
      const auto& b = e.as<Between>();
      one(b.value);
      one(b.low);
      one(b.high);
      return;
    }
    case ExprKind::kLike:
      one(e.as<Like>().value);
      one(e.as<Like>().pattern);
      return;
    case ExprKind::kInList:
      one(e.as<InList>().value);
      for (const auto& c : e.as<InList>().list) one(c);
      return;
    case ExprKind::kCast:
      one(e.as<Cast>().operand);
      return;
    case ExprKind::kCase: {
      const auto& c = e.as<Case>();
      one(c.operand);
      for (const auto& w : c.whens) {
        one(w.condition);
        one(w.result);
      }
      one(c.else_result);
      return;
    }
    case ExprKind::kFunctionCall:
      for (const auto& c : e.as<FunctionCall>().args) one(c);
      return;
    case ExprKind::kLambda:
      one(e.as<Lambda>().body);
      return;
    case ExprKind::kArrayCtor:
      for (const auto& c : e.as<ArrayCtor>().elements) one(c);
      return;
    case ExprKind::kMapCtor:
      for (const auto& en : e.as<MapCtor>().entries) {
        one(en.key);
        one(en.value);
      }
      return;
    case ExprKind::kStructCtor:
      for (const auto& fl : e.as<StructCtor>().fields) one(fl.value);
      return;
    case ExprKind::kAtTimeZone:
      one(e.as<AtTimeZone>().operand);
      return;
  }
}

}  // namespace sluice::sql
