// Clocks. Wall time is for record timestamps; monotonic time is for timeouts and latencies.
// Thread-safety: pure functions.
#pragma once

#include <chrono>
#include <cstdint>

namespace sluice {

inline int64_t wall_clock_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}
inline int64_t monotonic_ns() {
  using namespace std::chrono;
  return duration_cast<nanoseconds>(steady_clock::now().time_since_epoch()).count();
}
inline int64_t monotonic_ms() {
  return monotonic_ns() / 1'000'000;
}
// Monotonic time in seconds, for rates and durations that are printed.
inline double monotonic_seconds() {
  return static_cast<double>(monotonic_ns()) * 1e-9;
}

}  // namespace sluice
