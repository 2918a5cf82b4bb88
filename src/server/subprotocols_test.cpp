#include "server/subprotocols.hpp"

#include <gtest/gtest.h>

namespace rivet::server {
namespace {

TEST(Subprotocols, ParsesEveryKnownEntry) {
  auto p = parse_ws_protocols(
      "rivet, rivet_encoding.bare ,rivet_target.actor, rivet_actor.a%40b, rivet_token.t.k,"
      "rivet_skip_ready_wait, rivet_conn_params.%7B%22a%22%3A1%7D, rivet_test_ack_hook.x,"
      "rivet_conn.old");
  EXPECT_EQ(p.encoding, "bare");
  EXPECT_EQ(p.target, "actor");
  EXPECT_EQ(p.actor, "a@b");
  EXPECT_EQ(p.token, "t.k");
  EXPECT_TRUE(p.skip_ready_wait);
  ASSERT_TRUE(p.conn_params);
  auto params = decode_ws_conn_params(*p.conn_params);
  ASSERT_TRUE(params);
  EXPECT_EQ((*params)["a"], 1);
}

TEST(Subprotocols, EmptyHeader) {
  auto p = parse_ws_protocols("");
  EXPECT_EQ(p, WsProtocols{});
}

TEST(Subprotocols, BadParams) {
  EXPECT_FALSE(decode_ws_conn_params("%7B"));
  EXPECT_FALSE(decode_ws_conn_params("%zz"));
}

TEST(Subprotocols, HeaderRoute) {
  WsProtocols p;
  p.target = "actor";
  p.actor = "abc";
  auto r = parse_ws_header_route("/connect", p);
  ASSERT_TRUE(r && r->has_value());
  EXPECT_EQ(std::get<DirectTarget>((*r)->target).actor_id, "abc");
  EXPECT_EQ((*r)->actor_path, "/connect");
  // A target without a leading '/' still gives an actor path with one (fuzz_subprotocols).
  EXPECT_EQ((*parse_ws_header_route("connect", p))->actor_path, "/connect");
  EXPECT_EQ((*parse_ws_header_route("", p))->actor_path, "/");

  p.actor.reset();
  EXPECT_FALSE(parse_ws_header_route("/connect", p));

  auto none = parse_ws_header_route("/connect", WsProtocols{});
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());
}

}  // namespace
TEST(Subprotocols, ConnParamsAreNullWhenNoneWereOffered) {
  EXPECT_EQ(*conn_params_of(WsProtocols{}), nullptr);
  WsProtocols p;
  p.conn_params = "%7B%22a%22%3A1%7D";
  EXPECT_EQ(*conn_params_of(p), Value({{"a", 1}}));
  p.conn_params = "%7B";
  EXPECT_FALSE(conn_params_of(p));
}

}  // namespace rivet::server
