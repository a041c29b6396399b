// Crash test: a child process (storage_crash_helper) appends with fsync=always and reports every
// acknowledged batch over a pipe; we SIGKILL it at random moments, reopen the log each time and
// check that every acknowledged batch is there byte for byte and that every readable batch is
// whole and valid. Every few rounds we also damage the tail on purpose (cut the last batch, flip
// a byte in it, append garbage) and check that recovery truncates exactly that.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <random>
#include <sstream>
#include <thread>

#include "storage/log_manager.h"
#include "storage/tests/test_util.h"

#ifndef STORAGE_CRASH_HELPER
#error "STORAGE_CRASH_HELPER must name the helper binary"
#endif

namespace sluice {
namespace {

struct Acked {
  int64_t last;
  uint64_t hash;
};

uint64_t fnv1a(ByteSpan b) {
  uint64_t h = 1469598103934665603ull;
  for (uint8_t c : b) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

struct LogState {
  std::map<int64_t, std::pair<int64_t, uint64_t>> batches;  // base -> (last, hash)
  int64_t leo = 0;
  uint64_t last_batch_size = 0;
};

// Opens the log as the broker would after a crash and reads every batch.
LogState read_log(const std::string& dir) {
  LogState s;
  LogDefaults d;
  d.fsync = FsyncPolicy::kAlways;
  d.segment_bytes = int64_t{256} * 1024;
  auto m = LogManager::open(posix_file_system(), dir, d);
  EXPECT_TRUE(m.is_ok()) << m.status().to_string();
  if (!m.is_ok()) return s;
  Partition* p = (*m)->partition("crash", 0);
  if (p == nullptr) return s;  // killed before it created the topic
  s.leo = p->log_end_offset().value();
  EXPECT_EQ(p->high_watermark(), p->log_end_offset());
  Offset next = p->log_start_offset();
  while (next < p->high_watermark()) {
    auto r = p->read(next, size_t{256} * 1024, p->high_watermark());
    EXPECT_TRUE(r.is_ok()) << r.status().to_string();
    if (!r.is_ok() || r->empty()) break;
    std::vector<uint8_t> buf;
    EXPECT_TRUE(r->copy_to(buf).is_ok());
    auto views = split_batches(buf);
    EXPECT_TRUE(views.is_ok()) << "a partial batch was readable";
    if (!views.is_ok()) break;
    for (const auto& v : *views) {
      EXPECT_TRUE(v.validate().is_ok()) << v.validate().to_string();
      EXPECT_GE(v.base_offset(), next.value());
      s.batches[v.base_offset()] = {v.last_offset(), fnv1a(v.bytes())};
      s.last_batch_size = v.size();
      next = Offset(v.last_offset() + 1);
    }
  }
  EXPECT_EQ(next, p->log_end_offset());
  return s;
}

void check_acked(const LogState& s, const std::map<int64_t, Acked>& acked, int round) {
  for (const auto& [base, a] : acked) {
    auto it = s.batches.find(base);
    ASSERT_NE(it, s.batches.end()) << "round " << round << ": acknowledged batch at " << base
                                   << " is missing (log end " << s.leo << ")";
    EXPECT_EQ(it->second.first, a.last) << "round " << round << " offset " << base;
    EXPECT_EQ(it->second.second, a.hash)
        << "round " << round << ": batch at " << base << " differs from what was acknowledged";
  }
}

std::string last_segment(const std::string& dir) {
  std::string pdir = dir + "/topics/crash/0";
  auto names = posix_file_system().list(pdir).value();
  std::string last;
  for (const auto& n : names) {
    if (parse_segment_file_name(n) >= 0) last = n;
  }
  return pdir + "/" + last;
}

TEST(CrashTest, SigkillNeverLosesAcknowledgedBatches) {
  testing::TempDir dir;
  uint64_t seed = std::random_device{}();
  if (const char* s = std::getenv("SLUICE_CRASH_SEED")) seed = std::strtoull(s, nullptr, 10);
  std::printf("crash test seed %llu (set SLUICE_CRASH_SEED to replay)\n",
              static_cast<unsigned long long>(seed));
  std::mt19937_64 rng(seed);
  std::map<int64_t, Acked> acked;
  int kills = 0, corruptions = 0;
  constexpr int kRounds = 60;
  for (int round = 0; round < kRounds; ++round) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      std::string seed_arg = std::to_string(seed + static_cast<uint64_t>(round) * 7919);
      std::string fd_arg = std::to_string(fds[1]);
      ::execl(STORAGE_CRASH_HELPER, STORAGE_CRASH_HELPER, dir.path().c_str(), seed_arg.c_str(),
              fd_arg.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(fds[1]);
    // The random delay counts from the helper's first acknowledgement (5 s at most): on a loaded
    // machine, or under ASan, starting it can take longer than the whole delay, and a round that
    // kills it before it writes proves nothing.
    std::string text;
    char buf[65536];
    ssize_t n;
    pollfd first{fds[0], POLLIN, 0};
    if (::poll(&first, 1, 5000) > 0 && (n = ::read(fds[0], buf, sizeof(buf))) > 0) {
      text.append(buf, static_cast<size_t>(n));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(15 + rng() % 120));
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "the helper stopped by itself (status " << status << "): see its stderr";
    ++kills;
    while ((n = ::read(fds[0], buf, sizeof(buf))) > 0) text.append(buf, static_cast<size_t>(n));
    ::close(fds[0]);
    std::istringstream lines(text);
    int64_t base, last;
    uint64_t hash;
    while (lines >> base >> last >> hash) acked[base] = {last, hash};

    LogState s = read_log(dir.path());
    check_acked(s, acked, round);
    if (::testing::Test::HasFatalFailure()) return;

    // Damage the tail on purpose every fifth round.
    if (round % 5 == 4 && !s.batches.empty() && s.last_batch_size > 0) {
      std::string seg = last_segment(dir.path());
      auto f = posix_file_system().open(seg, OpenMode::kReadWrite).value();
      uint64_t size = f->size().value();
      if (size < s.last_batch_size) continue;  // the last batch is in an earlier segment
      int64_t last_base = s.batches.rbegin()->first;
      uint64_t batch_pos = size - s.last_batch_size;
      int64_t expect_leo = last_base;
      switch ((round / 5) % 3) {
        case 0:  // torn write: cut the last batch in the middle
          ASSERT_TRUE(f->truncate(batch_pos + 1 + rng() % (s.last_batch_size - 1)).is_ok());
          break;
        case 1: {  // bit rot in the last batch
          uint64_t pos = batch_pos + 21 + rng() % (s.last_batch_size - 21);
          uint8_t b;
          ASSERT_EQ(f->pread(pos, &b, 1).value(), 1u);
          b ^= static_cast<uint8_t>(1 + rng() % 255);
          ASSERT_TRUE(f->pwrite(pos, ByteSpan(&b, 1)).is_ok());
          break;
        }
        default: {  // garbage after the last batch: nothing valid is lost
          std::vector<uint8_t> junk(1 + rng() % 200);
          for (auto& c : junk) c = static_cast<uint8_t>(rng());
          ASSERT_TRUE(f->pwrite(size, junk).is_ok());
          expect_leo = s.leo;
          break;
        }
      }
      f.reset();
      ++corruptions;
      LogState after = read_log(dir.path());
      EXPECT_EQ(after.leo, expect_leo) << "round " << round;
      EXPECT_EQ(posix_file_system().open(seg, OpenMode::kRead).value()->size().value(),
                expect_leo == s.leo ? size : batch_pos)
          << "recovery must cut the file back to the last whole batch";
      // The batch we destroyed is gone (its offsets will be reused by the next run).
      acked.erase(acked.lower_bound(expect_leo), acked.end());
      check_acked(after, acked, round);
      if (::testing::Test::HasFatalFailure()) return;
    }
  }
  EXPECT_GE(kills, 50);
  EXPECT_GE(corruptions, 6);
  EXPECT_GT(acked.size(), 200u) << "the helper acknowledged too little to prove anything";
  std::printf("crash test: %d kills, %d deliberate corruptions, %zu acknowledged batches\n", kills,
              corruptions, acked.size());
}

}  // namespace
}  // namespace sluice
