// The C++ client against a real server on 127.0.0.1 (port 0), in all three encodings.

#include <rivet/client/client.hpp>
#include <rivet/rivet.hpp>

#include "testing/eventually.hpp"
#include "testing/io_thread.hpp"
#include "testing/suite_server.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <random>
#include <thread>

namespace {

using rivet::Value;
using rivet::client::Client;
using rivet::client::ClientOptions;
using namespace std::chrono_literals;

struct Count {
  std::int64_t count = 0;
  std::vector<Value> jobs;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Count, count, jobs)

struct Input {
  std::string label;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Input, label)

struct Who {
  std::string name;
};

rivet::Task<void> job_loop(rivet::ActionContext<Count>& c) {
  for (;;) {
    auto msg = co_await c.queue().next();
    if (!msg) {
      continue;
    }
    c.state().jobs.push_back(msg->body());
    Value done = Value::object();
    done["done"] = msg->body();
    co_await msg->complete(std::move(done));
  }
}

rivet::Registry make_registry() {
  rivet::Registry registry;
  registry.use(
      rivet::actor<Count>("counter")
          .create_state([](auto&, const Value& input) {
            Count s;
            if (input.is_object() && input.contains("start")) {
              s.count = input["start"].get<std::int64_t>();
            }
            return s;
          })
          .on_before_connect([](auto&, const Value& params) {
            if (params.is_object() && params.value("secret", "") == "wrong") {
              throw rivet::UserError("Invalid secret", "invalid_secret", Value{{"hint", "no"}});
            }
          })
          .create_conn_state([](const Value& params) {
            return Who{params.is_object() ? params.value("name", "anon") : "anon"};
          })
          .can_subscribe([](auto&, const std::string& event) { return event != "secret"; })
          .queues({"jobs"})
          .run([](auto& c) { return job_loop(c); })
          .action("increment",
                  [](auto& c, std::int64_t by) {
                    c.state().count += by;
                    c.broadcast("newCount", c.state().count);
                    return c.state().count;
                  })
          .action("getCount", [](auto& c) { return c.state().count; })
          .action("whoami", [](auto& c) { return c.template conn_state<Who>().name; })
          .action("echo", [](auto&, Value v) { return v; })
          .action("first", [](auto&, Value a, Value) { return a; })
          .action("fail",
                  [](auto&) -> int {
                    throw rivet::UserError("It failed on purpose", "on_purpose", Value{{"x", 1}});
                  })
          .action("pair", [](auto& c) { c.broadcast("pair", std::string("$x"), 1); })
          .on_websocket([](auto&, rivet::WebSocket& ws) -> rivet::Task<void> {
            ws.send_text("hello " + ws.request().path);
            while (auto msg = co_await ws.receive()) {
              if (msg->binary) {
                ws.send_binary(std::string(msg->data.rbegin(), msg->data.rend()));
              } else if (msg->data == "bye") {
                ws.close(4001, "requested");
              } else {
                ws.send_text("echo:" + msg->data);
              }
            }
          })
          .on_request([](auto&, rivet::RawRequest req) {
            const auto* custom = req.header("x-custom");
            Value seen{{"method", req.method},
                       {"path", req.path},
                       {"query", req.query},
                       {"body", req.body},
                       {"custom", custom != nullptr ? *custom : ""}};
            auto res = rivet::RawResponse::json(req.path == "/missing" ? 404 : 200, seen.dump());
            res.set("x-answer", "42");
            return res;
          }));
  return registry;
}

class ClientTest : public ::testing::TestWithParam<rivet::protocol::Encoding> {
 protected:
  static void SetUpTestSuite() {
    auto started = server_.start(make_registry(), "rivet-client-test");
    ASSERT_TRUE(started) << started.error().message;
  }

  static void TearDownTestSuite() { server_.stop(); }

  Client client() {
    ClientOptions o;
    o.endpoint = server_->endpoint();
    o.encoding = GetParam();
    o.timeout = 10s;
    return Client(io_.executor(), o);
  }

  template <class T>
  T run(rivet::client::Awaitable<T> task) {
    return io_.run(std::move(task));
  }
  void run(rivet::client::Awaitable<void> task) { io_.run(std::move(task)); }

  std::string unique(const std::string& prefix) {
    return prefix + "-" + std::string(rivet::protocol::encoding_name(GetParam())) + "-" +
           std::to_string(counter_++);
  }

