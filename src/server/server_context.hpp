#pragma once
/// State shared by every request handler of one Server: the runtime, the store and counters.
/// Lifetime: owned by the Server, outlives every session (the Server drains them on stop()).

#include <rivet/core/runtime.hpp>
#include <rivet/storage/store.hpp>

#include <atomic>
#include <cstdint>
#include <string>

namespace rivet::server {

/// Process-wide counters for /metrics. Relaxed atomics: they are statistics, not synchronisation.
struct ServerStats {
  std::atomic<std::uint64_t> actions{0};
  std::atomic<std::int64_t> ws_connections_active{0};
};

struct ServerContext {
  ServerContext(Runtime& e, storage::Store& s, std::string ep)
      : runtime(e), store(s), endpoint(std::move(ep)) {}

  Runtime& runtime;
  storage::Store& store;
  /// "http://host:port", for /datacenters.
  std::string endpoint;
  /// RIVET_INSPECTOR_TOKEN: opens every actor's inspector (empty = only the actors' own tokens).
  std::string inspector_token;
  /// RIVET_TOKEN: guards the management API's restricted routes (KV reads); empty = open.
  std::string admin_token;
  /// The built dashboard's directory, served under /ui/ (server/static_files.hpp).
  std::string ui_dir;
  /// The page served at `/` (ServerOptions::site_dir); empty = none, `/` is the API's.
  std::string site_dir;
  ServerStats stats;
  /// Set when the server starts shutting down: WebSocket upgrades are answered with a retryable
  /// close (1001 ws.going_away) so that reconnecting clients keep trying.
  std::atomic<bool> draining{false};
};

/// A fresh request correlation id (x-rivet-ray-id). Thread-safe.
[[nodiscard]] std::string make_ray_id();

}  // namespace rivet::server
