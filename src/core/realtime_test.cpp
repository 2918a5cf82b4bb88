// Connections (typed state, hooks, canSubscribe), raw HTTP and raw WebSockets on the runtime.

#include <rivet/core/actor.hpp>
#include <rivet/core/runtime.hpp>
#include <rivet/core/shared_event.hpp>
#include <rivet/protocol/messages.hpp>

#include "core/test_runtime_fixture.hpp"

#include "testing/eventually.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <span>
#include <thread>

namespace {

using namespace std::chrono_literals;
using rivet::Value;

struct Log {
  std::vector<std::string> log;
  std::int64_t hits = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Log, log, hits)

struct Member {
  std::string name;
  int counter = 0;
};

std::string name_of(const Value& params) {
  if (params.is_object() && params.contains("name") && params["name"].is_string()) {
    return params["name"].get<std::string>();
  }
  return "anon";
}

Value join_headers(const rivet::RawRequest& r) {
  Value out = Value::object();
  for (const auto& h : r.headers) {
    out[h.name] = h.value;
  }
  return out;
}

rivet::RawResponse echo_response(const rivet::RawRequest& r, std::int64_t hits) {
  Value body{{"method", r.method},
             {"path", r.path},
             {"query", r.query},
             {"url", r.url},
             {"body", r.body.size()},
             {"hits", hits},
             {"x", r.query_param("x").value_or("-")},
             {"headers", join_headers(r)}};
  return rivet::RawResponse::json(200, body.dump());
}

rivet::Registry make_registry() {
  rivet::Registry registry;
  registry.use(
      rivet::actor<Log>("room")
          .on_before_connect([](auto&, const Value& params) {
            if (params.is_object() && params.value("secret", "") == "wrong") {
              throw rivet::UserError("Invalid secret", "invalid_secret", Value{{"hint", "no"}});
            }
          })
          .create_conn_state([](const Value& params) {
            return Member{name_of(params), 0};
          })
          .on_connect([](auto& c, rivet::Conn& conn) {
            c.state().log.push_back("connect:" + conn.state_as<Member>().name);
            c.broadcast("joined", conn.state_as<Member>().name);
          })
          .on_disconnect([](auto& c, rivet::Conn& conn) {
            c.state().log.push_back("disconnect:" + conn.state_as<Member>().name);
          })
          .can_subscribe([](auto& c, const std::string& event) {
            return event != "secret" || c.template conn_state<Member>().name == "admin";
          })
          .action("bump", [](auto& c) { return ++c.template conn_state<Member>().counter; })
          .action("getLog", [](auto& c) { return c.state().log; })
          .action("poke",
                  [](auto& c, std::string to) {
                    int reached = 0;
                    for (auto& conn : c.conns()) {
                      if (conn.template state_as<Member>().name == to) {
                        conn.send_values("poke", Value::array({"$x", 1}));
                        ++reached;
                      }
                    }
                    return reached;
                  })
          .action("shout", [](auto& c, std::string text) { c.broadcast("secret", text); })
          .on_request([](auto& c, rivet::RawRequest req) -> rivet::RawResponse {
            c.state().hits += 1;
            if (req.path == "/fail") {
              throw rivet::UserError("nope", "request_failed");
            }
            return echo_response(req, c.state().hits);
          })
          .on_websocket([](auto& c, rivet::WebSocket& ws) -> rivet::Task<void> {
            ws.send_text("hello " + ws.request().path);
            while (auto msg = co_await ws.receive()) {
              c.state().hits += 1;
              if (msg->binary) {
                ws.send_binary(std::string(msg->data.rbegin(), msg->data.rend()));
              } else if (msg->data == "bye") {
                ws.close(4001, "requested");
              } else if (msg->data == "throw") {
                throw rivet::UserError("boom", "socket_failed");
              } else {
                ws.send_text("echo:" + msg->data);
              }
            }
            c.state().log.push_back("socket-closed");
          }));
  rivet::ActorOptions quick;
  quick.sleep_timeout = 150ms;
  quick.action_timeout = 200ms;
  registry.use(
      rivet::actor<Log>("plain")
          .options(quick)
          .on_wake([](auto& c) { c.state().log.push_back("wake"); })
          .action("getLog", [](auto& c) { return c.state().log; })
          .on_request([](auto& c, const rivet::RawRequest&) -> rivet::Task<rivet::RawResponse> {
            co_await c.delay(1000ms);
            co_return rivet::RawResponse::text(200, "late");
          }));
  registry.use(rivet::actor<Log>("bare").action("getLog", [](auto& c) { return c.state().log; }));
  return registry;
}

class RecordingSink : public rivet::ConnectionSink {
 public:
  void send_event(const std::string& name, const Value& args) override {
    std::lock_guard lock(mu);
    events.emplace_back(name, args);
  }
  void close(std::string reason, bool) override {
    std::lock_guard lock(mu);
    closed = reason;
  }
  std::vector<std::pair<std::string, Value>> snapshot() {
    std::lock_guard lock(mu);
    return events;
  }
  std::mutex mu;
  std::vector<std::pair<std::string, Value>> events;
  std::string closed;
};

// Records each broadcast it is given, then hands the event to every sink in turn.
class RecordingPublisher : public rivet::EventPublisher {
 public:
  void publish(std::span<rivet::ConnectionSink* const> sinks,
               const std::shared_ptr<const rivet::SharedEvent>& event) override {
    {
      std::lock_guard lock(mu);
      published.emplace_back(event->name(), sinks.size());
    }
    for (auto* sink : sinks) {
      sink->send_shared_event(event);
    }
  }
  std::vector<std::pair<std::string, std::size_t>> snapshot() {
    std::lock_guard lock(mu);
    return published;
  }
  std::mutex mu;
  std::vector<std::pair<std::string, std::size_t>> published;  // event name, sinks
};

class SocketSink : public rivet::RawSocketSink {
 public:
  void send(std::string data, bool binary) override {
    std::lock_guard lock(mu);
    frames.emplace_back(binary ? "bin:" + data : data);
  }
  void close(std::uint16_t code, std::string reason) override {
    std::lock_guard lock(mu);
    close_code = code;
    close_reason = std::move(reason);
  }
  std::vector<std::string> snapshot() {
    std::lock_guard lock(mu);
    return frames;
  }
  int code() {
    std::lock_guard lock(mu);
    return close_code;
  }
  std::string reason() {
    std::lock_guard lock(mu);
    return close_reason;
  }
  std::mutex mu;
  std::vector<std::string> frames;
  int close_code = 0;
  std::string close_reason;
};

using rivet::testing::eventually;

class RealtimeTest : public rivet::testing::RuntimeFixture {
 protected:
  rivet::Registry make_registry() override { return ::make_registry(); }

