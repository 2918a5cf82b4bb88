// rivet::Server: N single-threaded io_contexts (one thread each), an accept loop, the embedded
// runtime and the store. Every actor lives on one context (Runtime::executor_for) and a WebSocket
// is moved to its actor's context, so an action over it runs start to finish on one thread: a
// shared multi-threaded io_context woke the other thread for almost every handler, which doubled
// the round trip of a small action. stop() is a drain: stop accepting, close sessions, stop the
// runtime (actors sleep and persist), wait for every spawned task (with a deadline), close the
// store, join the threads.

#include <rivet/server/serve.hpp>

#include "server/broadcast_publisher.hpp"
#include "server/envoy/envoy_server.hpp"
#include "server/node_metrics.hpp"
#include "server/server_context.hpp"
#include "server/sessions.hpp"
#include "server/stop_latch.hpp"
#include "server/session_registry.hpp"

#include <rivet/core/runtime.hpp>
#include <rivet/storage/store.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>

#ifndef RIVET_DEFAULT_UI_DIR
#define RIVET_DEFAULT_UI_DIR "ui"
#endif

namespace rivet {

std::string default_ui_dir() {
  return RIVET_DEFAULT_UI_DIR;
}

namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

constexpr auto kEngineStopDeadline = std::chrono::seconds(30);
constexpr auto kDrainDeadline = std::chrono::seconds(10);
// Connections beyond ServerOptions::max_connections answered 503 at once; more are closed.
constexpr std::int64_t kMaxRefusing = 64;

unsigned thread_count(const ServerOptions& options) {
  auto n = options.threads != 0 ? options.threads : std::thread::hardware_concurrency();
  return std::max(n, 1U);
}

std::vector<std::unique_ptr<asio::io_context>> make_contexts(unsigned n) {
  std::vector<std::unique_ptr<asio::io_context>> out;
  for (unsigned i = 0; i < n; ++i) {
    out.push_back(std::make_unique<asio::io_context>(1));
  }
  return out;
}

std::vector<asio::any_io_executor> executors_of(
    const std::vector<std::unique_ptr<asio::io_context>>& contexts) {
  std::vector<asio::any_io_executor> out;
  for (const auto& io : contexts) {
    out.emplace_back(io->get_executor());
  }
  return out;
}

RuntimeOptions engine_options(const ServerOptions& options,
                             const std::vector<std::unique_ptr<asio::io_context>>& contexts,
                             std::shared_ptr<Metrics> metrics) {
  RuntimeOptions out;
  out.data_dir = options.data_dir;
  out.metrics = std::move(metrics);
  out.database_faults = options.storage_faults;
  std::vector<asio::io_context::executor_type> executors;
  for (const auto& io : contexts) {
    executors.push_back(io->get_executor());
  }
  out.publisher = std::make_shared<server::BroadcastPublisher>(std::move(executors));
  return out;
}

class ServerImpl final : public Server {
 public:
  /// `metrics` is the one the store counts in; the runtime and GET /metrics get it too.
  ServerImpl(const Registry& registry, ServerOptions options, std::unique_ptr<storage::Store> store,
             std::shared_ptr<Metrics> metrics)
      : options_(std::move(options)),
        store_(std::move(store)),
        ios_(make_contexts(thread_count(options_))),
        runtime_(executors_of(ios_), registry, *store_, engine_options(options_, ios_, metrics)),
        acceptor_strand_(asio::make_strand(*ios_.front())),
        acceptor_(acceptor_strand_) {
    for (auto& io : ios_) {
      work_.push_back(asio::make_work_guard(*io));
    }
    server::collect_sleeping_actors(*metrics, registry, *store_);
  }

  ~ServerImpl() override { stop(); }

  Result<void> listen() {
    boost::system::error_code ec;
    auto address = asio::ip::make_address(options_.host, ec);
    if (ec) {
      return make_error(codes::kServerInvalidHost, "invalid --host: " + options_.host);
    }
    tcp::endpoint endpoint{address, options_.port};
    if (acceptor_.open(endpoint.protocol(), ec); ec) {
      return make_error(codes::kServerListenFailed, "open: " + ec.message());
    }
    if (acceptor_.set_option(asio::socket_base::reuse_address(true), ec); ec) {
      return make_error(codes::kServerListenFailed, "reuse_address: " + ec.message());
    }
    if (acceptor_.bind(endpoint, ec); ec) {
      return make_error(codes::kServerListenFailed,
                        "bind " + options_.host + ":" + std::to_string(options_.port) + ": " +
                            ec.message());
    }
    if (acceptor_.listen(asio::socket_base::max_listen_connections, ec); ec) {
      return make_error(codes::kServerListenFailed, "listen: " + ec.message());
    }
    port_ = acceptor_.local_endpoint().port();
    const bool wildcard = address.is_unspecified();
    auto host = wildcard ? std::string("127.0.0.1") : options_.host;
    if (!wildcard && address.is_v6()) {
      host = "[" + host + "]";
    }
    endpoint_ = "http://" + host + ":" + std::to_string(port_);
    context_ = std::make_unique<server::ServerContext>(runtime_, *store_, endpoint_);
    context_->inspector_token = options_.inspector_token;
    context_->admin_token = options_.admin_token;
    context_->ui_dir = options_.ui_dir;
    context_->site_dir = options_.site_dir;
    context_->limits.idle_timeout = options_.idle_timeout;
    context_->limits.header_timeout = options_.header_timeout;
    context_->limits.body_timeout = options_.body_timeout;
    context_->limits.max_actions_in_flight = options_.max_actions_in_flight;
    return {};
  }

