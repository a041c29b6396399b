#include <gtest/gtest.h>

#include <limits>

#include <fmt/format.h>

#include "format/tests/format_test_util.h"

namespace sluice::format {
namespace {

using testing::decode;
using testing::encode;
using testing::Records;
using testing::row_text;

// A constant reference to the format: a kConstant name (STYLE.md), which the check only knows
// for const objects.
// NOLINTNEXTLINE(readability-identifier-naming)
const Format& kJson = json_format();

TEST(JsonFormatTest, MatchesFieldsCaseInsensitivelyAndMissingIsNull) {
  std::vector<Column> cols = {
      {"ID", Type::bigint()}, {"NAME", Type::string()}, {"AMOUNT", Type::double_()}};
  auto d = decode(kJson, cols,
                  {R"({"id": 1, "Name": "a", "amount": 1.5})", R"({"ID": 2, "extra": [1, {}]})",
                   R"({"amount": 3, "name": null, "id": 3})"});
  ASSERT_TRUE(d.errors.empty()) << d.errors.errors()[0].message;
  EXPECT_EQ(row_text(d.batch, 0), "1|a|1.5");
  EXPECT_EQ(row_text(d.batch, 1), "2|null|null");
  EXPECT_EQ(row_text(d.batch, 2), "3|null|3.0");
}

TEST(JsonFormatTest, QuotedColumnsMatchExactlyAndExactMatchWins) {
  std::vector<Column> cols = {{"foo", Type::integer()}, {"BAR", Type::integer()}};
  auto d = decode(kJson, cols,
                  {R"({"FOO": 1, "foo": 2, "bar": 3})", R"({"Foo": 1, "BAR": 4, "bar": 5})"});
  ASSERT_TRUE(d.errors.empty());
  EXPECT_EQ(row_text(d.batch, 0), "2|3");
  EXPECT_EQ(row_text(d.batch, 1), "null|4");  // the exact "BAR" beats the later "bar"
}

TEST(JsonFormatTest, NullRecordAndJsonNullAreNullRows) {
  std::vector<Column> cols = {{"V", Type::integer()}};
  auto d = decode(kJson, cols, {std::nullopt, "null", R"({"V": null})", R"({"V": 7})"});
  ASSERT_TRUE(d.errors.empty());
  EXPECT_EQ(row_text(d.batch, 0), "<null row>");
  EXPECT_EQ(row_text(d.batch, 1), "<null row>");
  EXPECT_EQ(row_text(d.batch, 2), "null");
  EXPECT_EQ(row_text(d.batch, 3), "7");
}

TEST(JsonFormatTest, NestedStructArrayAndMap) {
  Type addr = Type::struct_({{"CITY", Type::string()}, {"ZIP", Type::integer()}});
  std::vector<Column> cols = {{"ADDR", addr},
                              {"TAGS", Type::array(Type::string())},
                              {"SCORES", Type::map(Type::string(), Type::integer())},
                              {"M", Type::array(Type::array(Type::bigint()))}};
  auto d = decode(kJson, cols,
                  {R"({"addr": {"city": "Bend", "zip": 97701}, "tags": ["a", null, "c"],
                       "scores": {"x": 1, "y": null}, "m": [[1, 2], [], null]})",
                   R"({"addr": {"City": "Kent"}, "tags": [], "scores": {}})", R"({"addr": null})"});
  ASSERT_TRUE(d.errors.empty()) << d.errors.errors()[0].message;
  EXPECT_EQ(row_text(d.batch, 0),
            "Struct{CITY=Bend,ZIP=97701}|[a, null, c]|{x=1, y=null}|[[1, 2], [], null]");
  EXPECT_EQ(row_text(d.batch, 1), "Struct{CITY=Kent}|[]|{}|null");
  EXPECT_EQ(row_text(d.batch, 2), "null|null|null|null");
  // A NULL struct reads NULL through its fields too.
  EXPECT_TRUE(d.batch.column(0).child(0).is_null(2));
}

