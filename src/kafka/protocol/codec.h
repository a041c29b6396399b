// Generic encoder/decoder driven by the field tables of schema.h. Internal to kafka/protocol:
// other layers call the per-message functions declared in api.h or the frame functions.
//
// Thread-safety: stateless templates.
//
// Wire rules (Kafka protocol guide, KIP-482):
//   int8/16/32/64, uint16, float64: big-endian fixed width; bool: one byte, non-zero is true;
//   uuid: 16 bytes.
//   non-flexible: string = int16 length + bytes (-1 = null); bytes/records = int32 length + bytes
//   (-1 = null); array = int32 count + elements (-1 = null).
//   flexible: string/bytes/records/array = uvarint (length + 1) (0 = null) + data, and every
//   struct ends with a tagged-field section: uvarint count, then per field uvarint tag, uvarint
//   size, `size` bytes. Unknown tags are skipped; tags must be strictly ascending.
//
// Robustness: every length and count is checked against the bytes that remain before anything is
// allocated; an array count is bounded by remaining / (minimum encoded element size). Errors carry
// the field path: "topic_data[0].partition_data[2].records: length 1000000000 exceeds remaining
// 57".
#pragma once

#include <fmt/format.h>

#include <limits>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"
#include "kafka/protocol/api.h"
#include "kafka/protocol/schema.h"

