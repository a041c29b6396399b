#include "cli/sql_render.h"

#include <algorithm>

namespace sluice::cli {

using nlohmann::json;

namespace {

// Display width: code points, so that UTF-8 text lines up (wide CJK glyphs do not, as in ksqlDB).
size_t text_width(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// Table cells stay on one line: a statement's newlines and tabs become spaces.
std::string one_line(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  return out;
}

std::string pad(std::string_view s, size_t width) {
  std::string out(s);
  size_t w = text_width(s);
  if (w < width) out.append(width - w, ' ');
  return out;
}

// The first `width` code points of `s` and the rest.
std::pair<std::string_view, std::string_view> split_at_width(std::string_view s, size_t width) {
  size_t points = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (points == width) return {s.substr(0, i), s.substr(i)};
      ++points;
    }
  }
  return {s, {}};
}

std::string str(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

const json& arr(const json& j, const char* key) {
  static const json kEmpty = json::array();
  auto it = j.find(key);
  return it != j.end() && it->is_array() ? *it : kEmpty;
}

std::string join(const json& list, const char* sep) {
  std::string out;
  for (const json& v : list) {
    if (!out.empty()) out += sep;
    out += cell_text(v);
  }
  return out;
}

// "Name                 : value" (ksqlDB pads the label to 20 characters).
std::string labelled(std::string_view label, std::string_view value, size_t width = 20) {
  return pad(label, width) + " : " + std::string(value) + "\n";
}

// A column type from its schema object, as ksqlDB's CLI prints it: VARCHAR(STRING), INTEGER,
// DECIMAL(4, 2), ARRAY<BIGINT>, MAP<STRING, INTEGER>, STRUCT<A INTEGER, B VARCHAR(STRING)>.
std::string type_text(const json& schema) {
  if (schema.is_string()) return schema.get<std::string>();
  if (!schema.is_object()) return "";
  std::string type = str(schema, "type");
  if (type == "STRING" || type == "VARCHAR") return "VARCHAR(STRING)";
  if (type == "ARRAY") return "ARRAY<" + type_text(schema.value("memberSchema", json())) + ">";
  if (type == "MAP") return "MAP<STRING, " + type_text(schema.value("memberSchema", json())) + ">";
  if (type == "STRUCT") {
    std::string out = "STRUCT<";
    bool first = true;
    for (const json& f : arr(schema, "fields")) {
      if (!first) out += ", ";
      first = false;
      out += str(f, "name") + " " + type_text(f.value("schema", json()));
    }
    return out + ">";
  }
  if (type == "DECIMAL") {
    auto params = schema.find("parameters");
    if (params != schema.end() && params->is_object()) {
      return "DECIMAL(" + str(*params, "precision") + ", " + str(*params, "scale") + ")";
    }
  }
  return type;
}

std::string render_fields(const json& fields, bool table) {
  Rows rows;
  for (const json& f : fields) {
    std::string type = type_text(f.value("schema", json()));
    std::string kind = str(f, "type");
    if (kind == "KEY") type += table ? "  (primary key)" : "  (key)";
    if (kind == "HEADER" || kind == "HEADERS") type += "  (headers)";
    rows.push_back({str(f, "name"), type});
  }
  return render_table({"Field", "Type"}, rows);
}

// A query reference in DESCRIBE EXTENDED: an object {id, state, queryString} or a bare id.
std::string query_ref(const json& q) {
  if (!q.is_object()) return cell_text(q);
  std::string out = str(q, "id");
  std::string state = str(q, "state");
  if (!state.empty()) out += " (" + state + ")";
  std::string text = str(q, "queryString");
  if (!text.empty()) out += " : " + text;
  return out;
}

std::string render_source_description(const json& d) {
  bool extended = d.value("extended", false);
  bool table = str(d, "type") == "TABLE";
  std::string out = "\n" + labelled("Name", str(d, "name"));
  if (!extended) {
    out += render_fields(arr(d, "fields"), table);
    out += "For runtime statistics and query details run: DESCRIBE <Stream,Table> EXTENDED;\n";
    return out;
  }
  out += labelled("Type", str(d, "type"));
  std::string ts = str(d, "timestamp");
  out += labelled("Timestamp field", ts.empty() ? "Not set - using <ROWTIME>" : ts);
  out += labelled("Key format", str(d, "keyFormat"));
  out += labelled("Value format", str(d, "valueFormat"));
  out += labelled("Kafka topic", str(d, "topic") + " (partitions: " + str(d, "partitions") +
                                     ", replication: " + str(d, "replication") + ")");
  out += labelled("Statement", str(d, "statement"));
  out += "\n" + render_fields(arr(d, "fields"), table);
  std::string kind = table ? "TABLE" : "STREAM";
  for (auto [key, title] : {std::pair{"readQueries", "Queries that read from this "},
                            std::pair{"writeQueries", "Queries that write from this "}}) {
    std::string heading = std::string(title) + kind;
    out += "\n" + heading + "\n" + std::string(heading.size(), '-') + "\n";
    for (const json& q : arr(d, key)) out += query_ref(q) + "\n";
  }
  out += "\nFor query topology and execution plan please run: EXPLAIN <QueryId>\n";
  std::string stats = str(d, "statistics");
  std::string errors = str(d, "errorStats");
  out += "\nLocal runtime statistics\n------------------------\n";
  if (!stats.empty()) out += stats + "\n";
  if (!errors.empty()) out += errors + "\n";
  out += "(Statistics of the local KSQL server interaction with the Kafka topic " +
         str(d, "topic") + ")\n";
  return out;
}

std::string render_query_description(const json& d) {
  std::string out = "\n" + labelled("ID", str(d, "id"));
  out += labelled("Query Type", str(d, "queryType"));
  out += labelled("SQL", str(d, "statementText"));
  out += labelled("State", str(d, "state"));
  out += "\n" + render_fields(arr(d, "fields"), false);
  out += "\nSources that this query reads from: \n-----------------------------------\n";
  for (const json& s : arr(d, "sources")) out += cell_text(s) + "\n";
  out += "\nFor source description please run: DESCRIBE [EXTENDED] <SourceId>\n";
  out += "\nSinks that this query writes to: \n-----------------------------------\n";
  for (const json& s : arr(d, "sinks")) out += cell_text(s) + "\n";
  out += "\nFor sink description please run: DESCRIBE [EXTENDED] <SinkId>\n";
  std::string plan = str(d, "executionPlan");
  if (!plan.empty()) out += "\nExecution plan      \n--------------      \n" + plan + "\n";
  std::string topology = str(d, "topology");
  if (!topology.empty()) out += "\nProcessing topology \n------------------- \n" + topology + "\n";
  return out;
}

std::string render_describe_function(const json& e) {
  std::string out = "\n" + labelled("Name", str(e, "name"), 11);
  std::string author = str(e, "author");
  if (!author.empty()) out += labelled("Author", author, 11);
  out += labelled("Overview", str(e, "description"), 11);
  out += labelled("Type", str(e, "type"), 11);
  out += labelled("Variations", "", 11);
  for (const json& v : arr(e, "functions")) {
    std::string sig;
    for (const json& a : arr(v, "arguments")) {
      if (!sig.empty()) sig += ", ";
      sig += str(a, "name") + " " + str(a, "type");
      if (a.value("isVariadic", false)) sig += "...";
    }
    out += "\n\t" + labelled("Variation", str(e, "name") + "(" + sig + ")", 11);
    out += "\t" + labelled("Returns", str(v, "returnType"), 11);
    out += "\t" + labelled("Description", str(v, "description"), 11);
    for (const json& a : arr(v, "arguments")) {
      out += "\t" + labelled(str(a, "name"), str(a, "description"), 11);
    }
  }
  return out;
}

std::string render_listing(const json& e, const std::string& type,
                           const std::map<std::string, std::string>& session_properties) {
  Rows rows;
  if (type == "streams" || type == "tables") {
    bool tables = type == "tables";
    for (const json& s : arr(e, tables ? "tables" : "streams")) {
      rows.push_back({str(s, "name"), str(s, "topic"), str(s, "keyFormat"), str(s, "valueFormat"),
                      s.value("isWindowed", false) ? "true" : "false"});
    }
    return render_table({tables ? "Table Name" : "Stream Name", "Kafka Topic", "Key Format",
                         "Value Format", "Windowed"},
                        rows);
  }
  if (type == "kafka_topics") {
    for (const json& t : arr(e, "topics")) {
      const json& replicas = arr(t, "replicaInfo");
      bool same = std::all_of(replicas.begin(), replicas.end(),
                              [&](const json& r) { return r == replicas.front(); });
      std::string rep = replicas.empty() ? ""
                        : same           ? cell_text(replicas.front())
                                         : join(replicas, ", ");
      rows.push_back({str(t, "name"), std::to_string(replicas.size()), rep});
    }
    return render_table({"Kafka Topic", "Partitions", "Partition Replicas"}, rows);
  }
  if (type == "queries") {
    for (const json& q : arr(e, "queries")) {
      std::string status;
      auto counts = q.find("statusCount");
      if (counts != q.end() && counts->is_object()) {
        for (const auto& [state, n] : counts->items()) {
          if (!status.empty()) status += " ";
          status += state + ":" + cell_text(n);
        }
      } else {
        status = str(q, "state");
      }
      rows.push_back({str(q, "id"), str(q, "queryType"), status, join(arr(q, "sinks"), ", "),
                      join(arr(q, "sinkKafkaTopics"), ", "), str(q, "queryString")});
    }
    return render_table({"Query ID", "Query Type", "Status", "Sink Name", "Sink Kafka Topic",
                         "Query String"},
                        rows) +
           "For detailed information on a Query run: EXPLAIN <Query ID>;\n";
  }
  if (type == "properties") {
    std::vector<std::string> overwritten;
    for (const json& p : arr(e, "overwrittenProperties")) overwritten.push_back(cell_text(p));
    for (const json& p : arr(e, "properties")) {
      std::string name = str(p, "name");
      bool over = std::find(overwritten.begin(), overwritten.end(), name) != overwritten.end();
      std::string override = session_properties.count(name) ? "SESSION" : over ? "SERVER" : "";
      rows.push_back({name, str(p, "scope"), override, str(p, "value")});
    }
    return render_table({"Property", "Scope", "Default override", "Effective Value"}, rows);
  }
  if (type == "function_names") {
    for (const json& f : arr(e, "functions")) {
      std::string category = str(f, "category");
      rows.push_back({str(f, "name"), category.empty() ? str(f, "type") : category});
    }
    std::sort(rows.begin(), rows.end());
    return render_table({"Function Name", "Category"}, rows) +
           "For detailed information about a function, run: DESCRIBE FUNCTION <Function Name>;\n";
  }
  if (type == "variables") {
    for (const json& v : arr(e, "variables")) rows.push_back({str(v, "name"), str(v, "value")});
    return render_table({"Variable Name", "Value"}, rows);
  }
  return "";
}

}  // namespace

std::string cell_text(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  return value.dump();
}

std::string render_table(const std::vector<std::string>& header, const Rows& rows) {
  std::vector<size_t> widths(header.size());
  for (size_t i = 0; i < header.size(); ++i) widths[i] = text_width(header[i]);
  Rows clean = rows;
  for (auto& row : clean) {
    for (auto& cell : row) cell = one_line(cell);
  }
  for (const auto& row : clean) {
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], text_width(row[i]));
    }
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out;
    for (size_t i = 0; i < widths.size(); ++i) {
      if (i > 0) out += "|";
      out += " " + pad(i < cells.size() ? cells[i] : "", widths[i]) + " ";
    }
    return out + "\n";
  };
  std::string head = line(header);
  std::string rule(text_width(head) - 1, '-');
  std::string out = head + rule + "\n";
  for (const auto& row : clean) out += line(row);
  return out + rule + "\n";
}

