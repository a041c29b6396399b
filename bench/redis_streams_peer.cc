#include "bench/redis_streams_peer.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <thread>

namespace sluice::bench {

RespClient::~RespClient() {
  if (fd_ >= 0) ::close(fd_);
}

bool RespClient::connect(uint16_t port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) return false;
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return true;
}

void RespClient::append(std::initializer_list<std::string_view> args) {
  out_ += '*';
  out_ += std::to_string(args.size());
  out_ += "\r\n";
  for (std::string_view a : args) {
    out_ += '$';
    out_ += std::to_string(a.size());
    out_ += "\r\n";
    out_.append(a.data(), a.size());
    out_ += "\r\n";
  }
}

bool RespClient::flush() {
  size_t done = 0;
  while (done < out_.size()) {
    ssize_t n = ::send(fd_, out_.data() + done, out_.size() - done, MSG_NOSIGNAL);
    if (n <= 0) {
      if (n < 0 && errno == EINTR) continue;
      return false;
    }
    done += static_cast<size_t>(n);
  }
  out_.clear();
  return true;
}

bool RespClient::fill() {
  if (rpos_ > 0 && rpos_ == wpos_) rpos_ = wpos_ = 0;
  if (wpos_ == in_.size()) {
    if (rpos_ > in_.size() / 2) {
      std::memmove(in_.data(), in_.data() + rpos_, wpos_ - rpos_);
      wpos_ -= rpos_;
      rpos_ = 0;
    } else {
      in_.resize(in_.size() * 2);
    }
  }
  while (true) {
    ssize_t n = ::recv(fd_, in_.data() + wpos_, in_.size() - wpos_, 0);
    if (n > 0) {
      wpos_ += static_cast<size_t>(n);
      return true;
    }
    if (n < 0 && errno == EINTR) continue;
    return false;
  }
}

int RespClient::parse(size_t& pos) {
  if (pos >= wpos_) return 0;
  const char* base = in_.data();
  const char* eol = static_cast<const char*>(std::memchr(base + pos, '\r', wpos_ - pos));
  if (!eol || eol + 1 >= base + wpos_) return 0;
  char type = base[pos];
  std::string_view line(base + pos + 1, static_cast<size_t>(eol - (base + pos + 1)));
  size_t after = static_cast<size_t>(eol - base) + 2;
  size_t index = nodes_.size();
  nodes_.push_back(RespNode{type, {}, 0, 1});
  switch (type) {
    case '+':
    case '-':
      nodes_[index].text = line;
      pos = after;
      return 1;
    case ':':
    case '$':
    case '*': {
      int64_t v = 0;
      bool neg = !line.empty() && line[0] == '-';
      for (size_t i = neg ? 1 : 0; i < line.size(); ++i) v = v * 10 + (line[i] - '0');
      if (neg) v = -v;
      nodes_[index].integer = v;
      pos = after;
      if (type == '$' && v >= 0) {
        if (pos + static_cast<size_t>(v) + 2 > wpos_) return 0;
        nodes_[index].text = std::string_view(base + pos, static_cast<size_t>(v));
        pos += static_cast<size_t>(v) + 2;
      } else if (type == '*') {
        for (int64_t i = 0; i < v; ++i) {
          int r = parse(pos);
          if (r <= 0) return r;
        }
        nodes_[index].subtree = static_cast<uint32_t>(nodes_.size() - index);
      }
      return 1;
    }
    default:
      return -1;
  }
}

const std::vector<RespNode>& RespClient::read_reply() {
  while (true) {
    nodes_.clear();
    size_t pos = rpos_;
    int r = parse(pos);
    if (r == 1) {
      rpos_ = pos;
      return nodes_;
    }
    if (r < 0 || !fill()) {
      nodes_.clear();
      return nodes_;
    }
  }
}

RedisServer::RedisServer(const std::string& binary, const std::string& dir) : port_(free_port()) {
  process_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{binary, "--port", std::to_string(port_), "--bind", "127.0.0.1",
                               "--save", "", "--appendonly", "no", "--protected-mode", "no",
                               "--dir", dir},
      dir + "/redis.log");
  ready_ = wait_for_port(port_, std::chrono::seconds(10)) && process_->alive();
}

namespace {

// Calls fn(id, value) for each entry of an XREAD reply: *1 [ [stream, [ [id, [field, value]] ]] ].
template <typename Fn>
bool for_each_entry(const std::vector<RespNode>& n, Fn&& fn) {
  if (n.empty() || n[0].type != '*') return false;
  if (n[0].integer <= 0) return true;  // null: BLOCK timed out
  // n[1] = [stream, entries]; n[2] = stream name; n[3] = entries array.
  if (n.size() < 4 || n[3].type != '*') return false;
  size_t entry = 4;
  for (int64_t e = 0; e < n[3].integer; ++e) {
    // n[entry] = [id, [field, value]]
    const RespNode& id = n[entry + 1];
    const RespNode& fields = n[entry + 2];
    std::string_view value = fields.integer >= 2 ? n[entry + 4].text : std::string_view();
    fn(id.text, value);
    entry += n[entry].subtree;
  }
  return true;
}

}  // namespace

