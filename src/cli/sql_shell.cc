#include "cli/sql_shell.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <csignal>
#include <fstream>
#include <sstream>

#include "cli/line_reader.h"
#include "cli/sql_render.h"
#include "sql/engine/engine.h"
#include "sql/parser/parser.h"
#include "sql/parser/variables.h"

namespace sluice::cli {

using nlohmann::json;

namespace {

std::string trim(std::string_view s) {
  size_t a = s.find_first_not_of(" \t\r\n");
  if (a == std::string_view::npos) return "";
  size_t b = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(a, b - a + 1));
}

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// The statement without its ';' and blanks, upper-cased: to recognise the client's own words.
std::string command_word(std::string_view text) {
  std::string t = trim(text);
  while (!t.empty() && (t.back() == ';' || std::isspace(static_cast<unsigned char>(t.back())))) {
    t.pop_back();
  }
  return upper(t);
}

// RUN SCRIPT 'path' (quotes doubled inside); nullopt when the text is not that command.
std::optional<std::string> run_script_path(std::string_view text) {
  std::string t = trim(text);
  std::string u = upper(t);
  if (!u.starts_with("RUN")) return std::nullopt;
  size_t i = 3;
  auto skip_blanks = [&] {
    while (i < t.size() && std::isspace(static_cast<unsigned char>(t[i]))) ++i;
  };
  skip_blanks();
  if (u.compare(i, 6, "SCRIPT") != 0) return std::nullopt;
  i += 6;
  skip_blanks();
  if (i >= t.size() || t[i] != '\'') return std::nullopt;
  std::string path;
  for (++i; i < t.size(); ++i) {
    if (t[i] == '\'') {
      if (i + 1 < t.size() && t[i + 1] == '\'') {
        path += '\'';
        ++i;
        continue;
      }
      return path;
    }
    path += t[i];
  }
  return std::nullopt;
}

void sigint_handler(int) {
  Shell::interrupt_flag().store(true);
  Shell::interrupt_count().fetch_add(1);
}

}  // namespace

std::pair<std::vector<std::string>, std::string> complete_statements(std::string_view sql) {
  std::pair<std::vector<std::string>, std::string> out;
  for (std::string& s : sql::split_statements(sql)) {
    if (trim(s).ends_with(';')) {
      out.first.push_back(trim(s));
    } else {
      out.second = std::move(s);
    }
  }
  return out;
}

std::string normalize_statement(std::string_view text) {
  std::string out;
  bool blank = false;
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      blank = true;
      continue;
    }
    if (blank && !out.empty()) out += ' ';
    blank = false;
    out += c;
  }
  while (!out.empty() && (out.back() == ';' || out.back() == ' ')) out.pop_back();
  return out;
}

std::atomic<bool>& Shell::interrupt_flag() {
  static std::atomic<bool> flag{false};
  return flag;
}

std::atomic<int>& Shell::interrupt_count() {
  static std::atomic<int> count{0};
  return count;
}

void Shell::install_sigint_handler(int sig) {
  struct sigaction sa {};
  sa.sa_handler = sigint_handler;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: a blocking read returns, so the prompt can start over
  sigaction(sig, &sa, nullptr);
}

Shell::Shell(KsqlClient client, ShellOptions options, std::FILE* out, std::FILE* err)
    : client_(std::move(client)), options_(options), out_(out), err_(err) {
  client_.set_interrupt_flag(&interrupt_flag());
}

void Shell::define(const std::string& name, const std::string& value) {
  variables_[upper(name)] = value;
}

json Shell::request_body(const char* text_key, const std::string& text) const {
  json props = json::object();
  for (const auto& [k, v] : properties_) props[k] = v;
  json vars = json::object();
  for (const auto& [k, v] : variables_) vars[k] = v;
  return json{{text_key, text},
              {std::string(text_key) == "ksql" ? "streamsProperties" : "properties", props},
              {"sessionVariables", vars}};
}

bool Shell::run_statement(std::string_view raw) {
  interrupt_flag().store(false);
  std::string word = command_word(raw);
  if (word.empty()) return true;
  if (word == "EXIT" || word == "QUIT") {
    exit_requested_ = true;
    return true;
  }
  if (word == "HELP") {
    print_help();
    return true;
  }
  if (word == "HISTORY") {
    for (size_t i = 0; i < history_.size(); ++i) {
      std::fprintf(out_, "%5zu  %s\n", i + 1, history_[i].c_str());
    }
    return true;
  }
  if (auto path = run_script_path(raw)) return run_file(*path);

  auto substituted = sql::substitute_variables(raw, variables_);
  if (!substituted.is_ok()) {
    std::fprintf(err_, "%s\n", substituted.status().message().c_str());
    return false;
  }
  std::string text = trim(*substituted);
  bool handled = false;
  bool ok = run_local(text, &handled);
  if (handled) return ok;
  return run_ksql(text);
}

