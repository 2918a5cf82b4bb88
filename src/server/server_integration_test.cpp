// End to end over real sockets: rivet::Server on 127.0.0.1 port 0 with a tiny registry, and a
// blocking Beast client speaking HTTP and WebSocket like the official client does.

#include <rivet/core/actor.hpp>
#include <rivet/protocol/encoding.hpp>
#include <rivet/server/serve.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "testing/suite_server.hpp"

#include <gtest/gtest.h>
#include <testing/prometheus_text.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>

namespace rivet {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;

struct CounterState {
  std::int64_t count = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(CounterState, count)

Registry make_registry() {
  Registry registry;
  registry.use(actor<CounterState>("counter")
                   .action("increment",
                           [](auto& c, std::int64_t amount) {
                             c.state().count += amount;
                             c.broadcast("newCount", c.state().count);
                             return c.state().count;
                           })
                   .action("getCount", [](auto& c) { return c.state().count; })
                   .action("shout", [](auto& c, std::int64_t seq, std::int64_t size) {
                     c.broadcast("shout", seq, std::string(static_cast<std::size_t>(size), 'x'));
                     return seq;
                   }));
  return registry;
}

constexpr std::string_view kIndexPage = "<!doctype html><title>dashboard</title>";

struct Reply {
  unsigned status = 0;
  http::fields headers;
  std::string body;
  [[nodiscard]] Value json() const { return Value::parse(body); }
};

class ServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ServerOptions options;
    options.data_dir = testing::SuiteServer::new_data_dir("rivet-server-test");
    // A stand-in for the built dashboard (apps/dashboard): an index page and one asset.
    options.ui_dir = options.data_dir + "-ui";
    std::filesystem::create_directories(options.ui_dir + "/assets");
    std::ofstream(options.ui_dir + "/index.html") << kIndexPage;
    std::ofstream(options.ui_dir + "/assets/app-1f2e.js") << "export {}";
    auto started = server_.start(make_registry(), "rivet-server-test", options);
    ASSERT_TRUE(started) << started.error().message;
  }

  static void TearDownTestSuite() { server_.stop(server_.data_dir() + "-ui"); }

  static Reply request(http::verb method, const std::string& target, std::string body = {},
                       std::vector<std::pair<std::string, std::string>> headers = {}) {
    asio::io_context io;
    beast::tcp_stream stream(io);
    stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->port()));
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, "127.0.0.1");
    for (auto& [k, v] : headers) {
      req.set(k, v);
    }
    if (!body.empty()) {
      req.set(http::field::content_type, "application/json");
    }
    req.body() = std::move(body);
    req.prepare_payload();
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    Reply r;
    r.status = res.result_int();
    r.body = res.body();
    for (const auto& f : res) {
      r.headers.set(f.name_string(), f.value());
    }
    return r;
  }

  // A HEAD and then a GET of `target` on one keep-alive connection: the HEAD answer must carry
  // no body, or the GET's answer would be read from the wrong bytes.
  static std::pair<Reply, Reply> head_then_get(const std::string& target) {
    asio::io_context io;
    beast::tcp_stream stream(io);
    stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->port()));
    beast::flat_buffer buffer;
    auto exchange = [&](http::verb method) {
      http::request<http::empty_body> req{method, target, 11};
      req.set(http::field::host, "127.0.0.1");
      http::write(stream, req);
      http::response_parser<http::string_body> parser;
      parser.skip(method == http::verb::head);
      http::read(stream, buffer, parser);
      Reply r;
      r.status = parser.get().result_int();
      r.body = parser.get().body();
      for (const auto& f : parser.get()) {
        r.headers.set(f.name_string(), f.value());
      }
      return r;
    };
    auto head = exchange(http::verb::head);
    auto get = exchange(http::verb::get);
    return {std::move(head), std::move(get)};
  }

  static std::string create_counter(const std::string& key) {
    auto r = request(http::verb::post, "/actors?namespace=default",
                     R"({"name":"counter","key":")" + key +
                         R"(","runner_name_selector":"default","crash_policy":"sleep"})");
    EXPECT_EQ(r.status, 200U) << r.body;
    return r.json()["actor"]["actor_id"].get<std::string>();
  }

  static inline testing::SuiteServer server_;
};

