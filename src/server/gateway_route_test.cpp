#include "server/gateway_route.hpp"

#include <rivet/protocol/encoding.hpp>

#include <gtest/gtest.h>

namespace rivet::server {
namespace {

GatewayRoute ok(std::string_view target) {
  auto r = parse_gateway_path(target);
  EXPECT_TRUE(r) << target << ": " << (r ? "" : r.error().qualified());
  EXPECT_TRUE(r && r->has_value()) << target;
  return r && r->has_value() ? **r : GatewayRoute{};
}

std::string err(std::string_view target) {
  auto r = parse_gateway_path(target);
  EXPECT_FALSE(r) << target;
  return r ? std::string() : r.error().qualified();
}

bool not_gateway(std::string_view target) {
  auto r = parse_gateway_path(target);
  return r && !r->has_value();
}

std::string b64url(const Bytes& b) {
  auto s = base64_encode(b.data(), b.size());
  for (auto& c : s) {
    c = c == '+' ? '-' : c == '/' ? '_' : c;
  }
  while (!s.empty() && s.back() == '=') {
    s.pop_back();
  }
  return s;
}

TEST(GatewayRoute, DirectPath) {
  auto r = ok("/gateway/abc/action/inc?x=1");
  EXPECT_EQ(std::get<DirectTarget>(r.target).actor_id, "abc");
  EXPECT_EQ(r.actor_path, "/action/inc?x=1");
  EXPECT_FALSE(r.token);
}

TEST(GatewayRoute, DirectPathRootAndToken) {
  auto r = ok("/gateway/a%20b@tok%2F1");
  EXPECT_EQ(std::get<DirectTarget>(r.target).actor_id, "a b");
  EXPECT_EQ(r.token, "tok/1");
  EXPECT_EQ(r.actor_path, "/");
  EXPECT_EQ(ok("/gateway/abc/").actor_path, "/");
  EXPECT_EQ(ok("/gateway/abc?q=1").actor_path, "/?q=1");
}

TEST(GatewayRoute, NotGateway) {
  EXPECT_TRUE(not_gateway("/actors"));
  EXPECT_TRUE(not_gateway("/gateway"));
  EXPECT_TRUE(not_gateway("/gateway//x"));
  EXPECT_TRUE(not_gateway("/gateway/abc//connect"));
  EXPECT_TRUE(not_gateway("/gateway/@tok/x"));
  EXPECT_TRUE(not_gateway("/gateway/id@/x"));
  EXPECT_TRUE(not_gateway("/gateway/%zz/x"));
  EXPECT_TRUE(not_gateway("/gatewayx/abc"));
}

TEST(GatewayRoute, QueryGetOrCreate) {
  auto r = ok(
      "/gateway/counter/action/increment?rvt-namespace=default&rvt-method=getOrCreate"
      "&rvt-runner=default&rvt-key=room%2C42&rvt-crash-policy=sleep&x=a+b");
  const auto& q = std::get<QueryTarget>(r.target);
  EXPECT_EQ(q.method, QueryMethod::GetOrCreate);
  EXPECT_EQ(q.name, "counter");
  EXPECT_EQ(q.namespace_name, "default");
  EXPECT_EQ(q.key, (protocol::ActorKey{"room", "42"}));
  EXPECT_EQ(q.pool, "default");
  EXPECT_EQ(q.crash_policy, "sleep");
  EXPECT_EQ(r.actor_path, "/action/increment?x=a+b");
}

TEST(GatewayRoute, QueryGetEmptyKeyAndToken) {
  auto r = ok("/gateway/chat%20room/connect?rvt-namespace=default&rvt-method=get&rvt-key="
              "&rvt-token=t&rvt-skip-ready-wait=true");
  const auto& q = std::get<QueryTarget>(r.target);
  EXPECT_EQ(q.method, QueryMethod::Get);
  EXPECT_EQ(q.name, "chat room");
  EXPECT_TRUE(q.key.empty());
  EXPECT_EQ(r.token, "t");
  EXPECT_TRUE(r.skip_ready_wait);
  EXPECT_EQ(r.actor_path, "/connect");
}

TEST(GatewayRoute, PoolPreferredOverRunner) {
  auto r = ok("/gateway/c?rvt-namespace=d&rvt-method=getOrCreate&rvt-runner=a&rvt-pool=b");
  EXPECT_EQ(std::get<QueryTarget>(r.target).pool, "b");
}

TEST(GatewayRoute, QueryInput) {
  // compat-CBOR of {"a":1} = a1 61 61 01
  auto input = b64url(Bytes{0xa1, 0x61, 0x61, 0x01});
  auto r = ok("/gateway/c/action/x?rvt-namespace=d&rvt-method=getOrCreate&rvt-pool=p&rvt-input=" +
              input);
  const auto& q = std::get<QueryTarget>(r.target);
  ASSERT_TRUE(q.input);
  EXPECT_EQ((*q.input)["a"], 1);
}

TEST(GatewayRoute, ValidationErrors) {
  const std::string base = "/gateway/c/action/x?rvt-namespace=d&";
  EXPECT_EQ(err(base + "rvt-method=get&rvt-bogus=1"), "guard.query_invalid_params");
  EXPECT_EQ(err(base + "rvt-method=find"), "guard.query_invalid_params");
  EXPECT_EQ(err("/gateway/c?rvt-method=get"), "guard.query_invalid_params");
  EXPECT_EQ(err("/gateway/c?rvt-namespace=d"), "guard.query_invalid_params");
  EXPECT_EQ(err(base + "rvt-method=getOrCreate&rvt-pool=p&rvt-crash-policy=explode"),
            "guard.query_invalid_params");
  EXPECT_EQ(err(base + "rvt-method=get&rvt-skip-ready-wait=maybe"), "guard.query_invalid_params");
  EXPECT_EQ(err(base + "rvt-method=get&rvt-method=get"), "guard.query_duplicate_param");
  EXPECT_EQ(err("/gateway/c@tok/x?rvt-namespace=d&rvt-method=get"),
            "guard.query_path_token_syntax");
  EXPECT_EQ(err("/gateway?rvt-namespace=d&rvt-method=get"), "guard.query_empty_actor_name");
  EXPECT_EQ(err("/gateway/?rvt-namespace=d&rvt-method=get"), "guard.query_empty_actor_name");
  EXPECT_EQ(err(base + "rvt-method=get&rvt-input=AA"), "guard.query_get_disallowed_params");
  EXPECT_EQ(err(base + "rvt-method=get&rvt-region=x"), "guard.query_get_disallowed_params");
  EXPECT_EQ(err(base + "rvt-method=get&rvt-crash-policy=sleep"),
            "guard.query_get_disallowed_params");
  EXPECT_EQ(err(base + "rvt-method=get&rvt-runner=default"), "guard.query_get_disallowed_params");
  EXPECT_EQ(err(base + "rvt-method=getOrCreate"), "guard.query_missing_pool");
  EXPECT_EQ(err(base + "rvt-method=getOrCreate&rvt-pool=p&rvt-input=ab%2Bc"),
            "guard.query_invalid_base64_input");
  EXPECT_EQ(err(base + "rvt-method=getOrCreate&rvt-pool=p&rvt-input=abcde"),
            "guard.query_invalid_base64_input");
  // 0x1f alone is not a valid CBOR item.
  EXPECT_EQ(err(base + "rvt-method=getOrCreate&rvt-pool=p&rvt-input=" + b64url(Bytes{0x1f})),
            "guard.query_invalid_cbor_input");
  EXPECT_EQ(err(base + "rvt-method=get&rvt-key=%zz"), "guard.query_invalid_percent_encoding");
  EXPECT_EQ(err("/gateway/%zz?rvt-namespace=d&rvt-method=get"),
            "guard.query_invalid_percent_encoding");
}

TEST(GatewayRoute, HeaderRouting) {
  HttpRequest req;
  req.method = "GET";
  req.target = "/request/foo?x=1";
  req.headers = {{"x-rivet-target", "actor"}, {"x-rivet-actor", "abc"},
                 {"x-rivet-skip-ready-wait", "1"}};
  auto r = parse_header_route(req);
  ASSERT_TRUE(r && r->has_value());
  EXPECT_EQ(std::get<DirectTarget>((*r)->target).actor_id, "abc");
  EXPECT_EQ((*r)->actor_path, "/request/foo?x=1");
  EXPECT_TRUE((*r)->skip_ready_wait);

  // Found by fuzz_route_decision: a target without a leading '/' (asterisk or absolute form,
  // or any token Beast accepts) gave an actor path without one.
  for (const auto* odd : {"metadata", "*", "http://h.example/request/x"}) {
    req.target = odd;
    auto routed = parse_header_route(req);
    ASSERT_TRUE(routed && routed->has_value()) << odd;
    EXPECT_EQ((*routed)->actor_path, "/" + std::string(odd));
  }
  req.target = "";
  EXPECT_EQ((*parse_header_route(req))->actor_path, "/");

  req.headers = {{"x-rivet-target", "actor"}};
  auto missing = parse_header_route(req);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().qualified(), "guard.missing_header");

  req.headers = {};
  auto none = parse_header_route(req);
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());
}

}  // namespace
}  // namespace rivet::server
