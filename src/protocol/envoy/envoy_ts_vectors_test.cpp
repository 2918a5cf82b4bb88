// One message of every envoy protocol v8 type, encoded by the official TypeScript codec
// (ts_vectors.inc, written by ts_vectors.mjs): each decodes to the message the generator built,
// field by field, and both encode back to the same bytes. The values differ per field, so a
// field out of order in our structs fails here even where a round trip alone would not notice.
#include "protocol/envoy/envoy_test_util.hpp"

#include <bit>

namespace rivet::protocol::envoy {
namespace {

namespace vec {
#define RIVET_TS_VECTOR(name, hex) constexpr std::string_view name = hex;
#include "protocol/envoy/ts_vectors.inc"
#undef RIVET_TS_VECTOR
}  // namespace vec

using test::expect_to_envoy;
using test::expect_to_rivet;
using test::text;

ActorCheckpoint cp(Id actor, std::uint32_t generation, std::int64_t index) {
  return {.actor_id = std::move(actor), .generation = generation, .index = index};
}

MessageId mid(MessageIndex index) {
  return {.gateway_id = {0x11, 0x22, 0x33, 0x44},
          .request_id = {0x55, 0x66, 0x77, 0x88},
          .message_index = index};
}

SqliteValueFloat f64(double v) {
  static_assert(std::endian::native == std::endian::little, "the wire holds little-endian bytes");
  return {std::bit_cast<std::array<std::uint8_t, 8>>(v)};
}

ToRivet kv(std::uint32_t request_id, KvRequestData data) {
  return ToRivetKvRequest{.actor_id = "a1", .request_id = request_id, .data = std::move(data)};
}

ToRivet to_rivet_tunnel(MessageIndex index, ToRivetTunnelMessageKind kind) {
  return ToRivetTunnelMessage{.message_id = mid(index), .message_kind = std::move(kind)};
}

ToEnvoy to_envoy_tunnel(MessageIndex index, ToEnvoyTunnelMessageKind kind) {
  return ToEnvoyTunnelMessage{.message_id = mid(index), .message_kind = std::move(kind)};
}

const SqliteErrorResponse kSqliteError{
    .group = "depot", .code = "database_not_found", .message = "no db"};

TEST(EnvoyTsVectors, EveryVectorRoundTrips) {
  struct Vector {
    std::string_view name;
    std::string_view hex;
  };
  const Vector vectors[] = {
#define RIVET_TS_VECTOR(name, hex) {#name, hex},
#include "protocol/envoy/ts_vectors.inc"
#undef RIVET_TS_VECTOR
  };
  for (const auto& v : vectors) {
    Bytes bytes = test::from_hex(v.hex);
    Bytes again;
    if (v.name.starts_with("rivet_")) {
      auto msg = decode_to_rivet(bytes);
      ASSERT_TRUE(msg) << v.name << ": " << msg.error().message;
      again = encode_to_rivet(*msg);
    } else {
      auto msg = decode_to_envoy(bytes);
      ASSERT_TRUE(msg) << v.name << ": " << msg.error().message;
      again = encode_to_envoy(*msg);
    }
    EXPECT_EQ(test::to_hex(again), v.hex) << v.name;
  }
}

// -- envoy -> engine ---------------------------------------------------------------------------

TEST(EnvoyTsVectors, ToRivetMetadata) {
  expect_to_rivet(
      vec::rivet_metadata,
      ToRivetMetadata{.prepopulate_actor_names =
                          Map<ActorName>{{"counter", {R"({"icon":"x"})"}}, {"chat", {"{}"}}},
                      .metadata = R"({"rivetkit":{}})"});
  expect_to_rivet(vec::rivet_metadata_empty, ToRivetMetadata{});
}

TEST(EnvoyTsVectors, ToRivetEvents) {
  auto stopped = [](StopCode code, std::optional<std::string> message) {
    return EventActorStateUpdate{ActorStateStopped{.code = code, .message = std::move(message)}};
  };
  expect_to_rivet(
      vec::rivet_events,
      ToRivetEvents{{
          {.checkpoint = cp("a1", 7, 9), .inner = EventActorIntent{ActorIntentSleep{}}},
          {.checkpoint = cp("a1", 7, 10), .inner = EventActorIntent{ActorIntentStop{}}},
          {.checkpoint = cp("a2", 8, 11), .inner = EventActorStateUpdate{ActorStateRunning{}}},
          {.checkpoint = cp("a2", 8, 12), .inner = stopped(StopCode::Error, "boom")},
          {.checkpoint = cp("a2", 8, 13), .inner = stopped(StopCode::Ok, {})},
          {.checkpoint = cp("a3", 9, 14), .inner = EventActorSetAlarm{123456789}},
          {.checkpoint = cp("a3", 9, 15), .inner = EventActorSetAlarm{}},
      }});
}

TEST(EnvoyTsVectors, ToRivetAcksStoppingPong) {
  expect_to_rivet(vec::rivet_ack_commands, ToRivetAckCommands{{cp("a1", 3, 4), cp("a2", 5, -1)}});
  expect_to_rivet(vec::rivet_stopping, ToRivetStopping{});
  expect_to_rivet(vec::rivet_pong, ToRivetPong{-2});
}

TEST(EnvoyTsVectors, ToRivetKvRequests) {
  expect_to_rivet(vec::rivet_kv_get, kv(1, KvGetRequest{{{0x01}, {0x02, 0x03}}}));
  expect_to_rivet(vec::rivet_kv_list_all, kv(2, KvListRequest{.query = KvListAllQuery{}}));
  expect_to_rivet(
      vec::rivet_kv_list_range,
      kv(3,
         KvListRequest{.query = KvListRangeQuery{.start = {0x01}, .end = {0x02}, .exclusive = true},
                       .reverse = true,
                       .limit = 10}));
  expect_to_rivet(vec::rivet_kv_list_prefix,
                  kv(4, KvListRequest{.query = KvListPrefixQuery{{0x0a}}, .reverse = false}));
  expect_to_rivet(vec::rivet_kv_put,
                  kv(5, KvPutRequest{.keys = {{0x01}, {0x02}}, .values = {{0xaa}, {0xbb, 0xcc}}}));
  expect_to_rivet(vec::rivet_kv_delete, kv(6, KvDeleteRequest{{{0x01}}}));
  expect_to_rivet(vec::rivet_kv_delete_range,
                  kv(7, KvDeleteRangeRequest{.start = {0x01}, .end = {0x09}}));
  expect_to_rivet(vec::rivet_kv_drop, kv(8, KvDropRequest{}));
}

TEST(EnvoyTsVectors, ToRivetHttpTunnel) {
  expect_to_rivet(
      vec::rivet_response_start,
      to_rivet_tunnel(
          258, ToRivetResponseStart{.status = 200,
                                    .headers = {{"content-type", "text/plain"}, {"x-a", "b"}},
                                    .body = text("hi"),
                                    .stream = false}));
  expect_to_rivet(vec::rivet_response_start_stream,
                  to_rivet_tunnel(0, ToRivetResponseStart{.status = 404, .stream = true}));
  expect_to_rivet(vec::rivet_response_chunk,
                  to_rivet_tunnel(1, ToRivetResponseChunk{.body = text("abc"), .finish = true}));
  expect_to_rivet(
      vec::rivet_response_abort,
      to_rivet_tunnel(2, ToRivetResponseAbort{
                             {.kind = HttpStreamAbortReasonKind::HandlerError, .detail = "oops"}}));
  expect_to_rivet(vec::rivet_request_body_window_update,
                  to_rivet_tunnel(3, ToRivetRequestBodyWindowUpdate{65536}));
  expect_to_rivet(vec::rivet_request_body_cancel, to_rivet_tunnel(4, ToRivetRequestBodyCancel{}));
}

TEST(EnvoyTsVectors, ToRivetWebSocketTunnel) {
  expect_to_rivet(vec::rivet_websocket_open, to_rivet_tunnel(0, ToRivetWebSocketOpen{false}));
  expect_to_rivet(vec::rivet_websocket_message,
                  to_rivet_tunnel(5, ToRivetWebSocketMessage{.data = {1, 2, 3}, .binary = true}));
  expect_to_rivet(vec::rivet_websocket_message_ack,
                  to_rivet_tunnel(65535, ToRivetWebSocketMessageAck{65535}));
  expect_to_rivet(
      vec::rivet_websocket_close,
      to_rivet_tunnel(6, ToRivetWebSocketClose{.code = 1011, .reason = "bye", .hibernate = true}));
  expect_to_rivet(vec::rivet_websocket_close_empty, to_rivet_tunnel(7, ToRivetWebSocketClose{}));
}

TEST(EnvoyTsVectors, ToRivetSqlitePages) {
  expect_to_rivet(vec::rivet_sqlite_get_pages,
                  ToRivetSqliteGetPagesRequest{
                      .request_id = 11,
                      .data = {.actor_id = "a1", .pgnos = {1, 2, 128}, .expected_generation = 3}});
  expect_to_rivet(vec::rivet_sqlite_commit,
                  ToRivetSqliteCommitRequest{.request_id = 12,
                                             .data = {.actor_id = "a1",
                                                      .dirty_pages = {{.pgno = 1, .bytes = {1, 2}}},
                                                      .db_size_pages = 10,
                                                      .now_ms = 1700000000000,
                                                      .expected_generation = {},
                                                      .expected_head_txid = 42}});
  expect_to_rivet(
      vec::rivet_sqlite_commit_stage_begin,
      ToRivetSqliteCommitStageBeginRequest{
          .request_id = 13,
          .data = {.actor_id = "a1", .expected_generation = 3, .expected_head_txid = 4}});
  expect_to_rivet(vec::rivet_sqlite_commit_stage_segment,
                  ToRivetSqliteCommitStageSegmentRequest{
                      .request_id = 14,
                      .data = {.actor_id = "a1",
                               .expected_generation = {},
                               .txid = 5,
                               .first_pgno = 64,
                               .dirty_pages = {{.pgno = 65, .bytes = {0xff}}}}});
  expect_to_rivet(vec::rivet_sqlite_commit_finalize,
                  ToRivetSqliteCommitFinalizeRequest{.request_id = 15,
                                                     .data = {.actor_id = "a1",
                                                              .expected_generation = 3,
                                                              .txid = 5,
                                                              .new_db_size_pages = 70,
                                                              .now_ms = 1,
                                                              .segment_first_pgnos = {1, 64}}});
}

TEST(EnvoyTsVectors, ToRivetSqliteExecution) {
  expect_to_rivet(
      vec::rivet_sqlite_exec,
      ToRivetSqliteExecRequest{
          .request_id = 16,
          .data = {.namespace_id = "ns1", .actor_id = "a1", .generation = 2, .sql = "select 1"}});
  expect_to_rivet(vec::rivet_sqlite_execute,
                  ToRivetSqliteExecuteRequest{
                      .request_id = 17,
                      .data = {.namespace_id = "ns1",
                               .actor_id = "a1",
                               .generation = 2,
                               .sql = "insert ?",
                               .params = std::vector<SqliteValue>{
                                   SqliteValueNull{}, SqliteValueInteger{-5}, f64(1.5),
                                   SqliteValueText{"t"}, SqliteValueBlob{{0x00, 0xff}}}}});
  expect_to_rivet(
      vec::rivet_sqlite_execute_no_params,
      ToRivetSqliteExecuteRequest{
          .request_id = 18,
          .data = {.namespace_id = "ns1", .actor_id = "a1", .generation = 2, .sql = "select 2"}});
  expect_to_rivet(
      vec::rivet_sqlite_execute_batch,
      ToRivetSqliteExecuteBatchRequest{
          .request_id = 19,
          .data = {.namespace_id = "ns1",
                   .actor_id = "a1",
                   .generation = 2,
                   .statements = {
                       {.sql = "a"},
                       {.sql = "b", .params = std::vector<SqliteValue>{SqliteValueInteger{1}}}}}});
}

// -- engine -> envoy ---------------------------------------------------------------------------

TEST(EnvoyTsVectors, ToEnvoyInitPingAcks) {
  expect_to_envoy(vec::envoy_init, ToEnvoyInit{{.envoy_lost_threshold = 15000,
                                                .actor_stop_threshold = 1800000,
                                                .max_response_payload_size = 20971520}});
  expect_to_envoy(vec::envoy_ping, ToEnvoyPing{1795495145366});
  expect_to_envoy(vec::envoy_ack_events, ToEnvoyAckEvents{{cp("a1", 6, 250)}});
}

TEST(EnvoyTsVectors, ToEnvoyCommands) {
  CommandStartActor start{
      .config = {.name = "counter", .key = "k", .create_ts = 5, .input = Bytes{1, 2}},
      .hibernating_requests = {{.gateway_id = {1, 2, 3, 4}, .request_id = {5, 6, 7, 8}}},
      .preloaded_kv =
          PreloadedKv{.entries = {{.key = {1},
                                   .value = {2},
                                   .metadata = {.version = text("2.3.19"), .update_ts = 9}}},
                      .requested_get_keys = {{3}},
                      .requested_prefixes = {{0x0a}}}};
  expect_to_envoy(
      vec::envoy_commands,
      ToEnvoyCommands{{
          {.checkpoint = cp("a1", 1, 1), .inner = start},
          {.checkpoint = cp("a1", 1, 2), .inner = CommandStopActor{StopActorReason::GoingAway}},
          {.checkpoint = cp("a2", 2, 3), .inner = CommandStopActor{StopActorReason::Lost}},
      }});
  expect_to_envoy(vec::envoy_commands_minimal,
                  ToEnvoyCommands{{{.checkpoint = cp("a3", 4, 0),
                                    .inner = CommandStartActor{.config = {.name = "c"}}}}});
}

TEST(EnvoyTsVectors, ToEnvoyKvResponses) {
  auto response = [](std::uint32_t id, KvResponseData data) {
    return ToEnvoyKvResponse{.request_id = id, .data = std::move(data)};
  };
  expect_to_envoy(vec::envoy_kv_error, response(1, KvErrorResponse{"too big"}));
  expect_to_envoy(vec::envoy_kv_get,
                  response(2, KvGetResponse{.keys = {{1}},
                                            .values = {{2}},
                                            .metadata = {{.version = text("v"), .update_ts = 1}}}));
  expect_to_envoy(
      vec::envoy_kv_list,
      response(3, KvListResponse{.keys = {{1}, {3}},
                                 .values = {{2}, {4}},
                                 .metadata = {{.version = text("v"), .update_ts = 1},
                                              {.version = text("w"), .update_ts = 2}}}));
  expect_to_envoy(vec::envoy_kv_put, response(4, KvPutResponse{}));
  expect_to_envoy(vec::envoy_kv_delete, response(5, KvDeleteResponse{}));
  expect_to_envoy(vec::envoy_kv_drop, response(6, KvDropResponse{}));
}

TEST(EnvoyTsVectors, ToEnvoyHttpTunnel) {
  expect_to_envoy(vec::envoy_request_start,
                  to_envoy_tunnel(0, ToEnvoyRequestStart{.actor_id = "a1",
                                                         .actor_generation = 4,
                                                         .method = "POST",
                                                         .path = "/action/x?y=1",
                                                         .headers = {{"b", "2"}, {"a", "1"}},
                                                         .body = text("{}"),
                                                         .stream = false,
                                                         .response_stream = true}));
  expect_to_envoy(vec::envoy_request_start_minimal,
                  to_envoy_tunnel(0, ToEnvoyRequestStart{.actor_id = "a2",
                                                         .method = "GET",
                                                         .path = "/",
                                                         .stream = true,
                                                         .response_stream = false}));
  expect_to_envoy(vec::envoy_request_chunk,
                  to_envoy_tunnel(1, ToEnvoyRequestChunk{.body = text("xyz"), .finish = false}));
  expect_to_envoy(
      vec::envoy_request_abort,
      to_envoy_tunnel(
          2, ToEnvoyRequestAbort{.actor_id = "a1",
                                 .actor_generation = 4,
                                 .reason = {.kind = HttpStreamAbortReasonKind::Cancelled}}));
  expect_to_envoy(
      vec::envoy_request_abort_empty,
      to_envoy_tunnel(
          3, ToEnvoyRequestAbort{
                 .reason = {.kind = HttpStreamAbortReasonKind::InternalError, .detail = "x"}}));
  expect_to_envoy(vec::envoy_request_body_cancel, to_envoy_tunnel(4, ToEnvoyRequestBodyCancel{}));
  expect_to_envoy(vec::envoy_response_body_window_update,
                  to_envoy_tunnel(5, ToEnvoyResponseBodyWindowUpdate{4096}));
}

TEST(EnvoyTsVectors, ToEnvoyWebSocketTunnel) {
  expect_to_envoy(
      vec::envoy_websocket_open,
      to_envoy_tunnel(0, ToEnvoyWebSocketOpen{.actor_id = "a1",
                                              .path = "/websocket",
                                              .headers = {{"sec-websocket-protocol", "rivet"}}}));
  expect_to_envoy(
      vec::envoy_websocket_message,
      to_envoy_tunnel(1, ToEnvoyWebSocketMessage{.data = text("hello"), .binary = false}));
  expect_to_envoy(vec::envoy_websocket_close,
                  to_envoy_tunnel(2, ToEnvoyWebSocketClose{.code = 1000, .reason = "Disposed"}));
  expect_to_envoy(vec::envoy_websocket_close_empty, to_envoy_tunnel(3, ToEnvoyWebSocketClose{}));
}

TEST(EnvoyTsVectors, ToEnvoySqlitePages) {
  expect_to_envoy(
      vec::envoy_sqlite_get_pages,
      ToEnvoySqliteGetPagesResponse{
          .request_id = 21,
          .data = SqliteGetPagesOk{.pages = {{.pgno = 1, .bytes = Bytes{1, 2}}, {.pgno = 2}},
                                   .head_txid = 8}});
  expect_to_envoy(vec::envoy_sqlite_get_pages_error,
                  ToEnvoySqliteGetPagesResponse{.request_id = 22, .data = kSqliteError});
  expect_to_envoy(vec::envoy_sqlite_commit,
                  ToEnvoySqliteCommitResponse{.request_id = 23, .data = SqliteCommitOk{}});
  expect_to_envoy(
      vec::envoy_sqlite_commit_stage_begin,
      ToEnvoySqliteCommitStageBeginResponse{.request_id = 24, .data = SqliteCommitStageBeginOk{6}});
  expect_to_envoy(vec::envoy_sqlite_commit_stage_segment,
                  ToEnvoySqliteCommitStageSegmentResponse{
                      .request_id = 25, .data = SqliteCommitStageSegmentOk{4096}});
  expect_to_envoy(
      vec::envoy_sqlite_commit_finalize,
      ToEnvoySqliteCommitFinalizeResponse{.request_id = 26, .data = SqliteCommitFinalizeOk{6}});
}

TEST(EnvoyTsVectors, ToEnvoySqliteExecution) {
  expect_to_envoy(
      vec::envoy_sqlite_exec,
      ToEnvoySqliteExecResponse{
          .request_id = 27,
          .data = SqliteExecOk{{.columns = {"a", "b"},
                                .rows = {{SqliteValueInteger{1}, SqliteValueText{"x"}},
                                         {SqliteValueNull{}, SqliteValueBlob{{0x00}}}}}}});
  expect_to_envoy(vec::envoy_sqlite_exec_error,
                  ToEnvoySqliteExecResponse{.request_id = 28, .data = kSqliteError});
  expect_to_envoy(
      vec::envoy_sqlite_execute,
      ToEnvoySqliteExecuteResponse{
          .request_id = 29,
          .data = SqliteExecuteOk{
              {.columns = {"id"}, .rows = {{f64(2.5)}}, .changes = 1, .last_insert_row_id = 7}}});
  expect_to_envoy(vec::envoy_sqlite_execute_batch,
                  ToEnvoySqliteExecuteBatchResponse{
                      .request_id = 30,
                      .data = SqliteExecuteBatchOk{
                          {{}, {.columns = {"n"}, .changes = 2, .last_insert_row_id = -1}}}});
}

}  // namespace
}  // namespace rivet::protocol::envoy
