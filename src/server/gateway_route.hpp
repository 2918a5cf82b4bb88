#pragma once
/// Parsing of gateway addressing (spec client-protocol §4): the direct path
/// `/gateway/{id}[@token]/...`, the query path `/gateway/{name}/...?rvt-*`, and header routing
/// (`x-rivet-target: actor`). Pure: no runtime access; resolution happens in gateway.cpp.

#include "server/http_types.hpp"

#include <rivet/common/error.hpp>
#include <rivet/common/value.hpp>
#include <rivet/protocol/keys.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace rivet::server {

/// An actor addressed by id.
struct DirectTarget {
  std::string actor_id;
  bool operator==(const DirectTarget&) const = default;
};

enum class QueryMethod { Get, GetOrCreate };

/// An actor addressed by name + key (rvt-* parameters).
struct QueryTarget {
  QueryMethod method = QueryMethod::Get;
  std::string namespace_name;
  std::string name;
  protocol::ActorKey key;
  std::optional<std::string> pool;          // rvt-pool, else rvt-runner
  std::optional<Value> input;               // decoded compat value of rvt-input
  std::optional<std::string> region;        // rvt-region
  std::optional<std::string> crash_policy;  // restart | sleep | destroy
  bool operator==(const QueryTarget&) const = default;
};

struct GatewayRoute {
  std::variant<DirectTarget, QueryTarget> target;
  std::optional<std::string> token;
  bool skip_ready_wait = false;
  /// What the actor sees: the path after the gateway prefix plus the query string (rvt-*
  /// parameters removed, the rest byte-for-byte); always starts with '/'.
  std::string actor_path;
};

/// Parses a request-target. nullopt when it is not a gateway path (then other routes apply);
/// an Error (group "guard") for a malformed query-gateway path.
[[nodiscard]] Result<std::optional<GatewayRoute>> parse_gateway_path(std::string_view target);

/// Header routing for HTTP: `x-rivet-target: actor` with the actor id in `x-rivet-actor`.
/// nullopt when the target header is absent or not "actor"; guard.missing_header when the id is
/// missing. The path is forwarded as header_routed_actor_path() gives it.
[[nodiscard]] Result<std::optional<GatewayRoute>> parse_header_route(const HttpRequest& request);

/// The actor path of a request routed by its headers (HTTP or WebSocket): the request-target
/// unchanged, with a '/' put in front of one that lacks it (the asterisk and absolute forms,
/// which nothing else here serves), so that an actor path always starts with '/'.
[[nodiscard]] std::string header_routed_actor_path(std::string_view target);

/// Parses a `1|true|0|false` flag; nullopt for anything else.
[[nodiscard]] std::optional<bool> parse_flag(std::string_view text) noexcept;

}  // namespace rivet::server
