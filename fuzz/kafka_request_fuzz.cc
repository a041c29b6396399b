// libFuzzer target: Kafka request frames (the bytes after the size prefix).
//
// Any input must parse or fail cleanly (no crash, no sanitizer report, no allocation beyond what
// the input justifies). What parses must re-encode, and the re-encoded frame must parse to the
// same header and body and re-encode to the same bytes (our encoding is canonical: unknown tags
// and trailing bytes are dropped, so only the second encoding is compared byte for byte).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "kafka/protocol/frame.h"

namespace {

[[noreturn]] void fail(const char* what, const sluice::Status& st) {
  std::fprintf(stderr, "kafka_request_fuzz: %s: %s\n", what, st.to_string().c_str());
  std::abort();
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): libFuzzer looks the entry point up by this name.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sluice;
  using namespace sluice::kafka;
  auto parsed = parse_request_frame(ByteSpan(data, size));
  if (!parsed.is_ok() || !parsed->ok()) return 0;

  auto encoded = encode_request(parsed->header, parsed->body);
  if (!encoded.is_ok()) fail("re-encoding a decoded request", encoded.status());
  auto again = parse_request_frame(ByteSpan(*encoded).subspan(4));
  if (!again.is_ok()) fail("re-parsing header", again.status());
  if (!again->ok()) fail("re-parsing body", again->status);
  if (!(again->header == parsed->header)) fail("header differs", Status::internal("header"));
  if (!(again->body == parsed->body)) fail("body differs", Status::internal("body"));
  auto encoded2 = encode_request(again->header, again->body);
  if (!encoded2.is_ok()) fail("second re-encoding", encoded2.status());
  if (*encoded2 != *encoded) fail("encoding not canonical", Status::internal("bytes"));
  return 0;
}
