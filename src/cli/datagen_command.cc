// `sluice datagen nexmark --events N --out FILE`: writes Nexmark events as JSON lines (the
// format connect/datagen/nexmark.h documents), so that other engines can run on identical data.
// The generation figures (events/s, MB/s) go to stderr, so `--out -` keeps stdout clean.
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "common/clock.h"
#include "connect/datagen/nexmark.h"

namespace sluice::cli {

namespace {

struct DatagenOptions {
  int64_t events = 0;
  std::string out = "-";
  uint64_t seed = 42;
  double rate = 10'000;
  int64_t base_time_ms = 1'700'000'000'000;
};

int run_nexmark(const DatagenOptions& opts) {
  if (opts.events <= 0) {
    std::fprintf(stderr, "datagen: --events must be positive\n");
    return 2;
  }
  if (!(opts.rate > 0)) {
    std::fprintf(stderr, "datagen: --rate must be positive\n");
    return 2;
  }
  bool to_stdout = opts.out == "-";
  FILE* f = to_stdout ? stdout : std::fopen(opts.out.c_str(), "wb");
  if (!f) {
    std::fprintf(stderr, "datagen: cannot open %s: %s\n", opts.out.c_str(), std::strerror(errno));
    return 1;
  }
  connect::nexmark::NexmarkConfig cfg;
  cfg.seed = opts.seed;
  cfg.events_per_second = opts.rate;
  cfg.base_time_ms = opts.base_time_ms;
  cfg.max_events = opts.events;
  connect::nexmark::NexmarkGenerator gen(cfg);

  constexpr size_t kChunk = 16384;  // events per write: ~2 MB of JSON
  std::string buf;
  uint64_t bytes = 0;
  int64_t written = 0;
  double start = monotonic_seconds();
  bool ok = true;
  while (written < opts.events) {
    buf.clear();
    size_t n = gen.next_json_lines(buf, kChunk);
    if (n == 0) break;
    if (std::fwrite(buf.data(), 1, buf.size(), f) != buf.size()) {
      ok = false;
      break;
    }
    written += static_cast<int64_t>(n);
    bytes += buf.size();
  }
  if (std::fflush(f) != 0) ok = false;
  if (!to_stdout && std::fclose(f) != 0) ok = false;
  if (!ok) {
    std::fprintf(stderr, "datagen: writing %s failed: %s\n", opts.out.c_str(),
                 std::strerror(errno));
    return 1;
  }
  double secs = std::max(monotonic_seconds() - start, 1e-9);
  std::fprintf(stderr,
               "nexmark events=%lld bytes=%llu seconds=%.3f events_per_sec=%.0f "
               "mb_per_sec=%.1f\n",
               static_cast<long long>(written), static_cast<unsigned long long>(bytes), secs,
               static_cast<double>(written) / secs, static_cast<double>(bytes) / secs / 1e6);
  return 0;
}

}  // namespace

void add_datagen_command(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("datagen", "Generate benchmark data");
  cmd->require_subcommand(1);
  auto opts = std::make_shared<DatagenOptions>();
  CLI::App* nexmark = cmd->add_subcommand(
      "nexmark", "Nexmark events (person/auction/bid, 1:3:46) as JSON lines, one per event");
  nexmark->add_option("--events", opts->events, "Number of events")->required();
  nexmark->add_option("--out", opts->out, "Output file, '-' for stdout")->capture_default_str();
  nexmark->add_option("--seed", opts->seed, "Random seed (equal seeds give equal events)")
      ->capture_default_str();
  nexmark->add_option("--rate", opts->rate, "Events per second of event time (dateTime spacing)")
      ->capture_default_str();
  nexmark->add_option("--base-time", opts->base_time_ms, "dateTime of the first event (epoch ms)")
      ->capture_default_str();
  nexmark->callback([opts] { set_exit_code(run_nexmark(*opts)); });
}

}  // namespace sluice::cli
