#pragma once
// Per-encoding message codecs behind the public dispatch in messages.cpp.
// `bare_*`: vbare-framed BARE. `tree_*`: JSON and CBOR, which share one object shape; decoders
// read the already-parsed compat Value tree, encoders write through an Emitter.

#include <rivet/protocol/messages.hpp>

#include <string_view>

namespace rivet::protocol::detail {

/// Array as is; null / undefined / missing -> []; any other value -> [value].
[[nodiscard]] Value normalize_args(const Value* args);

// -- bare ------------------------------------------------------------------------------------
[[nodiscard]] Result<ToServer> bare_decode_to_server(ByteView bytes);
[[nodiscard]] Bytes bare_encode_to_server(const ToServer& msg);
[[nodiscard]] Result<ToClient> bare_decode_to_client(ByteView bytes);
[[nodiscard]] Bytes bare_encode_to_client(const ToClient& msg);
[[nodiscard]] Result<Value> bare_decode_http_action_request(ByteView bytes);
[[nodiscard]] Bytes bare_encode_http_action_request(const Value& args);
[[nodiscard]] Result<Value> bare_decode_http_action_response(ByteView bytes);
[[nodiscard]] Bytes bare_encode_http_action_response(const Value& output);
[[nodiscard]] Result<QueueSendRequest> bare_decode_queue_request(ByteView bytes);
[[nodiscard]] Bytes bare_encode_queue_request(const QueueSendRequest& req);
[[nodiscard]] Result<QueueSendResponse> bare_decode_queue_response(ByteView bytes);
[[nodiscard]] Bytes bare_encode_queue_response(const QueueSendResponse& resp);
[[nodiscard]] Result<HttpError> bare_decode_http_error(ByteView bytes);
[[nodiscard]] Bytes bare_encode_http_error(const HttpError& err);

// -- json / cbor -----------------------------------------------------------------------------

/// Output side of the JSON/CBOR object model; the two differ only in how scalars are written.
class Emitter {
 public:
  virtual ~Emitter() = default;
  /// cbor-x keeps `undefined` object fields; JSON.stringify drops them.
  [[nodiscard]] virtual bool keeps_undefined() const = 0;
  virtual void begin_object(std::size_t entries) = 0;
  virtual void end_object() = 0;
  virtual void key(std::string_view k) = 0;
  virtual void string(std::string_view s) = 0;
  /// A u64 the client must read as a JS bigint: ["$BigInt","n"] / CBOR 0x1b.
  virtual void bigint(std::uint64_t v) = 0;
  /// A u64 read as a JS number.
  virtual void number(std::uint64_t v) = 0;
  /// The actor generation: a JSON number, but the 8-byte CBOR form as upstream writes it
  /// (the client accepts a number or a bigint there).
  virtual void generation(std::uint64_t v) = 0;
  virtual void boolean(bool v) = 0;
  virtual void null() = 0;
  virtual void undefined() = 0;
  /// A compat user value: JSON text as is, CBOR in raw (cbor-x native) form.
  virtual void payload(const Value& v) = 0;
  [[nodiscard]] virtual Bytes finish() = 0;
};

[[nodiscard]] Bytes tree_encode(Encoding enc, const ToServer& msg);
[[nodiscard]] Bytes tree_encode(Encoding enc, const ToClient& msg);
[[nodiscard]] Bytes tree_encode_http_action_request(Encoding enc, const Value& args);
[[nodiscard]] Bytes tree_encode_http_action_response(Encoding enc, const Value& output);
[[nodiscard]] Bytes tree_encode(Encoding enc, const QueueSendRequest& req);
[[nodiscard]] Bytes tree_encode(Encoding enc, const QueueSendResponse& resp);
[[nodiscard]] Bytes tree_encode(Encoding enc, const HttpError& err);

/// Parses JSON text or raw CBOR into a compat Value tree; `from_server`: a client reads a body
/// the server wrote (cbor::Mode::RawPeer), else the server reads a client's (cbor::Mode::Raw).
[[nodiscard]] Result<Value> tree_parse(ByteView bytes, Encoding enc, bool from_server);
[[nodiscard]] Result<ToServer> tree_decode_to_server(const Value& root);
[[nodiscard]] Result<ToClient> tree_decode_to_client(const Value& root);
[[nodiscard]] Result<Value> tree_decode_http_action_request(const Value& root);
[[nodiscard]] Result<Value> tree_decode_http_action_response(const Value& root);
[[nodiscard]] Result<QueueSendRequest> tree_decode_queue_request(const Value& root);
[[nodiscard]] Result<QueueSendResponse> tree_decode_queue_response(const Value& root);
[[nodiscard]] Result<HttpError> tree_decode_http_error(const Value& root);

}  // namespace rivet::protocol::detail
