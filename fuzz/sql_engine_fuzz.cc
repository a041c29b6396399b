// libFuzzer target for the SQL engine (src/sql/engine): the fuzz input drives a generator of
// statements and records, so that what runs is mostly valid SQL over mostly plausible records,
// and the engine's planner, expression kernels, formats and query runtime see it all:
//
//   CREATE STREAM s (<random columns: every type, nested, KEY and HEADER columns>)
//     WITH (<random key and value formats and their options>);
//   CREATE STREAM o AS SELECT <typed random expressions: columns, literals, casts, CASE,
//     arithmetic, calls of the registry's functions with arguments of their parameter types>
//     FROM s [WHERE <boolean expression>] [PARTITION BY <expression>];
//   INSERT INTO s VALUES (<random literals>);      records: JSON of the schema with random
//   SELECT <expressions> FROM s;                    defects, or arbitrary bytes
//
// Statements may fail (a type error is a fine outcome); nothing may crash, leak or trip the
// sanitizers, and a failed statement must leave the engine usable.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sql/catalog/function_registry.h"
#include "sql/engine/engine.h"
#include "sql/engine/transient_query.h"
#include "sql/functions/builtins.h"
#include "sql/parser/parser.h"

namespace {

using sluice::format::Type;
using sluice::format::TypeId;

class NullSink final : public sluice::sql::TransientSink {
 public:
  bool cancelled() const override { return false; }
  bool full() const override { return false; }
  void row(std::string_view) override {}
  void end(sluice::sql::TransientEnd, std::string_view) override {}
};

struct Column {
  std::string name;
  Type type;
};

// The registry's fixed-arity overloads by the SQL spelling of their return type.
struct Overload {
  std::string name;
  std::vector<Type> params;
};

const std::map<std::string, std::vector<Overload>>& overloads_by_return() {
  static const auto* index = [] {
    auto* m = new std::map<std::string, std::vector<Overload>>();
    const auto& registry = sluice::sql::builtin_functions();
    for (const std::string& name : registry.names()) {
      if (registry.is_table_function(name)) continue;
      for (const auto& sig : registry.signatures(name)) {
        if (sig.custom) continue;
        (*m)[sig.return_type.to_string()].push_back({name, sig.params});
      }
    }
    return m;
  }();
  return *index;
}

class Generator {
 public:
  explicit Generator(FuzzedDataProvider& in) : in_(in) {}

  Type type(int depth = 0) {
    static constexpr TypeId kScalars[] = {
        TypeId::kBoolean, TypeId::kInteger, TypeId::kBigint,    TypeId::kDouble, TypeId::kString,
        TypeId::kBytes,   TypeId::kDecimal, TypeId::kTimestamp, TypeId::kDate,   TypeId::kTime};
    int pick = in_.ConsumeIntegralInRange<int>(0, depth < 2 ? 12 : 9);
    switch (pick) {
      case 10:
        return Type::array(type(depth + 1));
      case 11:
        return Type::map(Type::string(), type(depth + 1));
      case 12: {
        std::vector<sluice::format::Field> fields;
        int n = in_.ConsumeIntegralInRange<int>(1, 3);
        fields.reserve(n);
        for (int i = 0; i < n; ++i) fields.push_back({"F" + std::to_string(i), type(depth + 1)});
        return Type::struct_(std::move(fields));
      }
      default:
        break;
    }
    TypeId id = kScalars[pick];
    if (id == TypeId::kDecimal) {
      int precision = in_.ConsumeIntegralInRange<int>(1, 38);
      return Type::decimal(precision, in_.ConsumeIntegralInRange<int>(0, precision));
    }
    switch (id) {
      case TypeId::kBoolean:
        return Type::boolean();
      case TypeId::kInteger:
        return Type::integer();
      case TypeId::kBigint:
        return Type::bigint();
      case TypeId::kDouble:
        return Type::double_();
      case TypeId::kString:
        return Type::string();
      case TypeId::kBytes:
        return Type::bytes();
      case TypeId::kTimestamp:
        return Type::timestamp();
      case TypeId::kDate:
        return Type::date();
      default:
        return Type::time();
    }
  }

  std::string text(size_t max) {
    std::string s = in_.ConsumeRandomLengthString(max);
    std::string out;
    for (char c : s) {
      if (c == '\'') out += '\'';
      out += c;
    }
    return out;
  }