  std::shared_ptr<rivet::ConnectionHandle> connect(const std::string& id, Value params,
                                                   std::shared_ptr<RecordingSink> sink) {
    auto r = run(runtime_->connect(id, std::move(params), std::move(sink)));
    EXPECT_TRUE(r) << (r ? "" : r.error().qualified());
    return r ? *r : nullptr;
  }

  /// The room's log without the entries of stateless calls (anonymous transient connections).
  Value named_log(const std::string& id) {
    Value out = Value::array();
    for (const auto& entry : call(id, "getLog")) {
      const auto& text = entry.get_ref<const std::string&>();
      if (text.find(":anon") == std::string::npos) {
        out.push_back(entry);
      }
    }
    return out;
  }

  rivet::RawRequest request(std::string method, std::string path, std::string query = "") {
    rivet::RawRequest r;
    r.method = std::move(method);
    r.path = std::move(path);
    r.query = std::move(query);
    r.url = "http://127.0.0.1" + r.path + (r.query.empty() ? "" : "?" + r.query);
    return r;
  }
};

TEST_F(RealtimeTest, TypedConnectionStateLivesWithTheConnection) {
  auto id = create("room", {"a"});
  auto sink = std::make_shared<RecordingSink>();
  auto conn = connect(id, Value{{"name", "ann"}}, sink);
  ASSERT_TRUE(conn);
  EXPECT_EQ(*run(conn->call("bump", Value::array())), 1);
  EXPECT_EQ(*run(conn->call("bump", Value::array())), 2);
  // Stateless calls get a fresh transient connection each time.
  EXPECT_EQ(call(id, "bump"), 1);
  EXPECT_EQ(call(id, "bump"), 1);
  run(conn->disconnect());
  run(conn->disconnect());  // exactly once
  conn.reset();
  auto log = call(id, "getLog");
  EXPECT_EQ(log, (Value{"connect:ann", "connect:anon", "disconnect:anon", "connect:anon",
                        "disconnect:anon", "disconnect:ann", "connect:anon"}));
}

TEST_F(RealtimeTest, RejectedConnectionNeverReachesOnConnect) {
  auto id = create("room", {"b"});
  auto r = run(runtime_->connect(id, Value{{"secret", "wrong"}}, std::make_shared<RecordingSink>()));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().qualified(), "user.invalid_secret");
  EXPECT_EQ(r.error().message, "Invalid secret");
  EXPECT_EQ(r.error().metadata, (Value{{"hint", "no"}}));
  auto http = run(runtime_->call_action(id, Value{{"secret", "wrong"}}, "getLog", Value::array()));
  ASSERT_FALSE(http);
  EXPECT_EQ(http.error().code, "invalid_secret");
  EXPECT_EQ(call(id, "getLog"), (Value{"connect:anon"}));
}

