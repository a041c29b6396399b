// Statement nodes of the ksqlDB SQL AST: queries, DDL, DML and the administrative commands.
//
// Thread-safety: plain trees, as for expressions (see expr.h).
//
// Dispatch on `stmt.kind` and `stmt.as<CreateSource>()`, or use visit_statement().
#pragma once

#include <cassert>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sql/parser/data_type.h"
#include "sql/parser/expr.h"

namespace sluice::sql {

// ---- Query (SELECT) ------------------------------------------------------------------------

enum class SelectItemKind : uint8_t {
  kExpression,  // expr [AS alias]
  kAllColumns,  // * or qualifier.*
  kStructAll,   // base->*
};

struct SelectItem {
  SelectItemKind kind = SelectItemKind::kExpression;
  ExprPtr expr;           // kExpression: the expression; kStructAll: the struct
  std::string alias;      // kExpression: empty when none was given
  std::string qualifier;  // kAllColumns: empty for a bare *
  SourcePos pos;
};

struct Relation {
  std::string name;
  std::string alias;  // empty when none was given
  SourcePos pos;
};

enum class JoinType : uint8_t { kInner, kLeft, kRight, kFull };
const char* join_type_name(JoinType t);  // "INNER", "LEFT OUTER", ...

// WITHIN n unit  |  WITHIN (before, after), each followed by an optional GRACE PERIOD.
struct JoinWindow {
  Duration before;
  Duration after;
  bool symmetric = true;  // written as a single size
  std::optional<Duration> grace;
};

struct Join {
  JoinType type = JoinType::kInner;
  Relation right;
  std::optional<JoinWindow> within;
  ExprPtr on;
  SourcePos pos;
};

enum class WindowType : uint8_t { kTumbling, kHopping, kSession };

struct WindowSpec {
  WindowType type = WindowType::kTumbling;
  Duration size;     // tumbling and hopping SIZE; session gap
  Duration advance;  // hopping only
  std::optional<Duration> retention;
  std::optional<Duration> grace;
  SourcePos pos;
};

enum class EmitKind : uint8_t { kChanges, kFinal };

struct Query {
  std::vector<SelectItem> select;
  Relation from;
  std::vector<Join> joins;
  std::optional<WindowSpec> window;
  ExprPtr where;  // null when absent
  std::vector<ExprPtr> group_by;
  std::vector<ExprPtr> partition_by;
  ExprPtr having;  // null when absent
  std::optional<EmitKind> emit;
  std::optional<int64_t> limit;
  SourcePos pos;

  // A push query has an EMIT clause; a query without one is a pull query (when run on its own).
  bool is_push() const { return emit.has_value(); }
};

// ---- Properties (WITH (...)) ---------------------------------------------------------------

struct Property {
  std::string name;  // an identifier upper-cased, or a quoted string as written
  LiteralValue value;
  SourcePos pos;
};

struct Properties {
  std::vector<Property> items;
  // Case-insensitive lookup; null when absent.
  const Property* find(std::string_view name) const;
  bool empty() const { return items.empty(); }
};

// ---- Statements ----------------------------------------------------------------------------

enum class StatementKind : uint8_t {
  kQuery,
  kCreateSource,    // CREATE [OR REPLACE] [SOURCE] STREAM|TABLE name (cols) WITH (...)
  kCreateAsSelect,  // CREATE [OR REPLACE] STREAM|TABLE name [WITH (...)] AS SELECT ...
  kCreateConnector,
  kInsertInto,    // INSERT INTO name [WITH (...)] SELECT ...
  kInsertValues,  // INSERT INTO name [(cols)] VALUES (...)
  kList,          // SHOW|LIST ...
  kDescribeSource,
  kDescribeSources,  // DESCRIBE STREAMS|TABLES [EXTENDED]
  kDescribeFunction,
  kDescribeConnector,
  kPrint,
  kTerminate,
  kPauseQuery,
  kResumeQuery,
  kSetProperty,
  kAlterSystem,
  kUnsetProperty,
  kDefineVariable,
  kUndefineVariable,
  kDropSource,
  kDropConnector,
  kDropType,
  kExplain,
  kCreateType,
  kAlterSource,
  kAssertTopic,
  kAssertSchema,
};

const char* statement_kind_name(StatementKind kind);

struct Statement {
  const StatementKind kind;
  SourcePos pos;

  virtual ~Statement() = default;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

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

