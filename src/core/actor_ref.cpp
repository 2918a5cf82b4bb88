// In-process actor-to-actor calls through the Runtime facade.

#include <rivet/core/actor_ref.hpp>
#include <rivet/core/runtime.hpp>

#include "core/actor/actor_instance.hpp"
#include "core/runtime/runtime_core.hpp"

namespace rivet {

namespace {

[[noreturn]] void raise(const Error& e) {
  throw ErrorException(mask_for_client(e));
}

// The host's ActorCalls when it has one (engine mode: the target may live on another envoy).
ActorCalls* remote(const Runtime& runtime) {
  return runtime.options().actor_calls.get();
}

}  // namespace

ActorTarget ActorRef::target() const {
  return ActorTarget{mode_, name_, key_, input_, actor_id_};
}

Task<std::string> ActorRef::resolve() {
  if (auto* calls = remote(*runtime_); calls != nullptr && mode_ != Mode::ById) {
    auto id = co_await calls->resolve(target());
    if (!id) {
      raise(id.error());
    }
    co_return std::move(*id);
  }
  switch (mode_) {
    case Mode::ById:
      co_return actor_id_;
    case Mode::Get: {
      auto found = co_await runtime_->find_by_key(name_, key_);
      if (!found) {
        raise(found.error());
      }
      if (!*found) {
        raise(errors::actor_not_found());
      }
      co_return (*found)->actor_id;
    }
    case Mode::GetOrCreate: {
      CreateRequest req;
      req.name = name_;
      req.key = key_;
      if (!input_.is_null()) {
        req.input = input_;
      }
      auto got = co_await runtime_->get_or_create(std::move(req));
      if (!got) {
        raise(got.error());
      }
      co_return got->actor.actor_id;
    }
  }
  raise(errors::internal());
}

Task<Value> ActorRef::call_values(std::string action, Value args) {
  if (auto* calls = remote(*runtime_); calls != nullptr) {
    auto out = co_await calls->call(target(), std::move(action), std::move(args));
    if (!out) {
      raise(out.error());
    }
    co_return std::move(*out);
  }
  auto id = co_await resolve();
  auto out =
      co_await runtime_->call_action(std::move(id), nullptr, std::move(action), std::move(args));
  if (!out) {
    raise(out.error());
  }
  co_return std::move(*out);
}

Task<QueueSendOutcome> ActorRef::send_value(std::string queue, Value body,
                                           QueueSendOptions options) {
  if (auto* calls = remote(*runtime_); calls != nullptr) {
    auto sent = co_await calls->send(target(), std::move(queue), std::move(body), options);
    if (!sent) {
      raise(sent.error());
    }
    co_return std::move(*sent);
  }
  auto id = co_await resolve();
  auto sent = co_await runtime_->send_queue(std::move(id), nullptr, std::move(queue),
                                            std::move(body), options.wait, options.timeout);
  if (!sent) {
    raise(sent.error());
  }
  co_return QueueSendOutcome{std::move(sent->status), std::move(sent->response)};
}

Task<ActorRef> ActorClient::create(std::string name, protocol::ActorKey key, Value input) const {
  if (auto* calls = remote(*runtime_); calls != nullptr) {
    auto id = co_await calls->create(name, std::move(key), std::move(input));
    if (!id) {
      raise(id.error());
    }
    co_return ActorRef(*runtime_, ActorRef::Mode::ById, std::move(name), {}, nullptr,
                       std::move(*id));
  }
  CreateRequest req;
  req.name = name;
  req.key = std::move(key);
  if (!input.is_null()) {
    req.input = std::move(input);
  }
  auto made = co_await runtime_->create(std::move(req));
  if (!made) {
    raise(made.error());
  }
  co_return ActorRef(*runtime_, ActorRef::Mode::ById, std::move(name), {}, nullptr, made->actor_id);
}

}  // namespace rivet
