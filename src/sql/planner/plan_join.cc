// Planning a two-way join: the sides, the join criteria, ksqlDB's checks and messages, the
// joined batch every later clause reads and the name of its key.
#include <algorithm>

#include <fmt/format.h>

#include "sql/parser/expr_util.h"
#include "sql/parser/formatter.h"
#include "sql/planner/plan_util.h"

namespace sluice::sql::plan_detail {

using format::Type;
using format::TypeId;

namespace {

// Which sources the columns of `e` (bound over the joined batch) belong to: bit s for source s.
uint64_t sources_read(const BoundExpr& e, const JoinPlan& j) {
  uint64_t out = 0;
  if (e.kind == BoundKind::kColumn) {
    auto c = static_cast<uint32_t>(e.column);
    for (size_t s = 0; s < j.sides.size(); ++s) {
      const JoinSide& side = j.sides[s];
      if (c >= side.first_column && c < side.first_column + side.num_columns()) {
        out |= uint64_t{1} << s;
      }
    }
  }
  for (const auto& c : e.children) out |= sources_read(*c, j);
  return out;
}

// The one source `read` names (-1: none or several).
int single_source(uint64_t read) {
  if (read == 0 || (read & (read - 1)) != 0) return -1;
  return __builtin_ctzll(read);
}

// `e` (over the joined batch, reading one side) rewritten over that side's own batch.
void to_side(BoundExpr& e, const JoinSide& side) {
  if (e.kind == BoundKind::kColumn) {
    auto c = static_cast<uint32_t>(e.column) - side.first_column;
    auto n = static_cast<uint32_t>(side.source.schema.size());
    if (c < n) {
      e.column = static_cast<int>(c);
    } else {
      e.kind = c == n       ? BoundKind::kRowTime
               : c == n + 1 ? BoundKind::kRowPartition
                            : BoundKind::kRowOffset;
      e.column = -1;
    }
  }
  for (auto& c : e.children) to_side(*c, side);
}

bool contains_map(const Type& t) {
  switch (t.id()) {
    case TypeId::kMap:
      return true;
    case TypeId::kArray:
      return contains_map(t.element());
    case TypeId::kStruct:
      return std::any_of(t.fields().begin(), t.fields().end(),
                         [](const auto& f) { return contains_map(f.type); });
    default:
      return false;
  }
}

// The expression as ksqlDB prints it in a join message: columns qualified by their side.
std::string side_text(const Expr& e, const std::string& alias) {
  ExprPtr copy = clone_expr(e);
  qualify_columns(*copy, alias);
  return to_sql(*copy);
}

// "TEST_STREAM [FULL] OUTER JOIN TEST_TABLE" as ksqlDB names a join in its messages.
std::string join_text(JoinType t, const std::string& l, const std::string& r) {
  switch (t) {
    case JoinType::kInner:
      return fmt::format("{} [INNER] JOIN {}", l, r);
    case JoinType::kLeft:
      return fmt::format("{} LEFT [OUTER] JOIN {}", l, r);
    case JoinType::kRight:
      return fmt::format("{} RIGHT [OUTER] JOIN {}", l, r);
    case JoinType::kFull:
      return fmt::format("{} [FULL] OUTER JOIN {}", l, r);
  }
  return "";
}

Status check_windows(const DataSource& l, const DataSource& r) {
  if (l.windowed() != r.windowed()) {
    const DataSource& w = l.windowed() ? l : r;
    const DataSource& n = l.windowed() ? r : l;
    return Status::invalid_argument(fmt::format(
        "Can not join windowed source to non-windowed source.\n`{}` is {} windowed\n`{}` is not "
        "windowed",
        w.name, w.window_type, n.name));
  }
  if (!l.windowed()) return Status::ok();
  if ((l.window_type == "SESSION") != (r.window_type == "SESSION")) {
    return Status::invalid_argument(fmt::format(
        "Incompatible windowed sources.\nLeft source: {}\nRight source: {}\nSession windowed "
        "sources can only be joined to other session windowed sources, and may still not result "
        "in expected behaviour as session bounds must be an exact match for the join to work\n"
        "Hopping and tumbling windowed sources can only be joined to other hopping and tumbling "
        "windowed sources",
        l.window_type, r.window_type));
  }
  // Time-windowed keys hold the window's start only, so windows of other sizes may still have
  // equal keys. ksqlDB joins them when the keys are in a Schema Registry format (the join's key
  // format is the left source's), and otherwise asks for a repartition, which windowed sources
  // cannot have.
  const std::string& key_format = l.key_format.name;
  bool registry_keys = key_format == "AVRO" || key_format == "JSON_SR" ||
                       key_format == "PROTOBUF" || key_format == "PROTOBUF_NOSR";
  if (!registry_keys && (l.window_type != r.window_type || l.window_size_ms != r.window_size_ms)) {
    return Status::invalid_argument(
        "Implicit repartitioning of windowed sources is not supported.");
  }
  return Status::ok();
}

}  // namespace

Status plan_join(const Query& q, const PlanContext& ctx, QueryPlan& plan, Scope& scope) {
  if (q.joins.size() > 62) return Status::invalid_argument("too many joins");
  auto find = [&](const Relation& r) -> Result<DataSourcePtr> {
    DataSourcePtr s = ctx.catalog->find_source(r.name);
    if (!s) {
      return Status::invalid_argument(
          fmt::format("line {}:{}: Source `{}` does not exist.", r.pos.line, r.pos.column, r.name));
    }
    return s;
  };
  // The sources, FROM's first, then each join's.
  std::vector<DataSourcePtr> sources;
  std::vector<std::string> aliases;
  SLUICE_ASSIGN_OR_RETURN(DataSourcePtr first, find(q.from));
  sources.push_back(first);
  aliases.push_back(q.from.alias.empty() ? first->name : q.from.alias);
  for (const Join& join : q.joins) {
    SLUICE_ASSIGN_OR_RETURN(DataSourcePtr s, find(join.right));
    for (const DataSourcePtr& earlier : sources) {
      if (earlier->name == s->name) {
        return Status::invalid_argument(
            fmt::format("Can not join '{}' to '{}': self joins are not yet supported.",
                        earlier->name, s->name));
      }
    }
    sources.push_back(s);
    aliases.push_back(join.right.alias.empty() ? s->name : join.right.alias);
  }
  for (size_t k = 1; k < sources.size(); ++k) {
    SLUICE_RETURN_IF_ERROR(check_windows(*sources[0], *sources[k]));
  }
  std::vector<std::string> kafka;
  for (const DataSourcePtr& s : sources) {
    if (s->value_format.name == "KAFKA") kafka.push_back(s->name);
  }
  if (!kafka.empty()) {
    return Status::invalid_argument(
        fmt::format("Source(s) {} are using the 'KAFKA' value format. This format does not yet "
                    "support JOIN.",
                    join_names(kafka, ", ", ", ")));
  }

  auto j = std::make_unique<JoinPlan>();
  // The joined batch: the key, then each source's columns and its ROWTIME, ROWPARTITION,
  // ROWOFFSET.
  std::vector<format::Column> schema;
  schema.push_back({"", Type::string()});  // named and typed below
  scope = Scope{};
  for (size_t s = 0; s < sources.size(); ++s) {
    JoinSide& side = j->sides.emplace_back();
    side.source = plan_source(sources[s]);
    side.alias = aliases[s];
    scope.sides.emplace_back(sources[s]->name, aliases[s]);
    side.first_column = static_cast<uint32_t>(schema.size());
    for (const format::Column& c : side.source.schema) {
      scope.columns.push_back({c.name, c.type, static_cast<int>(schema.size()), side.alias});
      schema.push_back({side.alias + "_" + c.name, c.type});
    }
    for (auto [name, type] :
         {std::pair{"ROWTIME", Type::bigint()}, std::pair{"ROWPARTITION", Type::integer()},
          std::pair{"ROWOFFSET", Type::bigint()}}) {
      scope.columns.push_back({name, type, static_cast<int>(schema.size()), side.alias});
      schema.push_back({side.alias + "_" + name, type});
    }
  }

  ExprBinder binder(scope, *ctx.functions, *ctx.catalog);
  binder.set_clause("JOIN ON");
  bool left_table = sources[0]->is_table;
  std::string left_alias = aliases[0];
  for (size_t k = 1; k < sources.size(); ++k) {
    const Join& join = q.joins[k - 1];
    const DataSource& right = *sources[k];
    const std::string& right_alias = aliases[k];
    const std::string text = join_text(join.type, left_alias, right_alias);
    if (left_table && !right.is_table) {
      return Status::invalid_argument(fmt::format(
          "Invalid join order: table-stream joins are not supported; only stream-table joins. "
          "Got {}.",
          text));
    }
    const bool stream_table = !left_table && right.is_table;
    if (stream_table && (join.type == JoinType::kFull || join.type == JoinType::kRight)) {
      return Status::invalid_argument(
          fmt::format("Invalid join type: {} join not supported for stream-table join. Got {}.",
                      join.type == JoinType::kFull ? "full-outer" : "right-outer", text));
    }
    const bool stream_stream = !left_table && !right.is_table;
    if (stream_stream && !join.within) {
      return Status::invalid_argument(
          "Stream-Stream joins must have a WITHIN clause specified. None was provided. To learn "
          "about how to specify a WITHIN clause with a stream-stream join, please visit: "
          "https://docs.confluent.io/current/ksql/docs/syntax-reference.html"
          "#create-stream-as-select");
    }
    if (!stream_stream && join.within) {
      return Status::invalid_argument(fmt::format(
          "A window definition was provided for a {} join. These joins are not windowed. Please "
          "drop the window definition (ie. the WITHIN clause) and try to run your join again.",
          stream_table ? "Stream-Table" : "Table-Table"));
    }
    JoinStepPlan& step = j->steps.emplace_back();
    step.type = join.type;
    step.left_table = left_table;
    step.right_table = right.is_table;
    if (join.within) {
      step.before = join.within->before.to_millis();
      step.after = join.within->after.to_millis();
      step.grace_given = join.within->grace.has_value();
      // Without GRACE PERIOD the windows are kept 24 hours in all (Kafka Streams' old default).
      step.grace = join.within->grace
                       ? join.within->grace->to_millis()
                       : std::max<int64_t>(0, kDefaultGraceMs - step.before - step.after);
    }

    // ON a = b: each side of the comparison reads one source, one of them this join's.
    const auto* cmp = join.on->if_as<Comparison>();
    if (!cmp || cmp->op != CompareOp::kEq) {
      if (const auto* l = join.on->if_as<Logical>(); l && l->op == LogicalOp::kAnd) {
        return Status::invalid_argument(
            fmt::format("Invalid join condition: joins on multiple conditions are not yet "
                        "supported. Got {}.",
                        to_sql(*join.on)));
      }
      return Status::invalid_argument(fmt::format(
          "Unsupported join expression: {}. Joins must be on the equality of two expressions.",
          to_sql(*join.on)));
    }
    SLUICE_ASSIGN_OR_RETURN(BoundExprPtr a, binder.bind_typed(*cmp->left));
    SLUICE_ASSIGN_OR_RETURN(BoundExprPtr b, binder.bind_typed(*cmp->right));
    const Expr* a_text = cmp->left.get();
    const Expr* b_text = cmp->right.get();
    const int sa = single_source(sources_read(*a, *j));
    const int sb = single_source(sources_read(*b, *j));
    for (auto [src, t] : {std::pair{sa, a_text}, std::pair{sb, b_text}}) {
      if (src < 0 || static_cast<size_t>(src) > k) {
        return Status::invalid_argument(fmt::format(
            "Invalid comparison expression '{}' in join '{}'. Each side of the join comparision "
            "must contain references from exactly one source.",
            to_sql(*t), to_sql(*join.on)));
      }
    }
    if ((static_cast<size_t>(sa) == k) == (static_cast<size_t>(sb) == k)) {
      return Status::invalid_argument(
          fmt::format("Invalid join condition: each side of the join must read one source. Got {}.",
                      to_sql(*join.on)));
    }
    // Written "right = left": the left side's expression is the left one all the same.
    const bool flipped = static_cast<size_t>(sa) == k;
    const size_t left_source = static_cast<size_t>(flipped ? sb : sa);
    const std::string& la = aliases[left_source];
    const std::string got = fmt::format("{} = {}", side_text(*a_text, flipped ? right_alias : la),
                                        side_text(*b_text, flipped ? la : right_alias));
    if (flipped) {
      std::swap(a, b);
      std::swap(a_text, b_text);
    }
    if (a->type != b->type) {
      return Status::invalid_argument(
          fmt::format("Invalid join condition: types don't match. Got {}{{{}}} = {}{{{}}}.",
                      side_text(*a_text, la), a->type.to_string(), side_text(*b_text, right_alias),
                      b->type.to_string()));
    }
    auto is_key_of = [](const BoundExpr& e, const JoinSide& side) {
      const auto& keys = side.source.key_columns;
      return e.kind == BoundKind::kColumn && keys.size() == 1 &&
             static_cast<uint32_t>(e.column) == side.first_column + keys[0];
    };
    // A windowed source's records join on their windowed key only (no repartition by another
    // expression, as in ksqlDB).
    if ((sources[left_source]->windowed() && !is_key_of(*a, j->sides[left_source])) ||
        (right.windowed() && !is_key_of(*b, j->sides[k]))) {
      return Status::invalid_argument(
          "Implicit repartitioning of windowed sources is not supported. See "
          "https://github.com/confluentinc/ksql/issues/4385.");
    }
    if (stream_table && !is_key_of(*b, j->sides[k])) {
      return Status::invalid_argument(fmt::format(
          "Invalid join condition: stream-table joins require to join on the table's primary "
          "key. Got {}.",
          got));
    }
    if (left_table && right.is_table) {
      if (!is_key_of(*b, j->sides[k])) {
        return Status::invalid_argument(fmt::format(
            "Invalid join condition: table-table joins require to join on the primary key of "
            "the right input table. Got {}.",
            got));
      }
      if (k == 1 && !is_key_of(*a, j->sides[0])) {
        // A foreign-key join: any expression of the left table's columns = the right's key.
        if (join.type == JoinType::kFull) {
          return Status::invalid_argument(
              fmt::format("Invalid join type: full-outer join not supported for foreign-key "
                          "table-table join. Got {}.",
                          join_text(join.type, sources[0]->name, right.name)));
        }
        if (join.type == JoinType::kRight) {
          return Status::invalid_argument("RIGHT OUTER JOIN on a foreign key is not supported");
        }
        if (sources.size() > 2) {
          return Status::invalid_argument(
              fmt::format("Invalid join condition: foreign-key table-table joins are not "
                          "supported as part of n-way joins. Got {}.",
                          got));
        }
        if (right.windowed() || sources[0]->windowed()) {
          return Status::invalid_argument(
              "Foreign-key table-table joins are not supported on windowed tables.");
        }
        j->foreign_key = true;
      }
    }
    // A side's column (its ROWTIME, ROWPARTITION and ROWOFFSET too).
    auto plain = [&](const BoundExpr& e, size_t s) {
      const JoinSide& side = j->sides[s];
      return e.kind == BoundKind::kColumn && static_cast<uint32_t>(e.column) >= side.first_column &&
             static_cast<uint32_t>(e.column) < side.first_column + side.num_columns();
    };
    if (k == 1) {
      // The key: the left expression's column, else the right's, else (FULL OUTER, or
      // expressions on both sides) a synthetic ROWKEY; a foreign-key join's, the left table's
      // primary key.
      j->key_type = a->type;
      if (j->foreign_key) {
        const JoinSide& l = j->sides[0];
        for (uint32_t kc : l.source.key_columns) {
          j->key_columns.push_back(l.first_column + kc);
          j->key_texts.push_back(l.alias + "." + l.source.schema[kc].name);
        }
      } else if (join.type != JoinType::kFull && plain(*a, 0)) {
        j->key_columns.push_back(static_cast<uint32_t>(a->column));
        j->key_texts.push_back(side_text(*a_text, la));
        if (plain(*b, k)) {
          j->key_columns.push_back(static_cast<uint32_t>(b->column));
          j->key_texts.push_back(side_text(*b_text, right_alias));
        }
      } else if (join.type != JoinType::kFull && plain(*b, k)) {
        j->key_columns.push_back(static_cast<uint32_t>(b->column));
        j->key_texts.push_back(side_text(*b_text, right_alias));
      } else {
        j->synthetic_key = true;
      }
      to_side(*a, j->sides[0]);
      j->sides[0].key = std::move(a);
    } else {
      // A later join continues on the same key (its rows stay in their join task): its left
      // expression is one of the key's columns.
      bool same_key = a->kind == BoundKind::kColumn &&
                      std::find(j->key_columns.begin(), j->key_columns.end(),
                                static_cast<uint32_t>(a->column)) != j->key_columns.end();
      if (!same_key || j->synthetic_key) {
        return Status::not_supported_yet("joins of more than two sources on different keys");
      }
      if (b->type != j->key_type) {
        return Status::invalid_argument(
            fmt::format("Invalid join condition: types don't match. Got {}{{{}}} = {}{{{}}}.",
                        side_text(*a_text, la), a->type.to_string(),
                        side_text(*b_text, right_alias), b->type.to_string()));
      }
      if (join.type == JoinType::kFull) {
        return Status::not_supported_yet("FULL OUTER joins after the first of a query");
      }
      if (plain(*b, k)) {
        j->key_columns.push_back(static_cast<uint32_t>(b->column));
        j->key_texts.push_back(side_text(*b_text, right_alias));
      }
    }
    to_side(*b, j->sides[k]);
    j->sides[k].key = std::move(b);
    // What this join makes is the next one's left: a table when both sides are.
    left_table = left_table && right.is_table;
    left_alias = aliases[0];
  }

  std::string key_name;
  if (j->synthetic_key) {
    // ROWKEY, or, when a source has a column of that name, ROWKEY_n past the largest n of the
    // sources' ROWKEY_n columns (ksqlDB's rule).
    key_name = "ROWKEY";
    bool clash = false;
    int64_t largest = 0;
    for (const ScopeColumn& c : scope.columns) {
      clash |= c.name == "ROWKEY";
      if (c.name.rfind("ROWKEY_", 0) == 0 && c.name.size() > 7 && c.name.size() < 18 &&
          std::all_of(c.name.begin() + 7, c.name.end(),
                      [](char ch) { return ch >= '0' && ch <= '9'; })) {
        largest = std::max<int64_t>(largest, std::stoll(c.name.substr(7)));
      }
    }
    if (clash) key_name = fmt::format("ROWKEY_{}", largest + 1);
    scope.columns.push_back({key_name, j->key_type, 0, ""});
  } else if (j->foreign_key) {
    key_name = "$FK";  // the foreign key: not a column of the output
  } else {
    key_name = schema[j->key_columns[0]].name;
  }
  if (!j->foreign_key && contains_map(j->key_type)) {
    return Status::invalid_argument(fmt::format(
        "Map keys, including types that contain maps, are not supported as they may lead to "
        "unexpected behavior due to inconsistent serialization. Key column name: `{}`. Column "
        "type: {}. See https://github.com/confluentinc/ksql/issues/6621 for more.",
        key_name, j->key_type.to_string()));
  }
  schema[0] = {key_name, j->key_type};
  j->key_name = key_name;
  for (JoinSide& side : j->sides) {
    std::vector<BoundExpr*> roots{side.key.get()};
    side.num_slots = assign_slots(roots);
  }

  // The joined relation stands in for the source of everything after the join.
  auto joined = std::make_shared<DataSource>();
  for (size_t s = 0; s < sources.size(); ++s) {
    joined->name += (s ? "_" : "") + sources[s]->name;
  }
  joined->is_table = j->is_table();
  // The output's formats and partitions default to the first source's, as in ksqlDB; joined
  // windowed sources give rows windowed as the first source's (its window bounds in the key).
  joined->window_type = sources[0]->window_type;
  joined->window_size_ms = sources[0]->window_size_ms;
  joined->topic = sources[0]->topic;
  joined->key_format = sources[0]->key_format;
  joined->value_format = sources[0]->value_format;
  // Its key: the join key (a foreign-key join's: the left table's primary key).
  const std::vector<uint32_t> keys = j->foreign_key ? j->key_columns : std::vector<uint32_t>{0};
  plan.input = SourcePlan{};
  for (uint32_t i = 0; i < schema.size(); ++i) {
    CatalogColumn c;
    c.name = schema[i].name;
    c.type = schema[i].type;
    const bool key = std::find(keys.begin(), keys.end(), i) != keys.end();
    c.kind = key ? ColumnKind::kKey : ColumnKind::kValue;
    joined->columns.push_back(std::move(c));
    if (!key) plan.input.value_columns.push_back(i);
  }
  plan.input.schema = std::move(schema);
  plan.input.key_columns = keys;
  plan.input.source = std::move(joined);
  if (j->sides[0].source.window_start_column >= 0) {
    plan.input.window_start_column =
        static_cast<int>(j->sides[0].first_column) + j->sides[0].source.window_start_column;
  }
  plan.join = std::move(j);
  for (size_t s = 0; s < plan.join->sides.size(); ++s) {
    auto feed = std::make_unique<QueryPlan>();
    feed->input = plan.join->side(s).source;
    feed->join_of = plan.join.get();
    feed->join_feed = static_cast<int>(s);
    plan.join->feed.push_back(std::move(feed));
  }
  return Status::ok();
}

namespace {

// A foreign-key join's key: every primary key column of the left table, once each.
Status foreign_key_items(const JoinPlan& j, const PlanContext& ctx, const std::vector<Item>& items,
                         std::vector<bool>& is_key) {
  std::vector<std::string> missing;
  for (uint32_t c : j.key_columns) {
    std::vector<size_t> found;
    for (size_t i = 0; i < items.size(); ++i) {
      const BoundExpr& e = *items[i].expr;
      if (e.kind == BoundKind::kColumn && static_cast<uint32_t>(e.column) == c) found.push_back(i);
    }
    const JoinSide& l = j.sides[0];
    const std::string& column = l.source.schema[c - l.first_column].name;
    if (found.size() > 1) {
      std::vector<std::string> names;
      names.reserve(found.size());
      for (size_t i : found) names.push_back(items[i].name);
      std::sort(names.begin(), names.end());
      return Status::invalid_argument(fmt::format(
          "The projection contains a key column (`{}_{}`) more than once, aliased as: {}.", l.alias,
          column, join_names(names, ", ", " and ")));
    }
    if (found.empty()) {
      missing.push_back(fmt::format("`{}`", column));
    } else {
      is_key[found[0]] = true;
    }
  }
  if (missing.empty() || ctx.transient) return Status::ok();
  return Status::invalid_argument(fmt::format(
      "Primary key column{0} missing in projection. For foreign-key table-table joins, the "
      "projection must include all primary key columns from the left input table (`{1}`). "
      "Missing column{0}: {2}.",
      missing.size() > 1 ? "s" : "", j.sides[0].source.source->name,
      join_names(missing, ", ", ", ")));
}

}  // namespace

Status join_key_items(const JoinPlan& j, const PlanContext& ctx, std::vector<Item>& items,
                      std::vector<bool>& is_key) {
  if (j.foreign_key) return foreign_key_items(j, ctx, items, is_key);
  // The key is the first of the join's key columns (the left one first) the projection selects;
  // selected twice, it is an error; the other side's join column is then a value like any.
  std::vector<uint32_t> candidates = j.key_columns;
  if (j.synthetic_key) candidates = {0};
  std::vector<size_t> found;
  for (uint32_t c : candidates) {
    for (size_t i = 0; i < items.size(); ++i) {
      const BoundExpr& e = *items[i].expr;
      if (e.kind == BoundKind::kColumn && static_cast<uint32_t>(e.column) == c) {
        found.push_back(i);
      }
    }
    if (!found.empty()) break;
  }
  if (found.size() > 1) {
    std::vector<std::string> names;
    names.reserve(found.size());
    for (size_t i : found) names.push_back(items[i].name);
    std::sort(names.begin(), names.end());
    return Status::invalid_argument(
        fmt::format("The projection contains a key column (`{}`) more than once, aliased as: {}.",
                    j.key_name, join_names(names, ", ", " and ")));
  }
  if (found.empty()) {
    if (ctx.transient) return Status::ok();
    if (j.synthetic_key) {
      return Status::invalid_argument(fmt::format(
          "Key missing from projection (ie, SELECT). See https://cnfl.io/2LV7ouS.\nThe query "
          "used to build `{}` must include the join expression ROWKEY in its projection (eg, "
          "SELECT ROWKEY...).\nROWKEY was added as a synthetic key column because the join "
          "criteria did not match any source column. This expression must be included in the "
          "projection and may be aliased.",
          ctx.sink_name));
    }
    return Status::invalid_argument(fmt::format(
        "The query used to build `{}` must include the join expression{} {} in its projection "
        "(eg, SELECT {}...).",
        ctx.sink_name, j.key_texts.size() > 1 ? "s" : "", join_names(j.key_texts, " or ", " or "),
        j.key_texts[0]));
  }
  // The key item reads the join key (a LEFT JOIN's right column may be NULL, the key is not).
  is_key[found[0]] = true;
  BoundExpr& e = *items[found[0]].expr;
  e.column = 0;
  e.type = j.key_type;
  return Status::ok();
}

}  // namespace sluice::sql::plan_detail
