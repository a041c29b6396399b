#include "common/compression.h"

#include <lz4frame.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>

#include <fmt/format.h>

namespace sluice {
namespace {

constexpr uint8_t kXerialMagic[8] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};
constexpr size_t kXerialHeaderSize = 16;  // magic, version be32, compatible version be32
constexpr size_t kXerialBlockSize = size_t{32} * 1024;

// Grows `out` for a streaming decoder: doubles, but never past `max_output`. Returns false when
// the output is already at the limit (the input decompresses to more than allowed).
bool grow_output(std::vector<uint8_t>& out, size_t used, size_t max_output) {
  if (used >= max_output) return false;
  size_t next = std::max<size_t>(out.size() * 2, 4096);
  next = std::min(next, max_output);
  if (next <= used) next = std::min(used + 4096, max_output);
  out.resize(next);
  return true;
}

Status too_large(std::string_view codec, size_t max_output) {
  return Status::corruption(
      fmt::format("{} data decompresses to more than {} bytes", codec, max_output));
}

size_t initial_capacity(size_t input_size, size_t max_output) {
  return std::min(max_output, std::max<size_t>(input_size * 4, 4096));
}

// ---- gzip ----------------------------------------------------------------------------------

Result<std::vector<uint8_t>> gzip_compress(ByteSpan in, int level) {
  z_stream zs{};
  if (deflateInit2(&zs, level == 0 ? Z_DEFAULT_COMPRESSION : level, Z_DEFLATED, 15 + 16, 8,
                   Z_DEFAULT_STRATEGY) != Z_OK) {
    return Status::internal("gzip: deflateInit2 failed");
  }
  std::vector<uint8_t> out(deflateBound(&zs, in.size()) + 32);
  zs.next_in = const_cast<Bytef*>(in.data());
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = out.data();
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&zs, Z_FINISH);
  size_t produced = zs.total_out;
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) return Status::internal("gzip: deflate did not finish");
  out.resize(produced);
  return out;
}

Result<std::vector<uint8_t>> gzip_decompress(ByteSpan in, size_t max_output) {
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 32) != Z_OK) return Status::internal("gzip: inflateInit2 failed");
  std::unique_ptr<z_stream, int (*)(z_stream*)> guard(&zs, inflateEnd);
  std::vector<uint8_t> out(initial_capacity(in.size(), max_output));
  size_t used = 0;
  zs.next_in = const_cast<Bytef*>(in.data());
  zs.avail_in = static_cast<uInt>(in.size());
  while (true) {
    if (used == out.size() && !grow_output(out, used, max_output)) {
      return too_large("gzip", max_output);
    }
    zs.next_out = out.data() + used;
    zs.avail_out = static_cast<uInt>(out.size() - used);
    int rc = inflate(&zs, Z_NO_FLUSH);
    used = out.size() - zs.avail_out;
    if (rc == Z_STREAM_END) {
      // Another gzip member may follow (some writers concatenate); trailing zero padding is
      // tolerated as Java's GZIPInputStream does.
      const uint8_t* rest = zs.next_in;
      size_t left = zs.avail_in;
      if (left == 0 || std::all_of(rest, rest + left, [](uint8_t b) { return b == 0; })) break;
      if (inflateReset(&zs) != Z_OK) return Status::corruption("gzip: bad member");
      continue;
    }
    if (rc == Z_BUF_ERROR && zs.avail_in == 0) {
      return Status::corruption("gzip: truncated stream");
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      return Status::corruption(fmt::format("gzip: {}", zs.msg ? zs.msg : "invalid data"));
    }
    if (rc == Z_OK && zs.avail_in == 0 && zs.avail_out != 0) {
      return Status::corruption("gzip: truncated stream");
    }
  }
  out.resize(used);
  return out;
}

// ---- snappy --------------------------------------------------------------------------------

Result<std::vector<uint8_t>> snappy_compress(ByteSpan in) {
  std::vector<uint8_t> out(kXerialHeaderSize);
  std::memcpy(out.data(), kXerialMagic, 8);
  store_be32(out.data() + 8, 1);
  store_be32(out.data() + 12, 1);
  size_t pos = 0;
  do {
    size_t n = std::min(kXerialBlockSize, in.size() - pos);
    size_t at = out.size();
    out.resize(at + 4 + snappy::MaxCompressedLength(n));
    size_t clen = 0;
    snappy::RawCompress(reinterpret_cast<const char*>(in.data() + pos), n,
                        reinterpret_cast<char*>(out.data() + at + 4), &clen);
    store_be32(out.data() + at, static_cast<uint32_t>(clen));
    out.resize(at + 4 + clen);
    pos += n;
  } while (pos < in.size());
  return out;
}

