// How `sluice sql` prints what the server answers, in the layout of ksqlDB's CLI:
//
//   - a listing (SHOW STREAMS, TABLES, TOPICS, QUERIES, PROPERTIES, FUNCTIONS, VARIABLES) and the
//     field list of DESCRIBE as a table of ` | `-separated columns between dashed rules;
//   - a command status (CREATE, DROP, TERMINATE, ...) as a one-cell "Message" table;
//   - the rows of a query as a boxed table (+----+----+) printed row by row as they arrive,
//     with cells wider than their column wrapped onto further lines.
//
// Thread-safety: pure functions and a value type.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

namespace sluice::cli {

using Rows = std::vector<std::vector<std::string>>;

// ` H1 | H2 ` / dashes / rows / dashes, every column as wide as its widest cell (counted in
// code points), each line ending in '\n'.
std::string render_table(const std::vector<std::string>& header, const Rows& rows);

// One entity of a /ksql response (an element of its JSON array), by its "@type". Unknown types
// are printed as indented JSON so nothing the server says is lost. `session_properties`: the
// properties the client SET, marked "SESSION" in SHOW PROPERTIES (as ksqlDB's CLI does).
std::string render_entity(const nlohmann::json& entity,
                          const std::map<std::string, std::string>& session_properties = {});

// The message of an error body ({"@type": ..., "message": ...}); the raw body when it is not one.
std::string error_message(const std::string& body);

// A query result value as a cell: strings as they are, everything else as JSON text.
std::string cell_text(const nlohmann::json& value);

// The boxed table of a query's rows, printed incrementally.
class RowTable {
 public:
  // `total_width`: the terminal's width (0 when unknown): the columns share it as ksqlDB's CLI
  // does, but never get narrower than their names or than `min_column_width`.
  RowTable(std::vector<std::string> columns, size_t total_width, size_t min_column_width = 20);

  std::string header() const;                                    // rule, names, rule
  std::string row(const std::vector<std::string>& cells) const;  // one row (maybe wrapped)
  std::string footer() const;                                    // the closing rule

 private:
  std::string rule() const;
  std::vector<std::string> columns_;
  std::vector<size_t> widths_;
};

}  // namespace sluice::cli
