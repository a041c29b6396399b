#include "sql/parser/variables.h"

#include <fmt/format.h>

#include <cctype>

#include "sql/parser/lexer.h"

namespace sluice::sql {
namespace {

bool is_name_start(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
}
bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '@';
}

}  // namespace

Result<std::string> substitute_variables(std::string_view sql,
                                         const std::map<std::string, std::string>& variables) {
  std::vector<Token> tokens = tokenize(sql);
  std::string out;
  out.reserve(sql.size());
  size_t copied = 0;
  for (const Token& t : tokens) {
    if (t.type != TokenType::kVariable && t.type != TokenType::kString &&
        t.type != TokenType::kQuotedIdentifier && t.type != TokenType::kBackquotedIdentifier) {
      continue;
    }
    // Copy everything up to the token (whitespace and comments included) unchanged, then the
    // token with its references replaced.
    out.append(sql.substr(copied, t.pos.offset - copied));
    std::string_view raw = sql.substr(t.pos.offset, t.end - t.pos.offset);
    uint32_t line = t.pos.line;
    uint32_t column = t.pos.column;
    for (size_t i = 0; i < raw.size();) {
      if (raw[i] == '$' && i + 2 < raw.size() && raw[i + 1] == '{' && is_name_start(raw[i + 2])) {
        size_t j = i + 2;
        while (j < raw.size() && is_name_char(raw[j])) ++j;
        if (j < raw.size() && raw[j] == '}') {
          std::string name(raw.substr(i + 2, j - i - 2));
          std::string key = name;
          for (char& c : key) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
          auto it = variables.find(key);
          if (it == variables.end()) {
            return Status::invalid_argument(
                fmt::format("line {}:{}: Variable '{}' is not defined", line, column, name));
          }
          out += it->second;
          column += static_cast<uint32_t>(j + 1 - i);
          i = j + 1;
          continue;
        }
      }
      if (raw[i] == '\n') {
        ++line;
        column = 1;
      } else if ((static_cast<unsigned char>(raw[i]) & 0xC0) != 0x80) {
        ++column;
      }
      out += raw[i++];
    }
    copied = t.end;
  }
  out.append(sql.substr(copied));
  return out;
}

}  // namespace sluice::sql