  std::string literal(const Type& t, int depth = 0) {
    if (in_.ConsumeIntegralInRange<int>(0, 9) == 0) {
      return in_.ConsumeBool() ? "NULL" : "CAST(NULL AS " + t.to_string() + ")";
    }
    switch (t.id()) {
      case TypeId::kBoolean:
        return in_.ConsumeBool() ? "TRUE" : "FALSE";
      case TypeId::kInteger:
        return std::to_string(in_.ConsumeIntegral<int32_t>());
      case TypeId::kBigint:
        return std::to_string(in_.ConsumeIntegral<int64_t>());
      case TypeId::kDouble:
        return std::to_string(in_.ConsumeFloatingPoint<double>()) + "E0";
      case TypeId::kDecimal:
        return "CAST('" + std::to_string(in_.ConsumeIntegral<int32_t>()) + "." +
               std::to_string(in_.ConsumeIntegralInRange<int>(0, 999)) + "' AS " + t.to_string() +
               ")";
      case TypeId::kString:
        return "'" + text(12) + "'";
      case TypeId::kBytes:
        return "TO_BYTES('" + text(8) + "', 'utf8')";
      case TypeId::kTimestamp:
        return "FROM_UNIXTIME(" + std::to_string(in_.ConsumeIntegral<int32_t>()) + ")";
      case TypeId::kDate:
        return "FROM_DAYS(" + std::to_string(in_.ConsumeIntegralInRange<int>(-1000, 30000)) + ")";
      case TypeId::kTime:
        return "CAST('" + std::to_string(in_.ConsumeIntegralInRange<int>(0, 23)) + ":" +
               std::to_string(in_.ConsumeIntegralInRange<int>(0, 59)) + ":00' AS TIME)";
      case TypeId::kArray: {
        std::string s = "ARRAY[";
        int n = depth > 2 ? 0 : in_.ConsumeIntegralInRange<int>(0, 3);
        for (int i = 0; i < n; ++i) s += (i ? ", " : "") + literal(t.element(), depth + 1);
        return s + "]";
      }
      case TypeId::kMap: {
        std::string s = "MAP(";
        int n = depth > 2 ? 0 : in_.ConsumeIntegralInRange<int>(0, 3);
        for (int i = 0; i < n; ++i) {
          s += (i ? ", " : "") + literal(t.key(), depth + 1) +
               " := " + literal(t.element(), depth + 1);
        }
        return s + ")";
      }
      case TypeId::kStruct: {
        std::string s = "STRUCT(";
        for (size_t i = 0; i < t.fields().size(); ++i) {
          s += (i ? ", " : "") + t.fields()[i].name +
               " := " + literal(t.fields()[i].type, depth + 1);
        }
        return s + ")";
      }
    }
    return "NULL";
  }

  // An expression of type `want` (or, rarely, of another type: the planner must say so).
  std::string expr(const Type& want, const std::vector<Column>& cols, int depth = 0) {
    int pick = in_.ConsumeIntegralInRange<int>(0, depth > 3 ? 1 : 8);
    switch (pick) {
      case 0:
        for (const Column& c : cols) {
          if (c.type == want && in_.ConsumeBool()) return c.name;
        }
        return literal(want);
      case 1:
        return literal(want);
      case 2: {
        const auto& index = overloads_by_return();
        auto it = index.find(want.to_string());
        if (it == index.end() || it->second.empty()) return literal(want);
        const Overload& o =
            it->second[in_.ConsumeIntegralInRange<size_t>(0, it->second.size() - 1)];
        std::string s = o.name + "(";
        for (size_t i = 0; i < o.params.size(); ++i) {
          s += (i ? ", " : "") + expr(o.params[i], cols, depth + 1);
        }
        return s + ")";
      }
      case 3:
        return "CAST(" + expr(type(1), cols, depth + 1) + " AS " + want.to_string() + ")";
      case 4:
        return "CASE WHEN " + expr(Type::boolean(), cols, depth + 1) + " THEN " +
               expr(want, cols, depth + 1) + " ELSE " + expr(want, cols, depth + 1) + " END";
      case 5:
        if (want.is_numeric()) {
          static constexpr const char* kOps[] = {" + ", " - ", " * ", " / ", " % "};
          return "(" + expr(want, cols, depth + 1) + kOps[in_.ConsumeIntegralInRange<int>(0, 4)] +
                 expr(want, cols, depth + 1) + ")";
        }
        if (want.id() == TypeId::kBoolean) {
          static constexpr const char* kOps[] = {" = ", " <> ", " < ", " >= ", " AND ", " OR "};
          Type operand = in_.ConsumeBool() ? Type::boolean() : type(1);
          return "(" + expr(operand, cols, depth + 1) +
                 kOps[in_.ConsumeIntegralInRange<int>(0, 5)] + expr(operand, cols, depth + 1) + ")";
        }
        return expr(want, cols, depth + 1);
      case 6:
        if (want.id() == TypeId::kBoolean) {
          Type operand = type(1);
          return "(" + expr(operand, cols, depth + 1) +
                 (in_.ConsumeBool() ? " IS NULL)" : " IS NOT NULL)");
        }
        return expr(want, cols, depth + 1);
      case 7:
        for (const Column& c : cols) {
          if (c.type.id() == TypeId::kStruct && in_.ConsumeBool()) {
            for (const auto& f : c.type.fields()) {
              if (f.type == want) return c.name + "->" + f.name;
            }
          }
          if (c.type.id() == TypeId::kArray && c.type.element() == want && in_.ConsumeBool()) {
            return c.name + "[" + std::to_string(in_.ConsumeIntegralInRange<int>(-3, 3)) + "]";
          }
        }
        return expr(want, cols, depth + 1);
      default:
        return expr(type(1), cols, depth + 1);  // most likely a type error
    }
  }

