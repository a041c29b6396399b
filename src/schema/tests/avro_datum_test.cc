// Avro datums to and from plain JSON: known byte encodings (worked out by hand from the
// specification's binary encoding), round trips of every type, the choices the mapping makes
// (union branches, defaults, field names), and decoding of truncated and hostile input.
#include "schema/avro_datum.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "schema/avro_binary.h"
#include "schema/avro_schema.h"

namespace sluice::schema {
namespace {

using Json = nlohmann::json;

std::string hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (const char c : bytes) {
    if (!out.empty()) out += ' ';
    out += kDigits[static_cast<unsigned char>(c) >> 4];
    out += kDigits[static_cast<unsigned char>(c) & 0xF];
  }
  return out;
}

// "04 04 d2" -> the bytes.
std::string unhex(std::string_view text) {
  std::string out;
  const auto digit = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  for (size_t i = 0; i + 1 < text.size(); i += 3) {
    out += static_cast<char>(digit(text[i]) << 4 | digit(text[i + 1]));
  }
  return out;
}

AvroSchema schema_of(std::string_view json) {
  auto s = AvroSchema::parse(json);
  EXPECT_TRUE(s.is_ok()) << json << ": " << s.status().to_string();
  return s.is_ok() ? *s : *AvroSchema::parse("\"null\"");
}

// The encoding of `value` (JSON text) as a datum of `schema` (JSON text) in hex, or
// "ERROR: <message>".
std::string enc(std::string_view schema, std::string_view value) {
  const AvroSchema s = schema_of(schema);
  std::string out;
  const Status st = avro_encode_json(s.root(), Json::parse(value), out);
  if (!st.is_ok()) {
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
    EXPECT_TRUE(out.empty()) << "a failed encoding left bytes behind";
    return "ERROR: " + st.message();
  }
  return hex(out);
}

// The datum decoded from `bytes` as compact JSON text, or "ERROR: <message>". The datum must use
// all of the bytes.
std::string dec_bytes(std::string_view schema, std::string_view bytes) {
  const AvroSchema s = schema_of(schema);
  AvroReader in(bytes);
  auto r = avro_decode_json(s.root(), in);
  if (!r.is_ok()) {
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    return "ERROR: " + r.status().message();
  }
  EXPECT_TRUE(in.at_end()) << "bytes left after the datum: " << in.remaining();
  return r->dump();
}

std::string dec(std::string_view schema, std::string_view hex_bytes) {
  return dec_bytes(schema, unhex(hex_bytes));
}

// Encodes, then decodes: the JSON that comes back, as compact text.
std::string round_trip(std::string_view schema, std::string_view value) {
  std::string e = enc(schema, value);
  if (e.rfind("ERROR", 0) == 0) return e;
  return dec(schema, e);
}

std::string long_bytes(std::int64_t v) {
  std::string out;
  avro_write_long(v, out);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Primitives

TEST(AvroDatumTest, PrimitiveEncodings) {
  EXPECT_EQ(enc(R"("null")", "null"), "");
  EXPECT_EQ(enc(R"("boolean")", "true"), "01");
  EXPECT_EQ(enc(R"("boolean")", "false"), "00");
  EXPECT_EQ(enc(R"("long")", "0"), "00");
  EXPECT_EQ(enc(R"("long")", "1"), "02");
  EXPECT_EQ(enc(R"("long")", "-1"), "01");
  EXPECT_EQ(enc(R"("long")", "63"), "7e");
  EXPECT_EQ(enc(R"("long")", "64"), "80 01");
  EXPECT_EQ(enc(R"("long")", "-64"), "7f");
  EXPECT_EQ(enc(R"("long")", "-65"), "81 01");
  EXPECT_EQ(enc(R"("long")", "9223372036854775807"), "fe ff ff ff ff ff ff ff ff 01");
  EXPECT_EQ(enc(R"("long")", "-9223372036854775808"), "ff ff ff ff ff ff ff ff ff 01");
  EXPECT_EQ(enc(R"("int")", "2147483647"), "fe ff ff ff 0f");
  EXPECT_EQ(enc(R"("int")", "-2147483648"), "ff ff ff ff 0f");
  EXPECT_EQ(enc(R"("float")", "1.0"), "00 00 80 3f");
  EXPECT_EQ(enc(R"("float")", "1"), "00 00 80 3f");
  EXPECT_EQ(enc(R"("double")", "1.0"), "00 00 00 00 00 00 f0 3f");
  EXPECT_EQ(enc(R"("double")", "-2"), "00 00 00 00 00 00 00 c0");
  EXPECT_EQ(enc(R"("string")", R"("foo")"), "06 66 6f 6f");
  EXPECT_EQ(enc(R"("string")", R"("")"), "00");
  EXPECT_EQ(enc(R"("string")", R"("é")"), "04 c3 a9");
  EXPECT_EQ(enc(R"("bytes")", R"("AQI=")"), "04 01 02");
  EXPECT_EQ(enc(R"("bytes")", R"("")"), "00");
  // Object forms of primitive schemas, and logical types over int and long.
  EXPECT_EQ(enc(R"({"type":"long"})", "64"), "80 01");
  EXPECT_EQ(enc(R"({"type":"int","logicalType":"date"})", "19000"), "f0 a8 02");
  EXPECT_EQ(enc(R"({"type":"long","logicalType":"timestamp-millis"})", "1"), "02");
}

TEST(AvroDatumTest, PrimitiveRoundTrips) {
  EXPECT_EQ(round_trip(R"("null")", "null"), "null");
  EXPECT_EQ(round_trip(R"("boolean")", "true"), "true");
  EXPECT_EQ(round_trip(R"("int")", "-123456"), "-123456");
  EXPECT_EQ(round_trip(R"("long")", "-9223372036854775808"), "-9223372036854775808");
  EXPECT_EQ(round_trip(R"("long")", "9223372036854775807"), "9223372036854775807");
  EXPECT_EQ(round_trip(R"("double")", "3.141592653589793"), "3.141592653589793");
  EXPECT_EQ(round_trip(R"("double")", "1e300"), "1e+300");
  // A float shows as its own shortest text, not as the double nearest to it.
  EXPECT_EQ(round_trip(R"("float")", "1.1"), "1.1");
  EXPECT_EQ(round_trip(R"("float")", "-0.5"), "-0.5");
  EXPECT_EQ(round_trip(R"("float")", "16777217"), "16777216.0");
  EXPECT_EQ(round_trip(R"("string")", R"("h\u00e9llo \ud83d\ude00")"),
            "\"h\xC3\xA9llo \xF0\x9F\x98\x80\"");
  EXPECT_EQ(round_trip(R"("bytes")", R"("AAEC/w==")"), R"("AAEC/w==")");
  EXPECT_EQ(round_trip(R"({"type":"int","logicalType":"time-millis"})", "3600000"), "3600000");
  EXPECT_EQ(round_trip(R"({"type":"long","logicalType":"timestamp-micros"})", "1700000000000000"),
            "1700000000000000");
  EXPECT_EQ(round_trip(R"({"type":"long","logicalType":"time-micros"})", "5"), "5");
}

TEST(AvroDatumTest, IntegersAcceptIntegralFloatsOnly) {
  EXPECT_EQ(enc(R"("int")", "4.0"), "08");
  EXPECT_EQ(enc(R"("long")", "-1e3"), "cf 0f");
  EXPECT_EQ(enc(R"("int")", "4.5"), "ERROR: expected int, got 4.5");
  EXPECT_EQ(enc(R"("long")", R"("5")"), "ERROR: expected long, got \"5\"");
  EXPECT_EQ(enc(R"("int")", "true"), "ERROR: expected int, got true");
  EXPECT_EQ(enc(R"("int")", "null"), "ERROR: expected int, got null");
  EXPECT_EQ(enc(R"("int")", "2147483648"), "ERROR: 2147483648 is out of range for int");
  EXPECT_EQ(enc(R"("int")", "-2147483649"), "ERROR: -2147483649 is out of range for int");
  EXPECT_EQ(enc(R"("long")", "2147483648"), "80 80 80 80 10");
  EXPECT_EQ(enc(R"("long")", "18446744073709551615"),
            "ERROR: expected long, got 18446744073709551615");
  EXPECT_EQ(enc(R"("long")", "9.3e18"), "ERROR: expected long, got 9.3e+18");
  EXPECT_EQ(enc(R"({"type":"int","logicalType":"date"})", R"("2024-01-01")"),
            "ERROR: expected int, got \"2024-01-01\"");
}

TEST(AvroDatumTest, FloatsAndDoubles) {
  EXPECT_EQ(enc(R"("double")", "9007199254740993"), "00 00 00 00 00 00 40 43");
  EXPECT_EQ(enc(R"("float")", "1e300"), "ERROR: 1e+300 is out of range for float");
  EXPECT_EQ(enc(R"("float")", R"("1.5")"), "ERROR: expected float, got \"1.5\"");
  EXPECT_EQ(enc(R"("double")", "false"), "ERROR: expected double, got false");
  // NaN and infinities read back; JSON shows them as null.
  std::string nan;
  avro_write_double(std::numeric_limits<double>::quiet_NaN(), nan);
  EXPECT_EQ(dec_bytes(R"("double")", nan), "null");
  std::string inf;
  avro_write_float(std::numeric_limits<float>::infinity(), inf);
  AvroReader in(inf);
  auto r = avro_decode_json(schema_of(R"("float")").root(), in);
  ASSERT_TRUE(r.is_ok());
  EXPECT_TRUE(std::isinf(r->get<double>()));
}

TEST(AvroDatumTest, StringsAndBytes) {
  EXPECT_EQ(enc(R"("string")", "5"), "ERROR: expected string, got 5");
  // Base64 for bytes: standard alphabet, padded.
  EXPECT_EQ(enc(R"("bytes")", R"("Zg==")"), "02 66");
  EXPECT_EQ(enc(R"("bytes")", R"("Zm8=")"), "04 66 6f");
  EXPECT_EQ(enc(R"("bytes")", R"("Zm9v")"), "06 66 6f 6f");
  EXPECT_EQ(enc(R"("bytes")", R"("+/+/")"), "06 fb ff bf");
  for (const char* bad : {R"("Zg")", R"("Zg=")", R"("Z===")", R"("Zg==Zg==")", R"("Zm9v\n")",
                          R"("-_-_")", R"("Z=g=")"}) {
    EXPECT_EQ(enc(R"("bytes")", bad), std::string("ERROR: expected bytes as base64, got ") + bad);
  }
  EXPECT_EQ(enc(R"("bytes")", "[1,2]"), "ERROR: expected bytes, got [1,2]");
  EXPECT_EQ(dec(R"("bytes")", "06 66 6f 6f"), R"("Zm9v")");
  EXPECT_EQ(dec(R"("bytes")", "04 66 6f"), R"("Zm8=")");
  EXPECT_EQ(dec(R"("bytes")", "02 66"), R"("Zg==")");
  EXPECT_EQ(dec(R"("bytes")", "00"), R"("")");
}

TEST(AvroDatumTest, InvalidUtf8InAStringIsReplaced) {
  // 'a', a stray continuation byte, a truncated 3-byte sequence, an overlong '/', a surrogate.
  const std::string bytes = long_bytes(10) + "a\x80\xE2\x82" + "\xC0\xAF" + "\xED\xA0\x80" + "b";
  const AvroSchema s = schema_of(R"("string")");
  AvroReader in(bytes);
  auto r = avro_decode_json(s.root(), in);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  const std::string fffd = "\xEF\xBF\xBD";
  std::string expected = "a";
  for (int i = 0; i < 8; ++i) expected += fffd;
  expected += "b";
  EXPECT_EQ(r->get<std::string>(), expected);
  EXPECT_NO_THROW(r->dump());
}

// ---------------------------------------------------------------------------------------------
// Enums and fixed

constexpr std::string_view kEnum = R"({"type":"enum","name":"E","symbols":["A","B","C"]})";

TEST(AvroDatumTest, Enums) {
  EXPECT_EQ(enc(kEnum, R"("A")"), "00");
  EXPECT_EQ(enc(kEnum, R"("C")"), "04");
  EXPECT_EQ(round_trip(kEnum, R"("B")"), R"("B")");
  EXPECT_EQ(enc(kEnum, R"("Z")"), R"(ERROR: "Z" is not a symbol of enum E [A, B, C])");
  EXPECT_EQ(enc(kEnum, R"("b")"), R"(ERROR: "b" is not a symbol of enum E [A, B, C])");
  EXPECT_EQ(enc(kEnum, "1"), "ERROR: expected enum E, got 1");
  EXPECT_EQ(dec(kEnum, "06"), "ERROR: enum index 3 is out of range for enum E (3 symbols)");
  EXPECT_EQ(dec(kEnum, "01"), "ERROR: enum index -1 is out of range for enum E (3 symbols)");
}

TEST(AvroDatumTest, Fixed) {
  constexpr std::string_view kFixed = R"({"type":"fixed","name":"ns.F","size":3})";
  EXPECT_EQ(enc(kFixed, R"("Zm9v")"), "66 6f 6f");
  EXPECT_EQ(round_trip(kFixed, R"("AAEC")"), R"("AAEC")");
  EXPECT_EQ(enc(kFixed, R"("Zm8=")"), "ERROR: expected 3 bytes for fixed ns.F, got 2");
  EXPECT_EQ(enc(kFixed, R"("Zm9vbw==")"), "ERROR: expected 3 bytes for fixed ns.F, got 4");
  EXPECT_EQ(dec(kFixed, "66 6f 6f"), R"("Zm9v")");
  EXPECT_EQ(dec(kFixed, "66 6f"), "ERROR: truncated or malformed Avro data");
}

// ---------------------------------------------------------------------------------------------
// Decimals

constexpr std::string_view kDecimal =
    R"({"type":"bytes","logicalType":"decimal","precision":4,"scale":2})";

TEST(AvroDatumTest, DecimalAttributesAreParsed) {
  const AvroSchema s = schema_of(kDecimal);
  EXPECT_EQ(s.root().precision, 4);
  EXPECT_EQ(s.root().scale, 2);
  const AvroSchema f =
      schema_of(R"({"type":"fixed","name":"F","size":8,"logicalType":"decimal","precision":10})");
  EXPECT_EQ(f.root().precision, 10);
  EXPECT_EQ(f.root().scale, 0);
  // Only decimals keep them.
  EXPECT_EQ(schema_of(R"({"type":"bytes","precision":4,"scale":2})").root().precision, 0);
}

TEST(AvroDatumTest, DecimalEncodings) {
  EXPECT_EQ(enc(kDecimal, "12.34"), "04 04 d2");
  EXPECT_EQ(enc(kDecimal, R"("12.34")"), "04 04 d2");
  EXPECT_EQ(enc(kDecimal, "12.3"), "04 04 ce");
  EXPECT_EQ(enc(kDecimal, R"("12.340")"), "04 04 d2");  // zeros beyond the scale are fine
  EXPECT_EQ(enc(kDecimal, "12"), "04 04 b0");
  EXPECT_EQ(enc(kDecimal, "-12.34"), "04 fb 2e");
  EXPECT_EQ(enc(kDecimal, R"("+0.01")"), "02 01");
  EXPECT_EQ(enc(kDecimal, R"(".5")"), "02 32");
  EXPECT_EQ(enc(kDecimal, R"("1e1")"), "04 03 e8");
  EXPECT_EQ(enc(kDecimal, R"("125E-2")"), "02 7d");
  EXPECT_EQ(enc(kDecimal, "0"), "02 00");
  EXPECT_EQ(enc(kDecimal, R"("-0.00")"), "02 00");
  EXPECT_EQ(enc(kDecimal, "0.0"), "02 00");

  // Minimal two's complement: the sign decides whether a leading byte is needed.
  constexpr std::string_view kScale0 =
      R"({"type":"bytes","logicalType":"decimal","precision":10,"scale":0})";
  EXPECT_EQ(enc(kScale0, "-1"), "02 ff");
  EXPECT_EQ(enc(kScale0, "127"), "02 7f");
  EXPECT_EQ(enc(kScale0, "128"), "04 00 80");
  EXPECT_EQ(enc(kScale0, "-128"), "02 80");
  EXPECT_EQ(enc(kScale0, "-129"), "04 ff 7f");
  EXPECT_EQ(enc(kScale0, "65536"), "06 01 00 00");
  EXPECT_EQ(enc(kScale0, "1e2"), "02 64");  // the JSON number 100.0
}

TEST(AvroDatumTest, DecimalsAreTakenFromTheirTextExactly) {
  // 0.1 + 0.2 as a double prints as 0.30000000000000004: more digits than the scale allows.
  EXPECT_EQ(enc(kDecimal, "0.30000000000000004"),
            "ERROR: 0.30000000000000004 has more than 2 fractional digits for decimal(4, 2)");
  EXPECT_EQ(enc(kDecimal, R"("12.345")"),
            R"(ERROR: "12.345" has more than 2 fractional digits for decimal(4, 2))");
  EXPECT_EQ(enc(kDecimal, R"("1e-3")"),
            R"(ERROR: "1e-3" has more than 2 fractional digits for decimal(4, 2))");
  EXPECT_EQ(enc(kDecimal, "123.45"), "ERROR: 123.45 has more than 4 digits for decimal(4, 2)");
  EXPECT_EQ(enc(kDecimal, "100"), "ERROR: 100 has more than 4 digits for decimal(4, 2)");
  EXPECT_EQ(enc(kDecimal, "99.99"), "04 27 0f");
  for (const char* bad : {R"("")", R"("-")", R"("1.2.3")", R"("1e")", R"("1e+")", R"(" 1")",
                          R"("0x10")", R"("NaN")", R"(".")", R"("1,5")"}) {
    EXPECT_EQ(enc(kDecimal, bad),
              std::string("ERROR: ") + bad + " is not a decimal number for decimal(4, 2)");
  }
  EXPECT_EQ(enc(kDecimal, "true"), "ERROR: expected decimal(4, 2), got true");
  // Huge exponents neither overflow nor allocate.
  EXPECT_EQ(enc(kDecimal, R"("1e999999999999999999")"),
            R"(ERROR: "1e999999999999999999" is too large for decimal(4, 2))");
  EXPECT_EQ(
      enc(kDecimal, R"("1e-999999999999999999")"),
      R"(ERROR: "1e-999999999999999999" has more than 2 fractional digits for decimal(4, 2))");
  EXPECT_EQ(enc(kDecimal, R"("0e999999999999999999")"), "02 00");
}

TEST(AvroDatumTest, DecimalLimits) {
  constexpr std::string_view k38 =
      R"({"type":"bytes","logicalType":"decimal","precision":38,"scale":0})";
  const std::string nines(38, '9');
  const std::string e = enc(k38, "\"" + nines + "\"");
  EXPECT_EQ(e.substr(0, 5), "20 4b") << e;  // 16 bytes
  EXPECT_EQ(enc(k38, "\"-" + nines + "\"").substr(0, 5), "20 b4");
  EXPECT_EQ(enc(k38, "\"1" + nines + "\""),
            "ERROR: \"1" + nines + "\" has more than 38 digits for decimal(38, 0)");
  // Beyond 38 digits the bound is what 16 bytes hold: -2^127 .. 2^127-1.
  constexpr std::string_view k50 =
      R"({"type":"bytes","logicalType":"decimal","precision":50,"scale":0})";
  EXPECT_EQ(enc(k50, R"("170141183460469231731687303715884105727")"),
            "20 7f ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff");
  EXPECT_EQ(enc(k50, R"("-170141183460469231731687303715884105728")"),
            "20 80 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00");
  EXPECT_EQ(enc(k50, R"("170141183460469231731687303715884105728")"),
            R"(ERROR: "170141183460469231731687303715884105728" is too large for decimal(50, 0))");
  EXPECT_EQ(enc(k50, R"("-170141183460469231731687303715884105729")"),
            R"(ERROR: "-170141183460469231731687303715884105729" is too large for decimal(50, 0))");
  EXPECT_EQ(enc(k50, R"("1e40")"), R"(ERROR: "1e40" is too large for decimal(50, 0))");
}

TEST(AvroDatumTest, FixedDecimals) {
  constexpr std::string_view kFixed =
      R"({"type":"fixed","name":"D","size":4,"logicalType":"decimal","precision":9,"scale":2})";
  EXPECT_EQ(enc(kFixed, "12.34"), "00 00 04 d2");
  EXPECT_EQ(enc(kFixed, "-0.01"), "ff ff ff ff");
  EXPECT_EQ(enc(kFixed, "-12.34"), "ff ff fb 2e");
  EXPECT_EQ(round_trip(kFixed, "-12.34"), "-12.34");
  EXPECT_EQ(round_trip(kFixed, "9999999.99"), "9999999.99");
  constexpr std::string_view kSmall =
      R"({"type":"fixed","name":"D","size":1,"logicalType":"decimal","precision":5,"scale":0})";
  EXPECT_EQ(enc(kSmall, "127"), "7f");
  EXPECT_EQ(enc(kSmall, "128"), "ERROR: 128 does not fit 1 bytes of decimal(5, 0)");
  // A fixed wider than 16 bytes decodes when its extra bytes only extend the sign.
  constexpr std::string_view kWide =
      R"({"type":"fixed","name":"W","size":20,"logicalType":"decimal","precision":40,"scale":1})";
  EXPECT_EQ(enc(kWide, "-0.2"), "ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff fe");
  EXPECT_EQ(round_trip(kWide, "-0.2"), "-0.2");
  EXPECT_EQ(round_trip(kWide, "12345.6"), "12345.6");
  EXPECT_EQ(dec(kWide, "00 00 00 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"),
            "ERROR: the unscaled value of decimal(40, 1) takes more than 16 bytes");
}

TEST(AvroDatumTest, DecimalDecoding) {
  EXPECT_EQ(dec(kDecimal, "04 04 d2"), "12.34");
  EXPECT_EQ(dec(kDecimal, "04 fb 2e"), "-12.34");
  EXPECT_EQ(dec(kDecimal, "04 04 ce"), "12.3");  // "12.30": a number keeps no trailing zeros
  EXPECT_EQ(dec(kDecimal, "02 00"), "0.0");
  EXPECT_EQ(dec(kDecimal, "00"), "0.0");  // no bytes: 0
  // Redundant sign bytes are accepted.
  EXPECT_EQ(dec(kDecimal, "08 00 00 04 d2"), "12.34");
  EXPECT_EQ(dec(kDecimal, "06 ff ff ff"), "-0.01");
  constexpr std::string_view kScale0 =
      R"({"type":"bytes","logicalType":"decimal","precision":30,"scale":0})";
  EXPECT_EQ(dec(kScale0, "02 ff"), "-1");
  EXPECT_EQ(dec(kScale0, "04 00 80"), "128");
  EXPECT_EQ(round_trip(kScale0, R"("123456789012345678")"), "123456789012345678");
  EXPECT_EQ(dec(kScale0, "22 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"),
            "ERROR: the unscaled value of decimal(30, 0) takes more than 16 bytes");
  // A scale far beyond the digits is no trouble.
  constexpr std::string_view kTiny =
      R"({"type":"bytes","logicalType":"decimal","precision":300,"scale":300})";
  EXPECT_EQ(dec(kTiny, "02 01"), "1e-300");
  EXPECT_EQ(dec(kDecimal, "06 04 d2"), "ERROR: truncated or malformed Avro data");
}

TEST(AvroDatumTest, DecimalWithoutUsableAttributesIsPlainBytes) {
  // Java ignores a decimal logical type it cannot use; the data is plain bytes.
  EXPECT_EQ(enc(R"({"type":"bytes","logicalType":"decimal"})", R"("AQI=")"), "04 01 02");
  EXPECT_EQ(enc(R"({"type":"bytes","logicalType":"decimal","precision":2,"scale":3})", R"("AQI=")"),
            "04 01 02");
  EXPECT_EQ(dec(R"({"type":"bytes","logicalType":"decimal","precision":0})", "04 01 02"),
            R"("AQI=")");
}

// ---------------------------------------------------------------------------------------------
// Arrays and maps

TEST(AvroDatumTest, ArraysAndMaps) {
  constexpr std::string_view kArray = R"({"type":"array","items":"int"})";
  constexpr std::string_view kMap = R"({"type":"map","values":"long"})";
  EXPECT_EQ(enc(kArray, "[1,2,3]"), "06 02 04 06 00");
  EXPECT_EQ(enc(kArray, "[]"), "00");
  EXPECT_EQ(round_trip(kArray, "[1,-2,300]"), "[1,-2,300]");
  EXPECT_EQ(round_trip(kArray, "[]"), "[]");
  EXPECT_EQ(enc(kArray, "{}"), "ERROR: expected array, got {}");
  EXPECT_EQ(enc(kArray, R"([1,"x"])"), R"(ERROR: at [1]: expected int, got "x")");
  EXPECT_EQ(enc(kMap, R"({"a":1})"), "02 02 61 02 00");
  EXPECT_EQ(enc(kMap, "{}"), "00");
  EXPECT_EQ(round_trip(kMap, R"({"a":1,"b":-2,"":3})"), R"({"":3,"a":1,"b":-2})");
  EXPECT_EQ(enc(kMap, "[]"), "ERROR: expected map, got []");
  EXPECT_EQ(enc(kMap, R"({"k":"v"})"), R"(ERROR: at ["k"]: expected long, got "v")");
  // Blocks as other writers make them: several, and negative counts followed by a byte size.
  EXPECT_EQ(dec(kArray, "02 02 04 04 06 00"), "[1,2,3]");
  EXPECT_EQ(dec(kArray, "03 04 02 04 00"), "[1,2]");
  EXPECT_EQ(dec(kMap, "01 04 02 61 02 02 02 62 04 00"), R"({"a":1,"b":2})");
  // A repeated key: the last one wins.
  EXPECT_EQ(dec(kMap, "04 02 61 02 02 61 04 00"), R"({"a":2})");
  // Nested.
  EXPECT_EQ(
      round_trip(
          R"({"type":"array","items":{"type":"map","values":{"type":"array","items":"string"}}})",
          R"([{"x":["a","b"],"y":[]},{}])"),
      R"([{"x":["a","b"],"y":[]},{}])");
}

TEST(AvroDatumTest, HostileCountsAllocateNothing) {
  constexpr std::string_view kArray = R"({"type":"array","items":"long"})";
  EXPECT_EQ(
      dec_bytes(kArray, long_bytes(1'000'000'000) + "\x02\x04"),
      "ERROR: truncated or malformed Avro data: 1000000000 items claimed but only 2 bytes left");
  EXPECT_EQ(
      dec_bytes(kArray, long_bytes(-1'000'000'000) + long_bytes(8) + "\x02"),
      "ERROR: truncated or malformed Avro data: 1000000000 items claimed but only 1 bytes left");
  EXPECT_EQ(dec_bytes(kArray, long_bytes(INT64_MIN)), "ERROR: truncated or malformed Avro data");
  EXPECT_EQ(
      dec_bytes(R"({"type":"map","values":"null"})", long_bytes(1'000'000'000)),
      "ERROR: truncated or malformed Avro data: 1000000000 entries claimed but only 0 bytes left");
  // Items that take no bytes are bounded in all: nulls, and records of nothing.
  EXPECT_EQ(dec_bytes(R"({"type":"array","items":"null"})", long_bytes(5) + long_bytes(0)),
            "[null,null,null,null,null]");
  EXPECT_EQ(dec_bytes(R"({"type":"array","items":"null"})", long_bytes(INT64_MAX)),
            "ERROR: more than 1000000 items that take no bytes");
  constexpr std::string_view kEmptyRecords =
      R"({"type":"array","items":{"type":"record","name":"E",)"
      R"("fields":[{"name":"n","type":"null"}]}})";
  EXPECT_EQ(dec_bytes(kEmptyRecords, long_bytes(2) + long_bytes(0)), R"([{"n":null},{"n":null}])");
  EXPECT_EQ(dec_bytes(kEmptyRecords, long_bytes(2'000'000)),
            "ERROR: more than 1000000 items that take no bytes");
  // The bound is over the whole datum, not one array: 600 arrays of 2000 nulls each.
  constexpr std::string_view kNested =
      R"({"type":"array","items":{"type":"array","items":"null"}})";
  std::string nested = long_bytes(600);
  for (int i = 0; i < 600; ++i) nested += long_bytes(2000) + long_bytes(0);
  nested += long_bytes(0);
  EXPECT_EQ(dec_bytes(kNested, nested),
            "ERROR: at [500]: more than 1000000 items that take no bytes");
  // Negative lengths.
  EXPECT_EQ(dec(R"("string")", "01"), "ERROR: truncated or malformed Avro data");
  EXPECT_EQ(dec(R"("bytes")", "03 00"), "ERROR: truncated or malformed Avro data");
  EXPECT_EQ(dec(R"({"type":"map","values":"int"})", "02 01 02 00"),
            "ERROR: truncated or malformed Avro data");
}

// ---------------------------------------------------------------------------------------------
// Records

TEST(AvroDatumTest, RecordFromTheHarness) {
  constexpr std::string_view kSchema =
      R"({"type":"record","name":"r","fields":[{"name":"F0","type":["null","int"]}]})";
  EXPECT_EQ(enc(kSchema, R"({"F0": 1})"), "02 02");
  EXPECT_EQ(enc(kSchema, R"({"F0": null})"), "00");
  EXPECT_EQ(enc(kSchema, "{}"), "00");  // missing and nullable: null
  EXPECT_EQ(round_trip(kSchema, R"({"F0": 1})"), R"({"F0":1})");
  EXPECT_EQ(round_trip(kSchema, "{}"), R"({"F0":null})");
  EXPECT_EQ(enc(kSchema, R"({"F0": "abc"})"), R"(ERROR: field F0: expected int, got "abc")");
  EXPECT_EQ(enc(kSchema, "[1]"), "ERROR: expected record r, got [1]");
}

TEST(AvroDatumTest, RecordOfEveryType) {
  constexpr std::string_view kSchema = R"({"type":"record","name":"All","namespace":"t","fields":[
    {"name":"n","type":"null"},
    {"name":"b","type":"boolean"},
    {"name":"i","type":"int"},
    {"name":"l","type":"long"},
    {"name":"f","type":"float"},
    {"name":"d","type":"double"},
    {"name":"by","type":"bytes"},
    {"name":"s","type":"string"},
    {"name":"e","type":{"type":"enum","name":"Color","symbols":["RED","GREEN"]}},
    {"name":"fx","type":{"type":"fixed","name":"Two","size":2}},
    {"name":"a","type":{"type":"array","items":"Color"}},
    {"name":"m","type":{"type":"map","values":["null","Two"]}},
    {"name":"dec","type":{"type":"bytes","logicalType":"decimal","precision":6,"scale":3}},
    {"name":"ts","type":{"type":"long","logicalType":"timestamp-millis"}},
    {"name":"u","type":["null","string","long"]},
    {"name":"r","type":{"type":"record","name":"Inner","fields":[{"name":"x","type":"int"}]}}
  ]})";
  constexpr std::string_view kValue =
      R"({"n":null,"b":true,"i":-7,"l":1099511627776,"f":0.25,"d":-1.5,"by":"AP8=","s":"héllo",)"
      R"("e":"GREEN","fx":"q80=","a":["RED","GREEN","RED"],"m":{"k":"AAA=","z":null},)"
      R"("dec":-123.456,"ts":1700000000000,"u":42,"r":{"x":3}})";
  EXPECT_EQ(round_trip(kSchema, kValue), Json::parse(kValue).dump());
}

TEST(AvroDatumTest, FieldsMissingOrNull) {
  constexpr std::string_view kSchema = R"({"type":"record","name":"R","fields":[
    {"name":"a","type":"int"},
    {"name":"b","type":"string","default":"x"}
  ]})";
  EXPECT_EQ(enc(kSchema, R"({"a":1})"), "02 02 78");
  EXPECT_EQ(enc(kSchema, R"({"a":1,"b":null})"), "02 02 78");  // a null for a non-null field
  EXPECT_EQ(enc(kSchema, R"({"a":1,"b":"yz"})"), "02 04 79 7a");
  EXPECT_EQ(enc(kSchema, R"({"b":"yz"})"), "ERROR: field a: missing, and has no default");
  EXPECT_EQ(enc(kSchema, R"({"a":null})"), "ERROR: field a: expected int, got null");
  EXPECT_EQ(enc(kSchema, R"({"a":1,"extra":[1,2],"c":{}})"), "02 02 78");  // extra keys ignored
}

TEST(AvroDatumTest, FieldDefaults) {
  constexpr std::string_view kSchema = R"({"type":"record","name":"R","fields":[
    {"name":"i","type":"int","default":7},
    {"name":"u1","type":["int","null"],"default":5},
    {"name":"u2","type":["null","int"],"default":null},
    {"name":"u3","type":["string","bytes"],"default":"AQI="},
    {"name":"by","type":"bytes","default":"\u00ff\u0001"},
    {"name":"fx","type":{"type":"fixed","name":"F2","size":2},"default":"ab"},
    {"name":"dec","type":{"type":"bytes","logicalType":"decimal","precision":4,"scale":2},
     "default":"\u0004\u00d2"},
    {"name":"rec","type":{"type":"record","name":"In","fields":[
       {"name":"x","type":"int"},{"name":"y","type":"int","default":3}]},"default":{"x":1}},
    {"name":"e","type":{"type":"enum","name":"En","symbols":["P","Q"]},"default":"Q"},
    {"name":"arr","type":{"type":"array","items":"long"},"default":[1,2]},
    {"name":"map","type":{"type":"map","values":"boolean"},"default":{"t":true}}
  ]})";
  // A union's default is of its first branch, and bytes defaults are code points, not base64.
  EXPECT_EQ(enc(kSchema, "{}"),
            "0e 00 0a 00 00 08 41 51 49 3d 04 ff 01 61 62 04 04 d2 02 06 02 04 02 04 00 02 02 74 "
            "01 00");
  EXPECT_EQ(dec(kSchema, enc(kSchema, "{}")),
            R"({"arr":[1,2],"by":"/wE=","dec":12.34,"e":"Q","fx":"YWI=","i":7,"map":{"t":true},)"
            R"("rec":{"x":1,"y":3},"u1":5,"u2":null,"u3":"AQI="})");
  // An explicit null for a nullable field is null, whatever its default.
  EXPECT_EQ(enc(kSchema, R"({"u1":null})").substr(0, 5), "0e 02");
}