// Appends one raw snappy block to `out`.
Status snappy_block(ByteSpan block, std::vector<uint8_t>& out, size_t max_output) {
  size_t ulen = 0;
  const char* src = reinterpret_cast<const char*>(block.data());
  if (!snappy::GetUncompressedLength(src, block.size(), &ulen)) {
    return Status::corruption("snappy: invalid block header");
  }
  if (ulen > max_output - out.size()) return too_large("snappy", max_output);
  size_t at = out.size();
  out.resize(at + ulen);
  if (!snappy::RawUncompress(src, block.size(), reinterpret_cast<char*>(out.data() + at))) {
    return Status::corruption("snappy: invalid block");
  }
  return Status::ok();
}

Result<std::vector<uint8_t>> snappy_decompress(ByteSpan in, size_t max_output) {
  std::vector<uint8_t> out;
  if (in.size() >= kXerialHeaderSize && std::memcmp(in.data(), kXerialMagic, 8) == 0) {
    size_t pos = kXerialHeaderSize;
    while (pos < in.size()) {
      if (in.size() - pos < 4) return Status::corruption("snappy: truncated xerial chunk header");
      uint32_t len = load_be32(in.data() + pos);
      pos += 4;
      if (len > in.size() - pos) return Status::corruption("snappy: truncated xerial chunk");
      SLUICE_RETURN_IF_ERROR(snappy_block(in.subspan(pos, len), out, max_output));
      pos += len;
    }
    return out;
  }
  SLUICE_RETURN_IF_ERROR(snappy_block(in, out, max_output));
  return out;
}

// ---- lz4 -----------------------------------------------------------------------------------

Result<std::vector<uint8_t>> lz4_compress(ByteSpan in, int level) {
  LZ4F_preferences_t prefs{};
  prefs.frameInfo.blockSizeID = LZ4F_max64KB;
  prefs.frameInfo.blockMode = LZ4F_blockIndependent;
  prefs.frameInfo.contentSize = in.size();
  prefs.compressionLevel = level;
  std::vector<uint8_t> out(LZ4F_compressFrameBound(in.size(), &prefs));
  size_t n = LZ4F_compressFrame(out.data(), out.size(), in.data(), in.size(), &prefs);
  if (LZ4F_isError(n)) {
    return Status::internal(fmt::format("lz4: {}", LZ4F_getErrorName(n)));
  }
  out.resize(n);
  return out;
}

Result<std::vector<uint8_t>> lz4_decompress(ByteSpan in, size_t max_output) {
  LZ4F_dctx* dctx = nullptr;
  if (LZ4F_isError(LZ4F_createDecompressionContext(&dctx, LZ4F_VERSION))) {
    return Status::internal("lz4: cannot create a decompression context");
  }
  std::unique_ptr<LZ4F_dctx, LZ4F_errorCode_t (*)(LZ4F_dctx*)> guard(dctx,
                                                                     LZ4F_freeDecompressionContext);
  std::vector<uint8_t> out(initial_capacity(in.size(), max_output));
  size_t used = 0;
  size_t pos = 0;
  size_t hint = 1;
  while (pos < in.size()) {
    if (used == out.size() && !grow_output(out, used, max_output)) {
      return too_large("lz4", max_output);
    }
    size_t dst = out.size() - used;
    size_t src = in.size() - pos;
    hint = LZ4F_decompress(dctx, out.data() + used, &dst, in.data() + pos, &src, nullptr);
    if (LZ4F_isError(hint)) {
      return Status::corruption(fmt::format("lz4: {}", LZ4F_getErrorName(hint)));
    }
    used += dst;
    pos += src;
    if (src == 0 && dst == 0 && used < out.size()) {
      return Status::corruption("lz4: decoder made no progress");
    }
  }
  // Flush whatever the decoder still holds (it may buffer a block's output).
  while (hint != 0) {
    if (used == out.size() && !grow_output(out, used, max_output)) {
      return too_large("lz4", max_output);
    }
    size_t dst = out.size() - used;
    size_t src = 0;
    hint = LZ4F_decompress(dctx, out.data() + used, &dst, nullptr, &src, nullptr);
    if (LZ4F_isError(hint)) {
      return Status::corruption(fmt::format("lz4: {}", LZ4F_getErrorName(hint)));
    }
    if (dst == 0) return Status::corruption("lz4: truncated frame");
    used += dst;
  }
  out.resize(used);
  return out;
}

