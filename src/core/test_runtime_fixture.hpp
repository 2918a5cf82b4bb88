#pragma once
// A real Runtime on a real SQLite file in a temp dir, driven from the test thread, on a
// ManualClock the test may advance.

#include <rivet/core/actor.hpp>
#include <rivet/core/runtime.hpp>
#include <rivet/storage/memory_store.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <gtest/gtest.h>

#include <unistd.h>
#include <filesystem>
#include <optional>
#include <thread>

namespace rivet::testing {

class RuntimeFixture : public ::testing::Test {
 protected:
  virtual Registry make_registry() = 0;

  void SetUp() override {
    registry_ = make_registry();
    dir_ = std::filesystem::temp_directory_path() /
           ("rivet-core-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    open();
  }
  void TearDown() override {
    close();
    std::filesystem::remove_all(dir_);
  }
  void open() {
    if (!store_) {
      auto store = memory_store_ ? storage::open_memory_store()
                                 : storage::Store::open({.path = (dir_ / "rivet.db").string(),
                                                         .faults = store_faults_});
      ASSERT_TRUE(store) << store.error().message;
      store_ = std::move(*store);
    }
    auto options = options_;
    options.clock = clock_;
    if (options.data_dir == RuntimeOptions{}.data_dir) {
      options.data_dir = dir_.string();  // actors' own databases in the test's directory
    }
    runtime_ = std::make_unique<Runtime>(io_.get_executor(), registry_, *store_, options);
    work_.emplace(io_.get_executor());
    thread_ = std::thread([this] { io_.run(); });
  }
  void close() {
    run(runtime_->stop());
    work_.reset();
    thread_.join();
    io_.restart();
    runtime_.reset();
    if (!memory_store_) {  // a memory store's rows outlive a restart of the runtime
      store_->close();
      store_.reset();
    }
  }
  template <class T>
  T run(Task<T> task) {
    return boost::asio::co_spawn(io_, std::move(task), boost::asio::use_future).get();
  }
  std::string create(const std::string& name, protocol::ActorKey key,
                     std::optional<Value> input = {}) {
    auto r = run(runtime_->get_or_create({.name = name, .key = key, .input = std::move(input)}));
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    return r ? r->actor.actor_id : std::string();
  }
  Value call(const std::string& id, const std::string& action, Value args = Value::array()) {
    auto r = run(runtime_->call_action(id, nullptr, action, std::move(args)));
    EXPECT_TRUE(r) << action << ": " << (r ? "" : r.error().qualified() + " " + r.error().message);
    return r ? *r : Value();
  }

  std::filesystem::path dir_;
  /// Set by a test's constructor: the host seams to use, and the in-memory store instead of
  /// SQLite on disk.
  RuntimeOptions options_;
  bool memory_store_ = false;
  /// Faults injected into the SQLite store's files (rivet/storage/fault_plan.hpp); null: none.
  std::shared_ptr<storage::FaultPlan> store_faults_;
  /// Runs like the real clock until a test advances it: timers then fire at once.
  std::shared_ptr<ManualClock> clock_ = std::make_shared<ManualClock>();
  Registry registry_;
  boost::asio::io_context io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::thread thread_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<Runtime> runtime_;
};

}  // namespace rivet::testing