TEST_F(ServerTest, HealthAndMetadata) {
  auto health = request(http::verb::get, "/health");
  EXPECT_EQ(health.status, 200U);
  EXPECT_EQ(health.json()["status"], "ok");
  EXPECT_FALSE(health.headers["x-rivet-ray-id"].empty());
  auto metadata = request(http::verb::get, "/metadata?namespace=default");
  EXPECT_EQ(metadata.status, 200U);
  EXPECT_TRUE(metadata.json().is_object());
  auto missing = request(http::verb::get, "/nope");
  EXPECT_EQ(missing.status, 404U);
  EXPECT_EQ(missing.json()["code"], "not_found");
}

TEST_F(ServerTest, DashboardIsServedUnderUi) {
  auto redirect = request(http::verb::get, "/ui");
  EXPECT_EQ(redirect.status, 308U);
  EXPECT_EQ(redirect.headers["location"], "/ui/");
  auto page = request(http::verb::get, "/ui/");
  EXPECT_EQ(page.status, 200U);
  EXPECT_EQ(page.body, kIndexPage);
  EXPECT_EQ(page.headers["content-type"], "text/html; charset=utf-8");
  EXPECT_EQ(page.headers["cache-control"], "no-cache");
  auto route = request(http::verb::get, "/ui/actors/abc/state");
  EXPECT_EQ(route.body, kIndexPage);
  auto asset = request(http::verb::get, "/ui/assets/app-1f2e.js");
  EXPECT_EQ(asset.status, 200U);
  EXPECT_EQ(asset.headers["cache-control"], "public, max-age=31536000, immutable");
  EXPECT_EQ(request(http::verb::get, "/ui/assets/gone-1.js").status, 404U);
  EXPECT_EQ(request(http::verb::get, "/ui/%2e%2e/%2e%2e/etc/passwd").status, 400U);
  EXPECT_EQ(request(http::verb::get, "/ui/../../etc/passwd").status, 400U);
  EXPECT_EQ(request(http::verb::post, "/ui/").status, 405U);
}

TEST_F(ServerTest, HeadAnswersHeadersWithoutBody) {
  auto [head, get] = head_then_get("/ui/");
  EXPECT_EQ(head.status, 200U);
  EXPECT_EQ(head.headers["content-type"], "text/html; charset=utf-8");
  EXPECT_EQ(head.headers["content-length"], std::to_string(kIndexPage.size()));
  EXPECT_TRUE(head.body.empty());
  EXPECT_EQ(get.status, 200U);
  EXPECT_EQ(get.body, kIndexPage);
}