// Statements the client answers itself, and SELECTs (which go to /query-stream). A statement
// that does not parse goes to the server, whose error names the line and column.
bool Shell::run_local(std::string_view text, bool* handled) {
  auto parsed = sql::parse_statement(text);
  if (!parsed.is_ok()) return false;
  const sql::Statement& stmt = **parsed;
  *handled = true;
  if (auto* s = stmt.if_as<sql::SetProperty>()) {
    properties_[s->name] = s->value;
    std::fprintf(out_,
                 "Successfully changed local property '%s' to '%s'. Use the UNSET command to "
                 "revert your change.\n",
                 s->name.c_str(), s->value.c_str());
    return true;
  }
  if (auto* s = stmt.if_as<sql::UnsetProperty>()) {
    auto it = properties_.find(s->name);
    if (it == properties_.end()) {
      std::fprintf(err_, "Cannot unset local property '%s' which was never set\n", s->name.c_str());
      return false;
    }
    std::fprintf(out_, "Successfully unset local property '%s' (value was '%s').\n",
                 s->name.c_str(), it->second.c_str());
    properties_.erase(it);
    return true;
  }
  if (auto* s = stmt.if_as<sql::DefineVariable>()) {
    define(s->name, s->value);
    return true;
  }
  if (auto* s = stmt.if_as<sql::UndefineVariable>()) {
    if (variables_.erase(upper(s->name)) == 0) {
      std::fprintf(err_, "Cannot undefine variable '%s' which was never defined\n",
                   s->name.c_str());
    }
    return true;
  }
  if (auto* s = stmt.if_as<sql::ListStatement>(); s && s->what == sql::ListKind::kVariables) {
    json e{{"@type", "variables"}, {"variables", json::array()}};
    for (const auto& [k, v] : variables_) e["variables"].push_back({{"name", k}, {"value", v}});
    std::fputs(render_entity(e).c_str(), out_);
    return true;
  }
  if (auto* s = stmt.if_as<sql::QueryStatement>()) {
    if (options_.refuse_unbounded_queries && s->query.is_push() && !s->query.limit) {
      std::fprintf(err_,
                   "A push query without LIMIT never ends, so it cannot run from a file: add a "
                   "LIMIT or use `sluice sql`: %s\n",
                   std::string(text).c_str());
      return false;
    }
    return run_query(std::string(text), s->query.is_push(), s->query.limit);
  }
  if (auto* s = stmt.if_as<sql::Print>()) {
    if (options_.refuse_unbounded_queries && !s->limit) {
      std::fprintf(err_,
                   "PRINT without LIMIT never ends, so it cannot run from a file: add a LIMIT or "
                   "use `sluice sql`: %s\n",
                   std::string(text).c_str());
      return false;
    }
    return run_print(std::string(text));
  }
  if (options_.skip_existing && stmt.kind == sql::StatementKind::kInsertInto &&
      query_running(std::string(text))) {
    std::fprintf(out_, "Skipped (the same query is already running): %s\n",
                 normalize_statement(text).c_str());
    return true;
  }
  if (options_.skip_existing) {
    std::string name;
    bool plain_create = false;
    if (auto* c = stmt.if_as<sql::CreateSource>()) {
      name = c->name;
      plain_create = !c->or_replace && !c->if_not_exists;
    } else if (auto* c = stmt.if_as<sql::CreateAsSelect>()) {
      name = c->name;
      plain_create = !c->or_replace && !c->if_not_exists;
    }
    if (plain_create && already_present(std::string(text), name)) {
      std::fprintf(out_, "Skipped (%s exists, created by this same statement): %s\n", name.c_str(),
                   normalize_statement(text).c_str());
      return true;
    }
  }
  *handled = false;
  return false;
}

bool Shell::run_ksql(const std::string& text) {
  auto reply = client_.post_json("/ksql", request_body("ksql", text).dump());
  if (!reply.is_ok()) {
    std::fprintf(err_, "%s\n", reply.status().message().c_str());
    return false;
  }
  json body = json::parse(reply->body, nullptr, false);
  if (reply->status / 100 == 2 && body.is_array()) {
    for (const json& e : body) std::fputs(render_entity(e, properties_).c_str(), out_);
    std::fflush(out_);
    return true;
  }
  if (body.is_object()) {
    for (const json& e : body.value("entities", json::array())) {
      std::fputs(render_entity(e).c_str(), out_);
    }
  }
  std::fflush(out_);
  std::fprintf(err_, "%s\n", error_message(reply->body).c_str());
  return false;
}

