#include <gtest/gtest.h>

#include "format/types.h"
#include "format/value.h"

namespace sluice::format {
namespace {

TEST(TypesTest, PrintsKsqlSpellings) {
  EXPECT_EQ(Type::integer().to_string(), "INTEGER");
  EXPECT_EQ(Type::bigint().to_string(), "BIGINT");
  EXPECT_EQ(Type::string().to_string(), "STRING");
  EXPECT_EQ(Type::decimal(4, 2).to_string(), "DECIMAL(4, 2)");
  EXPECT_EQ(Type::array(Type::bigint()).to_string(), "ARRAY<BIGINT>");
  EXPECT_EQ(Type::map(Type::string(), Type::integer()).to_string(), "MAP<STRING, INTEGER>");
  Type s = Type::struct_({{"A", Type::integer()}, {"B", Type::string()}});
  EXPECT_EQ(s.to_string(), "STRUCT<`A` INTEGER, `B` STRING>");
  EXPECT_EQ(s.describe_name(), "STRUCT<A INTEGER, B VARCHAR(STRING)>");
  EXPECT_EQ(Type::string().describe_name(), "VARCHAR(STRING)");
  EXPECT_EQ(Type::array(Type::string()).describe_name(), "ARRAY<VARCHAR(STRING)>");
  EXPECT_EQ(Type::timestamp().to_string(), "TIMESTAMP");
  EXPECT_EQ(Type::bytes().to_string(), "BYTES");
}

TEST(TypesTest, StructuralEquality) {
  Type a = Type::struct_({{"A", Type::array(Type::double_())}});
  Type b = Type::struct_({{"A", Type::array(Type::double_())}});
  Type c = Type::struct_({{"a", Type::array(Type::double_())}});
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_NE(Type::decimal(4, 2), Type::decimal(4, 1));
  EXPECT_EQ(a.field_index("A"), 0);
  EXPECT_EQ(a.field_index("B"), -1);
}

TEST(TypesTest, DecimalValidation) {
  EXPECT_FALSE(check_decimal(38, 10));
  EXPECT_TRUE(check_decimal(0, 0));
  EXPECT_TRUE(check_decimal(39, 0));
  EXPECT_TRUE(check_decimal(4, 5));
  EXPECT_TRUE(check_decimal(4, -1));
}

TEST(TypesTest, ImplicitCastsWiden) {
  EXPECT_TRUE(can_implicitly_cast(Type::integer(), Type::bigint()));
  EXPECT_TRUE(can_implicitly_cast(Type::integer(), Type::double_()));
  EXPECT_TRUE(can_implicitly_cast(Type::bigint(), Type::decimal(19, 0)));
  EXPECT_FALSE(can_implicitly_cast(Type::bigint(), Type::decimal(10, 0)));
  EXPECT_TRUE(can_implicitly_cast(Type::decimal(4, 2), Type::double_()));
  EXPECT_TRUE(can_implicitly_cast(Type::decimal(4, 2), Type::decimal(6, 3)));
  EXPECT_FALSE(can_implicitly_cast(Type::decimal(4, 2), Type::decimal(4, 3)));
  EXPECT_FALSE(can_implicitly_cast(Type::double_(), Type::bigint()));
  EXPECT_FALSE(can_implicitly_cast(Type::bigint(), Type::integer()));
  EXPECT_FALSE(can_implicitly_cast(Type::string(), Type::integer()));
  EXPECT_TRUE(can_implicitly_cast(Type::array(Type::integer()), Type::array(Type::bigint())));
  EXPECT_FALSE(can_implicitly_cast(Type::array(Type::bigint()), Type::array(Type::integer())));
}

TEST(TypesTest, CommonSuperType) {
  EXPECT_EQ(*common_super_type(Type::integer(), Type::bigint()), Type::bigint());
  EXPECT_EQ(*common_super_type(Type::bigint(), Type::double_()), Type::double_());
  EXPECT_EQ(*common_super_type(Type::integer(), Type::decimal(4, 2)), Type::decimal(12, 2));
  EXPECT_EQ(*common_super_type(Type::decimal(4, 2), Type::decimal(5, 1)), Type::decimal(6, 2));
  EXPECT_EQ(*common_super_type(Type::decimal(4, 2), Type::double_()), Type::double_());
  EXPECT_FALSE(common_super_type(Type::string(), Type::integer()));
  EXPECT_EQ(*common_super_type(Type::string(), Type::string()), Type::string());
  EXPECT_EQ(*common_super_type(Type::array(Type::integer()), Type::array(Type::double_())),
            Type::array(Type::double_()));
}

TEST(ValueTest, ToStringAndEquality) {
  EXPECT_EQ(Value::integer(12).to_string(), "12");
  EXPECT_EQ(Value::double_(1.5).to_string(), "1.5");
  EXPECT_EQ(Value::double_(10.0).to_string(), "10.0");
  EXPECT_EQ(Value::decimal(1010, 4, 2).to_string(), "10.10");
  EXPECT_EQ(Value::null(Type::string()).to_string(), "null");
  Value arr = Value::array(Type::integer(), {Value::integer(1), Value::null(Type::integer())});
  EXPECT_EQ(arr.to_string(), "[1, null]");
  Value m = Value::map(Type::string(), Type::integer(), {{Value::string("a"), Value::integer(1)}});
  EXPECT_EQ(m.to_string(), "{a=1}");
  EXPECT_EQ(Value::integer(1), Value::integer(1));
  EXPECT_NE(Value::integer(1), Value::bigint(1));
  EXPECT_NE(Value::integer(1), Value::null(Type::integer()));
}

TEST(ValueTest, RoundTripsThroughVectors) {
  Type st = Type::struct_({{"A", Type::integer()},
                           {"B", Type::array(Type::string())},
                           {"C", Type::map(Type::string(), Type::decimal(5, 2))}});
  std::vector<Value> values = {
      Value::struct_(st, {Value::integer(7),
                          Value::array(Type::string(), {Value::string("x"), Value::string("")}),
                          Value::map(Type::string(), Type::decimal(5, 2),
                                     {{Value::string("k"), Value::decimal(-123, 5, 2)}})}),
      Value::null(st),
      Value::struct_(st, {Value::null(Type::integer()), Value::null(Type::array(Type::string())),
                          Value::map(Type::string(), Type::decimal(5, 2), {})}),
  };
  Vector v(st, 2);  // grows as rows are written
  v.reserve(values.size());
  for (size_t i = 0; i < values.size(); ++i) write_value(v, i, values[i]);
  for (size_t i = 0; i < values.size(); ++i) {
    EXPECT_EQ(read_value(v, i), values[i]) << i << ": " << read_value(v, i).to_string();
  }
}

}  // namespace
}  // namespace sluice::format
