#include <gtest/gtest.h>

#include <cstring>

#include "common/bytes.h"
#include "format/tests/format_test_util.h"

namespace sluice::format {
namespace {

using testing::decode;
using testing::encode;
using testing::row_text;

// Constant references to the formats: kConstant names (STYLE.md), which the check only knows for
// const objects.
// NOLINTNEXTLINE(readability-identifier-naming)
const Format& kDelimited = delimited_format();
// NOLINTNEXTLINE(readability-identifier-naming)
const Format& kKafka = kafka_format();

TEST(DelimitedFormatTest, DecodesFieldsInOrder) {
  std::vector<Column> cols = {{"ID", Type::bigint()},
                              {"NAME", Type::string()},
                              {"VALUE", Type::integer()},
                              {"OK", Type::boolean()}};
  auto d = decode(kDelimited, cols,
                  {"0,zero,0,true", "1,,7,TRUE", "\"2\",\"a,\"\"b\"\"\",3,no", std::nullopt});
  ASSERT_TRUE(d.errors.empty()) << d.errors.errors()[0].message;
  EXPECT_EQ(row_text(d.batch, 0), "0|zero|0|true");
  EXPECT_EQ(row_text(d.batch, 1), "1|null|7|true");
  EXPECT_EQ(row_text(d.batch, 2), "2|a,\"b\"|3|false");
  EXPECT_EQ(row_text(d.batch, 3), "<null row>");
}

TEST(DelimitedFormatTest, ReadsDecimalsAndCustomDelimiters) {
  std::vector<Column> cols = {{"V", Type::decimal(33, 16)}};
  auto d = decode(kDelimited, cols,
                  {"12345678987654321.2345678987654321", ".12", "-12345.12", "\"-12345.12\""});
  ASSERT_TRUE(d.errors.empty());
  EXPECT_EQ(row_text(d.batch, 1), "0.1200000000000000");
  auto out = encode(kDelimited, cols, d.batch);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(*out[0], "12345678987654321.2345678987654321");
  EXPECT_EQ(*out[1], "0.1200000000000000");
  // Commons CSV quotes a first field that does not start with a letter or digit.
  EXPECT_EQ(*out[2], "\"-12345.1200000000000000\"");
  EXPECT_EQ(*out[3], "\"-12345.1200000000000000\"");

  FormatOptions tab;
  tab.delimiter = *parse_delimiter("TAB", "VALUE_DELIMITER");
  std::vector<Column> three = {
      {"A", Type::integer()}, {"B", Type::string()}, {"C", Type::integer()}};
  auto t = decode(kDelimited, three, {"0\tzero\t0"}, Side::kValue, tab);
  EXPECT_EQ(row_text(t.batch, 0), "0|zero|0");
  EXPECT_EQ(*encode(kDelimited, three, t.batch, Side::kValue, tab)[0], "0\tzero\t0");
  FormatOptions dollar;
  dollar.delimiter = '$';
  EXPECT_EQ(*encode(kDelimited, three, t.batch, Side::kValue, dollar)[0], "0$zero$0");
}

TEST(DelimitedFormatTest, QuotesLikeCommonsCsv) {
  std::vector<Column> cols = {{"A", Type::string()}, {"B", Type::string()}, {"C", Type::double_()}};
  auto d = decode(kDelimited, cols,
                  {"x,\"a,b\",1.5", "x,\" lead\",", "\"\",#x,-1", "x,\"say \"\"hi\"\"\",1e10"});
  ASSERT_TRUE(d.errors.empty()) << d.errors.errors()[0].message;
  auto out = encode(kDelimited, cols, d.batch);
  EXPECT_EQ(*out[0], "x,\"a,b\",1.5");
  EXPECT_EQ(*out[1], "x,\" lead\",");
  // The empty first field decoded as NULL; '-' only forces quotes on a first field.
  EXPECT_EQ(*out[2], ",\"#x\",-1.0");
  EXPECT_EQ(*out[3], "x,\"say \"\"hi\"\"\",1.0E10");
}

TEST(DelimitedFormatTest, BadRecordsAreReported) {
  std::vector<Column> cols = {{"ID", Type::bigint()}, {"AMOUNT", Type::double_()}};
  auto d = decode(kDelimited, cols, {"1,2.5", "2,abc", "3", "\"4,5", "5,6"});
  ASSERT_EQ(d.errors.size(), 3u);
  EXPECT_EQ(d.errors.errors()[0].message,
            "Failed to deserialise value: field AMOUNT: expected DOUBLE, got \"abc\"");
  EXPECT_EQ(d.errors.errors()[1].message,
            "Failed to deserialise value: Column count mismatch on deserialization. expected: 2, "
            "got: 1");
  EXPECT_EQ(d.errors.errors()[2].row, 3u);
  d.batch.exclude_rows(d.errors.rows());
  ASSERT_EQ(d.batch.active_rows(), 2u);
  EXPECT_EQ(row_text(d.batch, d.batch.row(1)), "5|6.0");
}

TEST(DelimitedFormatTest, ValidationAndDelimiters) {
  std::vector<Column> arr = {{"FOO", Type::array(Type::integer())}};
  EXPECT_EQ(kDelimited.validate(arr, Side::kValue, {}).message(),
            "The 'DELIMITED' format does not support type 'ARRAY'");
  FormatOptions wrap;
  wrap.wrap_single_value = true;
  EXPECT_EQ(kDelimited.validate({}, Side::kValue, wrap).message(),
            "Format 'DELIMITED' does not support 'WRAP_SINGLE_VALUE' set to 'true'.");
  EXPECT_EQ(*parse_delimiter("SPACE", "VALUE_DELIMITER"), ' ');
  EXPECT_EQ(*parse_delimiter("|", "VALUE_DELIMITER"), '|');
  auto bad = parse_delimiter("<~>", "VALUE_DELIMITER");
  ASSERT_FALSE(bad.is_ok());
  EXPECT_EQ(bad.status().message(),
            "Configuration VALUE_DELIMITER is invalid: Invalid delimiter value: '<~>'. Delimiter "
            "must be a single character or TAB,SPACE\nExample valid value: ';'");
  EXPECT_FALSE(parse_delimiter("", "VALUE_DELIMITER").is_ok());
  EXPECT_FALSE(parse_delimiter(" ", "VALUE_DELIMITER").is_ok());
}

std::string be32(int32_t v) {
  uint8_t b[4];
  store_be32(b, static_cast<uint32_t>(v));
  return std::string(reinterpret_cast<char*>(b), 4);
}
std::string be64(uint64_t v) {
  uint8_t b[8];
  store_be64(b, v);
  return std::string(reinterpret_cast<char*>(b), 8);
}

TEST(KafkaFormatTest, PrimitivesRoundTrip) {
  double dv = 2.2;
  uint64_t bits;
  std::memcpy(&bits, &dv, 8);
  struct Case {
    Type type;
    std::string bytes;
    std::string text;
  };
  std::vector<Case> cases = {{Type::integer(), be32(-2), "-2"},
                             {Type::bigint(), be64(1ull << 40), "1099511627776"},
                             {Type::double_(), be64(bits), "2.2"},
                             {Type::string(), "bar", "bar"}};
  for (const auto& c : cases) {
    std::vector<Column> cols = {{"FOO", c.type}};
    auto d = decode(kKafka, cols, {c.bytes, std::nullopt});
    ASSERT_TRUE(d.errors.empty()) << c.type.to_string();
    EXPECT_EQ(row_text(d.batch, 0), c.text);
    EXPECT_EQ(row_text(d.batch, 1), "<null row>");
    auto out = encode(kKafka, cols, d.batch);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(*out[0], c.bytes);
    EXPECT_FALSE(out[1].has_value());
  }
}

TEST(KafkaFormatTest, WrongSizesAreReported) {
  auto d = decode(kKafka, {{"FOO", Type::integer()}}, {"abc", be32(5)});
  ASSERT_EQ(d.errors.size(), 1u);
  EXPECT_EQ(d.errors.errors()[0].message,
            "Failed to deserialise value: Size of data received by IntegerDeserializer is not 4");
  EXPECT_EQ(row_text(d.batch, 1), "5");
}

TEST(KafkaFormatTest, Validation) {
  EXPECT_EQ(
      kKafka.validate(std::vector<Column>{{"FOO", Type::struct_({})}}, Side::kValue, {}).message(),
      "The 'KAFKA' format does not support type 'STRUCT'");
  std::vector<Column> two = {{"A", Type::integer()}, {"B", Type::integer()}};
  EXPECT_EQ(kKafka.validate(two, Side::kValue, {}).message(),
            "The 'KAFKA' format only supports a single field. Got: [`A` INTEGER, `B` INTEGER]");
  EXPECT_TRUE(kKafka.validate({}, Side::kKey, {}).is_ok());
}

TEST(NoneFormatTest, ReadsNothingAndWritesNullKeys) {
  auto d = decode(none_format(), {}, {"ignored", std::nullopt}, Side::kKey);
  EXPECT_TRUE(d.errors.empty());
  EXPECT_EQ(d.batch.key_null()[0], 0);
  EXPECT_EQ(d.batch.key_null()[1], 1);
  auto out = encode(none_format(), {}, d.batch, Side::kKey);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_FALSE(out[0].has_value());
  std::vector<Column> k = {{"K", Type::integer()}};
  EXPECT_FALSE(none_format().validate(k, Side::kKey, {}).is_ok());
}

}  // namespace
}  // namespace sluice::format

namespace sluice::format {
namespace {

TEST(DelimitedFormatTest, TemporalAndBytesColumns) {
  std::vector<Column> cols = {
      {"TS", Type::timestamp()}, {"D", Type::date()}, {"T", Type::time()}, {"RAW", Type::bytes()}};
  auto d = testing::decode(delimited_format(), cols, {"1700000000000,19675,3600000,aGVsbG8="});
  ASSERT_TRUE(d.errors.empty()) << d.errors.errors()[0].message;
  EXPECT_EQ(testing::row_text(d.batch, 0), "1700000000000|19675|3600000|aGVsbG8=");
  EXPECT_EQ(d.batch.column(3).get_string(0), "hello");
  EXPECT_EQ(*testing::encode(delimited_format(), cols, d.batch)[0],
            "1700000000000,19675,3600000,aGVsbG8=");
}

}  // namespace
}  // namespace sluice::format
