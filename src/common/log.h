// Logging: readable lines with a timestamp, level and logger name, through spdlog.
// Thread-safety: spdlog's loggers are thread-safe; init_logging is called once at start-up.
#pragma once

#include <spdlog/spdlog.h>

#include <string_view>

namespace sluice {

// Sets the global level ("trace", "debug", "info", "warn", "error") and the line pattern.
// Returns false for an unknown level name.
bool init_logging(std::string_view level);

}  // namespace sluice