Throughput redis_produce(uint16_t port, const std::string& stream, int64_t messages, int window) {
  RespClient c;
  Throughput t;
  if (!c.connect(port)) return t;
  std::string value = bench_value();
  auto t0 = std::chrono::steady_clock::now();
  int64_t sent = 0;
  while (sent < messages) {
    int64_t n = std::min<int64_t>(window, messages - sent);
    for (int64_t i = 0; i < n; ++i) c.append({"XADD", stream, "*", "v", value});
    if (!c.flush()) return t;
    for (int64_t i = 0; i < n; ++i) {
      const auto& r = c.read_reply();
      if (r.empty() || r[0].type == '-') return t;
    }
    sent += n;
  }
  t.seconds = seconds_since(t0);
  t.messages = sent;
  return t;
}

Throughput redis_produce_multi(uint16_t port, const std::string& stream, int64_t messages,
                               int per_block) {
  RespClient c;
  Throughput t;
  if (!c.connect(port)) return t;
  std::string value = bench_value();
  auto t0 = std::chrono::steady_clock::now();
  int64_t sent = 0;
  while (sent < messages) {
    int64_t n = std::min<int64_t>(per_block, messages - sent);
    c.append({"MULTI"});
    for (int64_t i = 0; i < n; ++i) c.append({"XADD", stream, "*", "v", value});
    c.append({"EXEC"});
    if (!c.flush()) return t;
    for (int64_t i = 0; i < n + 2; ++i) {  // +OK, n x +QUEUED, then EXEC's array of ids
      const auto& r = c.read_reply();
      if (r.empty() || r[0].type == '-') return t;
    }
    sent += n;
  }
  t.seconds = seconds_since(t0);
  t.messages = sent;
  return t;
}

Throughput redis_consume(uint16_t port, const std::string& stream, int64_t messages, int count) {
  RespClient c;
  Throughput t;
  if (!c.connect(port)) return t;
  std::string last = "0-0";
  std::string count_text = std::to_string(count);
  int64_t seen = 0;
  size_t bytes = 0;
  auto t0 = std::chrono::steady_clock::now();
  while (seen < messages) {
    c.append({"XREAD", "COUNT", count_text, "STREAMS", stream, last});
    if (!c.flush()) return t;
    std::string_view last_id;
    bool ok = for_each_entry(c.read_reply(), [&](std::string_view id, std::string_view v) {
      last_id = id;
      bytes += v.size();
      ++seen;
    });
    if (!ok || last_id.empty()) return t;
    last.assign(last_id.data(), last_id.size());
  }
  t.seconds = seconds_since(t0);
  t.messages = seen;
  return t;
}

Latency redis_latency(uint16_t port, const std::string& stream, double bytes_per_second,
                      double seconds) {
  Latency out;
  std::atomic<bool> stop{false};
  std::atomic<bool> reader_ready{false};
  std::vector<double> lat_ms;
  int64_t received = 0;
  std::thread reader([&] {
    RespClient c;
    if (!c.connect(port)) return;
    std::string last = "0-0";
    reader_ready = true;
    while (!stop) {
      c.append({"XREAD", "BLOCK", "200", "COUNT", "1000", "STREAMS", stream, last});
      if (!c.flush()) return;
      std::string_view last_id;
      int64_t now = now_ns();
      for_each_entry(c.read_reply(), [&](std::string_view id, std::string_view v) {
        last_id = id;
        int64_t sent = 0;
        if (v.size() >= 8) std::memcpy(&sent, v.data(), 8);
        lat_ms.push_back(static_cast<double>(now - sent) / 1e6);
        ++received;
      });
      if (!last_id.empty()) last.assign(last_id.data(), last_id.size());
    }
  });
  while (!reader_ready) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the reader is in XREAD BLOCK

  RespClient c;
  if (!c.connect(port)) {
    stop = true;
    reader.join();
    return out;
  }
  std::string value = bench_value();
  Pacer pacer(bytes_per_second, kValueSize);
  auto t0 = std::chrono::steady_clock::now();
  int64_t sent = 0;
  while (seconds_since(t0) < seconds) {
    int64_t due = pacer.due();
    if (due <= sent) {
      std::this_thread::sleep_for(std::chrono::microseconds(100));
      continue;
    }
    int64_t n = due - sent;
    int64_t ts = now_ns();
    std::memcpy(value.data(), &ts, 8);
    for (int64_t i = 0; i < n; ++i) c.append({"XADD", stream, "*", "v", value});
    if (!c.flush()) break;
    for (int64_t i = 0; i < n; ++i) c.read_reply();
    sent += n;
  }
  double elapsed = seconds_since(t0);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  stop = true;
  reader.join();
  out.p50_ms = quantile(lat_ms, 0.50);
  out.p99_ms = quantile(lat_ms, 0.99);
  out.achieved_mb_per_s = static_cast<double>(sent) * kValueSize / kMB / elapsed;
  out.lost = sent - received;
  return out;
}

}  // namespace sluice::bench
