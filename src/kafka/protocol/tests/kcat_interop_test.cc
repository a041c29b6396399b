// A real client against our codecs: kcat (librdkafka) runs `-L` against a loopback listener that
// parses its requests with parse_request_frame and answers ApiVersions and Metadata with
// encode_response. kcat printing our topic proves both directions. Skipped without kcat.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "kafka/protocol/frame.h"

extern char** environ;

namespace sluice::kafka {
namespace {

bool read_exact(int fd, uint8_t* p, size_t n) {
  while (n > 0) {
    pollfd pfd{fd, POLLIN, 0};
    if (::poll(&pfd, 1, 5000) <= 0) return false;
    ssize_t r = ::read(fd, p, n);
    if (r <= 0) return false;
    p += r;
    n -= static_cast<size_t>(r);
  }
  return true;
}

bool write_all(int fd, const std::vector<uint8_t>& b) {
  size_t off = 0;
  while (off < b.size()) {
    ssize_t w = ::write(fd, b.data() + off, b.size() - off);
    if (w <= 0) return false;
    off += static_cast<size_t>(w);
  }
  return true;
}

// Serves one connection until the client closes it. Records what it saw in `apis`.
void serve(int fd, int port, std::vector<std::string>* apis) {
  for (;;) {
    uint8_t prefix[4];
    if (!read_exact(fd, prefix, 4)) break;
    auto size = parse_frame_size(ByteSpan(prefix, 4));
    if (!size.is_ok()) break;
    std::vector<uint8_t> frame(static_cast<size_t>(*size));
    if (!read_exact(fd, frame.data(), frame.size())) break;
    auto req = parse_request_frame(frame);
    if (!req.is_ok()) break;
    Result<ResponseFrame> resp = Status::internal("no answer");
    if (!req->ok()) {
      apis->push_back("unsupported:" + req->status.message());
      if (req->api_key() != ApiKey::kApiVersions) break;
      resp = encode_api_versions_unsupported(req->header.correlation_id);
    } else if (req->api_key() == ApiKey::kApiVersions) {
      apis->push_back("ApiVersions v" + std::to_string(req->version()));
      resp =
          encode_response(req->header.correlation_id, req->version(), make_api_versions_response());
    } else if (req->api_key() == ApiKey::kMetadata) {
      apis->push_back("Metadata v" + std::to_string(req->version()));
      MetadataResponse m;
      m.brokers.push_back({1, "127.0.0.1", port, std::nullopt});
      m.cluster_id = "sluice-test";
      m.controller_id = 1;
      MetadataResponse::Topic t;
      t.name = "orders";
      for (int32_t p = 0; p < 2; ++p) {
        MetadataResponse::Partition part;
        part.partition_index = p;
        part.leader_id = 1;
        part.leader_epoch = 0;
        part.replica_nodes = {1};
        part.isr_nodes = {1};
        t.partitions.push_back(part);
      }
      m.topics.push_back(t);
      resp = encode_response(req->header.correlation_id, req->version(), m);
    } else {
      apis->push_back(std::string(req->api->name));
      break;
    }
    if (!resp.is_ok() || !write_all(fd, resp->bytes)) break;
  }
  ::close(fd);
}

TEST(KafkaInterop, KcatListsTopicsFromOurMetadata) {
  const char* kcat = "/usr/bin/kcat";
  if (::access(kcat, X_OK) != 0) GTEST_SKIP() << "kcat not installed";
  int lfd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(lfd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(::listen(lfd, 8), 0);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(::getsockname(lfd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  int port = ntohs(addr.sin_port);

  int out[2];
  ASSERT_EQ(::pipe(out), 0);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_addclose(&fa, out[0]);
  std::string broker = "127.0.0.1:" + std::to_string(port);
  std::vector<std::string> args = {"kcat", "-L", "-b", broker, "-m", "5"};
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid;
  ASSERT_EQ(::posix_spawn(&pid, kcat, &fa, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&fa);
  ::close(out[1]);

  // Serve connections (librdkafka may open a second one to the broker it learned) until kcat
  // exits; every wait is bounded.
  std::atomic<bool> done{false};
  std::vector<std::string> apis;
  std::vector<std::thread> servers;
  std::vector<std::vector<std::string>> per_conn(8);
  std::thread acceptor([&] {
    size_t conns = 0;
    while (!done && conns < per_conn.size()) {
      pollfd pfd{lfd, POLLIN, 0};
      if (::poll(&pfd, 1, 200) <= 0) continue;
      int fd = ::accept(lfd, nullptr, nullptr);
      if (fd < 0) break;
      servers.emplace_back(serve, fd, port, &per_conn[conns++]);
    }
  });
  std::string output;
  char buf[4096];
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  for (;;) {
    pollfd pfd{out[0], POLLIN, 0};
    if (std::chrono::steady_clock::now() > deadline) break;
    if (::poll(&pfd, 1, 200) <= 0) continue;
    ssize_t n = ::read(out[0], buf, sizeof(buf));
    if (n <= 0) break;
    output.append(buf, static_cast<size_t>(n));
  }
  ::kill(pid, SIGTERM);
  int status = 0;
  ::waitpid(pid, &status, 0);
  done = true;
  acceptor.join();
  for (auto& t : servers) t.join();
  ::close(out[0]);
  ::close(lfd);
  for (auto& c : per_conn) apis.insert(apis.end(), c.begin(), c.end());

  std::string seen;
  for (auto& a : apis) seen += a + "; ";
  std::printf("requests from kcat: %s\n", seen.c_str());
  EXPECT_NE(output.find("topic \"orders\" with 2 partitions"), std::string::npos)
      << "kcat said:\n"
      << output << "\nrequests: " << seen;
  EXPECT_NE(output.find("broker 1 at 127.0.0.1:" + std::to_string(port)), std::string::npos)
      << output;
  EXPECT_NE(seen.find("ApiVersions v3"), std::string::npos) << seen;
  EXPECT_NE(seen.find("Metadata v"), std::string::npos) << seen;
  EXPECT_EQ(seen.find("unsupported"), std::string::npos) << seen;
}

}  // namespace
}  // namespace sluice::kafka
