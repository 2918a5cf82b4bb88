#pragma once
/// State shared by every request handler of one Server: the runtime, the store and counters.
/// Lifetime: owned by the Server, outlives every session (the Server drains them on stop()).

#include <rivet/core/runtime.hpp>
#include <rivet/storage/store.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

namespace rivet::server {

/// Process-wide counters for /metrics. Relaxed atomics: they are statistics, not synchronisation.
struct ServerStats {
  std::atomic<std::uint64_t> actions{0};
  std::atomic<std::int64_t> ws_connections_active{0};
  /// Open TCP connections, HTTP and WebSocket (what ServerOptions::max_connections bounds).
  std::atomic<std::int64_t> connections_open{0};
  /// Connections beyond the limit being answered 503 right now.
  std::atomic<std::int64_t> connections_refusing{0};
  /// Connections refused since start (503 guard.too_many_connections, or dropped).
  std::atomic<std::uint64_t> connections_refused{0};
  /// WebSocket actions refused over their connection's in-flight bound since start.
  std::atomic<std::uint64_t> actions_refused{0};
};

/// Timeouts and bounds the sessions apply (ServerOptions; docs/limits.md).
struct SessionLimits {
  std::chrono::milliseconds idle_timeout{60000};
  std::chrono::milliseconds header_timeout{20000};
  std::chrono::milliseconds body_timeout{60000};
  std::size_t max_actions_in_flight = 512;  // 0: no limit
};

/// Keeps one count of `counter` up while alive (a connection slot, a refusal in progress).
/// Move-only; thread-safe (the counter is atomic).
class CountedSlot {
 public:
  CountedSlot() = default;
  explicit CountedSlot(std::atomic<std::int64_t>& counter) : counter_(&counter) {
    counter_->fetch_add(1, std::memory_order_relaxed);
  }
  CountedSlot(CountedSlot&& other) noexcept : counter_(std::exchange(other.counter_, nullptr)) {}
  CountedSlot& operator=(CountedSlot&& other) noexcept {
    if (this != &other) {
      release();
      counter_ = std::exchange(other.counter_, nullptr);
    }
    return *this;
  }
  CountedSlot(const CountedSlot&) = delete;
  CountedSlot& operator=(const CountedSlot&) = delete;
  ~CountedSlot() { release(); }

 private:
  void release() noexcept {
    if (counter_ != nullptr) {
      counter_->fetch_sub(1, std::memory_order_relaxed);
      counter_ = nullptr;
    }
  }
  std::atomic<std::int64_t>* counter_ = nullptr;
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
  SessionLimits limits;
  ServerStats stats;
  /// Set when the server starts shutting down: WebSocket upgrades are answered with a retryable
  /// close (1001 ws.going_away) so that reconnecting clients keep trying.
  std::atomic<bool> draining{false};
};

/// A fresh request correlation id (x-rivet-ray-id). Thread-safe.
[[nodiscard]] std::string make_ray_id();

}  // namespace rivet::server
