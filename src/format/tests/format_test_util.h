// Helpers for the format tests: decode strings into a batch, encode a batch back to strings.
#pragma once

#include <gtest/gtest.h>

#include <numeric>
#include <optional>
#include <string>
#include <vector>

#include "format/format.h"
#include "format/value.h"
#include "schema/registry.h"

namespace sluice::format::testing {

using Records = std::vector<std::optional<std::string>>;

struct Decoded {
  ColumnBatch batch;
  DecodeErrors errors;
};

inline std::vector<uint32_t> all_columns(size_t n) {
  std::vector<uint32_t> cols(n);
  std::iota(cols.begin(), cols.end(), 0u);
  return cols;
}

inline Decoded decode(const Format& format, const std::vector<Column>& columns,
                      const Records& records, Side side = Side::kValue,
                      const FormatOptions& options = {}) {
  auto dec = format.make_decoder(columns, side, options);
  EXPECT_TRUE(dec.is_ok()) << dec.status().to_string();
  Decoded d{ColumnBatch(columns, 4), {}};
  d.batch.reserve(records.size());
  std::vector<RecordBytes> raw;
  for (const auto& r : records) raw.push_back(r ? RecordBytes::of(*r) : RecordBytes::null_record());
  if (dec.is_ok()) {
    (*dec)->decode(raw, d.batch, 0, all_columns(columns.size()), d.errors);
  }
  d.batch.set_size(records.size());
  return d;
}

// "A|B|C" of the boxed column values of one row; "<null row>" when the value flag is set.
inline std::string row_text(const ColumnBatch& b, size_t row, Side side = Side::kValue) {
  if ((side == Side::kValue ? b.value_null() : b.key_null())[row]) return "<null row>";
  std::string s;
  for (size_t c = 0; c < b.num_columns(); ++c) {
    if (c) s += '|';
    s += read_value(b.column(c), row).to_string();
  }
  return s;
}

inline std::vector<std::optional<std::string>> encode(const Format& format,
                                                      const std::vector<Column>& columns,
                                                      const ColumnBatch& batch,
                                                      Side side = Side::kValue,
                                                      const FormatOptions& options = {}) {
  auto enc = format.make_encoder(columns, side, options);
  EXPECT_TRUE(enc.is_ok()) << enc.status().to_string();
  EncodedRecords out;
  if (enc.is_ok()) {
    Status st = (*enc)->encode(batch, all_columns(columns.size()), out);
    EXPECT_TRUE(st.is_ok()) << st.to_string();
  }
  std::vector<std::optional<std::string>> result;
  for (size_t i = 0; i < out.size(); ++i) {
    RecordBytes r = out.record(i);
    if (r.null) {
      result.push_back(std::nullopt);
    } else {
      result.emplace_back(std::string(r.view()));
    }
  }
  return result;
}

// Tests of the Schema Registry formats: a registry in memory, and format options that use it for
// the topic "t".
class RegistryFormatTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = schema::SchemaRegistry::open(log_);
    ASSERT_TRUE(r.is_ok());
    registry_ = std::move(r).value();
    options_.registry = registry_.get();
    options_.topic = "t";
  }

  schema::MemorySchemaLog log_;
  std::unique_ptr<schema::SchemaRegistry> registry_;
  FormatOptions options_;
};

}  // namespace sluice::format::testing
