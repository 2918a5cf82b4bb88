#pragma once
/// Client protocol v4 messages (WebSocket `/connect` and the HTTP framework routes) and their
/// codecs in the three encodings. Pure functions, thread-safe. See docs/protocol.md.
///
/// Decoders never throw: malformed input is an Error{"actor","invalid_request",...}
/// (or message.incoming_too_long where noted). BARE decoders accept versions 1..4 and
/// require the buffer to be consumed exactly; encoders always write version 4.

#include <rivet/common/error.hpp>
#include <rivet/common/value.hpp>
#include <rivet/protocol/encoding.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

namespace rivet::protocol {

inline constexpr std::uint16_t kProtocolVersion = 4;

// -- client -> server (WebSocket) ------------------------------------------------------------

struct ActionRequest {
  std::uint64_t id = 0;
  std::string name;
  Value args = Value::array();  // compat array of call arguments
  bool operator==(const ActionRequest&) const = default;
};

struct SubscriptionRequest {
  std::string event_name;
  bool subscribe = true;
  bool operator==(const SubscriptionRequest&) const = default;
};

using ToServer = std::variant<ActionRequest, SubscriptionRequest>;

// -- server -> client (WebSocket) ------------------------------------------------------------

struct ActorSpecifier {
  std::string actor_id;
  std::uint64_t generation = 1;
  std::optional<std::string> key;  // serialized key (keys.hpp); omitted on the wire when absent
  bool operator==(const ActorSpecifier&) const = default;
};

struct Init {
  std::string actor_id;
  std::string connection_id;
  bool operator==(const Init&) const = default;
};

struct ErrorMessage {
  std::string group;
  std::string code;
  std::string message;
  std::optional<Value> metadata;
  std::optional<std::uint64_t> action_id;  // null = connection-level error
  std::optional<ActorSpecifier> actor;
  bool operator==(const ErrorMessage&) const = default;
};

struct ActionResponse {
  std::uint64_t id = 0;
  Value output;
  bool operator==(const ActionResponse&) const = default;
};

struct Event {
  std::string name;
  Value args = Value::array();  // always an array
  bool operator==(const Event&) const = default;
};

using ToClient = std::variant<Init, ErrorMessage, ActionResponse, Event>;

/// Server side. JSON ids are accepted as numbers or ["$BigInt","n"]; CBOR ids in any width.
[[nodiscard]] Result<ToServer> decode_to_server(ByteView bytes, Encoding enc);
/// JSON ids are written as ["$BigInt","n"], CBOR ids with the 8-byte form (client requirement);
/// Error.actionId is always present (null when absent); actor.key omitted when absent.
[[nodiscard]] Bytes encode_to_client(const ToClient& msg, Encoding enc);

/// Client side (our C++ client and tests): the mirror images, written exactly as the official
/// TypeScript client writes them.
[[nodiscard]] Bytes encode_to_server(const ToServer& msg, Encoding enc);
[[nodiscard]] Result<ToClient> decode_to_client(ByteView bytes, Encoding enc);

// -- HTTP framework routes -------------------------------------------------------------------

/// POST /action/{name} body -> the argument array (normalised: array as is, null/missing -> [],
/// scalar -> [scalar]).
[[nodiscard]] Result<Value> decode_http_action_request(ByteView bytes, Encoding enc);
[[nodiscard]] Bytes encode_http_action_request(const Value& args, Encoding enc);
/// 200 body: {"output": v} (json/cbor) or HttpActionResponse (bare).
[[nodiscard]] Bytes encode_http_action_response(const Value& output, Encoding enc);
[[nodiscard]] Result<Value> decode_http_action_response(ByteView bytes, Encoding enc);

struct QueueSendRequest {
  Value body;
  std::optional<std::string> name;
  std::optional<bool> wait;
  std::optional<std::uint64_t> timeout_ms;
  bool operator==(const QueueSendRequest&) const = default;
};

struct QueueSendResponse {
  std::string status;  // "completed" | "timedOut"
  std::optional<Value> response;
  bool operator==(const QueueSendResponse&) const = default;
};

[[nodiscard]] Result<QueueSendRequest> decode_http_queue_send_request(ByteView bytes, Encoding enc);
[[nodiscard]] Bytes encode_http_queue_send_request(const QueueSendRequest& req, Encoding enc);
[[nodiscard]] Bytes encode_http_queue_send_response(const QueueSendResponse& resp, Encoding enc);
[[nodiscard]] Result<QueueSendResponse> decode_http_queue_send_response(ByteView bytes,
                                                                         Encoding enc);

struct HttpError {
  std::string group;
  std::string code;
  std::string message;
  std::optional<Value> metadata;
  std::optional<ActorSpecifier> actor;
  bool operator==(const HttpError&) const = default;
};

/// Error body in the request encoding. For json the content type is application/json.
[[nodiscard]] Bytes encode_http_error(const HttpError& err, Encoding enc);
[[nodiscard]] Result<HttpError> decode_http_error(ByteView bytes, Encoding enc);

}  // namespace rivet::protocol
