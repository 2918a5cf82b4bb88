// EngineActorCalls against a real gateway: the embedded server speaks the same gateway and actor
// API as the engine, so the resolution, call, send and error paths run over real sockets here;
// the wire tests (caller, lifecycle) run them through a real engine.

#include "server/envoy/engine_actor_calls.hpp"

#include <rivet/rivet.hpp>

#include "testing/io_thread.hpp"

#include "testing/suite_server.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <random>

namespace {

using rivet::ActorTarget;
using rivet::Value;
using rivet::server::envoy::EngineActorCalls;
using rivet::server::envoy::EngineConfig;
using namespace std::chrono_literals;

struct Count {
  std::int64_t count = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Count, count)

rivet::Task<void> complete_jobs(rivet::ActionContext<Count>& c) {
  for (;;) {
    auto msg = co_await c.queue().next();
    if (!msg) {
      continue;
    }
    c.state().count += 1;
    Value done = Value::object();
    done["done"] = msg->body();
    co_await msg->complete(std::move(done));
  }
}

rivet::Registry make_registry() {
  rivet::Registry registry;
  registry.use(rivet::actor<Count>("counter")
                   .create_state([](auto&, const Value& input) {
                     Count s;
                     if (input.is_object() && input.contains("start")) {
                       s.count = input["start"].get<std::int64_t>();
                     }
                     return s;
                   })
                   .queues({"jobs"})
                   .run([](auto& c) { return complete_jobs(c); })
                   .action("increment",
                           [](auto& c, std::int64_t by) {
                             c.state().count += by;
                             return c.state().count;
                           })
                   .action("getCount", [](auto& c) { return c.state().count; })
                   .action("fail", [](auto&) -> int {
                     throw rivet::UserError("Out of stock", "out_of_stock", Value{{"sku", "w"}});
                   }));
  return registry;
}

class EngineActorCallsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto started = server_.start(make_registry(), "rivet-a2a-test");
    ASSERT_TRUE(started) << started.error().message;
  }
  static void TearDownTestSuite() { server_.stop(); }

  static EngineActorCalls calls(std::string endpoint) {
    EngineConfig config;
    config.endpoint = std::move(endpoint);
    return EngineActorCalls(config, 10s);
  }
  static ActorTarget by_key(ActorTarget::Mode mode, const std::string& key) {
    ActorTarget t;
    t.mode = mode;
    t.name = "counter";
    t.key = {key, "a/b"};
    t.input = nullptr;
    return t;
  }
  static std::string unique(const std::string& prefix) { return prefix + std::to_string(n_++); }

  static inline rivet::testing::SuiteServer server_;
  static inline std::atomic<int> n_{0};
  rivet::testing::IoThread io_;
};

TEST_F(EngineActorCallsTest, GetOrCreateCallsResolveAndReachTheSameActorById) {
  auto remote = calls(server_->endpoint());
  const auto key = unique("k");
  auto target = by_key(ActorTarget::Mode::GetOrCreate, key);
  target.input = Value{{"start", 40}};
  auto first = io_.run(remote.call(target, "increment", Value::array({2})));
  ASSERT_TRUE(first) << first.error().qualified();
  EXPECT_EQ(*first, 42);
  auto id = io_.run(remote.resolve(by_key(ActorTarget::Mode::Get, key)));
  ASSERT_TRUE(id) << id.error().qualified();
  ActorTarget by_id;
  by_id.name = "counter";
  by_id.actor_id = *id;
  EXPECT_EQ(*io_.run(remote.call(by_id, "getCount", Value::array())), 42);
}

TEST_F(EngineActorCallsTest, ErrorsArriveStructured) {
  auto remote = calls(server_->endpoint());
  auto missing = io_.run(
      remote.call(by_key(ActorTarget::Mode::Get, unique("missing")), "getCount", Value::array()));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().qualified(), "actor.not_found");
  auto failed = io_.run(
      remote.call(by_key(ActorTarget::Mode::GetOrCreate, unique("f")), "fail", Value::array()));
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().qualified(), "user.out_of_stock");
  EXPECT_EQ(failed.error().message, "Out of stock");
  EXPECT_EQ(failed.error().metadata, (Value{{"sku", "w"}}));
  const auto key = unique("c");
  auto made = io_.run(remote.create("counter", {key}, nullptr));
  ASSERT_TRUE(made) << made.error().qualified();
  auto again = io_.run(remote.create("counter", {key}, nullptr));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().qualified(), "actor.duplicate_key");
}

TEST_F(EngineActorCallsTest, SendWaitsForTheCompletion) {
  auto remote = calls(server_->endpoint());
  rivet::QueueSendOptions how;
  how.wait = true;
  how.timeout = 5s;
  auto sent = io_.run(remote.send(by_key(ActorTarget::Mode::GetOrCreate, unique("q")), "jobs",
                                  Value{{"n", 1}}, how));
  ASSERT_TRUE(sent) << sent.error().qualified();
  EXPECT_EQ(sent->status, "completed");
  ASSERT_TRUE(sent->response);
  EXPECT_EQ((*sent->response)["done"], (Value{{"n", 1}}));
}

TEST_F(EngineActorCallsTest, AnUnreachableEngineIsAClientErrorWithinTheTimeout) {
  // A port nothing listens on (the discard port is closed on test machines).
  auto remote = calls("http://127.0.0.1:9");
  auto out =
      io_.run(remote.call(by_key(ActorTarget::Mode::GetOrCreate, "x"), "getCount", Value::array()));
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().group, "client");
}

}  // namespace