TEST(AvroDatumTest, FieldNamesMatchCaseInsensitively) {
  constexpr std::string_view kSchema =
      R"({"type":"record","name":"R",)"
      R"("fields":[{"name":"F0","type":"int"},{"name":"f1","type":"int"}]})";
  EXPECT_EQ(enc(kSchema, R"({"f0":1,"F1":2})"), "02 04");
  EXPECT_EQ(enc(kSchema, R"({"F0":1,"f0":2,"f1":3})"), "02 06");  // the exact name first
  // A key that is exactly another field's name is that field's only.
  constexpr std::string_view kTwins =
      R"({"type":"record","name":"R",)"
      R"("fields":[{"name":"A","type":["null","int"]},{"name":"a","type":"int"}]})";
  EXPECT_EQ(enc(kTwins, R"({"a":5})"), "00 0a");
  EXPECT_EQ(enc(kTwins, R"({"A":4,"a":5})"), "02 08 0a");
}

TEST(AvroDatumTest, ErrorsNameThePath) {
  constexpr std::string_view kSchema = R"({"type":"record","name":"R","fields":[
    {"name":"A","type":{"type":"record","name":"S","fields":[{"name":"B","type":"int"}]}},
    {"name":"L","type":{"type":"array","items":"int"},"default":[]},
    {"name":"M","type":{"type":"map","values":["null","S"]},"default":{}}
  ]})";
  EXPECT_EQ(enc(kSchema, R"({"A":{"B":"abc"}})"), R"(ERROR: field A.B: expected int, got "abc")");
  EXPECT_EQ(enc(kSchema, R"({"A":{}})"), "ERROR: field A.B: missing, and has no default");
  EXPECT_EQ(enc(kSchema, R"({"A":{"B":1},"L":[1,2,"x"]})"),
            R"(ERROR: field L[2]: expected int, got "x")");
  EXPECT_EQ(enc(kSchema, R"({"A":{"B":1},"M":{"k":{"B":true}}})"),
            R"(ERROR: field M["k"].B: expected int, got true)");
  // Values are cut short in messages.
  const std::string long_text(200, 'x');
  const std::string e = enc(kSchema, R"({"A":{"B":")" + long_text + R"("}})");
  EXPECT_EQ(e, "ERROR: field A.B: expected int, got \"" + std::string(79, 'x') + "...");
}