namespace {

std::string render_entity_body(const json& entity,
                               const std::map<std::string, std::string>& session_properties) {
  std::string type = str(entity, "@type");
  if (type == "currentStatus") {
    auto status = entity.find("commandStatus");
    std::string message = status != entity.end() && status->is_object() ? str(*status, "message")
                                                                        : str(entity, "message");
    return "\n" + render_table({"Message"}, {{message}});
  }
  if (type == "sourceDescription") {
    return render_source_description(entity.value("sourceDescription", json::object()));
  }
  if (type == "source_descriptions") {  // DESCRIBE STREAMS / TABLES
    std::string out;
    for (const json& d : arr(entity, "sourceDescriptions")) out += render_source_description(d);
    return out;
  }
  if (type == "queryDescription") {
    return render_query_description(entity.value("queryDescription", json::object()));
  }
  if (type == "describe_function") return render_describe_function(entity);
  std::string listing = render_listing(entity, type, session_properties);
  if (!listing.empty()) return "\n" + listing;
  if (entity.contains("message")) return str(entity, "message") + "\n";
  return entity.dump(2) + "\n";
}

}  // namespace

std::string render_entity(const json& entity,
                          const std::map<std::string, std::string>& session_properties) {
  if (!entity.is_object()) return entity.dump(2) + "\n";
  std::string out = render_entity_body(entity, session_properties);
  // ksqlDB's CLI prints an entity's warnings after it.
  for (const json& w : arr(entity, "warnings")) {
    out += "WARNING: " + (w.is_object() ? str(w, "message") : cell_text(w)) + "\n";
  }
  return out;
}

