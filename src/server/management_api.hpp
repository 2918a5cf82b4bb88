#pragma once
/// The management API (spec §3.3, §9): /health, /metadata, /datacenters, /actors CRUD,
/// /actors/names, /actors/{id}/kv/keys/{key}, JSON in and out; and the node's Prometheus page,
/// /metrics (docs/metrics.md).

#include "server/http_types.hpp"
#include "server/server_context.hpp"

#include <rivet/storage/store.hpp>

namespace rivet::server {

/// Serves a management request; unknown routes answer 404 api.not_found.
[[nodiscard]] Task<HttpResponse> handle_management(ServerContext& ctx, HttpRequest request);

/// The Actor object of the API (spec §3.3 table).
/// The Actor object of the management API. `awake`: whether the actor runs now (a live actor that
/// does not has a sleep_ts; when it fell asleep is not tracked, so it is its creation time).
[[nodiscard]] Value actor_json(const storage::ActorRecord& record, std::string_view namespace_name,
                               bool awake);

/// A JSON error response with the management status table.
[[nodiscard]] HttpResponse management_error_response(const Error& error);

}  // namespace rivet::server
