// Inspector routes: workflow history behind the actor's inspector token.

#include "server/inspector_route.hpp"

#include <rivet/core/workflow_history.hpp>
#include <rivet/protocol/encoding.hpp>

namespace rivet::server {

namespace {

HttpResponse json(unsigned status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.set("content-type", "application/json");
  r.body = std::move(body);
  return r;
}

// The inspector answers outside error_mapping.cpp, so the status comes straight from the catalogue.
HttpResponse error_json(const codes::Code& code, std::string message) {
  Value body = Value::object();
  body["group"] = code.group;
  body["code"] = code.code;
  body["message"] = std::move(message);
  body["metadata"] = nullptr;
  return json(code.http_status, protocol::encode_json(body));
}

bool authorized(const HttpRequest& request, const std::string& token) {
  const auto* header = request.header("authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (header == nullptr || !header->starts_with(kBearer)) {
    return false;
  }
  const std::string_view given = std::string_view(*header).substr(kBearer.size());
  // Constant-time comparison: the token is a secret.
  unsigned diff = given.size() == token.size() ? 0U : 1U;
  for (std::size_t i = 0; i < given.size() && i < token.size(); ++i) {
    diff |= static_cast<unsigned>(given[i] ^ token[i]);
  }
  return diff == 0;
}

}  // namespace

Task<HttpResponse> handle_inspector(ServerContext& ctx, const ActorIdentity& identity,
                                    const std::string& path, const HttpRequest& request) {
  if (path != "/inspector/workflow-history") {
    co_return error_json(codes::kActorNotFound, "Inspector route was not found");
  }
  if (request.method != "GET") {
    co_return error_json(codes::kActorMethodNotAllowed, "Only GET is allowed here");
  }
  auto token = inspector_token(ctx.store, identity.actor_id);
  if (!token) {
    co_return error_json(codes::kCoreInternalError, "An internal error occurred");
  }
  if (!authorized(request, *token)) {
    co_return error_json(codes::kInspectorUnauthorized,
                         "The inspector needs the actor's inspector token as a Bearer token");
  }
  auto history =
      read_workflow_history(ctx.store, ctx.runtime.registry(), identity.actor_id, identity.name,
                            ctx.runtime.options().clock->wall_ms());
  if (!history) {
    co_return error_json(codes::kCoreInternalError, "An internal error occurred");
  }
  co_return json(200, protocol::encode_json(workflow_history_value(*history)));
}

}  // namespace rivet::server
