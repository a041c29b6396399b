#include "cli/line_reader.h"

#include <editline/readline.h>

#include <cstdlib>
#include <iostream>

namespace sluice::cli {

namespace {
constexpr int kHistoryEntries = 1000;
}

LineReader::LineReader(bool terminal) : terminal_(terminal) {
  if (!terminal_) return;
  using_history();
  stifle_history(kHistoryEntries);
  if (const char* home = std::getenv("HOME"); home && *home) {
    history_file_ = std::string(home) + "/.sluice_history";
    read_history(history_file_.c_str());  // a missing file is a first run, not an error
  }
}

LineReader::~LineReader() {
  if (terminal_ && !history_file_.empty()) write_history(history_file_.c_str());
}

std::optional<std::string> LineReader::read(const char* prompt) {
  if (!terminal_) {
    std::string line;
    if (!std::getline(std::cin, line)) return std::nullopt;
    return line;
  }
  char* line = readline(prompt);
  if (!line) return std::nullopt;
  std::string out(line);
  std::free(line);
  return out;
}

void LineReader::add_history(const std::string& entry) {
  if (terminal_ && !entry.empty()) ::add_history(entry.c_str());
}

}  // namespace sluice::cli
