// Runs ksqlDB query-validation test files (QTT JSON; see /work/shared/ksqldb-qtt/README.md)
// against the Sluice SQL engine: each case's statements, then its input records one by one,
// then a comparison of the records on the output topics with the expected ones.
//
// A case is skipped (and says why) when it needs something Sluice does not have yet (a feature
// the engine reports as unsupported). Each case
// has its own Schema Registry (in memory) holding the schemas its `topics` give.
//
// Thread-safety: a QttRunner runs one case at a time; separate runners are independent.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace sluice::schema {
class SchemaRegistry;
}

namespace sluice::sql::qtt {

enum class Outcome : uint8_t { kPassed, kFailed, kSkipped };

struct CaseResult {
  std::string file;
  std::string name;
  Outcome outcome = Outcome::kPassed;
  std::string detail;  // why it failed (with a diff) or was skipped
  // Input records the queries could not process (skipped), as "topic/partition@offset: reason".
  std::vector<std::string> record_errors;

  // The case is skipped / failed for `why`; a runner returns the result at once.
  CaseResult& skip(std::string why) { return set(Outcome::kSkipped, std::move(why)); }
  CaseResult& fail(std::string why) { return set(Outcome::kFailed, std::move(why)); }

 private:
  CaseResult& set(Outcome o, std::string why) {
    outcome = o;
    detail = std::move(why);
    return *this;
  }
};

struct FileSummary {
  std::string file;
  int passed = 0;
  int failed = 0;
  int skipped = 0;
};

// Reads a QTT file: `//` comment lines are dropped before parsing.
Result<nlohmann::ordered_json> load_qtt_file(const std::string& path);

// Runs every case of one test document (every `format` variant of a case counts separately).
std::vector<CaseResult> run_qtt(const nlohmann::ordered_json& doc, const std::string& file_name);

// Runs one case (already expanded for its format). Besides QTT's fields, a case may carry
// "statementPositions": [[line, column], ...] (where each statement starts in its file, so error
// positions are the file's; `sluice test -s` sets it), and input records may carry "headers":
// [{"KEY": name, "VALUE": base64 or null}, ...].
CaseResult run_case(const nlohmann::ordered_json& test, const std::string& file_name);

// `s` with every `from` replaced by `to` (e.g. "{FORMAT}" in a case's statements).
std::string replace_all(std::string s, const std::string& from, const std::string& to);

// Registers the schemas a case's `topics` give (keySchema / valueSchema, at keySchemaId /
// valueSchemaId when set) under the topics' subjects, with compatibility checks off, as ksqlDB's
// harness does with its mock registry; shared with the REST runner.
Status register_topic_schemas(const nlohmann::ordered_json& test, schema::SchemaRegistry& registry);

// Expands a path into QTT files: a file as is, a folder's *.json files sorted by name.
std::vector<std::string> collect_qtt_files(const std::string& path);

}  // namespace sluice::sql::qtt
