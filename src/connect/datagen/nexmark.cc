#include "connect/datagen/nexmark.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "format/text.h"

namespace sluice::connect::nexmark {

using format::Column;
using format::ColumnBatch;
using format::Type;
using format::Vector;

namespace {

constexpr std::string_view kStates[] = {"AZ", "CA", "ID", "OR", "WA", "WY"};
constexpr std::string_view kCities[] = {"Phoenix",  "Los Angeles", "San Francisco", "Boise",
                                        "Portland", "Bend",        "Redmond",       "Seattle",
                                        "Kent",     "Cheyenne"};
constexpr std::string_view kFirstNames[] = {"Peter", "Paul",  "Luke",  "John",   "Saul",  "Vicky",
                                            "Kate",  "Julie", "Sarah", "Deiter", "Walter"};
constexpr std::string_view kLastNames[] = {"Shultz", "Abrams", "Spencer", "White", "Bartels",
                                           "Walton", "Smith",  "Jones",   "Noris"};
constexpr std::string_view kHotChannels[] = {"Google", "Facebook", "Baidu", "Apple"};

constexpr int kPersonIdLead = 10;
constexpr int kAuctionIdLead = 10;
constexpr int kHotSellerRatio = 100;
constexpr int kHotAuctionRatio = 100;
constexpr int kHotBidderRatio = 100;
constexpr int kNumCategories = 5;
constexpr int kHotChannelsRatio = 2;
constexpr int kChannelsNumber = 10'000;
constexpr int kMinStringLength = 3;
constexpr size_t kPoolSize = 1 << 20;

uint64_t rotl(uint64_t x, int k) {
  return (x << k) | (x >> (64 - k));
}

uint64_t splitmix64(uint64_t& s) {
  uint64_t z = (s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// xoshiro256**: small, fast, and good enough for synthetic data.
struct Rng {
  uint64_t s[4];
  uint64_t next() {
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
  }
  // Uniform in [0, bound) (Lemire's multiply-shift; the bias is below 2^-32 · bound).
  int32_t next_int(int32_t bound) {
    return static_cast<int32_t>(((next() >> 32) * static_cast<uint64_t>(bound)) >> 32);
  }
  int64_t next_long(int64_t bound) {
    if (bound < INT32_MAX) return next_int(static_cast<int32_t>(bound));
    return static_cast<int64_t>(next() % static_cast<uint64_t>(bound));
  }
  double next_double() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
};

void seed_rng(uint64_t seed, uint64_t out[4]) {
  for (int i = 0; i < 4; ++i) out[i] = splitmix64(seed);
}

// Random string of 3..max_length-1 letters with spaces (1 in 13), trimmed; at most 127 chars.
std::string_view next_string(Rng& r, int max_length, char* buf, char space = ' ') {
  int len = kMinStringLength + r.next_int(max_length - kMinStringLength);
  uint64_t x = 0;
  for (int i = 0; i < len; ++i) {
    // Each character takes 32 random bits: 16 pick space-or-letter (1 in 13), 16 the letter.
    if ((i & 1) == 0) x = r.next();
    uint32_t bits = static_cast<uint32_t>(x >> ((i & 1) * 32));
    bool is_space = (((bits >> 16) * 13) >> 16) == 0;
    buf[i] = is_space ? space : static_cast<char>('a' + (((bits & 0xffff) * 26) >> 16));
  }
  std::string_view s(buf, static_cast<size_t>(len));
  if (space == ' ') {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  }
  return s;
}

// 10^(i / kPriceSteps) for i in [0, kPriceSteps], for next_price.
constexpr int kPriceSteps = 1024;
struct PriceTable {
  double v[kPriceSteps + 1];
  PriceTable() {
    for (int i = 0; i <= kPriceSteps; ++i) v[i] = std::pow(10.0, i / double(kPriceSteps));
  }
};
const PriceTable kPriceTable;
constexpr double kPow10[] = {1, 10, 100, 1000, 10000, 100000};

// round(10^(6u) * 100) for uniform u: log-uniform cents from $1 to $1,000,000. Interpolates a
// small table instead of calling pow (which took a quarter of the generator's time); the
// relative error is below 1e-6.
inline int64_t next_price(Rng& r) {
  double x = r.next_double() * 6.0;
  int whole = static_cast<int>(x);
  double frac = (x - whole) * kPriceSteps;
  int i = static_cast<int>(frac);
  double f = frac - i;
  double p = kPriceTable.v[i] + (kPriceTable.v[i + 1] - kPriceTable.v[i]) * f;
  // The value is at least 100, where adding 0.5 and truncating rounds like llround.
  // NOLINTNEXTLINE(bugprone-incorrect-roundings): positive value; no llround call on a hot path.
  return static_cast<int64_t>(p * kPow10[whole] * 100.0 + 0.5);
}

int32_t java_bit_reverse(int32_t v) {
  uint32_t x = static_cast<uint32_t>(v);
  uint32_t y = 0;
  for (int i = 0; i < 32; ++i) {
    y = (y << 1) | (x & 1);
    x >>= 1;
  }
  return static_cast<int32_t>(y);
}

struct PersonData {
  int64_t id;
  std::string_view name, email, credit_card, city, state;
  int64_t date_time;
  std::string_view extra;
};
struct AuctionData {
  int64_t id;
  std::string_view item_name, description;
  int64_t initial_bid, reserve, date_time, expires, seller, category;
  std::string_view extra;
};
struct BidData {
  int64_t auction, bidder, price;
  std::string_view channel, url;
  int64_t date_time;
  std::string_view extra;
};

}  // namespace

struct NexmarkGenerator::Tables {
  std::string pool;  // random lowercase letters for `extra`
  std::string hot_urls[4];
  // Cold channels' names and urls, as views into `text` (compact, so lookups stay in cache).
  std::string text;
  std::vector<std::string_view> channel_names;
  std::vector<std::string_view> channel_urls;
};

namespace {

std::string base_url(Rng& r) {
  char buf[3][8];
  std::string url = "https://www.nexmark.com/";
  for (auto& b : buf) {
    url += next_string(r, 5, b, '_');
    url += '/';
  }
  url += "item.htm?query=1";
  return url;
}

}  // namespace

NexmarkGenerator::NexmarkGenerator(NexmarkConfig config) : config_(config) {
  total_proportion_ =
      config_.person_proportion + config_.auction_proportion + config_.bid_proportion;
  inter_event_delay_us_ = 1'000'000.0 / config_.events_per_second * config_.num_event_generators;
  seed_rng(config_.seed, rng_);

  auto tables = std::make_shared<Tables>();
  Rng tr;
  seed_rng(config_.seed ^ 0x6e65786d61726bull, tr.s);  // "nexmark"
  tables->pool.resize(kPoolSize);
  for (size_t i = 0; i < kPoolSize; ++i) {
    tables->pool[i] = static_cast<char>('a' + (((tr.next() >> 32) * 26) >> 32));
  }
  for (auto& u : tables->hot_urls) u = base_url(tr);
  std::vector<std::pair<size_t, size_t>> spans;  // (offset, size) in text: name, url, ...
  for (int i = 0; i < kChannelsNumber; ++i) {
    std::string name = "channel-" + std::to_string(i);
    std::string url = base_url(tr);
    if (tr.next_int(10) > 0) {
      url += "&channel_id=" + std::to_string(std::abs(static_cast<int64_t>(java_bit_reverse(i))));
    }
    for (const std::string* part : {&name, &url}) {
      spans.emplace_back(tables->text.size(), part->size());
      tables->text += *part;
    }
  }
  for (size_t i = 0; i < spans.size(); i += 2) {
    std::string_view text(tables->text);
    tables->channel_names.push_back(text.substr(spans[i].first, spans[i].second));
    tables->channel_urls.push_back(text.substr(spans[i + 1].first, spans[i + 1].second));
  }
  tables_ = std::move(tables);
}

NexmarkGenerator::~NexmarkGenerator() = default;

std::vector<Column> NexmarkGenerator::schema() {
  Type person = Type::struct_({{"ID", Type::bigint()},
                               {"NAME", Type::string()},
                               {"EMAILADDRESS", Type::string()},
                               {"CREDITCARD", Type::string()},
                               {"CITY", Type::string()},
                               {"STATE", Type::string()},
                               {"DATETIME", Type::timestamp()},
                               {"EXTRA", Type::string()}});
  Type auction = Type::struct_({{"ID", Type::bigint()},
                                {"ITEMNAME", Type::string()},
                                {"DESCRIPTION", Type::string()},
                                {"INITIALBID", Type::bigint()},
                                {"RESERVE", Type::bigint()},
                                {"DATETIME", Type::timestamp()},
                                {"EXPIRES", Type::timestamp()},
                                {"SELLER", Type::bigint()},
                                {"CATEGORY", Type::bigint()},
                                {"EXTRA", Type::string()}});
  Type bid = Type::struct_({{"AUCTION", Type::bigint()},
                            {"BIDDER", Type::bigint()},
                            {"PRICE", Type::bigint()},
                            {"CHANNEL", Type::string()},
                            {"URL", Type::string()},
                            {"DATETIME", Type::timestamp()},
                            {"EXTRA", Type::string()}});
  return {{"EVENT_TYPE", Type::integer()},
          {"PERSON", std::move(person)},
          {"AUCTION", std::move(auction)},
          {"BID", std::move(bid)}};
}

bool NexmarkGenerator::has_next() const {
  return config_.max_events == 0 || events_so_far_ < config_.max_events;
}

int64_t NexmarkGenerator::timestamp_for_event(int64_t event_number) const {
  return config_.base_time_ms +
         static_cast<int64_t>(static_cast<double>(event_number) * inter_event_delay_us_) / 1000;
}

template <typename Sink, typename Rng>
void NexmarkGenerator::generate(Sink& sink, Rng& r) {
  const NexmarkConfig& c = config_;
  const int64_t total = total_proportion_;
  int64_t event_number = c.first_event_number + events_so_far_;
  int64_t adjusted = event_number;
  if (c.out_of_order_group_size > 1) {
    int64_t n = c.out_of_order_group_size;
    adjusted = (event_number / n) * n + (event_number * 953) % n;
  }
  const int64_t event_id = c.first_event_id + adjusted;
  const int64_t ts = timestamp_for_event(adjusted);
  const int64_t epoch = event_id / total;
  const int64_t offset = event_id % total;

  // Last person id generated so far, base 0 (PersonGenerator.lastBase0PersonId).
  auto last_person = [&]() -> int64_t {
    int64_t off = offset >= c.person_proportion ? c.person_proportion - 1 : offset;
    return epoch * c.person_proportion + off;
  };
  auto last_auction = [&]() -> int64_t {
    int64_t ep = epoch;
    int64_t off = offset;
    if (off < c.person_proportion) {
      --ep;
      off = c.auction_proportion - 1;
    } else if (off >= c.person_proportion + c.auction_proportion) {
      off = c.auction_proportion - 1;
    } else {
      off -= c.person_proportion;
    }
    return ep * c.auction_proportion + off;
  };
  auto next_person = [&]() -> int64_t {
    int64_t num_people = last_person() + 1;
    int64_t active = std::min<int64_t>(num_people, c.num_active_people);
    int64_t n = r.next_long(active + kPersonIdLead);
    return num_people - active + n;
  };
  auto extra = [&](int current_size, int desired_avg) -> std::string_view {
    if (current_size > desired_avg) return {};
    int desired = desired_avg - current_size;
    int delta = (desired * 2 + 5) / 10;  // Math.round(desired * 0.2), exactly
    int size = desired - delta + (delta == 0 ? 0 : r.next_int(2 * delta));
    size = std::min(size, static_cast<int>(kPoolSize / 2));
    size_t at = static_cast<size_t>(r.next_long(static_cast<int64_t>(kPoolSize - size)));
    return std::string_view(tables_->pool).substr(at, static_cast<size_t>(size));
  };

  if (offset < c.person_proportion) {
    char email_buf[24];
    char a[8];
    char b[8];
    std::string_view local = next_string(r, 7, a);
    std::string_view domain = next_string(r, 5, b);
    size_t n = 0;
    std::memcpy(email_buf, local.data(), local.size());
    n += local.size();
    email_buf[n++] = '@';
    std::memcpy(email_buf + n, domain.data(), domain.size());
    n += domain.size();
    std::memcpy(email_buf + n, ".com", 4);
    n += 4;
    char name_buf[24];
    std::string_view first = kFirstNames[r.next_int(11)];
    std::string_view last = kLastNames[r.next_int(9)];
    size_t nn = 0;
    std::memcpy(name_buf, first.data(), first.size());
    nn += first.size();
    name_buf[nn++] = ' ';
    std::memcpy(name_buf + nn, last.data(), last.size());
    nn += last.size();
    char cc[19];
    for (size_t g = 0; g < 4; ++g) {
      int v = r.next_int(10000);
      char* p = cc + g * 5;
      p[0] = static_cast<char>('0' + v / 1000);
      p[1] = static_cast<char>('0' + v / 100 % 10);
      p[2] = static_cast<char>('0' + v / 10 % 10);
      p[3] = static_cast<char>('0' + v % 10);
      if (g < 3) p[4] = ' ';
    }
    PersonData p;
    p.id = last_person() + kFirstPersonId;
    p.name = std::string_view(name_buf, nn);
    p.email = std::string_view(email_buf, n);
    p.credit_card = std::string_view(cc, 19);
    p.city = kCities[r.next_int(10)];
    p.state = kStates[r.next_int(6)];
    p.date_time = ts;
    int current = 8 + static_cast<int>(p.name.size() + p.email.size() + p.credit_card.size() +
                                       p.city.size() + p.state.size());
    p.extra = extra(current, c.avg_person_byte_size);
    sink.person(event_number, p);
  } else if (offset < c.person_proportion + c.auction_proportion) {
    AuctionData a;
    a.id = last_auction() + kFirstAuctionId;
    if (r.next_int(c.hot_sellers_ratio) > 0) {
      a.seller = (last_person() / kHotSellerRatio) * kHotSellerRatio;
    } else {
      a.seller = next_person();
    }
    a.seller += kFirstPersonId;
    a.category = kFirstCategoryId + r.next_int(kNumCategories);
    a.initial_bid = next_price(r);
    int64_t num_events_for_auctions =
        (static_cast<int64_t>(c.num_in_flight_auctions) * total) / c.auction_proportion;
    int64_t future = timestamp_for_event(adjusted + num_events_for_auctions);
    int64_t horizon = future - ts;
    a.expires = ts + 1 + r.next_long(std::max<int64_t>(horizon * 2, 1));
    char name_buf[24];
    char desc_buf[104];
    a.item_name = next_string(r, 20, name_buf);
    a.description = next_string(r, 100, desc_buf);
    a.reserve = a.initial_bid + next_price(r);
    a.date_time = ts;
    int current = 8 + static_cast<int>(a.item_name.size() + a.description.size()) + 40;
    a.extra = extra(current, c.avg_auction_byte_size);
    sink.auction(event_number, a);
  } else {
    BidData b;
    if (r.next_int(c.hot_auction_ratio) > 0) {
      b.auction = (last_auction() / kHotAuctionRatio) * kHotAuctionRatio;
    } else {
      int64_t max_auction = last_auction();
      int64_t min_auction = std::max<int64_t>(max_auction - c.num_in_flight_auctions, 0);
      b.auction = min_auction + r.next_long(max_auction - min_auction + 1 + kAuctionIdLead);
    }
    b.auction += kFirstAuctionId;
    if (r.next_int(c.hot_bidders_ratio) > 0) {
      b.bidder = (last_person() / kHotBidderRatio) * kHotBidderRatio + 1;
    } else {
      b.bidder = next_person();
    }
    b.bidder += kFirstPersonId;
    b.price = next_price(r);
    if (r.next_int(kHotChannelsRatio) > 0) {
      int i = r.next_int(4);
      b.channel = kHotChannels[i];
      b.url = tables_->hot_urls[i];
    } else {
      int i = r.next_int(kChannelsNumber);
      b.channel = tables_->channel_names[static_cast<size_t>(i)];
      b.url = tables_->channel_urls[static_cast<size_t>(i)];
    }
    b.date_time = ts;
    b.extra = extra(32, c.avg_bid_byte_size);
    sink.bid(event_number, b);
  }
  ++events_so_far_;
}

namespace {

// Writes events as rows of a batch with NexmarkGenerator::schema().
struct BatchSink {
  ColumnBatch& batch;
  Vector& type;
  Vector& persons;
  Vector& auctions;
  Vector& bids;
  size_t row = 0;

  void begin(int64_t event_number, int32_t kind, int64_t ts) {
    type.set<int32_t>(row, kind);
    batch.rowtime()[row] = ts;
    batch.offset()[row] = event_number;
    batch.partition()[row] = 0;
  }
  void person(int64_t event_number, const PersonData& p) {
    begin(event_number, kPerson, p.date_time);
    persons.child(0).set<int64_t>(row, p.id);
    persons.child(1).set_string(row, p.name);
    persons.child(2).set_string(row, p.email);
    persons.child(3).set_string(row, p.credit_card);
    persons.child(4).set_string_unowned(row, p.city);
    persons.child(5).set_string_unowned(row, p.state);
    persons.child(6).set<int64_t>(row, p.date_time);
    persons.child(7).set_string_unowned(row, p.extra);
  }
  void auction(int64_t event_number, const AuctionData& a) {
    begin(event_number, kAuction, a.date_time);
    auctions.child(0).set<int64_t>(row, a.id);
    auctions.child(1).set_string(row, a.item_name);
    auctions.child(2).set_string(row, a.description);
    auctions.child(3).set<int64_t>(row, a.initial_bid);
    auctions.child(4).set<int64_t>(row, a.reserve);
    auctions.child(5).set<int64_t>(row, a.date_time);
    auctions.child(6).set<int64_t>(row, a.expires);
    auctions.child(7).set<int64_t>(row, a.seller);
    auctions.child(8).set<int64_t>(row, a.category);
    auctions.child(9).set_string_unowned(row, a.extra);
  }
  void bid(int64_t event_number, const BidData& b) {
    begin(event_number, kBid, b.date_time);
    bids.child(0).set<int64_t>(row, b.auction);
    bids.child(1).set<int64_t>(row, b.bidder);
    bids.child(2).set<int64_t>(row, b.price);
    bids.child(3).set_string_unowned(row, b.channel);
    bids.child(4).set_string_unowned(row, b.url);
    bids.child(5).set<int64_t>(row, b.date_time);
    bids.child(6).set_string_unowned(row, b.extra);
  }
};

// Writes events as JSON lines.
struct JsonSink {
  std::string& out;

  template <size_t N>
  void field(const char (&name)[N], int64_t v) {
    out.append(name, N - 1);
    format::append_int(out, v);
  }
  template <size_t N>
  void field(const char (&name)[N], std::string_view v) {
    out.append(name, N - 1);
    format::append_json_string(out, v);
  }
  void person(int64_t, const PersonData& p) {
    field("{\"event_type\":0,\"person\":{\"id\":", p.id);
    field(",\"name\":", p.name);
    field(",\"emailAddress\":", p.email);
    field(",\"creditCard\":", p.credit_card);
    field(",\"city\":", p.city);
    field(",\"state\":", p.state);
    field(",\"dateTime\":", p.date_time);
    field(",\"extra\":", p.extra);
    out += "},\"auction\":null,\"bid\":null}\n";
  }
  void auction(int64_t, const AuctionData& a) {
    field("{\"event_type\":1,\"person\":null,\"auction\":{\"id\":", a.id);
    field(",\"itemName\":", a.item_name);
    field(",\"description\":", a.description);
    field(",\"initialBid\":", a.initial_bid);
    field(",\"reserve\":", a.reserve);
    field(",\"dateTime\":", a.date_time);
    field(",\"expires\":", a.expires);
    field(",\"seller\":", a.seller);
    field(",\"category\":", a.category);
    field(",\"extra\":", a.extra);
    out += "},\"bid\":null}\n";
  }
  void bid(int64_t, const BidData& b) {
    field("{\"event_type\":2,\"person\":null,\"auction\":null,\"bid\":{\"auction\":", b.auction);
    field(",\"bidder\":", b.bidder);
    field(",\"price\":", b.price);
    field(",\"channel\":", b.channel);
    field(",\"url\":", b.url);
    field(",\"dateTime\":", b.date_time);
    field(",\"extra\":", b.extra);
    out += "}}\n";
  }
};

}  // namespace

namespace {

// Sets the validity of rows [begin, end) of each event struct (and of its fields) from the
// EVENT_TYPE column, 64 rows per step: a struct is valid exactly where its kind was generated.
void set_struct_validity(ColumnBatch& batch, size_t begin, size_t end) {
  const int32_t* kinds = batch.column(0).data<int32_t>();
  for (size_t w = begin / 64; w * 64 < end; ++w) {
    size_t lo = std::max(begin, w * 64);
    size_t hi = std::min(end, w * 64 + 64);
    uint64_t range = 0;
    uint64_t is_kind[3] = {0, 0, 0};
    for (size_t row = lo; row < hi; ++row) {
      uint64_t bit = uint64_t{1} << (row & 63);
      range |= bit;
      is_kind[kinds[row]] |= bit;
    }
    for (int kind = 0; kind < 3; ++kind) {
      Vector& s = batch.column(1 + static_cast<size_t>(kind));
      auto apply = [&](format::ValidityMask& m) {
        m.words()[w] = (m.words()[w] & ~range) | is_kind[kind];
      };
      apply(s.validity());
      for (size_t k = 0; k < s.num_children(); ++k) apply(s.child(k).validity());
    }
  }
}

}  // namespace

size_t NexmarkGenerator::next_batch(ColumnBatch& batch, size_t n) {
  size_t start = batch.size();
  n = std::min(n, batch.capacity() - start);
  if (config_.max_events > 0) {
    n = std::min<size_t>(
        n, static_cast<size_t>(std::max<int64_t>(config_.max_events - events_so_far_, 0)));
  }
  // City, state, channel, url and extra point into tables_ and static strings.
  batch.retain(tables_);
  BatchSink sink{batch, batch.column(0), batch.column(1), batch.column(2), batch.column(3)};
  Rng r;
  std::memcpy(r.s, rng_, sizeof(rng_));
  for (size_t i = 0; i < n; ++i) {
    sink.row = start + i;
    generate(sink, r);
  }
  std::memcpy(rng_, r.s, sizeof(rng_));
  std::memset(batch.value_null() + start, 0, n);
  std::memset(batch.key_null() + start, 1, n);
  set_struct_validity(batch, start, start + n);
  batch.set_size(start + n);
  return n;
}

size_t NexmarkGenerator::next_json_lines(std::string& out, size_t n) {
  if (config_.max_events > 0) {
    n = std::min<size_t>(
        n, static_cast<size_t>(std::max<int64_t>(config_.max_events - events_so_far_, 0)));
  }
  JsonSink sink{out};
  // Events average well under 256 bytes of JSON; growing once keeps appends cheap.
  out.reserve(out.size() + n * 256);
  Rng r;
  std::memcpy(r.s, rng_, sizeof(rng_));
  for (size_t i = 0; i < n; ++i) generate(sink, r);
  std::memcpy(rng_, r.s, sizeof(rng_));
  return n;
}

}  // namespace sluice::connect::nexmark
