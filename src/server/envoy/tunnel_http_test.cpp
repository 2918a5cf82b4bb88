#include "server/envoy/tunnel_http.hpp"

#include <rivet/protocol/envoy.hpp>

#include <gtest/gtest.h>

namespace rivet::server::envoy {
namespace {

TEST(EnvoyTunnelHttp, RequestStartBecomesTheRoutesRequest) {
  wire::ToEnvoyRequestStart start;
  start.actor_id = "abc";
  start.method = "POST";
  start.path = "/action/increment?x=1";
  start.headers = {{"X-Rivet-Encoding", "json"}, {"content-type", "application/json"}};
  start.body = Bytes{'[', '1', ']'};
  auto request = to_http_request(start);
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.target, "/action/increment?x=1");
  ASSERT_NE(request.header("x-rivet-encoding"), nullptr);
  EXPECT_EQ(*request.header("x-rivet-encoding"), "json");
  EXPECT_EQ(request.body, "[1]");
}

// As gateway v3 starts a POST: stream=true and no body yet.
wire::ToEnvoyRequestStart streamed_post() {
  wire::ToEnvoyRequestStart start;
  start.actor_id = "abc";
  start.method = "POST";
  start.path = "/action/increment";
  start.stream = true;
  return start;
}

TEST(EnvoyTunnelHttp, StreamedBodyIsServedWholeAtItsLastChunk) {
  // As gateway v3 sends a POST: stream=true, no body, then chunks ending in finish.
  StreamedRequests streamed(1024);
  const StreamedRequests::Key key{{1, 2, 3, 4}, {5, 6, 7, 8}};
  const auto start = streamed_post();
  streamed.begin(key, start);
  auto step = streamed.append(key, wire::ToEnvoyRequestChunk{Bytes{'[', '1'}, false});
  EXPECT_FALSE(step.whole);
  EXPECT_EQ(step.grant, std::optional<std::uint64_t>{2});  // credit: the bytes consumed
  EXPECT_EQ(step.reply_index, 0);
  step = streamed.append(key, wire::ToEnvoyRequestChunk{Bytes{'1'}, false});
  EXPECT_EQ(step.grant, std::optional<std::uint64_t>{3});  // cumulative
  EXPECT_EQ(step.reply_index, 1);
  step = streamed.append(key, wire::ToEnvoyRequestChunk{Bytes{']'}, true});
  EXPECT_FALSE(step.grant);
  EXPECT_EQ(step.reply_index, 2);  // the response follows the grants
  auto whole = std::move(step.whole);
  ASSERT_TRUE(whole);
  EXPECT_FALSE(whole->stream);
  EXPECT_EQ(to_http_request(*whole).body, "[11]");
  EXPECT_EQ(streamed.size(), 0U);

  // A final chunk without bytes still completes the request.
  streamed.begin(key, start);
  step = streamed.append(key, wire::ToEnvoyRequestChunk{Bytes{}, true});
  EXPECT_EQ(step.reply_index, 0);
  whole = std::move(step.whole);
  ASSERT_TRUE(whole);
  EXPECT_EQ(to_http_request(*whole).body, "");

  // Aborted before the end, or never begun: its chunks are dropped.
  streamed.begin(key, start);
  streamed.abort(key);
  step = streamed.append(key, wire::ToEnvoyRequestChunk{Bytes{'x'}, true});
  EXPECT_FALSE(step.whole);
  EXPECT_FALSE(step.grant);
  EXPECT_EQ(streamed.size(), 0U);
}

TEST(EnvoyTunnelHttp, StreamedBodyOverTheLimitIsRefusedAsItArrives) {
  StreamedRequests streamed(4);
  const StreamedRequests::Key key{{1, 2, 3, 4}, {5, 6, 7, 9}};
  const auto start = streamed_post();
  streamed.begin(key, start);
  auto step = streamed.append(key, wire::ToEnvoyRequestChunk{Bytes{'1', '2', '3'}, false});
  EXPECT_FALSE(step.too_large);
  EXPECT_EQ(step.reply_index, 0);
  // The fifth byte passes the limit: nothing more is held, the answer takes the next index.
  step = streamed.append(key, wire::ToEnvoyRequestChunk{Bytes{'4', '5'}, false});
  EXPECT_TRUE(step.too_large);
  EXPECT_FALSE(step.grant);
  EXPECT_FALSE(step.whole);
  EXPECT_EQ(step.reply_index, 1);
  EXPECT_EQ(streamed.size(), 0U);
  // Later chunks of the refused request are dropped.
  step = streamed.append(key, wire::ToEnvoyRequestChunk{Bytes{'6'}, true});
  EXPECT_FALSE(step.too_large);
  EXPECT_FALSE(step.whole);
}

TEST(EnvoyTunnelHttp, ResponseGoesBackAsOneFramedMessage) {
  HttpResponse response;
  response.status = 201;
  response.headers = {{"content-type", "application/json"},
                      {"content-length", "2"},
                      {"vary", "a"},
                      {"vary", "b"}};
  response.body = "{}";
  wire::MessageId request{{1, 2, 3, 4}, {5, 6, 7, 8}, 0};
  auto message = reply_to(request, 0, to_response_start(response));
  const auto& start = std::get<wire::ToRivetResponseStart>(message.message_kind);
  EXPECT_EQ(start.status, 201);
  ASSERT_EQ(start.headers.size(), 2U);  // no content-length; repeated names joined
  EXPECT_EQ(start.headers[1].second, "a, b");
  EXPECT_EQ(start.body, (Bytes{'{', '}'}));
  EXPECT_FALSE(start.stream);
  EXPECT_EQ(message.message_id.gateway_id, request.gateway_id);

  // It encodes as a ToRivet frame and decodes back the same.
  auto frame = protocol::envoy::encode_to_rivet(wire::ToRivet{message});
  auto back = protocol::envoy::decode_to_rivet(frame);
  ASSERT_TRUE(back);
  EXPECT_EQ(std::get<wire::ToRivetTunnelMessage>(*back), message);

  HttpResponse empty;
  EXPECT_FALSE(to_response_start(empty).body.has_value());
  EXPECT_EQ(actor_not_hosted_response().status, 503U);
}

}  // namespace
}  // namespace rivet::server::envoy
