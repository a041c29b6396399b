// The `sluice` command. Each subcommand lives in its own file; this file wires them into CLI11.
#include <CLI/CLI.hpp>

#include <cstdio>

#include "cli/commands.h"
#include "cli/test_command.h"

// An exception reaching main is a bug: std::terminate reports it and aborts, as wanted.
// NOLINTNEXTLINE(bugprone-exception-escape): an escaping exception should terminate.
int main(int argc, char** argv) {
  CLI::App app{"Sluice: a Kafka-compatible log and streaming SQL engine in one binary", "sluice"};
  app.require_subcommand(1);
  app.set_version_flag("--version", sluice::version_string());

  sluice::cli::ServeOptions serve_opts;
  sluice::cli::add_serve_command(app, serve_opts);
  sluice::cli::add_test_command(app);
  sluice::cli::add_sql_command(app);
  sluice::cli::add_run_command(app);
  sluice::cli::add_datagen_command(app);
  sluice::cli::add_bench_command(app);
  app.add_subcommand("version", "Print the version and exit")->callback([] {
    std::printf("%s\n", sluice::version_string().c_str());
  });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return sluice::cli::exit_code();
}
