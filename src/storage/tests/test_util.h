// Helpers shared by the storage tests: temporary directories and batch builders.
#pragma once

#include <stdlib.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "storage/file_system.h"
#include "storage/record_batch.h"

namespace sluice::testing {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/sluice-storage-test-XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~TempDir() { posix_file_system().remove_all(path_).ignore_error(); }
  const std::string& path() const { return path_; }
  std::string sub(const std::string& name) const { return path_join(path_, name); }

 private:
  std::string path_;
};

inline ByteSpan bytes_of(const std::string& s) {
  return as_bytes(s);
}

// A batch of `n` records "<key_prefix><i>" -> value of `value_size` bytes, timestamps ts, ts+1...
inline std::vector<uint8_t> make_batch(int n, size_t value_size = 10, int64_t ts = 1000,
                                       const std::string& key_prefix = "k",
                                       CompressionCodec codec = CompressionCodec::kNone) {
  RecordBatchBuilder b(codec);
  std::vector<std::string> keys, values;
  for (int i = 0; i < n; ++i) {
    keys.push_back(key_prefix + std::to_string(i));
    values.push_back(std::string(value_size, static_cast<char>('a' + i % 26)));
  }
  for (int i = 0; i < n; ++i) b.add(ts + i, as_bytes(keys[i]), as_bytes(values[i]));
  return b.build().value();
}

// One record with the given key and value (nullopt value: a tombstone).
inline std::vector<uint8_t> make_kv_batch(const std::string& key, std::optional<std::string> value,
                                          int64_t ts,
                                          CompressionCodec codec = CompressionCodec::kNone) {
  RecordBatchBuilder b(codec);
  std::optional<ByteSpan> v;
  if (value) v = as_bytes(*value);
  b.add(ts, as_bytes(key), v);
  return b.build().value();
}

inline std::vector<uint8_t> concat(const std::vector<std::vector<uint8_t>>& parts) {
  std::vector<uint8_t> out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

}  // namespace sluice::testing
