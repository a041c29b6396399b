#include "cli/rqtt/rqtt_match.h"

#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "sql/qtt/record_json.h"

namespace sluice::cli::rqtt {

using json = nlohmann::ordered_json;

std::string strip_json_comments(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      out += c;
      if (c == '\\' && i + 1 < text.size()) {
        out += text[++i];
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '/' && i + 1 < text.size() && text[i + 1] == '/') {
      // Up to the end of the line; the newline stays so that parse errors keep their line.
      while (i + 1 < text.size() && text[i + 1] != '\n') ++i;
      continue;
    }
    if (c == '"') in_string = true;
    out += c;
  }
  return out;
}

Result<json> load_rqtt_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::not_found(fmt::format("cannot open {}", path));
  std::stringstream ss;
  ss << in.rdbuf();
  auto doc = sql::qtt::parse_test_json(strip_json_comments(ss.str()));
  if (!doc) return Status::invalid_argument(fmt::format("{}: invalid JSON", path));
  if (!doc->is_object() || !doc->contains("tests") || !(*doc)["tests"].is_array()) {
    return Status::invalid_argument(fmt::format("{}: no \"tests\" array", path));
  }
  return doc;
}

namespace {

std::string replace_all(std::string s, std::string_view from, std::string_view to) {
  for (size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size()) {
    s.replace(pos, from.size(), to);
  }
  return s;
}

// A value for a diff line, cut short: a whole result set would drown the reason.
std::string brief(const json& j) {
  std::string s = sql::qtt::dump_exact(j);
  if (s.size() > 200) s = s.substr(0, 200) + "...";
  return s;
}

}  // namespace

std::string match_fields(const json& actual, const json& expected, const std::string& statement,
                         const std::string& path) {
  if (!expected.is_object()) return fmt::format("{}: the expected value is not an object", path);
  if (!actual.is_object()) {
    return fmt::format("{}: expected an object, got {}", path, brief(actual));
  }
  for (auto it = expected.begin(); it != expected.end(); ++it) {
    std::string key = it.key();
    bool starts_with = false;
    if (size_t bar = key.find('|'); bar != std::string::npos) {
      std::string op = key.substr(bar + 1);
      for (char& c : op) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      if (op != "STARTS_WITH" && op != "EQUALS") {
        return fmt::format("{}: unknown match operator '{}'", path, op);
      }
      starts_with = op == "STARTS_WITH";
      key.resize(bar);
    }
    std::string here = fmt::format("{}->{}", path, key);
    if (!actual.contains(key)) {
      return fmt::format("{}: missing (expected {}; the response is {})", here, brief(it.value()),
                         brief(actual));
    }
    const json& got = actual[key];
    json want = it.value();
    if (want.is_string()) want = replace_all(want.get<std::string>(), "{STATEMENT}", statement);
    if (want.is_object()) {
      if (std::string d = match_fields(got, want, statement, here); !d.empty()) return d;
      continue;
    }
    if (starts_with) {
      if (!want.is_string() || !got.is_string() ||
          got.get<std::string>().rfind(want.get<std::string>(), 0) != 0) {
        return fmt::format("{}: expected a string starting with {}, got {}", here, brief(want),
                           brief(got));
      }
      continue;
    }
    if (!sql::qtt::json_matches(sql::qtt::as_lossy(want), got)) {
      return fmt::format("{}:\n    expected {}\n    actual   {}", here, brief(want), brief(got));
    }
  }
  return "";
}

std::string match_error(int status, const json& body, const json& expected,
                        const std::string& last_statement) {
  std::string message = body.is_object() ? body.value("message", std::string()) : "";
  std::string type = body.is_object() ? body.value("@type", std::string()) : "";
  if (expected.contains("status") && expected["status"].is_number_integer() &&
      expected["status"].get<int>() != status) {
    return fmt::format("expected HTTP status {}, got {}: {}", expected["status"].get<int>(), status,
                       message);
  }
  if (expected.contains("type") && expected["type"].is_string()) {
    std::string want = expected["type"].get<std::string>();
    want = want.substr(want.find_last_of('.') + 1);
    if (want == "KsqlStatementErrorMessage") {
      if (type != "statement_error") {
        return fmt::format("expected a statement error, got '{}': {}", type, message);
      }
      // As in ksqlDB: an error raised by an earlier statement does not count.
      std::string text = body.value("statementText", std::string());
      if (text.find(last_statement) == std::string::npos) {
        return fmt::format("the error is about another statement than the last one: {}", text);
      }
    } else if (want != "KsqlErrorMessage") {
      return fmt::format("unknown expected error type {}", want);
    }
    if (message.empty() && !body.contains("error_code")) {
      return fmt::format("the response is not an error message: {}", brief(body));
    }
  }
  if (expected.contains("message") && expected["message"].is_string()) {
    std::string want = expected["message"].get<std::string>();
    if (message.find(want) == std::string::npos) {
      return fmt::format("error message differs:\n    expected (substring) {}\n    actual {}", want,
                         message);
    }
  }
  return "";
}

}  // namespace sluice::cli::rqtt
