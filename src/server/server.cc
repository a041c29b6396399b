#include "server/server.h"

#include <boost/asio/signal_set.hpp>

#include <csignal>
#include <filesystem>

#include "common/log.h"
#include "common/metrics.h"

namespace sluice {

Server::Server(ServerConfig config) : config_(std::move(config)) {}

Server::~Server() {
  stop();
}

Status Server::start() {
  SLUICE_RETURN_IF_ERROR(config_.validate());
  std::error_code ec;
  std::filesystem::create_directories(config_.data_dir, ec);
  if (ec)
    return Status::io_error("cannot create data directory '" + config_.data_dir +
                            "': " + ec.message());

  runtime_ = std::make_unique<IoRuntime>(config_.threads);
  http_ = std::make_unique<HttpServer>(
      *runtime_, HttpServerOptions{config_.http_listen.host, config_.http_listen.port});
  add_admin_routes();
  Status st = http_->start();
  if (!st.is_ok()) {
    http_.reset();
    runtime_.reset();
    return st;
  }
  runtime_->start();
  started_ = true;
  spdlog::info("sluice serving: data dir {}, http on {}:{}", config_.data_dir,
               config_.http_listen.host, http_->port());
  return Status::ok();
}

void Server::add_admin_routes() {
  http_->route("GET", "/metrics", [](const HttpRequest&) {
    HttpResponse r = HttpResponse::text(200, MetricsRegistry::global().render_prometheus());
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    return r;
  });
  http_->route("GET", "/health",
               [](const HttpRequest&) { return HttpResponse::json(200, R"({"status":"UP"})"); });
}

void Server::wait_for_shutdown_signal() {
  boost::asio::io_context ctx;
  boost::asio::signal_set signals(ctx, SIGINT, SIGTERM);
  signals.async_wait([](const boost::system::error_code&, int sig) {
    spdlog::info("received {}, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
  });
  ctx.run();
}

void Server::stop() {
  if (!started_) return;
  started_ = false;
  http_->stop();
  runtime_->stop();
  runtime_->join();
  http_.reset();
  runtime_.reset();
  spdlog::info("sluice stopped cleanly");
  spdlog::default_logger()->flush();
}

}  // namespace sluice
