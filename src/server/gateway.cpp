#include "server/gateway.hpp"

#include "server/input_limits.hpp"
#include "server/server_errors.hpp"

namespace rivet::server {

Task<Result<ActorIdentity>> resolve_actor(ServerContext& ctx, GatewayRoute route) {
  if (auto* direct = std::get_if<DirectTarget>(&route.target)) {
    co_return co_await ctx.runtime.ensure_ready(direct->actor_id);
  }
  auto& query = std::get<QueryTarget>(route.target);
  // A single-node server has one namespace and one pool; both are accepted as given.
  if (query.method == QueryMethod::Get) {
    auto found = co_await ctx.runtime.find_by_key(query.name, query.key);
    if (!found) {
      co_return found.error();
    }
    if (!found->has_value()) {
      co_return rivet::errors::actor_not_found();
    }
    co_return co_await ctx.runtime.ensure_ready((*found)->actor_id);
  }
  if (query.region && *query.region != kDatacenterName) {
    co_return errors::datacenter_not_found(*query.region);
  }
  // Upstream bounds each component of a key it creates; lookups of longer keys find nothing.
  if (auto fits = check_key_components(query.key); !fits) {
    co_return fits.error();
  }
  CreateRequest request;
  request.name = query.name;
  request.key = query.key;
  request.input = query.input;
  request.crash_policy = query.crash_policy.value_or("sleep");
  co_return co_await ctx.runtime.get_or_create_ready(std::move(request));
}

}  // namespace rivet::server
