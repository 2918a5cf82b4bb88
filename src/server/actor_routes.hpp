#pragma once
/// Actor framework routes, reached after the gateway resolved an actor (spec §5): /action,
/// /queue, /request, /inspector, /metadata, /health, /metrics, /. Errors use the framework status
/// table and the request encoding (spec §8).

#include "server/http_types.hpp"
#include "server/server_context.hpp"

#include <rivet/core/runtime.hpp>
#include <rivet/protocol/encoding.hpp>
#include <rivet/protocol/messages.hpp>

#include <string>

namespace rivet::server {

/// `x-rivet-encoding`, defaulting to json for missing or unknown values.
[[nodiscard]] protocol::Encoding request_encoding(const HttpRequest& request);

/// The actor instance as sent in Error.actor.
[[nodiscard]] protocol::ActorSpecifier actor_specifier(const ActorIdentity& identity);

/// x-rivet-actor, x-rivet-actor-generation, x-rivet-actor-key (skipped when it has CR/LF).
void add_actor_headers(HttpResponse& response, const ActorIdentity& identity);

/// An error response for a framework route: masked for clients, encoded per `encoding` with its
/// content type; `status` overrides the table (decode failures).
[[nodiscard]] HttpResponse framework_error_response(const Error& error, protocol::Encoding encoding,
                                                    const ActorIdentity& identity,
                                                    std::optional<unsigned> status = std::nullopt);

/// Serves `actor_path` (path + query after the gateway prefix) for a resolved actor.
[[nodiscard]] Task<HttpResponse> handle_actor_request(ServerContext& ctx, ActorIdentity identity,
                                                      std::string actor_path,
                                                      HttpRequest request);

}  // namespace rivet::server
