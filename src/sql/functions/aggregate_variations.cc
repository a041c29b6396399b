// The forms of each aggregate function that DESCRIBE FUNCTION lists (aggregate.h). They are data
// written beside the resolvers in aggregate.cc; aggregate_test.cc resolves every form listed here,
// so a form that resolve_aggregate stops accepting fails a test.
#include <cctype>
#include <string>
#include <string_view>
#include <vector>

#include "sql/functions/aggregate.h"

namespace sluice::sql {
namespace {

struct Param {
  std::string_view name;
  std::string_view type;
  bool literal = false;
};

struct Form {
  std::string_view function;
  std::vector<Param> params;
  std::string_view return_type;
};

constexpr Param kVal{"val", "T"};
constexpr Param kIgnoreNulls{"ignoreNulls", "BOOLEAN", true};

// One form per overload of ksqlDB's UDAF factories, grouped by function in kFunctions' order.
const Form kForms[] = {
    {"AVG", {{"val", "INTEGER"}}, "DOUBLE"},
    {"AVG", {{"val", "BIGINT"}}, "DOUBLE"},
    {"AVG", {{"val", "DOUBLE"}}, "DOUBLE"},
    {"COLLECT_LIST", {kVal}, "ARRAY<T>"},
    {"COLLECT_SET", {kVal}, "ARRAY<T>"},
    {"CORRELATION", {{"x", "DOUBLE"}, {"y", "DOUBLE"}}, "DOUBLE"},
    {"COUNT", {}, "BIGINT"},
    {"COUNT", {kVal}, "BIGINT"},
    {"COUNT_DISTINCT", {kVal}, "BIGINT"},
    {"EARLIEST_BY_OFFSET", {kVal}, "T"},
    {"EARLIEST_BY_OFFSET", {kVal, kIgnoreNulls}, "T"},
    {"EARLIEST_BY_OFFSET", {kVal, {"earliestN", "INTEGER", true}}, "ARRAY<T>"},
    {"EARLIEST_BY_OFFSET", {kVal, {"earliestN", "INTEGER", true}, kIgnoreNulls}, "ARRAY<T>"},
    {"HISTOGRAM", {{"val", "STRING"}}, "MAP<STRING, BIGINT>"},
    {"LATEST_BY_OFFSET", {kVal}, "T"},
    {"LATEST_BY_OFFSET", {kVal, kIgnoreNulls}, "T"},
    {"LATEST_BY_OFFSET", {kVal, {"latestN", "INTEGER", true}}, "ARRAY<T>"},
    {"LATEST_BY_OFFSET", {kVal, {"latestN", "INTEGER", true}, kIgnoreNulls}, "ARRAY<T>"},
    {"MAX", {{"val", "INTEGER"}}, "INTEGER"},
    {"MAX", {{"val", "BIGINT"}}, "BIGINT"},
    {"MAX", {{"val", "DOUBLE"}}, "DOUBLE"},
    {"MAX", {{"val", "DECIMAL"}}, "DECIMAL"},
    {"MAX", {{"val", "DATE"}}, "DATE"},
    {"MAX", {{"val", "TIME"}}, "TIME"},
    {"MAX", {{"val", "TIMESTAMP"}}, "TIMESTAMP"},
    {"MAX", {{"val", "STRING"}}, "STRING"},
    {"MAX", {{"val", "BYTES"}}, "BYTES"},
    {"MIN", {{"val", "INTEGER"}}, "INTEGER"},
    {"MIN", {{"val", "BIGINT"}}, "BIGINT"},
    {"MIN", {{"val", "DOUBLE"}}, "DOUBLE"},
    {"MIN", {{"val", "DECIMAL"}}, "DECIMAL"},
    {"MIN", {{"val", "DATE"}}, "DATE"},
    {"MIN", {{"val", "TIME"}}, "TIME"},
    {"MIN", {{"val", "TIMESTAMP"}}, "TIMESTAMP"},
    {"MIN", {{"val", "STRING"}}, "STRING"},
    {"MIN", {{"val", "BYTES"}}, "BYTES"},
    {"STDDEV_POP", {{"val", "INTEGER"}}, "DOUBLE"},
    {"STDDEV_POP", {{"val", "BIGINT"}}, "DOUBLE"},
    {"STDDEV_POP", {{"val", "DOUBLE"}}, "DOUBLE"},
    {"STDDEV_SAMP", {{"val", "INTEGER"}}, "DOUBLE"},
    {"STDDEV_SAMP", {{"val", "BIGINT"}}, "DOUBLE"},
    {"STDDEV_SAMP", {{"val", "DOUBLE"}}, "DOUBLE"},
    {"STDDEV_SAMPLE", {{"val", "INTEGER"}}, "DOUBLE"},
    {"STDDEV_SAMPLE", {{"val", "BIGINT"}}, "DOUBLE"},
    {"STDDEV_SAMPLE", {{"val", "DOUBLE"}}, "DOUBLE"},
    {"SUM", {{"val", "INTEGER"}}, "INTEGER"},
    {"SUM", {{"val", "BIGINT"}}, "BIGINT"},
    {"SUM", {{"val", "DOUBLE"}}, "DOUBLE"},
    {"SUM", {{"val", "DECIMAL"}}, "DECIMAL"},
    {"SUM_LIST", {{"list", "ARRAY<INTEGER>"}}, "INTEGER"},
    {"SUM_LIST", {{"list", "ARRAY<BIGINT>"}}, "BIGINT"},
    {"SUM_LIST", {{"list", "ARRAY<DOUBLE>"}}, "DOUBLE"},
    {"TOPK", {{"val", "INTEGER"}, {"k", "INTEGER", true}}, "ARRAY<INTEGER>"},
    {"TOPK", {{"val", "BIGINT"}, {"k", "INTEGER", true}}, "ARRAY<BIGINT>"},
    {"TOPK", {{"val", "DOUBLE"}, {"k", "INTEGER", true}}, "ARRAY<DOUBLE>"},
    {"TOPK", {{"val", "STRING"}, {"k", "INTEGER", true}}, "ARRAY<STRING>"},
    // With further columns: the rows of the top k, ARRAY<STRUCT<sort_col, col0, col1, ...>>.
    {"TOPK", {{"sort_col", "INTEGER"}, {"col", "T..."}, {"k", "INTEGER", true}}, "ARRAY<STRUCT>"},
    {"TOPK", {{"sort_col", "BIGINT"}, {"col", "T..."}, {"k", "INTEGER", true}}, "ARRAY<STRUCT>"},
    {"TOPK", {{"sort_col", "DOUBLE"}, {"col", "T..."}, {"k", "INTEGER", true}}, "ARRAY<STRUCT>"},
    {"TOPK", {{"sort_col", "STRING"}, {"col", "T..."}, {"k", "INTEGER", true}}, "ARRAY<STRUCT>"},
    {"TOPKDISTINCT", {{"val", "INTEGER"}, {"k", "INTEGER", true}}, "ARRAY<INTEGER>"},
    {"TOPKDISTINCT", {{"val", "BIGINT"}, {"k", "INTEGER", true}}, "ARRAY<BIGINT>"},
    {"TOPKDISTINCT", {{"val", "DOUBLE"}, {"k", "INTEGER", true}}, "ARRAY<DOUBLE>"},
    {"TOPKDISTINCT", {{"val", "STRING"}, {"k", "INTEGER", true}}, "ARRAY<STRING>"},
    {"TOPKDISTINCT", {{"val", "DECIMAL"}, {"k", "INTEGER", true}}, "ARRAY<DECIMAL>"},
};

}  // namespace

std::vector<AggregateVariation> aggregate_variations(std::string_view name) {
  std::string up(name);
  for (char& c : up) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::vector<AggregateVariation> out;
  for (const Form& f : kForms) {
    if (f.function != up) continue;
    AggregateVariation v;
    for (const Param& p : f.params) {
      v.params.push_back({std::string(p.name), std::string(p.type), p.literal});
    }
    v.return_type = f.return_type;
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace sluice::sql
