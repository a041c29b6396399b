#include <gtest/gtest.h>

#include "sql/parser/formatter.h"
#include "sql/parser/parser.h"

namespace sluice::sql {
namespace {

DataType type_of(std::string_view sql) {
  auto r = parse_data_type(sql);
  EXPECT_TRUE(r.is_ok()) << sql << ": " << r.status().message();
  return r.is_ok() ? r.value() : DataType();
}

TEST(DataType, Primitives) {
  struct Case {
    const char* sql;
    TypeKind kind;
  };
  for (const Case& c : {Case{"BOOLEAN", TypeKind::kBoolean}, Case{"int", TypeKind::kInt},
                        Case{"INTEGER", TypeKind::kInt}, Case{"BIGINT", TypeKind::kBigInt},
                        Case{"DOUBLE", TypeKind::kDouble}, Case{"STRING", TypeKind::kString},
                        Case{"varchar", TypeKind::kString}, Case{"BYTES", TypeKind::kBytes},
                        Case{"TIMESTAMP", TypeKind::kTimestamp}, Case{"DATE", TypeKind::kDate},
                        Case{"TIME", TypeKind::kTime}}) {
    EXPECT_EQ(type_of(c.sql).kind, c.kind) << c.sql;
  }
}

TEST(DataType, Compound) {
  DataType d = type_of("DECIMAL(10, 3)");
  EXPECT_EQ(d, DataType::decimal(10, 3));
  DataType a = type_of("ARRAY<ARRAY<INT>>");
  EXPECT_EQ(a, DataType::array(DataType::array(DataType::primitive(TypeKind::kInt))));
  DataType m = type_of("MAP<STRING, DECIMAL(4,2)>");
  EXPECT_EQ(m.kind, TypeKind::kMap);
  EXPECT_EQ(m.key().kind, TypeKind::kString);
  EXPECT_EQ(m.value(), DataType::decimal(4, 2));
  DataType s = type_of("STRUCT<name STRING, `Inner` STRUCT<x INT>, tags ARRAY<STRING>>");
  ASSERT_EQ(s.fields.size(), 3u);
  EXPECT_EQ(s.fields[0].name, "NAME");
  EXPECT_EQ(s.fields[1].name, "Inner");
  EXPECT_EQ(s.fields[1].type.fields[0].name, "X");
  EXPECT_EQ(to_sql(s), "STRUCT<`NAME` STRING, `Inner` STRUCT<`X` INTEGER>, `TAGS` ARRAY<STRING>>");
  EXPECT_EQ(type_of("STRUCT<>").fields.size(), 0u);
}

TEST(DataType, CustomNamesAndParameters) {
  DataType c = type_of("address");
  EXPECT_EQ(c.kind, TypeKind::kCustom);
  EXPECT_EQ(c.name, "ADDRESS");
  // A quoted primitive name is a custom type name.
  EXPECT_EQ(type_of("`INT`").kind, TypeKind::kCustom);
  DataType v = type_of("VARCHAR(STRING)");
  EXPECT_EQ(v.kind, TypeKind::kString);
  ASSERT_EQ(v.params.size(), 1u);
  EXPECT_TRUE(v.params[0].is_string_keyword);
  EXPECT_EQ(to_sql(v), "STRING(STRING)");
}

TEST(DataType, Errors) {
  EXPECT_FALSE(parse_data_type("ARRAY<>").is_ok());
  EXPECT_FALSE(parse_data_type("MAP<STRING>").is_ok());
  EXPECT_FALSE(parse_data_type("DECIMAL").is_ok());
  EXPECT_FALSE(parse_data_type("NULL").is_ok());
  EXPECT_FALSE(parse_data_type("STRUCT<a>").is_ok());
  EXPECT_EQ(parse_data_type("INT (KEY)").status().message(),
            "line 1:6: mismatched input 'KEY' expecting {'STRING', INTEGER_VALUE}");
}

}  // namespace
}  // namespace sluice::sql