TEST(AvroDatumTest, OrderedDecodingKeepsSchemaOrder) {
  constexpr std::string_view kSchema =
      R"({"type":"record","name":"R","fields":[)"
      R"({"name":"zeta","type":"int"},{"name":"alpha","type":"int"},{"name":"mid","type":)"
      R"({"type":"record","name":"S","fields":[)"
      R"({"name":"y","type":"int"},{"name":"x","type":"int"}]}}]})";
  const AvroSchema s = schema_of(kSchema);
  std::string bytes;
  ASSERT_TRUE(
      avro_encode_json(s.root(), Json::parse(R"({"alpha":2,"zeta":1,"mid":{"x":4,"y":3}})"), bytes)
          .is_ok());
  EXPECT_EQ(hex(bytes), "02 04 06 08");
  AvroReader in(bytes);
  auto ordered = avro_decode_ordered_json(s.root(), in);
  ASSERT_TRUE(ordered.is_ok()) << ordered.status().to_string();
  EXPECT_EQ(ordered->dump(), R"({"zeta":1,"alpha":2,"mid":{"y":3,"x":4}})");
  AvroReader again(bytes);
  auto sorted = avro_decode_json(s.root(), again);
  ASSERT_TRUE(sorted.is_ok());
  EXPECT_EQ(sorted->dump(), R"({"alpha":2,"mid":{"x":4,"y":3},"zeta":1})");
}

