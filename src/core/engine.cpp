#include <rivet/core/engine.hpp>
#include <rivet/protocol/encoding.hpp>

#include "core/actor_runtime.hpp"
#include "core/durable_commit.hpp"
#include "core/engine_core.hpp"
#include "core/ids.hpp"
#include "core/user_code.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>

namespace asio = boost::asio;

namespace rivet {

using detail::ActorRuntime;
using detail::ConnRecord;
using detail::EngineCore;

namespace {

constexpr std::size_t kMaxKeyBytes = 1024;
constexpr int kStoppingRetries = 2000;
constexpr auto kStoppingRetryDelay = std::chrono::milliseconds(2);

Error no_definition(std::string_view name) {
  return make_error(codes::kActorNotFound,
                    "No actor definition named '" + std::string(name) + "' is registered.");
}

Task<void> delay(std::chrono::milliseconds d) {
  asio::steady_timer timer(co_await asio::this_coro::executor, d);
  co_await timer.async_wait(asio::use_awaitable);
}

/// Whether a failed attempt met a runtime on its way to sleep: its final save must land before
/// a fresh runtime loads, so the caller waits briefly and retries.
bool should_retry(const Error& e) {
  return e.is(codes::kActorStopping);
}

Error stopped_error() {
  return make_error(codes::kActorStopped, "The actor stopped while handling the request.");
}

// Named coroutines (not lambdas with captures) run on the actor strand: GCC 12 mishandles
// init-captures of coroutine parameters.
Task<Result<ActorIdentity>> ready_on_strand(std::shared_ptr<ActorRuntime> rt) {
  auto started = co_await rt->ensure_started();
  if (!started) {
    co_return started.error();
  }
  co_return rt->identity();
}

Task<Result<ActorIdentity>> destroy_on_strand(std::shared_ptr<ActorRuntime> rt) {
  auto started = co_await rt->ensure_started();
  if (!started) {
    co_return started.error();
  }
  auto id = rt->identity();
  co_await rt->stop(true);
  co_return id;
}

class ConnHandleImpl final : public ConnectionHandle {
 public:
  ConnHandleImpl(std::shared_ptr<EngineCore> core, std::shared_ptr<ActorRuntime> rt,
                 std::shared_ptr<ConnRecord> conn)
      : core_(std::move(core)), rt_(std::move(rt)), conn_(std::move(conn)) {}

  ~ConnHandleImpl() override {
    // A transport that vanished without disconnect(): still run onDisconnect, in the background.
    if (!disconnected_) {
      core_->spawn(rt_->strand(), rt_->close_conn(conn_));
    }
  }

  const std::string& id() const noexcept override { return conn_->id; }
  const std::string& actor_id() const noexcept override { return rt_->record().actor_id; }

  Task<Result<Value>> call(std::string action, Value args) override {
    conn_->replies_pending.fetch_add(1);
    // Decremented here, on the transport's executor, right before the transport queues the
    // reply; a close the actor requests meanwhile is posted behind it.
    struct Release {
      ConnRecord* conn;
      ~Release() { conn->replies_pending.fetch_sub(1); }
    } release{conn_.get()};
    auto result = co_await asio::co_spawn(
        rt_->strand(), rt_->invoke_action(conn_, std::move(action), std::move(args)),
        asio::use_awaitable);
    if (!result && should_retry(result.error())) {
      co_return stopped_error();
    }
    co_return result;
  }

  Task<Result<void>> subscribe(std::string event, bool on) override {
    co_return co_await asio::co_spawn(
        rt_->strand(), rt_->set_subscription(conn_, std::move(event), on), asio::use_awaitable);
  }

  Task<void> disconnect() override {
    if (disconnected_) {
      co_return;
    }
    disconnected_ = true;
    co_await asio::co_spawn(rt_->strand(), rt_->close_conn(conn_), asio::use_awaitable);
  }

