#include "server/route_decision.hpp"

#include <gtest/gtest.h>

namespace rivet::server {
namespace {

HttpRequest request(std::string method, std::string target, std::vector<Header> headers = {}) {
  return HttpRequest{std::move(method), std::move(target), std::move(headers), {}};
}

RouteKind kind(const HttpRequest& r, bool site = false) { return decide_route(r, site).kind; }

TEST(RouteDecision, DashboardBeforeAnythingElse) {
  EXPECT_EQ(kind(request("GET", "/ui")), RouteKind::Ui);
  EXPECT_EQ(kind(request("POST", "/ui/assets/x.js?v=1")), RouteKind::Ui);
  EXPECT_EQ(kind(request("GET", "/ui/", {{"x-rivet-target", "actor"}})), RouteKind::Ui);
  EXPECT_EQ(kind(request("GET", "/uix")), RouteKind::Management);
}

TEST(RouteDecision, SiteOnlyForReadsOfItsPathsWhenServed) {
  EXPECT_EQ(kind(request("GET", "/"), true), RouteKind::Site);
  EXPECT_EQ(kind(request("HEAD", "/favicon.svg"), true), RouteKind::Site);
  EXPECT_EQ(kind(request("GET", "/"), false), RouteKind::Management);
  EXPECT_EQ(kind(request("POST", "/"), true), RouteKind::Management);
  EXPECT_EQ(kind(request("GET", "/actors"), true), RouteKind::Management);
  // A request the gateway routes by its headers is the actor's, whatever its path.
  auto routed = request("GET", "/index.html", {{"x-rivet-target", "actor"}, {"x-rivet-actor", "a"}});
  EXPECT_EQ(kind(routed, true), RouteKind::Gateway);
}

TEST(RouteDecision, GatewayByPathOrHeaders) {
  auto d = decide_route(request("POST", "/gateway/abc/action/inc?x=1"), false);
  ASSERT_EQ(d.kind, RouteKind::Gateway);
  ASSERT_TRUE(d.gateway);
  EXPECT_EQ(std::get<DirectTarget>(d.gateway->target).actor_id, "abc");
  EXPECT_EQ(d.gateway->actor_path, "/action/inc?x=1");

  d = decide_route(request("GET", "/metadata", {{"x-rivet-target", "actor"}, {"x-rivet-actor", "a"}}),
                   false);
  ASSERT_EQ(d.kind, RouteKind::Gateway);
  EXPECT_EQ(d.gateway->actor_path, "/metadata");
}

TEST(RouteDecision, MalformedGatewayRoutesAreErrorsExceptForPreflights) {
  const std::string bad = "/gateway/counter/action/x?rvt-namespace=default&rvt-method=bogus";
  auto d = decide_route(request("POST", bad), false);
  ASSERT_EQ(d.kind, RouteKind::GatewayError);
  ASSERT_TRUE(d.error);
  EXPECT_EQ(d.error->qualified(), "guard.query_invalid_params");
  EXPECT_EQ(kind(request("OPTIONS", bad)), RouteKind::GatewayPreflight);

  d = decide_route(request("GET", "/x", {{"x-rivet-target", "actor"}}), false);
  ASSERT_EQ(d.kind, RouteKind::GatewayError);
  EXPECT_EQ(d.error->qualified(), "guard.missing_header");
}

TEST(RouteDecision, EverythingElseIsTheManagementApi) {
  EXPECT_EQ(kind(request("OPTIONS", "/actors")), RouteKind::ManagementPreflight);
  EXPECT_EQ(kind(request("OPTIONS", "/gateway/abc/x")), RouteKind::GatewayPreflight);
  EXPECT_EQ(kind(request("GET", "/gateway//abc")), RouteKind::Management);
  EXPECT_EQ(kind(request("DELETE", "/actors/x")), RouteKind::Management);
}

TEST(RouteDecision, WebSocketUpgrades) {
  auto r = decide_ws_route("/gateway/abc@tok/connect", {});
  ASSERT_TRUE(r && r->has_value());
  EXPECT_EQ((*r)->token, "tok");
  EXPECT_EQ((*r)->actor_path, "/connect");

  auto by_protocol = parse_ws_protocols("rivet, rivet_target.actor, rivet_actor.a%20b");
  r = decide_ws_route("/connect", by_protocol);
  ASSERT_TRUE(r && r->has_value());
  EXPECT_EQ(std::get<DirectTarget>((*r)->target).actor_id, "a b");

  r = decide_ws_route("/connect", parse_ws_protocols("rivet, rivet_encoding.json"));
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->has_value());
}

}  // namespace
}  // namespace rivet::server