// ---------------------------------------------------------------------------------------------
// Unions

TEST(AvroDatumTest, UnionBranchChoice) {
  EXPECT_EQ(enc(R"(["null","int"])", "5"), "02 0a");
  EXPECT_EQ(enc(R"(["null","int"])", "null"), "00");
  EXPECT_EQ(enc(R"(["int","null"])", "null"), "02");
  EXPECT_EQ(enc(R"(["null","string","int"])", "5"), "04 0a");
  EXPECT_EQ(enc(R"(["null","string","int"])", R"("5")"), "02 02 35");
  // The first branch that takes the value, in order.
  EXPECT_EQ(enc(R"(["int","long"])", "3000000000"), "02 80 f8 82 ad 16");
  EXPECT_EQ(enc(R"(["null","long","double"])", "1.5"), "04 00 00 00 00 00 00 f8 3f");
  EXPECT_EQ(enc(R"(["null","double","long"])", "5"), "02 00 00 00 00 00 00 14 40");
  EXPECT_EQ(enc(R"(["null","bytes","string"])", R"("abc")"), "04 06 61 62 63");  // not base64
  EXPECT_EQ(enc(R"(["null","bytes","string"])", R"("abcd")"), "02 06 69 b7 1d");
  EXPECT_EQ(enc(R"(["null",{"type":"array","items":"int"},{"type":"map","values":"int"}])", "{}"),
            "04 00");
  EXPECT_EQ(round_trip(R"(["null","string","long"])", "42"), "42");
  EXPECT_EQ(round_trip(R"(["null","string","long"])", "null"), "null");
  // With one candidate branch its own message says most.
  EXPECT_EQ(enc(R"(["null","int"])", R"("abc")"), R"(ERROR: expected int, got "abc")");
  EXPECT_EQ(enc(R"(["null","int","string"])", "true"),
            "ERROR: expected one of [null, int, string], got true");
  EXPECT_EQ(enc(R"(["int","string"])", "null"), "ERROR: expected one of [int, string], got null");
  EXPECT_EQ(enc(R"(["null",{"type":"record","name":"a.R","fields":[]}])", "3"),
            "ERROR: expected record a.R, got 3");
}