TEST_F(ServerTest, MetricsPageCountsStorageAndActors) {
  auto id = create_counter("metrics-page");
  for (int i = 0; i < 3; ++i) {
    auto r = request(http::verb::post, "/gateway/" + id + "/action/increment", R"({"args":[1]})");
    ASSERT_EQ(r.status, 200U) << r.body;
  }
  auto page = request(http::verb::get, "/metrics");
  ASSERT_EQ(page.status, 200U) << page.body;
  EXPECT_EQ(page.headers["content-type"], "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_GE(testing::prom_value(page.body, "rivet_storage_commits_total").value_or(0), 1.0);
  EXPECT_GT(
      testing::prom_value(page.body, "rivet_storage_fsync_duration_seconds_count").value_or(0),
      0.0);
  // Set at scrape time for every registered definition; never negative.
  auto asleep = testing::prom_value(page.body, "rivet_actors_asleep", {{"actor", "counter"}});
  ASSERT_TRUE(asleep.has_value()) << page.body;
  EXPECT_GE(*asleep, 0.0);
  // The collector created the definition's series, so they are listed (at 0 until used).
  EXPECT_TRUE(testing::prom_value(page.body, "rivet_actor_wakes_total", {{"actor", "counter"}}));

  // The per-actor page behind the gateway is still there.
  auto actor_page = request(http::verb::get, "/gateway/" + id + "/metrics");
  EXPECT_EQ(actor_page.status, 200U);
  EXPECT_NE(actor_page.body.find("rivet_actor_up"), std::string::npos);
}

TEST_F(ServerTest, CreateAndActionRoundTripJson) {
  auto id = create_counter("round-trip");
  auto r = request(http::verb::post, "/gateway/" + id + "/action/increment", R"({"args":[5]})",
                   {{"x-rivet-encoding", "json"}});
  ASSERT_EQ(r.status, 200U) << r.body;
  EXPECT_EQ(r.json()["output"], 5);
  EXPECT_EQ(r.headers["x-rivet-actor"], id);
  EXPECT_EQ(r.headers["x-rivet-actor-key"], "round-trip");
  EXPECT_EQ(r.headers["content-type"], "application/json");

  auto again = request(http::verb::post, "/gateway/" + id + "/action/getCount", R"({"args":[]})");
  EXPECT_EQ(again.json()["output"], 5);
}

TEST_F(ServerTest, ManagementGetOrCreateConverges) {
  const std::string body =
      R"({"name":"counter","key":"goc","runner_name_selector":"default","crash_policy":"sleep"})";
  auto first = request(http::verb::put, "/actors?namespace=default", body);
  ASSERT_EQ(first.status, 200U) << first.body;
  EXPECT_TRUE(first.json()["created"].get<bool>());
  auto second = request(http::verb::put, "/actors?namespace=default", body);
  EXPECT_FALSE(second.json()["created"].get<bool>());
  EXPECT_EQ(first.json()["actor"]["actor_id"], second.json()["actor"]["actor_id"]);

  auto list = request(http::verb::get, "/actors?name=counter&key=goc&namespace=default");
  ASSERT_EQ(list.status, 200U);
  ASSERT_EQ(list.json()["actors"].size(), 1U);
  auto none = request(http::verb::get, "/actors?name=counter&key=nobody&namespace=default");
  EXPECT_EQ(none.json()["actors"].size(), 0U);
}

TEST_F(ServerTest, QueryGatewayGetOrCreate) {
  const std::string q =
      "?rvt-namespace=default&rvt-method=getOrCreate&rvt-runner=default&rvt-key=room%2C1"
      "&rvt-crash-policy=sleep";
  auto r = request(http::verb::post, "/gateway/counter/action/increment" + q, R"({"args":[2]})");
  ASSERT_EQ(r.status, 200U) << r.body;
  EXPECT_EQ(r.json()["output"], 2);
  EXPECT_EQ(r.headers["x-rivet-actor-key"], "room/1");

  auto get = request(http::verb::post,
                     "/gateway/counter/action/getCount?rvt-namespace=default&rvt-method=get"
                     "&rvt-key=room%2C1",
                     R"({"args":[]})");
  EXPECT_EQ(get.json()["output"], 2);

  auto missing = request(http::verb::post,
                         "/gateway/counter/action/getCount?rvt-namespace=default&rvt-method=get"
                         "&rvt-key=absent",
                         R"({"args":[]})");
  EXPECT_EQ(missing.status, 404U);
  EXPECT_EQ(missing.json()["code"], "not_found");
}

TEST_F(ServerTest, GatewayErrors) {
  auto bad = request(http::verb::post,
                     "/gateway/counter/action/x?rvt-namespace=default&rvt-method=getOrCreate",
                     R"({"args":[]})");
  EXPECT_EQ(bad.status, 400U);
  EXPECT_EQ(bad.json()["code"], "query_missing_pool");
  EXPECT_EQ(bad.headers["content-type"], "application/json");

  auto unknown = request(http::verb::post, "/gateway/doesnotexist/action/x", R"({"args":[]})");
  EXPECT_EQ(unknown.status, 404U);
  EXPECT_EQ(unknown.json()["group"], "actor");
  EXPECT_EQ(unknown.json()["code"], "not_found");
}

TEST_F(ServerTest, FrameworkErrorsAndRoutes) {
  auto id = create_counter("framework");
  auto missing = request(http::verb::post, "/gateway/" + id + "/action/nope", R"({"args":[]})");
  EXPECT_EQ(missing.status, 404U);
  EXPECT_EQ(missing.json()["code"], "action_not_found");
  EXPECT_EQ(missing.json()["actor"]["actorId"], id);

  auto method = request(http::verb::get, "/gateway/" + id + "/action/increment");
  EXPECT_EQ(method.status, 405U);

  auto health = request(http::verb::get, "/gateway/" + id + "/health");
  EXPECT_EQ(health.status, 200U);
  EXPECT_EQ(health.body, "ok");

  auto raw = request(http::verb::get, "/gateway/" + id + "/request/foo");
  EXPECT_EQ(raw.status, 404U);
  EXPECT_TRUE(raw.body.empty());

  auto queue = request(http::verb::post, "/gateway/" + id + "/queue/jobs",
                       R"({"body":1,"name":"jobs","wait":false})");
  EXPECT_EQ(queue.status, 200U) << queue.body;
  EXPECT_EQ(queue.json()["status"], "completed");

  std::string big = R"({"args":[")" + std::string(70'000, 'x') + R"("]})";
  auto too_long = request(http::verb::post, "/gateway/" + id + "/action/increment", big);
  EXPECT_EQ(too_long.status, 400U);
  EXPECT_EQ(too_long.json()["code"], "incoming_too_long");
}

TEST_F(ServerTest, CorsPreflightDoesNotTouchActors) {
  auto r = request(http::verb::options, "/gateway/whatever/action/x", {},
                   {{"origin", "http://app.test"}, {"access-control-request-method", "POST"}});
  EXPECT_EQ(r.status, 204U);
  EXPECT_EQ(r.headers["access-control-allow-origin"], "http://app.test");
  EXPECT_EQ(r.headers["access-control-allow-credentials"], "true");
}

TEST_F(ServerTest, WebSocketConnectJson) {
  auto id = create_counter("ws");
  asio::io_context io;
  websocket::stream<beast::tcp_stream> ws(io);
  beast::get_lowest_layer(ws).connect(
      asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->port()));
  std::string selected;
  ws.set_option(websocket::stream_base::decorator([](websocket::request_type& req) {
    req.set(http::field::sec_websocket_protocol, "rivet, rivet_encoding.json");
  }));
  websocket::response_type res;
  ws.handshake(res, "127.0.0.1", "/gateway/" + id + "/connect");
  EXPECT_EQ(res[http::field::sec_websocket_protocol], "rivet");

  auto read_json = [&] {
    beast::flat_buffer buffer;
    ws.read(buffer);
    EXPECT_TRUE(ws.got_text());
    return Value::parse(beast::buffers_to_string(buffer.data()));
  };
  auto init = read_json();
  EXPECT_EQ(init["body"]["tag"], "Init");
  EXPECT_EQ(init["body"]["val"]["actorId"], id);

  ws.text(true);
  ws.write(asio::buffer(std::string(
      R"({"body":{"tag":"SubscriptionRequest","val":{"eventName":"newCount","subscribe":true}}})")));
  ws.write(asio::buffer(std::string(
      R"({"body":{"tag":"ActionRequest","val":{"id":["$BigInt","7"],"name":"increment","args":[3]}}})")));
  auto event = read_json();
  EXPECT_EQ(event["body"]["tag"], "Event");
  EXPECT_EQ(event["body"]["val"]["args"], Value::array({3}));
  auto response = read_json();
  EXPECT_EQ(response["body"]["tag"], "ActionResponse");
  EXPECT_EQ(response["body"]["val"]["id"], Value::array({"$BigInt", "7"}));
  EXPECT_EQ(response["body"]["val"]["output"], 3);

  ws.write(asio::buffer(
      std::string(R"({"body":{"tag":"ActionRequest","val":{"id":8,"name":"nope","args":[]}}})")));
  auto error = read_json();
  EXPECT_EQ(error["body"]["tag"], "Error");
  EXPECT_EQ(error["body"]["val"]["code"], "action_not_found");
  EXPECT_EQ(error["body"]["val"]["actionId"], Value::array({"$BigInt", "8"}));
  ws.close(websocket::close_code::normal);
}

