// The command-line entry point. Signal policy lives here only: SIGINT/SIGTERM are blocked in
// every thread (the mask is inherited by the server's workers) and taken with sigwait() on the
// calling thread, which then stops the server gracefully.

#include <rivet/server/serve.hpp>

#include <rivet/common/log.hpp>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <utility>

#include <pthread.h>

namespace rivet {

int serve(const Registry& registry, int argc, char** argv, ServerOptions defaults) {
  ServerOptions options = std::move(defaults);
  CLI::App app{"rivet actor server"};
  app.add_option("--host", options.host, "Address to listen on")->capture_default_str();
  app.add_option("--port", options.port, "Port to listen on (0 = any free port)")
      ->capture_default_str();
  app.add_option("--data-dir", options.data_dir, "Directory for durable data")
      ->capture_default_str();
  app.add_option("--threads", options.threads, "Worker threads (0 = hardware concurrency)")
      ->capture_default_str();
  std::int64_t drain_ms = options.reconnect_drain.count();
  app.add_option("--ws-drain-ms", drain_ms,
                 "On shutdown with WebSockets open, answer reconnects with ws.going_away this long")
      ->capture_default_str();
  app.add_option("--inspector-token", options.inspector_token,
                 "Token that opens every actor's inspector (besides each actor's own)")
      ->envname("RIVET_INSPECTOR_TOKEN");
  app.add_option("--admin-token", options.admin_token,
                 "Bearer token required by the management API's KV route")
      ->envname("RIVET_TOKEN");
  app.add_option("--ui-dir", options.ui_dir, "Directory of the built dashboard served at /ui/")
      ->envname("RIVET_UI_DIR")
      ->capture_default_str();
  app.add_option("--site-dir", options.site_dir, "Directory of a built web page served at /")
      ->envname("RIVET_SITE_DIR")
      ->capture_default_str();
  app.add_option("--max-connections", options.max_connections,
                 "Open connections at most; more are refused with 503 (0 = no limit)")
      ->envname("RIVET_MAX_CONNECTIONS")
      ->capture_default_str();
  app.add_option("--max-actions-in-flight", options.max_actions_in_flight,
                 "Actions running at once on one WebSocket; more are refused (0 = no limit)")
      ->envname("RIVET_MAX_ACTIONS_IN_FLIGHT")
      ->capture_default_str();
  std::int64_t idle_ms = options.idle_timeout.count();
  app.add_option("--idle-timeout-ms", idle_ms,
                 "Close a keep-alive connection that starts no request for this long")
      ->envname("RIVET_IDLE_TIMEOUT_MS")
      ->capture_default_str();
  std::int64_t header_ms = options.header_timeout.count();
  app.add_option("--header-timeout-ms", header_ms,
                 "Close a connection whose request line and headers take longer than this")
      ->envname("RIVET_HEADER_TIMEOUT_MS")
      ->capture_default_str();
  std::int64_t body_ms = options.body_timeout.count();
  app.add_option("--body-timeout-ms", body_ms,
                 "Close a connection whose request body takes longer than this")
      ->envname("RIVET_BODY_TIMEOUT_MS")
      ->capture_default_str();
  app.add_option("--engine", options.engine_endpoint,
                 "Host the actors on this Rivet Engine (http://host:port) instead of listening")
      ->envname("RIVET_ENDPOINT");
  app.add_option("--namespace", options.engine_namespace, "Engine namespace")
      ->envname("RIVET_NAMESPACE")
      ->capture_default_str();
  app.add_option("--pool", options.engine_pool, "Engine pool (runner config) to serve")
      ->envname("RIVET_POOL")
      ->capture_default_str();
  app.add_option("--token", options.engine_token, "The engine's admin token")
      ->envname("RIVET_TOKEN");
  app.add_option("--envoy-version", options.engine_version,
                 "This deployment's version; the engine drains envoys of older versions")
      ->envname("RIVET_ENVOY_VERSION")
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  options.reconnect_drain = std::chrono::milliseconds(std::max<std::int64_t>(drain_ms, 0));
  // A timeout below a millisecond would refuse every request: clamp to at least 1 ms.
  options.idle_timeout = std::chrono::milliseconds(std::max<std::int64_t>(idle_ms, 1));
  options.header_timeout = std::chrono::milliseconds(std::max<std::int64_t>(header_ms, 1));
  options.body_timeout = std::chrono::milliseconds(std::max<std::int64_t>(body_ms, 1));

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto server = Server::start(registry, options);
  if (!server) {
    const Error& e = server.error();
    Logger::global().error("server failed to start",
                           {{"group", e.group}, {"code", e.code}, {"error", e.message}});
    return 1;
  }
  if (!options.engine_endpoint.empty()) {
    // Launchers read this line; there is no port of ours to print.
    std::cout << "rivet envoy connected to " << (*server)->endpoint() << " (namespace "
              << options.engine_namespace << ", pool " << options.engine_pool
              << "); not listening for clients\n"
              << std::flush;
    int received = 0;
    sigwait(&signals, &received);
    (*server)->stop();
    return 0;
  }
  // The endpoint lines are the program's output, not log records: launchers read them from stdout.
  std::cout << "rivet listening on " << (*server)->endpoint() << "\n";
  std::cout << "dashboard: " << (*server)->endpoint() << "/ui/";
  if (!std::filesystem::is_regular_file(std::filesystem::path(options.ui_dir) / "index.html")) {
    std::cout << " (not built: run `make build`, or set --ui-dir)";
  }
  std::cout << "\n";
  if (!options.site_dir.empty()) {
    std::cout << options.site_name << ": " << (*server)->endpoint() << "/";
    if (!std::filesystem::is_regular_file(std::filesystem::path(options.site_dir) / "index.html")) {
      std::cout << " (not built: run `make build`, or set --site-dir)";
    }
    std::cout << "\n";
  }
  std::cout << std::flush;

  int received = 0;
  sigwait(&signals, &received);
  (*server)->stop();
  return 0;
}

}  // namespace rivet