TEST(AvroDatumTest, UnionWrapperForm) {
  EXPECT_EQ(enc(R"(["null","int","string"])", R"({"int":5})"), "02 0a");
  EXPECT_EQ(enc(R"(["null","int","string"])", R"({"string":"x"})"), "04 02 78");
  EXPECT_EQ(enc(R"(["null","int"])", R"({"int":"x"})"), R"(ERROR: expected int, got "x")");
  EXPECT_EQ(enc(R"(["null","int"])", R"({"long":5})"), R"(ERROR: expected int, got {"long":5})");
  constexpr std::string_view kNamed = R"(["null",{"type":"record","name":"R","namespace":"ns",)"
                                      R"("fields":[{"name":"a","type":"int"}]}])";
  EXPECT_EQ(enc(kNamed, R"({"ns.R":{"a":1}})"), "02 02");
  EXPECT_EQ(enc(kNamed, R"({"R":{"a":1}})"), "02 02");
  EXPECT_EQ(enc(kNamed, R"({"a":1})"), "02 02");
  // A record or map branch that takes the object as it is wins over the wrapper reading.
  EXPECT_EQ(enc(R"(["null","int",{"type":"record","name":"R",)"
                R"("fields":[{"name":"int","type":["null","long"]}]}])",
                R"({"int":5})"),
            "04 02 0a");
  EXPECT_EQ(enc(R"(["null","int",{"type":"map","values":"long"}])", R"({"int":5})"),
            "04 02 06 69 6e 74 0a 00");
  EXPECT_EQ(enc(R"(["null","int",{"type":"map","values":"string"}])", R"({"int":5})"), "02 0a");
  // Inside a record field, as Avro's JSON encoding writes it.
  EXPECT_EQ(enc(R"({"type":"record","name":"r","fields":[{"name":"F0","type":["null","int"]}]})",
                R"({"F0":{"int":1}})"),
            "02 02");
}

