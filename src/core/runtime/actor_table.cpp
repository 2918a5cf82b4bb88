#include "core/runtime/actor_table.hpp"

#include "core/actor/actor_instance.hpp"
#include "core/runtime/runtime_core.hpp"

namespace rivet::detail {

Result<std::shared_ptr<ActorInstance>> ActorTable::runtime_for(const std::string& actor_id) {
  {
    std::lock_guard lock(mutex_);
    if (auto it = actors_.find(actor_id); it != actors_.end()) {
      return it->second;
    }
  }
  auto record = core_.store().find_actor(actor_id);
  if (!record) {
    return record.error();
  }
  if (!*record || (*record)->destroy_ts) {
    return errors::actor_not_found();
  }
  const auto* def = core_.registry().find((*record)->name);
  if (def == nullptr) {
    return no_definition_error((*record)->name);
  }
  std::lock_guard lock(mutex_);
  if (auto it = actors_.find(actor_id); it != actors_.end()) {
    return it->second;
  }
  auto rt = std::make_shared<ActorInstance>(core_, *def, std::move(**record));
  actors_.emplace(rt->record().actor_id, rt);
  return rt;
}

std::shared_ptr<ActorInstance> ActorTable::adopt_unborn(storage::ActorRecord record) {
  const auto* def = core_.registry().find(record.name);
  auto rt = std::make_shared<ActorInstance>(core_, *def, std::move(record));
  rt->mark_unborn();
  std::lock_guard lock(mutex_);
  actors_.emplace(rt->record().actor_id, rt);
  return rt;
}

std::vector<std::shared_ptr<ActorInstance>> ActorTable::awake() const {
  std::lock_guard lock(mutex_);
  std::vector<std::shared_ptr<ActorInstance>> out;
  out.reserve(actors_.size());
  for (const auto& [id, rt] : actors_) {
    out.push_back(rt);
  }
  return out;
}

std::shared_ptr<ActorInstance> ActorTable::find_awake(std::string_view actor_id) const {
  std::lock_guard lock(mutex_);
  auto it = actors_.find(actor_id);
  return it == actors_.end() ? nullptr : it->second;
}

void ActorTable::stopping(const ActorInstance& rt) {
  std::lock_guard lock(mutex_);
  stopping_.try_emplace(&rt, std::make_shared<Event>());
}

void ActorTable::forget(const ActorInstance& rt) {
  std::shared_ptr<Event> stopped;
  {
    std::lock_guard lock(mutex_);
    auto it = actors_.find(rt.record().actor_id);
    if (it != actors_.end() && it->second.get() == &rt) {
      actors_.erase(it);
    }
    if (auto s = stopping_.find(&rt); s != stopping_.end()) {
      stopped = std::move(s->second);
      stopping_.erase(s);
    }
  }
  if (stopped) {
    stopped->set();
  }
}

Task<void> ActorTable::wait_stopped(const ActorInstance& rt) {
  std::shared_ptr<Event> stopped;
  {
    std::lock_guard lock(mutex_);
    if (auto it = stopping_.find(&rt); it != stopping_.end()) {
      stopped = it->second;
    }
  }
  if (stopped) {
    co_await stopped->wait();
  }
}

}  // namespace rivet::detail
