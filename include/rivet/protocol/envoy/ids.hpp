#pragma once
/// Envoy protocol v8: the primitive types every message uses (see docs/engine-protocol.md).
///
/// The structs of this folder are the schema: each one is encoded as its fields in declaration
/// order, a std::variant as its alternative's 0-based index (the BARE union tag) followed by the
/// alternative, an empty struct as nothing (a BARE `void`).

#include <rivet/common/value.hpp>

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace rivet::protocol::envoy {

/// An engine id such as an actor id (`dh94l6smbx4hm7957fwutmpyieal00`).
using Id = std::string;
/// JSON text carried as a string; the codec does not parse it.
using Json = std::string;
/// Identifies one gateway, and a client request or WebSocket within it.
using GatewayId = std::array<std::uint8_t, 4>;
using RequestId = std::array<std::uint8_t, 4>;
/// Per-request message counter; wraps.
using MessageIndex = std::uint16_t;

/// A BARE map<str><V>, kept in wire order so that a decoded message re-encodes byte for byte.
/// Keys are unique: the decoder rejects a duplicate, and an encoder caller must not add one.
template <class V>
using Map = std::vector<std::pair<std::string, V>>;
using Headers = Map<std::string>;

/// Commands and events are numbered per (actor, generation).
struct ActorCheckpoint {
  Id actor_id;
  std::uint32_t generation = 0;
  std::int64_t index = 0;
  bool operator==(const ActorCheckpoint&) const = default;
};

}  // namespace rivet::protocol::envoy