TEST(AvroDatumTest, UnionDecoding) {
  EXPECT_EQ(dec(R"(["null","int"])", "02 0a"), "5");
  EXPECT_EQ(dec(R"(["null","int"])", "00"), "null");
  EXPECT_EQ(dec(R"(["null","int"])", "04 0a"),
            "ERROR: union branch 2 is out of range for one of [null, int]");
  EXPECT_EQ(dec(R"(["null","int"])", "01"),
            "ERROR: union branch -1 is out of range for one of [null, int]");
  EXPECT_EQ(dec(R"(["null","int"])", "02"), "ERROR: truncated or malformed Avro data");
  EXPECT_EQ(
      dec(R"({"type":"record","name":"r","fields":[{"name":"F0","type":["null","int"]}]})", "06"),
      "ERROR: field F0: union branch 3 is out of range for one of [null, int]");
}

// ---------------------------------------------------------------------------------------------
// Malformed input

TEST(AvroDatumTest, TruncatedInputFailsAtEveryLength) {
  constexpr std::string_view kSchema = R"({"type":"record","name":"R","fields":[
    {"name":"i","type":"long"},
    {"name":"d","type":"double"},
    {"name":"u","type":["null","string"]},
    {"name":"a","type":{"type":"array","items":{"type":"fixed","name":"F","size":2}}},
    {"name":"m","type":{"type":"map","values":"float"}},
    {"name":"e","type":{"type":"enum","name":"E","symbols":["X","Y"]}},
    {"name":"s","type":"string"}
  ]})";
  const std::string full =
      unhex(enc(kSchema, R"({"i":123456789,"d":2.5,"u":"hey","a":["AAA=","AQE="],)"
                         R"("m":{"k":1.5},"e":"Y","s":"end"})"));
  ASSERT_FALSE(full.empty());
  EXPECT_EQ(
      dec_bytes(kSchema, full),
      R"({"a":["AAA=","AQE="],"d":2.5,"e":"Y","i":123456789,"m":{"k":1.5},"s":"end","u":"hey"})");
  for (size_t n = 0; n < full.size(); ++n) {
    const std::string r = dec_bytes(kSchema, full.substr(0, n));
    EXPECT_EQ(r.rfind("ERROR: ", 0), 0U) << n << ": " << r;
    EXPECT_NE(r.find("truncated or malformed Avro data"), std::string::npos) << n << ": " << r;
  }
  EXPECT_EQ(dec_bytes(kSchema, full.substr(0, 9)),
            "ERROR: field d: truncated or malformed Avro data");
}

