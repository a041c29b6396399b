#include "server/ksql_rest.h"

#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include <strings.h>

#include <cctype>
#include <cstdlib>

#include "sql/engine/ddl.h"
#include "sql/engine/sql_service.h"
#include "sql/functions/aggregate.h"
#include "sql/functions/builtins.h"
#include "sql/parser/statement.h"
#include "sql/planner/query_plan.h"

namespace sluice {

namespace {

using Json = nlohmann::ordered_json;
using sql::Engine;
using sql::PropertyMap;
using sql::Statement;
using sql::StatementKind;
using sql::StatementResult;

constexpr int kBadRequest = 40000;
constexpr int kBadStatement = 40001;
constexpr int kQueryEndpoint = 40002;
constexpr int kServerError = 50000;

HttpResponse json_response(int status, const Json& j) {
  return HttpResponse::json(status, j.dump());
}

Json generic_error(int code, std::string_view message) {
  return Json{{"@type", "generic_error"}, {"error_code", code}, {"message", std::string(message)}};
}

// The request body as a JSON object, or the 400 to answer.
std::optional<Json> parse_body(const HttpRequest& req, HttpResponse* error) {
  Json j = Json::parse(req.body, nullptr, false);
  if (j.is_discarded()) {
    *error = json_response(400, generic_error(kBadRequest, "Malformed JSON in request body"));
    return std::nullopt;
  }
  if (!j.is_object()) {
    *error = json_response(400, generic_error(kBadRequest, "The request body must be an object"));
    return std::nullopt;
  }
  return j;
}

// A string field of the body, or the 400 to answer when it is missing.
std::optional<std::string> string_field(const Json& body, const char* name, HttpResponse* error) {
  auto it = body.find(name);
  if (it == body.end() || !it->is_string()) {
    *error = json_response(
        400, generic_error(kBadRequest, fmt::format("The request must have a string '{}'", name)));
    return std::nullopt;
  }
  return it->get<std::string>();
}

// A map of properties or variables; values given as numbers or booleans become their text.
PropertyMap property_map(const Json& body, const char* name) {
  PropertyMap out;
  auto it = body.find(name);
  if (it == body.end() || !it->is_object()) return out;
  for (const auto& [k, v] : it->items()) {
    out[k] = v.is_string() ? v.get<std::string>() : v.dump();
  }
  return out;
}

// ksqlDB's SchemaInfo: {"type": ..., "fields": [...] | null, "memberSchema": ... | null}.
Json schema_json(const format::Type& t) {
  Json j{{"type", format::type_id_name(t.id())}, {"fields", nullptr}, {"memberSchema", nullptr}};
  switch (t.id()) {
    case format::TypeId::kStruct: {
      Json fields = Json::array();
      for (const auto& f : t.fields()) {
        fields.push_back(Json{{"name", f.name}, {"schema", schema_json(f.type)}});
      }
      j["fields"] = std::move(fields);
      break;
    }
    case format::TypeId::kArray:
    case format::TypeId::kMap:
      j["memberSchema"] = schema_json(t.element());
      break;
    case format::TypeId::kDecimal:
      j["parameters"] = Json{{"precision", t.precision()}, {"scale", t.scale()}};
      break;
    default:
      break;
  }
  return j;
}

Json column_json(const sql::CatalogColumn& c) {
  Json j{{"name", c.name}, {"schema", schema_json(c.type)}};
  if (c.kind == sql::ColumnKind::kKey) j["type"] = "KEY";
  if (c.kind == sql::ColumnKind::kHeader) {
    j["type"] = "HEADER";
    if (!c.header_key.empty()) j["headerKey"] = c.header_key;
  }
  return j;
}

Json running_query_json(const Engine& engine, const sql::QueryInfo& q) {
  Json sinks = Json::array(), topics = Json::array();
  sinks.push_back(q.sink);
  if (auto s = engine.catalog().find_source(q.sink)) topics.push_back(s->topic);
  return Json{{"queryString", q.sql},
              {"sinks", sinks},
              {"sinkKafkaTopics", topics},
              {"id", q.id},
              {"statusCount", Json{{"RUNNING", 1}}},
              {"queryType", "PERSISTENT"},
              {"state", "RUNNING"}};
}

Json transient_query_json(const sql::TransientQueryInfo& t) {
  return Json{{"queryString", t.sql},
              {"sinks", Json::array()},
              {"sinkKafkaTopics", Json::array()},
              {"id", t.id},
              {"statusCount", Json{{"RUNNING", 1}}},
              {"queryType", "PUSH"},
              {"state", "RUNNING"}};
}

Json source_json(const sql::DataSource& s) {
  return Json{{"type", s.kind_name()},
              {"name", s.name},
              {"topic", s.topic},
              {"keyFormat", s.key_format.name},
              {"valueFormat", s.value_format.name},
              {"isWindowed", false}};
}

Json source_description_json(Engine& engine, const sql::DataSource& s, bool extended) {
  Json read = Json::array(), write = Json::array();
  for (const sql::QueryInfo& q : engine.queries()) {
    if (q.source == s.name) read.push_back(running_query_json(engine, q));
    if (q.sink == s.name) write.push_back(running_query_json(engine, q));
  }
  Json fields = Json::array();
  for (const sql::CatalogColumn& c : s.columns) fields.push_back(column_json(c));
  std::string statistics, errors;
  if (extended) {
    uint64_t in = 0, out = 0, errs = 0;
    for (const sql::QueryInfo& q : engine.queries()) {
      if (q.source == s.name) in += q.stats.records_in;
      if (q.sink == s.name) out += q.stats.records_out;
      if (q.source == s.name) errs += q.stats.decode_errors + q.stats.expression_errors;
    }
    statistics = fmt::format("records-read: {}, records-written: {}", in, out);
    errors = fmt::format("failed-records: {}", errs);
  }
  return Json{{"name", s.name},
              {"windowType", nullptr},
              {"readQueries", read},
              {"writeQueries", write},
              {"fields", fields},
              {"type", s.kind_name()},
              {"timestamp", s.timestamp_column},
              {"statistics", statistics},
              {"errorStats", errors},
              {"extended", extended},
              {"keyFormat", s.key_format.name},
              {"valueFormat", s.value_format.name},
              {"topic", s.topic},
              {"partitions", std::max(engine.store().partitions(s.topic), 0)},
              {"replication", 1},
              {"statement", s.sql},
              {"sourceConstraints", Json::array()}};
}

Json current_status(const StatementResult& r, std::string command_id) {
  return Json{
      {"@type", "currentStatus"},
      {"statementText", r.statement_text},
      {"commandId", std::move(command_id)},
      {"commandStatus", Json{{"status", "SUCCESS"},
                             {"message", r.message},
                             {"queryId", r.query_id.empty() ? Json(nullptr) : Json(r.query_id)}}},
      {"commandSequenceNumber", r.command_sequence_number},
      {"warnings", Json::array()}};
}

std::string source_command_id(bool is_table, const std::string& name, const char* action) {
  return fmt::format("{}/`{}`/{}", is_table ? "table" : "stream", name, action);
}

std::string execution_plan(const Engine& engine, const std::string& id, const std::string& source,
                           const std::string& sink) {
  auto schema = [&](const std::string& name) {
    auto s = engine.catalog().find_source(name);
    return s ? s->schema_string() : std::string();
  };
  return fmt::format(
      " > [ SINK ] | Schema: {} | Logger: {}.{}\n\t\t > [ PROJECT ] | Logger: {}.Project\n"
      "\t\t\t\t > [ SOURCE ] | Schema: {} | Logger: {}.KsqlTopic.Source\n",
      schema(sink), id, sink, id, schema(source), id);
}

Json query_description(std::string id, std::string sql, Json fields, Json sources, Json sinks,
                       std::string plan, const char* type, std::string topology = "") {
  return Json{{"id", std::move(id)},
              {"statementText", std::move(sql)},
              {"windowType", nullptr},
              {"fields", std::move(fields)},
              {"sources", std::move(sources)},
              {"sinks", std::move(sinks)},
              {"topology", std::move(topology)},
              {"executionPlan", std::move(plan)},
              {"overriddenProperties", Json::object()},
              {"ksqlHostQueryStatus", Json::object()},
              {"queryType", type},
              {"queryErrors", Json::array()},
              {"tasksMetadata", Json::array()},
              {"state", "RUNNING"}};
}

Json query_description_json(const Engine& engine, const sql::QueryInfo& q) {
  Json fields = Json::array();
  if (auto sink = engine.catalog().find_source(q.sink)) {
    for (const auto& c : sink->columns) fields.push_back(column_json(c));
  }
  return query_description(q.id, q.sql, fields, Json::array({q.source}), Json::array({q.sink}),
                           execution_plan(engine, q.id, q.source, q.sink), "PERSISTENT",
                           q.topology);
}

Json query_description_json(const sql::TransientQueryInfo& t) {
  Json fields = Json::array();
  for (const auto& c : t.columns) {
    fields.push_back(Json{{"name", c.name}, {"schema", schema_json(c.type)}});
  }
  return query_description(t.id, t.sql, fields, Json::array({t.source}), Json::array(), "", "PUSH");
}

// The entity for a statement the engine ran (nullopt: ksqlDB answers nothing for it).
std::optional<Json> statement_entity(const Statement& stmt, const StatementResult& r,
                                     Engine& engine) {
  Json warnings = Json::array();
  switch (stmt.kind) {
    case StatementKind::kCreateSource: {
      const auto& s = stmt.as<sql::CreateSource>();
      return current_status(r, source_command_id(s.is_table, s.name, "create"));
    }
    case StatementKind::kCreateAsSelect: {
      const auto& s = stmt.as<sql::CreateAsSelect>();
      return current_status(r, source_command_id(s.is_table, s.name, "create"));
    }
    case StatementKind::kInsertInto:
      return current_status(r,
                            source_command_id(false, stmt.as<sql::InsertInto>().target, "create"));
    case StatementKind::kDropSource: {
      const auto& s = stmt.as<sql::DropSource>();
      return current_status(r, source_command_id(s.is_table, s.name, "drop"));
    }
    case StatementKind::kAlterSource: {
      const auto& s = stmt.as<sql::AlterSource>();
      return current_status(r, source_command_id(s.is_table, s.name, "alter"));
    }
    case StatementKind::kTerminate: {
      const auto& s = stmt.as<sql::Terminate>();
      return current_status(r, fmt::format("terminate/{}/execute", s.all ? "ALL" : s.query_id));
    }
    case StatementKind::kCreateType:
      return current_status(r, fmt::format("type/{}/create", stmt.as<sql::CreateType>().name));
    case StatementKind::kDropType:
      return current_status(r, fmt::format("type/{}/drop", stmt.as<sql::DropType>().name));
    case StatementKind::kInsertValues:
    case StatementKind::kSetProperty:
    case StatementKind::kUnsetProperty:
    case StatementKind::kAlterSystem:
    case StatementKind::kDefineVariable:
    case StatementKind::kUndefineVariable:
      return std::nullopt;
    case StatementKind::kDescribeSource: {
      const auto& s = stmt.as<sql::DescribeSource>();
      auto src = engine.catalog().find_source(s.name);
      if (!src) return std::nullopt;
      return Json{{"@type", "sourceDescription"},
                  {"statementText", r.statement_text},
                  {"sourceDescription", source_description_json(engine, *src, s.extended)},
                  {"warnings", warnings}};
    }
    case StatementKind::kList:
      break;
    default:
      return current_status(r, fmt::format("{}/execute", sql::statement_kind_name(stmt.kind)));
  }
  const auto& list = stmt.as<sql::ListStatement>();
  Json e{{"@type", ""}, {"statementText", r.statement_text}};
  switch (list.what) {
    case sql::ListKind::kStreams:
    case sql::ListKind::kTables: {
      bool tables = list.what == sql::ListKind::kTables;
      Json items = Json::array();
      if (list.extended) {
        for (const auto& src : engine.catalog().sources()) {
          if (src->is_table == tables) items.push_back(source_description_json(engine, *src, true));
        }
        e["@type"] = "source_descriptions";
        e["sourceDescriptions"] = items;
        break;
      }
      for (const auto& src : engine.catalog().sources()) {
        if (src->is_table == tables) items.push_back(source_json(*src));
      }
      e["@type"] = tables ? "tables" : "streams";
      e[tables ? "tables" : "streams"] = items;
      break;
    }
    case sql::ListKind::kTopics: {
      Json items = Json::array();
      for (const auto& row : r.rows) {
        Json replicas = Json::array();
        int parts = row.size() > 1 ? std::atoi(row[1].c_str()) : 0;
        for (int i = 0; i < parts; ++i) replicas.push_back(1);
        items.push_back(Json{{"name", row[0]}, {"replicaInfo", replicas}});
      }
      e["@type"] = "kafka_topics";
      e["topics"] = items;
      break;
    }
    case sql::ListKind::kQueries: {
      Json items = Json::array();
      if (list.extended) {
        for (const auto& q : engine.queries()) items.push_back(query_description_json(engine, q));
        for (const auto& t : engine.transient_queries()) {
          items.push_back(query_description_json(t));
        }
        e["@type"] = "query_descriptions";
        e["queryDescriptions"] = items;
        break;
      }
      for (const auto& q : engine.queries()) items.push_back(running_query_json(engine, q));
      for (const auto& t : engine.transient_queries()) items.push_back(transient_query_json(t));
      e["@type"] = "queries";
      e["queries"] = items;
      break;
    }
    case sql::ListKind::kProperties: {
      Json items = Json::array();
      for (const auto& row : r.rows) {
        items.push_back(Json{{"name", row[0]}, {"scope", "KSQL"}, {"value", row[1]}});
      }
      e["@type"] = "properties";
      e["properties"] = items;
      e["overwrittenProperties"] = Json::array();
      e["defaultProperties"] = Json::array();
      break;
    }
    case sql::ListKind::kFunctions: {
      Json items = Json::array();
      for (const auto& row : r.rows) {
        items.push_back(Json{{"name", row[0]}, {"category", "OTHER"}, {"type", row[1]}});
      }
      e["@type"] = "function_names";
      e["functions"] = items;
      break;
    }
    case sql::ListKind::kVariables: {
      Json items = Json::array();
      for (const auto& row : r.rows) items.push_back(Json{{"name", row[0]}, {"value", row[1]}});
      e["@type"] = "variables";
      e["variables"] = items;
      break;
    }
    case sql::ListKind::kTypes: {
      Json types = Json::object();
      for (const auto& [name, t] : engine.catalog().types()) types[name] = schema_json(t);
      e["@type"] = "type_list";
      e["types"] = types;
      break;
    }
    default:
      return current_status(r, "list/execute");
  }
  e["warnings"] = warnings;
  return e;
}

// EXPLAIN <statement>: plans the statement's query without running it.
Status explain_statement(const Statement& stmt, std::string_view text, Engine& engine,
                         Json& entities) {
  const sql::Query* query = nullptr;
  std::string sink;
  bool is_table = false;
  if (const auto* q = stmt.if_as<sql::QueryStatement>()) {
    query = &q->query;
  } else if (const auto* c = stmt.if_as<sql::CreateAsSelect>()) {
    query = &c->query;
    sink = c->name;
    is_table = c->is_table;
  } else if (const auto* i = stmt.if_as<sql::InsertInto>()) {
    query = &i->query;
    sink = i->target;
  } else {
    return Status::invalid_argument(
        fmt::format("EXPLAIN takes a query id, a SELECT, CREATE ... AS SELECT or INSERT INTO ... "
                    "SELECT, not {}",
                    sql::statement_kind_name(stmt.kind)));
  }
  sql::PlanContext ctx{&engine.catalog(), &sql::builtin_functions(), &engine.session(), sink,
                       is_table};
  ctx.transient = sink.empty();
  SLUICE_ASSIGN_OR_RETURN(sql::QueryPlan plan, sql::plan_query(*query, ctx));
  Json fields = Json::array();
  for (const sql::OutputColumn& c : plan.columns) {
    Json f{{"name", c.name}, {"schema", schema_json(c.type)}};
    if (c.key) f["type"] = "KEY";
    fields.push_back(std::move(f));
  }
  std::string source = plan.input.source->name;
  Json sinks = sink.empty() ? Json::array() : Json::array({sink});
  entities.push_back(Json{
      {"@type", "queryDescription"},
      {"statementText", std::string(text)},
      {"queryDescription", query_description("", std::string(text), fields, Json::array({source}),
                                             sinks, "", sink.empty() ? "PUSH" : "PERSISTENT")},
      {"warnings", Json::array()}});
  return Status::ok();
}

// Statements the REST layer answers itself (the engine has no table form for them), and the
// SELECTs that belong to /query. Appends the entity; nullopt lets the engine run the statement.
std::optional<Status> handle_statement(const Statement& stmt, std::string_view text, Engine& engine,
                                       Json& entities) {
  Json warnings = Json::array();
  switch (stmt.kind) {
    case StatementKind::kQuery:
    case StatementKind::kPrint:
      return Status::invalid_argument(
          "The following statement types should be issued to the websocket endpoint '/query':\n"
          "\t* PRINT\n\t* SELECT");
    case StatementKind::kDescribeSources: {
      const auto& s = stmt.as<sql::DescribeSources>();
      Json items = Json::array();
      for (const auto& src : engine.catalog().sources()) {
        if (src->is_table == s.tables) {
          items.push_back(source_description_json(engine, *src, s.extended));
        }
      }
      entities.push_back(Json{{"@type", "source_descriptions"},
                              {"statementText", std::string(text)},
                              {"sourceDescriptions", items},
                              {"warnings", warnings}});
      return Status::ok();
    }
    case StatementKind::kDescribeFunction: {
      const auto& s = stmt.as<sql::DescribeFunction>();
      const auto& registry = sql::builtin_functions();
      bool aggregate = sql::is_aggregate_function(sql::to_upper(s.name));
      if (!registry.contains(s.name) && !aggregate) {
        return Status::invalid_argument(
            fmt::format("Can't find any functions with the name '{}'", s.name));
      }
      Json variants = Json::array();
      for (const sql::AggregateVariation& v : sql::aggregate_variations(s.name)) {
        Json args = Json::array();
        for (const sql::AggregateParam& p : v.params) {
          bool variadic = p.type.ends_with("...");
          args.push_back(Json{{"name", p.name},
                              {"type", variadic ? p.type.substr(0, p.type.size() - 3) : p.type},
                              {"description", ""},
                              {"isVariadic", variadic}});
        }
        variants.push_back(
            Json{{"arguments", args}, {"returnType", v.return_type}, {"description", ""}});
      }
      for (const auto& sig : registry.signatures(s.name)) {
        Json args = Json::array();
        if (sig.custom) {
          args.push_back(
              Json{{"name", "args"}, {"type", "ANY"}, {"description", ""}, {"isVariadic", true}});
        }
        for (size_t i = 0; i < sig.params.size(); ++i) {
          args.push_back(Json{{"name", fmt::format("arg{}", i + 1)},
                              {"type", sig.params[i].to_string()},
                              {"description", ""},
                              {"isVariadic", false}});
        }
        variants.push_back(Json{{"arguments", args},
                                {"returnType", sig.custom ? "ANY" : sig.return_type.to_string()},
                                {"description", ""}});
      }
      std::string name = s.name;
      for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      entities.push_back(Json{{"@type", "describe_function"},
                              {"statementText", std::string(text)},
                              {"name", name},
                              {"description", ""},
                              {"author", "sluice"},
                              {"version", ""},
                              {"path", "internal"},
                              {"functions", variants},
                              {"type", aggregate                            ? "AGGREGATE"
                                       : registry.is_table_function(s.name) ? "TABLE"
                                                                            : "SCALAR"},
                              {"warnings", warnings}});
      return Status::ok();
    }
    case StatementKind::kExplain: {
      const auto& s = stmt.as<sql::Explain>();
      if (s.query_id.empty()) return explain_statement(*s.statement, text, engine, entities);
      for (const sql::QueryInfo& q : engine.queries()) {
        if (q.id != s.query_id) continue;
        entities.push_back(Json{{"@type", "queryDescription"},
                                {"statementText", std::string(text)},
                                {"queryDescription", query_description_json(engine, q)},
                                {"warnings", warnings}});
        return Status::ok();
      }
      for (const sql::TransientQueryInfo& t : engine.transient_queries()) {
        if (strcasecmp(t.id.c_str(), s.query_id.c_str()) != 0) continue;
        entities.push_back(Json{{"@type", "queryDescription"},
                                {"statementText", std::string(text)},
                                {"queryDescription", query_description_json(t)},
                                {"warnings", warnings}});
        return Status::ok();
      }
      return Status::invalid_argument(
          fmt::format("Query with id:{} does not exist, use SHOW "
                      "QUERIES to view the full set of queries.",
                      s.query_id));
    }
    case StatementKind::kTerminate: {
      // TERMINATE of a push query's id ends it, as in ksqlDB.
      const auto& s = stmt.as<sql::Terminate>();
      if (s.all || !engine.close_transient(s.query_id)) return std::nullopt;
      StatementResult r;
      r.statement_text = std::string(text);
      r.message = "Query terminated.";
      r.query_id = s.query_id;
      entities.push_back(current_status(r, fmt::format("terminate/{}/execute", s.query_id)));
      return Status::ok();
    }
    default:
      return std::nullopt;
  }
}

bool is_server_failure(const Status& st) {
  switch (st.code()) {
    case StatusCode::kInternal:
    case StatusCode::kIoError:
    case StatusCode::kCorruption:
    case StatusCode::kNoSpace:
    case StatusCode::kPermissionDenied:
      return true;
    default:
      return false;
  }
}

HttpResponse handle_ksql(sql::SqlService& service, const HttpRequest& req) {
  HttpResponse error;
  auto body = parse_body(req, &error);
  if (!body) return error;
  auto ksql = string_field(*body, "ksql", &error);
  if (!ksql) return error;
  PropertyMap props = property_map(*body, "streamsProperties");
  for (const auto& [k, v] : property_map(*body, "properties")) props.emplace(k, v);
  PropertyMap vars = property_map(*body, "sessionVariables");
  Json entities = Json::array();
  auto failure = service.execute_request(
      *ksql, props, vars,
      [&](const Statement& stmt, std::string_view text, Engine& engine) {
        return handle_statement(stmt, text, engine, entities);
      },
      [&](const Statement& stmt, const StatementResult& r, Engine& engine) {
        if (auto e = statement_entity(stmt, r, engine)) entities.push_back(std::move(*e));
      });
  if (!failure) return json_response(200, entities);
  if (is_server_failure(failure->status)) {
    return json_response(500, generic_error(kServerError, failure->status.message()));
  }
  bool query = failure->kind &&
               (*failure->kind == StatementKind::kQuery || *failure->kind == StatementKind::kPrint);
  return json_response(400, Json{{"@type", "statement_error"},
                                 {"error_code", query ? kQueryEndpoint : kBadStatement},
                                 {"message", failure->status.message()},
                                 {"statementText", failure->statement_text},
                                 {"entities", entities}});
}

// Streams a transient query's rows into an HttpStream in one of the endpoints' framings. Rows
// the engine delivers before the header was written wait in `pending_`.
class RestSink final : public sql::TransientSink {
 public:
  enum class Framing { kQuery, kDelimited, kJsonArray, kPrint };

