// Real actors on a real SQLite store whose files fail on cue (rivet/storage/fault_plan.hpp): a
// call whose commit fails gets the storage error and the actor comes back from its last commit;
// nothing that was not committed is ever answered; a full disk refuses writes and keeps serving
// reads; everything works again once the fault clears. docs/faults.md describes each case.
#include <rivet/storage/fault_plan.hpp>

#include "core/test_runtime_fixture.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>

#include <gtest/gtest.h>

#include <future>
#include <mutex>

namespace {

using rivet::Value;
using rivet::storage::FaultFile;
using rivet::storage::FaultPlan;
namespace codes = rivet::codes;

struct Counter {
  std::int64_t count = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Counter, count)

rivet::Registry make_registry() {
  rivet::Registry r;
  r.use(rivet::actor<Counter>("counter")
            .action("increment",
                    [](auto& c, std::int64_t amount) {
                      c.state().count += amount;
                      c.broadcast("count", c.state().count);
                      return c.state().count;
                    })
            .action("get", [](auto& c) { return c.state().count; })
            .action("sleepNow", [](auto& c) { c.sleep(); })
            .action("put",
                    [](auto& c, std::string k, std::string v) -> rivet::Task<void> {
                      co_await c.kv().put(rivet::Kv::bytes(k), rivet::Kv::bytes(v));
                    })
            .action("getKv",
                    [](auto& c, std::string k) -> rivet::Task<std::optional<std::string>> {
                      auto v = co_await c.kv().get(rivet::Kv::bytes(k));
                      if (!v) {
                        co_return std::nullopt;
                      }
                      co_return rivet::Kv::text(*v);
                    }));
  r.use(rivet::actor<Counter>("notes")
            .database([](auto&, rivet::Database& db) {
              db.execute("CREATE TABLE IF NOT EXISTS notes (body TEXT NOT NULL)");
            })
            .action("add",
                    [](auto& c, std::string body) {
                      auto db = c.db();
                      db.execute("INSERT INTO notes (body) VALUES (?)", body);
                    })
            .action("count",
                    [](auto& c) { return c.db().execute("SELECT COUNT(*) AS n FROM notes")[0]["n"]; }));
  return r;
}

class RecordingSink : public rivet::ConnectionSink {
 public:
  void send_event(const std::string& name, const Value& args) override {
    std::lock_guard lock(mu);
    events.emplace_back(name, args);
  }
  void close(std::string reason, bool) override {
    std::lock_guard lock(mu);
    closed = std::move(reason);
  }
  std::size_t event_count() {
    std::lock_guard lock(mu);
    return events.size();
  }
  std::string closed_reason() {
    std::lock_guard lock(mu);
    return closed;
  }
  std::mutex mu;
  std::vector<std::pair<std::string, Value>> events;
  std::string closed;
};

class ActorFaultsTest : public rivet::testing::RuntimeFixture {
 protected:
  ActorFaultsTest() {
    store_faults_ = std::make_shared<FaultPlan>();
    options_.database_faults = db_faults_;
  }
  rivet::Registry make_registry() override { return ::make_registry(); }

  rivet::Result<Value> try_call(const std::string& id, const std::string& action,
                                Value args = Value::array()) {
    return run(runtime_->call_action(id, nullptr, action, std::move(args)));
  }

