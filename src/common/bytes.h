// Byte buffers and the integer encodings used on disk and on the wire: big-endian fixed-width
// integers, unsigned LEB128 varints (Kafka's "unsigned varint"), and zig-zag signed varints.
//
// Thread-safety: ByteWriter and ByteReader are single-owner value types.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace sluice {

using ByteSpan = std::span<const uint8_t>;

// An allocator whose containers leave the elements that resize() adds uninitialized (default-
// initialized), for buffers that are filled right after, as by a pread.
template <typename T>
struct DefaultInitAllocator : std::allocator<T> {
  using std::allocator<T>::allocator;
  template <typename U>
  void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>) {
    ::new (static_cast<void*>(p)) U;
  }
  template <typename U, typename... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};

// Bytes read into (resize() does not zero what the read then overwrites).
using ReadBuffer = std::vector<uint8_t, DefaultInitAllocator<uint8_t>>;

inline ByteSpan as_bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}
inline std::string_view as_string_view(ByteSpan b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

inline uint16_t load_be16(const uint8_t* p) {
  return static_cast<uint16_t>((p[0] << 8) | p[1]);
}
inline uint32_t load_be32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return __builtin_bswap32(v);
}
inline uint64_t load_be64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return __builtin_bswap64(v);
}
inline void store_be16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
inline void store_be32(uint8_t* p, uint32_t v) {
  v = __builtin_bswap32(v);
  std::memcpy(p, &v, 4);
}
inline void store_be64(uint8_t* p, uint64_t v) {
  v = __builtin_bswap64(v);
  std::memcpy(p, &v, 8);
}

inline uint32_t zigzag32(int32_t v) {
  return (static_cast<uint32_t>(v) << 1) ^ static_cast<uint32_t>(v >> 31);
}
inline uint64_t zigzag64(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
inline int32_t unzigzag32(uint32_t v) {
  return static_cast<int32_t>((v >> 1) ^ (~(v & 1) + 1));
}
inline int64_t unzigzag64(uint64_t v) {
  return static_cast<int64_t>((v >> 1) ^ (~(v & 1) + 1));
}

// Number of bytes an unsigned varint encoding of v takes.
inline size_t varint_size(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

// Appends encodings to a growable byte vector.
class ByteWriter {
 public:
  ByteWriter() = default;
  explicit ByteWriter(size_t reserve) { buf_.reserve(reserve); }

  void put_u8(uint8_t v) { buf_.push_back(v); }
  void put_i8(int8_t v) { buf_.push_back(static_cast<uint8_t>(v)); }
  void put_be16(uint16_t v) { store_be16(grow(2), v); }
  void put_be32(uint32_t v) { store_be32(grow(4), v); }
  void put_be64(uint64_t v) { store_be64(grow(8), v); }
  void put_i16(int16_t v) { put_be16(static_cast<uint16_t>(v)); }
  void put_i32(int32_t v) { put_be32(static_cast<uint32_t>(v)); }
  void put_i64(int64_t v) { put_be64(static_cast<uint64_t>(v)); }
  void put_double(double d) {
    uint64_t v;
    std::memcpy(&v, &d, 8);
    put_be64(v);
  }
  void put_uvarint(uint64_t v) {
    while (v >= 0x80) {
      buf_.push_back(static_cast<uint8_t>(v) | 0x80);
      v >>= 7;
    }
    buf_.push_back(static_cast<uint8_t>(v));
  }
  void put_varint(int64_t v) { put_uvarint(zigzag64(v)); }
  void put_bytes(ByteSpan b) { buf_.insert(buf_.end(), b.begin(), b.end()); }
  void put_bytes(std::string_view s) { put_bytes(as_bytes(s)); }

  // Reserves n bytes and returns a pointer to them (valid until the next put).
  uint8_t* grow(size_t n) {
    size_t at = buf_.size();
    buf_.resize(at + n);
    return buf_.data() + at;
  }
  size_t size() const { return buf_.size(); }
  uint8_t* data() { return buf_.data(); }
  const uint8_t* data() const { return buf_.data(); }
  ByteSpan span() const { return {buf_.data(), buf_.size()}; }
  std::vector<uint8_t>& buffer() { return buf_; }
  std::vector<uint8_t> take() { return std::move(buf_); }
  void clear() { buf_.clear(); }

 private:
  std::vector<uint8_t> buf_;
};

// Reads encodings from a byte span with bounds checks. A read past the end sets the reader's
// failed flag, returns zero, and leaves the position at the end; callers check ok() once after a
// group of reads instead of after each one.
class ByteReader {
 public:
  ByteReader() = default;
  explicit ByteReader(ByteSpan data) : data_(data) {}

  bool ok() const { return !failed_; }
  void fail() {
    failed_ = true;
    pos_ = data_.size();
  }
  size_t remaining() const { return data_.size() - pos_; }
  size_t position() const { return pos_; }
  ByteSpan rest() const { return data_.subspan(pos_); }

  uint8_t get_u8() { return need(1) ? data_[pos_++] : 0; }
  int8_t get_i8() { return static_cast<int8_t>(get_u8()); }
  uint16_t get_be16() { return need(2) ? advance(2, load_be16(&data_[pos_])) : 0; }
  uint32_t get_be32() { return need(4) ? advance(4, load_be32(&data_[pos_])) : 0; }
  uint64_t get_be64() { return need(8) ? advance(8, load_be64(&data_[pos_])) : 0; }
  int16_t get_i16() { return static_cast<int16_t>(get_be16()); }
  int32_t get_i32() { return static_cast<int32_t>(get_be32()); }
  int64_t get_i64() { return static_cast<int64_t>(get_be64()); }
  double get_double() {
    uint64_t v = get_be64();
    double d;
    std::memcpy(&d, &v, 8);
    return d;
  }
  uint64_t get_uvarint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (!need(1)) return 0;
      uint8_t b = data_[pos_++];
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
    fail();  // more than 10 bytes: malformed
    return 0;
  }
  uint32_t get_uvarint32() {
    uint64_t v = get_uvarint();
    if (v > UINT32_MAX) {
      fail();
      return 0;
    }
    return static_cast<uint32_t>(v);
  }
  int64_t get_varint() { return unzigzag64(get_uvarint()); }
  int32_t get_varint32() {
    int64_t v = get_varint();
    if (v < INT32_MIN || v > INT32_MAX) {
      fail();
      return 0;
    }
    return static_cast<int32_t>(v);
  }
  ByteSpan get_bytes(size_t n) {
    if (!need(n)) return {};
    ByteSpan s = data_.subspan(pos_, n);
    pos_ += n;
    return s;
  }
  void skip(size_t n) {
    if (need(n)) pos_ += n;
  }

 private:
  bool need(size_t n) {
    if (failed_ || data_.size() - pos_ < n) {
      fail();
      return false;
    }
    return true;
  }
  template <typename T>
  T advance(size_t n, T v) {
    pos_ += n;
    return v;
  }

  ByteSpan data_;
  size_t pos_ = 0;
  bool failed_ = false;
};

}  // namespace sluice