  RestSink(std::shared_ptr<HttpStream> stream, Framing framing)
      : stream_(std::move(stream)), framing_(framing) {}

  bool cancelled() const override { return stream_->cancelled(); }
  bool full() const override { return stream_->full(); }

  void row(std::string_view columns) override {
    switch (framing_) {
      case Framing::kQuery:
        emit(fmt::format("{{\"row\":{{\"columns\":{}}}}},\n", columns));
        break;
      case Framing::kDelimited:
        emit(fmt::format("{}\n", columns));
        break;
      case Framing::kJsonArray:
        emit(fmt::format(",\n{}", columns));
        break;
      case Framing::kPrint:
        emit(fmt::format("{}\n", columns));
        break;
    }
  }

  void tombstone(std::string_view columns) override {
    // Only /query's framing can say a row was deleted (as ksqlDB's does).
    if (framing_ == Framing::kQuery) {
      emit(fmt::format("{{\"row\":{{\"columns\":{},\"tombstone\":true}}}},\n", columns));
    }
  }

  void end(sql::TransientEnd reason, std::string_view message) override {
    std::string last;
    Json err = generic_error(kServerError, message);
    switch (framing_) {
      case Framing::kQuery:
        switch (reason) {
          case sql::TransientEnd::kLimit:
            last = "{\"finalMessage\":\"Limit Reached\"}]\n";
            break;
          case sql::TransientEnd::kComplete:
            last = "{\"finalMessage\":\"Query Completed\"}]\n";
            break;
          case sql::TransientEnd::kAnswered:
            last = "]\n";
            break;
          case sql::TransientEnd::kClosed:
            last = "{\"finalMessage\":\"Query Closed\"}]\n";
            break;
          case sql::TransientEnd::kError:
            last = Json{{"errorMessage", err}}.dump() + "]\n";
            break;
        }
        break;
      case Framing::kDelimited:
      case Framing::kPrint:
        if (reason == sql::TransientEnd::kError) last = err.dump() + "\n";
        break;
      case Framing::kJsonArray:
        last = reason == sql::TransientEnd::kError ? ",\n" + err.dump() + "]\n" : "]\n";
        break;
    }
    std::lock_guard<std::mutex> lock(mu_);
    ended_ = true;
    if (!begun_) {
      pending_ += last;
      return;
    }
    stream_->write(std::move(last));
    stream_->close();
  }

