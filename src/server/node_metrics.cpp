#include "server/node_metrics.hpp"

#include <algorithm>

namespace rivet::server {

namespace {
constexpr unsigned kOk = 200;
}  // namespace

void collect_sleeping_actors(Metrics& metrics, const Registry& registry, storage::Store& store) {
  // Counted on demand: a sleeping actor reports nothing while it sleeps, and keeping a gauge up to
  // date would put a store read on every create, destroy and sleep.
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

HttpResponse metrics_response(Metrics& metrics) {
  HttpResponse r;
  r.status = kOk;
  r.set("content-type", kMetricsContentType);
  r.body = metrics.serialize();
  return r;
}

}  // namespace rivet::server
