// Aggregate functions (aggregate.h) driven one accumulator at a time: resolution and result types,
// update/retract/finalize with ksqlDB's semantics (the cases follow ksqlDB's QTT files), and the
// durable form's round trip.
#include "sql/functions/aggregate.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <optional>
#include <regex>

#include "format/value.h"
#include "sql/functions/cast.h"

namespace sluice::sql {
namespace {

using format::Type;
using format::Value;

// One argument of a call: a column of `type`, a literal, or an untyped NULL.
struct Arg {
  Type type;
  std::optional<Value> literal;
  bool null_literal = false;
};
Arg col(Type t) {
  return {std::move(t), std::nullopt, false};
}
Arg lit(Value v) {
  Type t = v.type();
  return {std::move(t), std::move(v), false};
}
Arg null_lit() {
  return {Type::integer(), std::nullopt, true};
}

Result<AggregateFunctionPtr> resolve(std::string_view name, const std::vector<Arg>& args,
                                     std::vector<size_t>* data = nullptr) {
  std::vector<AggregateArg> infos;
  infos.reserve(args.size());
  for (const Arg& a : args) {
    infos.push_back({a.type, a.null_literal, a.literal ? &*a.literal : nullptr});
  }
  std::vector<size_t> scratch;
  return resolve_aggregate(name, infos, data ? data : &scratch);
}

std::string error_of(std::string_view name, const std::vector<Arg>& args) {
  auto r = resolve(name, args);
  return r.is_ok() ? "OK" : r.status().message();
}

// One group's accumulator for a resolved call.
class Acc {
 public:
  Acc(std::string_view name, const std::vector<Arg>& args) {
    auto r = resolve(name, args);
    EXPECT_TRUE(r.is_ok()) << r.status().message();
    fn_ = *r;
    init();
  }
  ~Acc() { fn_->destroy(state()); }
  Acc(const Acc&) = delete;
  Acc& operator=(const Acc&) = delete;

  const AggregateFunction& fn() const { return *fn_; }

  // `row` holds one value per data argument, cast to the parameter types.
  void add(const std::vector<Value>& row) { apply(row, false); }
  void remove(const std::vector<Value>& row) { apply(row, true); }
  void add_all(const std::vector<Value>& values) {
    for (const Value& v : values) add({v});
  }

  Value result() const {
    format::Vector out(fn_->result_type(), 1);
    fn_->finalize(state(), out, 0);
    return format::read_value(out, 0);
  }
  std::string text() const { return result().to_string(); }

  std::string serialized() const {
    std::string s;
    fn_->serialize(state(), s);
    return s;
  }
  // Replaces the accumulator with one read back from its durable form and checks that the
  // result and the form are unchanged.
  void reload() {
    std::string before = text();
    std::string bytes = serialized();
    bytes += "tail";  // deserialize reads only its own bytes
    fn_->destroy(state());
    init();
    std::string_view in = bytes;
    Status st = fn_->deserialize(state(), in);
    ASSERT_TRUE(st.is_ok()) << st.message();
    EXPECT_EQ(in, "tail");
    EXPECT_EQ(text(), before);
    EXPECT_EQ(serialized() + "tail", bytes);
  }
  Status load(std::string_view bytes) {
    fn_->destroy(state());
    init();
    return fn_->deserialize(state(), bytes);
  }

 private:
  void init() {
    buf_.assign(fn_->state_size() / sizeof(std::max_align_t) + 1, {});
    fn_->init(state());
  }
  std::byte* state() const { return reinterpret_cast<std::byte*>(buf_.data()); }

  void apply(const std::vector<Value>& row, bool retract) {
    ASSERT_EQ(row.size(), fn_->param_types().size());
    std::deque<format::Vector> vectors;
    std::vector<const format::Vector*> ptrs;
    for (size_t i = 0; i < row.size(); ++i) {
      const Type& t = fn_->param_types()[i];
      Value v = row[i].is_null() ? Value::null(t) : *cast_value(row[i], t);
      // A constant vector: the accumulator must read logical rows.
      vectors.emplace_back(t, 1);
      format::write_value(vectors.back(), 0, v);
      vectors.back().set_constant();
      ptrs.push_back(&vectors.back());
    }
    if (retract) {
      fn_->retract(state(), ptrs, 7);
    } else {
      fn_->update(state(), ptrs, 7);
    }
  }

