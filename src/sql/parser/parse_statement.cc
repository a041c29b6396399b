// Statement-level grammar: everything but the SELECT body and expressions.
#include <fmt/format.h>

#include <algorithm>

#include "sql/parser/parser_impl.h"

namespace sluice::sql {
namespace {

template <typename T>
std::unique_ptr<T> make_stmt(SourcePos pos) {
  return std::make_unique<T>(pos);
}

constexpr const char* kStatementStarts[] = {
    "SELECT", "CREATE", "INSERT", "SHOW",      "LIST",   "DESCRIBE", "PRINT",  "EXPLAIN", "DROP",
    "SET",    "UNSET",  "ALTER",  "TERMINATE", "DEFINE", "UNDEFINE", "ASSERT", "PAUSE",   "RESUME",
};

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), next(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    next[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      next[j] = std::min({prev[j] + 1, next[j - 1] + 1, sub});
    }
    std::swap(prev, next);
  }
  return prev[b.size()];
}

}  // namespace

void Parser::fail_unknown_statement() {
  const Token& t = cur();
  if (t.type == TokenType::kError) fail_at(t.pos, t.text);
  std::string message = fmt::format("unknown statement '{}'", token_display(t));
  if (t.type == TokenType::kIdentifier && t.text.size() < 32) {
    const char* best = nullptr;
    size_t best_d = 3;
    for (const char* s : kStatementStarts) {
      size_t d = edit_distance(t.text, s);
      if (d < best_d) {
        best_d = d;
        best = s;
      }
    }
    if (best) message += fmt::format(", did you mean '{}'?", best);
  }
  fail_at(t.pos, std::move(message));
}

StatementPtr Parser::statement() {
  SourcePos pos = cur().pos;
  if (is_kw("SELECT")) {
    auto s = make_stmt<QueryStatement>(pos);
    s->query = query();
    return s;
  }
  if (accept_kw("LIST") || accept_kw("SHOW")) return list_statement(pos);
  if (accept_kw("DESCRIBE")) return describe_statement(pos);
  if (accept_kw("PRINT")) return print_statement(pos);
  if (accept_kw("TERMINATE")) {
    auto s = make_stmt<Terminate>(pos);
    if (accept_kw("ALL")) {
      s->all = true;
    } else {
      s->query_id = identifier();
    }
    return s;
  }
  if (accept_kw("PAUSE")) {
    auto s = make_stmt<PauseQuery>(pos);
    s->all = accept_kw("ALL");
    if (!s->all) s->query_id = identifier();
    return s;
  }
  if (accept_kw("RESUME")) {
    auto s = make_stmt<ResumeQuery>(pos);
    s->all = accept_kw("ALL");
    if (!s->all) s->query_id = identifier();
    return s;
  }
  if (accept_kw("SET")) {
    auto s = make_stmt<SetProperty>(pos);
    auto string_or_variable = [&]() {
      if (at(TokenType::kVariable)) {
        std::string v = "${" + cur().text + "}";
        advance();
        return v;
      }
      note_expected("VARIABLE");
      if (!at(TokenType::kString)) {
        note_expected("STRING");
        fail_expected();
      }
      std::string v = cur().text;
      advance();
      return v;
    };
    s->name = string_or_variable();
    expect(TokenType::kEq);
    s->value = string_or_variable();
    return s;
  }
  if (accept_kw("UNSET")) {
    auto s = make_stmt<UnsetProperty>(pos);
    if (at(TokenType::kVariable)) {
      s->name = "${" + cur().text + "}";
      advance();
    } else {
      if (!at(TokenType::kString)) note_expected("STRING");
      expect(TokenType::kString);
      s->name = tokens_[i_ - 1].text;
    }
    return s;
  }
  if (accept_kw("DEFINE")) {
    auto s = make_stmt<DefineVariable>(pos);
    s->name = variable_name();
    expect(TokenType::kEq);
    expect(TokenType::kString);
    s->value = tokens_[i_ - 1].text;
    return s;
  }
  if (accept_kw("UNDEFINE")) {
    auto s = make_stmt<UndefineVariable>(pos);
    s->name = variable_name();
    return s;
  }
  if (accept_kw("CREATE")) return create_statement(pos);
  if (accept_kw("INSERT")) return insert_statement(pos);
  if (accept_kw("DROP")) return drop_statement(pos);
  if (accept_kw("EXPLAIN")) return explain_statement(pos);
  if (accept_kw("ALTER")) return alter_statement(pos);
  if (accept_kw("ASSERT")) return assert_statement(pos);
  fail_unknown_statement();
}