TEST(JsonFormatTest, CoercionsKsqlAllows) {
  std::vector<Column> cols = {{"I", Type::integer()},       {"B", Type::bigint()},
                              {"D", Type::double_()},       {"S", Type::string()},
                              {"DEC", Type::decimal(6, 2)}, {"TS", Type::timestamp()},
                              {"S2", Type::string()},       {"S3", Type::string()}};
  auto d = decode(kJson, cols,
                  {R"({"i": "12", "b": "998877665544332211", "d": "2.5", "s": 10.50,
                       "dec": "1.050", "ts": "1700000000000", "s2": {"a": 1, "b": [1, 2]},
                       "s3": [1, "x", null]})",
                   R"({"i": 3.9, "b": 4, "d": 7, "s": true, "dec": 12.3, "ts": 5})"});
  ASSERT_TRUE(d.errors.empty()) << d.errors.errors()[0].message;
  EXPECT_EQ(
      row_text(d.batch, 0),
      "12|998877665544332211|2.5|10.50|1.05|1700000000000|{\"a\":1,\"b\":[1,2]}|[1, x, null]");
  EXPECT_EQ(row_text(d.batch, 1), "3|4|7.0|true|12.30|5|null|null");
  // A DECIMAL is not rounded on the way in (ksqlDB's DecimalUtil.ensureFit): the record fails.
  auto r = decode(kJson, cols, {R"({"dec": 1.005})", R"({"dec": "2.5"})"});
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors.errors()[0].message,
            "Failed to deserialise value: field DEC: Cannot fit decimal '1.005' into DECIMAL(6, 2) "
            "without rounding.");
}

TEST(JsonFormatTest, BadRecordsAreReportedAndTheRestOfTheBatchIsIntact) {
  std::vector<Column> cols = {{"ID", Type::bigint()}, {"AMOUNT", Type::double_()}};
  auto d = decode(
      kJson, cols,
      {R"({"id": 1, "amount": 1.5})", R"({"id": 2, "amount": "abc"})", R"({"id": 3, "amount": )",
       R"({"id": 4, "amount": 4})", R"([1, 2])", R"({"id": true})", R"({"id": 7} trailing)"});
  ASSERT_EQ(d.errors.size(), 5u);
  EXPECT_EQ(d.errors.errors()[0].row, 1u);
  EXPECT_EQ(d.errors.errors()[0].message,
            "Failed to deserialise value: field AMOUNT: expected DOUBLE, got \"abc\"");
  EXPECT_EQ(d.errors.errors()[1].row, 2u);
  EXPECT_NE(d.errors.errors()[1].message.find("Failed to deserialise value"), std::string::npos);
  EXPECT_EQ(d.errors.errors()[2].row, 4u);
  EXPECT_EQ(d.errors.errors()[2].message,
            "Failed to deserialise value: expected a JSON object, got [1, 2]");
  EXPECT_EQ(d.errors.errors()[3].message,
            "Failed to deserialise value: field ID: expected BIGINT, got true");
  EXPECT_EQ(d.errors.errors()[4].row, 6u);
  d.batch.exclude_rows(d.errors.rows());
  ASSERT_EQ(d.batch.active_rows(), 2u);
  EXPECT_EQ(row_text(d.batch, d.batch.row(0)), "1|1.5");
  EXPECT_EQ(row_text(d.batch, d.batch.row(1)), "4|4.0");
}

// A record that is not JSON says what is wrong and, where the parser knows, at which byte; never
// "No error". (An unclosed string, found before any value is read, once crashed the decoder.)
TEST(JsonFormatTest, InvalidJsonSaysWhatAndWhere) {
  std::vector<Column> cols = {{"V", Type::integer()}};
  Records records = {R"(garbage)",         R"(nul)",    R"({"V": 3, )", R"({"V":"x)", R"({"V":1}})",
                     R"({"V": 1, "V" 2})", R"({"V":1})"};
  auto d = decode(kJson, cols, records);
  ASSERT_EQ(d.errors.size(), records.size() - 1);
  const std::vector<std::string> expected = {
      "invalid JSON at byte 0: The JSON document has an improper structure",
      "invalid JSON at byte 0: unexpected token",
      "invalid JSON at byte 0: JSON document ended early in the middle of an object or array",
      "invalid JSON: A string is opened, but never closed",
      "invalid JSON at byte 7: trailing content after the value",
      "invalid JSON at byte 13: The JSON document has an improper structure",
  };
  for (size_t i = 0; i < expected.size(); ++i) {
    const std::string& m = d.errors.errors()[i].message;
    EXPECT_EQ(m.rfind("Failed to deserialise value: " + expected[i], 0), 0u) << i << ": " << m;
  }
  EXPECT_EQ(row_text(d.batch, 6), "1");
}

