// `sluice sql`: ksqlDB's CLI for Sluice. Interactive on a terminal (or reading piped stdin), or
// running a file (-f) or statements (-e) and exiting 0 when every statement succeeded, 1 if not.
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "cli/sql_shell.h"

namespace sluice::cli {

namespace {

struct SqlOptions {
  std::string server = "http://localhost:8080";
  std::string positional_server;
  std::string file;
  std::string execute;
  std::vector<std::string> defines;
  bool continue_on_error = false;
};

size_t terminal_width() {
  winsize ws{};
  if (isatty(STDOUT_FILENO) == 1 && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0) return ws.ws_col;
  return 0;
}

int run_sql(const SqlOptions& opts) {
  auto client =
      KsqlClient::connect_to(opts.positional_server.empty() ? opts.server : opts.positional_server);
  if (!client.is_ok()) {
    std::fprintf(stderr, "sluice sql: %s\n", client.status().message().c_str());
    return 2;
  }
  ShellOptions so;
  so.continue_on_error = opts.continue_on_error;
  so.terminal_width = terminal_width();
  Shell shell(std::move(client).value(), so);
  for (const std::string& d : opts.defines) {
    size_t eq = d.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::fprintf(stderr, "sluice sql: --define wants name=value, got '%s'\n", d.c_str());
      return 2;
    }
    shell.define(d.substr(0, eq), d.substr(eq + 1));
  }
  Shell::install_sigint_handler();
  if (!opts.file.empty() || !opts.execute.empty()) {
    bool ok = true;
    if (!opts.execute.empty()) ok = shell.run_script(opts.execute);
    if ((ok || opts.continue_on_error) && !opts.file.empty() && !shell.exit_requested()) {
      ok = shell.run_file(opts.file) && ok;
    }
    return ok ? 0 : 1;
  }
  return shell.interactive();
}

}  // namespace

void add_sql_command(CLI::App& app) {
  auto opts = std::make_shared<SqlOptions>();
  CLI::App* cmd = app.add_subcommand(
      "sql", "SQL shell against a Sluice server (ksqlDB's CLI): interactive, or -f FILE");
  cmd->add_option("url", opts->positional_server, "Server URL (same as --server)");
  cmd->add_option("-s,--server", opts->server, "Server URL [http://localhost:8080]");
  cmd->add_option("-f,--file", opts->file, "Run this file's statements and exit")
      ->check(CLI::ExistingFile);
  cmd->add_option("-e,--execute", opts->execute, "Run these statements and exit");
  cmd->add_option("-d,--define", opts->defines, "A variable for ${name} in statements: name=value")
      ->allow_extra_args(false);
  cmd->add_flag("--continue-on-error", opts->continue_on_error,
                "With -f/-e: go on after a failed statement (the exit code is still 1)");
  cmd->callback([opts] { set_exit_code(run_sql(*opts)); });
}

}  // namespace sluice::cli
