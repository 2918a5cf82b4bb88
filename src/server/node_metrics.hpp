#pragma once
/// The node's Prometheus page (GET /metrics) and what the server adds to it at scrape time.

#include "server/http_types.hpp"
#include "server/server_context.hpp"

#include <rivet/common/metrics.hpp>
#include <rivet/core/registry.hpp>
#include <rivet/storage/store.hpp>

namespace rivet::server {

/// Content type of the text exposition format the page is written in.
inline constexpr const char* kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

/// At every scrape, sets rivet_actors_asleep of each registered definition: its live actors in
/// the store minus the awake ones. Both must outlive every later Metrics::serialize().
void collect_sleeping_actors(Metrics& metrics, const Registry& registry, storage::Store& store);

/// 200 with every metric of `metrics`, then the server's own connection counters (`stats`).
[[nodiscard]] HttpResponse metrics_response(Metrics& metrics, const ServerStats& stats);

}  // namespace rivet::server