namespace sluice::kafka::codec {

// Internally every step returns bool and, on failure, leaves the message in *error; the field
// path is prepended while unwinding. Only the error path builds strings.
struct Ctx {
  int16_t version;
  bool flexible;
  std::string* error;
};

template <typename T>
struct IsVector : std::false_type {};
template <typename T>
struct IsVector<std::vector<T>> : std::true_type {};
// Arrays are vectors of anything but bytes (Bytes is std::vector<uint8_t>).
template <typename T>
constexpr bool kIsArray = IsVector<T>::value && !std::is_same_v<T, Bytes>;
template <typename T>
struct IsOptional : std::false_type {};
template <typename T>
struct IsOptional<std::optional<T>> : std::true_type {};

// Whether an error message of a value of type T starts with a field path (so that the parent
// joins with '.') rather than with a description (joined with ": ").
template <typename T>
constexpr bool kStartsWithPath = Message<T>;

// The field table of S as a constant, so that member pointers fold into plain offsets.
template <Message S>
inline constexpr auto kFieldsOf = S::fields();

inline bool fail(const Ctx& c, std::string m) {
  *c.error = std::move(m);
  return false;
}

inline bool prefix_path(const Ctx& c, std::string_view name, bool path) {
  std::string& m = *c.error;
  if (!m.empty() && m[0] == '[') {
    m.insert(0, name);
  } else {
    m = fmt::format("{}{}{}", name, path ? "." : ": ", m);
  }
  return false;
}

inline bool prefix_index(const Ctx& c, size_t i, bool path) {
  *c.error = fmt::format("[{}]{}{}", i, path ? "." : ": ", *c.error);
  return false;
}

// ---------------------------------------------------------------------------------------------
// Minimum encoded size, used to bound array counts before allocating.

template <typename T>
size_t min_size(const Ctx& c);

template <Message S>
size_t struct_min_size(const Ctx& c) {
  size_t n = c.flexible ? 1 : 0;
  std::apply(
      [&](const auto&... f) {
        ((n += f.in_body(c.version, c.flexible)
                   ? min_size<typename std::remove_cvref_t<decltype(f)>::Member>(c)
                   : 0),
         ...);
      },
      kFieldsOf<S>);
  return n;
}

template <typename T>
size_t min_size(const Ctx& c) {
  if constexpr (IsOptional<T>::value) {
    return min_size<typename T::value_type>(c);
  } else if constexpr (std::is_same_v<T, std::string>) {
    return c.flexible ? 1 : 2;
  } else if constexpr (std::is_same_v<T, Bytes> || std::is_same_v<T, Records> || kIsArray<T>) {
    return c.flexible ? 1 : 4;
  } else if constexpr (std::is_same_v<T, Uuid>) {
    return 16;
  } else if constexpr (Message<T>) {
    return struct_min_size<T>(c);
  } else {
    static_assert(std::is_arithmetic_v<T>);
    return sizeof(T);
  }
}

// ---------------------------------------------------------------------------------------------
// Decoding

enum class LenKind { kString, kBytes, kArray };

template <typename T>
constexpr LenKind len_kind() {
  if constexpr (std::is_same_v<T, std::string>) {
    return LenKind::kString;
  } else if constexpr (kIsArray<T>) {
    return LenKind::kArray;
  } else {
    return LenKind::kBytes;
  }
}

// Reads a length or count; -1 means null. Rejects other negative values and, for nullable ==
// false, null.
inline bool read_length(ByteReader& r, const Ctx& c, LenKind kind, bool nullable, int64_t& out) {
  int64_t len;
  if (c.flexible) {
    uint64_t n = r.get_uvarint();
    if (!r.ok()) return fail(c, "truncated length varint");
    if (n > static_cast<uint64_t>(std::numeric_limits<int32_t>::max()) + 1) {
      return fail(c, fmt::format("length {} out of range", n - 1));
    }
    len = static_cast<int64_t>(n) - 1;
  } else if (kind == LenKind::kString) {
    if (r.remaining() < 2) return fail(c, "truncated length");
    len = r.get_i16();
  } else {
    if (r.remaining() < 4) return fail(c, "truncated length");
    len = r.get_i32();
  }
  if (len < -1) return fail(c, fmt::format("negative length {}", len));
  if (len == -1 && !nullable) {
    return fail(c, fmt::format("null in non-nullable version {}", c.version));
  }
  out = len;
  return true;
}

template <typename T>
bool decode_value(ByteReader& r, T& v, const Ctx& c, bool nullable);

template <Message S>
bool decode_struct(ByteReader& r, S& s, const Ctx& c);

template <typename T>
inline T read_fixed(ByteReader& r) {
  if constexpr (std::is_same_v<T, bool>) {
    return r.get_u8() != 0;
  } else if constexpr (std::is_same_v<T, int8_t>) {
    return r.get_i8();
  } else if constexpr (std::is_same_v<T, int16_t>) {
    return r.get_i16();
  } else if constexpr (std::is_same_v<T, uint16_t>) {
    return r.get_be16();
  } else if constexpr (std::is_same_v<T, int32_t>) {
    return r.get_i32();
  } else if constexpr (std::is_same_v<T, int64_t>) {
    return r.get_i64();
  } else {
    static_assert(std::is_same_v<T, double>, "unsupported wire type");
    return r.get_double();
  }
}

// Decodes the body of a length-prefixed value whose length `len` (>= 0) was already read.
template <typename T>
bool decode_sized(ByteReader& r, T& v, const Ctx& c, int64_t len) {
  if constexpr (kIsArray<T>) {
    using E = typename T::value_type;
    size_t elem = std::max<size_t>(1, min_size<E>(c));
    if (static_cast<uint64_t>(len) > r.remaining() / elem) {
      return fail(c, fmt::format("array count {} exceeds remaining {} bytes", len, r.remaining()));
    }
    v.resize(static_cast<size_t>(len));
    if constexpr (std::is_arithmetic_v<E>) {
      // Fixed-width elements: the whole array was bounds-checked above.
      for (E& e : v) e = read_fixed<E>(r);
    } else {
      for (size_t i = 0; i < v.size(); ++i) {
        if (!decode_value(r, v[i], c, false)) return prefix_index(c, i, kStartsWithPath<E>);
      }
    }
    return true;
  } else {
    if (static_cast<uint64_t>(len) > r.remaining()) {
      return fail(c, fmt::format("length {} exceeds remaining {} bytes", len, r.remaining()));
    }
    ByteSpan b = r.get_bytes(static_cast<size_t>(len));
    if constexpr (std::is_same_v<T, std::string>) {
      v.assign(reinterpret_cast<const char*>(b.data()), b.size());
    } else if constexpr (std::is_same_v<T, Bytes>) {
      v.assign(b.begin(), b.end());
    } else {
      static_assert(std::is_same_v<T, Records>);
      v = Records::borrowed(b);
    }
    return true;
  }
}

template <typename T>
bool decode_value(ByteReader& r, T& v, const Ctx& c, bool nullable) {
  if constexpr (IsOptional<T>::value) {
    using Inner = typename T::value_type;
    static_assert(!Message<Inner>, "nullable structs are not supported");
    int64_t len;
    if (!read_length(r, c, len_kind<Inner>(), nullable, len)) return false;
    if (len < 0) {
      v.reset();
      return true;
    }
    return decode_sized(r, v.emplace(), c, len);
  } else if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, Bytes> ||
                       std::is_same_v<T, Records> || kIsArray<T>) {
    int64_t len;
    // A null for a non-optional member is never representable: treat as non-nullable.
    if (!read_length(r, c, len_kind<T>(), false, len)) return false;
    return decode_sized(r, v, c, len);
  } else if constexpr (Message<T>) {
    return decode_struct(r, v, c);
  } else if constexpr (std::is_same_v<T, Uuid>) {
    if (r.remaining() < 16) return fail(c, "truncated uuid");
    ByteSpan b = r.get_bytes(16);
    std::memcpy(v.bytes.data(), b.data(), 16);
    return true;
  } else {
    if (r.remaining() < sizeof(T)) {
      return fail(c, fmt::format("truncated: needs {} bytes, {} remain", sizeof(T), r.remaining()));
    }
    v = read_fixed<T>(r);
    return true;
  }
}