TEST_F(ServerTest, WebSocketErrorsAreCloseFrames) {
  auto connect = [&](const std::string& target, const std::string& protocols) {
    asio::io_context io;
    websocket::stream<beast::tcp_stream> ws(io);
    beast::get_lowest_layer(ws).connect(
        asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->port()));
    ws.set_option(websocket::stream_base::decorator([protocols](websocket::request_type& req) {
      req.set(http::field::sec_websocket_protocol, protocols);
    }));
    ws.handshake("127.0.0.1", target);
    beast::flat_buffer buffer;
    beast::error_code ec;
    ws.read(buffer, ec);
    EXPECT_EQ(ec, websocket::error::closed);
    return ws.reason();
  };
  auto missing = connect("/gateway/nobody/connect", "rivet");
  EXPECT_EQ(missing.code, 1011);
  EXPECT_TRUE(
      std::string(missing.reason.data(), missing.reason.size()).starts_with("actor.not_found#"));

  auto id = create_counter("ws-errors");
  auto encoding = connect("/gateway/" + id + "/connect", "rivet, rivet_encoding.xml");
  EXPECT_EQ(encoding.code, 1003);
  EXPECT_EQ(std::string(encoding.reason.data(), encoding.reason.size()),
            "actor.unsupported_websocket_encoding");
}

