// Aggregate functions (ksqlDB's UDAFs): COUNT, COUNT_DISTINCT, SUM, SUM_LIST, AVG, MIN, MAX,
// LATEST_BY_OFFSET, EARLIEST_BY_OFFSET, COLLECT_LIST, COLLECT_SET, TOPK, TOPKDISTINCT, HISTOGRAM,
// STDDEV_SAMP (STDDEV_SAMPLE), STDDEV_POP, CORRELATION.
//
// DuckDB's layout: a resolved AggregateFunction is immutable and holds no per-group data; each
// group's accumulator is `state_size()` bytes (aligned to alignof(std::max_align_t)) that the
// Aggregate operator owns, constructed by init() and destroyed by destroy(). update() adds one
// input row, retract() removes one added earlier (a table's old row, ksqlDB's "undo"; only for
// functions with supports_tables()), finalize() writes the current result, and
// serialize()/deserialize() give the accumulator's durable form (state stores, changelogs).
//
// Arguments: `args` holds one vector per non-literal argument, typed by param_types() (the planner
// casts to them); vectors are logical (a constant vector answers for every row). Literal
// parameters that configure the function (TOPK's k, LATEST_BY_OFFSET's n and ignore-nulls) are
// given at resolution and are not in `args`. COUNT(*) has no argument vector.
//
// NULL handling follows ksqlDB: NULL inputs are ignored by every function except COUNT(*),
// COLLECT_LIST/COLLECT_SET (which keep them as ksqlDB does, see aggregate.cc), HISTOGRAM (which
// counts them under a NULL key) and LATEST/EARLIEST_BY_OFFSET with ignoreNulls = false; SUM_LIST
// skips NULL arrays and NULL elements.
//
// Thread-safety: AggregateFunction objects are immutable and shared by the plans using them;
// accumulators belong to one thread.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "format/types.h"
#include "format/value.h"
#include "format/vector.h"

namespace sluice::sql {

// The heap a std::string holds beyond its own bytes (libstdc++: none within its inline 15):
// what heap_bytes() estimates, and an aggregation group's long key.
inline size_t string_heap_bytes(const std::string& s) {
  return s.capacity() > 15 ? s.capacity() + 1 : 0;
}

class AggregateFunction {
 public:
  virtual ~AggregateFunction() = default;

  // Upper-case function name as called (STDDEV_SAMPLE stays STDDEV_SAMPLE).
  const std::string& name() const { return name_; }
  const format::Type& result_type() const { return result_type_; }
  // Types the non-literal arguments must be cast to, in order.
  const std::vector<format::Type>& param_types() const { return param_types_; }
  // ksqlDB's intermediate ("aggregate") type for this call: what its state store keeps per group,
  // written in the source's value format (AVG: STRUCT<SUM, COUNT>, TOPK: an ARRAY, ...). Sluice's
  // accumulators do not depend on it; the planner uses it to refuse, as ksqlDB does, a function
  // whose intermediate type the source's value format cannot hold.
  const format::Type& intermediate_type() const { return intermediate_type_; }
  // ksqlDB's TableUdaf: can undo an input (aggregations over tables need it).
  virtual bool supports_tables() const = 0;

