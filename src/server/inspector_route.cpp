// The inspector HTTP API: authentication first, then one Runtime::inspect query per route.

#include "server/inspector_route.hpp"

#include "server/bearer_auth.hpp"
#include "server/error_mapping.hpp"
#include "server/gateway.hpp"
#include "server/url_util.hpp"

#include <rivet/core/inspector.hpp>
#include <rivet/protocol/encoding.hpp>

#include <fmt/format.h>

#include <charconv>

namespace rivet::server {

namespace {

constexpr std::string_view kPrefix = "/inspector";
constexpr unsigned kOk = 200;

HttpResponse json(unsigned status, const Value& body) {
  HttpResponse r;
  r.status = status;
  r.set("content-type", "application/json");
  r.set("referrer-policy", "no-referrer");
  r.set("cache-control", "no-store");
  r.body = protocol::encode_json(body);
  return r;
}

HttpResponse error_response(const Error& error, unsigned status) {
  return json(status, Value{{"group", error.group},
                            {"code", error.code},
                            {"message", error.message},
                            {"metadata", error.metadata}});
}

// Errors from the runtime: internal ones are masked, the rest keep their catalogue status.
HttpResponse runtime_error_response(const Error& error) {
  auto visible = mask_for_client(error);
  return error_response(visible, error_status(visible, ErrorSurface::Framework));
}

// An action's failure: the actor's own errors (codes outside the catalogue) are the caller's to
// handle, 400; the runtime's keep their status; internal ones are masked, 500.
HttpResponse action_error_response(const Error& error) {
  auto visible = mask_for_client(error);
  if (codes::find(visible.group, visible.code) == nullptr) {
    return error_response(visible, codes::kActorInvalidRequest.http_status);
  }
  return error_response(visible, error_status(visible, ErrorSurface::Framework));
}

HttpResponse catalogue_error(const codes::Code& code, std::string message) {
  return error_response(make_error(code, std::move(message)), code.http_status);
}

HttpResponse route_not_found() {
  return catalogue_error(codes::kActorNotFound, "Inspector route was not found");
}

HttpResponse bad_request(std::string message) {
  return catalogue_error(codes::kActorInvalidRequest, std::move(message));
}

HttpResponse unauthorized() {
  return catalogue_error(codes::kInspectorUnauthorized,
                         "Inspector requests need a Bearer token in the Authorization header");
}

HttpResponse forbidden() {
  return catalogue_error(codes::kInspectorForbidden,
                         "The Bearer token is not valid for this inspector route");
}

// -- request parsing ----------------------------------------------------------------------------

using Query = std::vector<std::pair<std::string, std::string>>;

std::optional<std::string_view> query_value(const Query& query, std::string_view name) {
  for (const auto& [k, v] : query) {
    if (k == name) {
      return v;
    }
  }
  return std::nullopt;
}

// A non-negative integer parameter; nullopt when absent, an error text when malformed.
Result<std::optional<std::int64_t>> int_param(const Query& query, std::string_view name) {
  auto text = query_value(query, name);
  if (!text) {
    return std::optional<std::int64_t>();
  }
  std::int64_t v = 0;
  const auto* end = text->data() + text->size();
  auto [ptr, ec] = std::from_chars(text->data(), end, v);
  if (ec != std::errc() || ptr != end || v < 0) {
    return make_error(codes::kActorInvalidRequest,
                      fmt::format("'{}' must be a non-negative integer", name));
  }
  return std::optional<std::int64_t>(v);
}

Result<Value> json_body(const HttpRequest& request) {
  if (request.body.empty()) {
    return Value::object();
  }
  auto bytes = protocol::ByteView(reinterpret_cast<const std::uint8_t*>(request.body.data()),
                        request.body.size());
  auto parsed = protocol::decode_json(bytes);
  if (!parsed || !parsed->is_object()) {
    return make_error(codes::kActorInvalidRequest, "The request body must be a JSON object");
  }
  return parsed;
}

// -- routes ---------------------------------------------------------------------------------------

struct Route {
  std::string method;
  std::string path;  // after /inspector
  Query query;
  HttpRequest request;
};

Task<HttpResponse> answer_query(ServerContext& ctx, const std::string& actor_id,
                                inspect::Query query) {
  auto out = co_await ctx.runtime.inspect(actor_id, std::move(query));
  if (!out) {
    co_return runtime_error_response(out.error());
  }
  co_return json(kOk, *out);
}

Task<HttpResponse> call_action(ServerContext& ctx, const std::string& actor_id, std::string name,
                               const HttpRequest& request) {
  auto body = json_body(request);
  if (!body) {
    co_return bad_request(body.error().message);
  }
  const bool has_args = body->contains("args");
  const bool has_properties = body->contains("properties");
  if (has_args && has_properties) {
    co_return bad_request("Use either args or properties, not both");
  }
  Value args = Value::array();
  if (has_args) {
    args = (*body)["args"];
    if (!args.is_array()) {
      co_return bad_request("args must be an array");
    }
  } else if (has_properties) {
    if (!(*body)["properties"].is_object()) {
      co_return bad_request("properties must be an object");
    }
    args = Value::array({(*body)["properties"]});
  }
  Value no_params;
  auto out = co_await ctx.runtime.call_action(actor_id, std::move(no_params), std::move(name),
                                              std::move(args));
  if (!out) {
    co_return action_error_response(out.error());
  }
  co_return json(kOk, Value{{"output", std::move(*out)}});
}

Result<inspect::Query> read_query(const Route& r) {
  const auto limit = [&](std::int64_t fallback) -> Result<std::size_t> {
    auto v = int_param(r.query, "limit");
    if (!v) {
      return v.error();
    }
    return static_cast<std::size_t>(v->value_or(fallback));
  };
  if (r.path == "/summary") {
    return inspect::Query(inspect::Summary{});
  }
  if (r.path == "/state") {
    return inspect::Query(inspect::State{});
  }
  if (r.path == "/connections") {
    return inspect::Query(inspect::Connections{});
  }
  if (r.path == "/rpcs") {
    return inspect::Query(inspect::Rpcs{});
  }
  if (r.path == "/workflow-history") {
    return inspect::Query(inspect::WorkflowHistory{});
  }
  if (r.path == "/database/schema") {
    return inspect::Query(inspect::DatabaseSchema{});
  }
  if (r.path == "/queue" || r.path == "/events") {
    auto n = limit(100);
    if (!n) {
      return n.error();
    }
    if (r.path == "/queue") {
      return inspect::Query(inspect::Queue{*n});
    }
    return inspect::Query(inspect::Events{*n});
  }
  if (r.path == "/traces") {
    auto n = limit(1000);
    auto start = int_param(r.query, "startMs");
    auto end = int_param(r.query, "endMs");
    if (!n || !start || !end) {
      return !n ? n.error() : (!start ? start.error() : end.error());
    }
    return inspect::Query(inspect::Traces{start->value_or(0), end->value_or(INT64_MAX), *n});
  }
  if (r.path == "/database/rows") {
    auto table = query_value(r.query, "table");
    if (!table || table->empty()) {
      return make_error(codes::kActorInvalidRequest, "The 'table' parameter is required");
    }
    auto n = limit(100);
    auto offset = int_param(r.query, "offset");
    if (!n || !offset) {
      return !n ? n.error() : offset.error();
    }
    if (*n > inspect::kMaxDatabaseRows) {
      return make_error(codes::kActorInvalidRequest,
                        fmt::format("'limit' is at most {}", inspect::kMaxDatabaseRows));
    }
    return inspect::Query(inspect::DatabaseRows{std::string(*table), *n,
                                                static_cast<std::size_t>(offset->value_or(0))});
  }
  return make_error(codes::kActorNotFound, "Inspector route was not found");
}

bool is_get_route(std::string_view path) noexcept {
  for (std::string_view p : {"/summary", "/state", "/connections", "/rpcs", "/workflow-history",
                             "/database/schema", "/queue", "/events", "/traces",
                             "/database/rows"}) {
    if (path == p) {
      return true;
    }
  }
  return false;
}

Task<HttpResponse> dispatch(ServerContext& ctx, const std::string& actor_id, Route r) {
  if (r.path == "/state" && r.method == "PATCH") {
    auto body = json_body(r.request);
    if (!body) {
      co_return bad_request(body.error().message);
    }
    if (!body->contains("state")) {
      co_return bad_request("The body needs a 'state' field");
    }
    // A named query: GCC 12 destroys temporaries inside co_await expressions twice.
    inspect::Query patch = inspect::PatchState{std::move((*body)["state"])};
    co_return co_await answer_query(ctx, actor_id, std::move(patch));
  }
  if (r.path.starts_with("/action/")) {
    if (r.method != "POST") {
      co_return catalogue_error(codes::kActorMethodNotAllowed, "Use POST to call an action");
    }
    auto name = percent_decode(std::string_view(r.path).substr(std::string_view("/action/").size()));
    if (!name || name->empty() || name->find('/') != std::string::npos) {
      co_return bad_request("Invalid action name");
    }
    co_return co_await call_action(ctx, actor_id, std::move(*name), r.request);
  }
  if (!is_get_route(r.path)) {
    co_return route_not_found();
  }
  if (r.method != "GET" && r.method != "HEAD") {
    co_return catalogue_error(codes::kActorMethodNotAllowed,
                              fmt::format("Use GET for /inspector{}", r.path));
  }
  auto query = read_query(r);
  if (!query) {
    co_return error_response(query.error(), query.error().is(codes::kActorNotFound)
                                                 ? codes::kActorNotFound.http_status
                                                 : codes::kActorInvalidRequest.http_status);
  }
  co_return co_await answer_query(ctx, actor_id, std::move(*query));
}

// The actor the route names, without creating or waking it. nullopt when there is none.
Task<Result<std::optional<std::string>>> target_actor(ServerContext& ctx,
                                                      const GatewayRoute& route) {
  std::optional<storage::ActorRecord> record;
  if (const auto* direct = std::get_if<DirectTarget>(&route.target)) {
    auto found = co_await ctx.runtime.find_by_id(direct->actor_id);
    if (!found) {
      co_return found.error();
    }
    record = std::move(*found);
  } else {
    const auto& q = std::get<QueryTarget>(route.target);
    auto found = co_await ctx.runtime.find_by_key(q.name, q.key);
    if (!found) {
      co_return found.error();
    }
    record = std::move(*found);
  }
  if (!record || record->destroy_ts) {
    co_return std::optional<std::string>();
  }
  co_return std::optional<std::string>(record->actor_id);
}

// Whether `given` opens this actor: the server-wide token, or the actor's own. An actor that has
// no token yet (created before tokens existed, asleep since) is woken once to mint it.
Task<Result<bool>> token_accepted(ServerContext& ctx, const std::string& actor_id,
                                  std::string_view given) {
  if (!ctx.inspector_token.empty() && same_secret(given, ctx.inspector_token)) {
    co_return true;
  }
  auto token = inspect::read_inspector_token(ctx.store, actor_id);
  if (!token) {
    co_return token.error();
  }
  if (!*token) {
    auto woken = co_await ctx.runtime.ensure_ready(actor_id);
    if (!woken) {
      co_return false;
    }
    token = inspect::read_inspector_token(ctx.store, actor_id);
    if (!token) {
      co_return token.error();
    }
  }
  co_return token->has_value() && same_secret(given, **token);
}

}  // namespace

bool is_inspector_path(std::string_view actor_path) noexcept {
  const auto path = split_target(actor_path).path;
  return path == kPrefix || (path.starts_with(kPrefix) && path[kPrefix.size()] == '/');
}

Task<HttpResponse> handle_inspector(ServerContext& ctx, GatewayRoute route, HttpRequest request) {
  auto given = bearer_token(request);
  if (!given) {
    co_return unauthorized();
  }
  auto actor_id = co_await target_actor(ctx, route);
  if (!actor_id) {
    co_return runtime_error_response(actor_id.error());
  }
  if (!*actor_id) {
    // Nothing to inspect. Only a holder of the server-wide token may learn that.
    if (!ctx.inspector_token.empty() && same_secret(*given, ctx.inspector_token)) {
      co_return catalogue_error(codes::kActorNotFound, "The actor does not exist");
    }
    co_return forbidden();
  }
  auto accepted = co_await token_accepted(ctx, **actor_id, *given);
  if (!accepted) {
    co_return runtime_error_response(accepted.error());
  }
  if (!*accepted) {
    co_return forbidden();
  }
  const auto split = split_target(route.actor_path);
  auto query = parse_query(split.query.value_or(""));
  if (!query) {
    co_return bad_request("Malformed query string");
  }
  Route r{request.method, std::string(split.path.substr(kPrefix.size())), std::move(*query),
          std::move(request)};
  co_return co_await dispatch(ctx, **actor_id, std::move(r));
}

}  // namespace rivet::server
