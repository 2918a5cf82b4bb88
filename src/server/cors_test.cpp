#include "server/cors.hpp"

#include <gtest/gtest.h>

namespace rivet::server {
namespace {

std::string find(const std::vector<Header>& hs, std::string_view name) {
  for (const auto& h : hs) {
    if (h.name == name) {
      return h.value;
    }
  }
  return "<absent>";
}

TEST(Cors, GatewayPreflightEchoesOriginAndHeaders) {
  HttpRequest req;
  req.method = "OPTIONS";
  req.headers = {{"origin", "http://app.test"},
                 {"access-control-request-method", "POST"},
                 {"access-control-request-headers", "x-rivet-encoding"}};
  ASSERT_TRUE(is_preflight(req));
  auto hs = gateway_preflight_headers(req);
  EXPECT_EQ(find(hs, "access-control-allow-origin"), "http://app.test");
  EXPECT_EQ(find(hs, "access-control-allow-credentials"), "true");
  EXPECT_EQ(find(hs, "access-control-allow-methods"), "GET, POST, PUT, DELETE, OPTIONS, PATCH");
  EXPECT_EQ(find(hs, "access-control-allow-headers"), "x-rivet-encoding");
  EXPECT_EQ(find(hs, "access-control-max-age"), "86400");
  EXPECT_EQ(find(hs, "access-control-expose-headers"), "*");
}

TEST(Cors, GatewayPreflightWithoutOrigin) {
  HttpRequest req;
  req.method = "OPTIONS";
  auto hs = gateway_preflight_headers(req);
  EXPECT_EQ(find(hs, "access-control-allow-origin"), "*");
  EXPECT_EQ(find(hs, "access-control-allow-headers"), "*");
}

TEST(Cors, GatewayResponse) {
  HttpRequest req;
  req.method = "POST";
  req.headers = {{"origin", "http://app.test"}};
  EXPECT_FALSE(is_preflight(req));
  auto hs = gateway_cors_headers(req);
  EXPECT_EQ(find(hs, "access-control-allow-origin"), "http://app.test");
  EXPECT_EQ(find(hs, "access-control-allow-credentials"), "true");
  EXPECT_EQ(find(hs, "access-control-expose-headers"), "*");
}

TEST(Cors, ManagementMirrors) {
  HttpRequest req;
  req.method = "OPTIONS";
  req.headers = {{"origin", "http://dash.test"},
                 {"access-control-request-method", "PUT"},
                 {"access-control-request-headers", "content-type"}};
  auto hs = management_cors_headers(req, true);
  EXPECT_EQ(find(hs, "access-control-allow-origin"), "http://dash.test");
  EXPECT_EQ(find(hs, "access-control-allow-credentials"), "true");
  EXPECT_EQ(find(hs, "access-control-allow-methods"), "PUT");
  EXPECT_EQ(find(hs, "access-control-allow-headers"), "content-type");
  HttpRequest no_origin;
  EXPECT_TRUE(management_cors_headers(no_origin, false).empty());
}

}  // namespace
}  // namespace rivet::server
