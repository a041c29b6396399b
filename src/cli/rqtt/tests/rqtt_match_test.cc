#include "cli/rqtt/rqtt_match.h"

#include <gtest/gtest.h>

namespace sluice::cli::rqtt {
namespace {

using json = nlohmann::ordered_json;

TEST(StripJsonComments, RemovesCommentsOutsideStringsOnly) {
  std::string text =
      "// header\n{\"a\": \"http://x // y\", // trailing\n  \"b\": \"q\\\"//\" // more\n}";
  json j = json::parse(strip_json_comments(text));
  EXPECT_EQ(j["a"], "http://x // y");
  EXPECT_EQ(j["b"], "q\"//");
}

TEST(MatchFields, ChecksOnlyTheExpectedKeys) {
  json actual = {{"header", {{"queryId", "q1"}, {"schema", "`K` STRING"}}}};
  EXPECT_EQ(match_fields(actual, {{"header", {{"schema", "`K` STRING"}}}}, "", "r"), "");
  EXPECT_NE(match_fields(actual, {{"header", {{"schema", "`K` INT"}}}}, "", "r"), "");
  EXPECT_NE(match_fields(actual, {{"row", {{"columns", json::array()}}}}, "", "r"), "");
  EXPECT_EQ(match_fields(actual, {{"header", {{"schema|STARTS_WITH", "`K`"}}}}, "", "r"), "");
}

TEST(MatchFields, NumbersByValueAndStatementMacro) {
  json actual = {{"row", {{"columns", {1, 2.5}}}}, {"statementText", "SELECT 1;"}};
  EXPECT_EQ(match_fields(actual, {{"row", {{"columns", {1.0, 2.5}}}}}, "", "r"), "");
  EXPECT_EQ(match_fields(actual, {{"statementText", "{STATEMENT}"}}, "SELECT 1;", "r"), "");
}

TEST(MatchError, TypeMessageAndStatus) {
  json body = {{"@type", "statement_error"},
               {"error_code", 40001},
               {"message", "line 1:8: bad column X"},
               {"statementText", "SELECT X FROM S;"}};
  json want = {{"type", "io.confluent.ksql.rest.entity.KsqlStatementErrorMessage"},
               {"message", "bad column"},
               {"status", 400}};
  EXPECT_EQ(match_error(400, body, want, "SELECT X FROM S;"), "");
  EXPECT_NE(match_error(500, body, want, "SELECT X FROM S;"), "");
  EXPECT_NE(match_error(400, body, want, "CREATE STREAM S;"), "");
  EXPECT_NE(match_error(400, body, {{"message", "other"}}, ""), "");
}

}  // namespace
}  // namespace sluice::cli::rqtt