TEST_F(RealtimeTest, CanSubscribeAndSendOnlyReachTheirTargets) {
  auto id = create("room", {"c"});
  auto bob_sink = std::make_shared<RecordingSink>();
  auto admin_sink = std::make_shared<RecordingSink>();
  auto bob = connect(id, Value{{"name", "bob"}}, bob_sink);
  auto admin = connect(id, Value{{"name", "admin"}}, admin_sink);
  auto denied = run(bob->subscribe("secret", true));
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().qualified(), "auth.forbidden");
  EXPECT_TRUE(run(admin->subscribe("secret", true)));
  EXPECT_TRUE(run(bob->subscribe("joined", true)));
  EXPECT_EQ(*run(bob->call("shout", Value::array({"psst"}))), nullptr);
  EXPECT_EQ(*run(admin->call("poke", Value::array({"bob"}))), 1);
  auto carl = connect(id, Value{{"name", "carl"}}, std::make_shared<RecordingSink>());
  ASSERT_TRUE(eventually([&] { return bob_sink->snapshot().size() == 2; }));
  auto bob_events = bob_sink->snapshot();
  EXPECT_EQ(bob_events[0].first, "poke");
  // conn.send escapes its argument list like broadcast does.
  EXPECT_EQ(bob_events[0].second, (Value{"$$x", 1}));
  EXPECT_EQ(bob_events[1], (std::pair<std::string, Value>("joined", Value{"carl"})));
  auto admin_events = admin_sink->snapshot();
  ASSERT_EQ(admin_events.size(), 1U);
  EXPECT_EQ(admin_events[0], (std::pair<std::string, Value>("secret", Value{"psst"})));
  run(bob->disconnect());
  run(admin->disconnect());
  run(carl->disconnect());
}

// The runtime of these tests hands its broadcasts to a RecordingPublisher.
class PublisherTest : public RealtimeTest {
 protected:
  void SetUp() override {
    RealtimeTest::SetUp();
    run(runtime_->stop());
    runtime_ = std::make_unique<rivet::Runtime>(io_.get_executor(), registry_, *store_,
                                              rivet::RuntimeOptions{.publisher = publisher_});
  }
  std::shared_ptr<RecordingPublisher> publisher_ = std::make_shared<RecordingPublisher>();
};

