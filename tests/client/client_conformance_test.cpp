// The C++ client against a server of the conformance fixtures, in each encoding, with typed
// calls. scripts/client-conformance.sh runs it twice: against our own fixture server, and
// against upstream RivetKit 2.3.19 hosted on a local Rivet Engine (tests/wire/upstream), so the
// client is shown to speak the protocol rather than only our server's dialect.
//
// Environment: RIVET_CLIENT_ENDPOINT (the server or the engine), RIVET_CLIENT_TARGET
// ("ours" or "upstream": where the two are known to differ, conformance-notes.md).

#include "fixture_actions.hpp"

#include <rivet/client/client.hpp>

#include "testing/eventually.hpp"
#include "testing/io_thread.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <concepts>
#include <cstdlib>
#include <mutex>
#include <random>
#include <thread>

namespace {

using rivet::Value;
using rivet::client::ActorHandle;
using rivet::client::Client;
using rivet::client::ClientOptions;
using namespace std::chrono_literals;
namespace fx = fixtures;

// A wrong argument type, a missing or extra argument, or a wrong result type does not compile.
template <class H, class... X>
concept CanIncrement = requires(const H& h, X... x) { h.call(fx::counter::increment, x...); };
static_assert(CanIncrement<ActorHandle, std::int64_t>);
static_assert(CanIncrement<ActorHandle, int>);
static_assert(!CanIncrement<ActorHandle, const char*>);
static_assert(!CanIncrement<ActorHandle, std::string>);
static_assert(!CanIncrement<ActorHandle>);
static_assert(!CanIncrement<ActorHandle, std::int64_t, std::int64_t>);
static_assert(std::same_as<decltype(std::declval<ActorHandle>().call(fx::counter::get_identity)),
                           rivet::client::Awaitable<rivet::Result<fx::counter::Identity>>>);

std::string env(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : fallback;
}

class Conformance : public ::testing::TestWithParam<rivet::protocol::Encoding> {
 protected:
  static bool upstream() { return env("RIVET_CLIENT_TARGET", "ours") == "upstream"; }

  Client client() {
    ClientOptions o;
    o.endpoint = env("RIVET_CLIENT_ENDPOINT", "http://127.0.0.1:6420");
    o.encoding = GetParam();
    o.timeout = 20s;
    return Client(io_.executor(), o);
  }

  template <class T>
  T run(rivet::client::Awaitable<T> task) {
    return io_.run(std::move(task));
  }
  void run(rivet::client::Awaitable<void> task) { io_.run(std::move(task)); }

  // Keys unique to this run: the servers keep their data between runs.
  static std::string unique(const std::string& prefix) {
    static const std::string run_id = std::to_string(std::random_device{}());
    static std::atomic<int> n{0};
    return prefix + "-" + run_id + "-" + std::to_string(n++);
  }

  rivet::testing::IoThread io_;
};

using rivet::testing::eventually;

TEST_P(Conformance, TypedCallsKeepStateAndIdentity) {
  auto c = client();
  const rivet::protocol::ActorKey key{unique("typed"), "b/c", "ünï"};
  auto h = c.get_or_create("counter", key);
  auto first = run(h.call(fx::counter::increment, 2));
  ASSERT_TRUE(first) << first.error().qualified() << ": " << first.error().message;
  EXPECT_EQ(*first, 2);
  EXPECT_EQ(run(h.call(fx::counter::increment, 3)).value(), 5);
  EXPECT_EQ(run(h.call(fx::counter::get_count)).value(), 5);
  EXPECT_EQ(run(h.call(fx::counter::get_key)).value(), key);

  auto identity = run(h.call(fx::counter::get_identity));
  ASSERT_TRUE(identity) << identity.error().message;
  EXPECT_EQ(identity->name, "counter");
  EXPECT_EQ(identity->key, key);
  auto id = run(h.resolve());
  ASSERT_TRUE(id) << id.error().message;
  EXPECT_EQ(*id, identity->actorId);
  EXPECT_EQ(run(c.get_for_id("counter", *id).call(fx::counter::get_count)).value(), 5);
  EXPECT_EQ(run(c.get("counter", key).call(fx::counter::set_count, 40)).value(), 40);

  // A result that does not fit the declared type is the client's invalid_response.
  constexpr rivet::Action<std::string()> wrong{"getCount"};
  auto mismatched = run(h.call(wrong));
  ASSERT_FALSE(mismatched);
  EXPECT_EQ(mismatched.error().qualified(), "client.invalid_response");
}

TEST_P(Conformance, MissingActorsAndTakenKeys) {
  auto c = client();
  auto missing = run(c.get("counter", {unique("never")}).call(fx::counter::get_count));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().qualified(), "actor.not_found");

