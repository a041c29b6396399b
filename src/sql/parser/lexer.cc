#include "sql/parser/lexer.h"

#include <cctype>

namespace sluice::sql {
namespace {

bool is_letter(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
// ksqlDB identifiers may contain '@' after the first character.
bool is_ident_char(char c) {
  return is_letter(c) || is_digit(c) || c == '_' || c == '@';
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

class Lexer {
 public:
  explicit Lexer(std::string_view src) : src_(src) {}

  std::vector<Token> run() {
    std::vector<Token> out;
    while (true) {
      skip_trivia();
      if (failed_) break;
      if (i_ >= src_.size()) break;
      Token t = next();
      bool err = t.type == TokenType::kError;
      out.push_back(std::move(t));
      if (err) break;
    }
    if (failed_) out.push_back(std::move(error_));
    Token eof;
    eof.type = TokenType::kEof;
    eof.pos = pos();
    eof.end = static_cast<uint32_t>(src_.size());
    out.push_back(std::move(eof));
    return out;
  }

 private:
  SourcePos pos() const { return {line_, col_, static_cast<uint32_t>(i_)}; }
  char peek(size_t k = 0) const { return i_ + k < src_.size() ? src_[i_ + k] : '\0'; }
  bool at_end(size_t k = 0) const { return i_ + k >= src_.size(); }

  void advance(size_t n = 1) {
    for (size_t k = 0; k < n && i_ < src_.size(); ++k) {
      if (src_[i_] == '\n') {
        ++line_;
        col_ = 1;
      } else if ((static_cast<unsigned char>(src_[i_]) & 0xC0) != 0x80) {
        ++col_;  // columns count UTF-8 code points, not continuation bytes
      }
      ++i_;
    }
  }

  void fail(SourcePos at, std::string message) {
    failed_ = true;
    error_.type = TokenType::kError;
    error_.text = std::move(message);
    error_.pos = at;
    error_.end = static_cast<uint32_t>(i_);
  }

  void skip_trivia() {
    while (!at_end()) {
      char c = peek();
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
        advance();
      } else if (c == '-' && peek(1) == '-') {
        while (!at_end() && peek() != '\n') advance();
      } else if (c == '/' && peek(1) == '*') {
        SourcePos start = pos();
        advance(2);
        while (!at_end() && !(peek() == '*' && peek(1) == '/')) advance();
        if (at_end()) {
          fail(start, "unterminated comment");
          return;
        }
        advance(2);
      } else {
        return;
      }
    }
  }

  Token make(TokenType type, SourcePos start, std::string text) {
    Token t;
    t.type = type;
    t.text = std::move(text);
    t.pos = start;
    t.end = static_cast<uint32_t>(i_);
    return t;
  }

  Token error(SourcePos start, std::string message) {
    return make(TokenType::kError, start, std::move(message));
  }

  // Reads a quoted run ending with `q`, where a doubled `q` stands for itself.
  Token quoted(TokenType type, char q, const char* what) {
    SourcePos start = pos();
    advance();
    std::string text;
    while (true) {
      if (at_end()) return error(start, std::string("unterminated ") + what);
      char c = peek();
      if (c == q) {
        if (peek(1) == q) {
          text.push_back(q);
          advance(2);
          continue;
        }
        advance();
        break;
      }
      text.push_back(c);
      advance();
    }
    return make(type, start, std::move(text));
  }

  // Length of the exponent `E[+-]digits` at offset k, or 0.
  size_t exponent_len(size_t k) const {
    if (k >= src_.size() || (src_[k] != 'e' && src_[k] != 'E')) return 0;
    size_t j = k + 1;
    if (j < src_.size() && (src_[j] == '+' || src_[j] == '-')) ++j;
    size_t digits = j;
    while (j < src_.size() && is_digit(src_[j])) ++j;
    return j == digits ? 0 : j - k;
  }

  Token number() {
    SourcePos start = pos();
    size_t j = i_;
    while (j < src_.size() && is_digit(src_[j])) ++j;
    bool has_int = j > i_;
    bool has_dot = false;
    if (j < src_.size() && src_[j] == '.') {
      size_t k = j + 1;
      while (k < src_.size() && is_digit(src_[k])) ++k;
      if (has_int || k > j + 1) {
        has_dot = true;
        j = k;
      }
    }
    size_t exp = exponent_len(j);
    size_t num_end = j + exp;
    // DIGIT_IDENTIFIER (`1abc`) wins when it is strictly longer, as ANTLR's longest match does.
    if (has_int) {
      size_t k = i_;
      while (k < src_.size() && is_ident_char(src_[k])) ++k;
      if (k > num_end && k - i_ >= 2) {
        std::string text = upper(src_.substr(i_, k - i_));
        advance(k - i_);
        return make(TokenType::kDigitIdentifier, start, std::move(text));
      }
    }
    std::string text(src_.substr(i_, num_end - i_));
    advance(num_end - i_);
    TokenType type = exp ? TokenType::kFloat : has_dot ? TokenType::kDecimal : TokenType::kInteger;
    return make(type, start, std::move(text));
  }

  Token next() {
    SourcePos start = pos();
    char c = peek();
    if (is_letter(c) || c == '_') {
      size_t j = i_;
      while (j < src_.size() && is_ident_char(src_[j])) ++j;
      std::string text = upper(src_.substr(i_, j - i_));
      advance(j - i_);
      return make(TokenType::kIdentifier, start, std::move(text));
    }
    if (is_digit(c) || (c == '.' && is_digit(peek(1)))) return number();
    switch (c) {
      case '\'':
        return quoted(TokenType::kString, '\'', "string literal");
      case '"':
        return quoted(TokenType::kQuotedIdentifier, '"', "quoted identifier");
      case '`':
        return quoted(TokenType::kBackquotedIdentifier, '`', "quoted identifier");
      case '$': {
        if (peek(1) == '{' && (is_letter(peek(2)) || peek(2) == '_')) {
          size_t j = i_ + 2;
          while (j < src_.size() && is_ident_char(src_[j])) ++j;
          if (j < src_.size() && src_[j] == '}') {
            std::string name(src_.substr(i_ + 2, j - i_ - 2));
            advance(j + 1 - i_);
            return make(TokenType::kVariable, start, std::move(name));
          }
        }
        advance();
        return error(start, "unexpected character '$' (a variable is written ${name})");
      }
      default:
        break;
    }
    auto op = [&](TokenType t, size_t len) {
      advance(len);
      return make(t, start, std::string(src_.substr(start.offset, len)));
    };
    char n = peek(1);
    switch (c) {
      case '(':
        return op(TokenType::kLParen, 1);
      case ')':
        return op(TokenType::kRParen, 1);
      case '[':
        return op(TokenType::kLBracket, 1);
      case ']':
        return op(TokenType::kRBracket, 1);
      case ',':
        return op(TokenType::kComma, 1);
      case '.':
        return op(TokenType::kDot, 1);
      case ';':
        return op(TokenType::kSemicolon, 1);
      case '+':
        return op(TokenType::kPlus, 1);
      case '*':
        return op(TokenType::kStar, 1);
      case '/':
        return op(TokenType::kSlash, 1);
      case '%':
        return op(TokenType::kPercent, 1);
      case '-':
        return n == '>' ? op(TokenType::kArrow, 2) : op(TokenType::kMinus, 1);
      case '=':
        return n == '>' ? op(TokenType::kLambdaArrow, 2) : op(TokenType::kEq, 1);
      case '<':
        if (n == '>') return op(TokenType::kNeq, 2);
        if (n == '=') return op(TokenType::kLte, 2);
        return op(TokenType::kLt, 1);
      case '>':
        return n == '=' ? op(TokenType::kGte, 2) : op(TokenType::kGt, 1);
      case '!':
        if (n == '=') return op(TokenType::kNeq, 2);
        break;
      case '|':
        if (n == '|') return op(TokenType::kConcat, 2);
        break;
      case ':':
        if (n == '=') return op(TokenType::kAssign, 2);
        break;
      default:
        break;
    }
    std::string shown;
    if (static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7f) {
      shown = std::string("'") + c + "'";
    } else {
      static constexpr const char* kHex = "0123456789ABCDEF";
      auto u = static_cast<unsigned char>(c);
      shown = std::string("0x") + kHex[u >> 4] + kHex[u & 15];
    }
    advance();
    return error(start, "unexpected character " + shown);
  }

  std::string_view src_;
  size_t i_ = 0;
  uint32_t line_ = 1;
  uint32_t col_ = 1;
  bool failed_ = false;
  Token error_;
};

}  // namespace

std::vector<Token> tokenize(std::string_view sql) {
  return Lexer(sql).run();
}

const char* token_type_display(TokenType type) {
  switch (type) {
    case TokenType::kEof:
      return "<EOF>";
    case TokenType::kIdentifier:
      return "IDENTIFIER";
    case TokenType::kQuotedIdentifier:
      return "QUOTED_IDENTIFIER";
    case TokenType::kBackquotedIdentifier:
      return "BACKQUOTED_IDENTIFIER";
    case TokenType::kDigitIdentifier:
      return "DIGIT_IDENTIFIER";
    case TokenType::kString:
      return "STRING";
    case TokenType::kInteger:
      return "INTEGER_VALUE";
    case TokenType::kDecimal:
      return "DECIMAL_VALUE";
    case TokenType::kFloat:
      return "FLOATING_POINT_VALUE";
    case TokenType::kVariable:
      return "VARIABLE";
    case TokenType::kLParen:
      return "'('";
    case TokenType::kRParen:
      return "')'";
    case TokenType::kLBracket:
      return "'['";
    case TokenType::kRBracket:
      return "']'";
    case TokenType::kComma:
      return "','";
    case TokenType::kDot:
      return "'.'";
    case TokenType::kSemicolon:
      return "';'";
    case TokenType::kEq:
      return "'='";
    case TokenType::kNeq:
      return "'<>'";
    case TokenType::kLt:
      return "'<'";
    case TokenType::kLte:
      return "'<='";
    case TokenType::kGt:
      return "'>'";
    case TokenType::kGte:
      return "'>='";
    case TokenType::kPlus:
      return "'+'";
    case TokenType::kMinus:
      return "'-'";
    case TokenType::kStar:
      return "'*'";
    case TokenType::kSlash:
      return "'/'";
    case TokenType::kPercent:
      return "'%'";
    case TokenType::kConcat:
      return "'||'";
    case TokenType::kAssign:
      return "':='";
    case TokenType::kArrow:
      return "'->'";
    case TokenType::kLambdaArrow:
      return "'=>'";
    case TokenType::kError:
      return "<ERROR>";
  }
  return "?";
}

}  // namespace sluice::sql
