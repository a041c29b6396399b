#include "sql/qtt/qtt_runner.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include <fmt/format.h>

#include "format/text.h"
#include "schema/registry.h"
#include "sql/engine/ddl.h"
#include "sql/engine/engine.h"
#include "sql/functions/aggregate.h"
#include "sql/functions/builtins.h"
#include "sql/parser/parser.h"
#include "sql/qtt/record_json.h"

namespace sluice::sql::qtt {

using json = nlohmann::ordered_json;

Result<json> load_qtt_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::not_found(fmt::format("cannot open {}", path));
  std::string text, line;
  while (std::getline(in, line)) {
    size_t a = line.find_first_not_of(" \t");
    if (a != std::string::npos && line.compare(a, 2, "//") == 0) continue;
    text += line;
    text += '\n';
  }
  auto doc = parse_test_json(text);
  if (!doc) return Status::invalid_argument(fmt::format("{}: invalid JSON", path));
  return doc;
}

std::vector<std::string> collect_qtt_files(const std::string& path) {
  namespace fs = std::filesystem;
  std::vector<std::string> out;
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    for (const auto& e : fs::directory_iterator(path, ec)) {
      if (e.path().extension() == ".json") out.push_back(e.path().string());
    }
    std::sort(out.begin(), out.end());
  } else {
    out.push_back(path);
  }
  return out;
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  size_t pos = 0;
  while ((pos = s.find(from, pos)) != std::string::npos) {
    s.replace(pos, from.size(), to);
    pos += to.size();
  }
  return s;
}

