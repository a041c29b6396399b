#include "sql/state/state_db.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

namespace sluice::sql::state {
namespace {

class TempDir {
 public:
  TempDir() {
    std::string t = (std::filesystem::temp_directory_path() / "sluice-state-XXXXXX").string();
    path_ = ::mkdtemp(t.data()) != nullptr ? t : "";
    EXPECT_FALSE(path_.empty());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::unique_ptr<StateDb> open_db(const std::string& dir) {
  auto db = StateDb::open(dir);
  EXPECT_TRUE(db.is_ok()) << db.status().to_string();
  return db.is_ok() ? std::move(db).value() : nullptr;
}

std::optional<std::string> get(StateStore& s, std::string_view key) {
  auto v = s.get(key);
  EXPECT_TRUE(v.is_ok()) << v.status().to_string();
  return v.is_ok() ? *v : std::nullopt;
}

std::vector<std::pair<std::string, std::string>> scan(StateStore& s, std::string_view from = "",
                                                      std::string_view to = "") {
  std::vector<std::pair<std::string, std::string>> out;
  EXPECT_TRUE(s.scan(from, to, [&](std::string_view k, std::string_view v) {
                 out.emplace_back(k, v);
                 return true;
               }).is_ok());
  return out;
}

using Entries = std::vector<std::pair<std::string, std::string>>;

TEST(StateDb, PendingWritesAreVisibleAndCommitAtomicallyWithTheChangelogOffset) {
  TempDir dir;
  {
    auto db = open_db(dir.path());
    StateStore* s = db->store("agg").value();
    EXPECT_EQ(s->changelog_offset(), 0);
    s->put("b", "2");
    s->put("a", "1");
    s->put("c", "3");
    s->remove("c");
    EXPECT_EQ(get(*s, "a"), "1");
    EXPECT_EQ(get(*s, "c"), std::nullopt);
    EXPECT_EQ(scan(*s), (Entries{{"a", "1"}, {"b", "2"}}));
    ASSERT_EQ(s->pending().size(), 4u);
    EXPECT_EQ(s->pending()[3].key, "c");
    EXPECT_FALSE(s->pending()[3].value);
    ASSERT_TRUE(s->commit(17).is_ok());
    EXPECT_FALSE(s->has_pending());
    EXPECT_EQ(s->changelog_offset(), 17);

    // Uncommitted writes of the next checkpoint, then the process ends without committing.
    s->put("a", "100");
    s->remove("b");
    EXPECT_EQ(scan(*s), (Entries{{"a", "100"}}));
  }
  auto db = open_db(dir.path());
  StateStore* s = db->store("agg").value();
  EXPECT_EQ(s->changelog_offset(), 17);
  EXPECT_EQ(scan(*s), (Entries{{"a", "1"}, {"b", "2"}}));
}

TEST(StateDb, RollbackDropsThePendingWrites) {
  TempDir dir;
  auto db = open_db(dir.path());
  StateStore* s = db->store("t").value();
  s->put("k", "v1");
  ASSERT_TRUE(s->commit(1).is_ok());
  s->put("k", "v2");
  s->put("j", "x");
  s->rollback();
  EXPECT_EQ(get(*s, "k"), "v1");
  EXPECT_EQ(get(*s, "j"), std::nullopt);
  EXPECT_TRUE(s->pending().empty());
  EXPECT_EQ(s->changelog_offset(), 1);
}

TEST(StateDb, ScansRangesInKeyOrderOverPendingAndCommittedEntries) {
  TempDir dir;
  auto db = open_db(dir.path());
  StateStore* s = db->store("t").value();
  for (const char* k : {"k1", "k3", "k5", "k7"}) s->put(k, "c");
  ASSERT_TRUE(s->commit(4).is_ok());
  s->put("k4", "p");
  s->remove("k5");
  s->put("k7", "p");
  EXPECT_EQ(scan(*s, "k3", "k7"), (Entries{{"k3", "c"}, {"k4", "p"}}));
  EXPECT_EQ(scan(*s, "k2"), (Entries{{"k3", "c"}, {"k4", "p"}, {"k7", "p"}}));
  int seen = 0;
  ASSERT_TRUE(
      s->scan("", "", [&](std::string_view, std::string_view) { return ++seen < 2; }).is_ok());
  EXPECT_EQ(seen, 2);
}

TEST(StateDb, RestoreReplaysTheChangelogFromTheRecordedOffset) {
  TempDir dir;
  // The changelog as the task wrote it: offsets 0..4.
  std::vector<StateChange> changelog = {
      {"a", "1"}, {"b", "1"}, {"a", "2"}, {"b", std::nullopt}, {"c", "9"}};
  {
    auto db = open_db(dir.path());
    StateStore* s = db->store("t").value();
    for (size_t i = 0; i < 3; ++i) {
      if (changelog[i].value) s->put(changelog[i].key, *changelog[i].value);
    }
    ASSERT_TRUE(s->commit(3).is_ok());
    // The transaction with offsets 3-4 committed in Kafka, then the process died before
    // commit(5): the store is behind its changelog.
  }
  auto db = open_db(dir.path());
  StateStore* s = db->store("t").value();
  ASSERT_EQ(s->changelog_offset(), 3);
  ASSERT_TRUE(s->restore(std::span(changelog).subspan(3), 5).is_ok());
  EXPECT_EQ(s->changelog_offset(), 5);
  EXPECT_EQ(scan(*s), (Entries{{"a", "2"}, {"c", "9"}}));

  // A deleted state directory restores everything from offset 0.
  db.reset();
  std::filesystem::remove_all(dir.path());
  db = open_db(dir.path());
  s = db->store("t").value();
  EXPECT_EQ(s->changelog_offset(), 0);
  ASSERT_TRUE(s->restore(changelog, 5).is_ok());
  EXPECT_EQ(scan(*s), (Entries{{"a", "2"}, {"c", "9"}}));
  // Many changes of a key in one call, among others: the last one wins (restore writes in key
  // order, keeping each key's changes in their order).
  std::vector<StateChange> many;
  for (int i = 0; i < 1000; ++i) {
    many.push_back({"k", std::to_string(i)});
    many.push_back({"k" + std::to_string(i % 7), "x"});
  }
  ASSERT_TRUE(s->restore(many, 2005).is_ok());
  EXPECT_EQ(s->get("k").value(), std::optional<std::string>("999"));
  // Restore refuses to run over pending writes.
  s->put("x", "y");
  EXPECT_FALSE(s->restore(changelog, 5).is_ok());
}

TEST(StateDb, StoresAreIndependentAndCanBeDropped) {
  TempDir dir;
  {
    auto db = open_db(dir.path());
    StateStore* a = db->store("q1-agg").value();
    StateStore* b = db->store("q2-agg").value();
    a->put("k", "a");
    b->put("k", "b");
    ASSERT_TRUE(a->commit(1).is_ok());
    ASSERT_TRUE(b->commit(2).is_ok());
    EXPECT_EQ(db->stores(), (std::vector<std::string>{"q1-agg", "q2-agg"}));
    EXPECT_FALSE(db->store("").is_ok());
    EXPECT_FALSE(db->store("__sluice_meta").is_ok());
    ASSERT_TRUE(db->drop("q1-agg").is_ok());
    EXPECT_EQ(db->stores(), (std::vector<std::string>{"q2-agg"}));
  }
  auto db = open_db(dir.path());
  EXPECT_EQ(db->stores(), (std::vector<std::string>{"q2-agg"}));
  StateStore* again = db->store("q1-agg").value();  // re-created empty
  EXPECT_EQ(again->changelog_offset(), 0);
  EXPECT_EQ(get(*again, "k"), std::nullopt);
  EXPECT_EQ(get(*db->store("q2-agg").value(), "k"), "b");
  EXPECT_EQ(db->store("q2-agg").value()->changelog_offset(), 2);
}

TEST(StateDb, ReportsItsSize) {
  TempDir dir;
  auto db = open_db(dir.path());
  StateStore* s = db->store("t").value();
  for (int i = 0; i < 1000; ++i) s->put("key-" + std::to_string(i), std::string(100, 'v'));
  ASSERT_TRUE(s->commit(1000).is_ok());
  EXPECT_GT(s->approximate_bytes(), 50'000u);
  EXPECT_GT(s->approximate_keys(), 500u);
}

}  // namespace
}  // namespace sluice::sql::state
