// The two things the coordinator needs from its host: a durable place for its records and a clock.
//
// OffsetStore: the broker implements it over the compacted internal topic `__consumer_offsets`
// (records.h documents the keys and values). The coordinator calls append() with its own mutex
// held, so records reach the log in the order the coordinator applied them; an implementation must
// therefore not call back into the coordinator. One append() holds all records of one operation
// (an offset commit, a group's new metadata, a deletion's tombstones) and must be atomic: either
// all records are durable when it returns ok, or none are visible after a restart.
//
// Clock: milliseconds of wall-clock time (session timeouts, rebalance timeouts and commit
// timestamps). Tests use a manual clock; the broker uses SystemClock.
//
// Thread-safety: the coordinator serialises its calls to both under its mutex.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace sluice::kafka::group {

struct KeyValue {
  std::vector<uint8_t> key;
  std::optional<std::vector<uint8_t>> value;  // nullopt: a tombstone (delete the key)
};

class OffsetStore {
 public:
  virtual ~OffsetStore() = default;
  virtual Status append(std::vector<KeyValue> records) = 0;
};

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t now_ms() = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t now_ms() override { return wall_clock_ms(); }
};

}  // namespace sluice::kafka::group
