#pragma once
// Test support: one server for a whole test suite, on 127.0.0.1 port 0 with a data directory of
// its own under the temp dir. Header-only; tests only.
//
//   static void SetUpTestSuite() { ASSERT_TRUE(suite_.start(make_registry(), "rivet-x-test")); }
//   static void TearDownTestSuite() { suite_.stop(); }
//   static inline rivet::testing::SuiteServer suite_;

#include <rivet/rivet.hpp>

#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <utility>

namespace rivet::testing {

class SuiteServer {
 public:
  /// A new directory name under the temp dir, starting with `prefix` (not created).
  [[nodiscard]] static std::string new_data_dir(std::string_view prefix) {
    std::random_device rd;
    return (std::filesystem::temp_directory_path() /
            (std::string(prefix) + "-" + std::to_string(rd())))
        .string();
  }

  /// Starts `registry` with `options`: port 0, two threads, and a new data directory unless
  /// `options.data_dir` names one. The directory is removed by stop().
  [[nodiscard]] Result<void> start(Registry registry, std::string_view prefix,
                                   ServerOptions options = {}) {
    registry_ = std::make_unique<Registry>(std::move(registry));
    if (options.data_dir.empty()) {
      options.data_dir = new_data_dir(prefix);
    }
    data_dir_ = options.data_dir;
    options.port = 0;
    options.threads = 2;
    auto started = Server::start(*registry_, options);
    if (!started) {
      return started.error();
    }
    server_ = std::move(*started);
    return {};
  }

  /// Stops the server and removes its data directory and `extra_dirs`.
  template <class... Dirs>
  void stop(const Dirs&... extra_dirs) {
    if (server_) {
      server_->stop();
      server_.reset();
    }
    registry_.reset();
    std::error_code ec;
    std::filesystem::remove_all(data_dir_, ec);
    (std::filesystem::remove_all(extra_dirs, ec), ...);
  }

  [[nodiscard]] Server* operator->() const noexcept { return server_.get(); }
  [[nodiscard]] Server& server() const noexcept { return *server_; }
  [[nodiscard]] const Registry& registry() const noexcept { return *registry_; }
  [[nodiscard]] const std::string& data_dir() const noexcept { return data_dir_; }

 private:
  std::unique_ptr<Registry> registry_;
  std::unique_ptr<Server> server_;
  std::string data_dir_;
};

}  // namespace rivet::testing
