#pragma once
/// The inspector HTTP API behind the gateway (`/gateway/{actor}/inspector/...`, docs/inspector.md):
/// JSON in and out, every route behind `Authorization: Bearer <token>` where the token is the
/// actor's inspector token or the server's RIVET_INSPECTOR_TOKEN. The token is checked before the
/// actor is resolved or woken: a request without the right token learns nothing about the actor
/// (401 without a token, 403 with a wrong one or for an actor that does not exist).

#include "server/gateway_route.hpp"
#include "server/http_types.hpp"
#include "server/server_context.hpp"

#include <rivet/core/task.hpp>

#include <string_view>

namespace rivet::server {

/// Whether the actor path (after the gateway prefix) is an inspector route.
[[nodiscard]] bool is_inspector_path(std::string_view actor_path) noexcept;

[[nodiscard]] Task<HttpResponse> handle_inspector(ServerContext& ctx, GatewayRoute route,
                                                  HttpRequest request);

}  // namespace rivet::server