TEST_F(PublisherTest, BroadcastReachesEverySubscribedSinkInOrderThroughThePublisher) {
  auto id = create("room", {"publish"});
  constexpr std::size_t kConnections = 200;
  std::vector<std::shared_ptr<RecordingSink>> sinks;
  std::vector<std::shared_ptr<rivet::ConnectionHandle>> conns;
  for (std::size_t i = 0; i < kConnections; ++i) {
    auto sink = std::make_shared<RecordingSink>();
    auto conn = connect(id, Value{{"name", "admin"}}, sink);
    ASSERT_TRUE(conn);
    ASSERT_TRUE(run(conn->subscribe("secret", true)));
    sinks.push_back(std::move(sink));
    conns.push_back(std::move(conn));
  }
  EXPECT_EQ(*run(conns[0]->call("shout", Value::array({"one"}))), nullptr);
  EXPECT_EQ(*run(conns[0]->call("shout", Value::array({"two"}))), nullptr);
  // Events for one connection each (conn.send) do not go through the publisher.
  EXPECT_EQ(*run(conns[0]->call("poke", Value::array({"admin"}))), 200);
  // Every event was handed over before its action returned.
  for (std::size_t i = 0; i < kConnections; ++i) {
    const auto events = sinks[i]->snapshot();
    ASSERT_EQ(events.size(), 3U) << i;
    EXPECT_EQ(events[0], (std::pair<std::string, Value>("secret", Value{"one"}))) << i;
    EXPECT_EQ(events[1], (std::pair<std::string, Value>("secret", Value{"two"}))) << i;
    EXPECT_EQ(events[2].first, "poke") << i;
  }
  EXPECT_EQ(publisher_->snapshot(),
            (std::vector<std::pair<std::string, std::size_t>>{{"secret", kConnections},
                                                              {"secret", kConnections}}));
  for (auto& conn : conns) {
    run(conn->disconnect());
  }
}

TEST_F(RealtimeTest, RawRequestRunsInsideTheConnectSequence) {
  auto id = create("room", {"d"});
  auto req = request("PUT", "/echo", "x=a%20b&y=2");
  req.headers.push_back({"x-custom", "1"});
  req.body = std::string("\0binary\xff", 8);
  auto r = run(runtime_->handle_request(id, Value{{"name", "web"}}, req));
  ASSERT_TRUE(r) << r.error().qualified();
  EXPECT_EQ(r->status, 200U);
  EXPECT_EQ(*r->header("Content-Type"), "application/json");
  auto body = Value::parse(r->body);
  EXPECT_EQ(body["method"], "PUT");
  EXPECT_EQ(body["path"], "/echo");
  EXPECT_EQ(body["x"], "a b");
  EXPECT_EQ(body["hits"], 1);
  EXPECT_EQ(body["headers"]["x-custom"], "1");
  EXPECT_EQ(body["body"], 8);
  EXPECT_EQ(call(id, "getLog"), (Value{"connect:web", "disconnect:web", "connect:anon"}));

  auto failed = run(runtime_->handle_request(id, nullptr, request("GET", "/fail")));
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().qualified(), "user.request_failed");
  auto rejected = run(runtime_->handle_request(id, Value{{"secret", "wrong"}}, request("GET", "/")));
  ASSERT_FALSE(rejected);
  EXPECT_EQ(rejected.error().code, "invalid_secret");
}

TEST_F(RealtimeTest, RawRequestTimesOutAndMissingHandlerIs404) {
  auto id = create("plain", {"e"});
  auto r = run(runtime_->handle_request(id, nullptr, request("GET", "/")));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().qualified(), "actor.action_timed_out");
  auto bare = run(runtime_->handle_request(create("bare", {"e"}), nullptr, request("GET", "/")));
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->status, 404U);
  EXPECT_TRUE(bare->body.empty());
}

TEST_F(RealtimeTest, QueryParamsAreFormDecoded) {
  rivet::RawRequest r;
  r.query = "a=1&b=x+y&c=%41%zz&&d";
  auto params = r.query_params();
  ASSERT_EQ(params.size(), 4U);
  EXPECT_EQ(params[1].second, "x y");
  EXPECT_EQ(params[2].second, "A%zz");
  EXPECT_EQ(params[3].first, "d");
  EXPECT_EQ(params[3].second, "");
  EXPECT_FALSE(r.query_param("zz"));
}

