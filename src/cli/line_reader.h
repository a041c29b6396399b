// LineReader: the shell's input. On a terminal: libedit (BSD licence) for line editing and
// history, kept in ~/.sluice_history; otherwise plain lines from stdin with no prompt, so that
// piped input and its output stay clean.
//
// Thread-safety: none; one per process (libedit's readline interface has global state).
#pragma once

#include <optional>
#include <string>

namespace sluice::cli {

class LineReader {
 public:
  explicit LineReader(bool terminal);
  ~LineReader();  // saves the history
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  // The next line without its newline; nullopt at end of input (or when a signal interrupted
  // the read: the caller looks at its interrupt flag).
  std::optional<std::string> read(const char* prompt);
  void add_history(const std::string& entry);
  bool terminal() const { return terminal_; }

 private:
  bool terminal_;
  std::string history_file_;
};

}  // namespace sluice::cli
