// Subcommands of the `sluice` CLI. Each add_*_command registers its options on the app and a
// callback that runs the command and records the process exit code.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "server/config.h"

namespace sluice {

std::string version_string();

namespace cli {

// The exit code recorded by the subcommand that ran.
int exit_code();
void set_exit_code(int code);

struct ServeOptions {
  std::string config_file;
  ServerConfig config;
  std::string kafka_listen, http_listen, schema_registry_listen;
  bool demo = false;
  // Applies the flags given on the command line over the config file's values.
  std::vector<std::function<void(ServerConfig&)>> overrides;
};
// The server's flags (config file, data dir, listeners, topic defaults), shared by `serve` and
// `run`.
void add_server_flags(CLI::App* cmd, ServeOptions& opts);
// The config the flags describe (the file, then the flags over it), with logging set up and the
// open-file limit raised; nullopt after printing the error.
std::optional<ServerConfig> prepare_server(const ServeOptions& opts);
void add_serve_command(CLI::App& app, ServeOptions& opts);

// `sluice sql`: the interactive shell, or a file/statements run against a server.
void add_sql_command(CLI::App& app);
// `sluice run FILE.sql`: a server that runs the file's statements, then keeps serving.
void add_run_command(CLI::App& app);
// `sluice datagen nexmark`: benchmark events as JSON lines (datagen_command.cc).
void add_datagen_command(CLI::App& app);
// `sluice bench nexmark`: Nexmark queries through the engine over the log (bench_command.cc).
void add_bench_command(CLI::App& app);

}  // namespace cli
}  // namespace sluice