bool Shell::run_query(const std::string& text, bool push, std::optional<int64_t> limit) {
  std::optional<RowTable> table;
  std::string query_id;
  std::string stream_error;
  int64_t rows = 0;
  auto on_line = [&](std::string_view line) {
    if (trim(line).empty()) return;
    json j = json::parse(line, nullptr, false);
    if (j.is_array()) {
      if (!table) table.emplace(std::vector<std::string>{}, options_.terminal_width);
      std::vector<std::string> cells;
      for (const json& v : j) cells.push_back(cell_text(v));
      std::fputs(table->row(cells).c_str(), out_);
      std::fflush(out_);
      ++rows;
      return;
    }
    if (j.is_object() && !table && j.contains("columnNames")) {
      query_id = j.value("queryId", "");
      std::vector<std::string> columns;
      for (const json& c : j["columnNames"]) columns.push_back(cell_text(c));
      table.emplace(std::move(columns), options_.terminal_width);
      std::fputs(table->header().c_str(), out_);
      std::fflush(out_);
      return;
    }
    // An error reported inside the stream ends the query.
    stream_error =
        j.is_object() && j.contains("message") ? j.value("message", "") : std::string(line);
  };
  auto reply = client_.post_stream("/query-stream", request_body("sql", text).dump(),
                                   "application/vnd.ksqlapi.delimited.v1", on_line);
  if (!reply.is_ok()) {
    std::fprintf(err_, "%s\n", reply.status().message().c_str());
    return false;
  }
  if (reply->status != 0 && reply->status / 100 != 2) {
    std::fprintf(err_, "%s\n", error_message(reply->error_body).c_str());
    return false;
  }
  // On a terminal the ^C echo ends the last line.
  if (reply->cancelled && isatty(fileno(out_)) == 1) std::fputs("\n", out_);
  if (table) std::fputs(table->footer().c_str(), out_);
  if (reply->cancelled && !query_id.empty()) {
    // The closed connection already ends the query; saying so explicitly frees it at once.
    interrupt_flag().store(false);
    auto closed = client_.post_json("/close-query", json{{"queryId", query_id}}.dump());
    closed.ignore_error();  // the query may be gone already; either way it no longer runs
  }
  if (!stream_error.empty()) {
    std::fflush(out_);
    std::fprintf(err_, "%s\n", stream_error.c_str());
    return false;
  }
  if (push) {
    if (!reply->cancelled && limit && rows >= *limit) std::fputs("Limit Reached\n", out_);
    std::fputs("Query terminated\n", out_);
  }
  std::fflush(out_);
  return true;
}

bool Shell::run_print(const std::string& text) {
  std::string stream_error;
  auto on_line = [&](std::string_view line) {
    if (trim(line).empty()) return;
    // Records come as text lines; an error ending the stream as a JSON object.
    if (line.front() == '{') {
      json j = json::parse(line, nullptr, false);
      if (j.is_object() && j.contains("message")) {
        stream_error = j.value("message", "");
        return;
      }
    }
    std::fwrite(line.data(), 1, line.size(), out_);
    std::fputc('\n', out_);
    std::fflush(out_);
  };
  auto reply =
      client_.post_stream("/query", request_body("ksql", text).dump(), "application/json", on_line);
  if (!reply.is_ok()) {
    std::fprintf(err_, "%s\n", reply.status().message().c_str());
    return false;
  }
  if (reply->status != 0 && reply->status / 100 != 2) {
    std::fprintf(err_, "%s\n", error_message(reply->error_body).c_str());
    return false;
  }
  if (reply->cancelled && isatty(fileno(out_)) == 1) std::fputs("\n", out_);
  if (!stream_error.empty()) {
    std::fprintf(err_, "%s\n", stream_error.c_str());
    return false;
  }
  // ksqlDB's CLI says so when PRINT stops (LIMIT reached, or ^C).
  std::fputs("Topic printing ceased\n", out_);
  std::fflush(out_);
  return true;
}

// A CREATE whose source exists: the same statement text created it (a restart of `sluice run`).
bool Shell::already_present(const std::string& text, const std::string& source_name) {
  std::string quoted = "`" + source_name + "`";
  auto reply = client_.post_json("/ksql", request_body("ksql", "DESCRIBE " + quoted + ";").dump());
  if (!reply.is_ok() || reply->status != 200) return false;
  json body = json::parse(reply->body, nullptr, false);
  if (!body.is_array() || body.empty()) return false;
  json desc = body[0].value("sourceDescription", json::object());
  return desc.is_object() && desc.contains("statement") && desc["statement"].is_string() &&
         normalize_statement(desc["statement"].get<std::string>()) == normalize_statement(text);
}

