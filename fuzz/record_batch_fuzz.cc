// RecordBatch v2 parsing and Kafka decompression (src/storage/record_batch,
// src/common/compression): any bytes parse, validate and iterate or fail cleanly, within a bounded
// amount of memory; a batch that validates keeps validating after the log rewrites its offset
// fields.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/compression.h"
#include "storage/record_batch.h"

// NOLINTNEXTLINE(readability-identifier-naming): libFuzzer looks the entry point up by this name.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sluice;
  ByteSpan in(data, size);
  size_t pos = 0;
  while (pos < in.size()) {
    auto view = RecordBatchView::parse_first(in.subspan(pos));
    if (!view.is_ok()) break;
    pos += view->size();
    bool valid = view->validate().is_ok();
    auto reader = RecordReader::open(*view, 1 << 20);
    if (reader.is_ok()) {
      Record r;
      int n = 0;
      while (reader->next(r) && n < 100000) ++n;
    }
    if (valid) {
      std::vector<uint8_t> copy(view->bytes().begin(), view->bytes().end());
      set_base_offset(copy, 12345);
      set_partition_leader_epoch(copy, 7);
      if (!RecordBatchView::parse_first(copy)->validate().is_ok()) __builtin_trap();
      set_log_append_time(copy, 99);
      if (!RecordBatchView::parse_first(copy)->validate().is_ok()) __builtin_trap();
    }
  }
  if (size > 0) {
    auto codec = static_cast<CompressionCodec>(data[0] % 5);
    decompress(codec, in.subspan(1), 1 << 20).ignore_error();
  }
  return 0;
}