 private:
  std::shared_ptr<EngineCore> core_;
  std::shared_ptr<ActorRuntime> rt_;
  std::shared_ptr<ConnRecord> conn_;
  std::atomic<bool> disconnected_{false};
};

Task<Result<Value>> stateless_call(std::shared_ptr<ActorRuntime> rt, Value params,
                                   std::string action, Value args) {
  auto conn = co_await rt->open_conn(std::move(params), nullptr, true);
  if (!conn) {
    co_return conn.error();
  }
  auto result = co_await rt->invoke_action(*conn, std::move(action), std::move(args));
  co_await rt->close_conn(*conn);
  co_return result;
}

}  // namespace

// -- EngineCore ------------------------------------------------------------------------------

namespace detail {

Result<std::shared_ptr<ActorRuntime>> EngineCore::runtime_for(const std::string& actor_id) {
  {
    std::lock_guard lock(mu_);
    auto it = actors_.find(actor_id);
    if (it != actors_.end()) {
      return it->second;
    }
  }
  auto record = store_.find_actor(actor_id);
  if (!record) {
    return record.error();
  }
  if (!*record || (*record)->destroy_ts) {
    return errors::actor_not_found();
  }
  const auto* def = registry_.find((*record)->name);
  if (def == nullptr) {
    return no_definition((*record)->name);
  }
  std::lock_guard lock(mu_);
  if (auto it = actors_.find(actor_id); it != actors_.end()) {
    return it->second;
  }
  auto rt = std::make_shared<ActorRuntime>(*this, *def, std::move(**record));
  actors_.emplace(rt->record().actor_id, rt);
  return rt;
}

std::shared_ptr<ActorRuntime> EngineCore::adopt_unborn(storage::ActorRecord record) {
  const auto* def = registry_.find(record.name);
  auto rt = std::make_shared<ActorRuntime>(*this, *def, std::move(record));
  rt->mark_unborn();
  std::lock_guard lock(mu_);
  actors_.emplace(rt->record().actor_id, rt);
  return rt;
}

void EngineCore::forget(const ActorRuntime& rt) {
  std::lock_guard lock(mu_);
  auto it = actors_.find(rt.record().actor_id);
  if (it != actors_.end() && it->second.get() == &rt) {
    actors_.erase(it);
  }
}

std::vector<std::shared_ptr<ActorRuntime>> EngineCore::awake() const {
  std::lock_guard lock(mu_);
  std::vector<std::shared_ptr<ActorRuntime>> out;
  out.reserve(actors_.size());
  for (const auto& [id, rt] : actors_) {
    out.push_back(rt);
  }
  return out;
}

void EngineCore::spawn(const asio::any_io_executor& ex, Task<void> task) {
  tasks_.fetch_add(1);
  asio::co_spawn(ex, std::move(task), [self = shared_from_this()](std::exception_ptr ep) {
    if (ep) {
      try {
        std::rethrow_exception(ep);
      } catch (const std::exception& e) {
        log_failure("background task", make_error(codes::kCoreInternalError, e.what()));
      } catch (...) {
      }
    }
    self->tasks_.fetch_sub(1);
  });
}

Task<void> EngineCore::drain() {
  while (tasks_.load() > 0) {
    co_await delay(std::chrono::milliseconds(5));
  }
}

}  // namespace detail

// -- Engine ----------------------------------------------------------------------------------


Engine::Engine(asio::any_io_executor executor, const Registry& registry, storage::Store& store,
               EngineOptions options)
    : Engine(std::vector<asio::any_io_executor>{std::move(executor)}, registry, store,
             std::move(options)) {}

Engine::Engine(std::vector<asio::any_io_executor> executors, const Registry& registry,
               storage::Store& store, EngineOptions options)
    : impl_(std::make_shared<Impl>()) {
  impl_->core =
      std::make_shared<EngineCore>(std::move(executors), registry, store, std::move(options));
  impl_->core->set_facade(this);
  impl_->core->start_alarms();
  impl_->core->start_idle_sweeper();
}

asio::any_io_executor Engine::executor_for(std::string_view actor_id) const {
  return impl_->core->executor_for(actor_id);
}

Engine::~Engine() = default;

const EngineOptions& Engine::options() const noexcept {
  return impl_->core->options();
}

const Registry& Engine::registry() const noexcept {
  return impl_->core->registry();
}

const ActorOptions* Engine::options_for(std::string_view actor_name) const noexcept {
  const auto* def = impl_->core->registry().find(actor_name);
  return def ? &def->options : nullptr;
}

namespace {

Result<storage::ActorRecord> new_record(const detail::EngineCore& core,
                                        const CreateRequest& request) {
  if (core.registry().find(request.name) == nullptr) {
    return no_definition(request.name);
  }
  storage::ActorRecord record;
  record.actor_id = detail::new_actor_id();
  record.name = request.name;
  record.key = protocol::serialize_key(request.key.value_or(protocol::ActorKey{}));
  if (record.key.size() > kMaxKeyBytes) {
    return make_error(codes::kActorKeyTooLarge, "Actor key is too large (max 1024 bytes).");
  }
  record.create_ts = detail::now_ms();
  record.crash_policy = request.crash_policy;
  if (request.input && !request.input->is_null()) {
    record.input = protocol::encode_compat_cbor(*request.input);
  }
  return record;
}

}  // namespace

Task<Result<storage::ActorRecord>> Engine::create(CreateRequest request) {
  auto core = impl_->core;
  auto record = new_record(*core, request);
  if (!record) {
    co_return record.error();
  }
  storage::WriteBatch batch;
  batch.ops.emplace_back(storage::WriteBatch::InsertActor{*record});
  auto done = co_await detail::commit_durably(core->store(), std::move(batch));
  if (!done) {
    co_return done.error();
  }
  co_return std::move(*record);
}

Task<Result<ActorIdentity>> Engine::get_or_create_ready(CreateRequest request) {
  auto core = impl_->core;
  auto key = request.key.value_or(protocol::ActorKey{});
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto found = co_await find_by_key(request.name, key);
    if (!found) {
      co_return found.error();
    }
    if (*found) {
      co_return co_await ensure_ready((*found)->actor_id);
    }
    auto record = new_record(*core, request);
    if (!record) {
      co_return record.error();
    }
    auto rt = core->adopt_unborn(std::move(*record));
    auto ready = co_await asio::co_spawn(rt->strand(), ready_on_strand(rt), asio::use_awaitable);
    // Lost a race with a concurrent create of the same key: look it up again.
    if (!ready && ready.error().is(codes::kActorDuplicateKey)) {
      continue;
    }
    co_return ready;
  }
  co_return errors::internal();
}