  // A JSON value for `t`, sometimes of the wrong shape.
  std::string json(const Type& t, int depth = 0) {
    int defect = in_.ConsumeIntegralInRange<int>(0, 15);
    if (defect == 0) return "null";
    if (defect == 1) return "\"" + text(6) + "\"";
    if (defect == 2) return std::to_string(in_.ConsumeIntegral<int64_t>());
    switch (t.id()) {
      case TypeId::kBoolean:
        return in_.ConsumeBool() ? "true" : "false";
      case TypeId::kInteger:
      case TypeId::kBigint:
      case TypeId::kTimestamp:
      case TypeId::kDate:
      case TypeId::kTime:
        return std::to_string(in_.ConsumeIntegral<int64_t>());
      case TypeId::kDouble:
      case TypeId::kDecimal:
        return std::to_string(in_.ConsumeFloatingPoint<double>());
      case TypeId::kString:
      case TypeId::kBytes: {
        std::string s = "\"";
        for (char c : in_.ConsumeRandomLengthString(10)) {
          if (c == '"' || c == '\\') s += '\\';
          s += c;
        }
        return s + "\"";
      }
      case TypeId::kArray: {
        std::string s = "[";
        int n = depth > 2 ? 0 : in_.ConsumeIntegralInRange<int>(0, 3);
        for (int i = 0; i < n; ++i) s += (i ? "," : "") + json(t.element(), depth + 1);
        return s + "]";
      }
      case TypeId::kMap: {
        std::string s = "{";
        int n = depth > 2 ? 0 : in_.ConsumeIntegralInRange<int>(0, 3);
        for (int i = 0; i < n; ++i) {
          s += (i ? "," : "") + std::string("\"k") + std::to_string(i) +
               "\":" + json(t.element(), depth + 1);
        }
        return s + "}";
      }
      case TypeId::kStruct: {
        std::string s = "{";
        for (size_t i = 0; i < t.fields().size(); ++i) {
          s += (i ? "," : "") + std::string("\"") + t.fields()[i].name +
               "\":" + json(t.fields()[i].type, depth + 1);
        }
        return s + "}";
      }
    }
    return "null";
  }

 private:
  FuzzedDataProvider& in_;
};

}  // namespace

namespace {

// SLUICE_FUZZ_VERBOSE=1 prints each statement and its outcome (to read what a crashing input
// ran, or how much of the generated SQL is valid).
void trace(const std::string& sql, const sluice::Status& st) {
  static const bool kVerbose = std::getenv("SLUICE_FUZZ_VERBOSE") != nullptr;
  if (kVerbose) std::fprintf(stderr, "%s\n  -> %s\n", sql.c_str(), st.to_string().c_str());
}

sluice::Status run(sluice::sql::Engine& engine, const std::string& sql) {
  sluice::Status st = engine.execute_script(sql);
  trace(sql, st);
  return st;
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): libFuzzer looks the entry point up by this name.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sluice::sql;
  FuzzedDataProvider in(data, size);
  Generator gen(in);