namespace {

// "line L:C: ..." counts from the statement's start; the statement began at line `line0`,
// column `col0` of its file, so the message is rewritten to count from the file's start.
std::string relative_to_file(const std::string& message, int line0, int col0) {
  static const std::regex kPos(R"(^line (\d+):(\d+): )");
  std::smatch m;
  if (!std::regex_search(message, m, kPos)) return message;
  int line = std::stoi(m[1].str()), col = std::stoi(m[2].str());
  int file_line = line0 + line - 1;
  int file_col = line == 1 ? col0 + col - 1 : col;
  return fmt::format("line {}:{}: {}", file_line, file_col, m.suffix().str());
}

// DESCRIBE FUNCTION, DESCRIBE STREAMS|TABLES and EXPLAIN are answered by the REST API, not the
// engine: here they produce nothing, but what they name must exist, as in ksqlDB. Other
// statements keep the engine's `unsupported` status.
Status check_informational(const Engine& engine, const std::string& text, Status unsupported) {
  auto parsed = parse_statement(text);
  if (!parsed) return unsupported;
  const Statement& stmt = **parsed;
  switch (stmt.kind) {
    case StatementKind::kDescribeFunction: {
      const std::string& name = stmt.as<DescribeFunction>().name;
      if (builtin_functions().contains(name) || is_aggregate_function(name)) return Status::ok();
      return Status::invalid_argument(
          fmt::format("Can't find any functions with the name '{}'", name));
    }
    case StatementKind::kDescribeSources:
      return Status::ok();
    case StatementKind::kExplain: {
      const auto& e = stmt.as<Explain>();
      if (e.query_id.empty()) return Status::ok();
      for (const QueryInfo& q : engine.queries()) {
        if (q.id == e.query_id) return Status::ok();
      }
      return Status::invalid_argument(fmt::format(
          "Query with id:{} does not exist, use SHOW QUERIES to view the full set of queries.",
          e.query_id));
    }
    default:
      return unsupported;
  }
}

// A function that exists only in ksqlDB's test build (a Java UDF the QTT files load), named in
// the statements: such cases cannot run anywhere else.
std::optional<std::string> test_only_udf(const json& test) {
  static const std::regex kUdf(R"(\b(BAD_UDF)\s*\()", std::regex::icase);
  for (const auto& s : test.value("statements", json::array())) {
    if (!s.is_string()) continue;
    std::smatch m;
    std::string text = s.get<std::string>();
    if (std::regex_search(text, m, kUdf)) {
      std::string name = m[1].str();
      for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      return name;
    }
  }
  return std::nullopt;
}

DataSourcePtr source_for_topic(const Engine& engine, const std::string& topic, bool prefer_sink) {
  DataSourcePtr found;
  for (const DataSourcePtr& s : engine.catalog().sources()) {
    if (s->topic != topic) continue;
    if (!found || (prefer_sink && s->created_by_query)) found = s;
  }
  return found;
}

// The `post.sources` checks: each named source exists with the given type, formats and schema
// (ksqlDB's "ID BIGINT KEY, NAME STRING" text, compared column by column after parsing).
std::string check_post(const Engine& engine, const json& post) {
  std::string problems;
  for (const auto& want : post.value("sources", json::array())) {
    std::string name = want.value("name", "");
    DataSourcePtr src = engine.catalog().find_source(name);
    if (!src) {
      problems += fmt::format("  post: source {} does not exist\n", name);
      continue;
    }
    std::string type = want.value("type", "");
    if (!type.empty() && (to_upper(type) == "TABLE") != src->is_table) {
      problems += fmt::format("  post: {} is a {}, expected a {}\n", name,
                              src->is_table ? "table" : "stream", type);
    }
    if (want.contains("keyFormat") && want["keyFormat"].is_object() &&
        want["keyFormat"].contains("format")) {
      std::string f = want["keyFormat"]["format"].get<std::string>();
      if (f != src->key_format.name) {
        problems += fmt::format("  post: {} key format is {}, expected {}\n", name,
                                src->key_format.name, f);
      }
    }
    if (want.contains("valueFormat") && want["valueFormat"].is_string()) {
      std::string f = want["valueFormat"].get<std::string>();
      if (f != src->value_format.name) {
        problems += fmt::format("  post: {} value format is {}, expected {}\n", name,
                                src->value_format.name, f);
      }
    }
    if (!want.contains("schema") || !want["schema"].is_string()) continue;
    std::string schema = want["schema"].get<std::string>();
    auto parsed = parse_statement("CREATE STREAM POST_CHECK (" + schema +
                                  ") WITH (kafka_topic='t', value_format='JSON');");
    if (!parsed) {
      problems +=
          fmt::format("  post: cannot parse schema '{}': {}\n", schema, parsed.status().message());
      continue;
    }
    std::string expected_text, actual_text;
    bool same = true;
    const auto& elements = (*parsed)->as<CreateSource>().elements;
    // Key columns first, as sources store them.
    std::vector<const TableElement*> ordered;
    for (const auto& e : elements) {
      if (e.constraint == ColumnConstraint::kKey || e.constraint == ColumnConstraint::kPrimaryKey) {
        ordered.push_back(&e);
      }
    }
    for (const auto& e : elements) {
      if (e.constraint != ColumnConstraint::kKey && e.constraint != ColumnConstraint::kPrimaryKey) {
        ordered.push_back(&e);
      }
    }
    if (ordered.size() != src->columns.size()) same = false;
    for (size_t i = 0; i < ordered.size() && same; ++i) {
      const TableElement& e = *ordered[i];
      const CatalogColumn& c = src->columns[i];
      auto t = resolve_type(e.type, engine.catalog());
      bool key =
          e.constraint == ColumnConstraint::kKey || e.constraint == ColumnConstraint::kPrimaryKey;
      if (!t || e.name != c.name || *t != c.type || key != (c.kind == ColumnKind::kKey)) {
        same = false;
      }
    }
    if (!same) {
      problems += fmt::format("  post: {} schema is\n    {}\n  expected\n    {}\n", name,
                              src->schema_string(), schema);
    }
  }
  return problems;
}

// An input record's `headers`: [{"KEY": "k", "VALUE": "<base64>" | null}, ...] (ksqlDB's test
// record layout; lower-case names accepted too).
Result<std::vector<RecordHeaderKV>> input_headers(const json& record) {
  std::vector<RecordHeaderKV> out;
  if (!record.contains("headers") || record["headers"].is_null()) return out;
  if (!record["headers"].is_array()) return Status::invalid_argument("headers must be an array");
  for (const auto& h : record["headers"]) {
    const json* k = h.contains("KEY") ? &h["KEY"] : h.contains("key") ? &h["key"] : nullptr;
    const json* v = h.contains("VALUE") ? &h["VALUE"] : h.contains("value") ? &h["value"] : nullptr;
    if (!k || !k->is_string()) return Status::invalid_argument("a header needs a string KEY");
    std::optional<std::string> value;
    if (v && !v->is_null()) {
      std::string bytes;
      if (!v->is_string() || !format::decode_base64(v->get<std::string>(), bytes)) {
        return Status::invalid_argument(
            fmt::format("header {}: VALUE must be base64 or null", k->get<std::string>()));
      }
      value = std::move(bytes);
    }
    out.emplace_back(k->get<std::string>(), std::move(value));
  }
  return out;
}

std::string record_text(const json& key, const json& value, const std::optional<int64_t>& ts) {
  std::string s = fmt::format("key={} value={}", key.dump(), value.dump());
  if (ts) s += fmt::format(" timestamp={}", *ts);
  return s;
}

}  // namespace