TEST(JsonFormatTest, ErrorPathsNameNestedFields) {
  Type inner = Type::struct_({{"Q", Type::integer()}});
  std::vector<Column> cols = {{"A", Type::array(inner)},
                              {"M", Type::map(Type::string(), Type::integer())}};
  auto d = decode(kJson, cols, {R"({"a": [{"q": 1}, {"q": "x"}]})", R"({"m": {"k": "z"}})"});
  ASSERT_EQ(d.errors.size(), 2u);
  EXPECT_EQ(d.errors.errors()[0].message,
            "Failed to deserialise value: field A[1].Q: expected INTEGER, got \"x\"");
  EXPECT_EQ(d.errors.errors()[1].message,
            "Failed to deserialise value: field M.k: expected INTEGER, got \"z\"");
}

TEST(JsonFormatTest, UnwrappedSingleValues) {
  FormatOptions unwrapped;
  unwrapped.wrap_single_value = false;
  auto d = decode(kJson, {{"V", Type::array(Type::string())}},
                  {R"(["a", "b", null])", "[1, 2]", "null"}, Side::kValue, unwrapped);
  ASSERT_TRUE(d.errors.empty());
  EXPECT_EQ(row_text(d.batch, 0), "[a, b, null]");
  EXPECT_EQ(row_text(d.batch, 1), "[1, 2]");
  EXPECT_EQ(row_text(d.batch, 2), "<null row>");

  auto m = decode(kJson, {{"V", Type::map(Type::string(), Type::double_())}}, {R"({"a": 45.67})"},
                  Side::kValue, unwrapped);
  EXPECT_EQ(row_text(m.batch, 0), "{a=45.67}");
  auto s = decode(kJson, {{"V", Type::struct_({{"A", Type::double_()}})}}, {R"({"a": 45.67})"},
                  Side::kValue, unwrapped);
  EXPECT_EQ(row_text(s.batch, 0), "Struct{A=45.67}");
  auto b =
      decode(kJson, {{"V", Type::boolean()}}, {"true", " false ", "1 2"}, Side::kValue, unwrapped);
  EXPECT_EQ(row_text(b.batch, 0), "true");
  EXPECT_EQ(row_text(b.batch, 1), "false");
  ASSERT_EQ(b.errors.size(), 1u);
  EXPECT_EQ(b.errors.errors()[0].row, 2u);
}

TEST(JsonFormatTest, KeysAreUnwrappedWhenSingle) {
  auto d = decode(kJson, {{"K", Type::bigint()}}, {"998877665544332211", std::nullopt}, Side::kKey);
  ASSERT_TRUE(d.errors.empty());
  EXPECT_EQ(row_text(d.batch, 0, Side::kKey), "998877665544332211");
  EXPECT_EQ(row_text(d.batch, 1, Side::kKey), "<null row>");
  EXPECT_EQ(d.batch.value_null()[1], 0);
  auto multi = decode(kJson, {{"K1", Type::string()}, {"K2", Type::integer()}},
                      {R"({"k1": "foo", "K2": 1})"}, Side::kKey);
  EXPECT_EQ(row_text(multi.batch, 0, Side::kKey), "foo|1");
}

