// Internal to the JSON format: decoder and encoder factories and the shape rules they share.
#pragma once

#include <memory>
#include <vector>

#include "format/format.h"

namespace sluice::format::json_internal {

// Whether this side's columns sit in a JSON object ({"A": 1}) rather than being the whole JSON
// value (1): value sides with several columns, or one column and WRAP_SINGLE_VALUE unset/true;
// key sides only with several columns (ksqlDB keys are unwrapped when single).
bool is_wrapped(size_t num_columns, Side side, const FormatOptions& options);

std::unique_ptr<Decoder> make_decoder(std::vector<Column> columns, Side side, bool wrapped);
std::unique_ptr<Encoder> make_encoder(std::vector<Column> columns, Side side, bool wrapped);

}  // namespace sluice::format::json_internal
