// Shell: what `sluice sql` and `sluice run` do with statements, against a server's REST API.
//
// Each statement is sent on its own, as ksqlDB's CLI does: SELECT to /query-stream (rows printed
// as they arrive, until the server ends the stream or SIGINT cancels it), everything else to
// /ksql (entities printed as tables or messages, see sql_render.h). A few statements never leave
// the client:
//   SET 'name'='value'; / UNSET 'name';   properties sent with every later request
//   DEFINE name = 'value'; / UNDEFINE name;   variables, substituted into later statements
//   SHOW VARIABLES;   RUN SCRIPT 'file';   exit / quit;   help;   history;
//
// Thread-safety: none; one thread runs a shell. The interrupt flag is set by the SIGINT handler
// that install_sigint_handler() installs.
#pragma once

#include <atomic>
#include <csignal>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/ksql_client.h"

namespace sluice::cli {

struct ShellOptions {
  // Scripts (-f, -e, RUN SCRIPT) go on after a failed statement instead of stopping.
  bool continue_on_error = false;
  // Width the columns of query results share (the terminal's), 0 when unknown.
  size_t terminal_width = 0;
  // `sluice run` on a data directory that already holds the file's effects (a restart): a CREATE
  // that fails because its source exists, created by the identical statement text, and an INSERT
  // INTO ... SELECT whose identical query is running already, are skipped with a note.
  bool skip_existing = false;
  // `sluice run`: a SELECT without LIMIT would never end; refuse it.
  bool refuse_unbounded_queries = false;
};

class Shell {
 public:
  Shell(KsqlClient client, ShellOptions options, std::FILE* out = stdout, std::FILE* err = stderr);

  // --define name=value.
  void define(const std::string& name, const std::string& value);

  // Runs one statement; false when it failed (the error has been printed).
  bool run_statement(std::string_view text);
  // Runs each statement of `sql` in order; false when one failed.
  bool run_script(std::string_view sql);
  bool run_file(const std::string& path);
  // Reads statements from stdin until EOF or `exit`: with line editing and history
  // (~/.sluice_history) on a terminal, plain lines otherwise. Returns the exit code.
  int interactive();

  bool exit_requested() const { return exit_requested_; }
  KsqlClient& client() { return client_; }

  // The SIGINT flag; the handler sets it, each statement starts by clearing it.
  static std::atomic<bool>& interrupt_flag();
  // How many times the handler ran (never reset: the flag is per statement, this is not).
  static std::atomic<int>& interrupt_count();
  // SIGINT (or `sig`) sets the flag (and interrupts blocking reads) instead of ending the
  // process.
  static void install_sigint_handler(int sig = SIGINT);

 private:
  bool run_local(std::string_view text, bool* handled);
  bool run_ksql(const std::string& text);
  bool run_query(const std::string& text, bool push, std::optional<int64_t> limit);
  // PRINT: the topic's records as the server renders them, line by line, from /query.
  bool run_print(const std::string& text);
  bool already_present(const std::string& text, const std::string& source_name);
  bool query_running(const std::string& text);
  nlohmann::json request_body(const char* text_key, const std::string& text) const;
  void print_help();

  KsqlClient client_;
  ShellOptions options_;
  std::FILE* out_;
  std::FILE* err_;
  std::map<std::string, std::string> properties_;
  std::map<std::string, std::string> variables_;  // names upper-cased
  std::vector<std::string> history_;
  bool exit_requested_ = false;
  int script_depth_ = 0;  // RUN SCRIPT nesting, bounded so a script running itself stops
};

// The statement texts `sql` splits into that end in ';' and the incomplete rest ("" when none):
// the shell runs the former and keeps reading lines for the latter.
std::pair<std::vector<std::string>, std::string> complete_statements(std::string_view sql);

// Whitespace runs collapsed to one space, no leading/trailing blanks or ';' (to compare texts).
std::string normalize_statement(std::string_view text);

}  // namespace sluice::cli