Task<Result<GetOrCreateResult>> Engine::get_or_create(CreateRequest request) {
  auto key = request.key.value_or(protocol::ActorKey{});
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto found = co_await find_by_key(request.name, key);
    if (!found) {
      co_return found.error();
    }
    if (*found) {
      co_return GetOrCreateResult{std::move(**found), false};
    }
    auto created = co_await create(request);
    if (created) {
      co_return GetOrCreateResult{std::move(*created), true};
    }
    // Lost a race with a concurrent create of the same key: look it up again.
    if (!created.error().is(codes::kActorDuplicateKey)) {
      co_return created.error();
    }
  }
  co_return errors::internal();
}

Task<Result<std::optional<storage::ActorRecord>>> Engine::find_by_key(std::string name,
                                                                      protocol::ActorKey key) {
  co_return impl_->core->store().find_actor_by_key(name, protocol::serialize_key(key));
}

Task<Result<std::optional<storage::ActorRecord>>> Engine::find_by_id(std::string actor_id) {
  co_return impl_->core->store().find_actor(actor_id);
}

Task<Result<std::vector<storage::ActorRecord>>> Engine::list(std::optional<std::string> name,
                                                             std::size_t limit,
                                                             std::optional<std::int64_t> cursor) {
  co_return impl_->core->store().list_actors(std::move(name), limit, cursor);
}

