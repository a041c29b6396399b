// The JSON format's rules; the codecs are in json_decoder.cc and json_encoder.cc.
#include <fmt/format.h>

#include "format/format.h"
#include "format/format_util.h"
#include "format/json_internal.h"

namespace sluice::format {

namespace json_internal {

bool is_wrapped(size_t num_columns, Side side, const FormatOptions& options) {
  if (num_columns != 1) return true;
  if (side == Side::kKey) return false;
  return options.wrap_single_value.value_or(true);
}

}  // namespace json_internal

namespace {

bool has_non_string_map_key(const Type& t) {
  switch (t.id()) {
    case TypeId::kArray:
      return has_non_string_map_key(t.element());
    case TypeId::kMap:
      return t.key().id() != TypeId::kString || has_non_string_map_key(t.value());
    case TypeId::kStruct:
      for (const Field& f : t.fields()) {
        if (has_non_string_map_key(f.type)) return true;
      }
      return false;
    default:
      return false;
  }
}

class JsonFormat final : public Format {
 public:
  std::string_view name() const override { return "JSON"; }

  Status validate(std::span<const Column> columns, Side side,
                  const FormatOptions& options) const override {
    for (const Column& c : columns) {
      if (has_non_string_map_key(c.type)) {
        return Status::invalid_argument("JSON only supports MAP types with STRING keys");
      }
    }
    if (side == Side::kValue && options.wrap_single_value.has_value() && columns.size() != 1) {
      return Status::invalid_argument(
          "'WRAP_SINGLE_VALUE' is only valid for single-field value schemas");
    }
    return Status::ok();
  }

  Result<std::unique_ptr<Decoder>> make_decoder(std::vector<Column> columns, Side side,
                                                const FormatOptions& options) const override {
    SLUICE_RETURN_IF_ERROR(validate(columns, side, options));
    bool wrapped = json_internal::is_wrapped(columns.size(), side, options);
    return json_internal::make_decoder(std::move(columns), side, wrapped);
  }

  Result<std::unique_ptr<Encoder>> make_encoder(std::vector<Column> columns, Side side,
                                                const FormatOptions& options) const override {
    SLUICE_RETURN_IF_ERROR(validate(columns, side, options));
    bool wrapped = json_internal::is_wrapped(columns.size(), side, options);
    return json_internal::make_encoder(std::move(columns), side, wrapped);
  }
};

}  // namespace

const Format& json_format() {
  static const JsonFormat kFormat;
  return kFormat;
}

}  // namespace sluice::format