  static inline rivet::testing::SuiteServer server_;
  static inline std::atomic<int> counter_{0};
  rivet::testing::IoThread io_;
};

using rivet::testing::eventually;

TEST_P(ClientTest, GetOrCreateThenActionsKeepState) {
  auto c = client();
  const auto key = unique("a");
  auto h = c.get_or_create("counter", {key, "b/c"});
  EXPECT_EQ(*run(h.action("increment", Value::array({2}))), 2);
  EXPECT_EQ(*run(h.action("increment", Value::array({3}))), 5);
  auto id = run(h.resolve());
  ASSERT_TRUE(id) << id.error().message;
  // The same key from another handle, and the id, reach the same actor.
  EXPECT_EQ(*run(c.get("counter", {key, "b/c"}).action("getCount")), 5);
  EXPECT_EQ(*run(c.get("counter", {key, "b/c"}).resolve()), *id);
  EXPECT_EQ(*run(c.get_for_id("counter", *id).action("getCount")), 5);
  EXPECT_NE(h.gateway_url().find("/gateway/counter?rvt-namespace=default&rvt-method=getOrCreate"),
            std::string::npos);
}

TEST_P(ClientTest, GetOfAMissingActorIsNotFound) {
  auto c = client();
  auto r = run(c.get("counter", {unique("missing")}).action("getCount"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().qualified(), "actor.not_found");
  auto resolved = run(c.get("counter", {unique("missing")}).resolve());
  ASSERT_FALSE(resolved);
  EXPECT_EQ(resolved.error().qualified(), "actor.not_found");
}

TEST_P(ClientTest, CreateTakesInputAndRefusesATakenKey) {
  auto c = client();
  const auto key = unique("created");
  auto created = run(c.create("counter", {key}, {.input = Value{{"start", 40}}}));
  ASSERT_TRUE(created) << created.error().message;
  EXPECT_EQ(*run(created->action("increment", Value::array({2}))), 42);
  EXPECT_EQ(*run(c.get("counter", {key}).action("getCount")), 42);
  auto again = run(c.create("counter", {key}));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().qualified(), "actor.duplicate_key");
  // getOrCreate with input: the input counts only when it creates.
  auto h = c.get_or_create("counter", {unique("input")}, {.input = Value{{"start", 7}}});
  EXPECT_EQ(*run(h.action("getCount")), 7);
}

TEST_P(ClientTest, ErrorsArriveWithGroupCodeMessageAndMetadata) {
  auto c = client();
  auto h = c.get_or_create("counter", {unique("errors")});
  auto failed = run(h.action("fail"));
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().qualified(), "user.on_purpose");
  EXPECT_EQ(failed.error().message, "It failed on purpose");
  EXPECT_EQ(failed.error().metadata, (Value{{"x", 1}}));
  auto missing = run(h.action("nope"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().qualified(), "actor.action_not_found");
  auto bad_args = run(h.action("increment", Value::array({"text"})));
  ASSERT_FALSE(bad_args);
  EXPECT_EQ(bad_args.error().group, "actor");
  // Connection params reach onBeforeConnect on stateless calls too.
  auto rejected =
      run(c.get_for_id("counter", *run(h.resolve()), {.params = Value{{"secret", "wrong"}}})
              .action("getCount"));
  ASSERT_FALSE(rejected);
  EXPECT_EQ(rejected.error().qualified(), "user.invalid_secret");
  EXPECT_EQ(rejected.error().metadata, (Value{{"hint", "no"}}));
}

TEST_P(ClientTest, ArgumentsAndResultsKeepTheirValues) {
  auto c = client();
  auto h = c.get_or_create("counter", {unique("values")});
  // Values are compat form: ["$$foo", 1] is the JS array ["$foo", 1], the others are tags.
  const std::vector<Value> values{
      Value{{"n", 1.5}, {"s", "é\u0000x"}, {"list", Value::array({1, "two", nullptr, true})}},
      Value{{"x", Value::array({"$$foo", 1})}, {"y", Value::array({"$foo", 1, 2})}},
      Value::array({"$BigInt", "12345678901234567890123"}),
      Value::array({"$Uint8Array", "AAEC/w=="}),
      Value::array({"$Undefined", 0}),
      Value::array({"$$", nullptr}),
      Value(-9007199254740991),
      Value(""),
  };
  for (const auto& v : values) {
    auto echoed = run(h.action("echo", Value::array({v})));
    ASSERT_TRUE(echoed) << v.dump() << ": " << echoed.error().qualified() << " "
                        << echoed.error().message;
    EXPECT_EQ(*echoed, v) << v.dump();
  }
  // An argument list shaped like a tag is still a list of arguments.
  EXPECT_EQ(*run(h.action("first", Value::array({"$x", 1}))), "$x");
  EXPECT_EQ(*run(h.action("first", Value::array({"$BigInt", "5"}))), "$BigInt");
}

TEST_P(ClientTest, FetchReachesTheRequestHandler) {
  auto c = client();
  auto h = c.get_or_create("counter", {unique("fetch")});
  auto res = run(h.fetch("POST", "/echo/it?x=1&y=a%20b", "hello", {{"x-custom", "v"}}));
  ASSERT_TRUE(res) << res.error().message;
  EXPECT_EQ(res->status, 200U);
  ASSERT_NE(res->header("x-answer"), nullptr);
  EXPECT_EQ(*res->header("x-answer"), "42");
  EXPECT_EQ(Value::parse(res->body), (Value{{"method", "POST"},
                                            {"path", "/echo/it"},
                                            {"query", "x=1&y=a%20b"},
                                            {"body", "hello"},
                                            {"custom", "v"}}));
  // A status of the handler's is an answer, not an error.
  auto missing = run(h.fetch("GET", "missing"));
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404U);
  auto bad = run(h.fetch("NOT A METHOD", "/"));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().qualified(), "client.invalid_argument");
}