  // Writes the header, then whatever came before it.
  void begin(std::string header) {
    std::lock_guard<std::mutex> lock(mu_);
    begun_ = true;
    stream_->write(std::move(header));
    stream_->write(std::move(pending_));
    pending_.clear();
    if (ended_) stream_->close();
  }

 private:
  void emit(std::string s) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!begun_) {
      pending_ += s;
      return;
    }
    stream_->write(std::move(s));
  }

  std::shared_ptr<HttpStream> stream_;
  Framing framing_;
  std::mutex mu_;
  bool begun_ = false;
  bool ended_ = false;
  std::string pending_;
};

std::string rest_header(const sql::TransientQueryInfo& info, RestSink::Framing framing) {
  if (framing == RestSink::Framing::kQuery) {
    Json h{{"header", Json{{"queryId", info.id}, {"schema", sql::rest_schema_string(info)}}}};
    return "[" + h.dump() + ",\n";
  }
  Json names = Json::array(), types = Json::array();
  for (const auto& c : info.columns) {
    names.push_back(c.name);
    types.push_back(c.type.to_string());
  }
  Json h{{"queryId", info.id}, {"columnNames", names}, {"columnTypes", types}};
  return framing == RestSink::Framing::kDelimited ? h.dump() + "\n" : "[" + h.dump();
}

