// Test helpers: fill any message with deterministic values for the fields present at a version.
#pragma once

#include <cstdint>
#include <string>

#include "kafka/protocol/codec.h"

namespace sluice::kafka::testing {

// Values for the fields of a message present at `version`; arrays get two elements, nullable
// fields are null now and then (`seed` picks which).
class Filler {
 public:
  Filler(int16_t version, uint32_t seed) : version_(version), state_(seed * 2654435761u + 1) {}

  template <typename T>
  void fill(T& v, bool nullable) {
    using codec::IsOptional;
    if constexpr (IsOptional<T>::value) {
      if (nullable && next() % 3 == 0) {
        v.reset();
      } else {
        fill(v.emplace(), false);
      }
    } else if constexpr (Message<T>) {
      std::apply(
          [&](const auto&... f) {
            ((f.versions.contains(version_)
                  ? fill(v.*(f.member), f.nullable_versions.contains(version_))
                  : void()),
             ...);
          },
          codec::kFieldsOf<T>);
    } else if constexpr (codec::kIsArray<T>) {
      v.resize(depth_ < 3 ? 2 : 0);
      ++depth_;
      for (auto& e : v) fill(e, false);
      --depth_;
    } else if constexpr (std::is_same_v<T, std::string>) {
      v = "s" + std::to_string(next() % 1000);
    } else if constexpr (std::is_same_v<T, Bytes>) {
      v = {1, 2, static_cast<uint8_t>(next())};
    } else if constexpr (std::is_same_v<T, Records>) {
      static constexpr uint8_t kData[32] = {9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2, 3, 4, 5, 6,
                                            7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2};
      v = Records::borrowed(ByteSpan(kData, 1 + next() % 31));
    } else if constexpr (std::is_same_v<T, Uuid>) {
      for (auto& b : v.bytes) b = static_cast<uint8_t>(next());
    } else if constexpr (std::is_same_v<T, bool>) {
      v = true;  // defaults are false: true makes tagged bools appear on the wire
    } else if constexpr (std::is_same_v<T, double>) {
      v = static_cast<double>(next() % 1000) / 4;
    } else {
      // Mix small and extreme values so that sign and width errors show.
      uint32_t r = next();
      v = r % 4 == 0 ? std::numeric_limits<T>::max()
                     : (r % 4 == 1 ? std::numeric_limits<T>::min() : static_cast<T>(r % 100 + 1));
    }
  }

 private:
  uint32_t next() {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 17;
    state_ ^= state_ << 5;
    return state_;
  }

  int16_t version_;
  uint32_t state_;
  int depth_ = 0;
};

template <typename T>
T filled(int16_t version, uint32_t seed) {
  T v{};
  Filler(version, seed).fill(v, false);
  return v;
}

inline std::string hex(ByteSpan b) {
  static constexpr const char* kDigits = "0123456789abcdef";
  std::string s;
  for (uint8_t c : b) {
    s += kDigits[c >> 4];
    s += kDigits[c & 15];
  }
  return s;
}

inline std::vector<uint8_t> unhex(std::string_view h) {
  std::vector<uint8_t> out;
  auto nib = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  for (size_t i = 0; i + 1 < h.size(); i += 2) {
    out.push_back(static_cast<uint8_t>(nib(h[i]) << 4 | nib(h[i + 1])));
  }
  return out;
}

}  // namespace sluice::kafka::testing