  AggregateFunctionPtr fn_;
  mutable std::vector<std::max_align_t> buf_;
};

Value i32(int32_t v) {
  return Value::integer(v);
}
Value i64(int64_t v) {
  return Value::bigint(v);
}
Value dbl(double v) {
  return Value::double_(v);
}
Value str(std::string v) {
  return Value::string(std::move(v));
}
Value dec(format::Int128 unscaled, int p, int s) {
  return Value::decimal(unscaled, p, s);
}
Value null_of(Type t) {
  return Value::null(std::move(t));
}
Value null_int() {
  return Value::null(Type::integer());
}

// The result after each value, one value per update.
std::vector<std::string> run(Acc& a, const std::vector<Value>& values) {
  std::vector<std::string> out;
  for (const Value& v : values) {
    a.add({v});
    out.push_back(a.text());
  }
  return out;
}

using Texts = std::vector<std::string>;

// ---- Resolution -----------------------------------------------------------------------------

TEST(AggregateResolve, KnowsItsFunctions) {
  for (const char* n :
       {"COUNT", "COUNT_DISTINCT", "SUM", "SUM_LIST", "AVG", "MIN", "MAX", "LATEST_BY_OFFSET",
        "EARLIEST_BY_OFFSET", "COLLECT_LIST", "COLLECT_SET", "TOPK", "TOPKDISTINCT", "HISTOGRAM",
        "STDDEV_SAMP", "STDDEV_SAMPLE", "STDDEV_POP", "CORRELATION", "sum_list"}) {
    EXPECT_TRUE(is_aggregate_function(n)) << n;
  }
  EXPECT_FALSE(is_aggregate_function("ABS"));
  EXPECT_FALSE(is_aggregate_function("ARRAY_SUM"));
  EXPECT_EQ(error_of("WONT_FIND_ME", {col(Type::integer())}),
            "Can't find any functions with the name 'WONT_FIND_ME'");
  auto r = resolve("WONT_FIND_ME", {});
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

TEST(AggregateResolve, NamesEveryFunctionOnceInOrder) {
  std::vector<std::string> names = aggregate_function_names();
  EXPECT_EQ(names.size(), 18u);
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  EXPECT_EQ(std::adjacent_find(names.begin(), names.end()), names.end());
  for (const std::string& n : names) EXPECT_TRUE(is_aggregate_function(n)) << n;
  EXPECT_NE(std::find(names.begin(), names.end(), "COUNT"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "TOPK"), names.end());
}

// ksqlDB's intermediate types, which the planner checks against the source's value format.
TEST(AggregateResolve, IntermediateTypes) {
  auto state = [](std::string_view name, const std::vector<Arg>& args) {
    auto r = resolve(name, args);
    return r.is_ok() ? (*r)->intermediate_type().to_string() : "ERROR " + r.status().message();
  };
  EXPECT_EQ(state("COUNT", {}), "BIGINT");
  EXPECT_EQ(state("SUM", {col(Type::double_())}), "DOUBLE");
  EXPECT_EQ(state("SUM_LIST", {col(Type::array(Type::integer()))}), "INTEGER");
  EXPECT_EQ(state("MIN", {col(Type::string())}), "STRING");
  EXPECT_EQ(state("AVG", {col(Type::integer())}), "STRUCT<`SUM` INTEGER, `COUNT` BIGINT>");
  EXPECT_EQ(state("STDDEV_SAMP", {col(Type::bigint())}),
            "STRUCT<`SUM` BIGINT, `COUNT` INTEGER, `M2` DOUBLE>");
  EXPECT_EQ(state("STDDEV_POP", {col(Type::double_())}),
            "STRUCT<`SUM` DOUBLE, `COUNT` INTEGER, `M2` DOUBLE>");
  EXPECT_EQ(state("CORRELATION", {col(Type::double_()), col(Type::double_())}).rfind("STRUCT<", 0),
            0u);
  EXPECT_EQ(state("COUNT_DISTINCT", {col(Type::string())}), "ARRAY<INTEGER>");
  EXPECT_EQ(state("LATEST_BY_OFFSET", {col(Type::string())}), "STRUCT<`SEQ` BIGINT, `VAL` STRING>");
  EXPECT_EQ(state("EARLIEST_BY_OFFSET", {col(Type::integer()), lit(i32(2))}),
            "ARRAY<STRUCT<`SEQ` BIGINT, `VAL` INTEGER>>");
  EXPECT_EQ(state("COLLECT_LIST", {col(Type::integer())}), "ARRAY<INTEGER>");
  EXPECT_EQ(state("TOPK", {col(Type::integer()), lit(i32(2))}), "ARRAY<INTEGER>");
  EXPECT_EQ(state("HISTOGRAM", {col(Type::string())}), "MAP<STRING, BIGINT>");
}

// Every form DESCRIBE FUNCTION lists resolves, to the return type it shows; "T" is tried as
// STRING, a repeated parameter once.
TEST(AggregateResolve, EveryDescribedFormResolves) {
  auto type_named = [](const std::string& t) -> std::optional<Type> {
    if (t == "T" || t == "T..." || t == "STRING") return Type::string();
    if (t == "INTEGER") return Type::integer();
    if (t == "BIGINT") return Type::bigint();
    if (t == "DOUBLE") return Type::double_();
    if (t == "DECIMAL") return Type::decimal(10, 2);
    if (t == "BOOLEAN") return Type::boolean();
    if (t == "DATE") return Type::date();
    if (t == "TIME") return Type::time();
    if (t == "TIMESTAMP") return Type::timestamp();
    if (t == "BYTES") return Type::bytes();
    if (t == "ARRAY<INTEGER>") return Type::array(Type::integer());
    if (t == "ARRAY<BIGINT>") return Type::array(Type::bigint());
    if (t == "ARRAY<DOUBLE>") return Type::array(Type::double_());
    return std::nullopt;
  };
  size_t forms = 0;
  for (const std::string& name : aggregate_function_names()) {
    std::vector<AggregateVariation> variations = aggregate_variations(name);
    EXPECT_FALSE(variations.empty()) << name;
    for (const AggregateVariation& v : variations) {
      ++forms;
      std::vector<Arg> args;
      std::string shown = name + "(";
      for (const AggregateParam& p : v.params) {
        std::optional<Type> t = type_named(p.type);
        ASSERT_TRUE(t) << name << ": " << p.type;
        if (!p.literal) {
          args.push_back(col(*t));
        } else {
          args.push_back(lit(t->id() == format::TypeId::kBoolean ? Value::boolean(true) : i32(2)));
        }
        shown += p.type + " ";
      }
      shown += ") -> " + v.return_type;
      auto r = resolve(name, args);
      ASSERT_TRUE(r.is_ok()) << shown << ": " << r.status().message();
      std::string expected = v.return_type;
      for (size_t at; (at = expected.find("<T>")) != std::string::npos;) {
        expected.replace(at, 3, "<STRING>");
      }
      if (expected == "T") expected = "STRING";
      // The forms show neither a DECIMAL's precision and scale nor a STRUCT's fields.
      std::string actual = std::regex_replace((*r)->result_type().to_string(),
                                              std::regex(R"(DECIMAL\(\d+, \d+\))"), "DECIMAL");
      actual = std::regex_replace(actual, std::regex("STRUCT<[^>]*>"), "STRUCT");
      EXPECT_EQ(actual, expected) << shown;
    }
  }
  EXPECT_EQ(forms, 65u);
  EXPECT_TRUE(aggregate_variations("NO_SUCH_UDAF").empty());
  EXPECT_EQ(aggregate_variations("count").size(), 2u);
}

TEST(AggregateResolve, RejectsTypesNoOverloadTakes) {
  EXPECT_EQ(error_of("SUM", {col(Type::string())}),
            "Function 'SUM' does not accept parameters (STRING).");
  EXPECT_EQ(error_of("AVG", {col(Type::boolean())}),
            "Function 'AVG' does not accept parameters (BOOLEAN).");
  EXPECT_EQ(error_of("MAX", {col(Type::boolean())}),
            "Function 'MAX' does not accept parameters (BOOLEAN).");
  EXPECT_EQ(error_of("MIN", {col(Type::array(Type::integer()))}),
            "Function 'MIN' does not accept parameters (ARRAY<INTEGER>).");
  EXPECT_EQ(error_of("COUNT", {col(Type::integer()), col(Type::string())}),
            "Function 'COUNT' does not accept parameters (INTEGER, STRING).");
  EXPECT_EQ(error_of("HISTOGRAM", {col(Type::integer())}),
            "Function 'HISTOGRAM' does not accept parameters (INTEGER).");
  EXPECT_EQ(error_of("TOPK", {col(Type::boolean()), lit(i32(2))}),
            "Function 'TOPK' does not accept parameters (BOOLEAN, INTEGER).");
  EXPECT_EQ(error_of("TOPK", {col(Type::integer())}),
            "Function 'TOPK' does not accept parameters (INTEGER).");
  EXPECT_EQ(error_of("TOPKDISTINCT", {col(Type::integer()), col(Type::string()), lit(i32(2))}),
            "Function 'TOPKDISTINCT' does not accept parameters (INTEGER, STRING, INTEGER).");
  EXPECT_EQ(error_of("CORRELATION", {col(Type::double_()), col(Type::string())}),
            "Function 'CORRELATION' does not accept parameters (DOUBLE, STRING).");
  EXPECT_EQ(error_of("COLLECT_LIST", {null_lit()}),
            "Function 'COLLECT_LIST' does not accept parameters (null).");
  EXPECT_EQ(error_of("LATEST_BY_OFFSET", {col(Type::integer()), lit(str("x"))}),
            "Function 'LATEST_BY_OFFSET' does not accept parameters (INTEGER, STRING).");
  EXPECT_EQ(error_of("SUM", {}), "Function 'SUM' does not accept parameters ().");
  EXPECT_EQ(error_of("SUM_LIST", {col(Type::integer())}),
            "Function 'SUM_LIST' does not accept parameters (INTEGER).");
  EXPECT_EQ(error_of("SUM_LIST", {col(Type::array(Type::string()))}),
            "Function 'SUM_LIST' does not accept parameters (ARRAY<STRING>).");
  EXPECT_EQ(error_of("SUM_LIST", {col(Type::array(Type::decimal(4, 1)))}),
            "Function 'SUM_LIST' does not accept parameters (ARRAY<DECIMAL(4, 1)>).");
  EXPECT_EQ(error_of("SUM_LIST", {col(Type::array(Type::integer())), col(Type::integer())}),
            "Function 'SUM_LIST' does not accept parameters (ARRAY<INTEGER>, INTEGER).");
  EXPECT_EQ(error_of("SUM_LIST", {null_lit()}),
            "Function 'SUM_LIST' does not accept parameters (null).");
}

TEST(AggregateResolve, ConfiguringArgumentsMustBeLiterals) {
  EXPECT_EQ(error_of("TOPK", {col(Type::integer()), col(Type::integer())}),
            "Parameter 2 passed to function TOPK must be a literal constant.");
  EXPECT_EQ(error_of("TOPK", {col(Type::integer()), lit(i32(0))}),
            "k must be 1 or greater, got 0 in TOPK");
  EXPECT_EQ(error_of("LATEST_BY_OFFSET", {col(Type::integer()), lit(i32(0))}),
            "latestN must be 1 or greater, got 0 in LATEST_BY_OFFSET");
  EXPECT_EQ(error_of("EARLIEST_BY_OFFSET",
                     {col(Type::integer()), lit(i32(-1)), lit(Value::boolean(true))}),
            "earliestN must be 1 or greater, got -1 in EARLIEST_BY_OFFSET");
  EXPECT_EQ(error_of("LATEST_BY_OFFSET", {col(Type::integer()), col(Type::boolean())}),
            "Parameter 2 passed to function LATEST_BY_OFFSET must be a literal constant.");
  // With the argument's text, ksqlDB's full message quotes it.
  auto named = [](const Arg& a, std::string text) {
    AggregateArg info{a.type, a.null_literal, nullptr, std::move(text)};
    return info;
  };
  std::vector<AggregateArg> topk = {named(col(Type::integer()), "V"),
                                    named(col(Type::integer()), "K")};
  std::vector<size_t> data;
  EXPECT_EQ(resolve_aggregate("TOPK", topk, &data).status().message(),
            "Parameter 2 passed to function TOPK must be a literal constant, but was expression: "
            "'K'");
  Value two = i32(2);
  std::vector<AggregateArg> latest = {named(col(Type::integer()), "V"),
                                      {Type::integer(), false, &two, "2"},
                                      named(col(Type::boolean()), "(B AND C)")};
  EXPECT_EQ(resolve_aggregate("LATEST_BY_OFFSET", latest, &data).status().message(),
            "Parameter 3 passed to function LATEST_BY_OFFSET must be a literal constant, but was "
            "expression: '(B AND C)'");
}

TEST(AggregateResolve, ResultAndParameterTypes) {
  auto types = [](std::string_view name, const std::vector<Arg>& args) {
    auto r = resolve(name, args);
    if (!r.is_ok()) return "ERROR " + r.status().message();
    std::string s = (*r)->result_type().to_string() + " <-";
    for (const Type& t : (*r)->param_types()) s += " " + t.to_string();
    return s;
  };
  EXPECT_EQ(types("COUNT", {}), "BIGINT <-");
  EXPECT_EQ(types("COUNT", {col(Type::string())}), "BIGINT <- STRING");
  EXPECT_EQ(types("COUNT_DISTINCT", {col(Type::double_())}), "BIGINT <- DOUBLE");
  EXPECT_EQ(types("SUM", {col(Type::integer())}), "INTEGER <- INTEGER");
  EXPECT_EQ(types("SUM", {col(Type::bigint())}), "BIGINT <- BIGINT");
  EXPECT_EQ(types("SUM", {col(Type::double_())}), "DOUBLE <- DOUBLE");
  EXPECT_EQ(types("SUM", {col(Type::decimal(4, 1))}), "DECIMAL(4, 1) <- DECIMAL(4, 1)");
  EXPECT_EQ(types("SUM", {null_lit()}), "INTEGER <- INTEGER");
  EXPECT_EQ(types("SUM_LIST", {col(Type::array(Type::integer()))}), "INTEGER <- ARRAY<INTEGER>");
  EXPECT_EQ(types("SUM_LIST", {col(Type::array(Type::bigint()))}), "BIGINT <- ARRAY<BIGINT>");
  EXPECT_EQ(types("SUM_LIST", {col(Type::array(Type::double_()))}), "DOUBLE <- ARRAY<DOUBLE>");
  EXPECT_EQ(types("AVG", {col(Type::integer())}), "DOUBLE <- INTEGER");
  EXPECT_EQ(types("AVG", {col(Type::decimal(6, 2))}), "DOUBLE <- DOUBLE");
  EXPECT_EQ(types("MAX", {col(Type::decimal(4, 2))}), "DECIMAL(4, 2) <- DECIMAL(4, 2)");
  EXPECT_EQ(types("MIN", {col(Type::timestamp())}), "TIMESTAMP <- TIMESTAMP");
  EXPECT_EQ(types("MIN", {col(Type::bytes())}), "BYTES <- BYTES");
  EXPECT_EQ(types("LATEST_BY_OFFSET", {col(Type::decimal(3, 2)), lit(Value::boolean(true))}),
            "DECIMAL(3, 2) <- DECIMAL(3, 2)");
  EXPECT_EQ(types("EARLIEST_BY_OFFSET", {col(Type::string()), lit(i32(2))}),
            "ARRAY<STRING> <- STRING");
  EXPECT_EQ(types("COLLECT_LIST", {col(Type::map(Type::string(), Type::bigint()))}),
            "ARRAY<MAP<STRING, BIGINT>> <- MAP<STRING, BIGINT>");
  EXPECT_EQ(types("COLLECT_SET", {col(Type::date())}), "ARRAY<DATE> <- DATE");
  EXPECT_EQ(types("TOPK", {col(Type::string()), lit(i32(3))}), "ARRAY<STRING> <- STRING");
  EXPECT_EQ(types("TOPK", {col(Type::decimal(4, 1)), lit(i32(3))}), "ARRAY<DOUBLE> <- DOUBLE");
  EXPECT_EQ(types("TOPKDISTINCT", {col(Type::decimal(4, 1)), lit(i32(3))}),
            "ARRAY<DECIMAL(4, 1)> <- DECIMAL(4, 1)");
  EXPECT_EQ(
      types("TOPK", {col(Type::bigint()), col(Type::string()), col(Type::date()), lit(i32(3))}),
      "ARRAY<STRUCT<`sort_col` BIGINT, `col0` STRING, `col1` DATE>> <- BIGINT STRING DATE");
  EXPECT_EQ(types("HISTOGRAM", {col(Type::string())}), "MAP<STRING, BIGINT> <- STRING");
  EXPECT_EQ(types("STDDEV_SAMPLE", {col(Type::bigint())}), "DOUBLE <- BIGINT");
  EXPECT_EQ(types("STDDEV_POP", {col(Type::decimal(5, 2))}), "DOUBLE <- DOUBLE");
  EXPECT_EQ(types("CORRELATION", {col(Type::integer()), col(Type::double_())}),
            "DOUBLE <- DOUBLE DOUBLE");
}

TEST(AggregateResolve, NamesDataArgumentsAndKeepsTheCalledName) {
  std::vector<size_t> data;
  auto r = resolve("topk", {col(Type::integer()), col(Type::string()), lit(i32(3))}, &data);
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ((*r)->name(), "TOPK");
  EXPECT_EQ(data, (std::vector<size_t>{0, 1}));
  r = resolve("LATEST_BY_OFFSET", {col(Type::integer()), lit(i32(2)), lit(Value::boolean(false))},
              &data);
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(data, (std::vector<size_t>{0}));
  r = resolve("COUNT", {}, &data);
  ASSERT_TRUE(r.is_ok());
  EXPECT_TRUE(data.empty());
  r = resolve("CORRELATION", {col(Type::double_()), col(Type::double_())}, &data);
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(data, (std::vector<size_t>{0, 1}));
  r = resolve("stddev_sample", {col(Type::double_())}, &data);
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ((*r)->name(), "STDDEV_SAMPLE");
}

TEST(AggregateResolve, TableCapability) {
  // ksqlDB's TableUdafs; the rest only aggregate streams.
  auto table = [](std::string_view name, const std::vector<Arg>& args) {
    return (*resolve(name, args))->supports_tables();
  };
  EXPECT_TRUE(table("COUNT", {}));
  EXPECT_TRUE(table("SUM", {col(Type::integer())}));
  EXPECT_TRUE(table("SUM_LIST", {col(Type::array(Type::double_()))}));
  EXPECT_TRUE(table("AVG", {col(Type::integer())}));
  EXPECT_TRUE(table("COLLECT_LIST", {col(Type::integer())}));
  EXPECT_TRUE(table("HISTOGRAM", {col(Type::string())}));
  EXPECT_TRUE(table("STDDEV_SAMP", {col(Type::double_())}));
  EXPECT_TRUE(table("STDDEV_SAMPLE", {col(Type::double_())}));
  EXPECT_TRUE(table("STDDEV_POP", {col(Type::double_())}));
  EXPECT_TRUE(table("CORRELATION", {col(Type::double_()), col(Type::double_())}));
  EXPECT_FALSE(table("COUNT_DISTINCT", {col(Type::integer())}));
  EXPECT_FALSE(table("MIN", {col(Type::integer())}));
  EXPECT_FALSE(table("MAX", {col(Type::integer())}));
  EXPECT_FALSE(table("LATEST_BY_OFFSET", {col(Type::integer())}));
  EXPECT_FALSE(table("EARLIEST_BY_OFFSET", {col(Type::integer())}));
  EXPECT_FALSE(table("COLLECT_SET", {col(Type::integer())}));
  EXPECT_FALSE(table("TOPK", {col(Type::integer()), lit(i32(2))}));
  EXPECT_FALSE(table("TOPKDISTINCT", {col(Type::integer()), lit(i32(2))}));
}

// ---- COUNT ----------------------------------------------------------------------------------

TEST(AggregateCount, StarCountsEveryRow) {
  Acc a("COUNT", {});
  EXPECT_EQ(a.text(), "0");
  a.add({});
  a.add({});
  a.add({});
  EXPECT_EQ(a.text(), "3");
  a.reload();
  a.remove({});
  EXPECT_EQ(a.text(), "2");
}

TEST(AggregateCount, ColumnCountsNonNullsAndRetractsBackToZero) {
  Acc a("COUNT", {col(Type::string())});
  a.add_all({str("a"), null_of(Type::string()), str("b")});
  EXPECT_EQ(a.text(), "2");
  a.remove({str("a")});
  a.remove({null_of(Type::string())});
  EXPECT_EQ(a.text(), "1");
  a.reload();
  a.remove({str("b")});
  EXPECT_EQ(a.result(), i64(0));
}

// ---- COUNT_DISTINCT -------------------------------------------------------------------------

TEST(AggregateCountDistinct, CountsDistinctNonNullValues) {
  Acc a("COUNT_DISTINCT", {col(Type::integer())});
  a.add_all({i32(1), i32(2), i32(1), null_int(), i32(3), i32(2)});
  EXPECT_EQ(a.text(), "3");
  a.reload();
  a.add({i32(4)});
  EXPECT_EQ(a.text(), "4");
}

TEST(AggregateCountDistinct, DoublesAsJavaEqualsSeesThem) {
  Acc a("COUNT_DISTINCT", {col(Type::double_())});
  double nan = std::numeric_limits<double>::quiet_NaN();
  a.add_all({dbl(nan), dbl(-nan), dbl(0.0), dbl(-0.0), dbl(1.5), dbl(1.5)});
  EXPECT_EQ(a.text(), "4");  // NaN, 0.0, -0.0, 1.5
}

TEST(AggregateCountDistinct, NestedValues) {
  Type t = Type::struct_({{"A", Type::string()}, {"B", Type::array(Type::integer())}});
  Acc a("COUNT_DISTINCT", {col(t)});
  auto s = [&](std::string x, std::vector<Value> b) {
    return Value::struct_(t, {str(std::move(x)), Value::array(Type::integer(), std::move(b))});
  };
  a.add_all({s("x", {i32(1)}), s("x", {i32(1)}), s("x", {i32(1), i32(2)}), s("y", {}),
             Value::struct_(t, {null_of(Type::string()), null_of(Type::array(Type::integer()))})});
  EXPECT_EQ(a.text(), "4");
  a.reload();
}

// ---- SUM ------------------------------------------------------------------------------------

TEST(AggregateSum, IntegersWrapAsInJava) {
  Acc a("SUM", {col(Type::integer())});
  EXPECT_EQ(a.result(), i32(0));
  a.add_all({i32(0), i32(100), null_int()});
  EXPECT_EQ(a.result(), i32(100));
  a.add({i32(std::numeric_limits<int32_t>::max())});
  EXPECT_EQ(a.result(), i32(std::numeric_limits<int32_t>::min() + 99));
  a.reload();
  a.remove({i32(std::numeric_limits<int32_t>::max())});
  EXPECT_EQ(a.result(), i32(100));

  Acc b("SUM", {col(Type::bigint())});
  b.add_all({i64(2147483648), i64(100)});
  EXPECT_EQ(b.result(), i64(2147483748));
  b.add({i64(std::numeric_limits<int64_t>::max())});
  EXPECT_EQ(b.result(), i64(std::numeric_limits<int64_t>::min() + 2147483747));
  b.reload();
}

TEST(AggregateSum, OnlyNullsGiveZero) {
  // QTT sum.json "sum int left join of table": SUM over NULL values is 0.
  Acc a("SUM", {col(Type::integer())});
  a.add_all({null_int(), null_int()});
  EXPECT_EQ(a.result(), i32(0));
  a.add({i32(5)});
  a.remove({i32(5)});
  EXPECT_EQ(a.result(), i32(0));
}

TEST(AggregateSum, Doubles) {
  Acc a("SUM", {col(Type::double_())});
  a.add_all({dbl(500.9), dbl(300.8)});
  EXPECT_DOUBLE_EQ(a.result().as_double(), 801.7);
  a.reload();
  a.remove({dbl(300.8)});
  EXPECT_DOUBLE_EQ(a.result().as_double(), 500.9);
}

TEST(AggregateSum, DecimalKeepsTheTypeAndIsNullWhileItDoesNotFit) {
  Acc a("SUM", {col(Type::decimal(4, 1))});
  a.add_all({dec(54, 4, 1), dec(1001, 4, 1)});
  EXPECT_EQ(a.text(), "105.5");
  EXPECT_EQ(a.result(), dec(1055, 4, 1));
  a.add_all({dec(5009, 4, 1), dec(3008, 4, 1)});
  EXPECT_EQ(a.result(), dec(9072, 4, 1));
  a.add({dec(4008, 4, 1)});  // 1308.0 needs 4 integer digits: ksqlDB's "Numeric field overflow"
  EXPECT_TRUE(a.result().is_null());
  a.reload();
  a.remove({dec(4008, 4, 1)});
  EXPECT_EQ(a.result(), dec(9072, 4, 1));
  a.add({dec(-9999, 4, 1)});
  EXPECT_EQ(a.result(), dec(-927, 4, 1));
  a.reload();
}

// ---- SUM_LIST -------------------------------------------------------------------------------

Value ints(const std::vector<std::optional<int32_t>>& xs) {
  std::vector<Value> vs;
  vs.reserve(xs.size());
  for (auto x : xs) vs.push_back(x ? i32(*x) : null_int());
  return Value::array(Type::integer(), std::move(vs));
}

TEST(AggregateSumList, SumsEveryElementOfEveryArray) {
  // QTT sum.json "sum list of ints into a single int": a NULL element adds nothing.
  Acc a("SUM_LIST", {col(Type::array(Type::integer()))});
  EXPECT_EQ(a.result(), i32(0));
  EXPECT_EQ(run(a, {ints({1, 1}), ints({2, 2}), ints({100, 100}), ints({100, 100, std::nullopt})}),
            (Texts{"2", "6", "206", "406"}));
  a.reload();
  // A NULL array and an empty one add nothing.
  a.add({null_of(Type::array(Type::integer()))});
  a.add({ints({})});
  EXPECT_EQ(a.result(), i32(406));
}

TEST(AggregateSumList, OnlyNullsGiveZero) {
  Acc a("SUM_LIST", {col(Type::array(Type::bigint()))});
  a.add({null_of(Type::array(Type::bigint()))});
  a.add({Value::array(Type::bigint(), {null_of(Type::bigint())})});
  EXPECT_EQ(a.result(), i64(0));
}

TEST(AggregateSumList, IntegersWrapAsInJava) {
  Acc a("SUM_LIST", {col(Type::array(Type::integer()))});
  const int32_t max = std::numeric_limits<int32_t>::max();
  a.add({ints({max, 1})});  // the array's own sum wraps
  EXPECT_EQ(a.result(), i32(std::numeric_limits<int32_t>::min()));
  a.add({ints({-1})});  // and so does the running sum
  EXPECT_EQ(a.result(), i32(max));
  a.reload();
  a.remove({ints({max, 1})});
  EXPECT_EQ(a.result(), i32(-1));

  Acc b("SUM_LIST", {col(Type::array(Type::bigint()))});
  b.add({Value::array(Type::bigint(), {i64(2147483648), i64(2147483648)})});
  EXPECT_EQ(b.result(), i64(4294967296));
  b.reload();
}

TEST(AggregateSumList, DoublesAddTheArraysSumAsJavaDoes) {
  // QTT "sum list of doubles into a single double".
  Acc a("SUM_LIST", {col(Type::array(Type::double_()))});
  auto dbls = [](const std::vector<double>& xs) {
    std::vector<Value> vs;
    vs.reserve(xs.size());
    for (double x : xs) vs.push_back(dbl(x));
    return Value::array(Type::double_(), std::move(vs));
  };
  a.add({dbls({1.0, 1.0})});
  a.add({dbls({2.0, 2.0})});
  a.add({dbls({922337203685.0, 1.0})});
  EXPECT_EQ(a.result(), dbl(922337203692.0));
  a.add({Value::array(Type::double_(), {dbl(1.0), dbl(1.0), null_of(Type::double_())})});
  EXPECT_EQ(a.result(), dbl(922337203694.0));
  a.reload();
  // The array is summed first, then added: 1e16 + (1 + 1), not (1e16 + 1) + 1.
  Acc b("SUM_LIST", {col(Type::array(Type::double_()))});
  b.add({dbls({1e16})});
  b.add({dbls({1.0, 1.0})});
  EXPECT_EQ(b.result(), dbl(1e16 + 2.0));
  b.remove({dbls({1.0, 1.0})});
  EXPECT_EQ(b.result(), dbl(1e16));
}

TEST(AggregateSumList, RetractsForTables) {
  Acc a("SUM_LIST", {col(Type::array(Type::integer()))});
  a.add({ints({1, 2, 3})});
  a.add({ints({10, std::nullopt})});
  a.remove({ints({1, 2, 3})});
  EXPECT_EQ(a.result(), i32(10));
  a.remove({null_of(Type::array(Type::integer()))});
  EXPECT_EQ(a.result(), i32(10));
  a.remove({ints({10, std::nullopt})});
  EXPECT_EQ(a.result(), i32(0));
}

// ---- AVG ------------------------------------------------------------------------------------

TEST(AggregateAvg, AveragesNonNullsAsDouble) {
  Acc a("AVG", {col(Type::bigint())});
  EXPECT_EQ(a.result(), dbl(0.0));  // ksqlDB's AVG of nothing
  a.add_all({i64(-50), i64(-10), null_of(Type::bigint()), i64(-15)});
  EXPECT_EQ(a.result(), dbl(-25.0));
  a.reload();
  a.remove({i64(-15)});
  EXPECT_EQ(a.result(), dbl(-30.0));
  a.remove({i64(-50)});
  a.remove({i64(-10)});
  EXPECT_EQ(a.result(), dbl(0.0));
}

TEST(AggregateAvg, IntegerSumWrapsAsKsqlDbs) {
  Acc a("AVG", {col(Type::integer())});
  a.add_all({i32(std::numeric_limits<int32_t>::max()), i32(1)});
  EXPECT_EQ(a.result(), dbl(std::numeric_limits<int32_t>::min() / 2.0));
  a.reload();
}

TEST(AggregateAvg, DoublesAndDecimals) {
  Acc a("AVG", {col(Type::double_())});
  a.add_all({dbl(1.5), dbl(2.5), dbl(5.0)});
  EXPECT_EQ(a.result(), dbl(3.0));
  a.reload();
  Acc d("AVG", {col(Type::decimal(4, 2))});
  d.add_all({dec(150, 4, 2), dec(250, 4, 2)});
  EXPECT_EQ(d.result(), dbl(2.0));
}

// ---- MIN, MAX -------------------------------------------------------------------------------

TEST(AggregateMax, NullUntilAValueArrives) {
  // QTT max-group-by.json "max integer group by", key 0.
  Acc a("MAX", {col(Type::integer())});
  std::vector<std::string> seen;
  for (const Value& v : {null_int(), i32(-2147483647), i32(5), null_int(), i32(2000), i32(100)}) {
    a.add({v});
    seen.push_back(a.text());
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"null", "-2147483647", "5", "5", "2000", "2000"}));
  a.reload();
}

TEST(AggregateMin, EveryOrderableType) {
  auto min_of = [](Type t, const std::vector<Value>& vs) {
    Acc a("MIN", {col(std::move(t))});
    a.add_all(vs);
    a.reload();
    return a.result();
  };
  auto max_of = [](Type t, const std::vector<Value>& vs) {
    Acc a("MAX", {col(std::move(t))});
    a.add_all(vs);
    a.reload();
    return a.result();
  };
  EXPECT_EQ(min_of(Type::bigint(), {i64(5), i64(-1000000), i64(100)}), i64(-1000000));
  EXPECT_EQ(max_of(Type::bigint(), {i64(5), i64(std::numeric_limits<int64_t>::max())}),
            i64(std::numeric_limits<int64_t>::max()));
  EXPECT_EQ(min_of(Type::double_(), {dbl(5.1), dbl(-1000000.123), dbl(0.0)}), dbl(-1000000.123));
  EXPECT_EQ(max_of(Type::decimal(4, 2), {dec(-1012, 4, 2), dec(510, 4, 2), dec(2099, 4, 2)}),
            dec(2099, 4, 2));
  EXPECT_EQ(min_of(Type::date(), {Value::date(5), Value::date(-100)}), Value::date(-100));
  EXPECT_EQ(max_of(Type::time(), {Value::time(1), Value::time(1000), Value::time(5)}),
            Value::time(1000));
  EXPECT_EQ(max_of(Type::timestamp(), {Value::timestamp(-1), Value::timestamp(1010)}),
            Value::timestamp(1010));
  EXPECT_EQ(max_of(Type::string(), {str("B"), str("A"), str("G"), str("F")}), str("G"));
  EXPECT_EQ(min_of(Type::string(), {str("ab"), str("a"), str("b")}), str("a"));
  EXPECT_EQ(max_of(Type::bytes(), {Value::bytes("B"), Value::bytes("A")}), Value::bytes("B"));
  EXPECT_TRUE(min_of(Type::string(), {null_of(Type::string())}).is_null());
}

TEST(AggregateMax, JavaOrderings) {
  auto max_of = [](Type t, const std::vector<Value>& vs) {
    Acc a("MAX", {col(std::move(t))});
    a.add_all(vs);
    return a.result();
  };
  // UTF-16 order: U+FFFD sorts above U+1F600 (a surrogate pair starting 0xD83D).
  EXPECT_EQ(max_of(Type::string(), {str("\xF0\x9F\x98\x80"), str("\xEF\xBF\xBD")}),
            str("\xEF\xBF\xBD"));
  EXPECT_EQ(max_of(Type::string(), {str("\xEF\xBF\xBD"), str("\xF0\x9F\x98\x80")}),
            str("\xEF\xBF\xBD"));
  EXPECT_EQ(max_of(Type::string(), {str("\xC3\xA9"), str("z")}), str("\xC3\xA9"));
  // Signed bytes: 0x7F is above 0x80.
  EXPECT_EQ(max_of(Type::bytes(), {Value::bytes("\x80"), Value::bytes("\x7F")}),
            Value::bytes("\x7F"));
  // Double.compare: 0.0 above -0.0, NaN above everything.
  Value m = max_of(Type::double_(), {dbl(-0.0), dbl(0.0)});
  EXPECT_FALSE(std::signbit(m.as_double()));
  m = max_of(Type::double_(), {dbl(0.0), dbl(-0.0)});
  EXPECT_FALSE(std::signbit(m.as_double()));
  EXPECT_TRUE(std::isnan(
      max_of(Type::double_(), {dbl(1e300), dbl(std::nan("")), dbl(INFINITY)}).as_double()));
}

// ---- LATEST_BY_OFFSET, EARLIEST_BY_OFFSET ---------------------------------------------------

TEST(AggregateLatest, IgnoresNullsByDefault) {
  Acc a("LATEST_BY_OFFSET", {col(Type::integer())});
  EXPECT_EQ(a.text(), "null");
  EXPECT_EQ(run(a, {i32(12), null_int(), i32(13)}), (Texts{"12", "12", "13"}));
  a.reload();
  Acc t("LATEST_BY_OFFSET", {col(Type::integer()), lit(Value::boolean(true))});
  EXPECT_EQ(run(t, {null_int(), null_int()}), (Texts{"null", "null"}));
}

TEST(AggregateLatest, KeepsNullsWhenAsked) {
  Acc a("LATEST_BY_OFFSET", {col(Type::integer()), lit(Value::boolean(false))});
  EXPECT_EQ(run(a, {i32(12), null_int()}), (Texts{"12", "null"}));
  a.reload();
  EXPECT_EQ(run(a, {i32(13)}), (Texts{"13"}));
}

TEST(AggregateLatest, LatestN) {
  Acc a("LATEST_BY_OFFSET", {col(Type::integer()), lit(i32(2))});
  EXPECT_EQ(a.text(), "[]");
  EXPECT_EQ(run(a, {i32(12), null_int(), i32(13), i32(14)}),
            (Texts{"[12]", "[12]", "[12, 13]", "[13, 14]"}));
  a.reload();
  Acc n("LATEST_BY_OFFSET", {col(Type::integer()), lit(i32(2)), lit(Value::boolean(false))});
  EXPECT_EQ(run(n, {i32(12), null_int(), i32(13)}), (Texts{"[12]", "[12, null]", "[null, 13]"}));
  n.reload();
  Acc all_null("LATEST_BY_OFFSET", {col(Type::integer()), lit(i32(2))});
  EXPECT_EQ(run(all_null, {null_int(), null_int()}), (Texts{"[]", "[]"}));
}

TEST(AggregateLatest, NestedValues) {
  Type s =
      Type::struct_({{"A", Type::string()}, {"M", Type::map(Type::string(), Type::double_())}});
  Type t = Type::array(s);
  auto v = [&](std::string a, std::string k, double d) {
    return Value::struct_(s, {str(std::move(a)), Value::map(Type::string(), Type::double_(),
                                                            {{str(std::move(k)), dbl(d)}})});
  };
  Acc a("LATEST_BY_OFFSET", {col(t)});
  a.add({Value::array(s, {v("Early0", "Early0", 1.234), v("Early2", "Early2", 1.23456)})});
  Value later = Value::array(s, {v("Later0", "Early0", 3.45)});
  a.add({later});
  EXPECT_EQ(a.result(), later);
  a.reload();
  EXPECT_EQ(a.result(), later);
}

TEST(AggregateEarliest, KeepsTheFirstValues) {
  Acc a("EARLIEST_BY_OFFSET", {col(Type::string())});
  EXPECT_EQ(run(a, {null_of(Type::string()), str("a"), str("b")}), (Texts{"null", "a", "a"}));
  a.reload();
  Acc n("EARLIEST_BY_OFFSET", {col(Type::string()), lit(Value::boolean(false))});
  EXPECT_EQ(run(n, {null_of(Type::string()), str("a")}), (Texts{"null", "null"}));
  Acc two("EARLIEST_BY_OFFSET", {col(Type::bigint()), lit(i32(2))});
  EXPECT_EQ(run(two, {i64(1), null_of(Type::bigint()), i64(2), i64(3)}),
            (Texts{"[1]", "[1]", "[1, 2]", "[1, 2]"}));
  two.reload();
  Acc two_nulls("EARLIEST_BY_OFFSET",
                {col(Type::bigint()), lit(i32(2)), lit(Value::boolean(false))});
  EXPECT_EQ(run(two_nulls, {null_of(Type::bigint()), i64(2), i64(3)}),
            (Texts{"[null]", "[null, 2]", "[null, 2]"}));
}

// ---- COLLECT_LIST, COLLECT_SET --------------------------------------------------------------

TEST(AggregateCollectList, KeepsOrderAndNulls) {
  // QTT collect-list.json "collect_list string".
  Acc a("COLLECT_LIST", {col(Type::string())});
  EXPECT_EQ(a.text(), "[]");
  EXPECT_EQ(run(a, {str("baz"), str("baz"), str("foo"), null_of(Type::string())}),
            (Texts{"[baz]", "[baz, baz]", "[baz, baz, foo]", "[baz, baz, foo, null]"}));
  a.reload();
}

// ksql.functions.collect_list.limit / collect_set.limit: values past the limit are not kept.
TEST(AggregateCollectList, LimitsComeFromTheConfig) {
  AggregateConfig config;
  config.collect_list_limit = 2;
  config.collect_set_limit = 1;
  std::vector<AggregateArg> args{{Type::integer(), false, nullptr}};
  std::vector<size_t> data;
  auto list = resolve_aggregate("COLLECT_LIST", args, &data, config);
  auto set = resolve_aggregate("COLLECT_SET", args, &data, config);
  ASSERT_TRUE(list.is_ok() && set.is_ok());
  for (const auto& [fn, expected] :
       {std::pair{*list, std::string("[1, 2]")}, std::pair{*set, std::string("[1]")}}) {
    std::vector<std::byte> state(fn->state_size());
    fn->init(state.data());
    format::Vector in(Type::integer(), 3);
    for (uint32_t r = 0; r < 3; ++r) {
      in.set_valid(r);
      in.set<int32_t>(r, static_cast<int32_t>(r + 1));
      const format::Vector* arg = &in;
      fn->update(state.data(), std::span<const format::Vector* const>(&arg, 1), r);
    }
    format::Vector out(fn->result_type(), 1);
    fn->finalize(state.data(), out, 0);
    EXPECT_EQ(format::read_value(out, 0).to_string(), expected) << fn->name();
    fn->destroy(state.data());
  }
}

TEST(AggregateCollectList, RetractRemovesTheLastEqualValue) {
  Acc a("COLLECT_LIST", {col(Type::integer())});
  a.add_all({i32(1), i32(2), i32(1), null_int(), i32(3)});
  a.remove({i32(1)});
  EXPECT_EQ(a.text(), "[1, 2, null, 3]");
  a.remove({null_int()});
  a.remove({i32(9)});  // never collected: nothing to remove
  EXPECT_EQ(a.text(), "[1, 2, 3]");
  a.reload();
  a.remove({i32(1)});
  a.remove({i32(2)});
  a.remove({i32(3)});
  EXPECT_EQ(a.text(), "[]");
}

TEST(AggregateCollectList, NestedTypes) {
  // QTT "collect_list with arrays, structs, and maps".
  Type s = Type::struct_({{"A", Type::string()},
                          {"M", Type::map(Type::string(), Type::double_())},
                          {"D", Type::decimal(4, 1)}});
  Type t = Type::array(s);
  Value v1 = Value::array(
      s,
      {Value::struct_(s, {str("Later0"),
                          Value::map(Type::string(), Type::double_(), {{str("Early0"), dbl(3.45)}}),
                          null_of(Type::decimal(4, 1))})});
  Value v2 = Value::array(s, {null_of(s)});
  Acc a("COLLECT_LIST", {col(t)});
  a.add_all({v1, v2, null_of(t)});
  Value want = Value::array(t, {v1, v2, null_of(t)});
  EXPECT_EQ(a.result(), want);
  a.reload();
  EXPECT_EQ(a.result(), want);
}

TEST(AggregateCollectList, StopsAtTheLimit) {
  Acc a("COLLECT_LIST", {col(Type::integer())});
  for (int i = 0; i < 1005; ++i) a.add({i32(i)});
  Value r = a.result();
  ASSERT_EQ(r.elements().size(), 1000u);
  EXPECT_EQ(r.elements().back(), i32(999));
  a.reload();
}

TEST(AggregateCollectSet, DistinctValuesInArrivalOrder) {
  Acc a("COLLECT_SET", {col(Type::string())});
  EXPECT_EQ(run(a, {str("b"), str("a"), str("b"), null_of(Type::string()), null_of(Type::string()),
                    str("c")}),
            (Texts{"[b]", "[b, a]", "[b, a]", "[b, a, null]", "[b, a, null]", "[b, a, null, c]"}));
  a.reload();
  a.add({str("a")});
  EXPECT_EQ(a.text(), "[b, a, null, c]");
  a.add({str("d")});
  EXPECT_EQ(a.text(), "[b, a, null, c, d]");
}

TEST(AggregateCollectSet, StopsAtTheLimit) {
  Acc a("COLLECT_SET", {col(Type::bigint())});
  for (int i = 0; i < 1200; ++i) a.add({i64(i % 1100)});
  EXPECT_EQ(a.result().elements().size(), 1000u);
  a.reload();
}

// ---- TOPK, TOPKDISTINCT ---------------------------------------------------------------------

TEST(AggregateTopK, KeepsTheKLargestDescending) {
  // QTT topk-group-by.json "topk integer" and "topk string".
  Acc a("TOPK", {col(Type::integer()), lit(i32(3))});
  EXPECT_EQ(a.text(), "[]");
  EXPECT_EQ(
      run(a, {i32(0), i32(100), i32(99), i32(7), null_int(), i32(100)}),
      (Texts{"[0]", "[100, 0]", "[100, 99, 0]", "[100, 99, 7]", "[100, 99, 7]", "[100, 100, 99]"}));
  a.reload();
  Acc s("TOPK", {col(Type::string()), lit(i32(3))});
  EXPECT_EQ(run(s, {str("a"), str("b"), str("c"), str("b"), str("d")}),
            (Texts{"[a]", "[b, a]", "[c, b, a]", "[c, b, b]", "[d, c, b]"}));
  s.reload();
}

TEST(AggregateTopK, DoublesAndBigints) {
  Acc a("TOPK", {col(Type::double_()), lit(i32(2))});
  a.add_all({dbl(2147483648.9), dbl(100.5), dbl(99.9), dbl(100.5)});
  EXPECT_EQ(a.result(), Value::array(Type::double_(), {dbl(2147483648.9), dbl(100.5)}));
  a.reload();
  Acc b("TOPK", {col(Type::bigint()), lit(i32(1))});
  b.add_all({i64(-5), i64(2147483648), i64(7)});
  EXPECT_EQ(b.text(), "[2147483648]");
  b.reload();
}

TEST(AggregateTopK, StructFormKeepsTiesInArrivalOrder) {
  // QTT "topk integer struct": TOPK(value, name, 3).
  Acc a("TOPK", {col(Type::integer()), col(Type::string()), lit(i32(3))});
  auto row = [&](Value v, Value n) { a.add({std::move(v), std::move(n)}); };
  row(i32(0), str("zero"));
  row(i32(100), str("one"));
  row(i32(99), str("two"));
  row(null_int(), str("three"));
  EXPECT_EQ(a.text(),
            "[Struct{sort_col=100,col0=one}, Struct{sort_col=99,col0=two}, "
            "Struct{sort_col=0,col0=zero}]");
  row(i32(100), null_of(Type::string()));
  EXPECT_EQ(a.text(),
            "[Struct{sort_col=100,col0=one}, Struct{sort_col=100}, "
            "Struct{sort_col=99,col0=two}]");
  a.reload();
}

TEST(AggregateTopK, StructFormWithNestedColumns) {
  Type arr = Type::array(Type::bigint());
  Acc a("TOPK", {col(Type::string()), col(arr), col(Type::boolean()), lit(i32(2))});
  a.add({str("b"), Value::array(Type::bigint(), {i64(1), i64(2)}), Value::boolean(true)});
  a.add({str("a"), null_of(arr), Value::boolean(false)});
  a.add({str("c"), Value::array(Type::bigint(), {}), null_of(Type::boolean())});
  EXPECT_EQ(a.text(), "[Struct{sort_col=c,col0=[]}, Struct{sort_col=b,col0=[1, 2],col1=true}]");
  a.reload();
}

TEST(AggregateTopKDistinct, KeepsTheKLargestDistinct) {
  // QTT tumbling-windows.json "topkdistinct tumbling".
  Acc a("TOPKDISTINCT", {col(Type::double_()), lit(i32(2))});
  EXPECT_EQ(run(a, {dbl(0), dbl(100), dbl(10), dbl(100)}),
            (Texts{"[0.0]", "[100.0, 0.0]", "[100.0, 10.0]", "[100.0, 10.0]"}));
  a.reload();
  Acc d("TOPKDISTINCT", {col(Type::decimal(4, 1)), lit(i32(3))});
  d.add_all({dec(15, 4, 1), dec(-20, 4, 1), dec(15, 4, 1), dec(3, 4, 1), dec(100, 4, 1)});
  EXPECT_EQ(d.text(), "[10.0, 1.5, 0.3]");
  d.reload();
  Acc s("TOPKDISTINCT", {col(Type::string()), lit(i32(2))});
  s.add_all({str("x"), str("x"), str("y")});
  EXPECT_EQ(s.text(), "[y, x]");
}

// ---- HISTOGRAM ------------------------------------------------------------------------------

TEST(AggregateHistogram, CountsEachString) {
  Acc a("HISTOGRAM", {col(Type::string())});
  EXPECT_EQ(a.text(), "{}");
  a.add_all({str("b"), str("a"), str("b")});
  EXPECT_EQ(a.text(), "{a=1, b=2}");
  a.reload();
  a.remove({str("a")});
  a.remove({str("b")});
  a.remove({str("zz")});
  EXPECT_EQ(a.text(), "{b=1}");
  a.remove({str("b")});
  EXPECT_EQ(a.text(), "{}");
}

TEST(AggregateHistogram, CountsNullsUnderANullKey) {
  // ksqlDB's HistogramUdaf keeps a HashMap, where NULL is a key like any other
  // (HistogramUdafTest.shouldMergeCountsIncludingNulls).
  Acc a("HISTOGRAM", {col(Type::string())});
  a.add_all({str("b"), null_of(Type::string()), str("a"), null_of(Type::string())});
  Value r = a.result();
  ASSERT_EQ(r.map_keys().size(), 3u);
  EXPECT_TRUE(r.map_keys()[0].is_null());
  EXPECT_EQ(r.map_values()[0], i64(2));
  EXPECT_EQ(r.map_keys()[1], str("a"));
  EXPECT_EQ(r.map_keys()[2], str("b"));
  a.reload();
  a.remove({null_of(Type::string())});
  EXPECT_EQ(a.result().map_values()[0], i64(1));
  a.remove({null_of(Type::string())});
  a.remove({null_of(Type::string())});  // none left: nothing to remove
  EXPECT_EQ(a.text(), "{a=1, b=1}");
  a.reload();
}

TEST(AggregateHistogram, TheNullKeyCountsTowardsTheLimit) {
  Acc a("HISTOGRAM", {col(Type::string())});
  for (int i = 0; i < 999; ++i) a.add({str("k" + std::to_string(i))});
  a.add({null_of(Type::string())});
  a.add({str("late")});  // the 1001st key
  a.add({null_of(Type::string())});
  Value r = a.result();
  ASSERT_EQ(r.map_keys().size(), 1000u);
  EXPECT_TRUE(r.map_keys()[0].is_null());
  EXPECT_EQ(r.map_values()[0], i64(2));
  a.reload();

  Acc full("HISTOGRAM", {col(Type::string())});
  for (int i = 0; i < 1000; ++i) full.add({str("k" + std::to_string(i))});
  full.add({null_of(Type::string())});  // no room for the NULL key
  EXPECT_FALSE(full.result().map_keys()[0].is_null());
  EXPECT_EQ(full.result().map_keys().size(), 1000u);
}

TEST(AggregateHistogram, LimitsDistinctValues) {
  Acc a("HISTOGRAM", {col(Type::string())});
  for (int i = 0; i < 1001; ++i) a.add({str("k" + std::to_string(i))});
  a.add({str("k0")});
  a.add({str("k1000")});  // the 1001st distinct value is ignored
  Value r = a.result();
  ASSERT_EQ(r.map_keys().size(), 1000u);
  EXPECT_EQ(r.map_keys()[0], str("k0"));
  EXPECT_EQ(r.map_values()[0], i64(2));
  a.reload();
}

// ---- STDDEV_SAMP, STDDEV_SAMPLE, STDDEV_POP -------------------------------------------------

TEST(AggregateStddev, SampleAndPopulation) {
  std::vector<Value> xs;
  for (int v : {2, 4, 4, 4, 5, 5, 7, 9}) xs.push_back(i64(v));
  Acc samp("STDDEV_SAMP", {col(Type::bigint())});
  Acc sample("STDDEV_SAMPLE", {col(Type::bigint())});
  Acc pop("STDDEV_POP", {col(Type::bigint())});
  for (Acc* a : {&samp, &sample, &pop}) {
    a->add_all(xs);
    a->add({null_of(Type::bigint())});
    a->reload();
  }
  EXPECT_NEAR(samp.result().as_double(), 32.0 / 7, 1e-12);  // ksqlDB: the sample variance
  EXPECT_NEAR(sample.result().as_double(), std::sqrt(32.0 / 7), 1e-12);
  EXPECT_NEAR(pop.result().as_double(), 2.0, 1e-12);
}

TEST(AggregateStddev, FewValuesGiveZero) {
  Acc samp("STDDEV_SAMPLE", {col(Type::double_())});
  Acc pop("STDDEV_POP", {col(Type::double_())});
  EXPECT_EQ(samp.result(), dbl(0.0));
  EXPECT_EQ(pop.result(), dbl(0.0));
  samp.add({dbl(3.5)});
  pop.add({dbl(3.5)});
  EXPECT_EQ(samp.result(), dbl(0.0));
  EXPECT_EQ(pop.result(), dbl(0.0));
}

TEST(AggregateStddev, RetractUndoesUpdates) {
  Acc a("STDDEV_SAMPLE", {col(Type::double_())});
  a.add_all({dbl(1.5), dbl(10.25), dbl(-3.0), dbl(7.0)});
  a.remove({dbl(10.25)});
  a.remove({dbl(1.5)});
  Acc b("STDDEV_SAMPLE", {col(Type::double_())});
  b.add_all({dbl(-3.0), dbl(7.0)});
  EXPECT_NEAR(a.result().as_double(), b.result().as_double(), 1e-9);
  EXPECT_NEAR(a.result().as_double(), std::sqrt(50.0), 1e-9);
  a.reload();
  a.remove({dbl(-3.0)});
  a.remove({dbl(7.0)});
  EXPECT_EQ(a.result(), dbl(0.0));
  a.add_all({dbl(1), dbl(3)});
  EXPECT_NEAR(a.result().as_double(), std::sqrt(2.0), 1e-12);

  Acc i("STDDEV_POP", {col(Type::integer())});
  i.add_all({i32(1), i32(2), i32(3), i32(10)});
  i.remove({i32(10)});
  EXPECT_NEAR(i.result().as_double(), std::sqrt(2.0 / 3), 1e-12);
  i.reload();
}

// ---- CORRELATION ----------------------------------------------------------------------------

TEST(AggregateCorrelation, Pearson) {
  Acc a("CORRELATION", {col(Type::double_()), col(Type::double_())});
  EXPECT_TRUE(std::isnan(a.result().as_double()));  // 0/0, as ksqlDB's
  a.add({dbl(1), dbl(2)});
  EXPECT_TRUE(std::isnan(a.result().as_double()));
  a.add({dbl(2), dbl(4)});
  a.add({dbl(3), dbl(6)});
  a.add({dbl(4), null_of(Type::double_())});
  EXPECT_NEAR(a.result().as_double(), 1.0, 1e-12);
  a.add({dbl(4), dbl(-100)});
  a.reload();
  a.remove({dbl(4), dbl(-100)});
  EXPECT_NEAR(a.result().as_double(), 1.0, 1e-12);

  Acc b("CORRELATION", {col(Type::integer()), col(Type::bigint())});
  for (int i = 0; i < 5; ++i) b.add({i32(i), i64(10 - 2 * i)});
  EXPECT_NEAR(b.result().as_double(), -1.0, 1e-12);
  Acc c("CORRELATION", {col(Type::double_()), col(Type::double_())});
  c.add_all({});
  for (auto [x, y] : {std::pair{1.0, 2.0}, {2.0, 1.0}, {3.0, 4.0}, {4.0, 3.0}})
    c.add({dbl(x), dbl(y)});
  EXPECT_NEAR(c.result().as_double(), 0.6, 1e-12);
}

// ---- Durable form ---------------------------------------------------------------------------

TEST(AggregateDurableForm, MalformedInputIsCorruption) {
  Acc list("COLLECT_LIST", {col(Type::string())});
  list.add({str("hello")});
  std::string good = list.serialized();
  for (size_t cut = 0; cut < good.size(); ++cut) {
    EXPECT_EQ(list.load(good.substr(0, cut)).code(), StatusCode::kCorruption) << cut;
  }
  std::string bad = good;
  bad[2] = 7;  // the value's NULL tag
  EXPECT_EQ(list.load(bad).code(), StatusCode::kCorruption);

  Acc top("TOPK", {col(Type::integer()), lit(i32(1))});
  std::string two;
  two += '\x02';  // two entries where k is 1
  two += std::string("\x02\x00\x04\x00", 4);
  EXPECT_EQ(top.load(two).code(), StatusCode::kCorruption);

  Acc hist("HISTOGRAM", {col(Type::string())});
  EXPECT_EQ(hist.load(std::string("\x01\x01k\x00\x00", 5)).code(), StatusCode::kCorruption);  // 0
  EXPECT_EQ(hist.load(std::string("\x01\x01k\x02", 4)).code(),
            StatusCode::kCorruption);                                                // no NULLs
  EXPECT_EQ(hist.load(std::string("\x00\x01", 2)).code(), StatusCode::kCorruption);  // -1 NULLs
  EXPECT_TRUE(hist.load(std::string("\x01\x01k\x02\x04", 5)).is_ok());
  EXPECT_EQ(hist.text(), "{null=2, k=1}");

  Acc count("COUNT", {});
  EXPECT_EQ(count.load("").code(), StatusCode::kCorruption);
  EXPECT_TRUE(count.load("\x04").is_ok());
  EXPECT_EQ(count.text(), "2");
}

TEST(AggregateDurableForm, ResultsGoToTheRowAsked) {
  // Two groups finalized into one output vector: each row gets its own list.
  auto fn = *resolve("COLLECT_LIST", {col(Type::integer())});
  std::vector<std::max_align_t> a(fn->state_size() / sizeof(std::max_align_t) + 1);
  std::vector<std::max_align_t> b(a.size());
  auto* sa = reinterpret_cast<std::byte*>(a.data());
  auto* sb = reinterpret_cast<std::byte*>(b.data());
  fn->init(sa);
  fn->init(sb);
  format::Vector in(Type::integer(), 3);
  for (int i = 0; i < 3; ++i) format::write_value(in, i, i32(i + 1));
  const format::Vector* args[] = {&in};
  fn->update(sa, args, 0);
  fn->update(sb, args, 1);
  fn->update(sb, args, 2);
  format::Vector out(fn->result_type(), 2);
  fn->finalize(sb, out, 1);
  fn->finalize(sa, out, 0);
  EXPECT_EQ(format::read_value(out, 0).to_string(), "[1]");
  EXPECT_EQ(format::read_value(out, 1).to_string(), "[2, 3]");
  fn->destroy(sa);
  fn->destroy(sb);
}

}  // namespace
}  // namespace sluice::sql
