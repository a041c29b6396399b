#include "sql/parser/formatter.h"

#include <fmt/format.h>

#include <cmath>

#include "sql/parser/parser.h"

namespace sluice::sql {
namespace {

// Non-reserved words that still read as something else in some position (ARRAY[...], MAP(...),
// a time-unit function argument, EMIT CHANGES after an alias); quoting them is always safe.
constexpr std::string_view kContextual[] = {
    "ARRAY",  "MAP",     "STRUCT", "EMIT",      "PARTITION", "SECOND",  "MINUTE",
    "HOUR",   "DAY",     "STRING", "BOOLEAN",   "INT",       "INTEGER", "BIGINT",
    "DOUBLE", "VARCHAR", "BYTES",  "TIMESTAMP", "DATE",      "TIME",
};

bool is_plain_identifier(std::string_view name) {
  if (name.empty()) return false;
  char c0 = name[0];
  if (!((c0 >= 'A' && c0 <= 'Z') || c0 == '_')) return false;
  for (char c : name) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '@')) return false;
  }
  return true;
}

bool is_variable_ref(std::string_view name) {
  return name.size() > 3 && name.substr(0, 2) == "${" && name.back() == '}';
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i) out += sep;
    out += parts[i];
  }
  return out;
}

std::string format_double(double d) {
  std::string s = fmt::format("{}", d);
  bool has_exp = false;
  for (char& c : s) {
    if (c == 'e') {
      c = 'E';
      has_exp = true;
    }
  }
  if (!has_exp) s += "E0";
  return s;
}

std::string format_duration(const Duration& d) {
  return fmt::format("{} {}", d.value, time_unit_name(d.unit));
}

std::string format_properties(const Properties& props) {
  std::vector<std::string> parts;
  for (const auto& p : props.items) {
    std::string name = is_plain_identifier(p.name) && !is_reserved_word(p.name)
                           ? p.name
                           : format_string_literal(p.name);
    parts.push_back(name + "=" + to_sql(p.value));
  }
  return "(" + join(parts, ", ") + ")";
}

std::string format_element(const TableElement& e) {
  std::string s = format_identifier(e.name) + " " + to_sql(e.type);
  switch (e.constraint) {
    case ColumnConstraint::kNone:
      break;
    case ColumnConstraint::kKey:
      s += " KEY";
      break;
    case ColumnConstraint::kPrimaryKey:
      s += " PRIMARY KEY";
      break;
    case ColumnConstraint::kHeaders:
      s += " HEADERS";
      break;
    case ColumnConstraint::kHeader:
      s += " HEADER(" + format_string_literal(e.header_key) + ")";
      break;
  }
  return s;
}

std::string format_relation(const Relation& r) {
  std::string s = format_identifier(r.name);
  if (!r.alias.empty()) s += " " + format_identifier(r.alias);
  return s;
}

std::string format_exprs(const std::vector<ExprPtr>& list) {
  std::vector<std::string> parts;
  parts.reserve(list.size());
  for (const auto& e : list) parts.push_back(to_sql(*e));
  return join(parts, ", ");
}

