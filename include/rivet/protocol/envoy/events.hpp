#pragma once
/// Envoy protocol v8: events from the envoy to the engine (an actor's intent, state and alarm).

#include <rivet/protocol/envoy/ids.hpp>

#include <optional>
#include <variant>

namespace rivet::protocol::envoy {

struct ActorIntentSleep {
  bool operator==(const ActorIntentSleep&) const = default;
};
struct ActorIntentStop {
  bool operator==(const ActorIntentStop&) const = default;
};
using ActorIntent = std::variant<ActorIntentSleep, ActorIntentStop>;

enum class StopCode : std::uint8_t { Ok, Error };

struct ActorStateRunning {
  bool operator==(const ActorStateRunning&) const = default;
};
struct ActorStateStopped {
  StopCode code = StopCode::Ok;
  std::optional<std::string> message;
  bool operator==(const ActorStateStopped&) const = default;
};
using ActorState = std::variant<ActorStateRunning, ActorStateStopped>;

struct EventActorIntent {
  ActorIntent intent;
  bool operator==(const EventActorIntent&) const = default;
};
struct EventActorStateUpdate {
  ActorState state;
  bool operator==(const EventActorStateUpdate&) const = default;
};
struct EventActorSetAlarm {
  std::optional<std::int64_t> alarm_ts;  // absent: clear the alarm
  bool operator==(const EventActorSetAlarm&) const = default;
};
using Event = std::variant<EventActorIntent, EventActorStateUpdate, EventActorSetAlarm>;

struct EventWrapper {
  ActorCheckpoint checkpoint;
  Event inner;
  bool operator==(const EventWrapper&) const = default;
};

}  // namespace rivet::protocol::envoy