  virtual size_t state_size() const = 0;
  virtual void init(std::byte* state) const = 0;
  virtual void destroy(std::byte* state) const = 0;
  virtual void update(std::byte* state, std::span<const format::Vector* const> args,
                      uint32_t row) const = 0;
  // Removes the contribution of an earlier update() with the same arguments. Only called when
  // supports_tables().
  virtual void retract(std::byte* state, std::span<const format::Vector* const> args,
                       uint32_t row) const = 0;
  // Writes the result into physical row `row` of `out` (of result_type()).
  virtual void finalize(const std::byte* state, format::Vector& out, uint32_t row) const = 0;
  // Appends the accumulator's durable form to `out`.
  virtual void serialize(const std::byte* state, std::string& out) const = 0;
  // Reads a form written by serialize() from the front of `in` (advancing it) into an init()ed
  // accumulator. Corruption when malformed.
  virtual Status deserialize(std::byte* state, std::string_view& in) const = 0;
  // ksqlDB's Merger (session windows): folds accumulator `from` into `into`, as if `into` had
  // also seen `from`'s inputs after its own. Only called when supports_merge().
  virtual bool supports_merge() const { return false; }
  virtual void merge(std::byte* /*into*/, const std::byte* /*from*/) const {}
  // Whether accumulators hold heap memory besides their state_size() bytes (COLLECT_LIST's
  // values, ...), and an estimate of it for one (walks the accumulator: not per row).
  virtual bool has_heap() const { return false; }
  virtual size_t heap_bytes(const std::byte* /*state*/) const { return 0; }

 protected:
  // `intermediate_type` defaults to the result type (COUNT, SUM, MIN, COLLECT_LIST, ...).
  AggregateFunction(std::string name, format::Type result_type,
                    std::vector<format::Type> param_types,
                    std::optional<format::Type> intermediate_type = std::nullopt)
      : name_(std::move(name)),
        result_type_(std::move(result_type)),
        param_types_(std::move(param_types)),
        intermediate_type_(intermediate_type ? std::move(*intermediate_type) : result_type_) {}

 private:
  std::string name_;
  format::Type result_type_;
  std::vector<format::Type> param_types_;
  format::Type intermediate_type_;
};

using AggregateFunctionPtr = std::shared_ptr<const AggregateFunction>;

// True when `name` (upper case) is an aggregate function.
bool is_aggregate_function(std::string_view name);

// Every aggregate function's name, upper case and sorted (SHOW FUNCTIONS lists them as
// AGGREGATE).
std::vector<std::string> aggregate_function_names();

// One parameter of an aggregate function's form, as DESCRIBE FUNCTION shows it.
struct AggregateParam {
  std::string name;
  // "T" stands for any type; a trailing "..." means the parameter repeats, one or more times
  // (TOPK's further columns).
  std::string type;
  bool literal = false;  // a configuring literal (TOPK's k), not a column
};

// One form of an aggregate function (ksqlDB's FunctionInfo for a UDAF factory): its parameters
// and its return type, in the type names Sluice prints ("ARRAY<T>" for a generic).
struct AggregateVariation {
  std::vector<AggregateParam> params;
  std::string return_type;
};

// The forms of aggregate function `name` (case-insensitive) that resolve_aggregate accepts, for
// DESCRIBE FUNCTION; empty when `name` is not an aggregate function.
std::vector<AggregateVariation> aggregate_variations(std::string_view name);

// What the planner knows of one argument of an aggregate call.
struct AggregateArg {
  format::Type type;
  bool null_literal = false;               // an untyped NULL
  const format::Value* literal = nullptr;  // set when the argument is a literal
  // The argument as written (e.g. "K"), quoted by ksqlDB's message for a configuring parameter
  // that is not a literal; empty when the caller does not give it.
  std::string text;
};

// Resolves a call by name (upper case) and arguments. `star` is COUNT(*) (no arguments). The
// returned function's param_types() covers the arguments that are data (not configuring
// literals); `data_args` receives their indexes into `args`, in order. Errors use ksqlDB's
// messages (e.g. "Function 'SUM' does not accept parameters (STRING).").
// Settings of the functions (ksqlDB's ksql.functions.* properties).
struct AggregateConfig {
  size_t collect_list_limit = 1000;  // ksql.functions.collect_list.limit
  size_t collect_set_limit = 1000;   // ksql.functions.collect_set.limit
};

Result<AggregateFunctionPtr> resolve_aggregate(std::string_view name,
                                               std::span<const AggregateArg> args,
                                               std::vector<size_t>* data_args,
                                               const AggregateConfig& config = {});

}  // namespace sluice::sql
