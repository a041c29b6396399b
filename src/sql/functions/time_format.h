// Timestamps as text in Java DateTimeFormatter-style patterns ("yyyy-MM-dd'T'HH:mm:ss.SSSX")
// and named time zones, for the date/time functions and the TIMESTAMP_FORMAT property. Backed by
// ICU, whose SimpleDateFormat patterns and zone data match Java's for the letters ksqlDB users
// write (y M d H h m s S a E z Z X VV).
//
// Thread-safety: free functions; formatters are cached per thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::sql {

// Formats ms since the epoch in `zone` (an IANA id like "America/Los_Angeles", or "UTC").
// nullopt when the pattern or the zone is invalid.
std::optional<std::string> format_timestamp(int64_t ms, std::string_view pattern,
                                            std::string_view zone = "UTC");

// Parses text that must match the pattern completely; fields the pattern lacks default to the
// epoch (1970-01-01T00:00:00.000) in `zone`. nullopt when the text does not match.
// With allow_trailing, text after the matched prefix is ignored (java.text.SimpleDateFormat,
// which ksqlDB's PARSE_DATE uses).
std::optional<int64_t> parse_timestamp(std::string_view text, std::string_view pattern,
                                       std::string_view zone = "UTC", bool allow_trailing = false);

// True when ICU knows the zone id.
bool is_valid_zone(std::string_view zone);

}  // namespace sluice::sql
