#include "core/test_runtime_fixture.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <future>
#include <set>
#include <mutex>
#include <thread>

namespace asio = boost::asio;

namespace {

struct Counter {
  std::int64_t count = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Counter, count)

struct Vars {
  int changes = 0;
};

rivet::Registry make_registry() {
  rivet::Registry registry;
  auto counter = rivet::actor<Counter>("counter")
                     .action("increment",
                             [](auto& c, std::int64_t amount) {
                               c.state().count += amount;
                               c.broadcast("newCount", c.state().count);
                               return c.state().count;
                             })
                     .action("getCount", [](auto& c) { return c.state().count; })
                     .action("fail",
                             [](auto&) -> int {
                               throw rivet::UserError("nope", "bad", {{"x", 1}});
                             })
                     .action("crash", [](auto&) -> int { throw std::runtime_error("secret"); })
                     .action("first", [](auto&, std::string a, std::int64_t) { return a; })
                     .action("all", [](auto&, rivet::ArgList args) { return args.values; })
                     .action("later", [](auto& c, std::int64_t n) -> rivet::Task<std::int64_t> {
                       c.state().count += n;
                       co_return c.state().count;
                     });
  registry.use(counter);
  auto watched = rivet::actor<Counter>("watched")
                     .vars<Vars>([](auto&) { return Vars{}; })
                     .on_state_change([](auto& c) { c.vars().changes += 1; })
                     .action("set", [](auto& c, std::int64_t v) { c.state().count = v; })
                     .action("changes", [](auto& c) { return c.vars().changes; });
  registry.use(watched);
  return registry;
}

class RecordingSink : public rivet::ConnectionSink {
 public:
  void send_event(const std::string& name, const rivet::Value& args) override {
    std::lock_guard lock(mu);
    events.emplace_back(name, args);
  }
  void close(std::string reason, bool) override {
    std::lock_guard lock(mu);
    closed = reason;
  }
  std::mutex mu;
  std::vector<std::pair<std::string, rivet::Value>> events;
  std::string closed;
};

class RuntimeTest : public rivet::testing::RuntimeFixture {
 protected:
  rivet::Registry make_registry() override { return ::make_registry(); }
};

TEST_F(RuntimeTest, ActionsChangeStateThatSurvivesRestart) {
  auto id = create("counter", {"a"});
  auto r = run(runtime_->call_action(id, nullptr, "increment", rivet::Value::array({5})));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, 5);
  r = run(runtime_->call_action(id, nullptr, "later", rivet::Value::array({2})));
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 7);
  close();
  open();
  r = run(runtime_->call_action(id, nullptr, "getCount", rivet::Value::array()));
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 7);
}

TEST_F(RuntimeTest, GetOrCreateConvergesAndKeysAreDistinct) {
  auto a = create("counter", {"k"});
  auto b = create("counter", {"k"});
  auto c = create("counter", {"k", ""});
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  auto dup = run(runtime_->create({.name = "counter", .key = rivet::protocol::ActorKey{"k"}}));
  ASSERT_FALSE(dup);
  EXPECT_TRUE(dup.error().is("actor", "duplicate_key"));
  EXPECT_EQ(dup.error().metadata["existing_actor_id"], a);
}

TEST_F(RuntimeTest, GetOrCreateReadyCreatesOnceWithTheFirstCommit) {
  using rivet::protocol::ActorKey;
  std::vector<std::future<rivet::Result<rivet::ActorIdentity>>> racing;
  for (int i = 0; i < 8; ++i) {
    racing.push_back(boost::asio::co_spawn(
        io_, runtime_->get_or_create_ready({.name = "counter", .key = ActorKey{"ready"}}),
        boost::asio::use_future));
  }
  std::set<std::string> ids;
  for (auto& f : racing) {
    auto r = f.get();
    ASSERT_TRUE(r) << r.error().message;
    ids.insert(r->actor_id);
  }
  ASSERT_EQ(ids.size(), 1U);
  const auto id = *ids.begin();
  auto r = run(runtime_->call_action(id, nullptr, "increment", rivet::Value::array({3})));
  ASSERT_TRUE(r) << r.error().message;
  close();
  open();
  auto found = run(runtime_->find_by_key("counter", ActorKey{"ready"}));
  ASSERT_TRUE(found && *found);
  EXPECT_EQ((*found)->actor_id, id);
  r = run(runtime_->call_action(id, nullptr, "getCount", rivet::Value::array()));
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 3);
  auto unknown = run(runtime_->get_or_create_ready({.name = "nope"}));
  ASSERT_FALSE(unknown);
  EXPECT_TRUE(unknown.error().is("actor", "not_found"));
}