TEST(JsonFormatTest, EncodesLikeKsqlDb) {
  std::vector<Column> cols = {{"ID", Type::bigint()},
                              {"NAME", Type::string()},
                              {"PRICE", Type::double_()},
                              {"DEC", Type::decimal(4, 2)},
                              {"TS", Type::timestamp()},
                              {"RAW", Type::bytes()},
                              {"S", Type::struct_({{"F0", Type::integer()}})},
                              {"quoted", Type::map(Type::string(), Type::array(Type::integer()))}};
  auto d = decode(kJson, cols,
                  {R"({"ID": 1, "NAME": "a\"b\n", "PRICE": 10, "DEC": 10.1, "TS": 1700000000000,
                       "RAW": "aGVsbG8=", "S": {"F0": 1}, "quoted": {"k": [1, null]}})",
                   R"({"ID": 2})", std::nullopt});
  ASSERT_TRUE(d.errors.empty()) << d.errors.errors()[0].message;
  auto out = encode(kJson, cols, d.batch);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(*out[0], R"({"ID":1,"NAME":"a\"b\n","PRICE":10.0,"DEC":10.10,"TS":1700000000000,)"
                     R"("RAW":"aGVsbG8=","S":{"F0":1},"quoted":{"k":[1,null]}})");
  EXPECT_EQ(*out[1], R"({"ID":2,"NAME":null,"PRICE":null,"DEC":null,"TS":null,"RAW":null,"S":null,)"
                     R"("quoted":null})");
  EXPECT_FALSE(out[2].has_value());
}

TEST(JsonFormatTest, EncodesUnwrappedAndRoundTrips) {
  FormatOptions unwrapped;
  unwrapped.wrap_single_value = false;
  std::vector<Column> cols = {{"FOO", Type::array(Type::bigint())}};
  auto d = decode(kJson, cols, {R"({"FOO": [12, 34, null]})", R"({"FOO": null})", std::nullopt});
  auto out = encode(kJson, cols, d.batch, Side::kValue, unwrapped);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(*out[0], "[12,34,null]");
  EXPECT_FALSE(out[1].has_value());
  EXPECT_FALSE(out[2].has_value());
  // And decode what we wrote.
  auto again = decode(kJson, cols, {*out[0]}, Side::kValue, unwrapped);
  EXPECT_EQ(row_text(again.batch, 0), "[12, 34, null]");
}

TEST(JsonFormatTest, EncoderHonoursTheSelection) {
  std::vector<Column> cols = {{"V", Type::integer()}};
  auto d = decode(kJson, cols, {R"({"V": 1})", R"({"V": "x"})", R"({"V": 3})"});
  d.batch.exclude_rows(d.errors.rows());
  auto out = encode(kJson, cols, d.batch);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(*out[0], R"({"V":1})");
  EXPECT_EQ(*out[1], R"({"V":3})");
}

TEST(JsonFormatTest, EncodesFlatRowsStraightIntoTheBuffer) {
  // Rows of scalar columns take the encoder's raw path: escapes, NULLs, null rows, non-finite
  // doubles, extreme integers, and strings long enough to grow the buffer in the middle of a row.
  std::vector<Column> cols = {{"B", Type::boolean()},    {"I", Type::integer()},
                              {"L", Type::bigint()},     {"D", Type::double_()},
                              {"S", Type::string()},     {"TS", Type::timestamp()},
                              {"quoted", Type::string()}};
  std::string long_text(200000, 'x');
  long_text[7] = '"';
  long_text[150000] = '\x01';
  std::string long_json = long_text;
  long_json.replace(150000, 1, "\\u0001");
  long_json.replace(7, 1, "\\\"");
  auto d = decode(
      kJson, cols,
      {R"({"B": true, "I": -2147483648, "L": -9223372036854775808, "D": 0.1,
                       "S": "a\"b\\c\n\t\u0002é", "TS": 0, "quoted": ""})",
       R"({"B": false, "I": 2147483647, "L": 9223372036854775807, "D": "-Infinity"})", std::nullopt,
       "{\"S\": \"" + long_json + "\", \"D\": 1e300}", R"({"D": "NaN", "quoted": "q"})"});
  ASSERT_TRUE(d.errors.empty()) << d.errors.errors()[0].message;
  auto out = encode(kJson, cols, d.batch);
  ASSERT_EQ(out.size(), 5u);
  EXPECT_EQ(*out[0], R"({"B":true,"I":-2147483648,"L":-9223372036854775808,"D":0.1,)"
                     R"("S":"a\"b\\c\n\t\u0002é","TS":0,"quoted":""})");
  EXPECT_EQ(*out[1], R"({"B":false,"I":2147483647,"L":9223372036854775807,"D":"-Infinity",)"
                     R"("S":null,"TS":null,"quoted":null})");
  EXPECT_FALSE(out[2].has_value());
  EXPECT_EQ(*out[3], R"({"B":null,"I":null,"L":null,"D":1.0E300,"S":")" + long_json +
                         R"(","TS":null,"quoted":null})");
  EXPECT_EQ(*out[4], R"({"B":null,"I":null,"L":null,"D":"NaN","S":null,"TS":null,"quoted":"q"})");
}

