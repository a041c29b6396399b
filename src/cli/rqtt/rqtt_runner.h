// Runs ksqlDB REST query-validation test files (RQTT) against a real Sluice server, as ksqlDB's
// RestTestExecutor runs them against ksqlDB: per case (and per `format` entry) a fresh server in
// this process, on loopback ephemeral ports with a temporary data directory; its topics created;
// the statements before the first SELECT sent as one POST /ksql; the `inputs` produced; each
// SELECT sent to POST /query (a push query is read up to the number of rows expected, then
// closed); then the `outputs` topics and the `responses` compared.
//
// A case is skipped (and says why) when the server answers "not supported yet", or when it needs
// what Sluice has no codec for (AVRO, PROTOBUF, JSON_SR) or windowed input records.
//
// Thread-safety: run_case() starts and stops its own server; cases run one at a time.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sql/qtt/qtt_runner.h"

namespace sluice::cli::rqtt {

using sql::qtt::CaseResult;
using sql::qtt::Outcome;

// Runs every case of one test document (each `format` variant of a case counts separately).
std::vector<CaseResult> run_rqtt(const nlohmann::ordered_json& doc, const std::string& file_name);

// Runs one case (already expanded for its format).
CaseResult run_case(const nlohmann::ordered_json& test, const std::string& file_name);

}  // namespace sluice::cli::rqtt