bool Shell::query_running(const std::string& text) {
  auto reply = client_.post_json("/ksql", request_body("ksql", "SHOW QUERIES;").dump());
  if (!reply.is_ok() || reply->status != 200) return false;
  json body = json::parse(reply->body, nullptr, false);
  if (!body.is_array() || body.empty()) return false;
  std::string want = normalize_statement(text);
  for (const json& q : body[0].value("queries", json::array())) {
    if (q.contains("queryString") && q["queryString"].is_string() &&
        normalize_statement(q["queryString"].get<std::string>()) == want) {
      return true;
    }
  }
  return false;
}

bool Shell::run_script(std::string_view sql) {
  bool all_ok = true;
  for (const std::string& text : sql::split_statements(sql)) {
    if (exit_requested_) break;
    if (!run_statement(text)) {
      // In a script, say which statement failed (a nested RUN SCRIPT has named its own).
      if (!run_script_path(text)) std::fprintf(err_, "Statement: %s\n", trim(text).c_str());
      all_ok = false;
      if (!options_.continue_on_error) return false;
    }
  }
  return all_ok;
}

bool Shell::run_file(const std::string& path) {
  constexpr int kMaxScriptDepth = 16;
  if (script_depth_ >= kMaxScriptDepth) {
    std::fprintf(err_, "RUN SCRIPT nested more than %d deep (a script running itself?): '%s'\n",
                 kMaxScriptDepth, path.c_str());
    return false;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(err_, "Cannot read the script file '%s'\n", path.c_str());
    return false;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  ++script_depth_;
  bool ok = run_script(ss.str());
  --script_depth_;
  return ok;
}

int Shell::interactive() {
  bool terminal = isatty(STDIN_FILENO) == 1;
  LineReader reader(terminal);
  if (terminal) {
    auto info = client_.get("/info");
    std::string version;
    if (info.is_ok() && info->status == 200) {
      json j = json::parse(info->body, nullptr, false);
      if (j.is_object()) version = j.value("KsqlServerInfo", json::object()).value("version", "");
    }
    if (version.empty()) {
      std::fprintf(err_, "Warning: no Sluice server answers at %s (%s)\n", client_.url().c_str(),
                   info.is_ok() ? ("HTTP " + std::to_string(info->status)).c_str()
                                : info.status().message().c_str());
    } else {
      std::fprintf(out_, "Connected to %s (%s).\n", client_.url().c_str(), version.c_str());
    }
    std::fputs("Type 'help' for help, 'exit' or Ctrl-D to leave.\n\n", out_);
    std::fflush(out_);
  }
  std::string pending;
  while (!exit_requested_) {
    interrupt_flag().store(false);
    auto line = reader.read(pending.empty() ? "sluice> " : "     >> ");
    if (!line) {
      if (terminal && interrupt_flag().load()) {  // Ctrl-C at the prompt drops the input
        pending.clear();
        std::fputs("\n", out_);
        continue;
      }
      break;
    }
    if (trim(pending).empty()) {
      std::string word = command_word(*line);
      if (word == "EXIT" || word == "QUIT" || word == "HELP" || word == "HISTORY") {
        run_statement(*line);
        continue;
      }
    }
    pending += *line;
    pending += '\n';
    auto [complete, rest] = complete_statements(pending);
    pending = rest;
    for (const std::string& text : complete) {
      std::string entry = normalize_statement(text) + ";";
      history_.push_back(entry);
      reader.add_history(entry);
      run_statement(text);
      if (exit_requested_) break;
    }
  }
  if (terminal) std::fputs("Exiting Sluice SQL shell.\n", out_);
  return 0;
}

void Shell::print_help() {
  std::fputs(
      "Statements end with ';' and may span lines. Everything ksqlDB's SQL has that Sluice\n"
      "runs is sent to the server; SELECT ... EMIT CHANGES streams rows until its LIMIT or\n"
      "Ctrl-C (which ends the query, not the shell).\n"
      "\n"
      "Client commands:\n"
      "  SET 'name'='value';         a property sent with every later statement, e.g.\n"
      "                              SET 'auto.offset.reset'='earliest';\n"
      "  UNSET 'name';               forget it\n"
      "  DEFINE name = 'value';      a variable: ${name} in later statements is replaced\n"
      "  UNDEFINE name;  SHOW VARIABLES;\n"
      "  RUN SCRIPT 'file.sql';      run a file's statements\n"
      "  history                     the statements of this session\n"
      "  help                        this text\n"
      "  exit, quit, Ctrl-D          leave\n",
      out_);
}

}  // namespace sluice::cli