TEST_P(ClientTest, RawWebSocketsCarryTextBinaryAndCloseCodes) {
  auto c = client();
  auto h = c.get_or_create("counter", {unique("raw")});
  auto ws = run(h.web_socket("/chat/room"));
  ASSERT_TRUE(ws) << ws.error().message;
  auto hello = run((*ws)->receive());
  ASSERT_TRUE(hello);
  EXPECT_EQ(hello->data, "hello /websocket/chat/room");
  EXPECT_FALSE(hello->binary);
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(run((*ws)->send("m" + std::to_string(i))));
  }
  for (int i = 0; i < 5; ++i) {
    auto m = run((*ws)->receive());
    ASSERT_TRUE(m);
    EXPECT_EQ(m->data, "echo:m" + std::to_string(i));
  }
  ASSERT_TRUE(run((*ws)->send(std::string("\x00\x01\xff", 3), true)));
  auto bin = run((*ws)->receive());
  ASSERT_TRUE(bin);
  EXPECT_TRUE(bin->binary);
  EXPECT_EQ(bin->data, std::string("\xff\x01\x00", 3));
  ASSERT_TRUE(run((*ws)->send("bye")));
  EXPECT_FALSE(run((*ws)->receive()));
  EXPECT_EQ((*ws)->close_code(), 4001);
  EXPECT_EQ((*ws)->close_reason(), "requested");
  auto after = run((*ws)->send("late"));
  ASSERT_FALSE(after);
  EXPECT_EQ(after.error().qualified(), "client.connection_closed");

  // Closing from the client side.
  auto other = run(h.web_socket());
  ASSERT_TRUE(other) << other.error().message;
  EXPECT_EQ(run((*other)->receive())->data, "hello /websocket/");
  run((*other)->close(1000, "done"));
  EXPECT_EQ((*other)->close_code(), 1000);
  EXPECT_FALSE(run((*other)->receive()));
}

TEST_P(ClientTest, QueueSendsReachTheRunLoop) {
  auto c = client();
  auto h = c.get_or_create("counter", {unique("queue")});
  auto sent = run(h.send("jobs", Value{{"n", 1}}));
  ASSERT_TRUE(sent) << sent.error().message;
  EXPECT_TRUE(sent->completed);
  auto waited = run(h.send("jobs", Value{{"n", 2}}, {.wait = true, .timeout = 5000ms}));
  ASSERT_TRUE(waited) << waited.error().message;
  EXPECT_TRUE(waited->completed);
  ASSERT_TRUE(waited->response);
  EXPECT_EQ(*waited->response, (Value{{"done", Value{{"n", 2}}}}));
  // As upstream, a queue the actor does not declare takes nothing and says completed.
  auto undeclared = run(h.send("nope", Value{{"n", 3}}));
  ASSERT_TRUE(undeclared) << undeclared.error().message;
  EXPECT_TRUE(undeclared->completed);
  EXPECT_EQ(*run(h.action("getCount")), 0);
}