TEST(JsonFormatTest, IntegersOfEveryLength) {
  // The integer fast path reads eight digits at a time: every length, signs, fractions and
  // exponents around the eight-digit boundaries.
  std::vector<Column> cols = {{"L", Type::bigint()}, {"I", Type::integer()}};
  Records records;
  std::vector<std::string> texts;
  std::string digits = "1234567890123456789";
  for (size_t n = 1; n <= 19; ++n) {
    texts.push_back(digits.substr(0, n));
    texts.push_back("-" + digits.substr(0, n));
  }
  for (std::string t : {"9223372036854775807", "-9223372036854775808", "12345678.9", "-1234567.89",
                        "123456789e2", "0", "-0", "98765432", "9876543210987654"}) {
    texts.push_back(t);
  }
  for (const std::string& t : texts) {
    records.push_back(std::string("{\"L\": ").append(t).append(", \"I\": ").append(t).append("}"));
  }
  auto d = decode(kJson, cols, records);
  ASSERT_TRUE(d.errors.empty()) << d.errors.errors()[0].message;
  for (size_t r = 0; r < texts.size(); ++r) {
    const std::string& t = texts[r];
    SCOPED_TRACE(t);
    double real = std::stod(t);
    // Integer text converts exactly; fractions and exponents (all in range here) truncate.
    int64_t want = t.find_first_of(".e") != std::string::npos ? static_cast<int64_t>(real)
                   : t[0] == '-' ? -static_cast<int64_t>(std::stoull(t.substr(1)) - 1) - 1
                                 : static_cast<int64_t>(std::stoull(t));
    EXPECT_EQ(d.batch.column(0).get<int64_t>(r), want);
    if (std::abs(real) < 2147483648.0) {
      EXPECT_EQ(d.batch.column(1).get<int32_t>(r), static_cast<int32_t>(want));
    }
  }
}

TEST(JsonFormatTest, EncodesIntegersOfEveryLength) {
  std::vector<Column> cols = {{"L", Type::bigint()}, {"I", Type::integer()}};
  std::vector<int64_t> values = {0, std::numeric_limits<int64_t>::min(),
                                 std::numeric_limits<int64_t>::max()};
  for (int64_t p = 1, k = 0; k < 18; ++k, p *= 10) {
    for (int64_t v : {p - 1, p, p + 1, 9 * p + (p - 1), 7 * p + 3}) {
      values.push_back(v);
      values.push_back(-v);
    }
  }
  Records records;
  for (int64_t v : values) {
    records.push_back(fmt::format("{{\"L\": {}, \"I\": {}}}", v, static_cast<int32_t>(v)));
  }
  auto d = decode(kJson, cols, records);
  ASSERT_TRUE(d.errors.empty()) << d.errors.errors()[0].message;
  auto out = encode(kJson, cols, d.batch);
  ASSERT_EQ(out.size(), values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    EXPECT_EQ(*out[i],
              fmt::format("{{\"L\":{},\"I\":{}}}", values[i], static_cast<int32_t>(values[i])));
  }
}

TEST(JsonFormatTest, ValidationMessages) {
  std::vector<Column> bad = {{"FOO", Type::map(Type::integer(), Type::double_())}};
  auto st = kJson.validate(bad, Side::kValue, {});
  EXPECT_EQ(st.message(), "JSON only supports MAP types with STRING keys");
  EXPECT_FALSE(kJson.make_decoder(bad, Side::kValue, {}).is_ok());
  EXPECT_EQ(find_format("json"), &kJson);
  EXPECT_EQ(find_format("Delimited"), &delimited_format());
  EXPECT_EQ(find_format("FOO"), nullptr);
}

