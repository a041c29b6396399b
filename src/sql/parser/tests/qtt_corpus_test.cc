// Runs the parser over every statement of ksqlDB's query-validation tests (kept beside the
// project in shared/ksqldb-qtt, never copied into it) and checks that nearly all parse, that
// the cases ksqlDB rejects with a parse error are rejected here too, and that every parsed
// statement survives a round trip through the formatter.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "sql/parser/formatter.h"
#include "sql/parser/parser.h"

namespace sluice::sql {
namespace {

std::filesystem::path qtt_dir() {
  if (const char* env = std::getenv("SLUICE_QTT_DIR")) return env;
  return SLUICE_QTT_DIR;
}

// The files contain `//` comment lines, which JSON does not allow.
nlohmann::json load(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream kept;
  std::string line;
  while (std::getline(in, line)) {
    size_t first = line.find_first_not_of(" \t");
    if (first != std::string::npos && line.compare(first, 2, "//") == 0) continue;
    kept << line << '\n';
  }
  return nlohmann::json::parse(kept.str());
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size()) {
    s.replace(pos, from.size(), to);
  }
  return s;
}

TEST(QttCorpus, NearlyAllStatementsParse) {
  std::filesystem::path dir = qtt_dir();
  if (!std::filesystem::is_directory(dir)) GTEST_SKIP() << "no " << dir;

  int total = 0, parsed = 0, expected_failures = 0, rejected_as_expected = 0, round_trips = 0;
  std::vector<std::string> failures;
  std::chrono::steady_clock::duration parse_time{};
  size_t parsed_bytes = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".json") continue;
    nlohmann::json doc = load(entry.path());
    for (const auto& tc : doc["tests"]) {
      bool expect_parse_error = false;
      if (tc.contains("expectedException")) {
        std::string type = tc["expectedException"].value("type", "");
        std::string message = tc["expectedException"].value("message", "");
        // ksqlDB also raises ParseFailedException for WITH-property values it validates while
        // building the AST (WINDOW_SIZE='30 bobs'); in Sluice that check belongs to the planner.
        expect_parse_error = type.find("ParseFailedException") != std::string::npos &&
                             message.find("WINDOW_SIZE") == std::string::npos;
      }
      std::string format = "JSON";
      if (tc.contains("format") && tc["format"].is_array() && !tc["format"].empty()) {
        format = tc["format"][0].get<std::string>();
      }
      bool case_failed = false;
      std::string first_error;
      for (const auto& st : tc.value("statements", nlohmann::json::array())) {
        std::string sql = replace_all(st.get<std::string>(), "{FORMAT}", format);
        ++total;
        auto t0 = std::chrono::steady_clock::now();
        auto r = parse_script(sql);
        parse_time += std::chrono::steady_clock::now() - t0;
        parsed_bytes += sql.size();
        if (!r.is_ok()) {
          case_failed = true;
          if (first_error.empty()) first_error = r.status().message() + "\n    in: " + sql;
          continue;
        }
        ++parsed;
        for (const auto& ps : r.value()) {
          std::string once = to_sql(*ps.statement);
          auto again = parse_statement(once);
          if (again.is_ok() && to_sql(**again) == once) {
            ++round_trips;
          } else {
            std::string failure = "round trip: " + sql;
            failure.append("\n    printed: ").append(once).append("\n    ");
            failure.append(again.is_ok() ? to_sql(**again) : again.status().message());
            failures.push_back(std::move(failure));
          }
        }
      }
      if (expect_parse_error) {
        ++expected_failures;
        if (case_failed) {
          ++rejected_as_expected;
          if (std::getenv("SLUICE_QTT_VERBOSE")) {
            std::cout << "  rejected: " << first_error
                      << "\n    ksqlDB: " << tc["expectedException"].value("message", "") << "\n";
          }
        } else
          failures.push_back("accepted, ksqlDB rejects: " + tc.value("name", "?"));
      } else if (case_failed) {
        failures.push_back(entry.path().filename().string() + " / " + tc.value("name", "?") + ": " +
                           first_error);
      }
    }
  }
  std::cout << "qtt statements: " << total << ", parsed: " << parsed
            << ", cases expected to fail parsing: " << expected_failures
            << " (rejected: " << rejected_as_expected << "), round trips: " << round_trips
            << std::endl;
  double secs = std::chrono::duration<double>(parse_time).count();
  if (secs > 0) {
    std::cout << "parse speed: " << static_cast<int64_t>(total / secs) << " statements/s, "
              << static_cast<int64_t>(parsed_bytes / secs / 1e6) << " MB/s" << std::endl;
  }
  for (const auto& f : failures) std::cout << "  " << f << "\n";
  EXPECT_GT(total, 1000);
  EXPECT_EQ(rejected_as_expected, expected_failures);
  // Statements that ksqlDB itself accepts: all but a handful must parse.
  EXPECT_LE(failures.size(), 5u);
}

}  // namespace
}  // namespace sluice::sql