TEST_F(RuntimeTest, GetOrCreateReadyFindsTheNewActorOfAKeyReusedAfterADestroy) {
  using rivet::protocol::ActorKey;
  // The first two calls resolve through the store, then through the remembered id.
  auto first = run(runtime_->get_or_create_ready({.name = "counter", .key = ActorKey{"reused"}}));
  ASSERT_TRUE(first) << first.error().message;
  auto again = run(runtime_->get_or_create_ready({.name = "counter", .key = ActorKey{"reused"}}));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->actor_id, first->actor_id);
  ASSERT_TRUE(run(runtime_->destroy(first->actor_id)));
  auto fresh = run(runtime_->get_or_create_ready({.name = "counter", .key = ActorKey{"reused"}}));
  ASSERT_TRUE(fresh) << fresh.error().message;
  EXPECT_NE(fresh->actor_id, first->actor_id);
  auto r = run(runtime_->call_action(fresh->actor_id, nullptr, "getCount", rivet::Value::array()));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, 0);
  // The same key under another definition is another actor, never the remembered one.
  auto other = run(runtime_->get_or_create_ready({.name = "watched", .key = ActorKey{"reused"}}));
  ASSERT_TRUE(other) << other.error().message;
  EXPECT_NE(other->actor_id, fresh->actor_id);
  close();
  open();
  auto after = run(runtime_->get_or_create_ready({.name = "counter", .key = ActorKey{"reused"}}));
  ASSERT_TRUE(after);
  EXPECT_EQ(after->actor_id, fresh->actor_id);
}

TEST(EngineExecutors, ActorsSpreadOverSingleThreadedContexts) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("rivet-core-executors-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto registry = make_registry();
  auto store = rivet::storage::Store::open({.path = (dir / "rivet.db").string()});
  ASSERT_TRUE(store);
  boost::asio::io_context first(1);
  boost::asio::io_context second(1);
  auto engine = std::make_unique<rivet::Runtime>(
      std::vector<boost::asio::any_io_executor>{first.get_executor(), second.get_executor()},
      registry, **store);
  auto guard1 = boost::asio::make_work_guard(first);
  auto guard2 = boost::asio::make_work_guard(second);
  std::thread t1([&] { first.run(); });
  std::thread t2([&] { second.run(); });
  std::set<const void*> used;
  for (int i = 0; i < 16; ++i) {
    auto made = boost::asio::co_spawn(
                    second,
                    engine->get_or_create_ready(
                        {.name = "counter", .key = rivet::protocol::ActorKey{std::to_string(i)}}),
                    boost::asio::use_future)
                    .get();
    ASSERT_TRUE(made) << made.error().message;
    used.insert(&boost::asio::query(engine->executor_for(made->actor_id),
                                    boost::asio::execution::context));
    auto r = boost::asio::co_spawn(first,
                                   engine->call_action(made->actor_id, nullptr, "increment",
                                                       rivet::Value::array({i})),
                                   boost::asio::use_future)
                 .get();
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(*r, i);
  }
  EXPECT_EQ(used.size(), 2U);
  boost::asio::co_spawn(first, engine->stop(), boost::asio::use_future).get();
  guard1.reset();
  guard2.reset();
  t1.join();
  t2.join();
  engine.reset();
  (*store)->close();
  std::filesystem::remove_all(dir);
}

TEST_F(RuntimeTest, ErrorsAreStructured) {
  auto id = create("counter", {"e"});
  auto r = run(runtime_->call_action(id, nullptr, "fail", rivet::Value::array()));
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is("user", "bad"));
  EXPECT_EQ(r.error().metadata["x"], 1);
  r = run(runtime_->call_action(id, nullptr, "crash", rivet::Value::array()));
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is("core", "internal_error"));
  EXPECT_EQ(r.error().message.find("secret"), std::string::npos);
  r = run(runtime_->call_action(id, nullptr, "nope", rivet::Value::array()));
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is("actor", "action_not_found"));
  r = run(runtime_->call_action(id, nullptr, "increment", rivet::Value::array({"x"})));
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is("actor", "invalid_argument"));
  r = run(runtime_->call_action("missing", nullptr, "getCount", rivet::Value::array()));
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is("actor", "not_found"));
}