TEST(JsonFormatTest, DecodesIntoRowsAfterAnOffsetAndReusesTheBatch) {
  std::vector<Column> cols = {{"S", Type::string()}};
  auto dec = kJson.make_decoder(cols, Side::kValue, {});
  ASSERT_TRUE(dec.is_ok());
  ColumnBatch b(cols, 8);
  DecodeErrors errors;
  std::vector<uint32_t> c = {0};
  for (int round = 0; round < 3; ++round) {
    b.reset();
    std::string r0 = R"({"s": "first )" + std::to_string(round) + "\"}";
    std::vector<RecordBytes> first = {RecordBytes::of(r0)};
    std::vector<RecordBytes> second = {RecordBytes::of(R"({"S": "x"})"), RecordBytes::of(R"({})")};
    (*dec)->decode(first, b, 0, c, errors);
    (*dec)->decode(second, b, 1, c, errors);
    b.set_size(3);
    EXPECT_EQ(row_text(b, 0), "first " + std::to_string(round));
    EXPECT_EQ(row_text(b, 1), "x");
    EXPECT_EQ(row_text(b, 2), "null");
  }
  EXPECT_TRUE(errors.empty());
}

}  // namespace
}  // namespace sluice::format

namespace sluice::format {
namespace {

TEST(JsonFormatTest, TemporalTypesAndNonFiniteDoubles) {
  std::vector<Column> cols = {{"D", Type::date()}, {"T", Type::time()}, {"X", Type::double_()}};
  auto d = testing::decode(
      json_format(), cols,
      {R"({"d": 19675, "t": "3600000", "x": "NaN"})", R"({"d": "x"})", R"({"x": "-Infinity"})"});
  ASSERT_EQ(d.errors.size(), 1u);
  EXPECT_EQ(d.errors.errors()[0].message,
            "Failed to deserialise value: field D: expected DATE, got \"x\"");
  EXPECT_EQ(testing::row_text(d.batch, 0), "19675|3600000|NaN");
  d.batch.exclude_rows(d.errors.rows());
  auto out = testing::encode(json_format(), cols, d.batch);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(*out[0], R"({"D":19675,"T":3600000,"X":"NaN"})");
  EXPECT_EQ(*out[1], R"({"D":null,"T":null,"X":"-Infinity"})");
}

}  // namespace
}  // namespace sluice::format