struct ExprPrinter {
  std::string operator()(const Literal& e) const { return to_sql(e.value); }
  std::string operator()(const ColumnRef& e) const {
    if (e.qualifier.empty()) return format_identifier(e.name);
    return format_identifier(e.qualifier) + "." + format_identifier(e.name);
  }
  std::string operator()(const LambdaVariable& e) const { return format_identifier(e.name); }
  std::string operator()(const Dereference& e) const {
    return to_sql(*e.base) + "->" + format_identifier(e.field);
  }
  std::string operator()(const Subscript& e) const {
    return to_sql(*e.base) + "[" + to_sql(*e.index) + "]";
  }
  std::string operator()(const Unary& e) const {
    std::string operand = to_sql(*e.operand);
    // A numeric literal or a signed operand is parenthesised so that the sign is not folded into
    // the literal or read as a comment on the way back in.
    bool wrap = (e.operand->kind == ExprKind::kLiteral &&
                 (e.operand->as<Literal>().value.type == LiteralType::kInt ||
                  e.operand->as<Literal>().value.type == LiteralType::kBigInt ||
                  e.operand->as<Literal>().value.type == LiteralType::kDecimal ||
                  e.operand->as<Literal>().value.type == LiteralType::kDouble)) ||
                (!operand.empty() && (operand[0] == '-' || operand[0] == '+'));
    if (wrap) operand = "(" + operand + ")";
    return (e.op == UnaryOp::kMinus ? "-" : "+") + operand;
  }
  std::string operator()(const Arithmetic& e) const {
    return fmt::format("({} {} {})", to_sql(*e.left), arith_op_symbol(e.op), to_sql(*e.right));
  }
  std::string operator()(const Comparison& e) const {
    return fmt::format("({} {} {})", to_sql(*e.left), compare_op_symbol(e.op), to_sql(*e.right));
  }
  std::string operator()(const Logical& e) const {
    return fmt::format("({} {} {})", to_sql(*e.left), e.op == LogicalOp::kAnd ? "AND" : "OR",
                       to_sql(*e.right));
  }
  std::string operator()(const Not& e) const { return "(NOT " + to_sql(*e.operand) + ")"; }
  std::string operator()(const IsNull& e) const {
    return "(" + to_sql(*e.operand) + (e.negated ? " IS NOT NULL)" : " IS NULL)");
  }
  std::string operator()(const Between& e) const {
    return fmt::format("({} {}BETWEEN {} AND {})", to_sql(*e.value), e.negated ? "NOT " : "",
                       to_sql(*e.low), to_sql(*e.high));
  }
  std::string operator()(const Like& e) const {
    std::string s =
        fmt::format("({} {}LIKE {}", to_sql(*e.value), e.negated ? "NOT " : "", to_sql(*e.pattern));
    if (e.escape) s += " ESCAPE " + format_string_literal(*e.escape);
    return s + ")";
  }
  std::string operator()(const InList& e) const {
    return fmt::format("({} {}IN ({}))", to_sql(*e.value), e.negated ? "NOT " : "",
                       format_exprs(e.list));
  }
  std::string operator()(const Cast& e) const {
    return "CAST(" + to_sql(*e.operand) + " AS " + to_sql(e.type) + ")";
  }
  std::string operator()(const Case& e) const {
    std::string s = "(CASE";
    if (e.operand) s += " " + to_sql(*e.operand);
    for (const auto& w : e.whens) {
      s += " WHEN " + to_sql(*w.condition) + " THEN " + to_sql(*w.result);
    }
    if (e.else_result) s += " ELSE " + to_sql(*e.else_result);
    return s + " END)";
  }
  std::string operator()(const FunctionCall& e) const {
    if (e.star) return format_identifier(e.name) + "(*)";
    return format_identifier(e.name) + "(" + format_exprs(e.args) + ")";
  }
  std::string operator()(const Lambda& e) const {
    std::vector<std::string> params;
    for (const auto& p : e.params) params.push_back(format_identifier(p));
    std::string head = params.size() == 1 ? params[0] : "(" + join(params, ", ") + ")";
    return head + " => " + to_sql(*e.body);
  }
  std::string operator()(const IntervalUnit& e) const { return time_unit_name(e.unit); }
  std::string operator()(const ArrayCtor& e) const {
    return "ARRAY[" + format_exprs(e.elements) + "]";
  }
  std::string operator()(const MapCtor& e) const {
    std::vector<std::string> parts;
    for (const auto& en : e.entries) parts.push_back(to_sql(*en.key) + ":=" + to_sql(*en.value));
    return "MAP(" + join(parts, ", ") + ")";
  }
  std::string operator()(const StructCtor& e) const {
    std::vector<std::string> parts;
    for (const auto& f : e.fields) {
      parts.push_back(format_identifier(f.name) + ":=" + to_sql(*f.value));
    }
    return "STRUCT(" + join(parts, ", ") + ")";
  }
  std::string operator()(const TypedLiteral& e) const {
    return format_identifier(e.type_name) + " " + format_string_literal(e.value);
  }
  std::string operator()(const AtTimeZone& e) const {
    return "(" + to_sql(*e.operand) + " AT TIME ZONE " + format_string_literal(e.zone) + ")";
  }
};

