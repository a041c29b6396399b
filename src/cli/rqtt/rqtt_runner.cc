#include "cli/rqtt/rqtt_runner.h"

#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <regex>
#include <thread>

#include <fmt/format.h>

#include "cli/ksql_client.h"
#include "cli/rqtt/rqtt_match.h"
#include "schema/registry.h"
#include "server/server.h"
#include "sql/engine/log_topic_store.h"
#include "sql/engine/sql_service.h"
#include "sql/qtt/qtt_runner.h"
#include "sql/qtt/record_json.h"

namespace sluice::cli::rqtt {

using json = nlohmann::ordered_json;
using sql::DataSourcePtr;
using sql::kafka_partition_for_key;
using sql::LogTopicStore;
using sql::SqlService;
using sql::TopicRecord;

namespace {

// How long a query may take to give all the rows a case expects (a push query that gives fewer
// would otherwise never end).
constexpr auto kQueryTimeout = std::chrono::seconds(5);
// How many poll rounds may still find input after the inputs were produced (a chain of queries
// needs one round per stage; more means a query never settles).
constexpr int kMaxSettleRounds = 1000;

std::string case_name(const json& test) {
  if (test.is_object() && test.contains("name") && test["name"].is_string()) {
    return test["name"].get<std::string>();
  }
  return "?";
}

// A fresh directory under the temp dir, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "sluice-rqtt-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Sets `flag` after `timeout` unless disarmed first (the destructor disarms and joins).
class Deadline {
 public:
  Deadline(std::atomic<bool>& flag, std::chrono::milliseconds timeout)
      : thread_([this, &flag, timeout] {
          std::unique_lock<std::mutex> lock(mu_);
          if (!cv_.wait_for(lock, timeout, [this] { return done_; })) flag = true;
        }) {}
  ~Deadline() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  Deadline(const Deadline&) = delete;
  Deadline& operator=(const Deadline&) = delete;

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

// The topics a case needs before it runs (ksqlDB's TestCaseBuilderUtil.getAllTopics): those
// listed, those of CREATE STREAM/TABLE statements (not the sinks of CREATE ... AS SELECT, which
// their queries create), and those inputs and outputs name; with their partition counts.
std::map<std::string, int32_t> case_topics(const json& test) {
  std::map<std::string, int32_t> out;
  for (const auto& t : test.value("topics", json::array())) {
    if (!t.is_object() || !t.contains("name") || !t["name"].is_string()) continue;
    int32_t parts = t.contains("partitions") && t["partitions"].is_number_integer()
                        ? t["partitions"].get<int32_t>()
                        : 1;
    out[t["name"].get<std::string>()] = parts;
  }
  static const std::regex kCreate(
      R"(^\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:SOURCE\s+)?(STREAM|TABLE)\b)", std::regex::icase);
  static const std::regex kAsSelect(R"(\bAS\s+SELECT\b)", std::regex::icase);
  static const std::regex kTopic(R"(KAFKA_TOPIC\s*=\s*'([^']+)')", std::regex::icase);
  static const std::regex kPartitions(R"(PARTITIONS\s*=\s*(\d+))", std::regex::icase);
  for (const auto& s : test.value("statements", json::array())) {
    std::string text = s.is_string() ? s.get<std::string>() : "";
    std::smatch m;
    if (!std::regex_search(text, kCreate) || std::regex_search(text, kAsSelect) ||
        !std::regex_search(text, m, kTopic)) {
      continue;
    }
    std::string topic = m[1].str();
    std::smatch p;
    // Without PARTITIONS, ksqlDB's harness creates 4 (its legacy default partition count);
    // pull queries on tables answer partition by partition, so the count shows in row order.
    int32_t parts = std::regex_search(text, p, kPartitions) ? std::stoi(p[1].str()) : 4;
    out.emplace(topic, parts);
  }
  for (const char* list : {"inputs", "outputs"}) {
    for (const auto& r : test.value(list, json::array())) {
      if (r.is_object() && r.contains("topic") && r["topic"].is_string()) {
        out.emplace(r["topic"].get<std::string>(), 1);
      }
    }
  }
  return out;
}

// The source reading `topic` (for inputs) or, with `prefer_sink`, the one a query writes to it.
DataSourcePtr source_for_topic(const std::vector<DataSourcePtr>& sources, const std::string& topic,
                               bool prefer_sink) {
  DataSourcePtr found;
  for (const DataSourcePtr& s : sources) {
    if (s->topic != topic) continue;
    if (!found || (prefer_sink && s->created_by_query) || (!prefer_sink && found->created_by_query))
      found = s;
  }
  return found;
}

// Serializes the inputs through their topics' sources and appends them, topic by topic in order
// of first appearance (as ksqlDB's producer sends them). Returns a skip reason or an error.
struct ProduceOutcome {
  std::string skip;
  std::string error;
};
ProduceOutcome produce_inputs(const json& test, LogTopicStore& store,
                              const std::vector<DataSourcePtr>& sources) {
  std::vector<std::string> order;
  std::map<std::string, std::vector<const json*>> by_topic;
  const json inputs = test.value("inputs", json::array());  // by_topic points into it
  for (const auto& in : inputs) {
    if (!in.is_object()) return {"", "an input record is not an object"};
    std::string topic = in.value("topic", "");
    if (!by_topic.count(topic)) order.push_back(topic);
    by_topic[topic].push_back(&in);
  }
  for (const std::string& topic : order) {
    DataSourcePtr src = source_for_topic(sources, topic, false);
    if (!store.exists(topic)) {
      if (Status st = store.create(topic, 1); !st.is_ok()) return {"", st.message()};
    }
    int32_t parts = std::max(store.partitions(topic), 1);
    for (const json* in : by_topic[topic]) {
      TopicRecord rec;
      rec.timestamp = in->contains("timestamp") && (*in)["timestamp"].is_number_integer()
                          ? (*in)["timestamp"].get<int64_t>()
                          : 0;
      json key = in->contains("key") ? (*in)["key"] : json(nullptr);
      json value = in->contains("value") ? (*in)["value"] : json(nullptr);
      if (src) {
        auto k = sql::qtt::serialize_test_value(key, src->key_format, src->key_columns(),
                                                format::Side::kKey);
        if (!k) return {k.status().message(), ""};
        auto v = sql::qtt::serialize_test_value(value, src->value_format, src->value_columns(),
                                                format::Side::kValue);
        if (!v) return {v.status().message(), ""};
        rec.key = *k;
        rec.value = *v;
        if (in->contains("window") && rec.key) {
          if (Status st = sql::qtt::append_test_window((*in)["window"], *rec.key); !st.is_ok()) {
            return {"", st.message()};
          }
        }
      } else {
        if (!key.is_null())
          rec.key = key.is_string() ? key.get<std::string>() : sql::qtt::dump_exact(key);
        if (!value.is_null())
          rec.value = value.is_string() ? value.get<std::string>() : sql::qtt::dump_exact(value);
      }
      int32_t partition = rec.key && parts > 1 ? kafka_partition_for_key(*rec.key, parts) : 0;
      std::vector<TopicRecord> one;
      one.push_back(std::move(rec));
      auto appended = store.append(topic, partition, std::move(one));
      if (!appended) return {"", appended.status().message()};
    }
  }
  return {};
}

// Polls until a round finds nothing new to process: the persistent queries have caught up with
// their inputs (what ksqlDB's runner waits for before the pull queries).
Status settle(SqlService& service) {
  uint64_t before = service.stats().records_processed;
  for (int i = 0; i < kMaxSettleRounds; ++i) {
    SLUICE_RETURN_IF_ERROR(service.poll_now());
    uint64_t after = service.stats().records_processed;
    if (after == before) return Status::ok();
    before = after;
  }
  return Status::timeout("the queries did not settle");
}

json request_body(const std::string& sql, const json& properties) {
  return json{{"ksql", sql}, {"streamsProperties", properties}};
}

// The answer to one request: its HTTP status and, for an error, the JSON body.
// NOLINTNEXTLINE(bugprone-exception-escape): the implicit constructors throw only on allocation.
struct Answer {
  int status = 0;
  json body;              // admin: the entities; query: the streamed rows; error: the error
  std::string transport;  // a failure to talk to the server at all
  bool ok() const { return transport.empty() && status >= 200 && status < 300; }
};

Answer post_ksql(cli::KsqlClient& client, const std::string& sql, const json& properties) {
  Answer a;
  auto reply = client.post_json("/ksql", request_body(sql, properties).dump());
  if (!reply) {
    a.transport = reply.status().message();
    return a;
  }
  a.status = reply->status;
  a.body = json::parse(reply->body, nullptr, false);
  if (a.body.is_discarded()) a.transport = "the server's answer is not JSON: " + reply->body;
  return a;
}

// Reads the /query stream's objects ("[{header},\n{row},\n...{finalMessage}]") until it ends,
// `expected` of them arrived (when a count is known: a push query never ends by itself), or the
// timeout passed.
Answer post_query(cli::KsqlClient& client, const std::string& sql, const json& properties,
                  std::optional<size_t> expected) {
  Answer a;
  a.body = json::array();
  std::atomic<bool> stop{false};
  client.set_interrupt_flag(&stop);
  Deadline deadline(stop, kQueryTimeout);
  auto reply = client.post_stream(
      "/query", request_body(sql, properties).dump(), "application/json",
      [&](std::string_view line) {
        while (!line.empty() && (line.front() == '[' || line.front() == ' ')) line.remove_prefix(1);
        while (!line.empty() && (line.back() == ',' || line.back() == ']' || line.back() == ' '))
          line.remove_suffix(1);
        if (line.empty()) return;
        json j = json::parse(line, nullptr, false);
        a.body.push_back(j.is_discarded() ? json(std::string(line)) : j);
        if (expected && a.body.size() >= *expected) stop = true;
      });
  client.set_interrupt_flag(nullptr);
  if (!reply) {
    a.transport = reply.status().message();
    return a;
  }
  a.status = reply->status;
  if (!a.ok() || a.status == 0) {
    if (a.status == 0) a.status = 200;  // closed by us after the header: the rows are in
    if (!a.ok()) {
      a.body = json::parse(reply->error_body, nullptr, false);
      if (a.body.is_discarded()) a.body = json{{"message", reply->error_body}};
    }
  }
  return a;
}

std::string error_message(const json& body) {
  return body.is_object() ? body.value("message", body.dump()) : body.dump();
}

bool not_supported(const std::string& message) {
  return message.find("not supported yet") != std::string::npos;
}

std::string record_text(const json& key, const json& value, std::optional<int64_t> ts) {
  std::string s =
      fmt::format("key={} value={}", sql::qtt::dump_exact(key), sql::qtt::dump_exact(value));
  if (ts) s += fmt::format(" timestamp={}", *ts);
  return s;
}

// The `outputs` against the records on their topics (ksqlDB reads as many as expected, and
// compares key, value and, when given, timestamp).
std::string check_outputs(const json& test, LogTopicStore& store,
                          const std::vector<DataSourcePtr>& sources) {
  std::vector<std::string> order;
  std::map<std::string, std::vector<json>> expected;
  for (const auto& out : test.value("outputs", json::array())) {
    std::string topic = out.value("topic", "");
    if (!expected.count(topic)) order.push_back(topic);
    expected[topic].push_back(sql::qtt::as_lossy(out));
  }
  std::string diff;
  for (const std::string& topic : order) {
    DataSourcePtr sink = source_for_topic(sources, topic, true);
    std::vector<TopicRecord> actual;
    for (int32_t p = 0; p < store.partitions(topic); ++p) {
      auto recs = store.read(topic, p, 0, 100000);
      if (recs) actual.insert(actual.end(), recs->begin(), recs->end());
    }
    const auto& want = expected[topic];
    for (size_t i = 0; i < want.size(); ++i) {
      const json& w = want[i];
      json wk = w.contains("key") ? w["key"] : json(nullptr);
      json wv = w.contains("value") ? w["value"] : json(nullptr);
      if (sink) {
        wk = sql::qtt::normalize_expected(wk, sink->key_format, sink->key_columns(), true);
        wv = sql::qtt::normalize_expected(wv, sink->value_format, sink->value_columns(), false);
      }
      std::optional<int64_t> wts;
      if (w.contains("timestamp") && w["timestamp"].is_number())
        wts = w["timestamp"].get<int64_t>();
      if (i >= actual.size()) {
        diff += fmt::format("  {} missing #{}: {}\n", topic, i, record_text(wk, wv, wts));
        continue;
      }
      const TopicRecord& r = actual[i];
      json ak = sink ? sql::qtt::deserialize_to_json(r.key, sink->key_format, sink->key_columns(),
                                                     format::Side::kKey)
                     : (r.key ? json(*r.key) : json(nullptr));
      json av = sink ? sql::qtt::deserialize_to_json(r.value, sink->value_format,
                                                     sink->value_columns(), format::Side::kValue)
                     : (r.value ? json(*r.value) : json(nullptr));
      if (!sql::qtt::json_matches(wk, ak) || !sql::qtt::json_matches(wv, av) ||
          (wts && *wts != r.timestamp)) {
        diff += fmt::format("  {} #{}:\n    expected {}\n    actual   {}\n", topic, i,
                            record_text(wk, wv, wts), record_text(ak, av, r.timestamp));
      }
    }
  }
  return diff;
}

}  // namespace

CaseResult run_case(const json& test, const std::string& file_name) {
  CaseResult result;
  result.file = file_name;
  result.name = case_name(test);
  if (!test.is_object()) return result.fail("the case is not an object");
  if (!test.contains("statements") || !test["statements"].is_array()) {
    return result.fail("\"statements\" is not an array");
  }
  std::vector<std::string> statements;
  for (const auto& s : test.value("statements", json::array())) {
    if (!s.is_string()) return result.fail("a statement is not a string");
    statements.push_back(s.get<std::string>());
  }
  const json responses = test.value("responses", json::array());
  const bool expect_error = test.contains("expectedError") && test["expectedError"].is_object();
  if (!responses.is_array()) return result.fail("\"responses\" is not an array");
  if (statements.size() < responses.size())
    return result.fail("more expected responses than statements");

  // Statements before the first SELECT are "admin" statements, sent as one request; after it,
  // every statement must be a query (ksqlDB's rule: a test that mixes them is invalid).
  size_t first_query = statements.size();
  for (size_t i = 0; i < statements.size(); ++i) {
    bool query = statements[i].rfind("SELECT ", 0) == 0;
    if (query && first_query == statements.size()) first_query = i;
    if (!query && first_query < i)
      return result.fail("invalid case: a statement follows the queries");
  }

  TempDir dir;
  if (dir.path().empty()) return result.fail("cannot create a temporary directory");
  ServerConfig config;
  config.data_dir = dir.path();
  config.threads = 2;
  config.fsync = "never";
  config.kafka_listen = {"127.0.0.1", 0};
  config.http_listen = {"127.0.0.1", 0};
  config.schema_registry_listen = {"127.0.0.1", 0};
  Server server(config);
  if (Status st = server.start(); !st.is_ok())
    return result.fail("cannot start a server: " + st.message());
  LogTopicStore store(*server.log());
  if (Status st = sql::qtt::register_topic_schemas(test, *server.schema_registry()); !st.is_ok()) {
    return result.fail(st.message());
  }
  for (const auto& [topic, parts] : case_topics(test)) {
    if (Status st = store.create(topic, parts); !st.is_ok()) {
      return result.fail(fmt::format("cannot create topic {}: {}", topic, st.message()));
    }
  }
  auto client = cli::KsqlClient::connect_to(fmt::format("127.0.0.1:{}", server.http_port()));
  if (!client) return result.fail("cannot reach the server: " + client.status().message());

  // The client's properties: ksqlDB's test server reads topics from the earliest offset.
  json properties = json{{"auto.offset.reset", "earliest"}};
  if (test.contains("properties") && test["properties"].is_object()) {
    for (auto it = test["properties"].begin(); it != test["properties"].end(); ++it) {
      properties[it.key()] = it.value();
    }
  }

  // An error answer: skipped when Sluice lacks the feature; else a pass only when the case
  // expects this error from its last statement.
  const std::string last_statement = statements.empty() ? "" : statements.back();
  auto on_error = [&](const Answer& a, const std::string& statement) {
    if (!a.transport.empty()) return result.fail("request failed: " + a.transport);
    std::string message = error_message(a.body);
    if (not_supported(message)) return result.skip(message);
    if (!expect_error) {
      return result.fail(
          fmt::format("statement failed ({}): {}\n    {}", a.status, statement, message));
    }
    std::string d = match_error(a.status, a.body, test["expectedError"], last_statement);
    if (!d.empty()) return result.fail("expected error mismatch: " + d);
    result.outcome = Outcome::kPassed;
    return result;
  };

  std::vector<json> actual;  // admin entities, then one array per query
  std::vector<bool> is_query;
  if (first_query > 0) {
    std::string sql;
    for (size_t i = 0; i < first_query; ++i) sql += (i ? "\n" : "") + statements[i];
    Answer a = post_ksql(*client, sql, properties);
    if (!a.ok()) {
      std::string failing = a.body.is_object() ? a.body.value("statementText", sql) : sql;
      return on_error(a, failing);
    }
    for (const auto& e : a.body) {
      actual.push_back(e);
      is_query.push_back(false);
    }
  }

  std::vector<DataSourcePtr> sources = server.sql()->sources();
  ProduceOutcome produced = produce_inputs(test, store, sources);
  if (!produced.skip.empty()) return result.skip(produced.skip);
  if (!produced.error.empty()) return result.fail("cannot produce the inputs: " + produced.error);
  if (Status st = settle(*server.sql()); !st.is_ok()) {
    if (not_supported(st.message())) return result.skip(st.message());
    return result.fail("the queries failed on the inputs: " + st.message());
  }

  for (size_t i = first_query; i < statements.size(); ++i) {
    // Responses line up with the answers, not the statements (INSERT VALUES answers nothing).
    const size_t r = actual.size();
    std::optional<size_t> count;
    if (r < responses.size() && responses[r].is_object() && responses[r].contains("query") &&
        responses[r]["query"].is_array()) {
      count = responses[r]["query"].size();
    }
    Answer a = post_query(*client, statements[i], properties, count);
    if (!a.ok()) {
      // As in ksqlDB's runner, a failing query ends the case: it is the expected error or not.
      return on_error(a, statements[i]);
    }
    actual.push_back(a.body);
    is_query.push_back(true);
  }
  if (expect_error) {
    return result.fail(fmt::format("expected an error ({}), but every statement succeeded",
                                   sql::qtt::dump_exact(test["expectedError"])));
  }

  sources = server.sql()->sources();
  if (std::string d = check_outputs(test, store, sources); !d.empty()) {
    return result.fail("output mismatch:\n" + d);
  }
  if (actual.size() < responses.size()) {
    return result.fail(
        fmt::format("not enough responses: expected {}, got {}", responses.size(), actual.size()));
  }
  for (size_t i = 0; i < responses.size(); ++i) {
    const json& want = responses[i];
    if (!want.is_object() || want.size() != 1) {
      return result.fail(fmt::format("responses[{}]: not an object with one key", i));
    }
    std::string kind = want.begin().key();
    const json& payload = want.begin().value();
    std::string statement = i < statements.size() ? statements[i] : "";
    std::string path = fmt::format("responses[{}]->{}", i, kind);
    if (kind == "admin") {
      if (is_query[i])
        return result.fail(path + ": expected an admin response, got a query's rows");
      if (std::string d = match_fields(actual[i], payload, statement, path); !d.empty()) {
        return result.fail("response mismatch at " + d);
      }
    } else if (kind == "query") {
      if (!is_query[i])
        return result.fail(path + ": expected a query's rows, got an admin response");
      if (!payload.is_array()) return result.fail(path + ": the expected rows are not an array");
      if (payload.size() != actual[i].size()) {
        std::string got;
        for (const auto& r : actual[i]) got += "\n      " + sql::qtt::dump_exact(r);
        std::string exp;
        for (const auto& r : payload) exp += "\n      " + sql::qtt::dump_exact(r);
        return result.fail(
            fmt::format("{}: row count mismatch: expected {}, got {}\n    expected:{}\n    "
                        "got:{}",
                        path, payload.size(), actual[i].size(), exp, got));
      }
      for (size_t r = 0; r < payload.size(); ++r) {
        std::string d =
            match_fields(actual[i][r], payload[r], statement, fmt::format("{}[{}]", path, r));
        if (!d.empty()) return result.fail("response mismatch at " + d);
      }
    } else {
      return result.fail(fmt::format("{}: unknown response kind '{}'", path, kind));
    }
  }
  return result;
}

namespace {

// run_case() with a malformed case (a field of the wrong JSON type, which nlohmann reports by
// throwing) reported as a failure of that case rather than ending the run.
CaseResult run_guarded(const json& test, const std::string& file_name) {
  try {
    return run_case(test, file_name);
  } catch (const std::exception& e) {
    CaseResult r;
    r.file = file_name;
    r.name = case_name(test);
    return r.fail(std::string("malformed case: ") + e.what());
  }
}

}  // namespace

std::vector<CaseResult> run_rqtt(const json& doc, const std::string& file_name) {
  std::vector<CaseResult> out;
  if (!doc.is_object() || !doc.contains("tests") || !doc["tests"].is_array()) return out;
  for (const auto& test : doc["tests"]) {
    json formats = test.is_object() && test.contains("format") ? test["format"] : json::array();
    if (!formats.is_array() || formats.empty()) {
      out.push_back(run_guarded(test, file_name));
      continue;
    }
    for (const auto& f : formats) {
      std::string format = f.is_string() ? f.get<std::string>() : f.dump();
      json t = test;
      t["name"] = fmt::format("{} - {}", case_name(test), format);
      if (test.contains("statements") && test["statements"].is_array()) {
        json stmts = json::array();
        for (const auto& s : test["statements"]) {
          stmts.push_back(
              s.is_string() ? json(sql::qtt::replace_all(s.get<std::string>(), "{FORMAT}", format))
                            : s);
        }
        t["statements"] = stmts;
      }
      out.push_back(run_guarded(t, file_name));
    }
  }
  return out;
}

}  // namespace sluice::cli::rqtt
