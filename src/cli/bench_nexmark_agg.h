// The aggregation of `sluice bench nexmark --query agg` (bids per auction: COUNT(*), MAX and AVG
// of the price, GROUP BY the bid's auction): what its output topic must hold, computed from the
// generator's column rows, and the peer it is compared with in the same run, DuckDB's time for the
// same GROUP BY over the same bids (bench/duckdb_groupby.js through node).
//
// Thread-safety: single-owner values, used by the bench's main thread.
#pragma once

#include <array>
#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "sql/engine/topic_store.h"

namespace sluice::cli {

// A BIGINT key in the KAFKA key format (Kafka's LongSerializer: 8 bytes, big-endian): how the
// input's bids are keyed by auction, and how the query's output is keyed by its AUCTION column.
std::array<char, 8> kafka_bigint_key(int64_t v);

// What the bids say about each auction: the final output row of that auction.
class AggExpectation {
 public:
  void add_bid(int64_t auction, int64_t price);

  uint64_t bids() const { return bids_; }
  size_t auctions() const { return auctions_.size(); }
  // The sum over auctions of their largest price (DuckDB's result is checked against it).
  int64_t max_price_sum() const;

  // Reads every partition of `topic` and compares the last record of each key (the table's final
  // row for that auction) with the bids: every auction there, with its COUNT, MAX and AVG (to a
  // relative 1e-12), and no other key. Returns "" or the first difference.
  std::string check(const sql::TopicStore& store, const std::string& topic,
                    int32_t partitions) const;

 private:
  struct AuctionBids {
    int64_t count = 0;
    int64_t max_price = 0;
    int64_t price_sum = 0;
  };
  std::unordered_map<int64_t, AuctionBids> auctions_;
  uint64_t bids_ = 0;
};

// The bids as CSV lines `auction,price` after a header line, in a temporary file (removed by the
// destructor): the same events, for DuckDB.
class BidsCsv {
 public:
  BidsCsv() = default;
  ~BidsCsv();
  BidsCsv(const BidsCsv&) = delete;
  BidsCsv& operator=(const BidsCsv&) = delete;

  Status open();
  void add(int64_t auction, int64_t price);
  Status close();
  const std::string& path() const { return path_; }

 private:
  Status flush();

  std::string path_;
  std::FILE* file_ = nullptr;
  std::string buf_;
};

// DuckDB's figures for the GROUP BY over the CSV, as bench/duckdb_groupby.js prints them.
struct DuckDbGroupBy {
  double ms = 0;  // the fastest of its runs, threads=1, load excluded
  uint64_t groups = 0;
  uint64_t bids = 0;
  int64_t max_price_sum = 0;
  std::string version;
};

// Runs `node <script> <csv>`. An error (whose message says why: no node, no @duckdb/node-api,
// no script) when DuckDB could not be measured.
Result<DuckDbGroupBy> run_duckdb_groupby(const std::string& script, const std::string& csv);

// Runs `node <script> <args...>` and returns the `name=value` words of its output (a failed run
// is an error with its output).
Result<std::map<std::string, std::string>> run_duckdb_script(const std::string& script,
                                                             const std::vector<std::string>& args);

}  // namespace sluice::cli
