#pragma once
/// `Sec-WebSocket-Protocol` parsing for actor WebSockets (spec §6.1). The values are not RFC
/// tokens (percent-encoded JSON, raw tokens), so the header is split on ',' and trimmed, nothing
/// is validated, and unknown entries are ignored. The server always answers with `rivet`.

#include "server/gateway_route.hpp"

#include <rivet/common/error.hpp>
#include <rivet/common/value.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace rivet::server {

inline constexpr std::string_view kWsProtocolStandard = "rivet";

struct WsProtocols {
  std::optional<std::string> encoding;     // rivet_encoding.<enc>
  std::optional<std::string> conn_params;  // rivet_conn_params.<...>, still percent-encoded
  std::optional<std::string> target;       // rivet_target.<t>
  std::optional<std::string> actor;        // rivet_actor.<id>, percent-decoded
  std::optional<std::string> token;        // rivet_token.<token>
  bool skip_ready_wait = false;            // rivet_skip_ready_wait
  bool operator==(const WsProtocols&) const = default;
};

[[nodiscard]] WsProtocols parse_ws_protocols(std::string_view header);

/// Connection params: percent-decode, then parse JSON. actor.invalid_request on failure.
[[nodiscard]] Result<Value> decode_ws_conn_params(std::string_view raw);
/// The connection params a WebSocket offered (null when it offered none).
[[nodiscard]] Result<Value> conn_params_of(const WsProtocols& protocols);

/// Header routing for WebSockets: `rivet_target.actor` + `rivet_actor.<id>` on any path.
/// nullopt when the target is absent or not "actor"; guard.missing_header without an actor id.
[[nodiscard]] Result<std::optional<GatewayRoute>> parse_ws_header_route(
    std::string_view target, const WsProtocols& protocols);

}  // namespace rivet::server