std::string format_list(const ListStatement& s) {
  std::string what;
  switch (s.what) {
    case ListKind::kProperties:
      return "SHOW PROPERTIES";
    case ListKind::kTopics:
      what = s.all ? "ALL TOPICS" : "TOPICS";
      break;
    case ListKind::kStreams:
      what = "STREAMS";
      break;
    case ListKind::kTables:
      what = "TABLES";
      break;
    case ListKind::kFunctions:
      return "SHOW FUNCTIONS";
    case ListKind::kConnectors:
      switch (s.scope) {
        case ConnectorScope::kAll:
          return "SHOW CONNECTORS";
        case ConnectorScope::kSource:
          return "SHOW SOURCE CONNECTORS";
        case ConnectorScope::kSink:
          return "SHOW SINK CONNECTORS";
      }
      return "SHOW CONNECTORS";
    case ListKind::kConnectorPlugins:
      return "SHOW CONNECTOR PLUGINS";
    case ListKind::kTypes:
      return "SHOW TYPES";
    case ListKind::kVariables:
      return "SHOW VARIABLES";
    case ListKind::kQueries:
      what = "QUERIES";
      break;
  }
  return "SHOW " + what + (s.extended ? " EXTENDED" : "");
}

struct StatementPrinter {
  std::string operator()(const QueryStatement& s) const { return to_sql(s.query); }
  std::string operator()(const CreateSource& s) const {
    std::string out = "CREATE ";
    if (s.or_replace) out += "OR REPLACE ";
    if (s.is_source) out += "SOURCE ";
    out += s.is_table ? "TABLE " : "STREAM ";
    if (s.if_not_exists) out += "IF NOT EXISTS ";
    out += format_identifier(s.name);
    if (!s.elements.empty()) {
      std::vector<std::string> parts;
      for (const auto& e : s.elements) parts.push_back(format_element(e));
      out += " (" + join(parts, ", ") + ")";
    }
    if (!s.properties.empty()) out += " WITH " + format_properties(s.properties);
    return out;
  }
  std::string operator()(const CreateAsSelect& s) const {
    std::string out = "CREATE ";
    if (s.or_replace) out += "OR REPLACE ";
    out += s.is_table ? "TABLE " : "STREAM ";
    if (s.if_not_exists) out += "IF NOT EXISTS ";
    out += format_identifier(s.name);
    if (!s.properties.empty()) out += " WITH " + format_properties(s.properties);
    return out + " AS " + to_sql(s.query);
  }
  std::string operator()(const CreateConnector& s) const {
    return fmt::format("CREATE {} CONNECTOR {}{} WITH {}", s.is_source ? "SOURCE" : "SINK",
                       s.if_not_exists ? "IF NOT EXISTS " : "", format_identifier(s.name),
                       format_properties(s.properties));
  }
  std::string operator()(const InsertInto& s) const {
    std::string out = "INSERT INTO " + format_identifier(s.target);
    if (!s.properties.empty()) out += " WITH " + format_properties(s.properties);
    return out + " " + to_sql(s.query);
  }
  std::string operator()(const InsertValues& s) const {
    std::string out = "INSERT INTO " + format_identifier(s.target);
    if (!s.columns.empty()) {
      std::vector<std::string> cols;
      for (const auto& c : s.columns) cols.push_back(format_identifier(c));
      out += " (" + join(cols, ", ") + ")";
    }
    return out + " VALUES (" + format_exprs(s.values) + ")";
  }
  std::string operator()(const ListStatement& s) const { return format_list(s); }
  std::string operator()(const DescribeSource& s) const {
    return "DESCRIBE " + format_identifier(s.name) + (s.extended ? " EXTENDED" : "");
  }
  std::string operator()(const DescribeSources& s) const {
    return std::string("DESCRIBE ") + (s.tables ? "TABLES" : "STREAMS") +
           (s.extended ? " EXTENDED" : "");
  }
  std::string operator()(const DescribeFunction& s) const {
    return "DESCRIBE FUNCTION " + format_identifier(s.name);
  }
  std::string operator()(const DescribeConnector& s) const {
    return "DESCRIBE CONNECTOR " + format_identifier(s.name);
  }
  std::string operator()(const Print& s) const {
    std::string out = "PRINT " + format_string_literal(s.topic);
    if (s.from_beginning) out += " FROM BEGINNING";
    if (s.interval) out += fmt::format(" INTERVAL {}", *s.interval);
    if (s.limit) out += fmt::format(" LIMIT {}", *s.limit);
    return out;
  }
  std::string operator()(const Terminate& s) const {
    return s.all ? "TERMINATE ALL" : "TERMINATE " + format_identifier(s.query_id);
  }
  std::string operator()(const PauseQuery& s) const {
    return s.all ? "PAUSE ALL" : "PAUSE " + format_identifier(s.query_id);
  }
  std::string operator()(const ResumeQuery& s) const {
    return s.all ? "RESUME ALL" : "RESUME " + format_identifier(s.query_id);
  }
  std::string operator()(const SetProperty& s) const {
    return "SET " + format_string_literal(s.name) + "=" + format_string_literal(s.value);
  }
  std::string operator()(const AlterSystem& s) const {
    return "ALTER SYSTEM " + format_string_literal(s.name) + "=" + format_string_literal(s.value);
  }
  std::string operator()(const UnsetProperty& s) const {
    return "UNSET " + format_string_literal(s.name);
  }
  std::string operator()(const DefineVariable& s) const {
    return "DEFINE " + s.name + " = " + format_string_literal(s.value);
  }
  std::string operator()(const UndefineVariable& s) const { return "UNDEFINE " + s.name; }
  std::string operator()(const DropSource& s) const {
    return fmt::format("DROP {} {}{}{}", s.is_table ? "TABLE" : "STREAM",
                       s.if_exists ? "IF EXISTS " : "", format_identifier(s.name),
                       s.delete_topic ? " DELETE TOPIC" : "");
  }
  std::string operator()(const DropConnector& s) const {
    return fmt::format("DROP CONNECTOR {}{}", s.if_exists ? "IF EXISTS " : "",
                       format_identifier(s.name));
  }
  std::string operator()(const DropType& s) const {
    return fmt::format("DROP TYPE {}{}", s.if_exists ? "IF EXISTS " : "",
                       format_identifier(s.name));
  }
  std::string operator()(const Explain& s) const {
    if (s.statement) return "EXPLAIN " + to_sql(*s.statement);
    return "EXPLAIN " + format_identifier(s.query_id);
  }
  std::string operator()(const CreateType& s) const {
    return fmt::format("CREATE TYPE {}{} AS {}", s.if_not_exists ? "IF NOT EXISTS " : "",
                       format_identifier(s.name), to_sql(s.type));
  }
  std::string operator()(const AlterSource& s) const {
    std::vector<std::string> parts;
    for (const auto& e : s.add_columns) parts.push_back("ADD COLUMN " + format_element(e));
    return fmt::format("ALTER {} {} {}", s.is_table ? "TABLE" : "STREAM", format_identifier(s.name),
                       join(parts, ", "));
  }
  std::string operator()(const AssertTopic& s) const {
    std::string out = std::string("ASSERT ") + (s.not_exists ? "NOT EXISTS " : "") + "TOPIC " +
                      format_string_literal(s.topic);
    if (!s.properties.empty()) out += " WITH " + format_properties(s.properties);
    if (s.timeout) out += " TIMEOUT " + format_duration(*s.timeout);
    return out;
  }
  std::string operator()(const AssertSchema& s) const {
    std::string out = std::string("ASSERT ") + (s.not_exists ? "NOT EXISTS " : "") + "SCHEMA";
    if (s.subject) out += " SUBJECT " + format_string_literal(*s.subject);
    if (s.id) out += " ID " + to_sql(*s.id);
    if (s.timeout) out += " TIMEOUT " + format_duration(*s.timeout);
    return out;
  }
};