TEST_F(RuntimeTest, EventsReachSubscribedConnectionsBeforeTheReply) {
  auto id = create("counter", {"ev"});
  auto sink = std::make_shared<RecordingSink>();
  auto other = std::make_shared<RecordingSink>();
  auto conn = run(runtime_->connect(id, nullptr, sink));
  ASSERT_TRUE(conn);
  auto conn2 = run(runtime_->connect(id, nullptr, other));
  ASSERT_TRUE(conn2);
  run((*conn)->subscribe("newCount", true));
  auto r = run((*conn)->call("increment", rivet::Value::array({3})));
  ASSERT_TRUE(r);
  {
    std::lock_guard lock(sink->mu);
    ASSERT_EQ(sink->events.size(), 1u);
    EXPECT_EQ(sink->events[0].first, "newCount");
    EXPECT_EQ(sink->events[0].second, rivet::Value::array({3}));
  }
  // A stateless call by someone else reaches the subscriber too.
  ASSERT_TRUE(run(runtime_->call_action(id, nullptr, "increment", rivet::Value::array({1}))));
  {
    std::lock_guard lock(sink->mu);
    EXPECT_EQ(sink->events.size(), 2u);
  }
  EXPECT_TRUE(other->events.empty());
  run((*conn)->disconnect());
  run((*conn2)->disconnect());
}

TEST_F(RuntimeTest, EscapedArgumentListsAreUnescapedForTypedArgs) {
  auto id = create("counter", {"esc"});
  auto args = rivet::Value::parse(R"(["$$x", 1])");
  auto r = run(runtime_->call_action(id, nullptr, "first", args));
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, "$x");
  r = run(runtime_->call_action(id, nullptr, "all", args));
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, args);  // the list stays in its compat (escaped) form
}

TEST_F(RuntimeTest, StateChangeHookRunsOncePerChangingAction) {
  auto id = create("watched", {"w"});
  for (int v : {1, 2, 2, 3}) {
    ASSERT_TRUE(run(runtime_->call_action(id, nullptr, "set", rivet::Value::array({v}))));
  }
  auto r = run(runtime_->call_action(id, nullptr, "changes", rivet::Value::array()));
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 3);
}

TEST_F(RuntimeTest, ConcurrentIncrementsAllApply) {
  auto id = create("counter", {"many"});
  std::vector<std::future<rivet::Result<rivet::Value>>> calls;
  for (int i = 0; i < 50; ++i) {
    calls.push_back(asio::co_spawn(
        io_, runtime_->call_action(id, nullptr, "increment", rivet::Value::array({1})),
        asio::use_future));
  }
  for (auto& f : calls) {
    ASSERT_TRUE(f.get());
  }
  auto r = run(runtime_->call_action(id, nullptr, "getCount", rivet::Value::array()));
  EXPECT_EQ(*r, 50);
}

TEST_F(RuntimeTest, SynchronousActionsTakeTheDirectPath) {
  const auto* def = registry_.find("counter");
  ASSERT_NE(def, nullptr);
  EXPECT_TRUE(def->sync_actions.contains("increment"));
  EXPECT_TRUE(def->sync_actions.contains("crash"));
  EXPECT_FALSE(def->sync_actions.contains("later"));  // returns a Task: coroutine + timeout
  // Every action stays callable through the coroutine table too.
  EXPECT_TRUE(def->actions.contains("increment"));
  EXPECT_TRUE(def->actions.contains("later"));
}

TEST_F(RuntimeTest, ReadOnlyStatelessCallsCommitNothing) {
  auto id = create("counter", {"quiet"});
  ASSERT_TRUE(run(runtime_->call_action(id, nullptr, "increment", rivet::Value::array({2}))));
  const auto before = store_->stats();
  for (int i = 0; i < 5; ++i) {
    auto r = run(runtime_->call_action(id, nullptr, "getCount", rivet::Value::array()));
    ASSERT_TRUE(r);
    EXPECT_EQ(*r, 2);
  }
  // No state change and no connection hooks: neither the call nor its transient connection
  // writes or waits on a group commit.
  EXPECT_EQ(store_->stats().transactions, before.transactions);
  EXPECT_EQ(store_->stats().batches, before.batches);
  ASSERT_TRUE(run(runtime_->call_action(id, nullptr, "increment", rivet::Value::array({1}))));
  EXPECT_EQ(store_->stats().batches, before.batches + 1);
}

}  // namespace