StatementPtr Parser::list_statement(SourcePos pos) {
  auto s = make_stmt<ListStatement>(pos);
  if (accept_kw("PROPERTIES")) {
    s->what = ListKind::kProperties;
  } else if (accept_kw("ALL")) {
    expect_kw("TOPICS");
    s->what = ListKind::kTopics;
    s->all = true;
    s->extended = accept_kw("EXTENDED");
  } else if (accept_kw("TOPICS")) {
    s->what = ListKind::kTopics;
    s->extended = accept_kw("EXTENDED");
  } else if (accept_kw("STREAMS")) {
    s->what = ListKind::kStreams;
    s->extended = accept_kw("EXTENDED");
  } else if (accept_kw("TABLES")) {
    s->what = ListKind::kTables;
    s->extended = accept_kw("EXTENDED");
  } else if (accept_kw("FUNCTIONS")) {
    s->what = ListKind::kFunctions;
  } else if (accept_kw("SOURCE") || accept_kw("SINK")) {
    s->scope = tokens_[i_ - 1].text == "SOURCE" ? ConnectorScope::kSource : ConnectorScope::kSink;
    expect_kw("CONNECTORS");
    s->what = ListKind::kConnectors;
  } else if (accept_kw("CONNECTORS")) {
    s->what = ListKind::kConnectors;
  } else if (accept_kw("CONNECTOR")) {
    expect_kw("PLUGINS");
    s->what = ListKind::kConnectorPlugins;
  } else if (accept_kw("TYPES")) {
    s->what = ListKind::kTypes;
  } else if (accept_kw("VARIABLES")) {
    s->what = ListKind::kVariables;
  } else if (accept_kw("QUERIES")) {
    s->what = ListKind::kQueries;
    s->extended = accept_kw("EXTENDED");
  } else {
    fail_expected();
  }
  return s;
}

StatementPtr Parser::describe_statement(SourcePos pos) {
  auto ends_here = [&](size_t k) {
    const Token& t = peek(k);
    return t.type == TokenType::kSemicolon || t.type == TokenType::kEof ||
           (t.type == TokenType::kIdentifier && t.text == "EXTENDED");
  };
  // DESCRIBE STREAMS is a keyword form; TABLES, FUNCTION and CONNECTOR are non-reserved words
  // that could also name a source, so they are keywords only when the shape says so.
  if (accept_kw("STREAMS") || (is_kw("TABLES") && ends_here(1) && accept_kw("TABLES"))) {
    auto s = make_stmt<DescribeSources>(pos);
    s->tables = tokens_[i_ - 1].text == "TABLES";
    s->extended = accept_kw("EXTENDED");
    return s;
  }
  if (is_kw("FUNCTION") && !ends_here(1)) {
    advance();
    auto s = make_stmt<DescribeFunction>(pos);
    s->name = identifier();
    return s;
  }
  if (accept_kw("CONNECTOR")) {
    auto s = make_stmt<DescribeConnector>(pos);
    s->name = identifier();
    return s;
  }
  auto s = make_stmt<DescribeSource>(pos);
  s->name = identifier();
  s->extended = accept_kw("EXTENDED");
  return s;
}

StatementPtr Parser::print_statement(SourcePos pos) {
  auto s = make_stmt<Print>(pos);
  s->topic = resource_name();
  if (accept_kw("FROM")) {
    expect_kw("BEGINNING");
    s->from_beginning = true;
  }
  if (accept_kw("INTERVAL") || accept_kw("SAMPLE")) s->interval = integer_value();
  if (accept_kw("LIMIT")) s->limit = integer_value();
  return s;
}

