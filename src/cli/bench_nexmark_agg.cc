#include "cli/bench_nexmark_agg.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <filesystem>
#include <iterator>
#include <map>
#include <optional>
#include <sstream>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace sluice::cli {

std::array<char, 8> kafka_bigint_key(int64_t v) {
  std::array<char, 8> key;
  auto u = static_cast<uint64_t>(v);
  for (int i = 7; i >= 0; --i, u >>= 8) key[static_cast<size_t>(i)] = static_cast<char>(u & 0xff);
  return key;
}

namespace {

std::optional<int64_t> decode_bigint_key(const std::optional<std::string>& key) {
  if (!key || key->size() != 8) return std::nullopt;
  uint64_t u = 0;
  for (char c : *key) u = (u << 8) | static_cast<uint8_t>(c);
  return static_cast<int64_t>(u);
}

// Quotes `s` for sh.
std::string shell_quote(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

}  // namespace

void AggExpectation::add_bid(int64_t auction, int64_t price) {
  ++bids_;
  AuctionBids& a = auctions_[auction];
  a.max_price = a.count == 0 ? price : std::max(a.max_price, price);
  ++a.count;
  a.price_sum += price;
}

int64_t AggExpectation::max_price_sum() const {
  int64_t sum = 0;
  for (const auto& [auction, a] : auctions_) sum += a.max_price;
  return sum;
}

std::string AggExpectation::check(const sql::TopicStore& store, const std::string& topic,
                                  int32_t partitions) const {
  // The table's final row per auction: the last record of its key. A key is in one partition
  // only (the input is partitioned by auction, so one engine owns each group).
  struct Last {
    std::string value;
    int32_t partition = 0;
    int64_t offset = 0;
    int64_t records = 0;  // of this key, in every partition
  };
  std::unordered_map<int64_t, Last> last;
  last.reserve(auctions_.size());
  constexpr size_t kReadRecords = 65536;
  for (int32_t p = 0; p < partitions; ++p) {
    for (int64_t from = 0;;) {
      auto records = store.read(topic, p, from, kReadRecords);
      if (!records) return records.status().to_string();
      if (records->empty()) break;
      for (sql::TopicRecord& r : *records) {
        std::optional<int64_t> auction = decode_bigint_key(r.key);
        if (!auction) {
          return fmt::format("partition {} offset {}: key is not a BIGINT", p, r.offset);
        }
        auto [it, inserted] = last.try_emplace(*auction);
        if (inserted && last.size() > auctions_.size() + 1) {
          return fmt::format("more keys than the {} auctions", auctions_.size());
        }
        it->second.value = std::move(r.value).value_or("null");
        it->second.partition = p;
        it->second.offset = r.offset;
        ++it->second.records;
      }
      from = records->back().offset + 1;
    }
  }
  if (last.size() != auctions_.size()) {
    return fmt::format("{} keys in the output, {} auctions in the bids", last.size(),
                       auctions_.size());
  }
  for (const auto& entry : auctions_) {
    // (Not a structured binding: clang 14 cannot capture one in the lambda below.)
    const int64_t auction = entry.first;
    const AuctionBids& want = entry.second;
    auto it = last.find(auction);
    if (it == last.end()) return fmt::format("auction {} is missing", auction);
    const Last& got = it->second;
    nlohmann::json j = nlohmann::json::parse(got.value, nullptr, false);
    double avg = static_cast<double>(want.price_sum) / static_cast<double>(want.count);
    auto mismatch = [&] {
      return fmt::format(
          "auction {}: final value {} (partition {} offset {}, the last of {} records of its key), "
          "expected BIDS {} MAX_PRICE {} AVG_PRICE {}",
          auction, got.value, got.partition, got.offset, got.records, want.count, want.max_price,
          avg);
    };
    if (!j.is_object() || !j.contains("BIDS") || !j.contains("MAX_PRICE") ||
        !j.contains("AVG_PRICE") || !j["BIDS"].is_number_integer() ||
        !j["MAX_PRICE"].is_number_integer() || !j["AVG_PRICE"].is_number()) {
      return mismatch();
    }
    if (j["BIDS"].get<int64_t>() != want.count || j["MAX_PRICE"].get<int64_t>() != want.max_price ||
        std::abs(j["AVG_PRICE"].get<double>() - avg) > 1e-12 * std::abs(avg)) {
      return mismatch();
    }
  }
  return "";
}

BidsCsv::~BidsCsv() {
  if (file_) std::fclose(file_);
  if (!path_.empty()) ::unlink(path_.c_str());
}

Status BidsCsv::open() {
  std::string tmpl =
      (std::filesystem::temp_directory_path() / "sluice-bench-bids-XXXXXX.csv").string();
  int fd = ::mkstemps(tmpl.data(), 4);
  if (fd < 0) return Status::from_errno(errno, "bench: mkstemps");
  path_ = tmpl;
  file_ = ::fdopen(fd, "w");
  if (!file_) {
    int err = errno;
    ::close(fd);
    return Status::from_errno(err, "bench: fdopen");
  }
  buf_ = "auction,price\n";
  return Status::ok();
}

void BidsCsv::add(int64_t auction, int64_t price) {
  fmt::format_to(std::back_inserter(buf_), "{},{}\n", auction, price);
  if (buf_.size() >= (size_t{1} << 20)) flush().ignore_error();  // close() reports a failure
}

Status BidsCsv::flush() {
  if (!file_) return Status::internal("bench: the bids CSV is not open");
  if (!buf_.empty() && std::fwrite(buf_.data(), 1, buf_.size(), file_) != buf_.size()) {
    return Status::from_errno(errno, "bench: writing " + path_);
  }
  buf_.clear();
  return Status::ok();
}

Status BidsCsv::close() {
  SLUICE_RETURN_IF_ERROR(flush());
  bool failed = std::ferror(file_) != 0;
  failed |= std::fclose(file_) != 0;
  file_ = nullptr;
  if (failed) return Status::io_error("bench: writing " + path_);
  return Status::ok();
}

Result<std::map<std::string, std::string>> run_duckdb_script(const std::string& script,
                                                             const std::vector<std::string>& args) {
  std::error_code ec;
  if (!std::filesystem::exists(script, ec)) {
    return Status::not_found(fmt::format("no script {}", script));
  }
  std::string cmd = "node " + shell_quote(script);
  for (const std::string& a : args) cmd += " " + shell_quote(a);
  cmd += " 2>&1";
  std::FILE* pipe = ::popen(cmd.c_str(), "r");
  if (!pipe) return Status::from_errno(errno, "popen node");
  std::string out;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof(buf), pipe)) > 0;) out.append(buf, n);
  int status = ::pclose(pipe);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  if (status != 0) {
    std::string how = WIFEXITED(status) ? fmt::format("exit status {}", WEXITSTATUS(status))
                                        : fmt::format("wait status {}", status);
    return Status::unsupported(fmt::format("`{}` failed ({}): {}", cmd, how, out));
  }
  std::map<std::string, std::string> fields;
  std::istringstream words(out);
  for (std::string field; words >> field;) {
    size_t eq = field.find('=');
    if (eq != std::string::npos) fields[field.substr(0, eq)] = field.substr(eq + 1);
  }
  if (fields.empty()) return Status::unsupported(out.empty() ? "no output from node" : out);
  return fields;
}

Result<DuckDbGroupBy> run_duckdb_groupby(const std::string& script, const std::string& csv) {
  SLUICE_ASSIGN_OR_RETURN(auto fields, run_duckdb_script(script, {csv}));
  auto field = [&](const char* name) {
    auto it = fields.find(name);
    return it == fields.end() ? std::string() : it->second;
  };
  DuckDbGroupBy r;
  std::string ms = field("duckdb_groupby_ms");
  char* end = nullptr;
  r.ms = std::strtod(ms.c_str(), &end);
  if (ms.empty() || end == ms.c_str()) {
    return Status::unsupported(fields.count("duckdb") ? "duckdb=" + field("duckdb")
                                                      : "no timing from node");
  }
  r.groups = std::strtoull(field("groups").c_str(), nullptr, 10);
  r.bids = std::strtoull(field("bids").c_str(), nullptr, 10);
  r.max_price_sum = std::strtoll(field("max_price_sum").c_str(), nullptr, 10);
  r.version = field("duckdb_version");
  return r;
}

}  // namespace sluice::cli
