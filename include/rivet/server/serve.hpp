#pragma once
/// Serving a registry: the embedded engine (SQLite store + actor runtime) behind the HTTP and
/// WebSocket API, on one port.

#include <rivet/common/error.hpp>
#include <rivet/core/registry.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace rivet {

namespace storage {
class FaultPlan;
}  // namespace storage

/// Where this build wrote the dashboard (`<build dir>/ui`, compiled in; docs/dashboard.md).
[[nodiscard]] std::string default_ui_dir();

struct ServerOptions {
  std::string host = "127.0.0.1";
  /// 0 picks a free port (see Server::port()).
  std::uint16_t port = 6420;
  /// All durable data lives here (created if missing).
  std::string data_dir = "./.rivet";
  /// io_context threads; 0 = hardware concurrency.
  unsigned threads = 0;
  /// On stop with WebSockets open: how long the port keeps answering WebSocket upgrades with a
  /// retryable close (1001 ws.going_away) so reconnecting clients keep trying (0 = no drain).
  std::chrono::milliseconds reconnect_drain{1000};
  /// Accepted by every actor's inspector besides the actor's own token (RIVET_INSPECTOR_TOKEN).
  /// Empty: only the actors' tokens.
  std::string inspector_token;
  /// Guards the management API's KV route (RIVET_TOKEN): requests need it as a Bearer token
  /// (or x-rivet-token). Empty: open, as in local development.
  std::string admin_token;
  /// The built dashboard served under /ui/ (RIVET_UI_DIR, --ui-dir). When it holds no
  /// index.html, /ui/ answers 404 with a hint to build it.
  std::string ui_dir = default_ui_dir();
  /// A built web page served at `/` (RIVET_SITE_DIR, --site-dir): `/` answers its index.html,
  /// `/assets/...` and one-segment file names (`/favicon.svg`) its files; every other path stays
  /// the API's. Empty: no page, `/` answers 404 as the API does. rivet-demo sets its chat page.
  std::string site_dir;
  /// How serve() names the page in its startup output ("demo: http://127.0.0.1:6420/").
  std::string site_name = "page";

  // -- limits against hostile or broken clients (docs/limits.md) ------------------------------
  /// Open TCP connections (HTTP and WebSocket) at most (--max-connections,
  /// RIVET_MAX_CONNECTIONS). A connection beyond it has its request answered
  /// `503 guard.too_many_connections` and is closed. 0: no limit.
  std::size_t max_connections = 10000;
  /// Actions running at once on one WebSocket connection (--max-actions-in-flight). One more is
  /// refused with an `Error` `actor.too_many_actions_in_flight` for that action alone; the
  /// connection stays open. 0: no limit.
  std::size_t max_actions_in_flight = 512;
  /// How long a keep-alive connection may wait for its next request's first byte
  /// (--idle-timeout-ms); then it is closed.
  std::chrono::milliseconds idle_timeout{60000};
  /// How long a client has, from a request's first byte, to send the request line and headers
  /// (--header-timeout-ms); then the connection is closed without an answer (slow headers).
  std::chrono::milliseconds header_timeout{20000};
  /// How long a client has, after the headers, to send the whole body (--body-timeout-ms); then
  /// the connection is closed without an answer (slow bodies).
  std::chrono::milliseconds body_timeout{60000};

  // -- engine mode (docs/engine-protocol.md) ------------------------------------------------
  /// Where a Rivet Engine runs (--engine, RIVET_ENDPOINT), e.g. "http://127.0.0.1:6420". Set:
  /// the process listens for no clients; it hosts the registry's actors as an envoy of that
  /// engine, which routes clients to it and stores the actors' KV. Empty: embedded mode.
  std::string engine_endpoint;
  /// The engine namespace (--namespace, RIVET_NAMESPACE).
  std::string engine_namespace = "default";
  /// The pool (runner config) to serve (--pool, RIVET_POOL); created as a "normal" pool when
  /// missing.
  std::string engine_pool = "default";
  /// The engine's admin token (--token, RIVET_TOKEN); empty when the engine has no auth.
  std::string engine_token;
  /// This deployment's version (--envoy-version, RIVET_ENVOY_VERSION): the engine drains older
  /// versions' envoys of the pool.
  std::uint32_t engine_version = 1;

  /// Tests only: faults injected into the node's store and the actors' databases
  /// (rivet/storage/fault_plan.hpp, docs/faults.md). Null: none.
  std::shared_ptr<storage::FaultPlan> storage_faults;
};

/// A running server. Thread-safety: stop() and wait() may be called from any thread.
/// Lifetime: the Registry must outlive the Server.
class Server {
 public:
  /// Opens the store, binds the port and starts the worker threads. Returns once the server
  /// accepts requests. In engine mode (engine_endpoint set): registers the pool if needed and
  /// returns once the engine accepted the envoy connection; port() is then 0 and endpoint() the
  /// engine's.
  [[nodiscard]] static Result<std::unique_ptr<Server>> start(const Registry& registry,
                                                             ServerOptions options);
  virtual ~Server() = default;
  [[nodiscard]] virtual std::uint16_t port() const noexcept = 0;
  /// "http://host:port"
  [[nodiscard]] virtual std::string endpoint() const = 0;
  /// Stops accepting, sleeps actors (persisting them), closes the store. Idempotent.
  virtual void stop() = 0;
  /// Blocks until stop() has completed.
  virtual void wait() = 0;
};

/// Command-line entry point: parses the flags of docs/configuration.md (--host, --port,
/// --data-dir, --threads, the connection limits and timeouts, ...) and their environment
/// variables (RIVET_INSPECTOR_TOKEN, RIVET_TOKEN, RIVET_MAX_CONNECTIONS, ...), starts the server,
/// prints the endpoint URL, and serves until SIGINT/SIGTERM. Returns the process exit code.
/// `defaults` are the options before the command line and the environment override them.
int serve(const Registry& registry, int argc, char** argv, ServerOptions defaults = {});

}  // namespace rivet