template <typename S, typename M>
bool decode_field(ByteReader& r, S& s, const Field<S, M>& f, const Ctx& c) {
  if (!f.in_body(c.version, c.flexible)) return true;
  if (decode_value(r, s.*(f.member), c, f.nullable_versions.contains(c.version))) return true;
  return prefix_path(c, f.name, kStartsWithPath<M>);
}

// Reads a tagged-field section. `on_tag(tag, body)` decodes a tag it knows and ignores others.
template <typename OnTag>
bool decode_tag_section(ByteReader& r, const Ctx& c, OnTag&& on_tag) {
  uint64_t count = r.get_uvarint();
  if (!r.ok()) return fail(c, "tagged fields: truncated count");
  // Each tagged field takes at least two bytes (tag and size).
  if (count > r.remaining() / 2) {
    return fail(
        c, fmt::format("tagged fields: count {} exceeds remaining {} bytes", count, r.remaining()));
  }
  int64_t last = -1;
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t tag = r.get_uvarint();
    uint64_t size = r.get_uvarint();
    if (!r.ok()) return fail(c, "tagged fields: truncated tag header");
    if (tag > static_cast<uint64_t>(std::numeric_limits<int32_t>::max()) ||
        static_cast<int64_t>(tag) <= last) {
      return fail(c, fmt::format("tagged fields: tag {} out of order or duplicated", tag));
    }
    last = static_cast<int64_t>(tag);
    if (size > r.remaining()) {
      return fail(c, fmt::format("tagged fields: tag {} size {} exceeds remaining {} bytes", tag,
                                 size, r.remaining()));
    }
    ByteSpan body = r.get_bytes(static_cast<size_t>(size));
    if (!on_tag(static_cast<int32_t>(tag), body)) return false;
  }
  return true;
}

template <Message S>
bool decode_struct(ByteReader& r, S& s, const Ctx& c) {
  bool ok =
      std::apply([&](const auto&... f) { return (decode_field(r, s, f, c) && ...); }, kFieldsOf<S>);
  if (!ok || !c.flexible) return ok;
  return decode_tag_section(r, c, [&](int32_t tag, ByteSpan body) {
    bool tag_ok = true;
    std::apply(
        [&](const auto&... f) {
          (void)(([&] {
                   if (f.tag != tag || !f.in_tags(c.version, c.flexible)) return false;
                   using M = typename std::remove_cvref_t<decltype(f)>::Member;
                   ByteReader sub(body);
                   tag_ok = decode_value(sub, s.*(f.member), c,
                                         f.nullable_versions.contains(c.version)) ||
                            prefix_path(c, f.name, kStartsWithPath<M>);
                   return true;
                 }()) ||
                 ...);
        },
        kFieldsOf<S>);
    return tag_ok;
  });
}