std::vector<TableElement> Parser::table_elements() {
  std::vector<TableElement> out;
  expect(TokenType::kLParen);
  do {
    TableElement e;
    e.pos = cur().pos;
    e.name = identifier();
    e.type = data_type();
    if (accept_kw("PRIMARY")) {
      expect_kw("KEY");
      e.constraint = ColumnConstraint::kPrimaryKey;
    } else if (accept_kw("KEY")) {
      e.constraint = ColumnConstraint::kKey;
    } else if (accept_kw("HEADERS")) {
      e.constraint = ColumnConstraint::kHeaders;
    } else if (accept_kw("HEADER")) {
      expect(TokenType::kLParen);
      expect(TokenType::kString);
      e.header_key = tokens_[i_ - 1].text;
      expect(TokenType::kRParen);
      e.constraint = ColumnConstraint::kHeader;
    }
    out.push_back(std::move(e));
  } while (accept(TokenType::kComma));
  expect(TokenType::kRParen);
  return out;
}

Properties Parser::properties() {
  Properties props;
  expect(TokenType::kLParen);
  do {
    Property p;
    p.pos = cur().pos;
    if (at(TokenType::kString)) {
      p.name = cur().text;
      advance();
    } else {
      note_expected("STRING");
      p.name = identifier();
    }
    expect(TokenType::kEq);
    p.value = literal_value();
    props.items.push_back(std::move(p));
  } while (accept(TokenType::kComma));
  expect(TokenType::kRParen);
  return props;
}

StatementPtr Parser::create_statement(SourcePos pos) {
  bool or_replace = false;
  if (accept_kw("OR")) {
    expect_kw("REPLACE");
    or_replace = true;
  }
  if (!or_replace && accept_kw("TYPE")) {
    auto s = make_stmt<CreateType>(pos);
    if (accept_kw("IF")) {
      expect_kw("NOT");
      expect_kw("EXISTS");
      s->if_not_exists = true;
    }
    s->name = identifier();
    expect_kw("AS");
    s->type = data_type();
    return s;
  }
  if (!or_replace && (is_kw("SINK") || is_kw("SOURCE")) && is_kw("CONNECTOR", 1)) {
    auto s = make_stmt<CreateConnector>(pos);
    s->is_source = cur().text == "SOURCE";
    advance();
    advance();
    if (accept_kw("IF")) {
      expect_kw("NOT");
      expect_kw("EXISTS");
      s->if_not_exists = true;
    }
    s->name = identifier();
    expect_kw("WITH");
    s->properties = properties();
    return s;
  }
  bool is_source = accept_kw("SOURCE");
  return create_source(pos, or_replace, is_source);
}

StatementPtr Parser::create_source(SourcePos pos, bool or_replace, bool is_source) {
  bool is_table = false;
  if (accept_kw("TABLE")) {
    is_table = true;
  } else {
    expect_kw("STREAM");
  }
  bool if_not_exists = false;
  if (accept_kw("IF")) {
    expect_kw("NOT");
    expect_kw("EXISTS");
    if_not_exists = true;
  }
  std::string name = identifier();
  std::vector<TableElement> elements;
  bool has_elements = false;
  if (at(TokenType::kLParen)) {
    elements = table_elements();
    has_elements = true;
  } else {
    note_expected("'('");
  }
  Properties props;
  if (accept_kw("WITH")) props = properties();
  if (!has_elements && !is_source && accept_kw("AS")) {
    auto s = make_stmt<CreateAsSelect>(pos);
    s->is_table = is_table;
    s->or_replace = or_replace;
    s->if_not_exists = if_not_exists;
    s->name = std::move(name);
    s->properties = std::move(props);
    if (!is_kw("SELECT")) note_expected("'SELECT'");
    s->query = query();
    return s;
  }
  auto s = make_stmt<CreateSource>(pos);
  s->is_table = is_table;
  s->or_replace = or_replace;
  s->is_source = is_source;
  s->if_not_exists = if_not_exists;
  s->name = std::move(name);
  s->elements = std::move(elements);
  s->properties = std::move(props);
  return s;
}