std::string error_message(const std::string& body) {
  json j = json::parse(body, nullptr, false);
  if (j.is_object() && j.contains("message")) return str(j, "message");
  std::string out = body;
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

RowTable::RowTable(std::vector<std::string> columns, size_t total_width, size_t min_column_width)
    : columns_(std::move(columns)) {
  size_t n = std::max<size_t>(columns_.size(), 1);
  // Each column takes its share of the terminal, less one '|' per column and the last one.
  size_t share = total_width > n + 1 ? (total_width - n - 1) / n : 0;
  for (const std::string& c : columns_) {
    widths_.push_back(std::max({share, min_column_width, text_width(c)}));
  }
}

std::string RowTable::rule() const {
  std::string out = "+";
  for (size_t w : widths_) out += std::string(w, '-') + "+";
  return out + "\n";
}

std::string RowTable::header() const {
  return rule() + row(columns_) + rule();
}

std::string RowTable::row(const std::vector<std::string>& cells) const {
  // A cell longer than its column continues on the next lines of the same row.
  std::vector<std::string> clean(widths_.size());
  std::vector<std::string_view> rest(widths_.size());
  for (size_t i = 0; i < widths_.size() && i < cells.size(); ++i) {
    clean[i] = one_line(cells[i]);
    rest[i] = clean[i];
  }
  std::string out;
  bool first = true;
  while (first || std::any_of(rest.begin(), rest.end(), [](auto r) { return !r.empty(); })) {
    first = false;
    out += "|";
    for (size_t i = 0; i < widths_.size(); ++i) {
      auto [now, later] = split_at_width(rest[i], widths_[i]);
      out += pad(now, widths_[i]) + "|";
      rest[i] = later;
    }
    out += "\n";
  }
  return out;
}

std::string RowTable::footer() const {
  return rule();
}

}  // namespace sluice::cli
