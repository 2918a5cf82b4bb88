#pragma once
// rivet::Server in engine mode: no listening socket; the registry's actors run as an envoy of a
// Rivet Engine (docs/engine-protocol.md).

#include <rivet/server/serve.hpp>

namespace rivet::server::envoy {

/// Called by Server::start when options.engine_endpoint is set.
[[nodiscard]] Result<std::unique_ptr<Server>> start_envoy_server(const Registry& registry,
                                                                 ServerOptions options);

}  // namespace rivet::server::envoy
