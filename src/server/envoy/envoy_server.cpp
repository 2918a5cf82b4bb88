// The engine-mode server: N single-threaded io_contexts for the actors (as the embedded server)
// plus one for the engine link, which must never wait on an actor: actors block on KV reads
// that only the link can answer. stop() drains: Stopping to the engine, wait (bounded) for its
// stop commands to put our actors to sleep, stop the runtime, close the link.

#include "server/envoy/envoy_server.hpp"

#include "server/envoy/engine_actor_calls.hpp"
#include "server/envoy/engine_link.hpp"
#include "server/envoy/engine_store.hpp"
#include "server/envoy/envoy_host.hpp"
#include "server/stop_latch.hpp"
#include "server/server_context.hpp"

#include <rivet/common/log.hpp>
#include <rivet/common/task_group.hpp>
#include <rivet/core/runtime.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <condition_variable>
#include <mutex>
#include <thread>

namespace rivet::server::envoy {
namespace {

namespace asio = boost::asio;

constexpr auto kConnectDeadline = std::chrono::seconds(30);
constexpr auto kDrainDeadline = std::chrono::seconds(10);
constexpr auto kRuntimeStopDeadline = std::chrono::seconds(30);
constexpr auto kDrainPoll = std::chrono::milliseconds(50);

wire::ToRivetMetadata envoy_metadata(const Registry& registry) {
  wire::ToRivetMetadata out;
  wire::Map<wire::ActorName> names;
  for (const auto& name : registry.names()) {
    names.emplace_back(name, wire::ActorName{"{}"});
  }
  out.prepopulate_actor_names = std::move(names);
  out.metadata = R"({"rivetkit":{"version":"2.3.19"},"runtime":"rivetkit-cpp"})";
  return out;
}

class EnvoyServer final : public Server {
 public:
  EnvoyServer(const Registry& registry, ServerOptions options)
      : options_(std::move(options)),
        logger_(Logger::global()),
        link_io_(1),
        ios_(make_contexts()),
        runtime_(executors(), registry, store_, runtime_options()),
        context_(runtime_, store_, options_.engine_endpoint),
        host_(std::make_shared<EnvoyHost>(runtime_, store_, context_, tasks_, logger_)) {
    observer_->target = host_.get();
    host_->set_alarms(alarms_.get());
    EngineConfig config;
    config.endpoint = options_.engine_endpoint;
    config.namespace_name = options_.engine_namespace;
    config.pool = options_.engine_pool;
    config.token = options_.engine_token;
    config.version = options_.engine_version;
    config.envoy_key = make_envoy_key();
    link_ = EngineLink::create(link_io_.get_executor(), config, envoy_metadata(registry), *host_,
                               logger_);
    store_.set_link(link_);
    host_->set_link(link_);
    alarms_->attach(runtime_, link_, [host = host_.get()](const std::string& actor_id) {
      return host->event_generation_of(actor_id);
    });
    context_.limits.max_actions_in_flight = options_.max_actions_in_flight;
    // The inspector routes come through the tunnel too; the management API (admin token) is
    // the engine's own in this mode.
    context_.inspector_token = options_.inspector_token;
  }

  ~EnvoyServer() override {
    stop();
    // The link's socket and timers belong to link_io_, which is declared after the store and the
    // alarms and so destroyed before them: they let go of the link while link_io_ still exists.
    store_.set_link(nullptr);
    alarms_.reset();
  }

  Result<void> start() {
    link_work_.emplace(asio::make_work_guard(link_io_));
    for (auto& io : ios_) {
      work_.push_back(asio::make_work_guard(*io));
    }
    threads_.emplace_back([this] { link_io_.run(); });
    for (auto& io : ios_) {
      threads_.emplace_back([ctx = io.get()] { ctx->run(); });
    }
    link_->start();
    auto connected = asio::co_spawn(link_io_, link_->wait_connected(), asio::use_future);
    if (connected.wait_for(kConnectDeadline) != std::future_status::ready) {
      return make_error(codes::kServerListenFailed,
                        "the engine at " + options_.engine_endpoint + " did not answer in time");
    }
    return connected.get();
  }

  [[nodiscard]] std::uint16_t port() const noexcept override { return 0; }
  [[nodiscard]] std::string endpoint() const override { return options_.engine_endpoint; }