  // The source.
  static constexpr const char* kValueFormats[] = {"JSON", "DELIMITED", "KAFKA"};
  static constexpr const char* kKeyFormats[] = {"KAFKA", "JSON", "DELIMITED", "NONE"};
  const char* value_format = kValueFormats[in.ConsumeIntegralInRange<int>(0, 2)];
  const char* key_format = kKeyFormats[in.ConsumeIntegralInRange<int>(0, 3)];
  std::vector<Column> cols;
  std::string ddl = "CREATE STREAM S (";
  bool keyed = in.ConsumeBool() && std::string(key_format) != "NONE";
  if (keyed) {
    Type kt = gen.type(2);
    cols.push_back({"K", kt});
    ddl += "K " + kt.to_string() + " KEY, ";
  }
  int n = in.ConsumeIntegralInRange<int>(1, 5);
  std::vector<Column> values;
  for (int i = 0; i < n; ++i) {
    Type t = gen.type();
    cols.push_back({"C" + std::to_string(i), t});
    values.push_back(cols.back());
    ddl += (i ? ", " : "") + std::string("C") + std::to_string(i) + " " + t.to_string();
  }
  if (in.ConsumeBool()) ddl += ", H BYTES HEADER('h')";
  if (in.ConsumeBool()) ddl += ", HS ARRAY<STRUCT<KEY STRING, VALUE BYTES>> HEADERS";
  ddl += std::string(") WITH (kafka_topic='s', partitions=") +
         std::to_string(in.ConsumeIntegralInRange<int>(1, 3)) + ", value_format='" + value_format +
         "', key_format='" + key_format + "'";
  if (in.ConsumeIntegralInRange<int>(0, 3) == 0) {
    ddl += in.ConsumeBool() ? ", WRAP_SINGLE_VALUE=false" : ", VALUE_DELIMITER='|'";
  }
  ddl += ");";

  // The persistent query.
  // ksqlDB wants the key in the projection (unless PARTITION BY re-keys).
  std::string query = std::string("CREATE STREAM O AS SELECT ") + (keyed ? "K, " : "");
  int m = in.ConsumeIntegralInRange<int>(1, 4);
  for (int i = 0; i < m; ++i) {
    query += (i ? ", " : "") + gen.expr(gen.type(), cols) + " AS E" + std::to_string(i);
  }
  query += " FROM S";
  if (in.ConsumeBool()) query += " WHERE " + gen.expr(Type::boolean(), cols);
  if (in.ConsumeIntegralInRange<int>(0, 3) == 0)
    query += " PARTITION BY " + gen.expr(gen.type(2), cols);
  query += ";";

  MemoryTopicStore store;
  EngineOptions options;
  options.auto_create_source_topics = true;
  options.auto_offset_reset = OffsetReset::kEarliest;
  Engine engine(store, options);
  if (!run(engine, ddl).is_ok()) return 0;
  run(engine, query).ignore_error();

  // Records: JSON of the schema with defects, delimited text, or arbitrary bytes; some inserted
  // by statement.
  int records = in.ConsumeIntegralInRange<int>(0, 8);
  for (int r = 0; r < records && in.remaining_bytes() > 0; ++r) {
    if (in.ConsumeIntegralInRange<int>(0, 4) == 0) {
      // Named columns: header columns cannot be inserted into.
      std::string names, literals;
      for (size_t i = 0; i < cols.size(); ++i) {
        names += (i ? ", " : "") + cols[i].name;
        literals += (i ? ", " : "") + gen.literal(cols[i].type);
      }
      std::string insert = "INSERT INTO S (";
      insert.append(names).append(") VALUES (").append(literals).append(");");
      run(engine, insert).ignore_error();
      continue;
    }
    TopicRecord rec;
    rec.timestamp = in.ConsumeIntegral<int64_t>();
    if (in.ConsumeBool()) rec.key = in.ConsumeRandomLengthString(16);
    int shape = in.ConsumeIntegralInRange<int>(0, 3);
    if (shape == 0) {
      rec.value = in.ConsumeRandomLengthString(64);
    } else if (shape == 1 && !values.empty()) {
      std::string line;
      for (size_t i = 0; i < values.size(); ++i) line += (i ? "," : "") + gen.text(8);
      rec.value = line;
    } else if (shape == 2) {
      rec.value = std::nullopt;
    } else {
      std::string obj = "{";
      for (size_t i = 0; i < values.size(); ++i) {
        obj +=
            (i ? "," : "") + std::string("\"") + values[i].name + "\":" + gen.json(values[i].type);
      }
      rec.value = obj + "}";
    }
    if (in.ConsumeBool()) rec.headers.emplace_back("h", in.ConsumeRandomLengthString(8));
    std::vector<TopicRecord> one;
    one.push_back(std::move(rec));
    store.append("s", 0, std::move(one)).ignore_error();
  }
  auto polled = engine.poll();
  trace("(poll)", polled.status());

  // A transient scan of the same source.
  std::string scan = "SELECT " + gen.expr(gen.type(), cols) + " AS X FROM S;";
  if (auto stmt = parse_statement(scan); stmt.is_ok()) {
    if (const auto* q = (*stmt)->if_as<QueryStatement>()) {
      engine.start_transient(q->query, scan, std::make_shared<NullSink>()).ignore_error();
      engine.poll_transients().ignore_error();
    }
  }
  return 0;
}