  void start_threads() {
    tasks_.spawn(acceptor_strand_, accept_loop());
    for (auto& io : ios_) {
      threads_.emplace_back([ctx = io.get()] { ctx->run(); });
    }
  }

  [[nodiscard]] std::uint16_t port() const noexcept override { return port_; }
  [[nodiscard]] std::string endpoint() const override { return endpoint_; }

  void stop() override {
    if (!stop_latch_.begin()) {
      return;
    }
    // -- realtime: reconnect drain. Open WebSockets close with 1001 ws.going_away, and the
    // clients reconnect at once and then after 250, 750, 1750 ms (their backoff). For the
    // drain window the port stays open and answers those attempts with the same retryable
    // close; a client that found the port closed would give up for good (conformance note 61).
    // A server restarted within ~1 s of the drain's end is then reached by the next attempt.
    if (context_ && !threads_.empty()) {
      context_->draining.store(true);
      const bool had_websockets = context_->stats.ws_connections_active.load() > 0;
      sessions_.shutdown_current();
      if (had_websockets && options_.reconnect_drain.count() > 0) {
        std::this_thread::sleep_for(options_.reconnect_drain);
      }
    }
    asio::post(acceptor_strand_, [this] {
      boost::system::error_code ignored;
      acceptor_.close(ignored);
    });
    sessions_.close_all();
    if (!threads_.empty()) {
      auto done = asio::co_spawn(*ios_.front(), runtime_.stop(), asio::use_future);
      (void)done.wait_for(kEngineStopDeadline);
      (void)tasks_.wait_for(kDrainDeadline);
    }
    store_->close();
    work_.clear();
    for (auto& io : ios_) {
      io->stop();
    }
    server::join_all(threads_);
    stop_latch_.finish();
  }

  void wait() override { stop_latch_.wait(); }

 private:
  asio::awaitable<void> accept_loop() {
    for (;;) {
      // Connections are spread over the contexts; a WebSocket moves to its actor's later.
      auto& io = *ios_[next_context_++ % ios_.size()];
      auto [ec, socket] =
          co_await acceptor_.async_accept(asio::make_strand(io), asio::as_tuple(asio::use_awaitable));
      if (!acceptor_.is_open()) {
        break;
      }
      if (ec) {
        continue;  // transient (e.g. the peer reset before accept); keep serving
      }
      tcp::socket stream(std::move(socket));
      // Small frames (events, replies) must not wait for the peer's delayed ACK (Nagle).
      boost::system::error_code nodelay_ec;
      stream.set_option(tcp::no_delay(true), nodelay_ec);
      auto executor = stream.get_executor();
      auto& stats = context_->stats;
      if (over_connection_limit()) {
        // Refused with a 503 while few refusals are under way; beyond that, closed at once (a
        // flood must not cost more than the connections it was refused).
        stats.connections_refused.fetch_add(1, std::memory_order_relaxed);
        if (stats.connections_refusing.load(std::memory_order_relaxed) < kMaxRefusing) {
          server::CountedSlot refusing(stats.connections_refusing);
          tasks_.spawn(executor,
                       server::run_refused_session(*context_, std::move(stream),
                                                   options_.max_connections, std::move(refusing)));
        }
        continue;
      }
      server::CountedSlot slot(stats.connections_open);
      tasks_.spawn(executor, server::run_http_session(*context_, tasks_, sessions_,
                                                      std::move(stream), std::move(slot)));
    }
  }

  [[nodiscard]] bool over_connection_limit() const {
    const auto limit = options_.max_connections;
    return limit != 0 && context_->stats.connections_open.load(std::memory_order_relaxed) >=
                             static_cast<std::int64_t>(limit);
  }

  ServerOptions options_;
  std::unique_ptr<storage::Store> store_;
  // Declared after the store and before the runtime: the runtime's timers and strands need the
  // io_contexts alive while it is destroyed.
  std::vector<std::unique_ptr<asio::io_context>> ios_;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::size_t next_context_ = 0;  // touched only by the accept loop
  Runtime runtime_;
  std::unique_ptr<server::ServerContext> context_;
  TaskGroup tasks_{"server"};
  server::SessionRegistry sessions_;
  asio::strand<asio::io_context::executor_type> acceptor_strand_;
  tcp::acceptor acceptor_;
  std::vector<std::thread> threads_;
  std::uint16_t port_ = 0;
  std::string endpoint_;

  server::StopLatch stop_latch_;
};

}  // namespace

Result<std::unique_ptr<Server>> Server::start(const Registry& registry, ServerOptions options) {
  if (!options.engine_endpoint.empty()) {
    return server::envoy::start_envoy_server(registry, std::move(options));
  }
  std::error_code fs_ec;
  std::filesystem::create_directories(options.data_dir, fs_ec);
  if (fs_ec) {
    return make_error(codes::kServerDataDirFailed,
                      "cannot create data dir " + options.data_dir + ": " + fs_ec.message());
  }
  auto metrics = std::make_shared<Metrics>();
  storage::StoreOptions store_options;
  store_options.path = (std::filesystem::path(options.data_dir) / "rivet.db").string();
  store_options.metrics = metrics;
  store_options.faults = options.storage_faults;
  auto store = storage::Store::open(store_options);
  if (!store) {
    return store.error();
  }
  auto server = std::make_unique<ServerImpl>(registry, std::move(options), std::move(*store),
                                              std::move(metrics));
  if (auto listening = server->listen(); !listening) {
    return listening.error();
  }
  server->start_threads();
  return std::unique_ptr<Server>(std::move(server));
}

}  // namespace rivet