std::string format_window(const WindowSpec& w) {
  std::string s;
  switch (w.type) {
    case WindowType::kTumbling:
      s = "TUMBLING (SIZE " + format_duration(w.size);
      break;
    case WindowType::kHopping:
      s = "HOPPING (SIZE " + format_duration(w.size) + ", ADVANCE BY " + format_duration(w.advance);
      break;
    case WindowType::kSession:
      s = "SESSION (" + format_duration(w.size);
      break;
  }
  if (w.retention) s += ", RETENTION " + format_duration(*w.retention);
  if (w.grace) s += ", GRACE PERIOD " + format_duration(*w.grace);
  return s + ")";
}

std::string format_join(const Join& j) {
  std::string s = std::string(join_type_name(j.type)) + " JOIN " + format_relation(j.right);
  if (j.within) {
    if (j.within->symmetric) {
      s += " WITHIN " + format_duration(j.within->before);
    } else {
      s += " WITHIN (" + format_duration(j.within->before) + ", " +
           format_duration(j.within->after) + ")";
    }
    if (j.within->grace) s += " GRACE PERIOD " + format_duration(*j.within->grace);
  }
  return s + " ON " + to_sql(*j.on);
}

std::string format_select_item(const SelectItem& item) {
  switch (item.kind) {
    case SelectItemKind::kAllColumns:
      return item.qualifier.empty() ? "*" : format_identifier(item.qualifier) + ".*";
    case SelectItemKind::kStructAll:
      return to_sql(*item.expr) + "->*";
    case SelectItemKind::kExpression:
      break;
  }
  std::string s = to_sql(*item.expr);
  if (!item.alias.empty()) s += " AS " + format_identifier(item.alias);
  return s;
}

}  // namespace

