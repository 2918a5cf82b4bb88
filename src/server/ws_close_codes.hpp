#pragma once
// WebSocket close codes the server sends or reports (RFC 6455 §7.4.1).

#include <cstdint>

namespace rivet::server {

inline constexpr std::uint16_t kCloseNormal = 1000;
inline constexpr std::uint16_t kCloseGoingAway = 1001;
inline constexpr std::uint16_t kCloseUnsupported = 1003;
/// Reported to the actor when the peer's close frame carried no code; never sent.
inline constexpr std::uint16_t kCloseNoStatus = 1005;
/// Reported to the actor when the connection ended without a close frame; never sent.
inline constexpr std::uint16_t kCloseAbnormal = 1006;
inline constexpr std::uint16_t kCloseInvalidPayload = 1007;
/// A message over the transport's size limit (raw WebSockets; the connection protocol closes
/// with 1011 message.incoming_too_long, as upstream).
inline constexpr std::uint16_t kCloseTooBig = 1009;
inline constexpr std::uint16_t kCloseError = 1011;

}  // namespace rivet::server