// /query (`legacy` framing, statement errors) and /query-stream.
HttpResponse handle_query(sql::SqlService& service, const HttpRequest& req, bool legacy) {
  HttpResponse error;
  auto body = parse_body(req, &error);
  if (!body) return error;
  auto text = string_field(*body, legacy ? "ksql" : "sql", &error);
  if (!text) return error;
  PropertyMap props = property_map(*body, legacy ? "streamsProperties" : "properties");
  PropertyMap vars = property_map(*body, "sessionVariables");
  RestSink::Framing framing = RestSink::Framing::kQuery;
  std::string content_type = "application/json";
  if (!legacy) {
    std::string_view accept = req.header("Accept");
    bool json = accept.find("application/json") != std::string_view::npos &&
                accept.find("vnd.ksqlapi.delimited") == std::string_view::npos;
    framing = json ? RestSink::Framing::kJsonArray : RestSink::Framing::kDelimited;
    if (!json) content_type = "application/vnd.ksqlapi.delimited.v1";
  }
  auto stream = std::make_shared<HttpStream>(size_t{1} << 20);
  auto sink = std::make_shared<RestSink>(stream, framing);
  // PRINT (on /query only) streams text lines, without a header.
  bool print = false;
  if (legacy) {
    std::vector<std::string> statements = sql::split_statements(*text);  // without comments
    print = statements.size() == 1 && strncasecmp(statements[0].c_str(), "PRINT", 5) == 0;
  }
  if (print) {
    framing = RestSink::Framing::kPrint;
    sink = std::make_shared<RestSink>(stream, framing);
  }
  auto info = service.start_query(*text, props, vars, sink, legacy);
  if (!info) {
    const Status& st = info.status();
    if (is_server_failure(st) || st.code() == StatusCode::kAborted) {
      return json_response(500, generic_error(kServerError, st.message()));
    }
    if (!legacy) return json_response(400, generic_error(kBadStatement, st.message()));
    return json_response(400, Json{{"@type", "statement_error"},
                                   {"error_code", kBadStatement},
                                   {"message", st.message()},
                                   {"statementText", *text},
                                   {"entities", Json::array()}});
  }
  sink->begin(print ? std::string() : rest_header(*info, framing));
  HttpResponse r;
  r.status = 200;
  r.content_type = content_type;
  r.stream = std::move(stream);
  return r;
}

}  // namespace