TEST(AvroDatumTest, MalformedPrimitives) {
  EXPECT_EQ(dec(R"("long")", "80"), "ERROR: truncated or malformed Avro data");
  EXPECT_EQ(dec(R"("long")", "ff ff ff ff ff ff ff ff ff ff 01"),
            "ERROR: truncated or malformed Avro data");  // 11 bytes
  EXPECT_EQ(dec(R"("int")", "80 80 80 80 10"), "ERROR: truncated or malformed Avro data");
  EXPECT_EQ(dec(R"("boolean")", "02"), "ERROR: truncated or malformed Avro data");
  EXPECT_EQ(dec(R"("float")", "00 00 80"), "ERROR: truncated or malformed Avro data");
  EXPECT_EQ(dec(R"("string")", "0a 61 62"), "ERROR: truncated or malformed Avro data");
  EXPECT_EQ(dec(R"("boolean")", ""), "ERROR: truncated or malformed Avro data");
}

TEST(AvroDatumTest, DecodingStopsAfterOneDatum) {
  const AvroSchema s = schema_of(R"("string")");
  const std::string bytes = unhex("02 61 04 62 63");
  AvroReader in(bytes);
  auto first = avro_decode_json(s.root(), in);
  auto second = avro_decode_json(s.root(), in);
  ASSERT_TRUE(first.is_ok() && second.is_ok());
  EXPECT_EQ(*first, "a");
  EXPECT_EQ(*second, "bc");
  EXPECT_TRUE(in.at_end());
}

