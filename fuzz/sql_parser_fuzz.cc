// libFuzzer target for the SQL parser (src/sql/parser).
//
// Properties checked on every input:
//  - parsing any bytes returns statements or an error with a sane position, never crashes;
//  - whatever parses prints (to_sql) to SQL that parses again and prints identically;
//  - expression and type entry points and variable substitution are equally robust.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>

#include "sql/parser/expr_util.h"
#include "sql/parser/formatter.h"
#include "sql/parser/parser.h"
#include "sql/parser/variables.h"

namespace {

[[noreturn]] void fail(const char* what, const std::string& a, const std::string& b) {
  std::fprintf(stderr, "%s\n--- first:\n%s\n--- second:\n%s\n", what, a.c_str(), b.c_str());
  std::abort();
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): libFuzzer looks the entry point up by this name.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sluice::sql;
  std::string_view sql(reinterpret_cast<const char*>(data), size);

  ScriptParse r = parse_script_detailed(sql);
  if (r.error) {
    if (r.error->line == 0 || r.error->column == 0 || r.error->offset > size ||
        r.error->message.empty()) {
      fail("bad error position", r.error->to_string(), std::string(sql));
    }
  }
  for (const ParsedStatement& ps : r.statements) {
    if (ps.begin > ps.end || ps.end > size) fail("bad statement span", ps.text, std::string(sql));
    std::string once = to_sql(*ps.statement);
    auto again = parse_statement(once);
    if (!again.is_ok()) fail("printed SQL does not parse", once, again.status().message());
    std::string twice = to_sql(**again);
    if (twice != once) fail("round trip differs", once, twice);
  }

  auto e = parse_expression(sql);
  if (e.is_ok()) {
    std::string once = to_sql(**e);
    auto again = parse_expression(once);
    if (!again.is_ok()) fail("printed expression does not parse", once, again.status().message());
    if (to_sql(**again) != once) fail("expression round trip differs", once, to_sql(**again));
    if (!expr_equals(**e, **again)) fail("reparsed expression differs", once, to_sql(**again));
    ExprPtr copy = clone_expr(**e);
    if (!expr_equals(**e, *copy) || to_sql(*copy) != once) fail("clone differs", once, "");
  }

  auto t = parse_data_type(sql);
  if (t.is_ok()) {
    std::string once = to_sql(*t);
    auto again = parse_data_type(once);
    if (!again.is_ok() || !(*again == *t)) fail("type round trip differs", once, std::string(sql));
  }

  static const std::map<std::string, std::string> kVars = {{"A", "x"}, {"B", "'y'"}};
  substitute_variables(sql, kVars).ignore_error();
  return 0;
}
