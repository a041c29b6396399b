// `sluice test`: runs ksqlDB query-validation tests (--qtt) against the SQL engine.
#pragma once

#include <CLI/CLI.hpp>

namespace sluice::cli {

void add_test_command(CLI::App& app);

}  // namespace sluice::cli
