#include "server/error_mapping.hpp"

#include <gtest/gtest.h>

namespace rivet::server {
namespace {

Error e(std::string group, std::string code) { return make_error(group, code, "m"); }

TEST(ErrorMapping, Gateway) {
  const auto s = ErrorSurface::Gateway;
  EXPECT_EQ(error_status(e("actor", "not_found"), s), 404U);
  EXPECT_EQ(error_status(e("guard", "no_route"), s), 404U);
  EXPECT_EQ(error_status(e("guard", "rate_limit"), s), 429U);
  EXPECT_EQ(error_status(e("guard", "upstream_error"), s), 502U);
  EXPECT_EQ(error_status(e("guard", "invalid_response_body"), s), 502U);
  EXPECT_EQ(error_status(e("guard", "request_timeout"), s), 504U);
  EXPECT_EQ(error_status(e("guard", "gateway_response_start_timeout"), s), 504U);
  EXPECT_EQ(error_status(e("guard", "actor_ready_timeout"), s), 503U);
  EXPECT_EQ(error_status(e("guard", "service_unavailable"), s), 503U);
  EXPECT_EQ(error_status(e("guard", "invalid_request_body"), s), 413U);
  EXPECT_EQ(error_status(e("guard", "query_invalid_params"), s), 400U);
  EXPECT_EQ(error_status(e("api", "unauthorized"), s), 401U);
  EXPECT_EQ(error_status(e("core", "internal_error"), s), 500U);
  EXPECT_EQ(error_status(e("datacenter", "not_found"), s), 400U);
}

TEST(ErrorMapping, Framework) {
  const auto s = ErrorSurface::Framework;
  EXPECT_EQ(error_status(e("auth", "forbidden"), s), 403U);
  EXPECT_EQ(error_status(e("actor", "action_not_found"), s), 404U);
  EXPECT_EQ(error_status(e("actor", "not_found"), s), 404U);
  EXPECT_EQ(error_status(e("actor", "action_timed_out"), s), 408U);
  EXPECT_EQ(error_status(e("actor", "invalid_request"), s), 400U);
  EXPECT_EQ(error_status(e("actor", "method_not_allowed"), s), 405U);
  EXPECT_EQ(error_status(e("message", "incoming_too_long"), s), 400U);
  EXPECT_EQ(error_status(e("message", "outgoing_too_long"), s), 400U);
  EXPECT_EQ(error_status(e("queue", "full"), s), 400U);
  EXPECT_EQ(error_status(e("user", "user_error"), s), 500U);
  EXPECT_EQ(error_status(e("core", "internal_error"), s), 500U);
}

TEST(ErrorMapping, Management) {
  const auto s = ErrorSurface::Management;
  EXPECT_EQ(error_status(e("api", "not_found"), s), 404U);
  EXPECT_EQ(error_status(e("api", "unauthorized"), s), 401U);
  EXPECT_EQ(error_status(e("api", "forbidden"), s), 403U);
  EXPECT_EQ(error_status(e("actor", "duplicate_key"), s), 400U);
  EXPECT_EQ(error_status(e("validation", "invalid_input"), s), 400U);
  EXPECT_EQ(error_status(e("storage", "failure"), s), 500U);
}

TEST(ErrorMapping, InternalErrorsCollapse) {
  auto v = api_visible_error(make_error("storage", "failure", "disk on fire"));
  EXPECT_EQ(v.qualified(), "core.internal_error");
  auto raw = api_visible_error(make_error("guard", "no_route", "x"));
  EXPECT_EQ(raw.message, "x");
}

TEST(ErrorMapping, JsonBody) {
  EXPECT_EQ(error_json_body(make_error("a", "b", "c")),
            R"({"code":"b","group":"a","message":"c"})");
  auto body = error_json_body(make_error("a", "b", "c", Value{{"k", 1}}));
  EXPECT_NE(body.find(R"("metadata":{"k":1})"), std::string::npos);
}

TEST(ErrorMapping, CloseReason) {
  EXPECT_EQ(close_reason(make_error("actor", "not_found", "")), "actor.not_found");
  EXPECT_EQ(close_reason(make_error("actor", "not_found", ""), "ray1"), "actor.not_found#ray1");
  auto long_reason = close_reason(make_error(std::string(200, 'g'), "c", ""));
  EXPECT_EQ(long_reason.size(), kMaxCloseReason);
  // Never split a multi-byte sequence.
  std::string s(122, 'a');
  s += "\xE2\x9C\x93";
  EXPECT_EQ(truncate_utf8(s, kMaxCloseReason).size(), 122U);
}

}  // namespace
}  // namespace rivet::server
