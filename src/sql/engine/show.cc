// SHOW / LIST and DESCRIBE: the catalog, queries, topics, functions and properties as tables.
#include <algorithm>

#include <fmt/format.h>

#include "sql/engine/engine.h"
#include "sql/functions/aggregate.h"
#include "sql/functions/builtins.h"

namespace sluice::sql {

Result<StatementResult> Engine::list(const ListStatement& s) {
  StatementResult r;
  switch (s.what) {
    case ListKind::kStreams:
    case ListKind::kTables: {
      bool tables = s.what == ListKind::kTables;
      r.header = {tables ? "Table Name" : "Stream Name", "Kafka Topic", "Key Format",
                  "Value Format"};
      for (const DataSourcePtr& src : catalog_.sources()) {
        if (src->is_table != tables) continue;
        r.rows.push_back({src->name, src->topic, src->key_format.name, src->value_format.name});
      }
      return r;
    }
    case ListKind::kQueries:
      r.header = {"Query ID",    "Source", "Sink",        "Records In",
                  "Records Out", "Errors", "Query String"};
      for (const QueryInfo& q : queries()) {
        r.rows.push_back({q.id, q.source, q.sink, std::to_string(q.stats.records_in),
                          std::to_string(q.stats.records_out),
                          std::to_string(q.stats.decode_errors + q.stats.expression_errors),
                          q.sql});
      }
      return r;
    case ListKind::kTopics:
      r.header = {"Kafka Topic", "Partitions"};
      for (const std::string& t : store_.topics()) {
        if (!s.all && !t.empty() && t[0] == '_') continue;
        r.rows.push_back({t, std::to_string(store_.partitions(t))});
      }
      return r;
    case ListKind::kFunctions:
      // Scalar, table and aggregate functions together, by name, as ksqlDB lists them.
      r.header = {"Function Name", "Type"};
      for (const std::string& f : builtin_functions().names()) {
        r.rows.push_back({f, builtin_functions().is_table_function(f) ? "TABLE" : "SCALAR"});
      }
      for (const std::string& f : aggregate_function_names()) r.rows.push_back({f, "AGGREGATE"});
      std::sort(r.rows.begin(), r.rows.end());
      return r;
    case ListKind::kProperties:
      r.header = {"Property", "Value"};
      for (const auto& [k, v] : session_.properties) r.rows.push_back({k, v});
      return r;
    case ListKind::kVariables:
      r.header = {"Variable Name", "Value"};
      for (const auto& [k, v] : session_.variables) r.rows.push_back({k, v});
      return r;
    case ListKind::kTypes:
      r.header = {"Type Name", "Schema"};
      for (const auto& [k, t] : catalog_.types()) r.rows.push_back({k, t.to_string()});
      return r;
    default:
      return Status::not_supported_yet("SHOW of connectors");
  }
}

Result<StatementResult> Engine::describe(const DescribeSource& s) {
  DataSourcePtr src = catalog_.find_source(s.name);
  if (!src) {
    return Status::invalid_argument(
        fmt::format("Could not find STREAM/TABLE '{}' in the Metastore", s.name));
  }
  StatementResult r;
  r.message = fmt::format("Name: {}\nType: {}\nKafka topic: {}\nKey format: {}\nValue format: {}",
                          src->name, src->kind_name(), src->topic, src->key_format.name,
                          src->value_format.name);
  r.header = {"Field", "Type"};
  for (const CatalogColumn& c : src->columns) {
    std::string type = c.type.describe_name();
    if (c.kind == ColumnKind::kKey) type += src->is_table ? "  (primary key)" : "  (key)";
    r.rows.push_back({c.name, type});
  }
  if (s.extended) {
    for (const QueryInfo& q : queries()) {
      if (q.sink == src->name) r.rows.push_back({"(written by)", q.id});
      if (q.source == src->name) r.rows.push_back({"(read by)", q.id});
    }
  }
  return r;
}

}  // namespace sluice::sql
