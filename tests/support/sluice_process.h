// Test support: runs `sluice serve` as a child process on free loopback ports with its own data
// directory, and runs external commands (kcat, node) capturing their output.
//
// Thread-safety: none; one test thread owns a SluiceProcess.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace sluice::testing {

// Returns a TCP port that was free a moment ago on 127.0.0.1.
uint16_t free_port();

// A fresh empty directory under /tmp, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Server flags for tests whose consumer groups form from empty: the first join waits 100 ms for
// more members instead of Kafka's default 3 s (group.initial.rebalance.delay.ms), which would
// otherwise be waited out at every start of a group. Tests that keep the default say so.
inline const std::vector<std::string> kShortRebalanceDelay = {"--group-initial-rebalance-delay-ms",
                                                              "100"};

class SluiceProcess {
 public:
  // `extra_args` are appended to `sluice serve --data-dir DIR --kafka-listen ... --http-listen
  // ...`.
  explicit SluiceProcess(std::string data_dir, std::vector<std::string> extra_args = {});
  ~SluiceProcess();

  // Starts the server and waits until both ports accept connections (fails the test otherwise).
  void start();
  // SIGTERM, then wait; returns the exit status (as from waitpid).
  int stop();
  // SIGKILL, then wait.
  void kill();
  bool running() const { return pid_ > 0; }
  // The server's process id (for SIGSTOP/SIGCONT), -1 when it is not running.
  pid_t pid() const { return pid_; }

  std::string bootstrap() const { return "127.0.0.1:" + std::to_string(kafka_port_); }
  uint16_t kafka_port() const { return kafka_port_; }
  uint16_t http_port() const { return http_port_; }
  uint16_t schema_registry_port() const { return schema_registry_port_; }
  const std::string& log_path() const { return log_path_; }

 private:
  std::string data_dir_;
  std::vector<std::string> extra_args_;
  uint16_t kafka_port_;
  uint16_t http_port_;
  uint16_t schema_registry_port_;
  std::string log_path_;
  pid_t pid_ = -1;
};

struct CommandResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs argv with `input` on stdin; kills it after `timeout_ms`.
CommandResult run_command(const std::vector<std::string>& argv, const std::string& input = "",
                          int timeout_ms = 60000);

// Runs the one test of a node:test `script` whose name matches `pattern` (node --test-name-pattern)
// with `args`, and expects it to have run and passed (node:test's TAP summary).
void expect_node_test_passes(const std::string& script, const std::string& pattern,
                             const std::vector<std::string>& args);
// A test-name pattern as a gtest parameter name ("register, fetch" -> "register__fetch").
std::string param_name(const std::string& pattern);

// The non-empty lines of `text`.
std::vector<std::string> non_empty_lines(const std::string& text);

// Absolute path of the sluice binary under test (SLUICE_TEST_BINARY overrides it).
std::string sluice_binary();

// Blocking HTTP GET on 127.0.0.1:port; returns the body ("" on error).
std::string http_get(uint16_t port, const std::string& path);

}  // namespace sluice::testing
