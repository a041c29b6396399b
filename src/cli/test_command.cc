// `sluice test --qtt PATH...`: runs ksqlDB QTT files and prints each failing case with a diff,
// per-file counts, and a last line "N passed, M failed, K skipped".
#include "cli/test_command.h"

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "sql/qtt/qtt_runner.h"

namespace sluice::cli {

namespace {

struct TestOptions {
  std::vector<std::string> qtt_paths;
  std::string filter;
  bool verbose = false;
  bool show_skips = false;
  int min_pass = -1;
};

int run_tests(const TestOptions& opts) {
  using sql::qtt::Outcome;
  int passed = 0, failed = 0, skipped = 0, message_mismatches = 0;
  for (const std::string& path : opts.qtt_paths) {
    for (const std::string& file : sql::qtt::collect_qtt_files(path)) {
      auto doc = sql::qtt::load_qtt_file(file);
      if (!doc) {
        std::printf("ERROR %s\n", doc.status().message().c_str());
        ++failed;
        continue;
      }
      std::string base = file.substr(file.find_last_of('/') + 1);
      int fp = 0, ff = 0, fs = 0;
      for (const auto& r : sql::qtt::run_qtt(*doc, base)) {
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
  std::printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
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

}  // namespace

void add_test_command(CLI::App& app) {
  auto opts = std::make_shared<TestOptions>();
  CLI::App* cmd = app.add_subcommand("test", "Run SQL tests against the engine");
  cmd->add_option("--qtt", opts->qtt_paths, "ksqlDB query-validation-test files or folders of them")
      ->required();
  cmd->add_option("--filter", opts->filter, "Only cases whose name contains this text");
  cmd->add_flag("-v,--verbose", opts->verbose, "Also list passing and skipped cases");
  cmd->add_flag("--show-skips", opts->show_skips, "List skipped cases with their reason");
  cmd->add_option("--min-pass", opts->min_pass,
                  "Exit 0 when at least this many cases pass (failures allowed), 1 otherwise");
  cmd->callback([opts] { set_exit_code(run_tests(*opts)); });
}

}  // namespace sluice::cli
