// Subcommands of the `sluice` CLI. Each add_*_command registers its options on the app and a
// callback that runs the command and records the process exit code.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

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
  std::string kafka_listen, http_listen;
  bool demo = false;
};
void add_serve_command(CLI::App& app, ServeOptions& opts);

// `sluice datagen nexmark`: benchmark events as JSON lines (datagen_command.cc).
void add_datagen_command(CLI::App& app);
// `sluice bench nexmark`: Nexmark queries through the engine over the log (bench_command.cc).
void add_bench_command(CLI::App& app);

}  // namespace cli
}  // namespace sluice
