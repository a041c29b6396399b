// Formats (src/format): any bytes decode or fail per record without crashing, and every record
// that decodes survives encode -> decode unchanged. The first input byte picks the format and
// schema; the rest is split into records at '\n' (JSON) or '\x1e' (DELIMITED, whose records may
// hold newlines).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "format/format.h"
#include "format/value.h"

using namespace sluice::format;

namespace {

std::vector<Column> json_columns() {
  return {{"ID", Type::bigint()},
          {"NAME", Type::string()},
          {"AMOUNT", Type::double_()},
          {"D", Type::decimal(10, 3)},
          {"TS", Type::timestamp()},
          {"B", Type::boolean()},
          {"RAW", Type::bytes()},
          {"TAGS", Type::array(Type::string())},
          {"M", Type::map(Type::string(), Type::integer())},
          {"S", Type::struct_({{"X", Type::integer()}, {"y", Type::array(Type::double_())}})}};
}

std::vector<Column> unwrapped_columns() {
  return {{"V", Type::array(Type::struct_({{"A", Type::integer()}, {"B", Type::string()}}))}};
}

std::vector<Column> delimited_columns() {
  return {{"ID", Type::bigint()},      {"NAME", Type::string()}, {"AMOUNT", Type::double_()},
          {"D", Type::decimal(10, 3)}, {"B", Type::boolean()},   {"I", Type::integer()}};
}

void check(const Format& format, const std::vector<Column>& columns, const FormatOptions& options,
           const std::vector<std::string_view>& records) {
  auto dec = format.make_decoder(columns, Side::kValue, options);
  auto enc = format.make_encoder(columns, Side::kValue, options);
  if (!dec.is_ok() || !enc.is_ok()) std::abort();
  std::vector<uint32_t> cols;
  for (uint32_t i = 0; i < columns.size(); ++i) cols.push_back(i);
  std::vector<RecordBytes> raw;
  raw.reserve(records.size());
  for (auto r : records) raw.push_back(RecordBytes::of(r));
  ColumnBatch first(columns, raw.size() + 1);
  DecodeErrors errors;
  (*dec)->decode(raw, first, 0, cols, errors);
  first.set_size(raw.size());
  first.exclude_rows(errors.rows());

  EncodedRecords encoded;
  if (!(*enc)->encode(first, cols, encoded).is_ok()) std::abort();
  if (encoded.size() != first.active_rows()) std::abort();
  std::vector<RecordBytes> again;
  for (size_t i = 0; i < encoded.size(); ++i) again.push_back(encoded.record(i));
  ColumnBatch second(columns, again.size() + 1);
  DecodeErrors errors2;
  (*dec)->decode(again, second, 0, cols, errors2);
  if (!errors2.empty()) {
    std::fprintf(stderr, "re-decode failed: %s\n", errors2.errors()[0].message.c_str());
    std::abort();
  }
  for (size_t i = 0; i < first.active_rows(); ++i) {
    uint32_t row = first.row(i);
    if (first.value_null()[row] != second.value_null()[i]) std::abort();
    for (size_t c = 0; c < columns.size(); ++c) {
      Value a = read_value(first.column(c), row);
      Value b = read_value(second.column(c), i);
      if (!(a == b)) {
        std::fprintf(stderr, "round trip changed column %zu: %s -> %s\n", c, a.to_string().c_str(),
                     b.to_string().c_str());
        std::abort();
      }
    }
  }
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): libFuzzer looks the entry point up by this name.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  int mode = data[0] % 3;
  std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  char sep = mode == 2 ? '\x1e' : '\n';
  std::vector<std::string_view> records;
  while (records.size() < 64) {
    size_t at = input.find(sep);
    records.push_back(input.substr(0, at));
    if (at == std::string_view::npos) break;
    input.remove_prefix(at + 1);
  }
  if (mode == 0) {
    check(json_format(), json_columns(), {}, records);
  } else if (mode == 1) {
    FormatOptions unwrapped;
    unwrapped.wrap_single_value = false;
    check(json_format(), unwrapped_columns(), unwrapped, records);
  } else {
    FormatOptions options;
    options.delimiter = data[0] & 4 ? '|' : ',';
    check(delimited_format(), delimited_columns(), options, records);
  }
  return 0;
}