namespace sluice::format {
namespace {

// Decodes with a projection: uses[j] for column j.
testing::Decoded decode_projected(const std::vector<Column>& columns,
                                  const std::vector<ColumnUse>& uses,
                                  const testing::Records& records) {
  auto dec = json_format().make_decoder(columns, Side::kValue, {});
  EXPECT_TRUE(dec.is_ok());
  (*dec)->set_projection(uses);
  testing::Decoded d{ColumnBatch(columns, 4), {}};
  d.batch.reserve(records.size());
  std::vector<RecordBytes> raw;
  for (const auto& r : records) raw.push_back(r ? RecordBytes::of(*r) : RecordBytes::null_record());
  (*dec)->decode(raw, d.batch, 0, testing::all_columns(columns.size()), d.errors);
  d.batch.set_size(records.size());
  return d;
}

TEST(JsonProjectionTest, DecodesWhatIsReadAndStillTypeChecksTheRest) {
  Type p = Type::struct_({{"ID", Type::bigint()}, {"NAME", Type::string()}});
  Type b = Type::struct_({{"A", Type::bigint()}, {"U", Type::string()}, {"X", Type::bigint()}});
  std::vector<Column> cols = {{"ET", Type::integer()}, {"P", p}, {"B", b}};
  std::vector<ColumnUse> uses = {
      ColumnUse{},  // ET whole
      ColumnUse{false, {}},
      ColumnUse{true, {ColumnUse{}, ColumnUse{false, {}}, ColumnUse{false, {}}}}};
  auto d = decode_projected(
      cols, uses,
      {R"({"et": 2, "p": null, "b": {"a": 246, "u": "http://x", "x": 7}})",
       R"({"et": 2, "p": {"id": "abc"}, "b": {"a": 1}})", R"({"et": 2, "b": {"a": 1, "x": "zz"}})",
       R"({"et": "nope"})",
       R"({"et": 1, "p": {"id": "12", "name": {"k": 1}}, "b": {"a": "5", "u": [1, 2]}})",
       R"({"et": 3, "b": null})"});
  ASSERT_EQ(d.errors.size(), 3u);
  EXPECT_EQ(d.errors.errors()[0].row, 1u);
  EXPECT_NE(d.errors.errors()[0].message.find("field P.ID"), std::string::npos)
      << d.errors.errors()[0].message;
  EXPECT_EQ(d.errors.errors()[1].row, 2u);
  EXPECT_NE(d.errors.errors()[1].message.find("field B.X"), std::string::npos)
      << d.errors.errors()[1].message;
  EXPECT_EQ(d.errors.errors()[2].row, 3u);
  EXPECT_NE(d.errors.errors()[2].message.find("field ET"), std::string::npos);

  const Vector& et = d.batch.column(0);
  const Vector& bv = d.batch.column(2);
  EXPECT_EQ(et.get<int32_t>(0), 2);
  ASSERT_FALSE(bv.is_null(0));
  EXPECT_EQ(bv.child(0).get<int64_t>(0), 246);
  EXPECT_EQ(et.get<int32_t>(4), 1);
  EXPECT_EQ(bv.child(0).get<int64_t>(4), 5);
  EXPECT_EQ(et.get<int32_t>(5), 3);
  EXPECT_TRUE(bv.is_null(5));
}

TEST(JsonProjectionTest, UnreadStructsAreCheckedWhateverTheShapeOfEarlierRecords) {
  // The unread struct's keys resolve through the per-position key cache once records repeat a
  // shape; what is checked must not depend on it.
  Type p = Type::struct_({{"ID", Type::bigint()}, {"NAME", Type::string()}});
  std::vector<Column> cols = {{"ET", Type::integer()}, {"P", p}};
  std::vector<ColumnUse> uses = {ColumnUse{}, ColumnUse{false, {}}};
  auto d = decode_projected(
      cols, uses,
      {R"({"et": 1, "p": {"id": 1, "name": "a"}})", R"({"et": 2, "p": {"id": 2, "name": "b"}})",
       R"({"et": 3, "p": {"id": "x", "name": "c"}})", R"({"et": 4, "p": {"name": "d", "id": 4}})",
       R"({"et": 5, "p": {"name": [1], "id": {}}})", R"({"et": 6, "p": {"id": 6, "ID": "y"}})",
       R"({"et": 7, "p": {"ID": 7, "id": "z"}})", R"({"et": 8, "p": {"I\u0044": "w"}})",
       R"({"et": 9, "p": {"id": 9, "name": "i"}})"});
  std::vector<uint32_t> bad;
  for (const auto& e : d.errors.errors()) bad.push_back(e.row);
  EXPECT_EQ(bad, (std::vector<uint32_t>{2, 4, 5, 7}));
  for (const auto& e : d.errors.errors()) {
    EXPECT_NE(e.message.find("field P.ID"), std::string::npos) << e.message;
  }
  EXPECT_EQ(d.batch.column(0).get<int32_t>(8), 9);
}

TEST(JsonProjectionTest, StringsStayValidWhileTheirBatchLives) {
  // Escape-free strings are views into the decoder's copy of the records: a second decode must
  // not overwrite what an earlier batch still points to.
  std::vector<Column> cols = {{"S", Type::string()}, {"E", Type::string()}};
  auto dec = json_format().make_decoder(cols, Side::kValue, {});
  ASSERT_TRUE(dec.is_ok());
  auto run = [&](ColumnBatch& batch, const std::string& rec) {
    std::vector<RecordBytes> raw = {RecordBytes::of(rec)};
    DecodeErrors errors;
    batch.reserve(1);
    (*dec)->decode(raw, batch, 0, testing::all_columns(2), errors);
    batch.set_size(1);
    EXPECT_TRUE(errors.empty());
  };
  ColumnBatch first(cols, 4), second(cols, 4);
  std::string r1 = R"({"s": "first-value", "e": "a\"b\\c\u0041"})";
  std::string r2 = R"({"s": "SECOND-VALUE", "e": "zz"})";
  run(first, r1);
  r1.assign(r1.size(), 'x');  // the decoder must not point into the caller's bytes either
  run(second, r2);
  EXPECT_EQ(first.column(0).get_string(0), "first-value");
  EXPECT_EQ(first.column(1).get_string(0), "a\"b\\cA");
  EXPECT_EQ(second.column(0).get_string(0), "SECOND-VALUE");
  EXPECT_EQ(second.column(1).get_string(0), "zz");
  first.reset();
  run(first, R"({"s": "third"})");
  EXPECT_EQ(first.column(0).get_string(0), "third");
  EXPECT_EQ(second.column(0).get_string(0), "SECOND-VALUE");
}

}  // namespace
}  // namespace sluice::format

