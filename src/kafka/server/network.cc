#include "kafka/server/network.h"

#include <signal.h>
#include <sys/sendfile.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <atomic>
#include <deque>
#include <future>

#include "common/bytes.h"
#include "common/log.h"
#include "common/metrics.h"

namespace sluice::kafka {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

size_t WireFrame::size() const {
  size_t n = 0;
  for (const auto& c : chunks) {
    n += std::holds_alternative<FileSlice>(c) ? std::get<FileSlice>(c).length
                                              : std::get<std::vector<uint8_t>>(c).size();
  }
  return n;
}

namespace {

struct NetMetrics {
  Gauge& connections =
      MetricsRegistry::global().gauge("sluice_kafka_connections", "Open Kafka client connections");
  Counter& accepted = MetricsRegistry::global().counter("sluice_kafka_connections_accepted_total",
                                                        "Kafka connections accepted");
  Counter& bytes_in = MetricsRegistry::global().counter("sluice_kafka_bytes_in_total",
                                                        "Bytes received from Kafka clients");
  Counter& bytes_out = MetricsRegistry::global().counter("sluice_kafka_bytes_out_total",
                                                         "Bytes sent to Kafka clients");
  Counter& bad_frames = MetricsRegistry::global().counter(
      "sluice_kafka_bad_frames_total", "Connections closed for a malformed or oversized frame");
};

NetMetrics& net_metrics() {
  static NetMetrics m;
  return m;
}

std::atomic<uint64_t> g_next_connection_id{1};

// The client went away (closed or reset its side): routine, not worth a warning.
bool peer_gone(const error_code& ec) {
  return ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == asio::error::connection_aborted;
}

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket socket, RequestHandler& handler, const ListenerOptions& options)
      : socket_(std::move(socket)), handler_(handler), options_(options) {
    info_.id = g_next_connection_id.fetch_add(1);
    info_.loop = &static_cast<asio::io_context&>(socket_.get_executor().context());
    error_code ec;
    auto ep = socket_.remote_endpoint(ec);
    info_.peer = ec ? "?" : ep.address().to_string() + ":" + std::to_string(ep.port());
    net_metrics().connections.add(1);
  }
  ~Connection() { net_metrics().connections.add(-1); }

  void start() { maybe_read(); }

 private:
  void maybe_read() {
    if (reading_ || closed_ || queue_.size() >= options_.max_queued_requests ||
        queued_bytes_ >= options_.max_queued_bytes) {
      return;
    }
    reading_ = true;
    asio::async_read(socket_, asio::buffer(header_),
                     [self = shared_from_this()](error_code ec, size_t) { self->on_header(ec); });
  }

  void on_header(error_code ec) {
    if (ec) return close("read: " + ec.message(), peer_gone(ec));
    int32_t size = static_cast<int32_t>(load_be32(header_));
    // 8 bytes is the smallest request header (api key, version, correlation id, empty client id).
    if (size < 8 || static_cast<size_t>(size) > options_.max_frame_bytes) {
      net_metrics().bad_frames.inc();
      return close("frame size " + std::to_string(size) + " outside [8, " +
                   std::to_string(options_.max_frame_bytes) + "]");
    }
    frame_ = FrameBuffer(static_cast<size_t>(size));
    asio::async_read(socket_, asio::buffer(frame_.data(), frame_.size()),
                     [self = shared_from_this()](error_code ec2, size_t) { self->on_frame(ec2); });
  }

  void on_frame(error_code ec) {
    reading_ = false;
    if (ec) return close("read: " + ec.message(), peer_gone(ec));
    net_metrics().bytes_in.inc(frame_.size() + 4);
    queued_bytes_ += frame_.size();
    queue_.push_back(std::move(frame_));
    maybe_process();
    maybe_read();
  }

  void maybe_process() {
    if (processing_ || closed_ || queue_.empty()) return;
    processing_ = true;
    FrameBuffer frame = std::move(queue_.front());
    queue_.pop_front();
    queued_bytes_ -= frame.size();
    auto self = shared_from_this();
    auto exec = socket_.get_executor();
    Status st = handler_.handle(info_, std::move(frame), [self, exec](std::optional<WireFrame> r) {
      asio::post(exec, [self, r = std::move(r)]() mutable { self->on_done(std::move(r)); });
    });
    if (!st.is_ok()) {
      net_metrics().bad_frames.inc();
      close(st.to_string());
    }
  }

  void on_done(std::optional<WireFrame> r) {
    processing_ = false;
    if (closed_) return;
    if (r) {
      out_.push_back(std::move(*r));
      maybe_write();
    }
    maybe_process();
    maybe_read();
  }

  void maybe_write() {
    if (writing_ || closed_ || out_.empty()) return;
    writing_ = true;
    chunk_ = 0;
    write_next();
  }

  // Writes the chunks of out_.front() in order: runs of byte chunks in one gather write, file
  // slices with sendfile.
  void write_next() {
    if (closed_) return;
    WireFrame& f = out_.front();
    if (chunk_ == f.chunks.size()) {
      net_metrics().bytes_out.inc(f.size());
      out_.pop_front();
      writing_ = false;
      maybe_write();
      return;
    }
    if (auto* slice = std::get_if<FileSlice>(&f.chunks[chunk_])) {
      send_file(*slice);
      return;
    }
    std::vector<asio::const_buffer> bufs;
    size_t end = chunk_;
    while (end < f.chunks.size() && std::holds_alternative<std::vector<uint8_t>>(f.chunks[end])) {
      const auto& b = std::get<std::vector<uint8_t>>(f.chunks[end]);
      bufs.emplace_back(b.data(), b.size());
      ++end;
    }
    asio::async_write(socket_, bufs, [self = shared_from_this(), end](error_code ec, size_t) {
      if (ec) return self->close("write: " + ec.message(), peer_gone(ec));
      self->chunk_ = end;
      self->write_next();
    });
  }

