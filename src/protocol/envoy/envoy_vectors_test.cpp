// The test vectors of the engine protocol spec (§11), captured between engine 2.3.19 and the
// RivetKit 2.3.19 runner: each decodes to the message the spec describes and re-encodes to the
// same bytes.
#include "protocol/envoy/envoy_test_util.hpp"

namespace rivet::protocol::envoy {
namespace {

using test::expect_to_envoy;
using test::expect_to_rivet;
using test::text;

const Id kActor = "dh94l6smbx4hm7957fwutmpyieal00";
constexpr GatewayId kGateway{0xca, 0x02, 0x56, 0xc2};

ActorCheckpoint checkpoint(std::uint32_t generation, std::int64_t index) {
  return {.actor_id = kActor, .generation = generation, .index = index};
}

ToRivet one_event(ActorCheckpoint cp, Event event) {
  return ToRivetEvents{{EventWrapper{.checkpoint = std::move(cp), .inner = std::move(event)}}};
}

TEST(EnvoySpecVectors, Metadata) {
  expect_to_rivet(
      "00010107636f756e746572027b7d01217b2272697665746b6974223a7b2276657273696f6e223a22322e332e31"
      "39227d7d",
      ToRivetMetadata{.prepopulate_actor_names = Map<ActorName>{{"counter", ActorName{"{}"}}},
                      .metadata = R"({"rivetkit":{"version":"2.3.19"}})"});
}

TEST(EnvoySpecVectors, InitPingPong) {
  expect_to_envoy("00983a00000000000040771b00000000000000400100000000",
                  ToEnvoyInit{ProtocolMetadata{.envoy_lost_threshold = 15000,
                                               .actor_stop_threshold = 1800000,
                                               .max_response_payload_size = 20971520}});
  expect_to_envoy("0596afd90ba2010000", ToEnvoyPing{1795495145366});
  expect_to_rivet("0496afd90ba2010000", ToRivetPong{1795495145366});
}

TEST(EnvoySpecVectors, StartCommandAndItsAck) {
  CommandStartActor start{
      .config = {.name = "counter", .key = "scen-1", .create_ts = 1795495151249, .input = {}},
      .hibernating_requests = {},
      .preloaded_kv = {}};
  expect_to_envoy(
      "01011e646839346c36736d627834686d37393537667775746d70796965616c30300100000001000000000000"
      "000007636f756e74657201067363656e2d3191c6d90ba2010000000000",
      ToEnvoyCommands{{CommandWrapper{.checkpoint = checkpoint(1, 1), .inner = start}}});
  expect_to_rivet(
      "02011e646839346c36736d627834686d37393537667775746d70796965616c3030010000000100000000000000",
      ToRivetAckCommands{{checkpoint(1, 1)}});
}

TEST(EnvoySpecVectors, LifecycleEvents) {
  expect_to_rivet(
      "01011e646839346c36736d627834686d37393537667775746d70796965616c303001000000000000000000000001"
      "00",
      one_event(checkpoint(1, 0), EventActorStateUpdate{ActorStateRunning{}}));
  expect_to_rivet(
      "01011e646839346c36736d627834686d37393537667775746d70796965616c303001000000030000000000000000"
      "00",
      one_event(checkpoint(1, 3), EventActorIntent{ActorIntentSleep{}}));
  expect_to_rivet(
      "01011e646839346c36736d627834686d37393537667775746d70796965616c303001000000040000000000000001"
      "010000",
      one_event(checkpoint(1, 4),
                EventActorStateUpdate{ActorStateStopped{.code = StopCode::Ok, .message = {}}}));
  expect_to_rivet(
      "01011e646839346c36736d627834686d37393537667775746d70796965616c303002000000030000000000000002"
      "01edefd90ba2010000",
      one_event(checkpoint(2, 3), EventActorSetAlarm{1795495161837}));
}

TEST(EnvoySpecVectors, StopCommand) {
  expect_to_envoy(
      "01011e646839346c36736d627834686d37393537667775746d70796965616c3030010000000200000000000000"
      "0100",
      ToEnvoyCommands{{CommandWrapper{.checkpoint = checkpoint(1, 2),
                                      .inner = CommandStopActor{StopActorReason::SleepIntent}}}});
}

TEST(EnvoySpecVectors, Kv) {
  expect_to_rivet(
      "051e646839346c36736d627834686d37393537667775746d70796965616c30300000000000040101010601030305"
      "01"
      "01",
      ToRivetKvRequest{.actor_id = kActor,
                       .request_id = 0,
                       .data = KvGetRequest{{{0x01}, {0x06}, {0x03}, {0x05, 0x01, 0x01}}}});
  expect_to_envoy("030000000001000000",
                  ToEnvoyKvResponse{.request_id = 0, .data = KvGetResponse{}});
  expect_to_envoy("030500000003", ToEnvoyKvResponse{.request_id = 5, .data = KvPutResponse{}});
}

TEST(EnvoySpecVectors, HttpRequestStart) {
  ToEnvoyRequestStart start{.actor_id = kActor,
                            .actor_generation = {},
                            .method = "GET",
                            .path = "/request/foo",
                            .headers = {{"sec-fetch-mode", "cors"},
                                        {"accept", "*/*"},
                                        {"x-rivet-ray-id", "x8wjaiwbfnbggmhl7lwsgt0w51cl00"},
                                        {"accept-encoding", "gzip, deflate"},
                                        {"user-agent", "node"},
                                        {"connection", "keep-alive"},
                                        {"accept-language", "*"},
                                        {"host", "127.0.0.1:6420"}},
                            .body = {},
                            .stream = false,
                            .response_stream = false};
  expect_to_envoy(
      "04ca0256c2dfc3a49a0000001e646839346c36736d627834686d37393537667775746d70796965616c30300003"
      "4745540c2f726571756573742f666f6f080e7365632d66657463682d6d6f646504636f727306616363657074032a"
      "2f2a0e782d72697665742d7261792d69641e7838776a61697762666e6267676d686c376c7773677430773531636c"
      "30300f6163636570742d656e636f64696e670d677a69702c206465666c6174650a757365722d6167656e74046e6f"
      "64650a636f6e6e656374696f6e0a6b6565702d616c6976650f6163636570742d6c616e6775616765012a04686f73"
      "740e3132372e302e302e313a36343230000000",
      ToEnvoyTunnelMessage{
          .message_id = {.gateway_id = kGateway, .request_id = {0xdf, 0xc3, 0xa4, 0x9a}},
          .message_kind = start});
}

TEST(EnvoySpecVectors, WebSocket) {
  constexpr RequestId kSocket{0x67, 0xdf, 0xcc, 0xa1};
  auto id = [&](MessageIndex index) {
    return MessageId{.gateway_id = kGateway, .request_id = kSocket, .message_index = index};
  };
  expect_to_rivet(
      "06ca0256c267dfcca100000501",
      ToRivetTunnelMessage{.message_id = id(0),
                           .message_kind = ToRivetWebSocketOpen{.can_hibernate = true}});
  expect_to_rivet("06ca0256c267dfcca10100070100",
                  ToRivetTunnelMessage{.message_id = id(1),
                                       .message_kind = ToRivetWebSocketMessageAck{.index = 1}});
  expect_to_envoy("04ca0256c267dfcca120000701e8030108446973706f736564",
                  ToEnvoyTunnelMessage{
                      .message_id = id(32),
                      .message_kind = ToEnvoyWebSocketClose{.code = 1000, .reason = "Disposed"}});
  expect_to_rivet(
      "06ca0256c267dfcca100000801e8030108446973706f73656400",
      ToRivetTunnelMessage{.message_id = id(0),
                           .message_kind = ToRivetWebSocketClose{
                               .code = 1000, .reason = "Disposed", .hibernate = false}});
}

TEST(EnvoySpecVectors, ServerlessStartBody) {
  // §9: u16 LE version 8, then the ToEnvoyCommands of one start at checkpoint index 0.
  ToEnvoy commands = ToEnvoyCommands{{CommandWrapper{
      .checkpoint = checkpoint(1, 0),
      .inner = CommandStartActor{
          .config = {.name = "counter", .key = {}, .create_ts = 1, .input = text("in")}}}}};
  Bytes body = encode_serverless_start(commands);
  ASSERT_GE(body.size(), 2U);
  EXPECT_EQ(body[0], 8);
  EXPECT_EQ(body[1], 0);
  auto decoded = decode_serverless_start(body);
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_TRUE(*decoded == commands);
  body[0] = 7;
  EXPECT_FALSE(decode_serverless_start(body));
  EXPECT_FALSE(decode_serverless_start(Bytes{0x08}));
}

}  // namespace
}  // namespace rivet::protocol::envoy