namespace sluice::format {
namespace {

// Records parsed in place (RecordBytes::padded) decode exactly as copied ones, whatever bytes
// follow them: here each record is followed by the next record's bytes or by junk.
TEST(JsonPaddedTest, InPlaceParsingMatchesCopiedParsing) {
  struct Case {
    std::vector<Column> columns;
    bool wrapped;
    std::vector<std::string> records;
  };
  std::vector<Case> cases = {
      {{{"V", Type::bigint()}}, false, {"123", "-7", "12.5", "\"42\"", "1 2", "x", "[1]"}},
      {{{"S", Type::string()}}, false, {R"("abc")", R"("a\"b")", "17", "true", "{\"k\": 1}"}},
      {{{"D", Type::double_()}}, false, {"1.5", "2", "1e3", "\"3.25\""}},
      {{{"A", Type::bigint()}, {"B", Type::string()}},
       true,
       {R"({"a": 1, "b": "x"})", R"({"b": "y\n", "a": "2"})", R"({"a": )", R"({"a": 1} 2)",
        R"({"a": 9223372036854775807})", "null", "[]"}},
  };
  for (const Case& c : cases) {
    FormatOptions options;
    if (!c.wrapped) options.wrap_single_value = false;
    auto copied = testing::decode(json_format(), c.columns,
                                  testing::Records(c.records.begin(), c.records.end()),
                                  Side::kValue, options);
    // Back to back, each followed by digits or quotes that would extend a token read past its
    // end, then kRecordPadding bytes of junk.
    std::string buffer;
    std::vector<size_t> starts;
    for (const std::string& r : c.records) {
      starts.push_back(buffer.size());
      buffer += r;
      buffer += "9\"}";
    }
    buffer.append(kRecordPadding, '7');
    std::vector<RecordBytes> raw;
    for (size_t i = 0; i < c.records.size(); ++i) {
      RecordBytes b =
          RecordBytes::of(std::string_view(buffer).substr(starts[i], c.records[i].size()));
      b.padded = true;
      raw.push_back(b);
    }
    auto dec = json_format().make_decoder(c.columns, Side::kValue, options);
    ASSERT_TRUE(dec.is_ok()) << dec.status().to_string();
    ColumnBatch batch(c.columns, 4);
    batch.reserve(raw.size());
    DecodeErrors errors;
    (*dec)->decode(raw, batch, 0, testing::all_columns(c.columns.size()), errors);
    batch.set_size(raw.size());
    ASSERT_EQ(errors.size(), copied.errors.size()) << c.records[0];
    for (size_t e = 0; e < errors.size(); ++e) {
      EXPECT_EQ(errors.errors()[e].row, copied.errors.errors()[e].row);
      EXPECT_EQ(errors.errors()[e].message, copied.errors.errors()[e].message);
    }
    std::vector<uint32_t> bad = errors.rows();
    for (uint32_t r = 0; r < raw.size(); ++r) {
      if (std::find(bad.begin(), bad.end(), r) != bad.end()) continue;
      EXPECT_EQ(testing::row_text(batch, r), testing::row_text(copied.batch, r)) << c.records[r];
    }
  }
}

}  // namespace
}  // namespace sluice::format