// ---------------------------------------------------------------------------------------------
// Encoding

struct Encoder {
  ByteWriter& w;
  Ctx c;
  std::vector<Splice>* splices;  // null: splices are not allowed here
};

inline bool write_length(Encoder& e, LenKind kind, int64_t len) {
  if (e.c.flexible) {
    e.w.put_uvarint(static_cast<uint64_t>(len + 1));
  } else if (kind == LenKind::kString) {
    if (len > std::numeric_limits<int16_t>::max()) {
      return fail(e.c, fmt::format("string length {} exceeds 32767", len));
    }
    e.w.put_i16(static_cast<int16_t>(len));
  } else {
    if (len > std::numeric_limits<int32_t>::max()) {
      return fail(e.c, fmt::format("length {} exceeds int32", len));
    }
    e.w.put_i32(static_cast<int32_t>(len));
  }
  return true;
}

template <typename T>
bool encode_value(Encoder& e, const T& v, bool nullable);

template <Message S>
bool encode_struct(Encoder& e, const S& s);

template <typename T>
inline void write_fixed(ByteWriter& w, T v) {
  if constexpr (std::is_same_v<T, bool>) {
    w.put_u8(v ? 1 : 0);
  } else if constexpr (std::is_same_v<T, int8_t>) {
    w.put_i8(v);
  } else if constexpr (std::is_same_v<T, int16_t>) {
    w.put_i16(v);
  } else if constexpr (std::is_same_v<T, uint16_t>) {
    w.put_be16(v);
  } else if constexpr (std::is_same_v<T, int32_t>) {
    w.put_i32(v);
  } else if constexpr (std::is_same_v<T, int64_t>) {
    w.put_i64(v);
  } else {
    static_assert(std::is_same_v<T, double>, "unsupported wire type");
    w.put_double(v);
  }
}

template <typename T>
bool encode_sized(Encoder& e, const T& v) {
  if constexpr (kIsArray<T>) {
    using E = typename T::value_type;
    if (!write_length(e, LenKind::kArray, static_cast<int64_t>(v.size()))) return false;
    if constexpr (std::is_arithmetic_v<E>) {
      for (E x : v) write_fixed<E>(e.w, x);
    } else {
      for (size_t i = 0; i < v.size(); ++i) {
        if (!encode_value(e, v[i], false)) return prefix_index(e.c, i, kStartsWithPath<E>);
      }
    }
    return true;
  } else if constexpr (std::is_same_v<T, Records>) {
    if (!write_length(e, LenKind::kBytes, static_cast<int64_t>(v.size()))) return false;
    if (v.is_splice) {
      if (e.splices == nullptr) return fail(e.c, "record splice not allowed here");
      e.splices->push_back(Splice{e.w.size(), v.splice_id, v.splice_size});
    } else {
      e.w.put_bytes(v.bytes);
    }
    return true;
  } else {
    if (!write_length(e, len_kind<T>(), static_cast<int64_t>(v.size()))) return false;
    e.w.put_bytes(ByteSpan(reinterpret_cast<const uint8_t*>(v.data()), v.size()));
    return true;
  }
}

template <typename T>
bool encode_value(Encoder& e, const T& v, bool nullable) {
  if constexpr (IsOptional<T>::value) {
    if (!v.has_value()) {
      if (!nullable) return fail(e.c, fmt::format("null in non-nullable version {}", e.c.version));
      return write_length(e, len_kind<typename T::value_type>(), -1);
    }
    return encode_sized(e, *v);
  } else if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, Bytes> ||
                       std::is_same_v<T, Records> || kIsArray<T>) {
    return encode_sized(e, v);
  } else if constexpr (Message<T>) {
    return encode_struct(e, v);
  } else if constexpr (std::is_same_v<T, Uuid>) {
    e.w.put_bytes(ByteSpan(v.bytes.data(), 16));
    return true;
  } else {
    write_fixed<T>(e.w, v);
    return true;
  }
}

