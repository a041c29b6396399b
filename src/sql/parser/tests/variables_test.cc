#include "sql/parser/variables.h"

#include <gtest/gtest.h>

#include "sql/parser/parser.h"

namespace sluice::sql {
namespace {

TEST(Variables, SubstitutesTokensStringsAndQuotedNames) {
  std::map<std::string, std::string> vars = {
      {"TOPIC", "orders"}, {"COL", "amount"}, {"N", "10"}, {"QUOTE", "it's"}};
  auto r = substitute_variables(
      "CREATE STREAM ${topic} (${col} INT, `x_${col}` INT) WITH (kafka_topic='${TOPIC}-v1'); "
      "-- ${not_replaced}\nSELECT * FROM s LIMIT ${n};",
      vars);
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  EXPECT_EQ(*r,
            "CREATE STREAM orders (amount INT, `x_amount` INT) WITH (kafka_topic='orders-v1'); "
            "-- ${not_replaced}\nSELECT * FROM s LIMIT 10;");
  auto parsed = parse_script(*r);
  ASSERT_TRUE(parsed.is_ok()) << parsed.status().message();
  EXPECT_EQ(parsed->size(), 2u);
}

TEST(Variables, UndefinedIsAnError) {
  auto r = substitute_variables("SELECT *\nFROM ${missing}", {});
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().message(), "line 2:6: Variable 'missing' is not defined");
  r = substitute_variables("SELECT 'x ${gone}' FROM s", {});
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().message(), "line 1:11: Variable 'gone' is not defined");
}

TEST(Variables, UnsubstitutedReferencesStillParse) {
  // A script is parsed whole before its DEFINEs run, so references must parse as placeholders.
  auto r = parse_script(
      "DEFINE t = 'x'; CREATE STREAM ${t} (a INT) WITH (kafka_topic='${t}', partitions=${p});");
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  ASSERT_EQ(r->size(), 2u);
  const auto& c = (*r)[1].statement->as<CreateSource>();
  EXPECT_EQ(c.name, "${t}");
  EXPECT_EQ(c.properties.find("PARTITIONS")->value.type, LiteralType::kVariable);
}

}  // namespace
}  // namespace sluice::sql
