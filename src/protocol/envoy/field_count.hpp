#pragma once
// The field count of every envoy message struct and the value count of every enum: what the
// codec needs beyond the types themselves. A wrong field count does not compile (see
// for_each_field); a struct missing here has no put/get overload and does not compile either.

#include "protocol/envoy/codec.hpp"

#include <rivet/protocol/envoy/messages.hpp>

namespace rivet::protocol::envoy::codec {

// -- ids.hpp --------------------------------------------------------------------------------------

template <>
inline constexpr std::size_t kFieldCount<ActorCheckpoint> = 3;

// -- kv.hpp ---------------------------------------------------------------------------------------

template <>
inline constexpr std::size_t kFieldCount<KvMetadata> = 2;
template <>
inline constexpr std::size_t kFieldCount<KvListAllQuery> = 0;
template <>
inline constexpr std::size_t kFieldCount<KvListRangeQuery> = 3;
template <>
inline constexpr std::size_t kFieldCount<KvListPrefixQuery> = 1;
template <>
inline constexpr std::size_t kFieldCount<KvGetRequest> = 1;
template <>
inline constexpr std::size_t kFieldCount<KvListRequest> = 3;
template <>
inline constexpr std::size_t kFieldCount<KvPutRequest> = 2;
template <>
inline constexpr std::size_t kFieldCount<KvDeleteRequest> = 1;
template <>
inline constexpr std::size_t kFieldCount<KvDeleteRangeRequest> = 2;
template <>
inline constexpr std::size_t kFieldCount<KvDropRequest> = 0;
template <>
inline constexpr std::size_t kFieldCount<KvErrorResponse> = 1;
template <>
inline constexpr std::size_t kFieldCount<KvGetResponse> = 3;
template <>
inline constexpr std::size_t kFieldCount<KvListResponse> = 3;
template <>
inline constexpr std::size_t kFieldCount<KvPutResponse> = 0;
template <>
inline constexpr std::size_t kFieldCount<KvDeleteResponse> = 0;
template <>
inline constexpr std::size_t kFieldCount<KvDropResponse> = 0;

// -- commands.hpp ---------------------------------------------------------------------------------

template <>
inline constexpr std::uint8_t kEnumCount<StopActorReason> = 5;
template <>
inline constexpr std::size_t kFieldCount<ActorConfig> = 4;
template <>
inline constexpr std::size_t kFieldCount<HibernatingRequest> = 2;
template <>
inline constexpr std::size_t kFieldCount<PreloadedKvEntry> = 3;
template <>
inline constexpr std::size_t kFieldCount<PreloadedKv> = 3;
template <>
inline constexpr std::size_t kFieldCount<CommandStartActor> = 3;
template <>
inline constexpr std::size_t kFieldCount<CommandStopActor> = 1;
template <>
inline constexpr std::size_t kFieldCount<CommandWrapper> = 2;

// -- events.hpp -----------------------------------------------------------------------------------

template <>
inline constexpr std::uint8_t kEnumCount<StopCode> = 2;
template <>
inline constexpr std::size_t kFieldCount<ActorIntentSleep> = 0;
template <>
inline constexpr std::size_t kFieldCount<ActorIntentStop> = 0;
template <>
inline constexpr std::size_t kFieldCount<ActorStateRunning> = 0;
template <>
inline constexpr std::size_t kFieldCount<ActorStateStopped> = 2;
template <>
inline constexpr std::size_t kFieldCount<EventActorIntent> = 1;
template <>
inline constexpr std::size_t kFieldCount<EventActorStateUpdate> = 1;
template <>
inline constexpr std::size_t kFieldCount<EventActorSetAlarm> = 1;
template <>
inline constexpr std::size_t kFieldCount<EventWrapper> = 2;

// -- tunnel.hpp -----------------------------------------------------------------------------------

template <>
inline constexpr std::uint8_t kEnumCount<HttpStreamAbortReasonKind> = 4;
template <>
inline constexpr std::size_t kFieldCount<MessageId> = 3;
template <>
inline constexpr std::size_t kFieldCount<HttpStreamAbortReason> = 2;
template <>
inline constexpr std::size_t kFieldCount<ToEnvoyRequestStart> = 8;
template <>
inline constexpr std::size_t kFieldCount<ToEnvoyRequestChunk> = 2;
template <>
inline constexpr std::size_t kFieldCount<ToEnvoyRequestAbort> = 3;
template <>
inline constexpr std::size_t kFieldCount<ToEnvoyRequestBodyCancel> = 0;
template <>
inline constexpr std::size_t kFieldCount<ToEnvoyResponseBodyWindowUpdate> = 1;
template <>
inline constexpr std::size_t kFieldCount<ToEnvoyWebSocketOpen> = 4;
template <>
inline constexpr std::size_t kFieldCount<ToEnvoyWebSocketMessage> = 2;
template <>
inline constexpr std::size_t kFieldCount<ToEnvoyWebSocketClose> = 2;
template <>
inline constexpr std::size_t kFieldCount<ToRivetResponseStart> = 4;
template <>
inline constexpr std::size_t kFieldCount<ToRivetResponseChunk> = 2;
template <>
inline constexpr std::size_t kFieldCount<ToRivetResponseAbort> = 1;
template <>
inline constexpr std::size_t kFieldCount<ToRivetRequestBodyWindowUpdate> = 1;
template <>
inline constexpr std::size_t kFieldCount<ToRivetRequestBodyCancel> = 0;
template <>
inline constexpr std::size_t kFieldCount<ToRivetWebSocketOpen> = 1;
template <>
inline constexpr std::size_t kFieldCount<ToRivetWebSocketMessage> = 2;
template <>
inline constexpr std::size_t kFieldCount<ToRivetWebSocketMessageAck> = 1;
template <>
inline constexpr std::size_t kFieldCount<ToRivetWebSocketClose> = 3;

// -- sqlite.hpp -----------------------------------------------------------------------------------

template <>
inline constexpr std::size_t kFieldCount<SqliteErrorResponse> = 3;
template <>
inline constexpr std::size_t kFieldCount<SqliteDirtyPage> = 2;
template <>
inline constexpr std::size_t kFieldCount<SqliteFetchedPage> = 2;
template <>
inline constexpr std::size_t kFieldCount<SqliteGetPagesRequest> = 4;
template <>
inline constexpr std::size_t kFieldCount<SqliteGetPagesOk> = 2;
template <>
inline constexpr std::size_t kFieldCount<SqliteCommitRequest> = 6;
template <>
inline constexpr std::size_t kFieldCount<SqliteCommitOk> = 1;
template <>
inline constexpr std::size_t kFieldCount<SqliteCommitStageBeginRequest> = 3;
template <>
inline constexpr std::size_t kFieldCount<SqliteCommitStageBeginOk> = 1;
template <>
inline constexpr std::size_t kFieldCount<SqliteCommitStageSegmentRequest> = 5;
template <>
inline constexpr std::size_t kFieldCount<SqliteCommitStageSegmentOk> = 1;
template <>
inline constexpr std::size_t kFieldCount<SqliteCommitFinalizeRequest> = 6;
template <>
inline constexpr std::size_t kFieldCount<SqliteCommitFinalizeOk> = 1;
template <>
inline constexpr std::size_t kFieldCount<SqliteValueNull> = 0;
template <>
inline constexpr std::size_t kFieldCount<SqliteValueInteger> = 1;
template <>
inline constexpr std::size_t kFieldCount<SqliteValueFloat> = 1;
template <>
inline constexpr std::size_t kFieldCount<SqliteValueText> = 1;
template <>
inline constexpr std::size_t kFieldCount<SqliteValueBlob> = 1;
template <>
inline constexpr std::size_t kFieldCount<SqliteQueryResult> = 2;
template <>
inline constexpr std::size_t kFieldCount<SqliteExecuteResult> = 4;
template <>
inline constexpr std::size_t kFieldCount<SqliteExecRequest> = 4;
template <>
inline constexpr std::size_t kFieldCount<SqliteExecuteRequest> = 5;
template <>
inline constexpr std::size_t kFieldCount<SqliteBatchStatement> = 2;
template <>
inline constexpr std::size_t kFieldCount<SqliteExecuteBatchRequest> = 4;
template <>
inline constexpr std::size_t kFieldCount<SqliteExecOk> = 1;
template <>
inline constexpr std::size_t kFieldCount<SqliteExecuteOk> = 1;
template <>
inline constexpr std::size_t kFieldCount<SqliteExecuteBatchOk> = 1;

// -- messages.hpp ---------------------------------------------------------------------------------

template <>
inline constexpr std::size_t kFieldCount<ActorName> = 1;
template <>
inline constexpr std::size_t kFieldCount<ToRivetMetadata> = 2;
template <>
inline constexpr std::size_t kFieldCount<ToRivetEvents> = 1;
template <>
inline constexpr std::size_t kFieldCount<ToRivetAckCommands> = 1;
template <>
inline constexpr std::size_t kFieldCount<ToRivetStopping> = 0;
template <>
inline constexpr std::size_t kFieldCount<ToRivetPong> = 1;
template <>
inline constexpr std::size_t kFieldCount<ToRivetKvRequest> = 3;
template <>
inline constexpr std::size_t kFieldCount<ToRivetTunnelMessage> = 2;
template <>
inline constexpr std::size_t kFieldCount<ToRivetSqliteGetPagesRequest> = 2;
template <>
inline constexpr std::size_t kFieldCount<ToRivetSqliteCommitRequest> = 2;
template <>
inline constexpr std::size_t kFieldCount<ToRivetSqliteCommitStageBeginRequest> = 2;
template <>
inline constexpr std::size_t kFieldCount<ToRivetSqliteCommitStageSegmentRequest> = 2;
template <>
inline constexpr std::size_t kFieldCount<ToRivetSqliteCommitFinalizeRequest> = 2;
template <>
inline constexpr std::size_t kFieldCount<ToRivetSqliteExecRequest> = 2;
template <>
inline constexpr std::size_t kFieldCount<ToRivetSqliteExecuteRequest> = 2;
template <>
inline constexpr std::size_t kFieldCount<ToRivetSqliteExecuteBatchRequest> = 2;
template <>
inline constexpr std::size_t kFieldCount<ProtocolMetadata> = 3;
template <>
inline constexpr std::size_t kFieldCount<ToEnvoyInit> = 1;
template <>
inline constexpr std::size_t kFieldCount<ToEnvoyCommands> = 1;
template <>
inline constexpr std::size_t kFieldCount<ToEnvoyAckEvents> = 1;
template <>
inline constexpr std::size_t kFieldCount<ToEnvoyKvResponse> = 2;
template <>
inline constexpr std::size_t kFieldCount<ToEnvoyTunnelMessage> = 2;
template <>
inline constexpr std::size_t kFieldCount<ToEnvoyPing> = 1;
template <>
inline constexpr std::size_t kFieldCount<ToEnvoySqliteGetPagesResponse> = 2;
template <>
inline constexpr std::size_t kFieldCount<ToEnvoySqliteCommitResponse> = 2;
template <>
inline constexpr std::size_t kFieldCount<ToEnvoySqliteCommitStageBeginResponse> = 2;
template <>
inline constexpr std::size_t kFieldCount<ToEnvoySqliteCommitStageSegmentResponse> = 2;
template <>
inline constexpr std::size_t kFieldCount<ToEnvoySqliteCommitFinalizeResponse> = 2;
template <>
inline constexpr std::size_t kFieldCount<ToEnvoySqliteExecResponse> = 2;
template <>
inline constexpr std::size_t kFieldCount<ToEnvoySqliteExecuteResponse> = 2;
template <>
inline constexpr std::size_t kFieldCount<ToEnvoySqliteExecuteBatchResponse> = 2;

}  // namespace rivet::protocol::envoy::codec