  const auto key = unique("created");
  rivet::client::CreateOptions with;
  with.input = Value{{"label", "hello"}, {"start", 10}};
  auto created = run(c.create("withInput", {key}, with));
  ASSERT_TRUE(created) << created.error().qualified() << ": " << created.error().message;
  auto state = run(created->call(fx::with_input::get_state));
  ASSERT_TRUE(state) << state.error().message;
  EXPECT_EQ(state->label, "hello");
  EXPECT_EQ(state->count, 10);
  EXPECT_EQ(state->input, *with.input);
  EXPECT_EQ(state->onCreateInput, *with.input);
  EXPECT_EQ(run(c.get("withInput", {key}).call(fx::with_input::increment, 1)).value(), 11);

  auto again = run(c.create("withInput", {key}));
  ASSERT_FALSE(again);
  if (!upstream()) {  // upstream on the engine reports a taken key less precisely
    EXPECT_EQ(again.error().qualified(), "actor.duplicate_key");
  }
}

TEST_P(Conformance, ErrorsKeepGroupCodeMessageAndMetadata) {
  auto h = client().get_or_create("errors", {unique("errors")});
  auto simple = run(h.call(fx::errors::throw_simple));
  ASSERT_FALSE(simple);
  EXPECT_EQ(simple.error().qualified(), "user.user_error");
  EXPECT_EQ(simple.error().message, "Something went wrong");

  auto detailed = run(h.call(fx::errors::throw_detailed));
  ASSERT_FALSE(detailed);
  EXPECT_EQ(detailed.error().qualified(), "user.out_of_stock");
  EXPECT_EQ(detailed.error().message, "Out of stock");
  const Value metadata{{"sku", "widget-7"}, {"available", 0}, {"tags", Value::array({"a", "b"})}};
  EXPECT_EQ(detailed.error().metadata, metadata);

  auto internal = run(h.call(fx::errors::throw_internal));
  ASSERT_FALSE(internal);
  EXPECT_EQ(internal.error().code, "internal_error");
  EXPECT_EQ(internal.error().message.find("hunter2"), std::string::npos);

  auto unknown = run(h.action("noSuchAction"));
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().group, "actor");
  EXPECT_EQ(run(h.call(fx::errors::ok)).value(), "ok");
}

TEST_P(Conformance, ValuesRoundTrip) {
  auto h = client().get_or_create("payloads", {unique("payloads")});
  const Value nested{{"a", Value::array({1, 2.5, "x", nullptr, true})},
                     {"b", Value{{"c", Value::object()}}},
                     {"n", 9007199254740991}};
  Value expected = nested;
  if (upstream() && GetParam() == rivet::protocol::Encoding::Json) {
    // Upstream's JSON encoding turns integers of 2^32 and above into 64-bit integers
    // (conformance-fixtures.md, "Beyond upstream"); ours keeps them numbers.
    expected["n"] = Value::array({"$BigInt", "9007199254740991"});
  }
  EXPECT_EQ(run(h.call(fx::payloads::echo, nested)).value(), expected);
  EXPECT_EQ(run(h.call(fx::payloads::size, std::string(1000, 'a'))).value(), 1000);
  EXPECT_EQ(run(h.call(fx::payloads::make, 50000)).value(), std::string(50000, 'x'));
  auto nothing = run(h.call(fx::payloads::nothing));
  ASSERT_TRUE(nothing) << nothing.error().message;
  // Nothing is null or the compat undefined, depending on the encoding.
  EXPECT_TRUE(nothing->is_null() || *nothing == Value::array({"$Undefined", 0})) << nothing->dump();
  auto args = run(h.action("echoArgs", Value::array({1, "two", Value::array({3})})));
  ASSERT_TRUE(args);
  EXPECT_EQ(*args, Value::array({1, "two", Value::array({3})}));
}

