#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "format/decimal.h"
#include "format/text.h"

namespace sluice::format {
namespace {

std::string dec(std::string_view text, int p, int s) {
  auto r = parse_decimal(text, p, s);
  if (!r.is_ok()) return "ERR: " + r.status().message();
  return decimal_to_string(*r, s);
}

TEST(DecimalTest, ParsesToTheTypeScale) {
  EXPECT_EQ(dec("12.3650", 6, 4), "12.3650");
  EXPECT_EQ(dec("12.0", 6, 4), "12.0000");
  EXPECT_EQ(dec(".12", 33, 16), "0.1200000000000000");
  EXPECT_EQ(dec("-12345.12", 33, 16), "-12345.1200000000000000");
  EXPECT_EQ(dec("12345678987654321.2345678987654321", 33, 16),
            "12345678987654321.2345678987654321");
  EXPECT_EQ(dec("+7", 3, 0), "7");
  EXPECT_EQ(dec("1e2", 5, 1), "100.0");
  EXPECT_EQ(dec("-0.5", 2, 1), "-0.5");
  EXPECT_EQ(dec("0", 4, 2), "0.00");
  EXPECT_EQ(dec("0e1001", 4, 2), "0.00");  // found by format_fuzz
  EXPECT_EQ(dec("1e-400", 4, 2), "0.00");
}

TEST(DecimalTest, RoundsHalfUp) {
  EXPECT_EQ(dec("1.005", 4, 2), "1.01");
  EXPECT_EQ(dec("1.004", 4, 2), "1.00");
  EXPECT_EQ(dec("-1.005", 4, 2), "-1.01");
  EXPECT_EQ(dec("9.5", 2, 0), "10");
}

TEST(DecimalTest, RejectsOverflowAndGarbage) {
  EXPECT_EQ(dec("100.0", 4, 2).substr(0, 30), "ERR: Numeric field overflow: A");
  EXPECT_EQ(dec("99.995", 4, 2).substr(0, 5), "ERR: ");
  EXPECT_EQ(dec("abc", 4, 2).substr(0, 5), "ERR: ");
  EXPECT_EQ(dec("1.2.3", 4, 2).substr(0, 5), "ERR: ");
  EXPECT_EQ(dec("", 4, 2).substr(0, 5), "ERR: ");
  EXPECT_EQ(dec("99999999999999999999999999999999999999", 38, 0),
            "99999999999999999999999999999999999999");
  EXPECT_EQ(dec("999999999999999999999999999999999999999", 38, 0).substr(0, 5), "ERR: ");
}

TEST(DecimalTest, RescaleAndDouble) {
  auto r = rescale_decimal(12345, 2, 6, 1);  // 123.45 -> 123.5
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(*r, 1235);
  EXPECT_FALSE(rescale_decimal(12345, 2, 4, 2).is_ok());
  EXPECT_DOUBLE_EQ(decimal_to_double(-1010, 2), -10.10);
  auto d = decimal_from_double(0.1, 4, 3);
  ASSERT_TRUE(d.is_ok());
  EXPECT_EQ(*d, 100);
  // ksqlDB: new BigDecimal(double, MathContext(precision)) then setScale HALF_UP, from the
  // exact binary value: 2.675 is 2.67499999..., so DECIMAL(3,2) gets 2.67.
  EXPECT_EQ(*decimal_from_double(2.675, 3, 2), 267);
  EXPECT_EQ(*decimal_from_double(0.125, 3, 2), 13);  // exact tie: HALF_UP
  EXPECT_EQ(*decimal_from_double(-0.125, 3, 2), -13);
  EXPECT_EQ(*decimal_from_double(9.999, 3, 1), 100);  // 10.0 after rounding to 3 digits
  EXPECT_EQ(*decimal_from_double(1.005, 10, 2), 101);
  EXPECT_EQ(*decimal_from_double(123.0, 5, 2), 12300);
  EXPECT_FALSE(decimal_from_double(1000.0, 4, 2).is_ok());
}

TEST(DecimalTest, RecordDecodingDoesNotRound) {
  EXPECT_TRUE(decimal_fits_scale("1.5", 2));
  EXPECT_TRUE(decimal_fits_scale("1.5000", 2));  // trailing zeros lose nothing
  EXPECT_TRUE(decimal_fits_scale("-12", 0));
  EXPECT_TRUE(decimal_fits_scale("1.25e1", 1));  // 12.5
  EXPECT_TRUE(decimal_fits_scale("125E-2", 2));  // 1.25
  EXPECT_FALSE(decimal_fits_scale("3.14159", 2));
  EXPECT_FALSE(decimal_fits_scale("125E-3", 2));
  EXPECT_FALSE(decimal_fits_scale("0.001", 2));
  auto exact = parse_decimal_exact("3.14159", 5, 2);
  ASSERT_FALSE(exact.is_ok());
  EXPECT_EQ(exact.status().message(),
            "Cannot fit decimal '3.14159' into DECIMAL(5, 2) without rounding.");
  auto ok = parse_decimal_exact("3.10", 5, 2);
  ASSERT_TRUE(ok.is_ok());
  EXPECT_EQ(*ok, 310);
  auto rounded = parse_decimal("3.14159", 5, 2);  // CAST and literals still round
  ASSERT_TRUE(rounded.is_ok());
  EXPECT_EQ(*rounded, 314);
}

TEST(TextTest, JavaDoubleToString) {
  EXPECT_EQ(java_double_string(1.0), "1.0");
  EXPECT_EQ(java_double_string(10.1), "10.1");
  EXPECT_EQ(java_double_string(1234.589), "1234.589");
  EXPECT_EQ(java_double_string(0.001), "0.001");
  EXPECT_EQ(java_double_string(0.0001), "1.0E-4");
  EXPECT_EQ(java_double_string(1e7), "1.0E7");
  EXPECT_EQ(java_double_string(9999999.0), "9999999.0");
  EXPECT_EQ(java_double_string(1.2345e10), "1.2345E10");
  EXPECT_EQ(java_double_string(-2.5), "-2.5");
  EXPECT_EQ(java_double_string(0.0), "0.0");
  EXPECT_EQ(java_double_string(-0.0), "-0.0");
  EXPECT_EQ(java_double_string(std::nan("")), "NaN");
  EXPECT_EQ(java_double_string(-HUGE_VAL), "-Infinity");
  EXPECT_EQ(java_double_string(123.0), "123.0");
  // One shortest digit: Java takes the closest two-digit decimal instead (subnormals).
  EXPECT_EQ(java_double_string(std::numeric_limits<double>::denorm_min()), "4.9E-324");
  EXPECT_EQ(java_double_string(-std::numeric_limits<double>::denorm_min()), "-4.9E-324");
  EXPECT_EQ(java_double_string(2 * std::numeric_limits<double>::denorm_min()), "9.9E-324");
  EXPECT_EQ(java_double_string(1e23), "1.0E23");
  EXPECT_EQ(java_double_string(std::numeric_limits<double>::max()), "1.7976931348623157E308");
}

TEST(TextTest, ParsesNumbersLikeJava) {
  EXPECT_EQ(parse_int32("42"), 42);
  EXPECT_EQ(parse_int32("-42"), -42);
  EXPECT_EQ(parse_int32("+42"), 42);
  EXPECT_FALSE(parse_int32("2147483648"));
  EXPECT_FALSE(parse_int32("1.0"));
  EXPECT_FALSE(parse_int32(" 1"));
  EXPECT_FALSE(parse_int32(""));
  EXPECT_EQ(parse_int64("998877665544332211"), 998877665544332211);
  EXPECT_EQ(parse_double(" 1.5 "), 1.5);
  EXPECT_EQ(parse_double("2d"), 2.0);
  EXPECT_TRUE(std::isnan(*parse_double("NaN")));
  EXPECT_EQ(parse_double("-Infinity"), -HUGE_VAL);
  EXPECT_FALSE(parse_double("abc"));
  EXPECT_FALSE(parse_double(""));
}

TEST(TextTest, Base64RoundTrip) {
  for (const std::string& s :
       std::vector<std::string>{"", "a", "ab", "abc", "abcd", std::string("\0\xff\x10", 3)}) {
    std::string enc;
    append_base64(enc, s);
    std::string back;
    ASSERT_TRUE(decode_base64(enc, back)) << enc;
    EXPECT_EQ(back, s);
  }
  std::string enc;
  append_base64(enc, "hello");
  EXPECT_EQ(enc, "aGVsbG8=");
  std::string out;
  EXPECT_FALSE(decode_base64("aGVsbG8", out));
  EXPECT_FALSE(decode_base64("a=bc", out));
  EXPECT_FALSE(decode_base64("a*bc", out));
}

TEST(TextTest, JsonStringEscapesInLongStrings) {
  // Escapes at every position of strings longer than one 16-byte block.
  for (size_t len : {15u, 16u, 17u, 40u}) {
    for (size_t at = 0; at < len; ++at) {
      for (char special : {'"', '\\', '\n', '\x1f', '\x7f', 'z'}) {
        std::string s(len, 'a');
        s[at] = special;
        std::string out;
        append_json_string(out, s);
        std::string want = "\"";
        for (char c : s) {
          if (c == '"') {
            want += "\\\"";
          } else if (c == '\\') {
            want += "\\\\";
          } else if (c == '\n') {
            want += "\\n";
          } else if (c == '\x1f') {
            want += "\\u001F";
          } else {
            want += c;
          }
        }
        want += '"';
        ASSERT_EQ(out, want) << len << " " << at << " " << int(special);
      }
    }
  }
}

TEST(TextTest, JsonStringEscapes) {
  std::string out;
  append_json_string(out, "a\"b\\c\n\x01/é");
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\n\\u0001/é\"");
}

}  // namespace
}  // namespace sluice::format
