#include "sql/parser/lexer.h"

#include <gtest/gtest.h>

namespace sluice::sql {
namespace {

std::vector<TokenType> types(std::string_view sql) {
  std::vector<TokenType> out;
  for (const auto& t : tokenize(sql)) out.push_back(t.type);
  return out;
}

TEST(Lexer, WordsAreUpperCasedQuotedOnesKept) {
  auto t = tokenize("select Foo `Bar` \"Baz\" _x@1");
  ASSERT_EQ(t.size(), 6u);
  EXPECT_EQ(t[0].type, TokenType::kIdentifier);
  EXPECT_EQ(t[0].text, "SELECT");
  EXPECT_EQ(t[1].text, "FOO");
  EXPECT_EQ(t[2].type, TokenType::kBackquotedIdentifier);
  EXPECT_EQ(t[2].text, "Bar");
  EXPECT_EQ(t[3].type, TokenType::kQuotedIdentifier);
  EXPECT_EQ(t[3].text, "Baz");
  EXPECT_EQ(t[4].text, "_X@1");
  EXPECT_EQ(t[5].type, TokenType::kEof);
}

TEST(Lexer, StringsUnescapeDoubledQuotes) {
  auto t = tokenize("'it''s' `a``b` \"c\"\"d\" ''");
  EXPECT_EQ(t[0].type, TokenType::kString);
  EXPECT_EQ(t[0].text, "it's");
  EXPECT_EQ(t[1].text, "a`b");
  EXPECT_EQ(t[2].text, "c\"d");
  EXPECT_EQ(t[3].type, TokenType::kString);
  EXPECT_EQ(t[3].text, "");
}

TEST(Lexer, Numbers) {
  EXPECT_EQ(types("1 1.5 .5 1. 1.5E3 1e-3 2E+2"),
            (std::vector<TokenType>{TokenType::kInteger, TokenType::kDecimal, TokenType::kDecimal,
                                    TokenType::kDecimal, TokenType::kFloat, TokenType::kFloat,
                                    TokenType::kFloat, TokenType::kEof}));
  // A digit-led word is an identifier when longer than any number reading of it.
  auto t = tokenize("1abc 1e5x 1e5");
  EXPECT_EQ(t[0].type, TokenType::kDigitIdentifier);
  EXPECT_EQ(t[0].text, "1ABC");
  EXPECT_EQ(t[1].type, TokenType::kDigitIdentifier);
  EXPECT_EQ(t[2].type, TokenType::kFloat);
}

TEST(Lexer, Operators) {
  EXPECT_EQ(
      types("= <> != < <= > >= + - * / % || := -> => ( ) [ ] , . ;"),
      (std::vector<TokenType>{
          TokenType::kEq,     TokenType::kNeq,    TokenType::kNeq,       TokenType::kLt,
          TokenType::kLte,    TokenType::kGt,     TokenType::kGte,       TokenType::kPlus,
          TokenType::kMinus,  TokenType::kStar,   TokenType::kSlash,     TokenType::kPercent,
          TokenType::kConcat, TokenType::kAssign, TokenType::kArrow,     TokenType::kLambdaArrow,
          TokenType::kLParen, TokenType::kRParen, TokenType::kLBracket,  TokenType::kRBracket,
          TokenType::kComma,  TokenType::kDot,    TokenType::kSemicolon, TokenType::kEof}));
}

TEST(Lexer, CommentsAreSkipped) {
  auto t = tokenize("a -- comment ; here\n/* block\n ; */ b --@directive\n");
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t[0].text, "A");
  EXPECT_EQ(t[1].text, "B");
  EXPECT_EQ(t[1].pos.line, 3u);
}

TEST(Lexer, Variables) {
  auto t = tokenize("${topic} '${x}'");
  EXPECT_EQ(t[0].type, TokenType::kVariable);
  EXPECT_EQ(t[0].text, "topic");
  EXPECT_EQ(t[1].type, TokenType::kString);
  EXPECT_EQ(t[1].text, "${x}");
}

TEST(Lexer, PositionsAreLineAndColumn) {
  auto t = tokenize("SELECT\n  a,\n\tb");
  EXPECT_EQ(t[0].pos.line, 1u);
  EXPECT_EQ(t[0].pos.column, 1u);
  EXPECT_EQ(t[1].pos.line, 2u);
  EXPECT_EQ(t[1].pos.column, 3u);
  EXPECT_EQ(t[1].pos.offset, 9u);
  EXPECT_EQ(t[3].pos.line, 3u);
  EXPECT_EQ(t[3].pos.column, 2u);
  EXPECT_EQ(t[3].end, 14u);
}

TEST(Lexer, ErrorsBecomeOneErrorToken) {
  for (const char* bad :
       {"'open", "`open", "\"open", "/* open", "a # b", "$x", "a | b", "a ! b", "a : b", "\x80"}) {
    auto t = tokenize(bad);
    ASSERT_GE(t.size(), 2u) << bad;
    EXPECT_EQ(t[t.size() - 2].type, TokenType::kError) << bad;
    EXPECT_EQ(t.back().type, TokenType::kEof) << bad;
  }
  auto t = tokenize("x 'abc");
  EXPECT_EQ(t[1].text, "unterminated string literal");
  EXPECT_EQ(t[1].pos.column, 3u);
}

}  // namespace
}  // namespace sluice::sql