template <typename S, typename M>
bool encode_field(Encoder& e, const S& s, const Field<S, M>& f) {
  if (!f.in_body(e.c.version, e.c.flexible)) return true;
  if (encode_value(e, s.*(f.member), f.nullable_versions.contains(e.c.version))) return true;
  return prefix_path(e.c, f.name, kStartsWithPath<M>);
}

template <Message S>
const S& default_instance() {
  static const S kDefault{};
  return kDefault;
}

template <Message S>
bool encode_tagged(Encoder& e, const S& s) {
  const S& def = default_instance<S>();
  uint32_t count = 0;
  std::apply(
      [&](const auto&... f) {
        ((count +=
          (f.in_tags(e.c.version, e.c.flexible) && !(s.*(f.member) == def.*(f.member))) ? 1 : 0),
         ...);
      },
      kFieldsOf<S>);
  e.w.put_uvarint(count);
  if (count == 0) return true;
  return std::apply(
      [&](const auto&... f) {
        return ([&] {
          if (!f.in_tags(e.c.version, e.c.flexible) || s.*(f.member) == def.*(f.member)) {
            return true;
          }
          using M = typename std::remove_cvref_t<decltype(f)>::Member;
          ByteWriter tmp;
          Encoder sub{tmp, e.c, nullptr};
          if (!encode_value(sub, s.*(f.member), f.nullable_versions.contains(e.c.version))) {
            return prefix_path(e.c, f.name, kStartsWithPath<M>);
          }
          e.w.put_uvarint(static_cast<uint64_t>(f.tag));
          e.w.put_uvarint(tmp.size());
          e.w.put_bytes(tmp.span());
          return true;
        }() && ...);
      },
      kFieldsOf<S>);
}

template <Message S>
bool encode_struct(Encoder& e, const S& s) {
  bool ok =
      std::apply([&](const auto&... f) { return (encode_field(e, s, f) && ...); }, kFieldsOf<S>);
  if (!ok || !e.c.flexible) return ok;
  return encode_tagged(e, s);
}

// Decodes a whole message body at `version` (which the caller has checked is supported).
template <Message T>
Status decode_message(ByteReader& r, T& out, int16_t version) {
  const ApiInfo& info = api_info(ApiOf<T>::kKey);
  std::string error;
  Ctx c{version, info.is_flexible(version), &error};
  out = T{};
  if (decode_struct(r, out, c)) return Status::ok();
  return Status::corruption(fmt::format("{}{} v{}: {}", info.name,
                                        ApiOf<T>::kIsRequest ? "" : "Response", version, error));
}

template <Message T>
Status encode_message(ByteWriter& w, const T& in, int16_t version, std::vector<Splice>* splices) {
  const ApiInfo& info = api_info(ApiOf<T>::kKey);
  std::string error;
  Encoder e{w, Ctx{version, info.is_flexible(version), &error}, splices};
  if (encode_struct(e, in)) return Status::ok();
  return Status::invalid_argument(fmt::format("encoding {}{} v{}: {}", info.name,
                                              ApiOf<T>::kIsRequest ? "Request" : "Response",
                                              version, error));
}

}  // namespace sluice::kafka::codec

// Defines the decode_body/encode_body overloads of api.h for one API (used once per API, in the
// messages_*.cc file of its group, so the templates are instantiated in three translation units).
#define SLUICE_KAFKA_DEFINE_CODECS(name)                                       \
  Status decode_body(ByteReader& r, name##Request& out, int16_t version) {     \
    return codec::decode_message(r, out, version);                             \
  }                                                                            \
  Status decode_body(ByteReader& r, name##Response& out, int16_t version) {    \
    return codec::decode_message(r, out, version);                             \
  }                                                                            \
  Status encode_body(ByteWriter& w, const name##Request& in, int16_t version,  \
                     std::vector<Splice>* splices) {                           \
    return codec::encode_message(w, in, version, splices);                     \
  }                                                                            \
  Status encode_body(ByteWriter& w, const name##Response& in, int16_t version, \
                     std::vector<Splice>* splices) {                           \
    return codec::encode_message(w, in, version, splices);                     \
  }
