// ksqlDB REST query-validation test files (RQTT; see /work/shared/ksqldb-rqtt/README.md): reading
// them, and comparing the REST API's answers with a case's expected `responses` and
// `expectedError` the way ksqlDB's RestTestExecutor does.
//
// Thread-safety: free functions.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace sluice::cli::rqtt {

// `text` without its `//` comments (whole-line or after a value), except inside JSON strings.
std::string strip_json_comments(std::string_view text);

// Reads an RQTT file: comments stripped, then parsed keeping exact numbers
// (sql::qtt::parse_test_json).
Result<nlohmann::ordered_json> load_rqtt_file(const std::string& path);

// Compares an actual response object with the expected one as ksqlDB does: only the keys the
// expected object names are checked, nested objects recursively; a key written "name|STARTS_WITH"
// checks a string prefix; `{STATEMENT}` in an expected string stands for `statement`. Numbers
// compare by value. Returns "" on a match, else where and how they differ.
std::string match_fields(const nlohmann::ordered_json& actual,
                         const nlohmann::ordered_json& expected, const std::string& statement,
                         const std::string& path);

// An error response (HTTP `status`, JSON `body`) against the case's `expectedError`: `type` (a
// ksqlDB error class: KsqlStatementErrorMessage must be a statement error naming
// `last_statement`, KsqlErrorMessage any error), `message` (a substring) and `status`. Returns ""
// on a match.
std::string match_error(int status, const nlohmann::ordered_json& body,
                        const nlohmann::ordered_json& expected, const std::string& last_statement);

}  // namespace sluice::cli::rqtt
