// The Nexmark benchmark's event generator (people, auctions and bids of an online auction
// house), following the reference generator of the nexmark/nexmark project: the 1:3:46
// person:auction:bid proportion over each 50-event epoch, ids starting at 1000 (categories at
// 10), hot sellers, bidders and auctions, auction lengths reaching numInFlightAuctions ahead,
// log-uniform prices from $1 to $1,000,000 (in cents), the same name/city/state/email/credit
// card vocabularies, 4 hot bid channels out of 10,000, and `extra` padding bringing each event
// to its average byte size. Event time advances by 1e6 / rate * generators microseconds per
// event from base_time_ms.
//
// It differs from the reference in its random number generator: a seeded xoshiro256** stream
// instead of java.util.Random, so output is deterministic for a seed (equal seeds, equal events)
// but not byte-identical to the Java generator's; and `extra` padding is a window of a
// pre-generated pool of random letters (same length distribution), which keeps generation cheap.
//
// Output, either:
//  - rows of a ColumnBatch with schema() (EVENT_TYPE INTEGER, PERSON STRUCT<...>,
//    AUCTION STRUCT<...>, BID STRUCT<...>; exactly one struct non-NULL per row; column and field
//    names upper-cased as ksqlDB stores unquoted names); rowtime = the event's dateTime, offset =
//    the event number, partition 0; or
//  - JSON lines, one object per event:
//    {"event_type":0|1|2,"person":{...}|null,"auction":{...}|null,"bid":{...}|null} with the
//    Nexmark field names (person: id, name, emailAddress, creditCard, city, state, dateTime,
//    extra; auction: id, itemName, description, initialBid, reserve, dateTime, expires, seller,
//    category, extra; bid: auction, bidder, price, channel, url, dateTime, extra), dateTime and
//    expires as epoch milliseconds. Decoding these lines with the JSON format and schema() gives
//    the rows next_batch() writes.
//
// Thread-safety: a generator is single-owner. Run one generator per thread for parallelism,
// with distinct first_event_id ranges or seeds.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "format/column_batch.h"

namespace sluice::connect::nexmark {

struct NexmarkConfig {
  uint64_t seed = 42;
  // Event time of event number 0 (ms since the epoch). 2023-11-14T22:13:20Z by default.
  int64_t base_time_ms = 1'700'000'000'000;
  // Event rate (events/s of event time) summed over num_event_generators.
  double events_per_second = 10'000;
  int num_event_generators = 1;
  int64_t first_event_id = 0;
  int64_t first_event_number = 0;
  // 0 means unbounded.
  int64_t max_events = 0;
  int person_proportion = 1;
  int auction_proportion = 3;
  int bid_proportion = 46;
  int avg_person_byte_size = 200;
  int avg_auction_byte_size = 500;
  int avg_bid_byte_size = 100;
  int hot_auction_ratio = 2;
  int hot_sellers_ratio = 4;
  int hot_bidders_ratio = 4;
  int num_active_people = 1000;
  int num_in_flight_auctions = 100;
  int out_of_order_group_size = 1;
};

enum EventType : int32_t { kPerson = 0, kAuction = 1, kBid = 2 };

inline constexpr int64_t kFirstPersonId = 1000;
inline constexpr int64_t kFirstAuctionId = 1000;
inline constexpr int64_t kFirstCategoryId = 10;

class NexmarkGenerator {
 public:
  explicit NexmarkGenerator(NexmarkConfig config);
  ~NexmarkGenerator();
  NexmarkGenerator(const NexmarkGenerator&) = delete;
  NexmarkGenerator& operator=(const NexmarkGenerator&) = delete;

  // EVENT_TYPE INTEGER, PERSON STRUCT<ID BIGINT, NAME STRING, EMAILADDRESS STRING,
  // CREDITCARD STRING, CITY STRING, STATE STRING, DATETIME TIMESTAMP, EXTRA STRING>,
  // AUCTION STRUCT<ID BIGINT, ITEMNAME STRING, DESCRIPTION STRING, INITIALBID BIGINT,
  // RESERVE BIGINT, DATETIME TIMESTAMP, EXPIRES TIMESTAMP, SELLER BIGINT, CATEGORY BIGINT,
  // EXTRA STRING>, BID STRUCT<AUCTION BIGINT, BIDDER BIGINT, PRICE BIGINT, CHANNEL STRING,
  // URL STRING, DATETIME TIMESTAMP, EXTRA STRING>
  static std::vector<format::Column> schema();

  // Appends up to n events as rows after batch.size() (bounded by the batch capacity and
  // max_events), grows the batch size, and returns how many were written. The batch must have
  // schema().
  size_t next_batch(format::ColumnBatch& batch, size_t n);
  // Appends up to n events as JSON lines, each ending in '\n'; returns how many.
  size_t next_json_lines(std::string& out, size_t n);

  bool has_next() const;
  int64_t events_so_far() const { return events_so_far_; }
  // Event time of the event with this event number.
  int64_t timestamp_for_event(int64_t event_number) const;

 private:
  struct Tables;
  // Generates the next event into `sink`, drawing from `rng` (a local copy of rng_, so that the
  // compiler can keep it in registers across the sink's stores).
  template <typename Sink, typename Rng>
  void generate(Sink& sink, Rng& rng);

  NexmarkConfig config_;
  int total_proportion_;
  double inter_event_delay_us_;
  int64_t events_so_far_ = 0;
  uint64_t rng_[4];
  std::shared_ptr<const Tables> tables_;
  std::string scratch_;
};

}  // namespace sluice::connect::nexmark
