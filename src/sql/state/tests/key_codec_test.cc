#include "sql/state/key_codec.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <numeric>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "format/column_batch.h"
#include "format/decimal.h"
#include "format/value.h"

namespace sluice::sql::state {
namespace {

using format::Int128;
using format::Type;
using format::TypeId;
using format::Value;
using format::Vector;

// The encodings of `values` (all of one type), each written into a vector and encoded back.
std::vector<std::string> encode_all(const Type& type, const std::vector<Value>& values) {
  Vector v(type, values.size());
  for (size_t i = 0; i < values.size(); ++i) format::write_value(v, i, values[i]);
  std::vector<std::string> out(values.size());
  for (size_t i = 0; i < values.size(); ++i) encode_value(v, static_cast<uint32_t>(i), out[i]);
  return out;
}

std::string encode_one(const Value& value) {
  return encode_all(value.type(), {value})[0];
}

// Decodes `key` as one value of `type`, expecting it to consume every byte.
Value decode_one(const Type& type, std::string_view key) {
  Vector v(type, 1);
  std::string_view in = key;
  Status st = decode_value(in, v, 0);
  EXPECT_TRUE(st.is_ok()) << st.to_string();
  EXPECT_TRUE(in.empty()) << in.size() << " bytes left";
  return format::read_value(v, 0);
}

void expect_round_trip(const Type& type, const std::vector<Value>& values) {
  std::vector<std::string> keys = encode_all(type, values);
  for (size_t i = 0; i < values.size(); ++i) {
    EXPECT_EQ(decode_one(type, keys[i]), values[i]) << values[i].to_string();
  }
  // Back to back, as in a composite key: each decode stops exactly at its value's end.
  std::string all;
  for (const auto& k : keys) all += k;
  Vector v(type, values.size());
  std::string_view in = all;
  for (size_t i = 0; i < values.size(); ++i) {
    ASSERT_TRUE(decode_value(in, v, static_cast<uint32_t>(i)).is_ok());
  }
  EXPECT_TRUE(in.empty());
  for (size_t i = 0; i < values.size(); ++i) EXPECT_EQ(format::read_value(v, i), values[i]);
}

// SQL order of two scalar values of one type: NULL first, -0.0 == 0.0, NaN == NaN and after
// +inf, strings and bytes by unsigned bytes.
int sql_compare(const Value& a, const Value& b) {
  if (a.is_null() || b.is_null()) return static_cast<int>(!a.is_null()) - !b.is_null();
  auto cmp = [](auto x, auto y) { return (x > y) - (x < y); };
  switch (a.type().id()) {
    case TypeId::kBoolean:
      return cmp(a.as_bool(), b.as_bool());
    case TypeId::kInteger:
    case TypeId::kDate:
    case TypeId::kTime:
      return cmp(a.as_int(), b.as_int());
    case TypeId::kBigint:
    case TypeId::kTimestamp:
      return cmp(a.as_bigint(), b.as_bigint());
    case TypeId::kDouble: {
      bool an = std::isnan(a.as_double());
      bool bn = std::isnan(b.as_double());
      if (an || bn) return static_cast<int>(an) - bn;
      return cmp(a.as_double(), b.as_double());
    }
    case TypeId::kDecimal:
      return cmp(a.as_decimal(), b.as_decimal());
    case TypeId::kString:
    case TypeId::kBytes:
      return cmp(a.as_string().compare(b.as_string()), 0);
    default:
      ADD_FAILURE() << "not a scalar type";
      return 0;
  }
}

int sign(int c) {
  return (c > 0) - (c < 0);
}

int key_compare(std::string_view a, std::string_view b) {
  return sign(a.compare(b));
}

// Sorted by their encodings, the values must be in SQL order, with equal encodings exactly for
// SQL-equal neighbours; and every pair of a sample must compare alike both ways.
void expect_order_agrees(const Type& type, const std::vector<Value>& values) {
  std::vector<std::string> keys = encode_all(type, values);
  std::vector<size_t> by_key(values.size());
  std::iota(by_key.begin(), by_key.end(), 0);
  std::stable_sort(by_key.begin(), by_key.end(),
                   [&](size_t x, size_t y) { return keys[x] < keys[y]; });
  for (size_t i = 1; i < by_key.size(); ++i) {
    const Value& prev = values[by_key[i - 1]];
    const Value& cur = values[by_key[i]];
    ASSERT_EQ(sql_compare(prev, cur), key_compare(keys[by_key[i - 1]], keys[by_key[i]]))
        << type.to_string() << ": " << prev.to_string() << " vs " << cur.to_string();
  }
  // And the SQL sort gives the same sequence of keys as the key sort.
  std::vector<size_t> by_sql(values.size());
  std::iota(by_sql.begin(), by_sql.end(), 0);
  std::stable_sort(by_sql.begin(), by_sql.end(),
                   [&](size_t x, size_t y) { return sql_compare(values[x], values[y]) < 0; });
  for (size_t i = 0; i < by_sql.size(); ++i) {
    ASSERT_EQ(keys[by_sql[i]], keys[by_key[i]]) << type.to_string() << " position " << i;
  }
}

Int128 max_decimal(int precision) {
  return format::pow10_i128(precision) - 1;
}

TEST(KeyCodecTest, ScalarsRoundTrip) {
  expect_round_trip(Type::boolean(),
                    {Value::boolean(false), Value::boolean(true), Value::null(Type::boolean())});
  expect_round_trip(Type::integer(), {Value::integer(0), Value::integer(-1), Value::integer(1),
                                      Value::integer(std::numeric_limits<int32_t>::min()),
                                      Value::integer(std::numeric_limits<int32_t>::max()),
                                      Value::null(Type::integer())});
  expect_round_trip(Type::bigint(), {Value::bigint(0), Value::bigint(-7), Value::bigint(1),
                                     Value::bigint(std::numeric_limits<int64_t>::min()),
                                     Value::bigint(std::numeric_limits<int64_t>::max()),
                                     Value::null(Type::bigint())});
  expect_round_trip(Type::timestamp(), {Value::timestamp(1700000000123), Value::timestamp(-1),
                                        Value::null(Type::timestamp())});
  expect_round_trip(Type::date(),
                    {Value::date(19000), Value::date(-719162), Value::null(Type::date())});
  expect_round_trip(Type::time(),
                    {Value::time(0), Value::time(86399999), Value::null(Type::time())});
  Type dec = Type::decimal(38, 6);
  expect_round_trip(
      dec, {Value::decimal(0, 38, 6), Value::decimal(-1, 38, 6), Value::decimal(123456789, 38, 6),
            Value::decimal(-123456789, 38, 6), Value::decimal(max_decimal(38), 38, 6),
            Value::decimal(-max_decimal(38), 38, 6), Value::null(dec)});
  expect_round_trip(Type::decimal(4, 2), {Value::decimal(-9999, 4, 2), Value::decimal(1050, 4, 2)});
}

TEST(KeyCodecTest, StringsAndBytesRoundTrip) {
  using namespace std::string_literals;
  for (const Type& t : {Type::string(), Type::bytes()}) {
    auto make = [&](std::string s) {
      return t.id() == TypeId::kString ? Value::string(std::move(s)) : Value::bytes(std::move(s));
    };
    expect_round_trip(t, {make(""), make("a"), make("\0"s), make("\0\0"s), make("a\0b"s),
                          make("\xff"s), make("\0\xff"s), make("\xff\0"s), make("x\0\x01y"s),
                          make(std::string(1000, '\0')), make("héllo"), Value::null(t)});
  }
}

TEST(KeyCodecTest, DoublesRoundTripWithZeroAndNanCanonical) {
  double inf = std::numeric_limits<double>::infinity();
  double denorm = std::numeric_limits<double>::denorm_min();
  std::vector<Value> values;
  for (double d : {-inf, -1.0, -denorm, 0.0, denorm, 1.0, 1e308, -1e308, inf,
                   std::numeric_limits<double>::min(), std::numeric_limits<double>::max(),
                   std::numeric_limits<double>::lowest()}) {
    values.push_back(Value::double_(d));
  }
  values.push_back(Value::null(Type::double_()));
  expect_round_trip(Type::double_(), values);

  Value neg_zero = decode_one(Type::double_(), encode_one(Value::double_(-0.0)));
  EXPECT_EQ(neg_zero.as_double(), 0.0);
  EXPECT_FALSE(std::signbit(neg_zero.as_double()));  // written as +0.0
  EXPECT_EQ(encode_one(Value::double_(-0.0)), encode_one(Value::double_(0.0)));

  uint64_t payload_bits = 0xFFF0000000000123;  // a negative NaN with a payload
  double odd_nan;
  std::memcpy(&odd_nan, &payload_bits, 8);
  ASSERT_TRUE(std::isnan(odd_nan));
  EXPECT_EQ(encode_one(Value::double_(odd_nan)),
            encode_one(Value::double_(std::numeric_limits<double>::quiet_NaN())));
  EXPECT_TRUE(
      std::isnan(decode_one(Type::double_(), encode_one(Value::double_(odd_nan))).as_double()));
}

TEST(KeyCodecTest, FixedWidthLayoutIsAsDocumented) {
  using namespace std::string_literals;
  EXPECT_EQ(encode_one(Value::null(Type::bigint())), "\x00"s);
  EXPECT_EQ(encode_one(Value::integer(1)), "\x01\x80\x00\x00\x01"s);
  EXPECT_EQ(encode_one(Value::integer(-1)), "\x01\x7f\xff\xff\xff"s);
  EXPECT_EQ(encode_one(Value::time(0)).size(), 5u);  // TIME is int32 ms of the day
  EXPECT_EQ(encode_one(Value::timestamp(0)), "\x01\x80\0\0\0\0\0\0\0"s);
  EXPECT_EQ(encode_one(Value::boolean(true)), "\x01\x01"s);
  EXPECT_EQ(encode_one(Value::decimal(0, 10, 2)).size(), 17u);
  EXPECT_EQ(encode_one(Value::string("a\0"s)),
            "\x01"
            "a\x00\xff\x00\x01"s);
}

TEST(KeyCodecTest, NestedTypesRoundTrip) {
  Type arr = Type::array(Type::string());
  expect_round_trip(
      arr, {Value::array(Type::string(), {}),
            Value::array(Type::string(),
                         {Value::string("a"), Value::null(Type::string()), Value::string("")}),
            Value::null(arr)});
  Type map = Type::map(Type::string(), Type::integer());
  expect_round_trip(map, {Value::map(Type::string(), Type::integer(), {}),
                          Value::map(Type::string(), Type::integer(),
                                     {{Value::string("z"), Value::integer(1)},
                                      {Value::string("a"), Value::null(Type::integer())}}),
                          Value::null(map)});
  Type inner = Type::struct_({{"X", Type::double_()}, {"Y", Type::array(Type::bigint())}});
  Type st = Type::struct_({{"A", Type::integer()}, {"B", inner}, {"C", Type::bytes()}});
  auto make_inner = [&](double x, const std::vector<int64_t>& ys) {
    std::vector<Value> els;
    els.reserve(ys.size());
    for (int64_t y : ys) els.push_back(Value::bigint(y));
    return Value::struct_(inner, {Value::double_(x), Value::array(Type::bigint(), els)});
  };
  expect_round_trip(
      st, {Value::struct_(st, {Value::integer(1), make_inner(2.5, {1, 2, 3}), Value::bytes("b")}),
           Value::struct_(
               st, {Value::null(Type::integer()), Value::null(inner), Value::null(Type::bytes())}),
           Value::struct_(st, {Value::integer(-4), make_inner(-0.5, {}), Value::bytes("")}),
           Value::null(st)});
  Type nested = Type::array(Type::array(Type::integer()));
  auto ints = [](const std::vector<int32_t>& xs) {
    std::vector<Value> els;
    els.reserve(xs.size());
    for (int32_t x : xs) els.push_back(Value::integer(x));
    return Value::array(Type::integer(), els);
  };
  expect_round_trip(
      nested, {Value::array(Type::array(Type::integer()), {ints({1, 2}), ints({}), ints({3})}),
               Value::array(Type::array(Type::integer()), {})});
}

// Only the parts a reader uses: a STRUCT's unread fields (nested ones too) and unread values
// are written NULL, the rest as encode_value writes them, and it all decodes as one value.
TEST(KeyCodecTest, EncodeUsedValueWritesUnreadPartsNull) {
  Type inner = Type::struct_({{"X", Type::double_()}, {"Y", Type::string()}});
  Type st = Type::struct_({{"A", Type::bigint()}, {"B", inner}, {"C", Type::string()}});
  Value full = Value::struct_(
      st, {Value::bigint(7), Value::struct_(inner, {Value::double_(1.5), Value::string("y")}),
           Value::string(std::string(200, 'c'))});
  Vector v(st, 2);
  format::write_value(v, 0, full);
  format::write_value(v, 1, Value::null(st));
  using format::ColumnUse;
  // A and B.X read; B.Y and C not.
  ColumnUse use{
      true,
      {ColumnUse{}, ColumnUse{true, {ColumnUse{}, ColumnUse{false, {}}}}, ColumnUse{false, {}}}};
  std::string out;
  encode_used_value(v, 0, use, out);
  EXPECT_EQ(
      decode_one(st, out),
      Value::struct_(st, {Value::bigint(7),
                          Value::struct_(inner, {Value::double_(1.5), Value::null(Type::string())}),
                          Value::null(Type::string())}));
  EXPECT_LT(out.size(), 30u) << "the 200-byte C is not in it";
  out.clear();
  encode_used_value(v, 1, use, out);  // a NULL struct stays NULL
  EXPECT_EQ(decode_one(st, out), Value::null(st));
  out.clear();
  encode_used_value(v, 0, ColumnUse{}, out);  // read whole
  EXPECT_EQ(decode_one(st, out), full);
  out.clear();
  encode_used_value(v, 0, ColumnUse{false, {}}, out);  // not read
  EXPECT_EQ(decode_one(st, out), Value::null(st));
}

TEST(KeyCodecTest, ArraysOrderElementByElementShorterFirst) {
  auto ints = [](const std::vector<std::optional<int32_t>>& xs) {
    std::vector<Value> els;
    els.reserve(xs.size());
    for (auto x : xs) els.push_back(x ? Value::integer(*x) : Value::null(Type::integer()));
    return Value::array(Type::integer(), els);
  };
  std::vector<Value> ascending = {Value::null(Type::array(Type::integer())),
                                  ints({}),
                                  ints({std::nullopt}),
                                  ints({-5}),
                                  ints({1}),
                                  ints({1, std::nullopt}),
                                  ints({1, 2}),
                                  ints({2})};
  std::vector<std::string> keys = encode_all(Type::array(Type::integer()), ascending);
  for (size_t i = 1; i < keys.size(); ++i) {
    EXPECT_LT(keys[i - 1], keys[i])
        << ascending[i - 1].to_string() << " < " << ascending[i].to_string();
  }
}

std::mt19937_64& rng() {
  static std::mt19937_64 gen(20240611);
  return gen;
}

std::string random_bytes() {
  // A small alphabet around the escape bytes, so that prefixes and escapes collide often.
  static const char kAlphabet[] = {'\0', '\x01', '\x02', 'a', 'b', '\xfe', '\xff'};
  std::string s(rng()() % 6, ' ');
  for (char& c : s) c = kAlphabet[rng()() % sizeof(kAlphabet)];
  return s;
}

// A few thousand values of a scalar type: edge values, NULLs, and random ones.
std::vector<Value> random_values(const Type& t, size_t n) {
  std::vector<Value> v;
  v.reserve(n);
  for (int i = 0; i < 5; ++i) v.push_back(Value::null(t));
  switch (t.id()) {
    case TypeId::kBoolean:
      v.push_back(Value::boolean(false));
      v.push_back(Value::boolean(true));
      while (v.size() < n) v.push_back(Value::boolean(rng()() & 1));
      break;
    case TypeId::kInteger:
    case TypeId::kDate:
    case TypeId::kTime: {
      auto make = [&](int32_t x) {
        return t.id() == TypeId::kInteger ? Value::integer(x)
               : t.id() == TypeId::kDate  ? Value::date(x)
                                          : Value::time(x);
      };
      for (int32_t x :
           {std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max(), -1, 0, 1}) {
        v.push_back(make(x));
      }
      while (v.size() < n) {
        uint64_t r = rng()();
        v.push_back(
            make(r & 1 ? static_cast<int32_t>(r >> 32) : static_cast<int32_t>(r % 21) - 10));
      }
      break;
    }
    case TypeId::kBigint:
    case TypeId::kTimestamp: {
      auto make = [&](int64_t x) {
        return t.id() == TypeId::kBigint ? Value::bigint(x) : Value::timestamp(x);
      };
      for (int64_t x : {std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(),
                        int64_t{-1}, int64_t{0}, int64_t{1}}) {
        v.push_back(make(x));
      }
      while (v.size() < n) {
        uint64_t r = rng()();
        v.push_back(make(r & 1 ? static_cast<int64_t>(r) : static_cast<int64_t>(r % 21) - 10));
      }
      break;
    }
    case TypeId::kDouble: {
      double inf = std::numeric_limits<double>::infinity();
      double dm = std::numeric_limits<double>::denorm_min();
      for (double d : {-inf, inf, std::numeric_limits<double>::quiet_NaN(), -0.0, 0.0, -1.0, 1.0,
                       dm, -dm, std::numeric_limits<double>::min(),
                       std::numeric_limits<double>::max(), std::numeric_limits<double>::lowest()}) {
        v.push_back(Value::double_(d));
      }
      while (v.size() < n) {
        uint64_t r = rng()();
        double d;
        if (r % 3 == 0) {
          std::memcpy(&d, &r, 8);  // any bit pattern: NaNs with payloads, denormals, ...
        } else {
          d = static_cast<double>(static_cast<int64_t>(r % 41) - 20) / 4;
        }
        v.push_back(Value::double_(d));
      }
      break;
    }
    case TypeId::kDecimal: {
      Int128 max = max_decimal(t.precision());
      auto make = [&](Int128 x) { return Value::decimal(x, t.precision(), t.scale()); };
      for (Int128 x : {-max, max, Int128{-1}, Int128{0}, Int128{1}}) v.push_back(make(x));
      while (v.size() < n) {
        uint64_t r = rng()();
        if (r & 1) {
          auto big =
              static_cast<Int128>((static_cast<unsigned __int128>(rng()()) << 64 | rng()()) >> 1);
          v.push_back(make(r & 2 ? big % (max + 1) : -(big % (max + 1))));
        } else {
          v.push_back(make(static_cast<Int128>(r % 41) - 20));
        }
      }
      break;
    }
    case TypeId::kString:
    case TypeId::kBytes:
      while (v.size() < n) {
        std::string s = random_bytes();
        v.push_back(t.id() == TypeId::kString ? Value::string(s) : Value::bytes(s));
      }
      break;
    default:
      ADD_FAILURE() << "not a scalar type";
  }
  return v;
}

TEST(KeyCodecTest, EncodedOrderIsSqlOrderForEveryScalarType) {
  for (const Type& t : {Type::boolean(), Type::integer(), Type::bigint(), Type::double_(),
                        Type::decimal(38, 10), Type::decimal(5, 0), Type::string(), Type::bytes(),
                        Type::date(), Type::time(), Type::timestamp()}) {
    SCOPED_TRACE(t.to_string());
    std::vector<Value> values = random_values(t, 3000);
    expect_order_agrees(t, values);
    if (::testing::Test::HasFatalFailure()) return;
    expect_round_trip(t, std::vector<Value>(values.begin(), values.begin() + 300));
  }
}

// A batch with the given columns, filled from rows of values.
format::ColumnBatch make_batch(const std::vector<Type>& types,
                               const std::vector<std::vector<Value>>& rows) {
  std::vector<format::Column> schema;
  for (size_t c = 0; c < types.size(); ++c) schema.push_back({"C" + std::to_string(c), types[c]});
  format::ColumnBatch batch(std::move(schema), std::max<size_t>(rows.size(), 1));
  for (size_t r = 0; r < rows.size(); ++r) {
    for (size_t c = 0; c < types.size(); ++c) format::write_value(batch.column(c), r, rows[r][c]);
  }
  batch.set_size(rows.size());
  return batch;
}

TEST(KeyCodecTest, CompositeKeysOrderColumnByColumn) {
  format::ColumnBatch batch = make_batch({Type::string(), Type::bigint()},
                                         {{Value::string("a"), Value::bigint(2)},
                                          {Value::string("a"), Value::bigint(10)},
                                          {Value::string("ab"), Value::bigint(1)},
                                          {Value::null(Type::string()), Value::bigint(99)},
                                          {Value::string("a"), Value::null(Type::bigint())},
                                          {Value::string(""), Value::bigint(5)}});
  KeyBuffer keys;
  std::vector<uint32_t> cols = {0, 1};
  encode_keys(batch, cols, keys);
  ASSERT_EQ(keys.size(), 6u);
  // NULL first, then "" < "a" with NULL < 2 < 10, then "ab".
  std::vector<size_t> ascending = {3, 5, 4, 0, 1, 2};
  for (size_t i = 1; i < ascending.size(); ++i) {
    EXPECT_LT(keys.key(ascending[i - 1]), keys.key(ascending[i])) << i;
  }
  // Where concatenating the values as text goes wrong: "a2" > "a10".
  EXPECT_GT(std::string("a") + "2", std::string("a") + "10");

  // Two string columns: ("a", "bc") and ("ab", "c") concatenate to the same text, not the same
  // key, and order by the first column.
  format::ColumnBatch strings = make_batch(
      {Type::string(), Type::string()},
      {{Value::string("ab"), Value::string("c")}, {Value::string("a"), Value::string("bc")}});
  encode_keys(strings, cols, keys);
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_LT(keys.key(1), keys.key(0));
}

TEST(KeyCodecTest, RandomCompositeKeysOrderLexicographically) {
  std::vector<Type> types = {Type::string(), Type::integer(), Type::double_()};
  const size_t n = 2000;
  std::vector<std::vector<Value>> cols;
  cols.reserve(types.size());
  for (const Type& t : types) cols.push_back(random_values(t, n));
  for (auto& c : cols) std::shuffle(c.begin(), c.end(), rng());
  std::vector<std::vector<Value>> rows(n);
  for (size_t r = 0; r < n; ++r) {
    for (auto& c : cols) rows[r].push_back(c[r]);
  }
  format::ColumnBatch batch = make_batch(types, rows);
  KeyBuffer keys;
  std::vector<uint32_t> key_cols = {0, 1, 2};
  encode_keys(batch, key_cols, keys);
  ASSERT_EQ(keys.size(), n);
  for (size_t i = 0; i + 1 < n; ++i) {
    int expected = 0;
    for (size_t c = 0; c < types.size() && expected == 0; ++c) {
      expected = sql_compare(rows[i][c], rows[i + 1][c]);
    }
    ASSERT_EQ(key_compare(keys.key(i), keys.key(i + 1)), expected) << "rows " << i;
  }
}

TEST(KeyCodecTest, EncodeKeysTakesTheActiveRowsInOrder) {
  std::vector<std::vector<Value>> rows;
  rows.reserve(10);
  for (int r = 0; r < 10; ++r) {
    rows.push_back({Value::integer(r), Value::string(std::string(r, 'x')),
                    r % 3 ? Value::bigint(int64_t{r} * 100) : Value::null(Type::bigint())});
  }
  format::ColumnBatch batch = make_batch({Type::integer(), Type::string(), Type::bigint()}, rows);
  batch.set_selection({1, 3, 6, 9});
  KeyBuffer keys;
  std::vector<uint32_t> cols = {2, 0};  // key column order as given, not the schema's
  encode_keys(batch, cols, keys);
  ASSERT_EQ(keys.size(), 4u);
  size_t total = 0;
  for (size_t i = 0; i < 4; ++i) {
    uint32_t row = batch.row(i);
    std::string expected;
    encode_value(batch.column(2), row, expected);
    encode_value(batch.column(0), row, expected);
    EXPECT_EQ(keys.key(i), expected) << "active row " << i << " (physical " << row << ")";
    total += expected.size();
  }
  EXPECT_EQ(keys.bytes().size(), total);

  // Reused for another batch shape: the old keys are replaced, not appended to.
  batch.clear_selection();
  std::vector<uint32_t> one = {1};
  encode_keys(batch, one, keys);
  ASSERT_EQ(keys.size(), 10u);
  EXPECT_EQ(decode_one(Type::string(), keys.key(7)), Value::string("xxxxxxx"));
  keys.clear();
  EXPECT_EQ(keys.size(), 0u);
}

TEST(KeyCodecTest, EncodeKeysOfAnEmptyBatchOrNoColumns) {
  format::ColumnBatch batch = make_batch({Type::integer()}, {});
  KeyBuffer keys;
  std::vector<uint32_t> cols = {0};
  encode_keys(batch, cols, keys);
  EXPECT_EQ(keys.size(), 0u);
  format::ColumnBatch two =
      make_batch({Type::integer()}, {{Value::integer(1)}, {Value::integer(2)}});
  encode_keys(two, {}, keys);
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys.key(1), "");
}

TEST(KeyCodecTest, ConstantAndNestedColumnsInEncodeKeys) {
  Type arr = Type::array(Type::string());
  format::ColumnBatch batch = make_batch(
      {Type::bigint(), arr},
      {{Value::bigint(7), Value::array(Type::string(), {Value::string("p")})},
       {Value::bigint(0), Value::array(Type::string(), {Value::string("q"), Value::string("")})},
       {Value::bigint(0), Value::null(arr)}});
  batch.column(0).set_constant();  // row 0's 7 stands for every row
  KeyBuffer keys;
  std::vector<uint32_t> cols = {0, 1};
  encode_keys(batch, cols, keys);
  ASSERT_EQ(keys.size(), 3u);
  for (uint32_t r = 0; r < 3; ++r) {
    std::string_view in = keys.key(r);
    Vector first(Type::bigint(), 1);
    Vector second(arr, 1);
    ASSERT_TRUE(decode_value(in, first, 0).is_ok());
    ASSERT_TRUE(decode_value(in, second, 0).is_ok());
    EXPECT_TRUE(in.empty());
    EXPECT_EQ(format::read_value(first, 0), Value::bigint(7));
    EXPECT_EQ(format::read_value(second, 0), format::read_value(batch.column(1), r));
  }
}

TEST(KeyCodecTest, TruncatedInputIsCorruptionAtEveryLength) {
  using namespace std::string_literals;
  Type st = Type::struct_({{"S", Type::string()},
                           {"M", Type::map(Type::string(), Type::array(Type::double_()))},
                           {"D", Type::decimal(20, 3)}});
  Value nested = Value::struct_(
      st,
      {Value::string("a\0b"s),
       Value::map(
           Type::string(), Type::array(Type::double_()),
           {{Value::string("k\0"s),
             Value::array(Type::double_(), {Value::double_(1.5), Value::null(Type::double_())})}}),
       Value::decimal(-123456, 20, 3)});
  std::vector<Value> values = {Value::string("x\0\xffy"s),
                               Value::bigint(-3),
                               Value::double_(-2.0),
                               Value::decimal(-5, 10, 1),
                               Value::boolean(true),
                               Value::time(5),
                               nested};
  for (const Value& value : values) {
    std::string key = encode_one(value);
    for (size_t len = 0; len < key.size(); ++len) {
      Vector out(value.type(), 1);
      std::string_view in(key.data(), len);
      Status st_prefix = decode_value(in, out, 0);
      EXPECT_EQ(st_prefix.code(), StatusCode::kCorruption)
          << value.to_string() << " cut to " << len << " bytes: " << st_prefix.to_string();
      EXPECT_TRUE(out.is_null(0));
    }
    EXPECT_EQ(decode_one(value.type(), key), value);
  }
}

TEST(KeyCodecTest, MalformedInputIsCorruption) {
  using namespace std::string_literals;
  auto decode = [](const Type& t, const std::string& bytes) {
    Vector out(t, 1);
    std::string_view in = bytes;
    return decode_value(in, out, 0).code();
  };
  EXPECT_EQ(decode(Type::integer(), "\x02\x80\0\0\0"s), StatusCode::kCorruption);  // tag
  EXPECT_EQ(decode(Type::boolean(), "\x01\x02"s), StatusCode::kCorruption);
  EXPECT_EQ(decode(Type::string(),
                   "\x01"
                   "a\x00\x05"s),
            StatusCode::kCorruption);  // escape
  EXPECT_EQ(decode(Type::array(Type::integer()), "\x01\x07"s), StatusCode::kCorruption);
  // 10^4 does not fit DECIMAL(4, 0).
  std::string too_big = "\x01\x80"s + std::string(13, '\0') + "\x27\x10"s;
  EXPECT_EQ(decode(Type::decimal(4, 0), too_big), StatusCode::kCorruption);
  too_big.back() = '\x0f';  // 9999 fits
  EXPECT_EQ(decode(Type::decimal(4, 0), too_big), StatusCode::kOk);
}

TEST(KeyCodecTest, PrefixSuccessor) {
  using namespace std::string_literals;
  EXPECT_EQ(prefix_successor(""), "");
  EXPECT_EQ(prefix_successor("a"), "b");
  EXPECT_EQ(prefix_successor("ab"), "ac");
  EXPECT_EQ(prefix_successor("\x00"s), "\x01"s);
  EXPECT_EQ(prefix_successor("a\xff"s), "b");
  EXPECT_EQ(prefix_successor("a\xfe\xff\xff"s), "a\xff"s);
  EXPECT_EQ(prefix_successor("\xff"s), "");
  EXPECT_EQ(prefix_successor("\xff\xff\xff"s), "");

  // It bounds every key of the prefix: all rows whose first column is "a".
  std::string prefix;
  Vector v(Type::string(), 1);
  v.set_string(0, "a");
  encode_value(v, 0, prefix);
  std::string upper = prefix_successor(prefix);
  for (const Value& second : {Value::bigint(std::numeric_limits<int64_t>::max()),
                              Value::null(Type::bigint()), Value::bigint(0)}) {
    std::string key = prefix + encode_one(second);
    EXPECT_LT(key, upper);
    EXPECT_GE(key, prefix);
  }
  EXPECT_GT(prefix + encode_one(Value::string("")), prefix);
  std::string ab;
  v.set_string(0, "ab");
  encode_value(v, 0, ab);
  EXPECT_FALSE(ab < upper && ab >= prefix);  // "ab" is outside the "a" range
}

}  // namespace
}  // namespace sluice::sql::state