std::string format_identifier(std::string_view name) {
  if (is_variable_ref(name)) return std::string(name);
  bool bare = is_plain_identifier(name) && !is_reserved_word(name);
  for (auto w : kContextual) {
    if (name == w) bare = false;
  }
  if (bare) return std::string(name);
  std::string out = "`";
  for (char c : name) {
    if (c == '`') out += '`';
    out += c;
  }
  return out + "`";
}

std::string format_string_literal(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

std::string to_sql(const LiteralValue& v) {
  switch (v.type) {
    case LiteralType::kNull:
      return "null";  // as ksqlDB's ExpressionFormatter prints it (in messages too)
    case LiteralType::kBoolean:
      return v.bool_value ? "true" : "false";
    case LiteralType::kInt:
    case LiteralType::kBigInt:
      return fmt::format("{}", v.int_value);
    case LiteralType::kDecimal:
      return v.text;
    case LiteralType::kDouble:
      return format_double(v.double_value);
    case LiteralType::kString:
      return format_string_literal(v.text);
    case LiteralType::kVariable:
      return "${" + v.text + "}";
  }
  return "NULL";
}

std::string to_sql(const DataType& t) {
  std::string s;
  switch (t.kind) {
    case TypeKind::kDecimal:
      return fmt::format("DECIMAL({}, {})", t.precision, t.scale);
    case TypeKind::kArray:
      return "ARRAY<" + to_sql(t.element()) + ">";
    case TypeKind::kMap:
      return "MAP<" + to_sql(t.key()) + ", " + to_sql(t.value()) + ">";
    case TypeKind::kStruct: {
      std::vector<std::string> parts;
      for (const auto& f : t.fields) {
        std::string quoted = "`";
        for (char c : f.name) {
          if (c == '`') quoted += '`';
          quoted += c;
        }
        parts.push_back(quoted + "` " + to_sql(f.type));
      }
      return "STRUCT<" + join(parts, ", ") + ">";
    }
    case TypeKind::kCustom:
      s = format_identifier(t.name);
      break;
    default:
      s = type_kind_name(t.kind);
      break;
  }
  if (!t.params.empty()) {
    std::vector<std::string> parts;
    for (const auto& p : t.params) {
      parts.push_back(p.is_string_keyword ? "STRING" : fmt::format("{}", p.value));
    }
    s += "(" + join(parts, ", ") + ")";
  }
  return s;
}

std::string to_sql(const Expr& e) {
  return visit_expr(e, ExprPrinter{});
}

std::string to_sql(const Query& q) {
  std::vector<std::string> items;
  for (const auto& item : q.select) items.push_back(format_select_item(item));
  std::string s = "SELECT " + join(items, ", ");
  s += "\nFROM " + format_relation(q.from);
  for (const auto& j : q.joins) s += "\n" + format_join(j);
  if (q.window) s += "\nWINDOW " + format_window(*q.window);
  if (q.where) s += "\nWHERE " + to_sql(*q.where);
  if (!q.group_by.empty()) s += "\nGROUP BY " + format_exprs(q.group_by);
  if (!q.partition_by.empty()) s += "\nPARTITION BY " + format_exprs(q.partition_by);
  if (q.having) s += "\nHAVING " + to_sql(*q.having);
  if (q.emit) s += q.emit == EmitKind::kChanges ? "\nEMIT CHANGES" : "\nEMIT FINAL";
  if (q.limit) s += fmt::format("\nLIMIT {}", *q.limit);
  return s;
}

std::string to_sql(const Statement& stmt) {
  return visit_statement(stmt, StatementPrinter{});
}

}  // namespace sluice::sql
