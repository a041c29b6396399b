// Stateless SQL over Nexmark events as JSON, through the engine's QueryExecutor (decode ->
// filter -> project -> encode), per thread CPU second. One line per query:
//   sql_<name>  M rows/s in, M rows/s out, MB/s in
// format_bench's json_decode / json_encode lines give the codec share of these figures.
// --quick runs a short smoke pass (ctest).
#include <time.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "connect/datagen/nexmark.h"
#include "sql/engine/engine.h"
#include "sql/exec/query_executor.h"
#include "sql/functions/builtins.h"
#include "sql/parser/parser.h"

using namespace sluice;
using namespace sluice::sql;

namespace {

double cpu_now() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

constexpr const char* kSource =
    "CREATE STREAM EVENTS (EVENT_TYPE INT, "
    "BID STRUCT<AUCTION BIGINT, BIDDER BIGINT, PRICE BIGINT, CHANNEL STRING, URL STRING, "
    "`dateTime` BIGINT, EXTRA STRING>, "
    "AUCTION STRUCT<ID BIGINT, `itemName` STRING, SELLER BIGINT, CATEGORY BIGINT>) "
    "WITH (kafka_topic='events', value_format='JSON');";

struct BenchQuery {
  const char* name;
  const char* sql;
};

constexpr BenchQuery kQueries[] = {
    {"passthrough", "CREATE STREAM Q AS SELECT * FROM EVENTS;"},
    {"nexmark_q1",
     "CREATE STREAM Q AS SELECT BID->AUCTION AS AUCTION, BID->BIDDER AS BIDDER, "
     "BID->PRICE * 908 / 1000 AS PRICE, BID->`dateTime` AS TS FROM EVENTS WHERE EVENT_TYPE = 2;"},
    {"nexmark_q2",
     "CREATE STREAM Q AS SELECT BID->AUCTION AS AUCTION, BID->PRICE AS PRICE FROM EVENTS "
     "WHERE EVENT_TYPE = 2 AND BID->AUCTION % 123 = 0;"},
    {"strings",
     "CREATE STREAM Q AS SELECT UCASE(BID->CHANNEL) AS CH, SUBSTRING(BID->URL, 8, 20) AS U, "
     "CONCAT(CAST(BID->BIDDER AS STRING), '-', BID->CHANNEL) AS WHO FROM EVENTS "
     "WHERE EVENT_TYPE = 2 AND BID->URL LIKE '%item%';"},
};

}  // namespace

// An exception reaching main is a bug: std::terminate reports it and aborts, as wanted.
// NOLINTNEXTLINE(bugprone-exception-escape): an escaping exception should terminate.
int main(int argc, char** argv) {
  bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
  const size_t n = quick ? 20'000 : 1'000'000;
  const double budget = quick ? 0.05 : 2.0;

  connect::nexmark::NexmarkConfig cfg;
  cfg.max_events = static_cast<int64_t>(n);
  connect::nexmark::NexmarkGenerator gen(cfg);
  std::string lines;
  gen.next_json_lines(lines, n);
  std::vector<std::string> records;
  size_t bytes = 0;
  for (size_t pos = 0; pos < lines.size();) {
    size_t end = lines.find('\n', pos);
    if (end == std::string::npos) end = lines.size();
    records.emplace_back(lines, pos, end - pos);
    bytes += end - pos;
    pos = end + 1;
  }
  std::vector<InputRecord> inputs(records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    inputs[i].offset = static_cast<int64_t>(i);
    inputs[i].timestamp = static_cast<int64_t>(i);
    inputs[i].key = format::RecordBytes::null_record();
    inputs[i].value = format::RecordBytes::of(records[i]);
  }

  for (const BenchQuery& q : kQueries) {
    MemoryTopicStore store;
    EngineOptions opts;
    opts.auto_create_source_topics = true;
    opts.auto_offset_reset = OffsetReset::kEarliest;
    Engine engine(store, opts);
    Status st = engine.execute_script(kSource);
    if (!st.is_ok()) {
      std::fprintf(stderr, "%s\n", st.to_string().c_str());
      return 1;
    }
    auto parsed = parse_statement(q.sql);
    if (!parsed) {
      std::fprintf(stderr, "%s\n", parsed.status().to_string().c_str());
      return 1;
    }
    const auto& cas = (*parsed)->as<CreateAsSelect>();
    PlanContext ctx{&engine.catalog(), &builtin_functions(), &engine.session(), "Q", false};
    auto plan = plan_query(cas.query, ctx);
    if (!plan) {
      std::fprintf(stderr, "%s: %s\n", q.name, plan.status().to_string().c_str());
      return 1;
    }
    DataSource sink;
    sink.name = "Q";
    sink.key_format.name = "NONE";
    sink.value_format.name = "JSON";
    for (const auto& c : plan->columns) {
      sink.columns.push_back({c.name, c.type, c.key ? ColumnKind::kKey : ColumnKind::kValue, ""});
    }
    if (!plan->key_schema().empty()) sink.key_format.name = "KAFKA";
    auto exec = QueryExecutor::create(*plan, sink);
    if (!exec) {
      std::fprintf(stderr, "%s: %s\n", q.name, exec.status().to_string().c_str());
      return 1;
    }
    std::vector<OutputRecord> out;
    std::vector<RecordError> errors;
    size_t rows_in = 0, rows_out = 0, bytes_in = 0;
    double start = cpu_now();
    while (cpu_now() - start < budget) {
      out.clear();
      (*exec)->process(inputs, out, errors);
      rows_in += inputs.size();
      rows_out += out.size();
      bytes_in += bytes;
    }
    double secs = cpu_now() - start;
    std::printf("sql_%-12s %7.2f M rows/s in  %7.2f M rows/s out  %7.1f MB/s in  (%zu errors)\n",
                q.name, rows_in / secs / 1e6, rows_out / secs / 1e6, bytes_in / secs / 1e6,
                errors.size());
  }
  return 0;
}
