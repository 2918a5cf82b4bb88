#include "server/envoy/ledger.hpp"

#include <algorithm>

namespace rivet::server::envoy {

bool CommandLedger::accept(const wire::ActorCheckpoint& checkpoint) {
  Key key{checkpoint.actor_id, checkpoint.generation};
  auto [it, inserted] = highest_.try_emplace(key, checkpoint.index);
  if (!inserted) {
    if (checkpoint.index <= it->second) {
      return false;
    }
    it->second = checkpoint.index;
  }
  unacked_[key] = checkpoint.index;
  return true;
}

std::vector<wire::ActorCheckpoint> CommandLedger::take_acks() {
  std::vector<wire::ActorCheckpoint> out;
  out.reserve(unacked_.size());
  for (const auto& [key, index] : unacked_) {
    out.push_back(wire::ActorCheckpoint{key.first, key.second, index});
  }
  unacked_.clear();
  return out;
}

void CommandLedger::retire_before(const std::string& actor_id, std::uint32_t generation) {
  auto it = highest_.lower_bound(Key{actor_id, 0});
  while (it != highest_.end() && it->first.first == actor_id && it->first.second < generation) {
    it = highest_.erase(it);
  }
}

wire::EventWrapper EventLog::append(const std::string& actor_id, std::uint32_t generation,
                                    wire::Event event) {
  auto& next = next_[Key{actor_id, generation}];
  wire::EventWrapper wrapped{wire::ActorCheckpoint{actor_id, generation, next++},
                             std::move(event)};
  kept_.push_back(wrapped);
  return wrapped;
}

void EventLog::ack(const std::vector<wire::ActorCheckpoint>& checkpoints) {
  for (const auto& cp : checkpoints) {
    std::erase_if(kept_, [&](const wire::EventWrapper& e) {
      return e.checkpoint.actor_id == cp.actor_id && e.checkpoint.generation == cp.generation &&
             e.checkpoint.index <= cp.index;
    });
  }
}

std::vector<wire::EventWrapper> EventLog::unacked() const {
  return {kept_.begin(), kept_.end()};
}

}  // namespace rivet::server::envoy