StatementPtr Parser::insert_statement(SourcePos pos) {
  expect_kw("INTO");
  std::string target = identifier();
  if (at(TokenType::kLParen) || is_kw("VALUES")) {
    auto s = make_stmt<InsertValues>(pos);
    s->target = std::move(target);
    if (accept(TokenType::kLParen)) {
      do {
        s->columns.push_back(identifier());
      } while (accept(TokenType::kComma));
      expect(TokenType::kRParen);
    }
    expect_kw("VALUES");
    expect(TokenType::kLParen);
    if (!at(TokenType::kRParen)) {
      do {
        s->values.push_back(value_expr());
      } while (accept(TokenType::kComma));
    }
    expect(TokenType::kRParen);
    return s;
  }
  note_expected("'('");
  note_expected("'VALUES'");
  auto s = make_stmt<InsertInto>(pos);
  s->target = std::move(target);
  if (accept_kw("WITH")) s->properties = properties();
  if (!is_kw("SELECT")) note_expected("'SELECT'");
  s->query = query();
  return s;
}

StatementPtr Parser::drop_statement(SourcePos pos) {
  auto if_exists = [&]() {
    if (accept_kw("IF")) {
      expect_kw("EXISTS");
      return true;
    }
    return false;
  };
  if (accept_kw("STREAM") || accept_kw("TABLE")) {
    auto s = make_stmt<DropSource>(pos);
    s->is_table = tokens_[i_ - 1].text == "TABLE";
    s->if_exists = if_exists();
    s->name = identifier();
    if (accept_kw("DELETE")) {
      expect_kw("TOPIC");
      s->delete_topic = true;
    }
    return s;
  }
  if (accept_kw("CONNECTOR")) {
    auto s = make_stmt<DropConnector>(pos);
    s->if_exists = if_exists();
    s->name = identifier();
    return s;
  }
  if (accept_kw("TYPE")) {
    auto s = make_stmt<DropType>(pos);
    s->if_exists = if_exists();
    s->name = identifier();
    return s;
  }
  fail_expected();
}

StatementPtr Parser::explain_statement(SourcePos pos) {
  DepthGuard guard(*this);  // EXPLAIN EXPLAIN ... nests statements
  auto s = make_stmt<Explain>(pos);
  bool starts_statement = false;
  if (cur().type == TokenType::kIdentifier) {
    for (const char* kw : kStatementStarts) {
      if (cur().text == kw) starts_statement = true;
    }
  }
  const Token& next = peek(1);
  bool lone = next.type == TokenType::kSemicolon || next.type == TokenType::kEof;
  if (starts_statement && !(lone && at_identifier())) {
    s->statement = statement();
  } else {
    s->query_id = identifier();
  }
  return s;
}

StatementPtr Parser::alter_statement(SourcePos pos) {
  if (accept_kw("SYSTEM")) {
    auto s = make_stmt<AlterSystem>(pos);
    expect(TokenType::kString);
    s->name = tokens_[i_ - 1].text;
    expect(TokenType::kEq);
    expect(TokenType::kString);
    s->value = tokens_[i_ - 1].text;
    return s;
  }
  auto s = make_stmt<AlterSource>(pos);
  if (accept_kw("TABLE")) {
    s->is_table = true;
  } else {
    expect_kw("STREAM");
  }
  s->name = identifier();
  do {
    expect_kw("ADD");
    accept_kw("COLUMN");
    TableElement e;
    e.pos = cur().pos;
    e.name = identifier();
    e.type = data_type();
    s->add_columns.push_back(std::move(e));
  } while (accept(TokenType::kComma));
  return s;
}

StatementPtr Parser::assert_statement(SourcePos pos) {
  bool not_exists = false;
  if (accept_kw("NOT")) {
    expect_kw("EXISTS");
    not_exists = true;
  }
  auto timeout = [&]() -> std::optional<Duration> {
    if (accept_kw("TIMEOUT")) return duration();
    return std::nullopt;
  };
  if (accept_kw("TOPIC")) {
    auto s = make_stmt<AssertTopic>(pos);
    s->not_exists = not_exists;
    s->topic = resource_name();
    if (accept_kw("WITH")) s->properties = properties();
    s->timeout = timeout();
    return s;
  }
  expect_kw("SCHEMA");
  auto s = make_stmt<AssertSchema>(pos);
  s->not_exists = not_exists;
  if (accept_kw("SUBJECT")) s->subject = resource_name();
  if (accept_kw("ID")) s->id = literal_value();
  s->timeout = timeout();
  return s;
}

}  // namespace sluice::sql
