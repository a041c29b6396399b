// A command running in the background while a test goes on (kcat -G members, a consumer waiting
// for data): its stdout and stderr go to files that the test reads while it runs.
//
// Thread-safety: none; one test thread owns a BackgroundCommand.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace sluice::testing {

class BackgroundCommand {
 public:
  // Starts argv (searched in PATH) with stdin from /dev/null; `out_prefix` + ".out"/".err" receive
  // its output.
  BackgroundCommand(const std::vector<std::string>& argv, const std::string& out_prefix);
  // Kills the command if it still runs.
  ~BackgroundCommand();
  BackgroundCommand(const BackgroundCommand&) = delete;
  BackgroundCommand& operator=(const BackgroundCommand&) = delete;

  // What the command has written so far.
  std::string out() const;
  std::string err() const;

  // Sends `sig` without waiting (SIGSTOP, SIGCONT, ...).
  void signal(int sig);
  // Sends `sig` and waits up to `timeout` for the exit (then SIGKILL); returns the wait status.
  int stop(int sig, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Waits up to `timeout` for the command to exit by itself (then SIGKILL); returns the wait
  // status.
  int wait(std::chrono::milliseconds timeout);
  bool running() const { return pid_ > 0; }

 private:
  pid_t pid_ = -1;
  std::string out_path_;
  std::string err_path_;
};

// Polls `done` every 50 ms until it returns true or `timeout` passes; returns its last answer.
bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout);

}  // namespace sluice::testing
