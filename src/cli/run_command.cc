// `sluice run FILE.sql`: the embedded "main job". Starts a server (the same flags as `serve`),
// runs the file's statements against it through its own REST API on loopback, then keeps serving
// (the persistent queries keep running) until SIGINT or SIGTERM.
//
// A failed statement stops the server and exits 1. Restarting on the same data directory finds
// the file's sources and queries already there (replayed from the command topic): a CREATE whose
// source exists and was created by the identical statement text, and an INSERT INTO ... SELECT
// whose identical query is running, are skipped with a note rather than failing as duplicates.
// A different statement for an existing name still fails, as in ksqlDB. INSERT INTO ... VALUES
// runs on every start.
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "cli/sql_shell.h"
#include "common/log.h"
#include "server/server.h"

namespace sluice::cli {

namespace {

struct RunOptions {
  ServeOptions serve;
  std::string file;
};

int run_file(const RunOptions& opts) {
  std::optional<ServerConfig> cfg = prepare_server(opts.serve);
  if (!cfg) return 2;
  Server server(*cfg);
  Status st = server.start();
  if (!st.is_ok()) {
    spdlog::critical("cannot start: {}", st.to_string());
    return 1;
  }
  // The file's statements go through the server's REST API, over loopback.
  std::string host = cfg->http_listen.host;
  if (host.empty() || host == "0.0.0.0") host = "127.0.0.1";
  if (host == "::") host = "::1";
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  auto client = KsqlClient::connect_to("http://" + host + ":" + std::to_string(server.http_port()));
  if (!client.is_ok()) {
    spdlog::critical("{}", client.status().message());
    server.stop();
    return 1;
  }
  ShellOptions so;
  so.skip_existing = true;
  so.refuse_unbounded_queries = true;
  Shell shell(std::move(client).value(), so);
  // Until the file has run, SIGINT/SIGTERM abort the statement in flight and stop the server
  // cleanly (then the server's own handling takes over in wait_for_shutdown_signal()).
  Shell::install_sigint_handler(SIGINT);
  Shell::install_sigint_handler(SIGTERM);
  bool ok = shell.run_file(opts.file);
  if (Shell::interrupt_count().load() > 0) {
    std::fprintf(stderr, "sluice run: interrupted before %s finished; stopping\n",
                 opts.file.c_str());
    server.stop();
    return 1;
  }
  if (!ok) {
    std::fprintf(stderr, "sluice run: a statement of %s failed; stopping\n", opts.file.c_str());
    server.stop();
    return 1;
  }
  std::printf("sluice run: %s done; serving until Ctrl-C or SIGTERM\n", opts.file.c_str());
  std::fflush(stdout);
  server.wait_for_shutdown_signal();
  server.stop();
  return 0;
}

}  // namespace

void add_run_command(CLI::App& app) {
  auto opts = std::make_shared<RunOptions>();
  CLI::App* cmd = app.add_subcommand(
      "run", "Start a server, run a SQL file's statements in it, and keep serving");
  cmd->add_option("file", opts->file, "The statements to run (ksqlDB SQL)")
      ->required()
      ->check(CLI::ExistingFile);
  add_server_flags(cmd, opts->serve);
  cmd->callback([opts] { set_exit_code(run_file(*opts)); });
}

}  // namespace sluice::cli