// A broadcast to many connections goes out partly from other threads (the actor's and a helper,
// straight to idle sockets) and partly through the sessions' queues (busy or full sockets). Every
// connection must still get every event, whole and in the same order, while it also receives
// pongs and action responses, including connections whose small buffers make sends partial.
TEST_F(ServerTest, BroadcastFanOutKeepsEveryConnectionsOrder) {
  auto id = create_counter("fanout");
  constexpr int kConnections = 160;  // above the size split between threads
  constexpr int kEvents = 120;
  asio::io_context io;
  std::vector<std::unique_ptr<websocket::stream<beast::tcp_stream>>> conns;
  auto read_json = [](websocket::stream<beast::tcp_stream>& ws) {
    beast::flat_buffer buffer;
    ws.read(buffer);
    return Value::parse(beast::buffers_to_string(buffer.data()));
  };
  for (int i = 0; i < kConnections; ++i) {
    auto ws = std::make_unique<websocket::stream<beast::tcp_stream>>(io);
    auto& socket = beast::get_lowest_layer(*ws).socket();
    socket.open(asio::ip::tcp::v4());
    if (i % 2 == 1) {
      socket.set_option(asio::socket_base::receive_buffer_size(4096));
    }
    socket.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->port()));
    socket.set_option(asio::ip::tcp::no_delay(true));  // no Nagle wait between small writes
    ws->set_option(websocket::stream_base::decorator([](websocket::request_type& req) {
      req.set(http::field::sec_websocket_protocol, "rivet, rivet_encoding.json");
    }));
    ws->handshake("127.0.0.1", "/gateway/" + id + "/connect");
    EXPECT_EQ(read_json(*ws)["body"]["tag"], "Init");
    ws->text(true);
    ws->write(asio::buffer(std::string(
        R"({"body":{"tag":"SubscriptionRequest","val":{"eventName":"shout","subscribe":true}}})")));
    // Subscriptions apply in order on the connection: once this answers, it is in place.
    ws->write(asio::buffer(std::string(
        R"({"body":{"tag":"ActionRequest","val":{"id":1,"name":"getCount","args":[]}}})")));
    EXPECT_EQ(read_json(*ws)["body"]["tag"], "ActionResponse");
    conns.push_back(std::move(ws));
  }
  // Connection 0 fires every event at once; pings from others draw pongs meanwhile.
  for (int seq = 0; seq < kEvents; ++seq) {
    const auto size = seq % 10 == 0 ? 20000 : 300;
    conns[0]->write(asio::buffer(R"({"body":{"tag":"ActionRequest","val":{"id":)" +
                                 std::to_string(100 + seq) + R"(,"name":"shout","args":[)" +
                                 std::to_string(seq) + "," + std::to_string(size) + "]}}}"));
    if (seq % 10 == 0) {
      conns[1 + seq % (kConnections - 1)]->ping({});
    }
  }
  std::vector<std::int64_t> first_order;
  for (int i = 0; i < kConnections; ++i) {
    std::vector<std::int64_t> order;
    int responses = 0;
    while (static_cast<int>(order.size()) < kEvents || (i == 0 && responses < kEvents)) {
      auto message = read_json(*conns[i]);
      const auto& body = message["body"];
      if (body["tag"] == "ActionResponse") {
        ++responses;
        continue;
      }
      ASSERT_EQ(body["tag"], "Event") << "connection " << i;
      ASSERT_EQ(body["val"]["name"], "shout");
      const auto seq = body["val"]["args"][0].get<std::int64_t>();
      ASSERT_EQ(body["val"]["args"][1].get<std::string>().size(),
                static_cast<std::size_t>(seq % 10 == 0 ? 20000 : 300));
      order.push_back(seq);
    }
    if (i == 0) {
      first_order = order;
      std::vector<std::int64_t> sorted = order;
      std::sort(sorted.begin(), sorted.end());
      for (int seq = 0; seq < kEvents; ++seq) {
        ASSERT_EQ(sorted[seq], seq);  // each event once
      }
    } else {
      ASSERT_EQ(order, first_order) << "connection " << i;
    }
  }
  for (auto& ws : conns) {
    ws->close(websocket::close_code::normal);
  }
}

}  // namespace
}  // namespace rivet