TEST_P(Conformance, ConnectionsCarryParamsStateAndEvents) {
  auto c = client();
  const auto key = unique("room");
  rivet::client::CreateOptions ann_params;
  ann_params.params = Value{{"name", "ann"}, {"role", "host"}};
  auto ann = run(c.get_or_create("chatRoom", {key}, ann_params).connect());
  ASSERT_TRUE(ann) << ann.error().qualified() << ": " << ann.error().message;
  rivet::client::CreateOptions bob_params;
  bob_params.params = Value{{"name", "bob"}};
  auto bob = run(c.get_or_create("chatRoom", {key}, bob_params).connect());
  ASSERT_TRUE(bob) << bob.error().message;
  EXPECT_EQ((*ann)->actor_id(), (*bob)->actor_id());

  std::mutex mu;
  std::vector<Value> messages;
  std::vector<Value> announced;
  ASSERT_TRUE(run((*bob)->on("message", [&](const Value& a) {
    std::lock_guard lock(mu);
    messages.push_back(a);
  })));
  ASSERT_TRUE(run((*bob)->on("announce", [&](const Value& a) {
    std::lock_guard lock(mu);
    announced.push_back(a);
  })));

  auto me = run((*ann)->call(fx::chat_room::who_am_i));
  ASSERT_TRUE(me) << me.error().message;
  EXPECT_EQ(me->name, "ann");
  EXPECT_EQ(me->role, "host");
  EXPECT_EQ(run((*ann)->call(fx::chat_room::bump)).value(), 1);
  EXPECT_EQ(run((*ann)->call(fx::chat_room::bump)).value(), 2);
  EXPECT_EQ(run((*bob)->call(fx::chat_room::who_am_i)).value().counter, 0);
  EXPECT_EQ(run((*bob)->call(fx::chat_room::list_names)).value(),
            (std::vector<std::string>{"ann", "bob"}));

  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(run((*ann)->call(fx::chat_room::say, "hi " + std::to_string(i))).value());
  }
  EXPECT_TRUE(run((*ann)->call(fx::chat_room::announce, Value("one"), Value{{"two", 2}})).value());
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(mu);
    return messages.size() == 5 && announced.size() == 1;
  }, 10s));
  {
    std::lock_guard lock(mu);
    for (int i = 0; i < 5; ++i) {
      EXPECT_EQ(messages[static_cast<std::size_t>(i)],
                Value::array({Value{{"from", "ann"}, {"text", "hi " + std::to_string(i)}}}));
    }
    EXPECT_EQ(announced[0], Value::array({"one", Value{{"two", 2}}}));
  }
  run((*bob)->close());
  run((*ann)->close());
  auto log = run(c.get("chatRoom", {key}).call(fx::chat_room::get_log));
  ASSERT_TRUE(log);
  EXPECT_TRUE(eventually([&] {
    auto now = run(c.get("chatRoom", {key}).call(fx::chat_room::get_log));
    return now && std::count(now->begin(), now->end(), "disconnect:ann") == 1 &&
           std::count(now->begin(), now->end(), "disconnect:bob") == 1;
  }, 10s));

  rivet::client::CreateOptions wrong;
  wrong.params = Value{{"secret", "wrong"}};
  auto refused = run(c.get_or_create("chatRoom", {key}, wrong).connect());
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().qualified(), "user.invalid_secret");
  EXPECT_EQ(refused.error().message, "Invalid secret");
}

TEST_P(Conformance, QueueSendsWithAndWithoutWait) {
  auto h = client().get_or_create("worker", {unique("worker")});
  auto sent = run(h.send("jobs", Value{{"n", 1}}));
  ASSERT_TRUE(sent) << sent.error().qualified() << ": " << sent.error().message;
  rivet::client::SendOptions wait;
  wait.wait = true;
  wait.timeout = 10000ms;
  auto waited = run(h.send("jobs", Value{{"n", 21}}, wait));
  ASSERT_TRUE(waited) << waited.error().message;
  EXPECT_TRUE(waited->completed);
  ASSERT_TRUE(waited->response);
  EXPECT_EQ(*waited->response, (Value{{"doubled", 42}, {"seq", 2}}));
  auto note = run(h.send("notes", Value("hello"), wait));
  ASSERT_TRUE(note) << note.error().message;
  EXPECT_TRUE(note->completed);
  EXPECT_EQ(run(h.call(fx::worker::get_processed)).value(), (std::vector<std::int64_t>{1, 21}));
  EXPECT_EQ(run(h.call(fx::worker::get_notes)).value(), (std::vector<std::string>{"hello"}));
}

