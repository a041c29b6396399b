// `sluice test --qtt PATH...` (and `--rqtt PATH...`): runs ksqlDB QTT (REST QTT) files and prints
// each failing case with a diff, per-file counts, and a last line "N passed, M failed, K skipped".
#include "cli/test_command.h"

#include <cstdio>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "cli/commands.h"
#include "cli/rqtt/rqtt_match.h"
#include "cli/rqtt/rqtt_runner.h"
#include "sql/engine/engine.h"
#include "sql/qtt/qtt_runner.h"

namespace sluice::cli {

namespace {

struct TestOptions {
  std::vector<std::string> qtt_paths;
  std::vector<std::string> rqtt_paths;  // REST query-validation tests (--rqtt)
  std::string statements_file, input_file, output_file;
  std::string filter;
  bool verbose = false;
  bool show_skips = false;
  int min_pass = -1;
};

// `rqtt`: the paths are REST query-validation tests, run against a server each, and the last
// line says so ("rqtt: N passed, M failed, K skipped of T").
int run_tests(const TestOptions& opts, bool rqtt = false) {
  using sql::qtt::Outcome;
  int passed = 0, failed = 0, skipped = 0, message_mismatches = 0;
  for (const std::string& path : rqtt ? opts.rqtt_paths : opts.qtt_paths) {
    for (const std::string& file : sql::qtt::collect_qtt_files(path)) {
      auto doc = rqtt ? rqtt::load_rqtt_file(file) : sql::qtt::load_qtt_file(file);
      if (!doc) {
        std::printf("ERROR %s\n", doc.status().message().c_str());
        ++failed;
        continue;
      }
      std::string base = file.substr(file.find_last_of('/') + 1);
      int fp = 0, ff = 0, fs = 0;
      for (const auto& r : rqtt ? rqtt::run_rqtt(*doc, base) : sql::qtt::run_qtt(*doc, base)) {
        if (!opts.filter.empty() && r.name.find(opts.filter) == std::string::npos) continue;
        switch (r.outcome) {
          case Outcome::kPassed:
            ++fp;
            if (!r.detail.empty()) ++message_mismatches;
            if (opts.verbose) {
              std::printf("PASS %s: %s\n", base.c_str(), r.name.c_str());
              if (!r.detail.empty()) std::printf("  note: %s\n", r.detail.c_str());
            }
            break;
          case Outcome::kFailed:
            ++ff;
            std::printf("FAIL %s: %s\n  %s\n", base.c_str(), r.name.c_str(), r.detail.c_str());
            break;
          case Outcome::kSkipped:
            ++fs;
            if (opts.verbose || opts.show_skips) {
              std::printf("SKIP %s: %s (%s)\n", base.c_str(), r.name.c_str(), r.detail.c_str());
            }
            break;
        }
      }
      std::printf("-- %s: %d passed, %d failed, %d skipped\n", base.c_str(), fp, ff, fs);
      passed += fp;
      failed += ff;
      skipped += fs;
    }
  }
  if (message_mismatches) {
    std::printf("(%d expected-exception cases passed with a different message)\n",
                message_mismatches);
  }
  if (rqtt) {
    std::printf("rqtt: %d passed, %d failed, %d skipped of %d\n", passed, failed, skipped,
                passed + failed + skipped);
  } else {
    std::printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
  }
  std::fflush(stdout);
  if (opts.min_pass >= 0) {
    if (passed < opts.min_pass) {
      std::fprintf(stderr, "sluice test: %d passed, below the floor of %d\n", passed,
                   opts.min_pass);
      return 1;
    }
    return 0;
  }
  return failed ? 1 : 0;
}

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// ksql-test-runner: statements.sql + input.json ({"inputs": [...]}) + output.json
// ({"outputs": [...]}), run as one QTT case.
int run_test_runner(const TestOptions& opts) {
  auto sql = read_file(opts.statements_file);
  if (!sql) {
    std::fprintf(stderr, "sluice test: cannot read %s\n", opts.statements_file.c_str());
    return 2;
  }
  nlohmann::ordered_json test;
  test["name"] = opts.statements_file;
  test["statements"] = nlohmann::ordered_json::array();
  // Where each statement starts in the file, so that errors name the file's line and column.
  test["statementPositions"] = nlohmann::ordered_json::array();
  std::vector<size_t> starts;
  for (const std::string& s : sql::split_statements(*sql, &starts)) {
    test["statements"].push_back(s);
  }
  for (size_t start : starts) {
    int line = 1, col = 1;
    for (size_t k = 0; k < start && k < sql->size(); ++k) {
      if ((*sql)[k] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    test["statementPositions"].push_back({line, col});
  }
  for (const auto& [path, key] :
       {std::pair{&opts.input_file, "inputs"}, std::pair{&opts.output_file, "outputs"}}) {
    if (path->empty()) continue;
    auto doc = sql::qtt::load_qtt_file(*path);
    if (!doc) {
      std::fprintf(stderr, "sluice test: %s\n", doc.status().message().c_str());
      return 2;
    }
    test[key] = doc->value(key, nlohmann::ordered_json::array());
  }
  sql::qtt::CaseResult r = sql::qtt::run_case(test, opts.statements_file);
  // Records the queries skipped (undecodable, failing expressions): listed on a pass too, as
  // ksqlDB's processing log would show them. A failure's diff lists them already.
  if (r.outcome != sql::qtt::Outcome::kFailed) {
    for (const std::string& e : r.record_errors) std::printf("Record skipped: %s\n", e.c_str());
  }
  switch (r.outcome) {
    case sql::qtt::Outcome::kPassed:
      std::printf("Test passed!\n");
      return 0;
    case sql::qtt::Outcome::kSkipped:
      // Not verified is not passed: a user's CI must not count it as green.
      std::printf("Test skipped: %s\n", r.detail.c_str());
      return 1;
    case sql::qtt::Outcome::kFailed:
      std::printf("Test failed: %s\n", r.detail.c_str());
      return 1;
  }
  return 1;
}

}  // namespace

void add_test_command(CLI::App& app) {
  auto opts = std::make_shared<TestOptions>();
  CLI::App* cmd = app.add_subcommand("test", "Run SQL tests against the engine");
  cmd->add_option("--qtt", opts->qtt_paths,
                  "ksqlDB query-validation-test files or folders of them");
  cmd->add_option("--rqtt", opts->rqtt_paths,
                  "ksqlDB REST query-validation-test files or folders of them (each case runs "
                  "against its own server)");
  cmd->add_option("-s,--sql-file", opts->statements_file, "ksql-test-runner: the statements file")
      ->check(CLI::ExistingFile);
  cmd->add_option("-i,--input-file", opts->input_file, "ksql-test-runner: the input records")
      ->check(CLI::ExistingFile);
  cmd->add_option("-o,--output-file", opts->output_file,
                  "ksql-test-runner: the expected output records")
      ->check(CLI::ExistingFile);
  cmd->add_option("--filter", opts->filter, "Only cases whose name contains this text");
  cmd->add_flag("-v,--verbose", opts->verbose, "Also list passing and skipped cases");
  cmd->add_flag("--show-skips", opts->show_skips, "List skipped cases with their reason");
  cmd->add_option("--min-pass", opts->min_pass,
                  "Exit 0 when at least this many cases pass (failures allowed), 1 otherwise");
  cmd->callback([opts] {
    if (!opts->statements_file.empty()) {
      set_exit_code(run_test_runner(*opts));
    } else if (!opts->qtt_paths.empty()) {
      set_exit_code(run_tests(*opts));
    } else if (!opts->rqtt_paths.empty()) {
      // Each case starts a server: its start and stop lines would drown the results.
      spdlog::set_level(spdlog::level::warn);
      set_exit_code(run_tests(*opts, /*rqtt=*/true));
    } else {
      std::fprintf(
          stderr,
          "sluice test: give --qtt PATH..., --rqtt PATH... or -s statements.sql -i input.json -o "
          "output.json\n");
      set_exit_code(2);
    }
  });
}

}  // namespace sluice::cli
