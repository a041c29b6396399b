// Formats (src/format): any bytes decode or fail per record without crashing, and every record
// that decodes survives encode -> decode unchanged. The first input byte picks the format and
// schema; the rest is split into records at '\n' (JSON, AVRO, PROTOBUF) or '\x1e' (DELIMITED,
// whose records may hold newlines). AVRO and PROTOBUF records get Confluent's header naming the
// schema the encoder registered in an in-memory registry, so the bytes reach the decoders.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "format/avro_format.h"
#include "format/format.h"
#include "format/protobuf_format.h"
#include "format/value.h"
#include "schema/avro_binary.h"
#include "schema/registry.h"

using namespace sluice::format;
namespace schema = sluice::schema;

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
  // Rows a format cannot write (PROTOBUF: a NULL array element) are left out of the round trip.
  std::vector<uint32_t> kept;
  size_t next_error = 0;
  for (size_t i = 0; i < encoded.size(); ++i) {
    if (next_error < encoded.errors().size() && encoded.errors()[next_error].row == i) {
      ++next_error;
      continue;
    }
    kept.push_back(static_cast<uint32_t>(i));
  }
  std::vector<RecordBytes> again;
  for (uint32_t i : kept) again.push_back(encoded.record(i));
  ColumnBatch second(columns, again.size() + 1);
  DecodeErrors errors2;
  (*dec)->decode(again, second, 0, cols, errors2);
  if (!errors2.empty()) {
    std::fprintf(stderr, "re-decode failed: %s\n", errors2.errors()[0].message.c_str());
    std::abort();
  }
  for (size_t i = 0; i < kept.size(); ++i) {
    uint32_t row = first.row(kept[i]);
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

// The registry the AVRO and PROTOBUF codecs share across runs (their encoders register the
// schema once, each format under its own topic; later registrations of it find it).
FormatOptions registry_options(const Format& format) {
  static schema::MemorySchemaLog* log = new schema::MemorySchemaLog();
  static schema::SchemaRegistry* registry = schema::SchemaRegistry::open(*log)->release();
  FormatOptions options;
  options.registry = registry;
  options.topic = "fuzz-" + std::string(format.name());
  return options;
}

// The records with the header of the schema `format` registers for the JSON columns.
std::vector<std::string> with_header(const Format& format, const FormatOptions& options,
                                     const std::vector<std::string_view>& records) {
  auto enc = format.make_encoder(json_columns(), Side::kValue, options);
  if (!enc.is_ok()) std::abort();
  auto latest = options.registry->get_version(options.topic + "-value", "latest", false);
  std::vector<std::string> out;
  for (auto r : records) {
    std::string rec;
    if (&format == &protobuf_format()) {
      write_protobuf_header(latest.value->id, std::vector<int>{0}, rec);
    } else {
      schema::write_confluent_header(latest.value->id, rec);
    }
    rec += r;
    out.push_back(std::move(rec));
  }
  return out;
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): libFuzzer looks the entry point up by this name.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  int mode = data[0] % 6;
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
  } else if (mode == 2) {
    FormatOptions options;
    options.delimiter = data[0] & 4 ? '|' : ',';
    check(delimited_format(), delimited_columns(), options, records);
  } else if (mode == 5) {
    // PROTOBUF_NOSR: the bare message of the schema generated from the columns.
    check(protobuf_nosr_format(), json_columns(), {}, records);
  } else {
    const Format& format = mode == 3 ? avro_format() : protobuf_format();
    FormatOptions options = registry_options(format);
    std::vector<std::string> framed = with_header(format, options, records);
    std::vector<std::string_view> views(framed.begin(), framed.end());
    check(format, json_columns(), options, views);
  }
  return 0;
}
