#pragma once
/// Gateway resolution: turns a parsed gateway route into a ready actor (spec §4.1, §4.2, §4.4).

#include "server/gateway_route.hpp"
#include "server/server_context.hpp"

#include <rivet/core/runtime.hpp>

namespace rivet::server {

/// The only datacenter of an embedded server.
inline constexpr std::string_view kDatacenterName = "default";

/// Direct id -> ensure_ready; get -> find_by_key then ensure_ready (actor.not_found when absent);
/// getOrCreate -> get_or_create (input, crash policy) then ensure_ready.
[[nodiscard]] Task<Result<ActorIdentity>> resolve_actor(ServerContext& ctx, GatewayRoute route);

}  // namespace rivet::server