Task<Result<void>> Engine::destroy(std::string actor_id) {
  auto core = impl_->core;
  for (int attempt = 0; attempt < kStoppingRetries; ++attempt) {
    auto rt = core->runtime_for(actor_id);
    if (!rt) {
      co_return rt.error();
    }
    auto done =
        co_await asio::co_spawn((*rt)->strand(), destroy_on_strand(*rt), asio::use_awaitable);
    if (!done && should_retry(done.error())) {
      co_await delay(kStoppingRetryDelay);
      continue;
    }
    if (!done) {
      co_return done.error();
    }
    co_return Result<void>{};
  }
  co_return stopped_error();
}

Task<Result<ActorIdentity>> Engine::ensure_ready(std::string actor_id) {
  auto core = impl_->core;
  for (int attempt = 0; attempt < kStoppingRetries; ++attempt) {
    auto rt = core->runtime_for(actor_id);
    if (!rt) {
      co_return rt.error();
    }
    if ((*rt)->ready()) {
      // Already running: the identity is immutable, no need to hop onto the actor's strand
      // (every HTTP request resolves its actor before calling it).
      co_return (*rt)->identity();
    }
    auto ready =
        co_await asio::co_spawn((*rt)->strand(), ready_on_strand(*rt), asio::use_awaitable);
    if (!ready && should_retry(ready.error())) {
      co_await delay(kStoppingRetryDelay);
      continue;
    }
    co_return ready;
  }
  co_return stopped_error();
}

Task<Result<Value>> Engine::call_action(std::string actor_id, Value params, std::string action,
                                        Value args) {
  auto core = impl_->core;
  for (int attempt = 0; attempt < kStoppingRetries; ++attempt) {
    auto rt = core->runtime_for(actor_id);
    if (!rt) {
      co_return rt.error();
    }
    auto result = co_await asio::co_spawn(
        (*rt)->strand(), stateless_call(*rt, params, action, args), asio::use_awaitable);
    if (!result && should_retry(result.error())) {
      co_await delay(kStoppingRetryDelay);
      continue;
    }
    co_return result;
  }
  co_return stopped_error();
}

Task<Result<std::shared_ptr<ConnectionHandle>>> Engine::connect(
    std::string actor_id, Value params, std::shared_ptr<ConnectionSink> sink) {
  auto core = impl_->core;
  for (int attempt = 0; attempt < kStoppingRetries; ++attempt) {
    auto rt = core->runtime_for(actor_id);
    if (!rt) {
      co_return rt.error();
    }
    auto conn = co_await asio::co_spawn((*rt)->strand(), (*rt)->open_conn(params, sink, false),
                                        asio::use_awaitable);
    if (!conn && should_retry(conn.error())) {
      co_await delay(kStoppingRetryDelay);
      continue;
    }
    if (!conn) {
      co_return conn.error();
    }
    co_return std::shared_ptr<ConnectionHandle>(
        std::make_shared<ConnHandleImpl>(core, *rt, std::move(*conn)));
  }
  co_return stopped_error();
}

Task<void> Engine::stop() {
  auto core = impl_->core;
  core->set_stopping();
  core->add_alarm("", 0);  // wakes the alarm loop so it sees `stopping`
  core->wake_idle_sweeper();
  // Sleep hooks may call other actors and wake them; stop those too, a few rounds at most.
  constexpr int kStopRounds = 8;
  for (int round = 0; round < kStopRounds; ++round) {
    auto awake = core->awake();
    if (awake.empty()) {
      break;
    }
    for (auto& rt : awake) {
      co_await asio::co_spawn(rt->strand(), rt->stop(false), asio::use_awaitable);
    }
  }
  co_await core->drain();
}

}  // namespace rivet
