// Avro's binary encoding of primitive values (Avro 1.11 specification, "Binary Encoding"):
// zig-zag varints for int and long, little-endian IEEE 754 for float and double, a long length
// before bytes and strings. And Confluent's wire format around a datum: magic byte 0, the schema
// id as a 4-byte big-endian integer, then the datum.
//
// Readers never read past their end: a short or malformed input sets `failed` and yields zeros,
// so callers decode a whole value and check once.
//
// Thread-safety: AvroReader is a cursor owned by one thread; the writers are free functions.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::schema {

// float and double are copied as they lie in memory: Avro's order is little-endian.
static_assert(std::endian::native == std::endian::little);

inline constexpr uint8_t kConfluentMagic = 0;
inline constexpr size_t kConfluentHeader = 5;

// The schema id of a record in Confluent's wire format, or nullopt when it is not one.
inline std::optional<int32_t> confluent_schema_id(std::string_view record) {
  if (record.size() < kConfluentHeader || static_cast<uint8_t>(record[0]) != kConfluentMagic) {
    return std::nullopt;
  }
  uint32_t id = 0;
  for (size_t i = 1; i < kConfluentHeader; ++i) id = id << 8 | static_cast<uint8_t>(record[i]);
  return static_cast<int32_t>(id);
}

inline void write_confluent_header(int32_t id, std::string& out) {
  auto u = static_cast<uint32_t>(id);
  char h[kConfluentHeader] = {static_cast<char>(kConfluentMagic), static_cast<char>(u >> 24),
                              static_cast<char>(u >> 16), static_cast<char>(u >> 8),
                              static_cast<char>(u)};
  out.append(h, kConfluentHeader);
}

class AvroReader {
 public:
  AvroReader(const uint8_t* data, size_t size) : p_(data), end_(data + size) {}
  explicit AvroReader(std::string_view s)
      : AvroReader(reinterpret_cast<const uint8_t*>(s.data()), s.size()) {}

  bool failed() const { return failed_; }
  bool at_end() const { return p_ == end_; }
  size_t remaining() const { return static_cast<size_t>(end_ - p_); }
  const uint8_t* position() const { return p_; }
  void fail() {
    failed_ = true;
    p_ = end_;
  }

  int64_t read_long() {
    uint64_t v = 0;
    for (int shift = 0; shift < 70; shift += 7) {
      if (p_ == end_) {
        fail();
        return 0;
      }
      uint8_t b = *p_++;
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
    }
    fail();  // more than 10 bytes
    return 0;
  }
  int32_t read_int() {
    int64_t v = read_long();
    if (v < INT32_MIN || v > INT32_MAX) {
      fail();
      return 0;
    }
    return static_cast<int32_t>(v);
  }
  bool read_boolean() {
    if (p_ == end_ || *p_ > 1) {
      fail();
      return false;
    }
    return *p_++ != 0;
  }
  float read_float() {
    float f = 0;
    if (take(4)) std::memcpy(&f, p_ - 4, 4);
    return f;
  }
  double read_double() {
    double d = 0;
    if (take(8)) std::memcpy(&d, p_ - 8, 8);
    return d;
  }
  // bytes and string: a length, then the bytes (a view into the input).
  std::string_view read_bytes() {
    int64_t n = read_long();
    if (n < 0 || static_cast<uint64_t>(n) > remaining()) {
      fail();
      return {};
    }
    return read_fixed(static_cast<size_t>(n));
  }
  std::string_view read_fixed(size_t n) {
    if (!take(n)) return {};
    return {reinterpret_cast<const char*>(p_ - n), n};
  }
  // Arrays and maps come in blocks: a count (negative: followed by the block's byte size),
  // ended by a zero count. The next block's item count, 0 at the end.
  int64_t read_block_count() {
    int64_t n = read_long();
    if (n < 0) {
      if (n == INT64_MIN) {
        fail();
        return 0;
      }
      n = -n;
      read_long();  // the block's size in bytes
    }
    // Every item takes at least... nothing (a null), so only the sign is checked here; callers
    // bound the total they allocate.
    return failed_ ? 0 : n;
  }

 private:
  bool take(size_t n) {
    if (remaining() < n) {
      fail();
      return false;
    }
    p_ += n;
    return true;
  }

  const uint8_t* p_;
  const uint8_t* end_;
  bool failed_ = false;
};

inline void avro_write_long(int64_t v, std::string& out) {
  uint64_t z = (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
  char buf[10];
  size_t n = 0;
  while (z >= 0x80) {
    buf[n++] = static_cast<char>((z & 0x7f) | 0x80);
    z >>= 7;
  }
  buf[n++] = static_cast<char>(z);
  out.append(buf, n);
}
inline void avro_write_boolean(bool b, std::string& out) {
  out.push_back(b ? '\1' : '\0');
}
inline void avro_write_float(float f, std::string& out) {
  char b[4];
  std::memcpy(b, &f, 4);
  out.append(b, 4);
}
inline void avro_write_double(double d, std::string& out) {
  char b[8];
  std::memcpy(b, &d, 8);
  out.append(b, 8);
}
inline void avro_write_bytes(std::string_view s, std::string& out) {
  avro_write_long(static_cast<int64_t>(s.size()), out);
  out.append(s);
}

}  // namespace sluice::schema
