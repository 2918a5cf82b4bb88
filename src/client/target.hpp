#pragma once
// What an ActorHandle points at, and the gateway path of an actor route for it.

#include "client/client_state.hpp"

#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace rivet::client {

struct ActorHandle::Target {
  enum class Kind { ById, Get, GetOrCreate };
  Kind kind = Kind::ById;
  std::string name;
  protocol::ActorKey key;
  std::string actor_id;          // ById
  std::optional<Value> input;    // GetOrCreate
  std::optional<Value> params;   // connection params
  mutable std::mutex mu;
  mutable std::optional<std::string> resolved;  // resolve()'s answer, once known
};

/// "/gateway/<id>[@token]<actor_path>" or "/gateway/<name><actor_path>?rvt-..." (below the
/// endpoint's path).
[[nodiscard]] std::string target_path(const ClientState& client, const ActorHandle::Target& t,
                                      std::string_view actor_path);

}  // namespace rivet::client
