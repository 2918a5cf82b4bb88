#include "server/raw_http_route.hpp"

#include <gtest/gtest.h>

namespace rivet::server {
namespace {

HttpRequest make(std::string method, std::vector<Header> headers = {}, std::string body = "") {
  HttpRequest r;
  r.method = std::move(method);
  r.headers = std::move(headers);
  r.body = std::move(body);
  return r;
}

TEST(RawHttpRoute, RecognisesRequestRoutes) {
  EXPECT_TRUE(is_request_route("/request"));
  EXPECT_TRUE(is_request_route("/request/"));
  EXPECT_TRUE(is_request_route("/request/a/b?c=1"));
  EXPECT_TRUE(is_request_route("/request?x=1"));
  EXPECT_FALSE(is_request_route("/requests"));
  EXPECT_FALSE(is_request_route("/requestx/a"));
  EXPECT_FALSE(is_request_route("/action/request"));
}

TEST(RawHttpRoute, StripsThePrefix) {
  auto r = raw_http_request("/request/hello?x=1&y=%20", make("POST", {}, "body"));
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.path, "/hello");
  EXPECT_EQ(r.query, "x=1&y=%20");
  EXPECT_EQ(r.url, "http://127.0.0.1/hello?x=1&y=%20");
  EXPECT_EQ(r.body, "body");
  EXPECT_EQ(raw_http_request("/request", make("GET")).path, "/");
  EXPECT_EQ(raw_http_request("/request/", make("GET")).path, "/");
  auto q = raw_http_request("/request?a=b", make("GET"));
  EXPECT_EQ(q.path, "/");
  EXPECT_EQ(q.query, "a=b");
  EXPECT_EQ(q.url, "http://127.0.0.1/?a=b");
}

TEST(RawHttpRoute, OriginalUrlBecomesTheRequestUrl) {
  auto r = raw_http_request(
      "/request/inspect?a=1",
      make("GET", {{"x-custom", "v"},
                   {std::string(kOriginalUrlHeader), "https://app.test/inspect?a=1&b=2"}}));
  EXPECT_EQ(r.url, "https://app.test/inspect?a=1&b=2");
  EXPECT_EQ(r.path, "/inspect");
  EXPECT_EQ(r.query, "a=1&b=2");
  ASSERT_EQ(r.headers.size(), 1U);
  EXPECT_EQ(r.headers[0].name, "x-custom");
  EXPECT_EQ(r.header("X-Custom") != nullptr, true);
  EXPECT_EQ(r.header(kOriginalUrlHeader), nullptr);
}

TEST(RawHttpRoute, WebSocketRequestKeepsTheWholePath) {
  auto r = raw_websocket_request("/websocket/chat/room?x=1", {{"origin", "o"}});
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.path, "/websocket/chat/room");
  EXPECT_EQ(r.query, "x=1");
  EXPECT_EQ(r.url, "http://127.0.0.1/websocket/chat/room?x=1");
  EXPECT_EQ(*r.header("origin"), "o");
  EXPECT_EQ(raw_websocket_request("/websocket/", {}).path, "/websocket/");
}

TEST(RawHttpRoute, ResponseDropsFramingHeaders) {
  RawResponse raw;
  raw.status = 201;
  raw.headers = {{"Content-Length", "99"},
                 {"set-cookie", "a=1"},
                 {"set-cookie", "b=2"},
                 {"transfer-encoding", "chunked"},
                 {"X-Echo", "1"}};
  raw.body = "xyz";
  auto out = http_from_raw(raw);
  EXPECT_EQ(out.status, 201U);
  ASSERT_EQ(out.headers.size(), 3U);
  EXPECT_EQ(out.headers[0].name, "set-cookie");
  EXPECT_EQ(out.headers[1].value, "b=2");
  EXPECT_EQ(out.headers[2].name, "x-echo");
  EXPECT_EQ(out.body, "xyz");
  raw.status = 42;
  EXPECT_EQ(http_from_raw(raw).status, 500U);
  raw.status = 204;
  EXPECT_EQ(http_from_raw(raw).status, 204U);
}

}  // namespace
}  // namespace rivet::server