  void send_file(FileSlice& slice) {
    if (!socket_.native_non_blocking()) {
      error_code ec;
      socket_.native_non_blocking(true, ec);
    }
    while (slice.length > 0) {
      off_t off = slice.offset;
      ssize_t n = ::sendfile(socket_.native_handle(), slice.fd, &off, slice.length);
      if (n > 0) {
        slice.offset += n;
        slice.length -= static_cast<size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        socket_.async_wait(tcp::socket::wait_write, [self = shared_from_this()](error_code ec) {
          if (ec) return self->close("write: " + ec.message(), peer_gone(ec));
          self->write_next();
        });
        return;
      }
      // n == 0: the file is shorter than promised (truncated under us). The frame is already
      // partly on the wire, so the only safe thing is to close the connection.
      if (n == 0) return close("sendfile: file shorter than the response");
      int err = errno;
      return close(std::string("sendfile: ") + strerror(err), err == ECONNRESET || err == EPIPE);
    }
    ++chunk_;
    write_next();
  }

  // `routine`: the client went away; logged at debug level only.
  void close(const std::string& reason, bool routine = false) {
    if (closed_) return;
    closed_ = true;
    if (routine) {
      spdlog::debug("kafka: connection {} from {} closed: {}", info_.id, info_.peer, reason);
    } else {
      spdlog::warn("kafka: closing connection {} from {}: {}", info_.id, info_.peer, reason);
    }
    error_code ec;
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.close(ec);
    queue_.clear();
    out_.clear();
  }

  tcp::socket socket_;
  RequestHandler& handler_;
  const ListenerOptions options_;  // a copy: a connection may outlive the listener object
  ConnectionInfo info_;
  uint8_t header_[4] = {};
  FrameBuffer frame_;
  std::deque<FrameBuffer> queue_;
  size_t queued_bytes_ = 0;
  std::deque<WireFrame> out_;
  size_t chunk_ = 0;
  bool reading_ = false;
  bool processing_ = false;
  bool writing_ = false;
  bool closed_ = false;
};

}  // namespace

struct KafkaListener::Impl {
  Impl(IoRuntime& rt, RequestHandler& h, ListenerOptions o)
      : runtime(rt), handler(h), options(std::move(o)), acceptor(rt.context(0)) {}

  void accept() {
    acceptor.async_accept(runtime.next(), [this](error_code ec, tcp::socket s) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
      if (!ec) {
        net_metrics().accepted.inc();
        s.set_option(tcp::no_delay(true), ec);
        std::make_shared<Connection>(std::move(s), handler, options)->start();
      } else {
        spdlog::warn("kafka: accept failed: {}", ec.message());
      }
      accept();
    });
  }

  IoRuntime& runtime;
  RequestHandler& handler;
  ListenerOptions options;
  tcp::acceptor acceptor;
  uint16_t port = 0;
};

KafkaListener::KafkaListener(IoRuntime& runtime, RequestHandler& handler, ListenerOptions options)
    : impl_(std::make_unique<Impl>(runtime, handler, std::move(options))) {}

// stop() throws only if asio cannot allocate or the promise breaks; terminating then is right.
// NOLINTNEXTLINE(bugprone-exception-escape): only on allocation failure or a broken promise.
KafkaListener::~KafkaListener() {
  stop();
}

Status KafkaListener::start() {
  // sendfile(2) has no MSG_NOSIGNAL: writing to a connection its client has reset raises
  // SIGPIPE, whose default action kills the process. The error must stay the connection's.
  ::signal(SIGPIPE, SIG_IGN);
  error_code ec;
  auto addr = asio::ip::make_address(impl_->options.host, ec);
  if (ec)
    return Status::invalid_argument("kafka listener: bad address '" + impl_->options.host + "'");
  tcp::endpoint ep(addr, impl_->options.port);
  auto& a = impl_->acceptor;
  a.open(ep.protocol(), ec);
  if (!ec) a.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) a.bind(ep, ec);
  if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    std::string why = ec.message();
    a.close(ec);
    return Status::io_error("kafka listener on " + impl_->options.host + ":" +
                            std::to_string(impl_->options.port) + ": " + why);
  }
  impl_->port = a.local_endpoint().port();
  impl_->accept();
  return Status::ok();
}

void KafkaListener::stop() {
  auto& a = impl_->acceptor;
  if (!impl_->runtime.running()) {
    error_code ec;
    a.close(ec);
    return;
  }
  auto done = std::make_shared<std::promise<void>>();
  auto fut = done->get_future();
  asio::post(a.get_executor(), [&a, done] {
    error_code ec;
    a.close(ec);
    done->set_value();
  });
  if (fut.wait_for(std::chrono::seconds(2)) != std::future_status::ready) {
    error_code ec;  // the loop is not running: nothing else can touch the acceptor
    a.close(ec);
  }
}

uint16_t KafkaListener::port() const {
  return impl_->port;
}

}  // namespace sluice::kafka
