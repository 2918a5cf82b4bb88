#pragma once
/// Envoy protocol v8: the two top-level unions, ToRivet (envoy -> engine) and ToEnvoy
/// (engine -> envoy). One WebSocket binary message carries exactly one of them.

#include <rivet/protocol/envoy/commands.hpp>
#include <rivet/protocol/envoy/events.hpp>
#include <rivet/protocol/envoy/ids.hpp>
#include <rivet/protocol/envoy/kv.hpp>
#include <rivet/protocol/envoy/sqlite.hpp>
#include <rivet/protocol/envoy/tunnel.hpp>

#include <optional>
#include <variant>

namespace rivet::protocol::envoy {

struct ActorName {
  Json metadata;  // a JSON object, e.g. "{}"
  bool operator==(const ActorName&) const = default;
};

// -- envoy -> engine ---------------------------------------------------------------------------

/// The envoy's first message on a connection.
struct ToRivetMetadata {
  std::optional<Map<ActorName>> prepopulate_actor_names;
  std::optional<Json> metadata;
  bool operator==(const ToRivetMetadata&) const = default;
};
struct ToRivetEvents {
  std::vector<EventWrapper> events;
  bool operator==(const ToRivetEvents&) const = default;
};
/// Per (actor, generation): the highest command index processed.
struct ToRivetAckCommands {
  std::vector<ActorCheckpoint> last_command_checkpoints;
  bool operator==(const ToRivetAckCommands&) const = default;
};
struct ToRivetStopping {
  bool operator==(const ToRivetStopping&) const = default;
};
struct ToRivetPong {
  std::int64_t ts = 0;  // the ping's ts, echoed
  bool operator==(const ToRivetPong&) const = default;
};
struct ToRivetKvRequest {
  Id actor_id;
  std::uint32_t request_id = 0;
  KvRequestData data;
  bool operator==(const ToRivetKvRequest&) const = default;
};
struct ToRivetTunnelMessage {
  MessageId message_id;
  ToRivetTunnelMessageKind message_kind;
  bool operator==(const ToRivetTunnelMessage&) const = default;
};
struct ToRivetSqliteGetPagesRequest {
  std::uint32_t request_id = 0;
  SqliteGetPagesRequest data;
  bool operator==(const ToRivetSqliteGetPagesRequest&) const = default;
};
struct ToRivetSqliteCommitRequest {
  std::uint32_t request_id = 0;
  SqliteCommitRequest data;
  bool operator==(const ToRivetSqliteCommitRequest&) const = default;
};
struct ToRivetSqliteCommitStageBeginRequest {
  std::uint32_t request_id = 0;
  SqliteCommitStageBeginRequest data;
  bool operator==(const ToRivetSqliteCommitStageBeginRequest&) const = default;
};
struct ToRivetSqliteCommitStageSegmentRequest {
  std::uint32_t request_id = 0;
  SqliteCommitStageSegmentRequest data;
  bool operator==(const ToRivetSqliteCommitStageSegmentRequest&) const = default;
};
struct ToRivetSqliteCommitFinalizeRequest {
  std::uint32_t request_id = 0;
  SqliteCommitFinalizeRequest data;
  bool operator==(const ToRivetSqliteCommitFinalizeRequest&) const = default;
};
struct ToRivetSqliteExecRequest {
  std::uint32_t request_id = 0;
  SqliteExecRequest data;
  bool operator==(const ToRivetSqliteExecRequest&) const = default;
};
struct ToRivetSqliteExecuteRequest {
  std::uint32_t request_id = 0;
  SqliteExecuteRequest data;
  bool operator==(const ToRivetSqliteExecuteRequest&) const = default;
};
struct ToRivetSqliteExecuteBatchRequest {
  std::uint32_t request_id = 0;
  SqliteExecuteBatchRequest data;
  bool operator==(const ToRivetSqliteExecuteBatchRequest&) const = default;
};

using ToRivet =
    std::variant<ToRivetMetadata, ToRivetEvents, ToRivetAckCommands, ToRivetStopping, ToRivetPong,
                 ToRivetKvRequest, ToRivetTunnelMessage, ToRivetSqliteGetPagesRequest,
                 ToRivetSqliteCommitRequest, ToRivetSqliteCommitStageBeginRequest,
                 ToRivetSqliteCommitStageSegmentRequest, ToRivetSqliteCommitFinalizeRequest,
                 ToRivetSqliteExecRequest, ToRivetSqliteExecuteRequest,
                 ToRivetSqliteExecuteBatchRequest>;

// -- engine -> envoy ---------------------------------------------------------------------------

struct ProtocolMetadata {
  std::int64_t envoy_lost_threshold = 0;        // ms
  std::int64_t actor_stop_threshold = 0;        // ms
  std::uint64_t max_response_payload_size = 0;  // bytes
  bool operator==(const ProtocolMetadata&) const = default;
};

/// The engine's answer to ToRivetMetadata.
struct ToEnvoyInit {
  ProtocolMetadata metadata;
  bool operator==(const ToEnvoyInit&) const = default;
};
struct ToEnvoyCommands {
  std::vector<CommandWrapper> commands;
  bool operator==(const ToEnvoyCommands&) const = default;
};
/// Per (actor, generation): the highest event index the engine has stored.
struct ToEnvoyAckEvents {
  std::vector<ActorCheckpoint> last_event_checkpoints;
  bool operator==(const ToEnvoyAckEvents&) const = default;
};
struct ToEnvoyKvResponse {
  std::uint32_t request_id = 0;
  KvResponseData data;
  bool operator==(const ToEnvoyKvResponse&) const = default;
};
struct ToEnvoyTunnelMessage {
  MessageId message_id;
  ToEnvoyTunnelMessageKind message_kind;
  bool operator==(const ToEnvoyTunnelMessage&) const = default;
};
struct ToEnvoyPing {
  std::int64_t ts = 0;
  bool operator==(const ToEnvoyPing&) const = default;
};
struct ToEnvoySqliteGetPagesResponse {
  std::uint32_t request_id = 0;
  SqliteGetPagesResponse data;
  bool operator==(const ToEnvoySqliteGetPagesResponse&) const = default;
};
struct ToEnvoySqliteCommitResponse {
  std::uint32_t request_id = 0;
  SqliteCommitResponse data;
  bool operator==(const ToEnvoySqliteCommitResponse&) const = default;
};
struct ToEnvoySqliteCommitStageBeginResponse {
  std::uint32_t request_id = 0;
  SqliteCommitStageBeginResponse data;
  bool operator==(const ToEnvoySqliteCommitStageBeginResponse&) const = default;
};
struct ToEnvoySqliteCommitStageSegmentResponse {
  std::uint32_t request_id = 0;
  SqliteCommitStageSegmentResponse data;
  bool operator==(const ToEnvoySqliteCommitStageSegmentResponse&) const = default;
};
struct ToEnvoySqliteCommitFinalizeResponse {
  std::uint32_t request_id = 0;
  SqliteCommitFinalizeResponse data;
  bool operator==(const ToEnvoySqliteCommitFinalizeResponse&) const = default;
};
struct ToEnvoySqliteExecResponse {
  std::uint32_t request_id = 0;
  SqliteExecResponse data;
  bool operator==(const ToEnvoySqliteExecResponse&) const = default;
};
struct ToEnvoySqliteExecuteResponse {
  std::uint32_t request_id = 0;
  SqliteExecuteResponse data;
  bool operator==(const ToEnvoySqliteExecuteResponse&) const = default;
};
struct ToEnvoySqliteExecuteBatchResponse {
  std::uint32_t request_id = 0;
  SqliteExecuteBatchResponse data;
  bool operator==(const ToEnvoySqliteExecuteBatchResponse&) const = default;
};

using ToEnvoy = std::variant<ToEnvoyInit, ToEnvoyCommands, ToEnvoyAckEvents, ToEnvoyKvResponse,
                             ToEnvoyTunnelMessage, ToEnvoyPing, ToEnvoySqliteGetPagesResponse,
                             ToEnvoySqliteCommitResponse, ToEnvoySqliteCommitStageBeginResponse,
                             ToEnvoySqliteCommitStageSegmentResponse,
                             ToEnvoySqliteCommitFinalizeResponse, ToEnvoySqliteExecResponse,
                             ToEnvoySqliteExecuteResponse, ToEnvoySqliteExecuteBatchResponse>;

}  // namespace rivet::protocol::envoy