TEST(AvroDatumTest, FailedEncodingLeavesOutputAlone) {
  const AvroSchema s =
      schema_of(R"({"type":"record","name":"R",)"
                R"("fields":[{"name":"a","type":"string"},{"name":"b","type":"int"}]})");
  std::string out = "keep";
  EXPECT_FALSE(avro_encode_json(s.root(), Json::parse(R"({"a":"xyz","b":"no"})"), out).is_ok());
  EXPECT_EQ(out, "keep");
  EXPECT_TRUE(avro_encode_json(s.root(), Json::parse(R"({"a":"xyz","b":1})"), out).is_ok());
  EXPECT_EQ(hex(out), "6b 65 65 70 06 78 79 7a 02");  // appended
}

// ---------------------------------------------------------------------------------------------
// Recursive schemas

constexpr std::string_view kList = R"({"type":"record","name":"Node","fields":[
  {"name":"value","type":"int"},
  {"name":"next","type":["null","Node"],"default":null}
]})";

// A list of `n` nodes, values 1..n.
Json list_of(int n) {
  Json head = nullptr;
  for (int i = n; i >= 1; --i) head = Json{{"value", i}, {"next", std::move(head)}};
  return head;
}

TEST(AvroDatumTest, RecursiveSchemas) {
  EXPECT_EQ(enc(kList, R"({"value":1,"next":{"value":2,"next":null}})"), "02 02 04 00");
  EXPECT_EQ(enc(kList, R"({"value":1,"next":{"value":2}})"), "02 02 04 00");
  EXPECT_EQ(round_trip(kList, R"({"value":1,"next":{"value":2,"next":{"value":3}}})"),
            R"({"next":{"next":{"next":null,"value":3},"value":2},"value":1})");
  EXPECT_EQ(enc(kList, R"({"value":1,"next":{"value":"two"}})"),
            R"(ERROR: field next.value: expected int, got "two")");
  // A tree through arrays.
  constexpr std::string_view kTree = R"({"type":"record","name":"T","fields":[
    {"name":"name","type":"string"},
    {"name":"kids","type":{"type":"array","items":"T"}}
  ]})";
  constexpr std::string_view kValue =
      R"({"kids":[{"kids":[],"name":"b"},{"kids":[{"kids":[],"name":"d"}],"name":"c"}],)"
      R"("name":"a"})";
  EXPECT_EQ(round_trip(kTree, kValue), kValue);

  const AvroSchema s = schema_of(kList);
  std::string bytes;
  ASSERT_TRUE(avro_encode_json(s.root(), list_of(150), bytes).is_ok());
  AvroReader in(bytes);
  auto back = avro_decode_json(s.root(), in);
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(*back, list_of(150));
}

TEST(AvroDatumTest, NestingIsBounded) {
  const AvroSchema s = schema_of(kList);
  std::string bytes;
  const Status st = avro_encode_json(s.root(), list_of(1000), bytes);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("value is nested too deeply"), std::string::npos) << st.message();
  EXPECT_EQ(st.message().rfind("field next.next.", 0), 0U) << st.message();
  // Hostile data: a list a million nodes long.
  std::string deep;
  for (int i = 0; i < 1'000'000; ++i) deep += "\x02\x02";
  AvroReader in(deep);
  auto r = avro_decode_json(s.root(), in);
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("value is nested too deeply"), std::string::npos);
  // Arrays within arrays.
  const AvroSchema nested =
      schema_of(R"({"type":"record","name":"A",)"
                R"("fields":[{"name":"a","type":{"type":"array","items":"A"}}]})");
  std::string arrays;
  for (int i = 0; i < 100'000; ++i) arrays += "\x02";
  AvroReader in2(arrays);
  auto r2 = avro_decode_json(nested.root(), in2);
  ASSERT_FALSE(r2.is_ok());
  EXPECT_NE(r2.status().message().find("value is nested too deeply"), std::string::npos);
}

TEST(AvroDatumTest, RecordsOfNothingAreCountedWithoutLooping) {
  // A record that contains itself without a union has no finite datum; deciding whether its
  // items take bytes must still end.
  const AvroSchema s =
      schema_of(R"({"type":"array","items":{"type":"record","name":"Loop",)"
                R"("fields":[{"name":"self","type":"Loop"},{"name":"again","type":"Loop"}]}})");
  const std::string bytes = long_bytes(3);
  AvroReader in(bytes);
  auto r = avro_decode_json(s.root(), in);
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("value is nested too deeply"), std::string::npos);
}

}  // namespace
}  // namespace sluice::schema