void add_ksql_routes(HttpServer& http, sql::SqlService& sql, KsqlRestInfo info) {
  sql::SqlService* service = &sql;
  // Statements wait for each other (and write to the log): never on a loop that serves Kafka.
  http.route_blocking("POST", "/ksql",
                      [service](const HttpRequest& req) { return handle_ksql(*service, req); });
  http.route_blocking("POST", "/query", [service](const HttpRequest& req) {
    return handle_query(*service, req, true);
  });
  http.route_blocking("POST", "/query-stream", [service](const HttpRequest& req) {
    return handle_query(*service, req, false);
  });
  http.route_blocking("POST", "/close-query", [service](const HttpRequest& req) {
    HttpResponse error;
    auto body = parse_body(req, &error);
    if (!body) return error;
    auto id = string_field(*body, "queryId", &error);
    if (!id) return error;
    if (!service->close_query(*id)) {
      return json_response(400,
                           generic_error(kBadRequest, fmt::format("No query with id {}", *id)));
    }
    return HttpResponse::json(200, "");
  });
  http.route("GET", "/info", [info](const HttpRequest&) {
    return json_response(200,
                         Json{{"KsqlServerInfo", Json{{"version", info.version},
                                                      {"kafkaClusterId", info.kafka_cluster_id},
                                                      {"ksqlServiceId", "default_"},
                                                      {"serverStatus", "RUNNING"}}}});
  });
  http.route("GET", "/healthcheck", [service](const HttpRequest&) {
    bool ok = service->running();
    Json part{{"isHealthy", ok}};
    return json_response(
        ok ? 200 : 503,
        Json{{"isHealthy", ok},
             {"details", Json{{"metastore", part}, {"kafka", part}, {"commandRunner", part}}}});
  });
}

}  // namespace sluice
