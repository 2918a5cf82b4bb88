#pragma once
/// The Rivet Engine's envoy protocol, version 8 (the version engine 2.3.19 speaks): the messages
/// (rivet/protocol/envoy/*.hpp) and their BARE codec. One WebSocket binary message carries one
/// ToRivet (envoy -> engine) or one ToEnvoy (engine -> envoy), with no length or version prefix.
/// Pure functions, no I/O, thread-safe. See docs/engine-protocol.md.
///
/// Decoders never throw and trust no length. Malformed input is an Error
/// (actor.invalid_request, metadata {message, offset, reason}): truncated input, trailing bytes,
/// an unknown union tag or enum value, a non-canonical varint, a bool or optional byte other than
/// 0 or 1, invalid UTF-8, a duplicate map key, a length or count beyond the input, or lists
/// larger than DecodeLimits allow. A message above DecodeLimits::max_message_bytes is
/// message.incoming_too_long. Whatever a decoder accepts re-encodes to the same bytes.

#include <rivet/common/error.hpp>
#include <rivet/protocol/encoding.hpp>
#include <rivet/protocol/envoy/messages.hpp>

#include <cstddef>
#include <cstdint>

namespace rivet::protocol::envoy {

inline constexpr std::uint16_t kProtocolVersion = 8;

struct DecodeLimits {
  /// Largest message accepted: the engine's own WebSocket message limit.
  std::size_t max_message_bytes = std::size_t{32} << 20U;
  /// Most memory the elements of all lists and maps of one message may take together (count x
  /// the element's in-memory size), so a small hostile message cannot make us allocate much:
  /// strings and byte fields add at most the message's own size on top.
  std::size_t max_element_bytes = std::size_t{64} << 20U;
};

[[nodiscard]] Result<ToEnvoy> decode_to_envoy(ByteView bytes, const DecodeLimits& limits = {});
[[nodiscard]] Bytes encode_to_envoy(const ToEnvoy& msg);

[[nodiscard]] Result<ToRivet> decode_to_rivet(ByteView bytes, const DecodeLimits& limits = {});
[[nodiscard]] Bytes encode_to_rivet(const ToRivet& msg);

/// The body of the engine's serverless `POST /start`: the protocol version (u16, little-endian),
/// then a ToEnvoy. Versions other than kProtocolVersion are rejected.
[[nodiscard]] Result<ToEnvoy> decode_serverless_start(ByteView bytes,
                                                      const DecodeLimits& limits = {});
[[nodiscard]] Bytes encode_serverless_start(const ToEnvoy& msg);

}  // namespace rivet::protocol::envoy