TEST_P(Conformance, RawHttpReachesOnRequest) {
  auto h = client().get_or_create("rawHttp", {unique("http")});
  auto hello = run(h.fetch("GET", "hello"));
  ASSERT_TRUE(hello) << hello.error().qualified() << ": " << hello.error().message;
  EXPECT_EQ(hello->status, 200U);
  EXPECT_EQ(hello->body, "hello from rawHttp");
  ASSERT_NE(hello->header("content-type"), nullptr);
  EXPECT_EQ(hello->header("content-type")->rfind("text/plain", 0), 0U);

  const std::string body(300000, 'b');
  auto echo = run(h.fetch("PUT", "/echo", body, {{"content-type", "application/x-test"}}));
  ASSERT_TRUE(echo) << echo.error().message;
  EXPECT_EQ(echo->status, 200U);
  EXPECT_EQ(echo->body.size(), body.size());
  EXPECT_EQ(echo->body, body);
  ASSERT_NE(echo->header("x-echo-method"), nullptr);
  EXPECT_EQ(*echo->header("x-echo-method"), "PUT");

  auto inspect = run(h.fetch("POST", "/inspect?a=1&b=two", "", {{"x-custom-header", "yes"}}));
  ASSERT_TRUE(inspect) << inspect.error().message;
  EXPECT_EQ(Value::parse(inspect->body), (Value{{"method", "POST"},
                                                {"path", "/inspect"},
                                                {"query", Value{{"a", "1"}, {"b", "two"}}},
                                                {"custom", "yes"}}));
  auto status = run(h.fetch("GET", "/status/418"));
  ASSERT_TRUE(status);
  EXPECT_EQ(status->status, 418U);
  EXPECT_EQ(status->body, "status 418");
  auto missing = run(h.fetch("GET", "/nowhere"));
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404U);
  EXPECT_EQ(run(h.call(fx::raw::get_request_count)).value(), 5);
}

TEST_P(Conformance, RawWebSocketReachesOnWebSocket) {
  auto h = client().get_or_create("rawSocket", {unique("socket")});
  auto ws = run(h.web_socket("chat/room?x=1"));
  ASSERT_TRUE(ws) << ws.error().qualified() << ": " << ws.error().message;
  auto welcome = run((*ws)->receive());
  ASSERT_TRUE(welcome);
  const Value w = Value::parse(welcome->data);
  EXPECT_EQ(w["type"], "welcome");
  EXPECT_EQ(w["path"], "/websocket/chat/room");
  EXPECT_EQ(w["query"], (Value{{"x", "1"}}));
  ASSERT_TRUE(run((*ws)->send("ping")));
  EXPECT_EQ(run((*ws)->receive()).value().data, "pong");
  ASSERT_TRUE(run((*ws)->send("hello")));
  EXPECT_EQ(run((*ws)->receive()).value().data, "echo:hello");
  ASSERT_TRUE(run((*ws)->send(std::string("\x01\x02\x03", 3), true)));
  auto reversed = run((*ws)->receive());
  ASSERT_TRUE(reversed);
  EXPECT_TRUE(reversed->binary);
  EXPECT_EQ(reversed->data, std::string("\x03\x02\x01", 3));
  ASSERT_TRUE(run((*ws)->send("bye")));
  EXPECT_FALSE(run((*ws)->receive()));
  EXPECT_EQ((*ws)->close_code(), 4001);
  EXPECT_EQ((*ws)->close_reason(), "requested");
  EXPECT_TRUE(eventually([&] {
    auto stats = run(h.call(fx::raw::get_stats));
    return stats && stats->opened == 1 && stats->closed == 1 && stats->messages == 4;
  }, 10s));
}

INSTANTIATE_TEST_SUITE_P(Encodings, Conformance,
                         ::testing::Values(rivet::protocol::Encoding::Json,
                                           rivet::protocol::Encoding::Cbor,
                                           rivet::protocol::Encoding::Bare),
                         [](const auto& info) {
                           return std::string(rivet::protocol::encoding_name(info.param));
                         });

}  // namespace