  std::shared_ptr<FaultPlan> db_faults_ = std::make_shared<FaultPlan>();
};

Value args(std::int64_t n) {
  return Value::array({n});
}

TEST_F(ActorFaultsTest, ACallWhoseCommitFailsGetsTheErrorAndTheActorReloadsItsLastCommit) {
  const auto id = create("counter", {"a"});
  EXPECT_EQ(call(id, "increment", args(1)), 1);

  store_faults_->fail_sync(1, FaultFile::Wal);
  auto failed = try_call(id, "increment", args(5));
  ASSERT_FALSE(failed);
  EXPECT_TRUE(failed.error().is(codes::kStorageFailure)) << failed.error().qualified();

  // The next call meets a fresh instance loaded from storage: the 5 is gone.
  EXPECT_EQ(call(id, "get"), 1);
  EXPECT_EQ(call(id, "increment", args(2)), 3);
  close();
  open();
  EXPECT_EQ(call(id, "get"), 3);
}

// Calls that overlap a failing commit: the ones that read the uncommitted value fail with it
// (their empty commit waits behind the failed one under the actor's fence), the others see the
// last commit. Nobody is ever answered 11.
TEST_F(ActorFaultsTest, NoCallIsAnsweredWithAValueThatWasNeverCommitted) {
  const auto id = create("counter", {"a"});
  EXPECT_EQ(call(id, "increment", args(1)), 1);
  for (int round = 0; round < 5; ++round) {
    store_faults_->fail_sync(1, FaultFile::Wal);
    auto increment = boost::asio::co_spawn(
        io_, runtime_->call_action(id, nullptr, "increment", args(10)), boost::asio::use_future);
    std::vector<std::future<rivet::Result<Value>>> reads;
    for (int i = 0; i < 4; ++i) {
      reads.push_back(boost::asio::co_spawn(
          io_, runtime_->call_action(id, nullptr, "get", Value::array()), boost::asio::use_future));
    }
    auto inc = increment.get();
    ASSERT_FALSE(inc);
    EXPECT_TRUE(inc.error().is(codes::kStorageFailure)) << inc.error().qualified();
    for (auto& read : reads) {
      auto r = read.get();
      if (r) {
        EXPECT_EQ(*r, 1);
      } else {
        EXPECT_TRUE(r.error().is(codes::kStorageFailure)) << r.error().qualified();
      }
    }
    EXPECT_EQ(call(id, "get"), 1);
  }
}

TEST_F(ActorFaultsTest, AFullDiskRefusesWritesWithDiskFullAndKeepsServingReads) {
  const auto a = create("counter", {"a"});
  EXPECT_EQ(call(a, "increment", args(3)), 3);
  const auto b = create("counter", {"b"});
  EXPECT_EQ(call(b, "increment", args(7)), 7);
  call(b, "sleepNow");

  store_faults_->disk_full();
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto refused = try_call(a, "increment", args(1));
    ASSERT_FALSE(refused);
    EXPECT_TRUE(refused.error().is(codes::kStorageDiskFull)) << refused.error().qualified();
    EXPECT_EQ(call(a, "get"), 3);
  }
  // A sleeping actor wakes from storage and answers reads without writing anything.
  EXPECT_EQ(call(b, "get"), 7);
  auto put = try_call(b, "put", Value::array({"k", "v"}));
  ASSERT_FALSE(put);
  EXPECT_TRUE(put.error().is(codes::kStorageDiskFull)) << put.error().qualified();
  EXPECT_EQ(call(b, "getKv", Value::array({"k"})), Value());
  // Creating an actor is a write too.
  auto created = run(runtime_->get_or_create({.name = "counter", .key = rivet::protocol::ActorKey{"c"}}));
  ASSERT_FALSE(created);
  EXPECT_TRUE(created.error().is(codes::kStorageDiskFull)) << created.error().qualified();

  // Space is back: the same running server writes again.
  store_faults_->clear();
  EXPECT_EQ(call(a, "increment", args(1)), 4);
  call(b, "put", Value::array({"k", "v"}));
  EXPECT_EQ(call(b, "getKv", Value::array({"k"})), "v");
  const auto c = create("counter", {"c"});
  EXPECT_EQ(call(c, "increment", args(2)), 2);
}

// The events of a call leave only after its commit: when the commit fails, none leaves, and
// the actor's connections are closed (the client reconnects to the reloaded actor).
TEST_F(ActorFaultsTest, EventsOfAFailedCallAreNeverDelivered) {
  const auto id = create("counter", {"a"});
  auto sink = std::make_shared<RecordingSink>();
  auto conn = run(runtime_->connect(id, nullptr, sink));
  ASSERT_TRUE(conn);
  ASSERT_TRUE(run((*conn)->subscribe("count", true)));
  ASSERT_TRUE(run((*conn)->call("increment", args(1))));
  EXPECT_EQ(sink->event_count(), 1U);

  store_faults_->fail_sync(1, FaultFile::Wal);
  auto failed = run((*conn)->call("increment", args(1)));
  ASSERT_FALSE(failed);
  EXPECT_TRUE(failed.error().is(codes::kStorageFailure));
  EXPECT_EQ(call(id, "get"), 1);  // after the failed instance's stop
  EXPECT_EQ(sink->event_count(), 1U);
  EXPECT_EQ(sink->closed_reason(), "actor.stopped");
}

// The machine stops in the middle of a commit (a torn WAL write, then nothing reaches the disk):
// after a restart the actor has its last acknowledged state, nothing of the torn commit.
TEST_F(ActorFaultsTest, ACrashInTheMiddleOfACommitRestartsFromTheLastAcknowledgedState) {
  const auto id = create("counter", {"a"});
  for (int i = 1; i <= 3; ++i) {
    EXPECT_EQ(call(id, "increment", args(1)), i);
  }
  store_faults_->tear_write(2, 100, FaultFile::Wal);
  auto torn = try_call(id, "increment", args(100));
  ASSERT_FALSE(torn);
  EXPECT_TRUE(store_faults_->crashed());
  close();  // nothing written on the way down reaches the disk either
  store_faults_->clear();
  open();
  EXPECT_EQ(call(id, "get"), 3);
  EXPECT_EQ(call(id, "increment", args(1)), 4);
}

TEST_F(ActorFaultsTest, AnActorsDatabaseOnAFullDiskRefusesWritesAndKeepsReading) {
  const auto id = create("notes", {"n"});
  call(id, "add", Value::array({"one"}));
  db_faults_->disk_full();
  auto refused = try_call(id, "add", Value::array({"two"}));
  ASSERT_FALSE(refused);
  EXPECT_TRUE(refused.error().is(codes::kStorageDiskFull)) << refused.error().qualified();
  EXPECT_EQ(call(id, "count"), 1);
  db_faults_->clear();
  call(id, "add", Value::array({"three"}));
  EXPECT_EQ(call(id, "count"), 2);
}

}  // namespace