  void stop() override {
    if (!stop_latch_.begin()) {
      return;
    }
    if (!threads_.empty()) {
      // §7.7: the engine answers Stopping with GOING_AWAY stops for our actors.
      host_->shutting_down();
      link_->send_stopping();
      const auto deadline = std::chrono::steady_clock::now() + kDrainDeadline;
      while (host_->hosted() > 0 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(kDrainPoll);
      }
      alarms_->stop();
      auto stopped = asio::co_spawn(*ios_.front(), runtime_.stop(), asio::use_future);
      (void)stopped.wait_for(kRuntimeStopDeadline);
      (void)tasks_.wait_for(kDrainDeadline);
      auto closed = asio::co_spawn(link_io_, link_->stop(), asio::use_future);
      (void)closed.wait_for(kDrainDeadline);
    }
    store_.close();
    work_.clear();
    link_work_.reset();
    for (auto& io : ios_) {
      io->stop();
    }
    link_io_.stop();
    join_all(threads_);
    stop_latch_.finish();
  }

  void wait() override { stop_latch_.wait(); }

 private:
  // The runtime needs its observer before the host exists: it forwards to the host.
  struct ObserverProxy final : ActorObserver {
    ActorObserver* target = nullptr;
    void actor_started(const ActorIdentity& a) override { target->actor_started(a); }
    void actor_stopped(const ActorIdentity& a, bool destroyed) override {
      target->actor_stopped(a, destroyed);
    }
  };

  [[nodiscard]] std::vector<std::unique_ptr<asio::io_context>> make_contexts() const {
    auto n = options_.threads != 0 ? options_.threads : std::thread::hardware_concurrency();
    std::vector<std::unique_ptr<asio::io_context>> out;
    for (unsigned i = 0; i < std::max(n, 1U); ++i) {
      out.push_back(std::make_unique<asio::io_context>(1));
    }
    return out;
  }
  [[nodiscard]] std::vector<asio::any_io_executor> executors() const {
    std::vector<asio::any_io_executor> out;
    for (const auto& io : ios_) {
      out.emplace_back(io->get_executor());
    }
    return out;
  }
  [[nodiscard]] RuntimeOptions runtime_options() {
    RuntimeOptions out;
    out.namespace_name = options_.engine_namespace;
    out.data_dir = options_.data_dir;
    out.observer = observer_;
    out.alarms = alarms_;
    // The engine places actors on any envoy: c.client() goes through its gateway.
    EngineConfig engine;
    engine.endpoint = options_.engine_endpoint;
    engine.namespace_name = options_.engine_namespace;
    engine.pool = options_.engine_pool;
    engine.token = options_.engine_token;
    out.actor_calls = std::make_shared<EngineActorCalls>(engine);
    return out;
  }

  ServerOptions options_;
  Logger logger_;
  std::shared_ptr<ObserverProxy> observer_ = std::make_shared<ObserverProxy>();
  TaskGroup tasks_{"envoy"};
  std::shared_ptr<EnvoyAlarms> alarms_ = std::make_shared<EnvoyAlarms>(tasks_, logger_);
  EngineStore store_;
  asio::io_context link_io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> link_work_;
  std::vector<std::unique_ptr<asio::io_context>> ios_;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  Runtime runtime_;
  ServerContext context_;
  std::shared_ptr<EnvoyHost> host_;
  std::shared_ptr<EngineLink> link_;
  std::vector<std::thread> threads_;
  StopLatch stop_latch_;
};

}  // namespace

Result<std::unique_ptr<Server>> start_envoy_server(const Registry& registry,
                                                   ServerOptions options) {
  auto logger = Logger::global();
  EngineConfig pool;
  pool.endpoint = options.engine_endpoint;
  pool.namespace_name = options.engine_namespace;
  pool.pool = options.engine_pool;
  pool.token = options.engine_token;
  if (auto ensured = ensure_pool(pool, logger); !ensured) {
    return ensured.error();
  }
  logger.warn("engine mode: actors with a database (db) are not supported yet; SQLite stays "
              "embedded-only for now",
              {});
  auto server = std::make_unique<EnvoyServer>(registry, std::move(options));
  if (auto started = server->start(); !started) {
    return started.error();
  }
  return std::unique_ptr<Server>(std::move(server));
}

}  // namespace rivet::server::envoy