// ---- zstd ----------------------------------------------------------------------------------

Result<std::vector<uint8_t>> zstd_compress(ByteSpan in, int level) {
  std::vector<uint8_t> out(ZSTD_compressBound(in.size()));
  size_t n = ZSTD_compress(out.data(), out.size(), in.data(), in.size(),
                           level == 0 ? ZSTD_CLEVEL_DEFAULT : level);
  if (ZSTD_isError(n)) return Status::internal(fmt::format("zstd: {}", ZSTD_getErrorName(n)));
  out.resize(n);
  return out;
}

Result<std::vector<uint8_t>> zstd_decompress(ByteSpan in, size_t max_output) {
  ZSTD_DCtx* dctx = ZSTD_createDCtx();
  if (dctx == nullptr) return Status::internal("zstd: cannot create a decompression context");
  std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> guard(dctx, ZSTD_freeDCtx);
  std::vector<uint8_t> out(initial_capacity(in.size(), max_output));
  ZSTD_inBuffer input{in.data(), in.size(), 0};
  size_t used = 0;
  size_t rc = 1;
  while (input.pos < input.size || rc != 0) {
    if (used == out.size() && !grow_output(out, used, max_output)) {
      return too_large("zstd", max_output);
    }
    ZSTD_outBuffer output{out.data(), out.size(), used};
    rc = ZSTD_decompressStream(dctx, &output, &input);
    if (ZSTD_isError(rc)) return Status::corruption(fmt::format("zstd: {}", ZSTD_getErrorName(rc)));
    used = output.pos;
    if (rc != 0 && input.pos == input.size && used < out.size()) {
      // All input consumed, output room left, and the frame is still incomplete.
      return Status::corruption("zstd: truncated frame");
    }
  }
  out.resize(used);
  return out;
}

}  // namespace

std::string_view compression_codec_name(CompressionCodec codec) {
  switch (codec) {
    case CompressionCodec::kNone:
      return "none";
    case CompressionCodec::kGzip:
      return "gzip";
    case CompressionCodec::kSnappy:
      return "snappy";
    case CompressionCodec::kLz4:
      return "lz4";
    case CompressionCodec::kZstd:
      return "zstd";
  }
  return "unknown";
}

Result<CompressionCodec> parse_compression_codec(std::string_view name) {
  for (auto c : {CompressionCodec::kNone, CompressionCodec::kGzip, CompressionCodec::kSnappy,
                 CompressionCodec::kLz4, CompressionCodec::kZstd}) {
    if (compression_codec_name(c) == name) return c;
  }
  return Status::invalid_argument(fmt::format("unknown compression type '{}'", name));
}

Result<std::vector<uint8_t>> compress(CompressionCodec codec, ByteSpan input, int level) {
  switch (codec) {
    case CompressionCodec::kNone:
      return std::vector<uint8_t>(input.begin(), input.end());
    case CompressionCodec::kGzip:
      return gzip_compress(input, level);
    case CompressionCodec::kSnappy:
      return snappy_compress(input);
    case CompressionCodec::kLz4:
      return lz4_compress(input, level);
    case CompressionCodec::kZstd:
      return zstd_compress(input, level);
  }
  return Status::unsupported(
      fmt::format("compression codec {}", static_cast<int>(static_cast<uint8_t>(codec))));
}

Result<std::vector<uint8_t>> decompress(CompressionCodec codec, ByteSpan input, size_t max_output) {
  switch (codec) {
    case CompressionCodec::kNone:
      if (input.size() > max_output) return too_large("uncompressed", max_output);
      return std::vector<uint8_t>(input.begin(), input.end());
    case CompressionCodec::kGzip:
      return gzip_decompress(input, max_output);
    case CompressionCodec::kSnappy:
      return snappy_decompress(input, max_output);
    case CompressionCodec::kLz4:
      return lz4_decompress(input, max_output);
    case CompressionCodec::kZstd:
      return zstd_decompress(input, max_output);
  }
  return Status::unsupported(
      fmt::format("compression codec {}", static_cast<int>(static_cast<uint8_t>(codec))));
}

}  // namespace sluice
