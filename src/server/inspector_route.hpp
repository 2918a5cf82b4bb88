#pragma once
/// The actor inspector routes (`/inspector/...` behind the gateway). Only
/// `GET /inspector/workflow-history` is served; it needs `Authorization: Bearer <token>` with the
/// actor's inspector token (reserved key 0x03, readable through the management KV endpoint,
/// created on the first inspector request). Other inspector paths answer 404.

#include "server/http_types.hpp"
#include "server/server_context.hpp"

#include <rivet/core/runtime.hpp>

#include <string>

namespace rivet::server {

[[nodiscard]] Task<HttpResponse> handle_inspector(ServerContext& ctx, const ActorIdentity& identity,
                                                  const std::string& path,
                                                  const HttpRequest& request);

}  // namespace rivet::server
