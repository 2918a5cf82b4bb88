// What a client sees when the server's disk fails (docs/faults.md): a real server on 127.0.0.1
// (port 0) whose store runs under a FaultPlan, and the C++ client over HTTP and WebSocket, in
// all three encodings.

#include <rivet/client/client.hpp>
#include <rivet/rivet.hpp>
#include <rivet/storage/fault_plan.hpp>

#include "testing/eventually.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <atomic>
#include <filesystem>
#include <random>
#include <thread>

namespace {

namespace asio = boost::asio;
using rivet::Value;
using rivet::client::Client;
using rivet::client::ClientOptions;
using rivet::storage::FaultFile;
using rivet::storage::FaultPlan;
namespace codes = rivet::codes;
using namespace std::chrono_literals;

struct Count {
  std::int64_t count = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Count, count)

rivet::Registry make_registry() {
  rivet::Registry registry;
  registry.use(rivet::actor<Count>("counter")
                   .action("increment",
                           [](auto& c, std::int64_t by) {
                             c.state().count += by;
                             c.broadcast("newCount", c.state().count);
                             return c.state().count;
                           })
                   .action("getCount", [](auto& c) { return c.state().count; }));
  return registry;
}

class StorageFaultsTest : public ::testing::TestWithParam<rivet::protocol::Encoding> {
 protected:
  void SetUp() override {
    std::random_device rd;
    data_dir_ = (std::filesystem::temp_directory_path() /
                 ("rivet-faults-test-" + std::to_string(rd())))
                    .string();
    rivet::ServerOptions options;
    options.port = 0;
    options.data_dir = data_dir_;
    options.threads = 2;
    options.storage_faults = plan_;
    auto started = rivet::Server::start(registry_, options);
    ASSERT_TRUE(started) << started.error().message;
    server_ = std::move(*started);
    work_.emplace(io_.get_executor());
    thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    plan_->clear();
    if (conn_) {
      run_void(conn_->close());  // else a failed test leaves it reconnecting, and join() waits
      conn_.reset();             // before the io_context it lives on
    }
    if (server_) {
      server_->stop();
      server_.reset();
    }
    work_.reset();
    thread_.join();
    std::error_code ec;
    std::filesystem::remove_all(data_dir_, ec);
  }

  Client client() {
    ClientOptions o;
    o.endpoint = server_->endpoint();
    o.encoding = GetParam();
    o.timeout = 10s;
    return Client(io_.get_executor(), o);
  }

  template <class T>
  T run(rivet::client::Awaitable<T> task) {
    auto wrapped = [](rivet::client::Awaitable<T> t) -> rivet::client::Awaitable<std::optional<T>> {
      co_return co_await std::move(t);
    };
    return std::move(*asio::co_spawn(io_, wrapped(std::move(task)), asio::use_future).get());
  }

  void run_void(rivet::client::Awaitable<void> task) {
    asio::co_spawn(io_, std::move(task), asio::use_future).get();
  }

  static Value by(std::int64_t n) { return Value::array({n}); }

  rivet::Registry registry_ = make_registry();
  std::shared_ptr<FaultPlan> plan_ = std::make_shared<FaultPlan>();
  std::string data_dir_;
  std::unique_ptr<rivet::Server> server_;
  std::shared_ptr<rivet::client::Connection> conn_;
  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::thread thread_;
};

TEST_P(StorageFaultsTest, AFailedCommitAnswersStorageFailureAndTheNextCallSeesTheLastCommit) {
  auto c = client();
  auto h = c.get_or_create("counter", {"a"});
  EXPECT_EQ(*run(h.action("increment", by(2))), 2);

  plan_->fail_sync(1, FaultFile::Wal);
  auto failed = run(h.action("increment", by(5)));
  ASSERT_FALSE(failed);
  EXPECT_TRUE(failed.error().is(codes::kStorageFailure)) << failed.error().qualified();

  EXPECT_EQ(*run(h.action("getCount")), 2);
  EXPECT_EQ(*run(h.action("increment", by(1))), 3);
}

TEST_P(StorageFaultsTest, AFullDiskAnswersDiskFullToWritesAndKeepsAnsweringReads) {
  auto c = client();
  auto h = c.get_or_create("counter", {"a"});
  EXPECT_EQ(*run(h.action("increment", by(4))), 4);
  auto conn = run(h.connect());
  ASSERT_TRUE(conn) << conn.error().qualified();
  conn_ = *conn;

  plan_->disk_full();
  // Over the WebSocket. The failed call's actor closes its connections (actor.stopped) and the
  // client reconnects by itself; a call in flight as the connection drops fails with the close
  // reason, as any call does when a connection drops, and a later one goes through.
  auto over_ws = run((*conn)->action("increment", by(1)));
  ASSERT_FALSE(over_ws);
  EXPECT_TRUE(over_ws.error().is(codes::kStorageDiskFull)) << over_ws.error().qualified();
  std::optional<Value> read;
  EXPECT_TRUE(rivet::testing::eventually([&] {
    auto r = run((*conn)->action("getCount"));
    if (!r) {
      EXPECT_TRUE(r.error().is(codes::kActorStopped)) << r.error().qualified();
      return false;
    }
    read = *r;
    return true;
  }));
  EXPECT_EQ(read, Value(4));
  // Over HTTP.
  auto refused = run(h.action("increment", by(1)));
  ASSERT_FALSE(refused);
  EXPECT_TRUE(refused.error().is(codes::kStorageDiskFull)) << refused.error().qualified();
  EXPECT_EQ(*run(h.action("getCount")), 4);
  // A new actor cannot be created on a full disk. The gateway, which creates it, answers every
  // storage error as core.internal_error (docs/errors.md).
  auto other = run(c.get_or_create("counter", {"b"}).action("getCount"));
  ASSERT_FALSE(other);
  EXPECT_TRUE(other.error().is(codes::kCoreInternalError)) << other.error().qualified();

  plan_->clear();
  EXPECT_EQ(*run(h.action("increment", by(1))), 5);
  // The failed HTTP call dropped the connection once more: wait until it is back.
  EXPECT_TRUE(rivet::testing::eventually([&] {
    auto r = run((*conn)->action("getCount"));
    return r && *r == 5;
  }));
  auto after = run((*conn)->action("increment", by(1)));
  EXPECT_TRUE(after) << after.error().qualified();
  EXPECT_EQ(after ? *after : Value(), 6);
  EXPECT_EQ(*run(c.get_or_create("counter", {"b"}).action("increment", by(1))), 1);
}

INSTANTIATE_TEST_SUITE_P(Encodings, StorageFaultsTest,
                         ::testing::Values(rivet::protocol::Encoding::Json,
                                           rivet::protocol::Encoding::Cbor,
                                           rivet::protocol::Encoding::Bare),
                         [](const auto& info) {
                           return std::string(rivet::protocol::encoding_name(info.param));
                         });

}  // namespace
