// The vocabulary in which every Kafka message is described: value types that appear on the wire
// (Uuid, Bytes, Records) and the field descriptor that message structs list in their `fields()`.
//
// Thread-safety: value types and constexpr descriptors only.
//
// How a message is described. Each message (and each nested struct) is a plain C++ struct whose
// members hold the values, plus a `static constexpr auto fields()` returning a std::tuple of
// field descriptors in wire order:
//
//   struct PartitionData {
//     int32_t index = 0;
//     std::optional<Records> records;
//     SLUICE_KAFKA_FIELDS(PartitionData, KF(index, "0+"), KF(records, "0+").nullable("0+"))
//   };
//
// - The wire type follows from the C++ type: bool, int8_t, int16_t, uint16_t, int32_t, int64_t,
//   double (float64), Uuid, std::string (string), Bytes (bytes, owned), Records (records,
//   borrowed), std::vector<T> (array of T), a struct with fields() (a nested struct), and
//   std::optional<...> of a string/bytes/records/array for fields that are nullable in some
//   version.
// - The default of a field is the struct's default member initializer (Kafka's "default"): the
//   decoder starts from a default-constructed struct, so fields absent from a version keep it, and
//   tagged fields are only written when they differ from it.
// - Versions are written as in Kafka's message definitions: "3+", "0-7", "5", "none".
// - `.nullable("1+")` lists the versions where null is allowed; `.tagged(tag, "12+")` makes the
//   field a tagged field in those (flexible) versions. Declare tagged fields in ascending tag
//   order.
// - Names are the snake_case names of the Kafka protocol guide; they appear in error paths.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include "common/bytes.h"

namespace sluice::kafka {

struct Uuid {
  std::array<uint8_t, 16> bytes{};
  bool is_zero() const { return *this == Uuid{}; }
  auto operator<=>(const Uuid&) const = default;
};

// A bytes field (group metadata, assignments, ...): owned, small.
using Bytes = std::vector<uint8_t>;

// A records field (Kafka RecordBatches). Never copied by the codecs:
// - decoded: `bytes` points into the frame buffer given to the decoder, so it is valid only as
//   long as that buffer is;
// - encoded: either `bytes` (the caller keeps them alive until encoding returns, they are copied
//   into the frame), or a *splice*: the encoder writes only the length prefix and records in the
//   frame's splice list where the caller must send `splice_size` bytes of its own (a file range,
//   a list of chunks) identified by `splice_id`. See ResponseFrame in frame.h.
struct Records {
  ByteSpan bytes;
  bool is_splice = false;
  uint64_t splice_id = 0;
  uint32_t splice_size = 0;

  static Records borrowed(ByteSpan b) { return Records{b}; }
  static Records splice(uint64_t id, uint32_t size) { return Records{{}, true, id, size}; }
  size_t size() const { return is_splice ? splice_size : bytes.size(); }

  // Content equality (two borrowed spans are equal when their bytes are).
  bool operator==(const Records& o) const {
    if (is_splice || o.is_splice) {
      return is_splice == o.is_splice && splice_id == o.splice_id && splice_size == o.splice_size;
    }
    return bytes.size() == o.bytes.size() &&
           (bytes.empty() || std::memcmp(bytes.data(), o.bytes.data(), bytes.size()) == 0);
  }
};

struct VersionRange {
  int16_t min = 1;
  int16_t max = 0;  // default: empty
  constexpr bool contains(int16_t v) const { return v >= min && v <= max; }
  constexpr bool empty() const { return min > max; }
};

inline constexpr int16_t kOpenVersion = 0x7fff;

// Parses "3+", "0-7", "5" or "none". Malformed strings are a compile error when used in a
// constant expression (the throw is not a constant expression).
constexpr VersionRange parse_versions(const char* s) {
  auto num = [&](const char*& p) {
    if (*p < '0' || *p > '9') throw "bad version string";
    int v = 0;
    while (*p >= '0' && *p <= '9') v = v * 10 + (*p++ - '0');
    return static_cast<int16_t>(v);
  };
  if (s[0] == 'n') return VersionRange{};
  const char* p = s;
  int16_t lo = num(p);
  if (*p == '\0') return {lo, lo};
  if (*p == '+' && p[1] == '\0') return {lo, kOpenVersion};
  if (*p == '-') {
    ++p;
    int16_t hi = num(p);
    if (*p != '\0' || hi < lo) throw "bad version string";
    return {lo, hi};
  }
  throw "bad version string";
}

template <typename S, typename M>
struct Field {
  using Struct = S;
  using Member = M;
  M S::*member;
  const char* name;
  VersionRange versions;
  VersionRange nullable_versions{};
  int32_t tag = -1;
  VersionRange tagged_versions{};

  constexpr Field nullable(const char* v) const {
    Field f = *this;
    f.nullable_versions = parse_versions(v);
    return f;
  }
  constexpr Field tagged(int32_t t, const char* v) const {
    Field f = *this;
    f.tag = t;
    f.tagged_versions = parse_versions(v);
    return f;
  }
  // Present in the struct body (not in the tagged section) at this version.
  constexpr bool in_body(int16_t v, bool flexible) const {
    return versions.contains(v) && !(flexible && tagged_versions.contains(v));
  }
  constexpr bool in_tags(int16_t v, bool flexible) const {
    return flexible && versions.contains(v) && tagged_versions.contains(v);
  }
};

template <typename S, typename M>
constexpr Field<S, M> make_field(M S::*member, const char* name, const char* versions) {
  return Field<S, M>{member, name, parse_versions(versions)};
}

// Inside SLUICE_KAFKA_FIELDS: KF(member, "versions") names the field after its member.
#define KF(member, versions) ::sluice::kafka::make_field(&Self::member, #member, versions)

// Declares `fields()` and equality for a message struct.
#define SLUICE_KAFKA_FIELDS(Type, ...) \
  using Self = Type;                   \
  static constexpr auto fields() {     \
    return std::tuple{__VA_ARGS__};    \
  }                                    \
  bool operator==(const Type&) const = default;

template <typename T>
concept Message = requires {
  T::fields();
};

}  // namespace sluice::kafka
