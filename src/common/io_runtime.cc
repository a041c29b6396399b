#include "common/io_runtime.h"

#include <string>

#include "common/log.h"

namespace sluice {

IoRuntime::IoRuntime(unsigned threads) {
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  for (unsigned i = 0; i < threads; ++i) {
    contexts_.push_back(std::make_unique<boost::asio::io_context>(1));
    guards_.emplace_back(contexts_.back()->get_executor());
  }
}

IoRuntime::~IoRuntime() {
  stop();
  join();
}

void IoRuntime::start() {
  running_ = true;
  for (size_t i = 0; i < contexts_.size(); ++i) {
    threads_.emplace_back([this, i] {
      pthread_setname_np(pthread_self(), ("sluice-io-" + std::to_string(i)).c_str());
      for (;;) {
        try {
          contexts_[i]->run();
          return;
        } catch (const std::exception& e) {
          // A handler threw: log it and keep the loop serving other connections.
          spdlog::error("io loop {}: unhandled exception: {}", i, e.what());
        }
      }
    });
  }
}

void IoRuntime::stop() {
  running_ = false;
  for (auto& g : guards_) g.reset();
  for (auto& c : contexts_) c->stop();
}

void IoRuntime::join() {
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

}  // namespace sluice