TEST_P(ClientTest, ConnectionsRunActionsAndReceiveTheirEventsInOrder) {
  auto c = client();
  auto h = c.get_or_create("counter", {unique("conn")}, {.params = Value{{"name", "ann"}}});
  auto conn = run(h.connect());
  ASSERT_TRUE(conn) << conn.error().message;
  EXPECT_FALSE((*conn)->actor_id().empty());
  EXPECT_FALSE((*conn)->connection_id().empty());
  EXPECT_EQ(*run((*conn)->action("whoami")), "ann");

  std::mutex mu;
  std::vector<Value> seen;
  ASSERT_TRUE(run((*conn)->on("newCount", [&](const Value& args) {
    std::lock_guard lock(mu);
    seen.push_back(args);
  })));
  // Another client's stateless calls reach this connection's subscription.
  for (int i = 1; i <= 20; ++i) {
    ASSERT_TRUE(run(h.action("increment", Value::array({1}))));
  }
  EXPECT_EQ(*run((*conn)->action("increment", Value::array({1}))), 21);
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(mu);
    return seen.size() == 21;
  }));
  {
    std::lock_guard lock(mu);
    for (std::size_t i = 0; i < seen.size(); ++i) {
      EXPECT_EQ(seen[i], Value::array({static_cast<int>(i + 1)}));
    }
  }
  // A $-pair argument list arrives as sent.
  std::vector<Value> pairs;
  ASSERT_TRUE(run((*conn)->on("pair", [&](const Value& args) {
    std::lock_guard lock(mu);
    pairs.push_back(args);
  })));
  ASSERT_TRUE(run((*conn)->action("pair")));
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(mu);
    return pairs.size() == 1;
  }));
  EXPECT_EQ(pairs[0], Value::array({"$x", 1}));
  // After off() no more events of that name.
  ASSERT_TRUE(run((*conn)->off("newCount")));
  ASSERT_TRUE(run((*conn)->action("increment", Value::array({1}))));
  std::this_thread::sleep_for(50ms);
  {
    std::lock_guard lock(mu);
    EXPECT_EQ(seen.size(), 21U);
  }
  // Errors of actions on a connection keep the connection open.
  auto failed = run((*conn)->action("fail"));
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().qualified(), "user.on_purpose");
  EXPECT_EQ(*run((*conn)->action("getCount")), 22);
  run((*conn)->close());
  auto after = run((*conn)->action("getCount"));
  ASSERT_FALSE(after);
  EXPECT_EQ(after.error().qualified(), "client.connection_closed");
}

TEST_P(ClientTest, ARejectedConnectionFailsWithTheHooksError) {
  auto c = client();
  auto h = c.get_or_create("counter", {unique("reject")}, {.params = Value{{"secret", "wrong"}}});
  auto conn = run(h.connect());
  ASSERT_FALSE(conn);
  EXPECT_EQ(conn.error().qualified(), "user.invalid_secret");
  EXPECT_EQ(conn.error().message, "Invalid secret");
}

TEST_P(ClientTest, ARefusedSubscriptionEndsTheConnection) {
  auto c = client();
  auto conn = run(c.get_or_create("counter", {unique("refused")}).connect());
  ASSERT_TRUE(conn) << conn.error().message;
  std::mutex mu;
  std::optional<rivet::Error> ended;
  (*conn)->on_closed([&](const rivet::Error& e) {
    std::lock_guard lock(mu);
    ended = e;
  });
  ASSERT_TRUE(run((*conn)->on("secret", [](const Value&) {})));
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(mu);
    return ended.has_value();
  }));
  EXPECT_EQ(ended->qualified(), "auth.forbidden");
  auto after = run((*conn)->action("getCount"));
  ASSERT_FALSE(after);
  EXPECT_EQ(after.error().qualified(), "auth.forbidden");
  run((*conn)->close());
}

TEST_P(ClientTest, AnUnreachableServerIsATransportError) {
  ClientOptions o;
  o.endpoint = "http://127.0.0.1:1";  // nothing listens on port 1
  o.encoding = GetParam();
  o.timeout = 2s;
  Client c(io_.executor(), o);
  auto r = run(c.get_or_create("counter", {"x"}).action("getCount"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().qualified(), "client.connection_failed");
  ClientOptions bad;
  bad.endpoint = "ftp://example";
  Client d(io_.executor(), bad);
  auto b = run(d.get_or_create("counter", {"x"}).action("getCount"));
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().qualified(), "client.invalid_endpoint");
}

