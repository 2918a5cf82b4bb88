#pragma once
/// Raw HTTP requests for the actor's onRequest (spec §5.4, conformance note 53): handle_raw_http
/// runs the handler; the request and response mapping is raw_request.hpp.

#include "server/http_types.hpp"
#include "server/raw_request.hpp"
#include "server/server_context.hpp"

#include <rivet/core/runtime.hpp>

#include <string>

namespace rivet::server {

/// Serves a request route for a resolved actor: conn params from `x-rivet-conn-params`
/// (invalid JSON -> 400 masked internal error, as for actions), then Runtime::handle_request.
/// Errors (connect hooks, handler throws, timeout) are framework error responses.
[[nodiscard]] Task<HttpResponse> handle_raw_http(ServerContext& ctx, ActorIdentity identity,
                                                 std::string actor_path, HttpRequest request);

}  // namespace rivet::server
