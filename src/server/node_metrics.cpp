#include "server/node_metrics.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace rivet::server {

namespace {
constexpr unsigned kOk = 200;
}  // namespace

void collect_sleeping_actors(Metrics& metrics, const Registry& registry, storage::Store& store) {
  // Counted on demand: a sleeping actor reports nothing while it sleeps, and keeping a gauge up to
  // date would put a store read on every create, destroy and sleep. The SQLite store keeps live
  // totals per name (actor_counts), so this reads one row per name, however many are stored.
  metrics.on_collect([names = registry.names(), &store](Metrics& m) {
    for (const auto& name : names) {
      auto live = store.count_actors(name);
      if (!live) {
        continue;  // store closed or failing: leave the last value
      }
      // An actor still starting may be awake before its record is committed: never below 0.
      const auto asleep = static_cast<std::int64_t>(*live) - m.actors_awake(name);
      m.set_actors_asleep(name, std::max<std::int64_t>(asleep, 0));
    }
  });
}

HttpResponse metrics_response(Metrics& metrics, const ServerStats& stats) {
  HttpResponse r;
  r.status = kOk;
  r.set("content-type", kMetricsContentType);
  r.body = metrics.serialize();
  // The transport's counters live in the server, not in the runtime's registry.
  r.body += fmt::format(
      "# HELP rivet_server_connections_open Open TCP connections, HTTP and WebSocket.\n"
      "# TYPE rivet_server_connections_open gauge\n"
      "rivet_server_connections_open {}\n"
      "# HELP rivet_server_connections_refused_total Connections refused over the "
      "connection limit.\n"
      "# TYPE rivet_server_connections_refused_total counter\n"
      "rivet_server_connections_refused_total {}\n"
      "# HELP rivet_server_actions_refused_total WebSocket actions refused over the in-flight "
      "bound of their connection.\n"
      "# TYPE rivet_server_actions_refused_total counter\n"
      "rivet_server_actions_refused_total {}\n",
      stats.connections_open.load(std::memory_order_relaxed),
      stats.connections_refused.load(std::memory_order_relaxed),
      stats.actions_refused.load(std::memory_order_relaxed));
  return r;
}

}  // namespace rivet::server