TEST_F(RealtimeTest, RawSocketEchoesAndClosesWithTheHandlersCode) {
  auto id = create("room", {"f"});
  auto sink = std::make_shared<SocketSink>();
  auto req = request("GET", "/websocket/chat");
  auto handle = run(runtime_->open_websocket(id, Value{{"name", "ws"}}, req, sink));
  ASSERT_TRUE(handle) << handle.error().qualified();
  run((*handle)->push({"hi", false}));
  run((*handle)->push({"abc", true}));
  ASSERT_TRUE(eventually([&] { return sink->snapshot().size() == 3; }));
  EXPECT_EQ(sink->snapshot(),
            (std::vector<std::string>{"hello /websocket/chat", "echo:hi", "bin:cba"}));
  run((*handle)->push({"bye", false}));
  ASSERT_TRUE(eventually([&] { return sink->code() == 4001; }));
  EXPECT_EQ(sink->reason(), "requested");
  run((*handle)->closed({4001, "requested"}));
  ASSERT_TRUE(eventually([&] { return named_log(id).size() == 3; }));
  EXPECT_EQ(named_log(id), (Value{"connect:ws", "socket-closed", "disconnect:ws"}));
}

TEST_F(RealtimeTest, RawSocketHandlerFailureClosesWithItsCode) {
  auto id = create("room", {"g"});
  auto sink = std::make_shared<SocketSink>();
  auto handle = run(runtime_->open_websocket(id, nullptr, request("GET", "/websocket/"), sink));
  ASSERT_TRUE(handle);
  run((*handle)->push({"throw", false}));
  ASSERT_TRUE(eventually([&] { return sink->code() == 1011; }));
  EXPECT_EQ(sink->reason(), "user.socket_failed");
  auto none =
      run(runtime_->open_websocket(create("plain", {"g"}), nullptr, request("GET", "/websocket/"),
                                  std::make_shared<SocketSink>()));
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().qualified(), "actor.websocket_not_supported");
  auto rejected = run(
      runtime_->open_websocket(id, Value{{"secret", "wrong"}}, request("GET", "/websocket/"), sink));
  ASSERT_FALSE(rejected);
  EXPECT_EQ(rejected.error().qualified(), "user.invalid_secret");
}

TEST_F(RealtimeTest, ActorStopClosesRawSocketsAfterTheHandlerFinished) {
  auto id = create("room", {"h"});
  auto sink = std::make_shared<SocketSink>();
  auto handle =
      run(runtime_->open_websocket(id, Value{{"name", "s"}}, request("GET", "/websocket/"), sink));
  ASSERT_TRUE(handle);
  run((*handle)->push({"one", false}));
  ASSERT_TRUE(eventually([&] { return sink->snapshot().size() == 2; }));
  close();
  EXPECT_EQ(sink->code(), 1011);
  EXPECT_EQ(sink->reason(), "actor.stopped");
  handle->reset();
  open();
  auto log = call(id, "getLog");
  EXPECT_EQ(log, (Value{"connect:s", "disconnect:s", "socket-closed", "connect:anon"}));
  EXPECT_EQ(sink->snapshot(), (std::vector<std::string>{"hello /websocket/", "echo:one"}));
}

TEST_F(RealtimeTest, OpenConnectionsKeepTheActorAwake) {
  auto id = create("plain", {"i"});
  EXPECT_EQ(call(id, "getLog"), (Value{"wake"}));
  auto sink = std::make_shared<RecordingSink>();
  auto conn = connect(id, nullptr, sink);
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(*run(conn->call("getLog", Value::array())), (Value{"wake"}));
  run(conn->disconnect());
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(call(id, "getLog"), (Value{"wake", "wake"}));
}

}  // namespace

namespace {

TEST(SharedEventTest, EncodesOncePerEncodingAndMatchesTheCodec) {
  rivet::SharedEvent event("tick", Value::array({1, "two"}));
  const auto& bare = event.encoded(rivet::protocol::Encoding::Bare);
  EXPECT_EQ(&bare, &event.encoded(rivet::protocol::Encoding::Bare));
  EXPECT_EQ(bare, rivet::protocol::encode_to_client(
                      rivet::protocol::Event{"tick", Value::array({1, "two"})},
                      rivet::protocol::Encoding::Bare));
  const auto& json = event.encoded(rivet::protocol::Encoding::Json);
  EXPECT_EQ(std::string(json.begin(), json.end()),
            R"({"body":{"tag":"Event","val":{"name":"tick","args":[1,"two"]}}})");
}

}  // namespace
