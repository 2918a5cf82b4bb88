#pragma once
// Test support: an io_context running on a thread of its own, and a way for a test's thread to
// run a coroutine there and wait for its answer. Header-only; tests only.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <optional>
#include <thread>
#include <utility>

namespace rivet::testing {

class IoThread {
 public:
  IoThread() : work_(io_.get_executor()), thread_([this] { io_.run(); }) {}
  ~IoThread() {
    work_.reset();
    thread_.join();
  }
  IoThread(const IoThread&) = delete;
  IoThread& operator=(const IoThread&) = delete;

  [[nodiscard]] boost::asio::io_context::executor_type executor() noexcept {
    return io_.get_executor();
  }

  /// Runs `task` on the thread and waits for its answer. (Through an optional: a future needs a
  /// default-constructible value, and some answers have none.)
  template <class T>
  T run(boost::asio::awaitable<T> task) {
    auto wrapped = [](boost::asio::awaitable<T> t) -> boost::asio::awaitable<std::optional<T>> {
      co_return co_await std::move(t);
    };
    return std::move(
        *boost::asio::co_spawn(io_, wrapped(std::move(task)), boost::asio::use_future).get());
  }
  void run(boost::asio::awaitable<void> task) {
    boost::asio::co_spawn(io_, std::move(task), boost::asio::use_future).get();
  }

 private:
  boost::asio::io_context io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::thread thread_;
};

}  // namespace rivet::testing