// A server of its own that the test stops and starts again on the same port and data.
class RestartingServer {
 public:
  explicit RestartingServer(const rivet::Registry& registry) : registry_(registry) {
    std::random_device rd;
    dir_ =
        (std::filesystem::temp_directory_path() / ("rivet-client-restart-" + std::to_string(rd())))
            .string();
    start();
  }
  ~RestartingServer() {
    stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  void start() {
    rivet::ServerOptions options;
    options.port = port_;
    options.data_dir = dir_;
    options.threads = 2;
    options.reconnect_drain = 0ms;
    auto started = rivet::Server::start(registry_, options);
    ASSERT_TRUE(started) << started.error().message;
    server_ = std::move(*started);
    port_ = server_->port();
  }
  void stop() {
    if (server_) {
      server_->stop();
      server_.reset();
    }
  }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  const rivet::Registry& registry_;
  std::string dir_;
  std::uint16_t port_ = 0;
  std::unique_ptr<rivet::Server> server_;
};

TEST_P(ClientTest, AConnectionReconnectsAcrossAServerRestart) {
  RestartingServer server(server_.registry());
  ClientOptions o;
  o.endpoint = server.endpoint();
  o.encoding = GetParam();
  o.timeout = 5s;
  Client c(io_.executor(), o);
  auto h = c.get_or_create("counter", {unique("restart")}, {.params = Value{{"name", "ann"}}});
  rivet::client::ConnectOptions fast;
  fast.min_backoff = 20ms;
  fast.max_backoff = 200ms;
  auto conn = run(h.connect(fast));
  ASSERT_TRUE(conn) << conn.error().message;
  std::mutex mu;
  std::vector<rivet::client::ConnectionStatus> statuses;
  std::vector<Value> seen;
  (*conn)->on_status([&](rivet::client::ConnectionStatus s) {
    std::lock_guard lock(mu);
    statuses.push_back(s);
  });
  ASSERT_TRUE(run((*conn)->on("newCount", [&](const Value& args) {
    std::lock_guard lock(mu);
    seen.push_back(args);
  })));
  EXPECT_EQ(*run((*conn)->action("increment", Value::array({1}))), 1);
  const auto first_id = (*conn)->connection_id();

  server.stop();
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(mu);
    return !statuses.empty();
  }));
  server.start();
  // An action called now waits for the new connection, then runs as it.
  EXPECT_EQ(*run((*conn)->action("increment", Value::array({1}))), 2);
  EXPECT_NE((*conn)->connection_id(), first_id);
  EXPECT_EQ(*run((*conn)->action("whoami")), "ann");
  // The subscription was renewed: another client's call reaches it.
  ASSERT_TRUE(run(h.action("increment", Value::array({1}))));
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(mu);
    return !seen.empty() && seen.back() == Value::array({3});
  }));
  {
    std::lock_guard lock(mu);
    ASSERT_GE(statuses.size(), 2U);
    EXPECT_EQ(statuses.front(), rivet::client::ConnectionStatus::reconnecting);
    EXPECT_EQ(statuses.back(), rivet::client::ConnectionStatus::connected);
  }
  run((*conn)->close());

  // Without reconnecting, the drop ends the connection and on_closed says why.
  rivet::client::ConnectOptions once;
  once.reconnect = false;
  auto single = run(h.connect(once));
  ASSERT_TRUE(single) << single.error().message;
  std::optional<rivet::Error> ended;
  (*single)->on_closed([&](const rivet::Error& e) {
    std::lock_guard lock(mu);
    ended = e;
  });
  // And close() while a connection waits to reconnect returns at once.
  auto waiting = run(h.connect(fast));
  ASSERT_TRUE(waiting) << waiting.error().message;
  server.stop();
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(mu);
    return ended.has_value();
  }));
  EXPECT_EQ(ended->group, "ws");  // the server's going-away close
  const auto before = std::chrono::steady_clock::now();
  run((*waiting)->close());
  EXPECT_LT(std::chrono::steady_clock::now() - before, 2s);
  auto after = run((*waiting)->action("getCount"));
  ASSERT_FALSE(after);
  run((*single)->close());
}

INSTANTIATE_TEST_SUITE_P(Encodings, ClientTest,
                         ::testing::Values(rivet::protocol::Encoding::Json,
                                           rivet::protocol::Encoding::Cbor,
                                           rivet::protocol::Encoding::Bare),
                         [](const auto& info) {
                           return std::string(rivet::protocol::encoding_name(info.param));
                         });

}  // namespace
