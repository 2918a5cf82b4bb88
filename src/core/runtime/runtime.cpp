#include <rivet/core/runtime.hpp>
#include <rivet/protocol/encoding.hpp>

#include "core/actor/actor_instance.hpp"
#include "core/durable_commit.hpp"
#include "core/runtime/client_work.hpp"
#include "core/runtime/runtime_core.hpp"
#include "core/ids.hpp"
#include "core/actor/user_code.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>

namespace asio = boost::asio;

namespace rivet {

using detail::ActorInstance;
using detail::ConnRecord;
using detail::RuntimeCore;
using detail::ReplyInFlight;

namespace {

constexpr std::size_t kMaxKeyBytes = 1024;

// Named coroutines (not lambdas with captures) run on the actor strand: GCC 12 mishandles
// init-captures of coroutine parameters.
Task<Result<ActorIdentity>> ready_on_strand(std::shared_ptr<ActorInstance> rt) {
  auto started = co_await rt->ensure_started();
  if (!started) {
    co_return started.error();
  }
  co_return rt->identity();
}

Task<Result<ActorIdentity>> destroy_on_strand(std::shared_ptr<ActorInstance> rt) {
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
  ConnHandleImpl(std::shared_ptr<RuntimeCore> core, std::shared_ptr<ActorInstance> rt,
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
    // Held until this coroutine returns, on the transport's executor, right before the
    // transport queues the reply: a stop that closes this connection first awaits it, so the
    // reply is never overtaken by the close.
    ReplyInFlight reply(*conn_->replies);
    auto result = co_await asio::co_spawn(
        rt_->strand(), rt_->invoke_action(conn_, std::move(action), std::move(args)),
        asio::use_awaitable);
    if (!result && result.error().is(codes::kActorStopping)) {
      co_return detail::actor_stopped_error();
    }
    co_return result;
  }

  Task<Result<void>> subscribe(std::string event, bool on) override {
    co_return co_await asio::co_spawn(
        rt_->strand(), rt_->conns().subscribe(*rt_, conn_, std::move(event), on), asio::use_awaitable);
  }

  Task<void> disconnect() override {
    if (disconnected_) {
      co_return;
    }
    disconnected_ = true;
    co_await asio::co_spawn(rt_->strand(), rt_->close_conn(conn_), asio::use_awaitable);
  }

 private:
  std::shared_ptr<RuntimeCore> core_;
  std::shared_ptr<ActorInstance> rt_;
  std::shared_ptr<ConnRecord> conn_;
  std::atomic<bool> disconnected_{false};
};

Task<Result<Value>> stateless_call(std::shared_ptr<ActorInstance> rt, Value params,
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

// -- Runtime ----------------------------------------------------------------------------------


Runtime::Runtime(asio::any_io_executor executor, const Registry& registry, storage::Store& store,
               RuntimeOptions options)
    : Runtime(std::vector<asio::any_io_executor>{std::move(executor)}, registry, store,
             std::move(options)) {}

Runtime::Runtime(std::vector<asio::any_io_executor> executors, const Registry& registry,
               storage::Store& store, RuntimeOptions options)
    : impl_(std::make_shared<Impl>()) {
  impl_->core =
      std::make_shared<RuntimeCore>(std::move(executors), registry, store, std::move(options));
  impl_->core->set_facade(this);
  impl_->core->start();
}

asio::any_io_executor Runtime::executor_for(std::string_view actor_id) const {
  return impl_->core->executor_for(actor_id);
}

Runtime::~Runtime() = default;

const RuntimeOptions& Runtime::options() const noexcept {
  return impl_->core->options();
}

const Registry& Runtime::registry() const noexcept {
  return impl_->core->registry();
}

const ActorOptions* Runtime::options_for(std::string_view actor_name) const noexcept {
  const auto* def = impl_->core->registry().find(actor_name);
  return def ? &def->options : nullptr;
}

namespace {

Result<storage::ActorRecord> new_record(const detail::RuntimeCore& core,
                                        const CreateRequest& request) {
  if (core.registry().find(request.name) == nullptr) {
    return detail::no_definition_error(request.name);
  }
  storage::ActorRecord record;
  record.actor_id = detail::new_actor_id();
  record.name = request.name;
  record.key = protocol::serialize_key(request.key.value_or(protocol::ActorKey{}));
  if (record.key.size() > kMaxKeyBytes) {
    return make_error(codes::kActorKeyTooLarge, "Actor key is too large (max 1024 bytes).");
  }
  record.create_ts = core.clock().wall_ms();
  record.crash_policy = request.crash_policy;
  if (request.input && !request.input->is_null()) {
    record.input = protocol::encode_compat_cbor(*request.input);
  }
  return record;
}

}  // namespace

Task<Result<storage::ActorRecord>> Runtime::create(CreateRequest request) {
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

Task<Result<ActorIdentity>> Runtime::get_or_create_ready(CreateRequest request) {
  auto core = impl_->core;
  auto key = request.key.value_or(protocol::ActorKey{});
  const std::string serialized = protocol::serialize_key(key);
  if (auto hint = core->keys().find(request.name, serialized)) {
    auto ready = co_await ensure_ready(*hint);
    if (ready || !ready.error().is(codes::kActorNotFound)) {
      co_return ready;
    }
    // Destroyed since: the key may belong to a newer actor now, which only the store knows.
    core->keys().forget(request.name, serialized, *hint);
  }
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto found = co_await find_by_key(request.name, key);
    if (!found) {
      co_return found.error();
    }
    if (*found) {
      auto ready = co_await ensure_ready((*found)->actor_id);
      if (ready) {
        core->keys().remember(request.name, serialized, ready->actor_id);
      }
      co_return ready;
    }
    auto record = new_record(*core, request);
    if (!record) {
      co_return record.error();
    }
    auto rt = core->actors().adopt_unborn(std::move(*record));
    auto ready = co_await asio::co_spawn(rt->strand(), ready_on_strand(rt), asio::use_awaitable);
    // Lost a race with a concurrent create of the same key: look it up again.
    if (!ready && ready.error().is(codes::kActorDuplicateKey)) {
      continue;
    }
    if (ready) {
      core->keys().remember(request.name, serialized, ready->actor_id);
    }
    co_return ready;
  }
  co_return errors::internal();
}

Task<Result<GetOrCreateResult>> Runtime::get_or_create(CreateRequest request) {
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

Task<Result<std::optional<storage::ActorRecord>>> Runtime::find_by_key(std::string name,
                                                                      protocol::ActorKey key) {
  co_return impl_->core->store().find_actor_by_key(name, protocol::serialize_key(key));
}

Task<Result<std::optional<storage::ActorRecord>>> Runtime::find_by_id(std::string actor_id) {
  co_return impl_->core->store().find_actor(actor_id);
}

Task<Result<std::vector<storage::ActorRecord>>> Runtime::list(std::optional<std::string> name,
                                                             std::size_t limit,
                                                             std::optional<std::int64_t> cursor) {
  co_return impl_->core->store().list_actors(std::move(name), limit, cursor);
}

Task<Result<void>> Runtime::destroy(std::string actor_id) {
  auto done = co_await impl_->core->with_actor<ActorIdentity>(
      std::move(actor_id), [](std::shared_ptr<ActorInstance> rt) { return destroy_on_strand(rt); });
  if (!done) {
    co_return done.error();
  }
  co_return Result<void>{};
}

Task<Result<ActorIdentity>> Runtime::ensure_ready(std::string actor_id) {
  auto core = impl_->core;
  if (auto rt = core->actors().runtime_for(actor_id); rt && (*rt)->ready()) {
    // Already running: the identity is immutable, no need to hop onto the actor's strand
    // (every HTTP request resolves its actor before calling it).
    co_return (*rt)->identity();
  }
  co_return co_await core->with_actor<ActorIdentity>(
      std::move(actor_id), [](std::shared_ptr<ActorInstance> rt) { return ready_on_strand(rt); });
}

Task<Result<Value>> Runtime::call_action(std::string actor_id, Value params, std::string action,
                                        Value args) {
  co_return co_await impl_->core->with_actor<Value>(
      std::move(actor_id), [&](std::shared_ptr<ActorInstance> rt) {
        return stateless_call(std::move(rt), params, action, args);
      });
}

Task<Result<std::shared_ptr<ConnectionHandle>>> Runtime::connect(
    std::string actor_id, Value params, std::shared_ptr<ConnectionSink> sink) {
  auto core = impl_->core;
  std::shared_ptr<ActorInstance> target;
  auto conn = co_await core->with_actor<std::shared_ptr<ConnRecord>>(
      std::move(actor_id), [&](std::shared_ptr<ActorInstance> rt) {
        target = rt;
        return rt->open_conn(params, sink, false);
      });
  if (!conn) {
    co_return conn.error();
  }
  co_return std::shared_ptr<ConnectionHandle>(
      std::make_shared<ConnHandleImpl>(core, std::move(target), std::move(*conn)));
}

Task<Result<Runtime::QueueSendResult>> Runtime::send_queue(
    std::string actor_id, Value params, std::string name, Value body, bool wait,
    std::optional<std::chrono::milliseconds> timeout) {
  return detail::send_queue(impl_->core, std::move(actor_id), std::move(params), std::move(name),
                            std::move(body), wait, timeout);
}

Task<Result<RawResponse>> Runtime::handle_request(std::string actor_id, Value params,
                                                  RawRequest request) {
  return detail::handle_request(impl_->core, std::move(actor_id), std::move(params),
                                std::move(request));
}

Task<Result<std::shared_ptr<RawSocketHandle>>> Runtime::open_websocket(
    std::string actor_id, Value params, RawRequest request, std::shared_ptr<RawSocketSink> sink) {
  return detail::open_websocket(impl_->core, std::move(actor_id), std::move(params),
                                std::move(request), std::move(sink));
}

void Runtime::hold_awake(std::string_view actor_id) {
  impl_->core->hold_awake(actor_id);
}

void Runtime::release_awake(std::string_view actor_id) {
  impl_->core->release_awake(actor_id);
}

Task<Result<void>> Runtime::sleep(std::string actor_id) {
  auto core = impl_->core;
  for (int met = 0; met < detail::kMaxStopsMet; ++met) {
    auto rt = core->actors().find_awake(actor_id);
    if (!rt) {
      co_return Result<void>{};
    }
    co_await asio::co_spawn(rt->strand(), rt->stop(false), asio::use_awaitable);
    // A stop that found the actor still starting waited for it; one that found it stopping
    // returned at once: either way await the stop, then look again.
    co_await core->actors().wait_stopped(*rt);
  }
  co_return detail::actor_stopped_error();
}

Task<Result<void>> Runtime::run_alarm(std::string actor_id) {
  auto core = impl_->core;
  auto rt = core->actors().runtime_for(actor_id);
  if (!rt) {
    co_return rt.error();
  }
  co_await asio::co_spawn((*rt)->strand(), (*rt)->scheduler().run_due(**rt), asio::use_awaitable);
  co_return Result<void>{};
}

Task<void> Runtime::stop() {
  co_await impl_->core->stop();
}

}  // namespace rivet