// The schemas a test's `topics` give (keySchema / valueSchema, with keySchemaId / valueSchemaId
// when set), registered under the topic's subjects before the statements run, as ksqlDB's test
// harness does with its mock registry. A PROTOBUF schema's `...SchemaReferences` are registered
// first, each under its name as subject.
Status register_topic_schemas(const json& test, schema::SchemaRegistry& registry) {
  // ksqlDB's harness registers into a mock registry that checks no compatibility: a test may
  // give an output topic a schema its sink's own does not evolve from.
  registry.set_config("", "NONE");
  for (const auto& t : test.value("topics", json::array())) {
    if (!t.is_object() || !t.contains("name") || !t["name"].is_string()) continue;
    for (const bool key : {true, false}) {
      const char* schema_field = key ? "keySchema" : "valueSchema";
      if (!t.contains(schema_field) || t[schema_field].is_null()) continue;
      const char* format_field = key ? "keyFormat" : "valueFormat";
      const json& schema_json = t[schema_field];
      // Without a format: .proto text is PROTOBUF, JSON an Avro schema.
      std::string format = schema_json.is_string() && schema_json.get<std::string>().find(
                                                          "message") != std::string::npos
                               ? "PROTOBUF"
                               : "AVRO";
      if (t.contains(format_field) && t[format_field].is_string()) {
        format = to_upper(t[format_field].get<std::string>());
      }
      schema::SchemaInput in;
      if (format == "AVRO" || format == "JSON_SR") {
        in.schema = schema_json.dump();
        in.type = format == "AVRO" ? "AVRO" : "JSON";
      } else if (format == "PROTOBUF" && schema_json.is_string()) {
        in.schema = schema_json.get<std::string>();
        in.type = "PROTOBUF";
        const char* refs_field = key ? "keySchemaReferences" : "valueSchemaReferences";
        for (const auto& ref : t.value(refs_field, json::array())) {
          if (!ref.is_object() || !ref.contains("name") || !ref.contains("schema") ||
              !ref["schema"].is_string()) {
            continue;
          }
          std::string name = ref["name"].get<std::string>();
          schema::SchemaInput ref_in{ref["schema"].get<std::string>(), "PROTOBUF", {}, {}, {}};
          if (auto r = registry.register_schema(name, ref_in, false); !r.ok()) {
            return Status::invalid_argument(
                fmt::format("cannot register the schema reference {}: {}", name, r.error.message));
          }
          auto version = registry.lookup(name, ref_in, false);
          if (!version.ok()) return Status::internal(version.error.message);
          in.references.push_back({name, name, version.value->version});
        }
      } else {
        continue;
      }
      const char* id_field = key ? "keySchemaId" : "valueSchemaId";
      if (t.contains(id_field) && t[id_field].is_number_integer()) {
        in.id = t[id_field].get<int32_t>();
        in.version = 1;
      }
      std::string subject = t["name"].get<std::string>() + (key ? "-key" : "-value");
      if (in.id) registry.set_mode("", "IMPORT", true);
      auto r = registry.register_schema(subject, in, false);
      if (in.id) registry.set_mode("", "READWRITE", true);
      if (!r.ok()) {
        return Status::invalid_argument(
            fmt::format("cannot register the schema of {}: {}", subject, r.error.message));
      }
    }
  }
  return Status::ok();
}

