// Small out-of-line helpers of the AST value types and kind names.
#include <cctype>
#include <cmath>
#include <cstring>
#include <limits>

#include "sql/parser/data_type.h"
#include "sql/parser/expr.h"
#include "sql/parser/statement.h"

namespace sluice::sql {

DataType DataType::primitive(TypeKind k) {
  DataType t;
  t.kind = k;
  return t;
}

DataType DataType::decimal(int32_t precision, int32_t scale) {
  DataType t = primitive(TypeKind::kDecimal);
  t.precision = precision;
  t.scale = scale;
  return t;
}

DataType DataType::array(DataType element) {
  DataType t = primitive(TypeKind::kArray);
  t.children.push_back(std::move(element));
  return t;
}

DataType DataType::map(DataType key, DataType value) {
  DataType t = primitive(TypeKind::kMap);
  t.children.push_back(std::move(key));
  t.children.push_back(std::move(value));
  return t;
}

DataType DataType::custom(std::string name) {
  DataType t = primitive(TypeKind::kCustom);
  t.name = std::move(name);
  return t;
}

bool DataType::operator==(const DataType& o) const {
  return kind == o.kind && precision == o.precision && scale == o.scale && name == o.name &&
         children == o.children && fields == o.fields && params == o.params;
}

const char* type_kind_name(TypeKind kind) {
  switch (kind) {
    case TypeKind::kBoolean:
      return "BOOLEAN";
    case TypeKind::kInt:
      return "INTEGER";
    case TypeKind::kBigInt:
      return "BIGINT";
    case TypeKind::kDouble:
      return "DOUBLE";
    case TypeKind::kDecimal:
      return "DECIMAL";
    case TypeKind::kString:
      return "STRING";
    case TypeKind::kBytes:
      return "BYTES";
    case TypeKind::kTimestamp:
      return "TIMESTAMP";
    case TypeKind::kDate:
      return "DATE";
    case TypeKind::kTime:
      return "TIME";
    case TypeKind::kArray:
      return "ARRAY";
    case TypeKind::kMap:
      return "MAP";
    case TypeKind::kStruct:
      return "STRUCT";
    case TypeKind::kCustom:
      return "CUSTOM";
  }
  return "?";
}

const char* time_unit_name(TimeUnit unit) {
  switch (unit) {
    case TimeUnit::kMillisecond:
      return "MILLISECONDS";
    case TimeUnit::kSecond:
      return "SECONDS";
    case TimeUnit::kMinute:
      return "MINUTES";
    case TimeUnit::kHour:
      return "HOURS";
    case TimeUnit::kDay:
      return "DAYS";
  }
  return "?";
}

std::span<const TimeUnitWord> time_unit_words() {
  static constexpr TimeUnitWord kWords[] = {
      {"MILLISECOND", TimeUnit::kMillisecond},
      {"MILLISECONDS", TimeUnit::kMillisecond},
      {"SECOND", TimeUnit::kSecond},
      {"SECONDS", TimeUnit::kSecond},
      {"MINUTE", TimeUnit::kMinute},
      {"MINUTES", TimeUnit::kMinute},
      {"HOUR", TimeUnit::kHour},
      {"HOURS", TimeUnit::kHour},
      {"DAY", TimeUnit::kDay},
      {"DAYS", TimeUnit::kDay},
  };
  return kWords;
}

int64_t time_unit_millis(TimeUnit unit) {
  switch (unit) {
    case TimeUnit::kMillisecond:
      return 1;
    case TimeUnit::kSecond:
      return 1000;
    case TimeUnit::kMinute:
      return 60'000;
    case TimeUnit::kHour:
      return 3'600'000;
    case TimeUnit::kDay:
      return 86'400'000;
  }
  return 1;
}

int64_t Duration::to_millis() const {
  int64_t m = time_unit_millis(unit);
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  if (value > kMax / m) return kMax;
  if (value < -(kMax / m)) return -kMax;
  return value * m;
}

LiteralValue LiteralValue::boolean(bool b) {
  LiteralValue v;
  v.type = LiteralType::kBoolean;
  v.bool_value = b;
  return v;
}

LiteralValue LiteralValue::integer(int64_t n) {
  LiteralValue v;
  v.type = n >= std::numeric_limits<int32_t>::min() && n <= std::numeric_limits<int32_t>::max()
               ? LiteralType::kInt
               : LiteralType::kBigInt;
  v.int_value = n;
  return v;
}

LiteralValue LiteralValue::bigint(int64_t n) {
  LiteralValue v;
  v.type = LiteralType::kBigInt;
  v.int_value = n;
  return v;
}

LiteralValue LiteralValue::dbl(double d) {
  LiteralValue v;
  v.type = LiteralType::kDouble;
  v.double_value = d;
  return v;
}

LiteralValue LiteralValue::string(std::string s) {
  LiteralValue v;
  v.type = LiteralType::kString;
  v.text = std::move(s);
  return v;
}

// Like java.math.BigDecimal on the literal's digits: scale is the number of digits after the
// point, precision the number of digits of the unscaled value without leading zeros; and as
// ksqlDB does for SQL types, precision is raised to at least the scale (0.05 is DECIMAL(2, 2)).
LiteralValue LiteralValue::decimal(std::string text) {
  LiteralValue v;
  v.type = LiteralType::kDecimal;
  std::string_view digits = text;
  if (!digits.empty() && (digits[0] == '-' || digits[0] == '+')) digits.remove_prefix(1);
  size_t dot = digits.find('.');
  std::string_view int_part = dot == std::string_view::npos ? digits : digits.substr(0, dot);
  std::string_view frac_part =
      dot == std::string_view::npos ? std::string_view() : digits.substr(dot + 1);
  std::string unscaled = std::string(int_part) + std::string(frac_part);
  size_t first = unscaled.find_first_not_of('0');
  int32_t precision =
      first == std::string::npos ? 1 : static_cast<int32_t>(unscaled.size() - first);
  v.scale = static_cast<int32_t>(frac_part.size());
  v.precision = precision < v.scale ? v.scale : precision;
  if (v.precision == 0) v.precision = 1;
  v.text = std::move(text);
  return v;
}

bool LiteralValue::operator==(const LiteralValue& o) const {
  if (type != o.type) return false;
  switch (type) {
    case LiteralType::kNull:
      return true;
    case LiteralType::kBoolean:
      return bool_value == o.bool_value;
    case LiteralType::kInt:
    case LiteralType::kBigInt:
      return int_value == o.int_value;
    case LiteralType::kDouble:
      return double_value == o.double_value ||
             (std::isnan(double_value) && std::isnan(o.double_value));
    case LiteralType::kDecimal:
    case LiteralType::kString:
    case LiteralType::kVariable:
      return text == o.text;
  }
  return false;
}

const char* expr_kind_name(ExprKind kind) {
  switch (kind) {
    case ExprKind::kLiteral:
      return "Literal";
    case ExprKind::kColumnRef:
      return "ColumnRef";
    case ExprKind::kLambdaVariable:
      return "LambdaVariable";
    case ExprKind::kDereference:
      return "Dereference";
    case ExprKind::kSubscript:
      return "Subscript";
    case ExprKind::kUnary:
      return "Unary";
    case ExprKind::kArithmetic:
      return "Arithmetic";
    case ExprKind::kComparison:
      return "Comparison";
    case ExprKind::kLogical:
      return "Logical";
    case ExprKind::kNot:
      return "Not";
    case ExprKind::kIsNull:
      return "IsNull";
    case ExprKind::kBetween:
      return "Between";
    case ExprKind::kLike:
      return "Like";
    case ExprKind::kInList:
      return "InList";
    case ExprKind::kCast:
      return "Cast";
    case ExprKind::kCase:
      return "Case";
    case ExprKind::kFunctionCall:
      return "FunctionCall";
    case ExprKind::kLambda:
      return "Lambda";
    case ExprKind::kIntervalUnit:
      return "IntervalUnit";
    case ExprKind::kArrayCtor:
      return "ArrayCtor";
    case ExprKind::kMapCtor:
      return "MapCtor";
    case ExprKind::kStructCtor:
      return "StructCtor";
    case ExprKind::kTypedLiteral:
      return "TypedLiteral";
    case ExprKind::kAtTimeZone:
      return "AtTimeZone";
  }
  return "?";
}

const char* arith_op_symbol(ArithOp op) {
  switch (op) {
    case ArithOp::kAdd:
      return "+";
    case ArithOp::kSub:
      return "-";
    case ArithOp::kMul:
      return "*";
    case ArithOp::kDiv:
      return "/";
    case ArithOp::kMod:
      return "%";
    case ArithOp::kConcat:
      return "||";
  }
  return "?";
}

const char* compare_op_symbol(CompareOp op) {
  switch (op) {
    case CompareOp::kEq:
      return "=";
    case CompareOp::kNe:
      return "<>";
    case CompareOp::kLt:
      return "<";
    case CompareOp::kLe:
      return "<=";
    case CompareOp::kGt:
      return ">";
    case CompareOp::kGe:
      return ">=";
    case CompareOp::kIsDistinctFrom:
      return "IS DISTINCT FROM";
    case CompareOp::kIsNotDistinctFrom:
      return "IS NOT DISTINCT FROM";
  }
  return "?";
}

const char* join_type_name(JoinType t) {
  switch (t) {
    case JoinType::kInner:
      return "INNER";
    case JoinType::kLeft:
      return "LEFT OUTER";
    case JoinType::kRight:
      return "RIGHT OUTER";
    case JoinType::kFull:
      return "FULL OUTER";
  }
  return "?";
}

const char* statement_kind_name(StatementKind kind) {
  switch (kind) {
    case StatementKind::kQuery:
      return "Query";
    case StatementKind::kCreateSource:
      return "CreateSource";
    case StatementKind::kCreateAsSelect:
      return "CreateAsSelect";
    case StatementKind::kCreateConnector:
      return "CreateConnector";
    case StatementKind::kInsertInto:
      return "InsertInto";
    case StatementKind::kInsertValues:
      return "InsertValues";
    case StatementKind::kList:
      return "List";
    case StatementKind::kDescribeSource:
      return "DescribeSource";
    case StatementKind::kDescribeSources:
      return "DescribeSources";
    case StatementKind::kDescribeFunction:
      return "DescribeFunction";
    case StatementKind::kDescribeConnector:
      return "DescribeConnector";
    case StatementKind::kPrint:
      return "Print";
    case StatementKind::kTerminate:
      return "Terminate";
    case StatementKind::kPauseQuery:
      return "PauseQuery";
    case StatementKind::kResumeQuery:
      return "ResumeQuery";
    case StatementKind::kSetProperty:
      return "SetProperty";
    case StatementKind::kAlterSystem:
      return "AlterSystem";
    case StatementKind::kUnsetProperty:
      return "UnsetProperty";
    case StatementKind::kDefineVariable:
      return "DefineVariable";
    case StatementKind::kUndefineVariable:
      return "UndefineVariable";
    case StatementKind::kDropSource:
      return "DropSource";
    case StatementKind::kDropConnector:
      return "DropConnector";
    case StatementKind::kDropType:
      return "DropType";
    case StatementKind::kExplain:
      return "Explain";
    case StatementKind::kCreateType:
      return "CreateType";
    case StatementKind::kAlterSource:
      return "AlterSource";
    case StatementKind::kAssertTopic:
      return "AssertTopic";
    case StatementKind::kAssertSchema:
      return "AssertSchema";
  }
  return "?";
}

const Property* Properties::find(std::string_view name) const {
  for (const auto& p : items) {
    if (p.name.size() != name.size()) continue;
    bool eq = true;
    for (size_t i = 0; i < name.size() && eq; ++i) {
      eq = std::toupper(static_cast<unsigned char>(p.name[i])) ==
           std::toupper(static_cast<unsigned char>(name[i]));
    }
    if (eq) return &p;
  }
  return nullptr;
}

}  // namespace sluice::sql
