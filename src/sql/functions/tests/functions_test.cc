// Built-in functions and CAST on single values, called through the registry's kernels.
#include <gtest/gtest.h>

#include <cmath>

#include "format/value.h"
#include "sql/functions/builtins.h"
#include "sql/functions/cast.h"
#include "sql/functions/time_format.h"

namespace sluice::sql {
namespace {

using format::Type;
using format::Value;

// Calls function `name` on one row of constant arguments; returns the result's text.
std::string call(const std::string& name, std::vector<Value> args) {
  std::vector<ArgInfo> infos;
  infos.reserve(args.size());
  for (const Value& a : args) infos.push_back({a.type(), false, &a});
  auto fn = builtin_functions().resolve(name, infos);
  if (!fn) return "ERROR " + fn.status().message();
  std::vector<format::Vector> vectors;
  for (size_t i = 0; i < args.size(); ++i) {
    auto cast = cast_value(args[i], (*fn)->param_types[i]);
    vectors.emplace_back((*fn)->param_types[i], 1);
    format::write_value(vectors.back(), 0, *cast);
  }
  std::vector<const format::Vector*> ptrs;
  ptrs.reserve(vectors.size());
  for (const auto& v : vectors) ptrs.push_back(&v);
  format::Vector out((*fn)->return_type, 1);
  const uint32_t rows[] = {0};
  KernelContext ctx{ptrs, rows, out, **fn};
  (*fn)->kernel(ctx);
  return format::read_value(out, 0).to_string();
}

// Like call(), for a function returning BYTES: the result as a value.
Value call_bytes(const std::string& name, std::vector<Value> args) {
  std::vector<ArgInfo> infos;
  infos.reserve(args.size());
  for (const Value& a : args) infos.push_back({a.type(), false, &a});
  auto fn = builtin_functions().resolve(name, infos);
  if (!fn) return Value::null(Type::bytes());
  std::vector<format::Vector> vectors;
  for (size_t i = 0; i < args.size(); ++i) {
    vectors.emplace_back((*fn)->param_types[i], 1);
    format::write_value(vectors.back(), 0, args[i]);
  }
  std::vector<const format::Vector*> ptrs;
  ptrs.reserve(vectors.size());
  for (const auto& v : vectors) ptrs.push_back(&v);
  format::Vector out((*fn)->return_type, 1);
  const uint32_t rows[] = {0};
  KernelContext ctx{ptrs, rows, out, **fn};
  (*fn)->kernel(ctx);
  return format::read_value(out, 0);
}

// NOLINTBEGIN(readability-identifier-naming): one-letter constructors, like the registry's
// type letters, keep the call tables below readable.
Value S(const char* s) {
  return Value::string(s);
}
Value I(int32_t i) {
  return Value::integer(i);
}
// NOLINTEND(readability-identifier-naming)

TEST(Functions, Strings) {
  EXPECT_EQ(call("SUBSTRING", {S("hello"), I(2)}), "ello");
  EXPECT_EQ(call("SUBSTRING", {S("hello"), I(-2), I(5)}), "lo");
  EXPECT_EQ(call("SUBSTRING", {S("héllo"), I(2), I(2)}), "él");
  EXPECT_EQ(call("TRIM", {S("  a b  ")}), "a b");
  EXPECT_EQ(call("LPAD", {S("7"), I(3), S("0")}), "007");
  EXPECT_EQ(call("INSTR", {S("CORPORATE FLOOR"), S("OR"), I(-3), I(2)}), "2");
  EXPECT_EQ(call("INSTR", {Value::null(Type::string()), S("OR")}), "0");  // ksqlDB: 0, not NULL
  EXPECT_EQ(call("CHR", {S("\\u004b")}), "K");
  EXPECT_EQ(call("CHR", {S("\\ud83d\\ude00")}), "\xF0\x9F\x98\x80");  // a surrogate pair
  EXPECT_EQ(call("CHR", {S("K")}), "null");
  EXPECT_EQ(call("CHR", {I(0xD800)}), "null");
  EXPECT_EQ(call("LPAD", {Value::bytes("ab"), I(5), Value::bytes("xy")}), "eHl4YWI=");  // xyxab
  EXPECT_EQ(call("RPAD", {Value::bytes("abcdef"), I(3), Value::bytes("x")}), "YWJj");   // abc
  EXPECT_EQ(call("LPAD", {S("ab"), I(7), S("xyz")}), "xyzxyab");
  EXPECT_EQ(call("RPAD", {S("é"), I(4), S("ñü")}), "éñüñ");  // code points, not bytes
  EXPECT_EQ(call("RPAD", {Value::bytes("a"), I(4), Value::bytes("xy")}), "YXh5eA==");  // axyx
  // A length no record could carry fails at once (NULL, an error) instead of building it
  // (before, LPAD to two billion characters went on for minutes).
  EXPECT_EQ(call("LPAD", {S("a"), I(2000000000), S("x")}), "null");
  EXPECT_EQ(call("RPAD", {Value::bytes("a"), I(2000000000), Value::bytes("x")}), "null");
  EXPECT_EQ(call("REPLACE", {S("abc"), S(""), S("-")}), "-a-b-c-");  // Java's replace("", ..)
  EXPECT_EQ(call("REPLACE", {S(""), S(""), S("-")}), "-");
  // Lengths and positions count Java chars: a character outside the BMP counts 2.
  EXPECT_EQ(call("LEN", {S("a\xF0\x9F\x98\x80"
                           "b")}),
            "4");
  EXPECT_EQ(call("LEN", {S("h\xC3\xA9")}), "2");
  EXPECT_EQ(call("SUBSTRING", {S("a\xF0\x9F\x98\x80"
                                 "b"),
                               I(4)}),
            "b");
  EXPECT_EQ(call("SUBSTRING", {S("a\xF0\x9F\x98\x80"
                                 "b"),
                               I(2), I(2)}),
            "\xF0\x9F\x98\x80");
  EXPECT_EQ(call("INSTR", {S("a\xF0\x9F\x98\x80"
                             "b"),
                           S("b")}),
            "4");
  // SUBSTRING from position 0 starts at the first character, as from 1 (ksqlDB).
  EXPECT_EQ(call("SUBSTRING", {S("hello"), I(0)}), "hello");
  EXPECT_EQ(call("SUBSTRING", {S("hello"), I(0), I(2)}), "he");
  EXPECT_EQ(call("SUBSTRING", {S("hello"), I(-9)}), "hello");
  EXPECT_EQ(call("SUBSTRING", {S("hello"), I(9)}), "");
  EXPECT_EQ(call("REPLACE", {S("a.b.c"), S("."), S("::")}), "a::b::c");
  EXPECT_EQ(call("INITCAP", {S("hello wORLD")}), "Hello World");
  // Leading blanks go, blanks between and after words stay (ksqlDB's \S+\s* matching).
  EXPECT_EQ(call("INITCAP", {S("  élan  vITAL ")}), "Élan  Vital ");
  // Unicode case mapping, as Java's toUpperCase / toLowerCase.
  EXPECT_EQ(call("UCASE", {S("héllo straße")}), "HÉLLO STRASSE");
  EXPECT_EQ(call("LCASE", {S("ÉCOLE")}), "école");
  EXPECT_EQ(call("CONCAT_WS", {S("-"), S("a"), Value::null(Type::string()), S("b")}), "a-b");
}

TEST(Functions, Math) {
  EXPECT_EQ(call("ROUND", {Value::double_(-1.5)}), "-1");
  // Java's double-to-long saturates (and NaN is 0): no undefined C++ conversion.
  EXPECT_EQ(call("ROUND", {Value::double_(3e30)}), "9223372036854775807");
  EXPECT_EQ(call("TRUNC", {Value::double_(-3e30)}), "-9223372036854775808");
  EXPECT_EQ(call("ROUND", {Value::double_(std::nan(""))}), "0");
  EXPECT_EQ(call("ROUND", {Value::double_(1.25), I(1)}), "1.3");
  EXPECT_EQ(call("ROUND", {Value::decimal(12345, 5, 2)}), "123");
  EXPECT_EQ(call("FLOOR", {Value::decimal(-125, 3, 1)}), "-13.0");
  EXPECT_EQ(call("ABS", {Value::bigint(-4)}), "4");
  EXPECT_EQ(call("SIGN", {Value::double_(-0.5)}), "-1");
  EXPECT_EQ(call("LOG", {Value::double_(8), Value::double_(64)}), "2.0");
  EXPECT_EQ(call("GREATEST", {I(3), Value::bigint(9), I(4)}), "9");
}

TEST(Functions, DatesAndTimes) {
  EXPECT_EQ(call("TIMESTAMPTOSTRING", {Value::bigint(1526075913000), S("yyyy-MM-dd HH:mm:ss zzz"),
                                       S("America/Los_Angeles")}),
            "2018-05-11 14:58:33 PDT");
  EXPECT_EQ(call("STRINGTOTIMESTAMP", {S("2018-05-11T21:58:33Z"), S("yyyy-MM-dd'T'HH:mm:ssX")}),
            "1526075913000");
  // A zone name is its zone: PST in May resolves with daylight time, as java.time does.
  EXPECT_EQ(
      call("STRINGTOTIMESTAMP", {S("2018-05-11T21:58:33 PST"), S("yyyy-MM-dd'T'HH:mm:ss zzz")}),
      "1526101113000");
  EXPECT_EQ(
      call("STRINGTOTIMESTAMP", {S("2018-01-11T21:58:33 PST"), S("yyyy-MM-dd'T'HH:mm:ss zzz")}),
      "1515736713000");
  EXPECT_EQ(call("PARSE_DATE", {S("2003-12-24"), S("yyyy-MM-dd")}), "12410");
  EXPECT_EQ(call("TIMESTAMPADD", {S("SECONDS"), I(5), Value::timestamp(1000)}), "6000");
  EXPECT_EQ(call("STRINGTOTIMESTAMP", {S("nope"), S("yyyy")}), "null");
  // TIME as text (CAST): ksqlDB's LocalTime.ofSecondOfDay(ms / 1000).toString().
  EXPECT_EQ(format_iso_time(79113123), "21:58:33");
  EXPECT_EQ(format_iso_time(18360000), "05:06");
  EXPECT_EQ(format_iso_time(0), "00:00");
  EXPECT_FALSE(is_valid_zone("Mars/Olympus"));
  // Letters java.time does not define make the pattern invalid (NULL), quoted text does not.
  EXPECT_EQ(format_timestamp(0, "invalid pattern"), std::nullopt);
  EXPECT_EQ(format_timestamp(0, "yyyy 'it is' HH"), "1970 it is 00");
  EXPECT_EQ(format_timestamp(0, "yyyy-MM-dd'T'HH:mm:ss.SSSX"), "1970-01-01T00:00:00.000Z");
  // Short zone names as Java writes them for Locale.US, beyond the US zones ICU's en_US names.
  const int64_t may = 1526075913000, jan = 1515000000000;
  EXPECT_EQ(format_timestamp(may, "MMM z", "Europe/Paris"), "May CEST");
  EXPECT_EQ(format_timestamp(jan, "z", "Europe/Paris"), "CET");
  EXPECT_EQ(format_timestamp(may, "z", "Europe/London"), "BST");
  EXPECT_EQ(format_timestamp(may, "z", "Asia/Tokyo"), "JST");
  EXPECT_EQ(format_timestamp(may, "z", "Asia/Kolkata"), "IST");
  EXPECT_EQ(format_timestamp(may, "z", "Australia/Sydney"), "AEST");
  EXPECT_EQ(format_timestamp(may, "z", "America/Los_Angeles"), "PDT");
  EXPECT_EQ(format_timestamp(may, "z", "UTC"), "UTC");
  EXPECT_EQ(format_timestamp(may, "zzzz", "Europe/Paris"), "Central European Summer Time");
}

TEST(Functions, BytesEncodingsAsKsqlDb) {
  Value b =
      Value::bytes(std::string("\xff\x00"
                               "A",
                               3));
  EXPECT_EQ(call("FROM_BYTES", {b, S("hex")}), "FF0041");
  // Guava's base16 decodes upper-case digits only.
  EXPECT_EQ(call("FROM_BYTES", {Value::bytes("\x0a"), S("hex")}), "0A");
  EXPECT_EQ(call("TO_BYTES", {S("0a"), S("hex")}), "null");
  // Java's String conversions replace what they cannot map.
  EXPECT_EQ(call("FROM_BYTES", {b, S("utf8")}), std::string("\xEF\xBF\xBD\x00"
                                                            "A",
                                                            5));
  EXPECT_EQ(call("FROM_BYTES", {b, S("ascii")}), std::string("\xEF\xBF\xBD\x00"
                                                             "A",
                                                             5));
  EXPECT_EQ(call("FROM_BYTES", {call_bytes("TO_BYTES", {S("h\xC3\xA9"), S("ascii")}), S("utf8")}),
            "h?");
  // MIME base64: 76-character lines joined by CRLF; decoding skips the line breaks.
  std::string long_text(60, 'x');
  std::string encoded = call("FROM_BYTES", {Value::bytes(long_text), S("base64")});
  EXPECT_EQ(encoded.size(), 82u);
  EXPECT_EQ(encoded.substr(76, 2), "\r\n");
  EXPECT_EQ(
      call("FROM_BYTES", {call_bytes("TO_BYTES", {S(encoded.c_str()), S("base64")}), S("utf8")}),
      long_text);
}

TEST(Functions, RegexJsonCollections) {
  EXPECT_EQ(call("REGEXP_EXTRACT", {S("(\\w+) (\\w+)"), S("andy coates"), I(2)}), "coates");
  EXPECT_EQ(call("REGEXP_REPLACE", {S("a1b22"), S("\\d+"), S("#")}), "a#b#");
  EXPECT_EQ(call("REGEXP_SPLIT_TO_ARRAY", {S("aabcda"), S("(ab|cd)")}), "[a, , a]");
  EXPECT_EQ(call("EXTRACTJSONFIELD", {S("{\"a\": {\"b\": [1, 2.50]}}"), S("$.a.b[1]")}), "2.50");
  EXPECT_EQ(call("EXTRACTJSONFIELD", {S("{\"a\": \"x\\\"y\"}"), S("$.a")}), "x\"y");
  EXPECT_EQ(call("EXTRACTJSONFIELD", {S("{\"a\": 1}"), S("$.b")}), "null");
  Value arr = Value::array(Type::integer(), {I(3), I(1), I(2)});
  EXPECT_EQ(call("ARRAY_SORT", {arr}), "[1, 2, 3]");
  EXPECT_EQ(call("ARRAY_SORT", {arr, S("descending")}), "[3, 2, 1]");
  EXPECT_EQ(call("ARRAY_SORT", {arr, S("up")}), "null");  // ksqlDB: unknown direction
  EXPECT_EQ(call("ARRAY_JOIN", {arr, Value::null(Type::string())}), "312");
  EXPECT_EQ(call("ARRAY_MAX", {arr}), "3");
  EXPECT_EQ(call("ARRAY_CONTAINS", {arr, I(2)}), "true");
  EXPECT_EQ(call("GEO_DISTANCE", {Value::double_(37.4439), Value::double_(-122.1663),
                                  Value::double_(51.5257), Value::double_(-0.1122), S("MI")})
                .substr(0, 9),
            "5365.6597");
}

TEST(Cast, Values) {
  EXPECT_EQ(cast_value(S(" 12 "), Type::integer())->to_string(), "12");
  EXPECT_FALSE(cast_value(S("x"), Type::integer()).is_ok());
  EXPECT_EQ(cast_value(Value::double_(3.99), Type::integer())->to_string(), "3");
  EXPECT_EQ(cast_value(Value::bigint(2147483648LL), Type::integer())->to_string(), "-2147483648");
  EXPECT_EQ(cast_value(Value::decimal(1250, 4, 2), Type::decimal(3, 1))->to_string(), "12.5");
  EXPECT_EQ(cast_value(S("2022-04-28T21:44:47.943Z"), Type::timestamp())->as_bigint(),
            1651182287943);
  EXPECT_EQ(value_to_cast_string(Value::timestamp(1651182287943)), "2022-04-28T21:44:47.943");
  EXPECT_EQ(cast_value(Value::boolean(true), Type::string())->to_string(), "true");
  EXPECT_FALSE(can_cast(Type::string(), Type::array(Type::integer())));
}

}  // namespace
}  // namespace sluice::sql