 protected:
  Statement(StatementKind k, SourcePos p) : kind(k), pos(p) {}
};

using StatementPtr = std::unique_ptr<Statement>;

template <StatementKind K>
struct StatementOf : Statement {
  static constexpr StatementKind kKind = K;
  explicit StatementOf(SourcePos p) : Statement(K, p) {}
};

struct QueryStatement : StatementOf<StatementKind::kQuery> {
  using StatementOf::StatementOf;
  Query query;
};

enum class ColumnConstraint : uint8_t { kNone, kKey, kPrimaryKey, kHeaders, kHeader };

struct TableElement {
  std::string name;
  DataType type;
  ColumnConstraint constraint = ColumnConstraint::kNone;
  std::string header_key;  // kHeader: the key in HEADER('key')
  SourcePos pos;
};

struct CreateSource : StatementOf<StatementKind::kCreateSource> {
  using StatementOf::StatementOf;
  bool is_table = false;
  bool or_replace = false;
  bool is_source = false;  // CREATE SOURCE STREAM|TABLE: read-only
  bool if_not_exists = false;
  std::string name;
  std::vector<TableElement> elements;
  Properties properties;
};

struct CreateAsSelect : StatementOf<StatementKind::kCreateAsSelect> {
  using StatementOf::StatementOf;
  bool is_table = false;
  bool or_replace = false;
  bool if_not_exists = false;
  std::string name;
  Properties properties;
  Query query;
};

struct CreateConnector : StatementOf<StatementKind::kCreateConnector> {
  using StatementOf::StatementOf;
  bool is_source = false;  // SOURCE or SINK
  bool if_not_exists = false;
  std::string name;
  Properties properties;
};

struct InsertInto : StatementOf<StatementKind::kInsertInto> {
  using StatementOf::StatementOf;
  std::string target;
  Properties properties;
  Query query;
};

struct InsertValues : StatementOf<StatementKind::kInsertValues> {
  using StatementOf::StatementOf;
  std::string target;
  std::vector<std::string> columns;  // empty: all columns in schema order
  std::vector<ExprPtr> values;
};

enum class ListKind : uint8_t {
  kProperties,
  kTopics,
  kStreams,
  kTables,
  kFunctions,
  kConnectors,
  kConnectorPlugins,
  kTypes,
  kVariables,
  kQueries,
};
enum class ConnectorScope : uint8_t { kAll, kSource, kSink };

struct ListStatement : StatementOf<StatementKind::kList> {
  using StatementOf::StatementOf;
  ListKind what = ListKind::kStreams;
  bool extended = false;
  bool all = false;  // LIST ALL TOPICS
  ConnectorScope scope = ConnectorScope::kAll;
};

struct DescribeSource : StatementOf<StatementKind::kDescribeSource> {
  using StatementOf::StatementOf;
  std::string name;
  bool extended = false;
};

struct DescribeSources : StatementOf<StatementKind::kDescribeSources> {
  using StatementOf::StatementOf;
  bool tables = false;  // DESCRIBE TABLES, otherwise DESCRIBE STREAMS
  bool extended = false;
};

struct DescribeFunction : StatementOf<StatementKind::kDescribeFunction> {
  using StatementOf::StatementOf;
  std::string name;
};

struct DescribeConnector : StatementOf<StatementKind::kDescribeConnector> {
  using StatementOf::StatementOf;
  std::string name;
};

struct Print : StatementOf<StatementKind::kPrint> {
  using StatementOf::StatementOf;
  std::string topic;  // a quoted string as written; an identifier as written (not upper-cased)
  bool from_beginning = false;
  std::optional<int64_t> interval;
  std::optional<int64_t> limit;
};

struct Terminate : StatementOf<StatementKind::kTerminate> {
  using StatementOf::StatementOf;
  bool all = false;
  std::string query_id;
};

// PAUSE query_id | ALL
struct PauseQuery : StatementOf<StatementKind::kPauseQuery> {
  using StatementOf::StatementOf;
  bool all = false;
  std::string query_id;
};

// RESUME query_id | ALL
struct ResumeQuery : StatementOf<StatementKind::kResumeQuery> {
  using StatementOf::StatementOf;
  bool all = false;
  std::string query_id;
};

struct SetProperty : StatementOf<StatementKind::kSetProperty> {
  using StatementOf::StatementOf;
  std::string name;
  std::string value;
};

struct AlterSystem : StatementOf<StatementKind::kAlterSystem> {
  using StatementOf::StatementOf;
  std::string name;
  std::string value;
};

struct UnsetProperty : StatementOf<StatementKind::kUnsetProperty> {
  using StatementOf::StatementOf;
  std::string name;
};

struct DefineVariable : StatementOf<StatementKind::kDefineVariable> {
  using StatementOf::StatementOf;
  std::string name;  // as written: ksqlDB variable names are case-insensitive, compare so
  std::string value;
};

struct UndefineVariable : StatementOf<StatementKind::kUndefineVariable> {
  using StatementOf::StatementOf;
  std::string name;
};

struct DropSource : StatementOf<StatementKind::kDropSource> {
  using StatementOf::StatementOf;
  bool is_table = false;
  bool if_exists = false;
  std::string name;
  bool delete_topic = false;
};

struct DropConnector : StatementOf<StatementKind::kDropConnector> {
  using StatementOf::StatementOf;
  bool if_exists = false;
  std::string name;
};

struct DropType : StatementOf<StatementKind::kDropType> {
  using StatementOf::StatementOf;
  bool if_exists = false;
  std::string name;
};

// EXPLAIN <query id> or EXPLAIN <statement>: exactly one of query_id / statement is set.
struct Explain : StatementOf<StatementKind::kExplain> {
  using StatementOf::StatementOf;
  std::string query_id;
  StatementPtr statement;
};

struct CreateType : StatementOf<StatementKind::kCreateType> {
  using StatementOf::StatementOf;
  bool if_not_exists = false;
  std::string name;
  DataType type;
};

struct AlterSource : StatementOf<StatementKind::kAlterSource> {
  using StatementOf::StatementOf;
  bool is_table = false;
  std::string name;
  std::vector<TableElement> add_columns;
};

struct AssertTopic : StatementOf<StatementKind::kAssertTopic> {
  using StatementOf::StatementOf;
  bool not_exists = false;
  std::string topic;
  Properties properties;
  std::optional<Duration> timeout;
};

struct AssertSchema : StatementOf<StatementKind::kAssertSchema> {
  using StatementOf::StatementOf;
  bool not_exists = false;
  std::optional<std::string> subject;
  std::optional<LiteralValue> id;
  std::optional<Duration> timeout;
};

// Calls f(stmt.as<Node>()) for the concrete statement type.
template <typename F>
decltype(auto) visit_statement(const Statement& s, F&& f) {
  switch (s.kind) {
    case StatementKind::kQuery:
      return f(s.as<QueryStatement>());
    case StatementKind::kCreateSource:
      return f(s.as<CreateSource>());
    case StatementKind::kCreateAsSelect:
      return f(s.as<CreateAsSelect>());
    case StatementKind::kCreateConnector:
      return f(s.as<CreateConnector>());
    case StatementKind::kInsertInto:
      return f(s.as<InsertInto>());
    case StatementKind::kInsertValues:
      return f(s.as<InsertValues>());
    case StatementKind::kList:
      return f(s.as<ListStatement>());
    case StatementKind::kDescribeSource:
      return f(s.as<DescribeSource>());
    case StatementKind::kDescribeSources:
      return f(s.as<DescribeSources>());
    case StatementKind::kDescribeFunction:
      return f(s.as<DescribeFunction>());
    case StatementKind::kDescribeConnector:
      return f(s.as<DescribeConnector>());
    case StatementKind::kPrint:
      return f(s.as<Print>());
    case StatementKind::kTerminate:
      return f(s.as<Terminate>());
    case StatementKind::kPauseQuery:
      return f(s.as<PauseQuery>());
    case StatementKind::kResumeQuery:
      return f(s.as<ResumeQuery>());
    case StatementKind::kSetProperty:
      return f(s.as<SetProperty>());
    case StatementKind::kAlterSystem:
      return f(s.as<AlterSystem>());
    case StatementKind::kUnsetProperty:
      return f(s.as<UnsetProperty>());
    case StatementKind::kDefineVariable:
      return f(s.as<DefineVariable>());
    case StatementKind::kUndefineVariable:
      return f(s.as<UndefineVariable>());
    case StatementKind::kDropSource:
      return f(s.as<DropSource>());
    case StatementKind::kDropConnector:
      return f(s.as<DropConnector>());
    case StatementKind::kDropType:
      return f(s.as<DropType>());
    case StatementKind::kExplain:
      return f(s.as<Explain>());
    case StatementKind::kCreateType:
      return f(s.as<CreateType>());
    case StatementKind::kAlterSource:
      return f(s.as<AlterSource>());
    case StatementKind::kAssertTopic:
      return f(s.as<AssertTopic>());
    case StatementKind::kAssertSchema:
      return f(s.as<AssertSchema>());
  }
  assert(false && "unknown StatementKind");
  return f(s.as<QueryStatement>());
}

}  // namespace sluice::sql
