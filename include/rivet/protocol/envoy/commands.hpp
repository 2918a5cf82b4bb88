#pragma once
/// Envoy protocol v8: commands from the engine to the envoy (start and stop an actor).

#include <rivet/protocol/envoy/ids.hpp>
#include <rivet/protocol/envoy/kv.hpp>

#include <optional>
#include <variant>

namespace rivet::protocol::envoy {

struct ActorConfig {
  std::string name;
  std::optional<std::string> key;
  std::int64_t create_ts = 0;  // ms since the epoch
  std::optional<Bytes> input;  // the raw bytes given to the create API
  bool operator==(const ActorConfig&) const = default;
};

/// A hibernated client WebSocket to restore when the actor starts.
struct HibernatingRequest {
  GatewayId gateway_id{};
  RequestId request_id{};
  bool operator==(const HibernatingRequest&) const = default;
};

struct PreloadedKvEntry {
  Bytes key;
  Bytes value;
  KvMetadata metadata;
  bool operator==(const PreloadedKvEntry&) const = default;
};
struct PreloadedKv {
  std::vector<PreloadedKvEntry> entries;
  std::vector<Bytes> requested_get_keys;
  std::vector<Bytes> requested_prefixes;
  bool operator==(const PreloadedKv&) const = default;
};

struct CommandStartActor {
  ActorConfig config;
  std::vector<HibernatingRequest> hibernating_requests;
  std::optional<PreloadedKv> preloaded_kv;
  bool operator==(const CommandStartActor&) const = default;
};

enum class StopActorReason : std::uint8_t { SleepIntent, StopIntent, Destroy, GoingAway, Lost };
struct CommandStopActor {
  StopActorReason reason = StopActorReason::SleepIntent;
  bool operator==(const CommandStopActor&) const = default;
};

using Command = std::variant<CommandStartActor, CommandStopActor>;

struct CommandWrapper {
  ActorCheckpoint checkpoint;
  Command inner;
  bool operator==(const CommandWrapper&) const = default;
};

}  // namespace rivet::protocol::envoy