CaseResult run_case(const json& test, const std::string& file_name) {
  CaseResult result;
  result.file = file_name;
  result.name = test.value("name", "?");
  // ksqlDB's runner skips the cases its files disable.
  if (test.contains("enabled") && test["enabled"].is_boolean() && !test["enabled"].get<bool>()) {
    return result.skip("disabled in the test file");
  }
  if (auto f = test_only_udf(test)) return result.skip("needs ksqlDB's test-only Java UDF " + *f);

  MemoryTopicStore store;
  schema::MemorySchemaLog schema_log;
  auto registry = schema::SchemaRegistry::open(schema_log);
  if (!registry) return result.fail(registry.status().message());
  if (Status st = register_topic_schemas(test, **registry); !st.is_ok()) {
    return result.fail(st.message());
  }
  EngineOptions options;
  options.registry = registry->get();
  options.auto_create_source_topics = true;
  // The inputs are written before the statements run, and ksqlDB's test tools read them all.
  options.auto_offset_reset = OffsetReset::kEarliest;
  Engine engine(store, options);
  if (test.contains("properties") && test["properties"].is_object()) {
    for (auto it = test["properties"].begin(); it != test["properties"].end(); ++it) {
      engine.session().properties[it.key()] =
          it.value().is_string() ? it.value().get<std::string>() : it.value().dump();
    }
  }
  for (const auto& t : test.value("topics", json::array())) {
    if (!t.contains("name")) continue;
    std::string name = t["name"].get<std::string>();
    int32_t parts = t.value("partitions", 1);
    if (!store.exists(name)) store.create(name, parts).ignore_error();
  }
  for (const char* list : {"inputs", "outputs"}) {
    for (const auto& r : test.value(list, json::array())) {
      std::string topic = r.value("topic", "");
      if (!topic.empty() && !store.exists(topic) && std::string(list) == "inputs") {
        store.create(topic, 1).ignore_error();
      }
    }
  }

  bool expect_error = test.contains("expectedException");
  std::string expected_message =
      expect_error ? test["expectedException"].value("message", std::string()) : "";
  const json positions = test.value("statementPositions", json::array());
  size_t index = 0;
  for (const auto& s : test.value("statements", json::array())) {
    Status st = engine.execute_script(s.get<std::string>());
    if (st.code() == StatusCode::kUnsupported)
      st = check_informational(engine, s.get<std::string>(), st);
    size_t this_index = index++;
    if (st.is_ok()) continue;
    if (this_index < positions.size() && positions[this_index].is_array() &&
        positions[this_index].size() == 2) {
      st = Status(st.code(), relative_to_file(st.message(), positions[this_index][0].get<int>(),
                                              positions[this_index][1].get<int>()));
    }
    if (st.code() == StatusCode::kUnsupported) return result.skip(st.message());
    if (expect_error) {
      result.outcome = Outcome::kPassed;
      if (!expected_message.empty() && st.message().find(expected_message) == std::string::npos) {
        result.detail = fmt::format(
            "rejected with a different message:\n    expected: {}\n    "
            "actual:   {}",
            expected_message, st.message());
      }
      return result;
    }
    return result.fail(
        fmt::format("statement failed: {}\n    {}", s.get<std::string>(), st.message()));
  }

  std::vector<std::string>& runtime_errors = result.record_errors;
  engine.set_error_handler([&](const RecordError& e) {
    runtime_errors.push_back(
        fmt::format("{}/{}@{}: {}", e.topic, e.partition, e.offset, e.message));
  });
  // Records the statements wrote (INSERT INTO ... VALUES) flow even when no input follows.
  if (auto polled = engine.poll(); !polled) {
    if (polled.status().code() == StatusCode::kUnsupported) {
      return result.skip(polled.status().message());
    }
    if (!expect_error) return result.fail("query failed: " + polled.status().message());
  }
  for (const auto& in : test.value("inputs", json::array())) {
    std::string topic = in.value("topic", "");
    DataSourcePtr src = source_for_topic(engine, topic, false);
    TopicRecord rec;
    rec.timestamp = in.value("timestamp", int64_t{0});
    json key = in.contains("key") ? in["key"] : json(nullptr);
    json value = in.contains("value") ? in["value"] : json(nullptr);
    if (src) {
      auto k = serialize_test_value(key, src->key_format, src->key_columns(), format::Side::kKey);
      if (!k) return result.skip(k.status().message());
      auto v = serialize_test_value(value, src->value_format, src->value_columns(),
                                    format::Side::kValue);
      if (!v) return result.skip(v.status().message());
      rec.key = *k;
      rec.value = *v;
      if (in.contains("window") && rec.key) {
        if (Status st = append_test_window(in["window"], *rec.key); !st.is_ok()) {
          return result.fail(st.message());
        }
      }
    } else {
      if (!key.is_null()) rec.key = key.is_string() ? key.get<std::string>() : dump_exact(key);
      if (!value.is_null())
        rec.value = value.is_string() ? value.get<std::string>() : dump_exact(value);
    }
    if (auto headers = input_headers(in)) {
      rec.headers = std::move(*headers);
    } else {
      return result.fail(headers.status().message());
    }
    if (!store.exists(topic)) store.create(topic, 1).ignore_error();
    std::vector<TopicRecord> one;
    one.push_back(std::move(rec));
    auto appended = store.append(topic, 0, std::move(one));
    if (!appended) return result.fail(appended.status().message());
    auto polled = engine.poll();
    if (!polled) {
      if (polled.status().code() == StatusCode::kUnsupported) {
        return result.skip(polled.status().message());
      }
      if (expect_error) return result;
      return result.fail("query failed: " + polled.status().message());
    }
  }
  if (expect_error) {
    // A processing exception in ksqlDB ("Exception caught in process"): here the records that
    // fail go to the error handler and the query goes on.
    if (!runtime_errors.empty()) {
      result.detail =
          fmt::format("records failed instead of the query:\n    expected: {}\n    actual:   {}",
                      expected_message, runtime_errors.front());
      return result;
    }
    return result.fail(
        fmt::format("expected the statements to be rejected ({}), but they ran", expected_message));
  }

  // Expected records, grouped by topic in order of first appearance.
  std::vector<std::string> topic_order;
  std::map<std::string, std::vector<json>> expected;
  for (const auto& out : test.value("outputs", json::array())) {
    std::string topic = out.value("topic", "");
    if (!expected.count(topic)) topic_order.push_back(topic);
    expected[topic].push_back(as_lossy(out));
  }
  std::string diff;
  for (const std::string& topic : topic_order) {
    DataSourcePtr sink = source_for_topic(engine, topic, true);
    auto actual = store.all(topic);
    const auto& want = expected[topic];
    size_t n = std::max(want.size(), actual.size());
    std::string topic_diff;
    for (size_t i = 0; i < n; ++i) {
      json ak, av, awindow;
      std::optional<int64_t> ats;
      if (i < actual.size()) {
        const TopicRecord& r = actual[i].second;
        std::optional<std::string> key = r.key;
        if (sink && sink->windowed() && key) awindow = take_test_window(*sink, *key);
        if (sink) {
          ak = deserialize_to_json(key, sink->key_format, sink->key_columns(), format::Side::kKey);
          av = deserialize_to_json(r.value, sink->value_format, sink->value_columns(),
                                   format::Side::kValue);
        } else {
          ak = r.key ? json(*r.key) : json(nullptr);
          av = r.value ? json(*r.value) : json(nullptr);
        }
        ats = r.timestamp;
      }
      if (i >= want.size()) {
        topic_diff += fmt::format("    unexpected #{}: {}\n", i, record_text(ak, av, ats));
        continue;
      }
      const json& w = want[i];
      json wk = w.contains("key") ? w["key"] : json(nullptr);
      json wv = w.contains("value") ? w["value"] : json(nullptr);
      if (sink) {
        wk = normalize_expected(wk, sink->key_format, sink->key_columns(), true);
        wv = normalize_expected(wv, sink->value_format, sink->value_columns(), false);
      }
      std::optional<int64_t> wts;
      if (w.contains("timestamp") && w["timestamp"].is_number())
        wts = w["timestamp"].get<int64_t>();
      if (i >= actual.size()) {
        topic_diff += fmt::format("    missing #{}:    {}\n", i, record_text(wk, wv, wts));
        continue;
      }
      json wwindow = w.contains("window") ? w["window"] : json(nullptr);
      bool ok = json_matches(wk, ak) && json_matches(wv, av) && (!wts || *wts == *ats) &&
                wwindow == awindow;
      if (!ok) {
        auto window_text = [](const json& window) {
          return window.is_null() ? std::string() : " window " + window.dump();
        };
        topic_diff += fmt::format("    expected #{}: {}{}\n    actual   #{}: {}{}\n", i,
                                  record_text(wk, wv, wts), window_text(wwindow), i,
                                  record_text(ak, av, ats), window_text(awindow));
      }
    }
    if (!topic_diff.empty()) diff += fmt::format("  topic {}:\n{}", topic, topic_diff);
  }
  if (!diff.empty()) {
    for (const auto& e : runtime_errors) diff += "  record error: " + e + "\n";
    return result.fail("output mismatch:\n" + diff);
  }
  if (test.contains("post") && test["post"].is_object()) {
    std::string problems = check_post(engine, test["post"]);
    if (!problems.empty()) return result.fail("post-conditions:\n" + problems);
  }
  return result;
}

std::vector<CaseResult> run_qtt(const json& doc, const std::string& file_name) {
  std::vector<CaseResult> out;
  for (const auto& test : doc.value("tests", json::array())) {
    auto formats = test.value("format", json::array());
    if (formats.empty()) {
      out.push_back(run_case(test, file_name));
      continue;
    }
    for (const auto& f : formats) {
      std::string format = f.get<std::string>();
      json t = test;
      t["name"] = fmt::format("{} - {}", test.value("name", "?"), format);
      json stmts = json::array();
      for (const auto& s : test.value("statements", json::array())) {
        stmts.push_back(replace_all(s.get<std::string>(), "{FORMAT}", format));
      }
      t["statements"] = stmts;
      out.push_back(run_case(t, file_name));
    }
  }
  return out;
}

}  // namespace sluice::sql::qtt
