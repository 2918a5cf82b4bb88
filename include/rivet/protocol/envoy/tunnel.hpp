#pragma once
/// Envoy protocol v8: the tunnel that carries client HTTP requests and WebSockets to the envoy.

#include <rivet/protocol/envoy/ids.hpp>

#include <optional>
#include <variant>

namespace rivet::protocol::envoy {

struct MessageId {
  GatewayId gateway_id{};
  RequestId request_id{};
  MessageIndex message_index = 0;
  bool operator==(const MessageId&) const = default;
};

enum class HttpStreamAbortReasonKind : std::uint8_t {
  Unknown,
  Cancelled,
  HandlerError,
  InternalError
};
struct HttpStreamAbortReason {
  HttpStreamAbortReasonKind kind = HttpStreamAbortReasonKind::Unknown;
  std::optional<std::string> detail;
  bool operator==(const HttpStreamAbortReason&) const = default;
};

// -- engine -> envoy ---------------------------------------------------------------------------

struct ToEnvoyRequestStart {
  Id actor_id;
  std::optional<std::uint32_t> actor_generation;
  std::string method;
  std::string path;  // after /gateway/{actor}, with the query string
  Headers headers;
  std::optional<Bytes> body;  // absent when empty
  bool stream = false;
  bool response_stream = false;  // the gateway accepts a streamed response
  bool operator==(const ToEnvoyRequestStart&) const = default;
};
struct ToEnvoyRequestChunk {
  Bytes body;
  bool finish = false;
  bool operator==(const ToEnvoyRequestChunk&) const = default;
};
struct ToEnvoyRequestAbort {
  std::optional<Id> actor_id;
  std::optional<std::uint32_t> actor_generation;
  HttpStreamAbortReason reason;
  bool operator==(const ToEnvoyRequestAbort&) const = default;
};
struct ToEnvoyRequestBodyCancel {
  bool operator==(const ToEnvoyRequestBodyCancel&) const = default;
};
struct ToEnvoyResponseBodyWindowUpdate {
  std::uint64_t consumed_bytes = 0;  // cumulative
  bool operator==(const ToEnvoyResponseBodyWindowUpdate&) const = default;
};
struct ToEnvoyWebSocketOpen {
  Id actor_id;
  std::optional<std::uint32_t> actor_generation;
  std::string path;
  Headers headers;
  bool operator==(const ToEnvoyWebSocketOpen&) const = default;
};
struct ToEnvoyWebSocketMessage {
  Bytes data;
  bool binary = false;
  bool operator==(const ToEnvoyWebSocketMessage&) const = default;
};
struct ToEnvoyWebSocketClose {
  std::optional<std::uint16_t> code;
  std::optional<std::string> reason;
  bool operator==(const ToEnvoyWebSocketClose&) const = default;
};

using ToEnvoyTunnelMessageKind =
    std::variant<ToEnvoyRequestStart, ToEnvoyRequestChunk, ToEnvoyRequestAbort,
                 ToEnvoyRequestBodyCancel, ToEnvoyResponseBodyWindowUpdate, ToEnvoyWebSocketOpen,
                 ToEnvoyWebSocketMessage, ToEnvoyWebSocketClose>;

// -- envoy -> engine ---------------------------------------------------------------------------

struct ToRivetResponseStart {
  std::uint16_t status = 0;
  Headers headers;
  std::optional<Bytes> body;
  bool stream = false;  // chunks follow; only when the request had response_stream
  bool operator==(const ToRivetResponseStart&) const = default;
};
struct ToRivetResponseChunk {
  Bytes body;
  bool finish = false;
  bool operator==(const ToRivetResponseChunk&) const = default;
};
struct ToRivetResponseAbort {
  HttpStreamAbortReason reason;
  bool operator==(const ToRivetResponseAbort&) const = default;
};
struct ToRivetRequestBodyWindowUpdate {
  std::uint64_t consumed_bytes = 0;  // cumulative
  bool operator==(const ToRivetRequestBodyWindowUpdate&) const = default;
};
struct ToRivetRequestBodyCancel {
  bool operator==(const ToRivetRequestBodyCancel&) const = default;
};
struct ToRivetWebSocketOpen {
  bool can_hibernate = false;
  bool operator==(const ToRivetWebSocketOpen&) const = default;
};
struct ToRivetWebSocketMessage {
  Bytes data;
  bool binary = false;
  bool operator==(const ToRivetWebSocketMessage&) const = default;
};
struct ToRivetWebSocketMessageAck {
  MessageIndex index = 0;
  bool operator==(const ToRivetWebSocketMessageAck&) const = default;
};
struct ToRivetWebSocketClose {
  std::optional<std::uint16_t> code;
  std::optional<std::string> reason;
  bool hibernate = false;
  bool operator==(const ToRivetWebSocketClose&) const = default;
};

using ToRivetTunnelMessageKind =
    std::variant<ToRivetResponseStart, ToRivetResponseChunk, ToRivetResponseAbort,
                 ToRivetRequestBodyWindowUpdate, ToRivetRequestBodyCancel, ToRivetWebSocketOpen,
                 ToRivetWebSocketMessage, ToRivetWebSocketMessageAck, ToRivetWebSocketClose>;

}  // namespace rivet::protocol::envoy
