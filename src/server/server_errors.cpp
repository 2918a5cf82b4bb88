#include "server/server_errors.hpp"

#include <string>

namespace rivet::server::errors {

using rivet::make_error;

Error query_invalid_params(std::string_view detail) {
  return make_error(codes::kGuardQueryInvalidParams,
                    "invalid query gateway params: " + std::string(detail),
                    Value{{"detail", std::string(detail)}});
}

Error query_duplicate_param(std::string_view name) {
  return make_error(codes::kGuardQueryDuplicateParam,
                    "duplicate query gateway param: " + std::string(name),
                    Value{{"name", std::string(name)}});
}

Error query_path_token_syntax() {
  return make_error(codes::kGuardQueryPathTokenSyntax,
                    "query gateway paths must not use @token syntax");
}

Error query_empty_actor_name() {
  return make_error(codes::kGuardQueryEmptyActorName, "query gateway actor name must not be empty");
}

Error query_get_disallowed_params() {
  return make_error(codes::kGuardQueryGetDisallowedParams,
                    "query gateway method=get does not allow input, region, crashPolicy, or "
                    "runnerName params");
}

Error query_missing_pool() {
  return make_error(codes::kGuardQueryMissingPool,
                    "query gateway method=getOrCreate requires a rvt-pool or rvt-runner param");
}

Error query_invalid_base64_input() {
  return make_error(codes::kGuardQueryInvalidBase64Input,
                    "invalid base64url in query gateway input");
}

Error query_invalid_cbor_input(std::string_view detail) {
  return make_error(codes::kGuardQueryInvalidCborInput,
                    "invalid query gateway input cbor: " + std::string(detail),
                    Value{{"detail", std::string(detail)}});
}

Error query_invalid_percent_encoding(std::string_view name) {
  return make_error(codes::kGuardQueryInvalidPercentEncoding,
                    "invalid percent-encoding for query gateway param '" + std::string(name) + "'",
                    Value{{"name", std::string(name)}});
}

Error missing_header(std::string_view header) {
  return make_error(codes::kGuardMissingHeader, "Missing " + std::string(header) + " header.",
                    Value{{"header", std::string(header)}});
}

Error no_route(std::string_view host, std::string_view path) {
  return make_error(
      codes::kGuardNoRoute,
      "No route found for hostname " + std::string(host) + ", path " + std::string(path) + ".",
      Value{{"host", std::string(host)}, {"path", std::string(path)}});
}

Error invalid_request_body() {
  return make_error(codes::kGuardInvalidRequestBody, "Request body too large.");
}

Error service_unavailable() {
  return make_error(codes::kGuardServiceUnavailable, "Service unavailable.");
}

Error too_many_connections(std::size_t limit) {
  return make_error(codes::kGuardTooManyConnections,
                    "The server has reached its limit of " + std::to_string(limit) +
                        " open connections. Try again later.",
                    Value{{"limit", limit}});
}

Error request_headers_too_large(std::size_t limit) {
  return make_error(codes::kGuardRequestHeadersTooLarge,
                    "Request headers are larger than " + std::to_string(limit) + " bytes.",
                    Value{{"limit", limit}});
}

Error too_many_actions_in_flight(std::size_t limit) {
  return make_error(codes::kActorTooManyActionsInFlight,
                    "This connection already has " + std::to_string(limit) +
                        " actions in flight. Wait for some to finish.",
                    Value{{"limit", limit}});
}

Error api_not_found() {
  return make_error(codes::kApiNotFound, "The requested resource was not found.");
}

Error too_many_actor_ids() {
  return make_error(codes::kValidationTooManyActorIds, "Too many actor ids. Max is 32.");
}

Error empty_key() { return make_error(codes::kActorEmptyKey, "Actor key cannot be empty."); }

Error key_too_large() {
  return make_error(codes::kActorKeyTooLarge, "Actor key is too large (max 1024 bytes).");
}

Error datacenter_not_found(std::string_view name) {
  return make_error(codes::kDatacenterNotFound,
                    "The datacenter '" + std::string(name) + "' does not exist.");
}

Error kv_key_not_found() {
  return make_error(codes::kActorKvKeyNotFound, "The KV key does not exist for this actor.");
}

Error method_not_allowed(std::string_view method, std::string_view path) {
  return make_error(codes::kActorMethodNotAllowed,
                    "Method " + std::string(method) + " is not allowed for " + std::string(path) +
                        ".",
                    Value{{"method", std::string(method)}, {"path", std::string(path)}});
}

Error route_not_found(std::string_view path) {
  return make_error(codes::kActorNotFound,
                    "Actor route '" + std::string(path) + "' was not found.");
}

Error invalid_http_request(std::string_view detail) {
  return make_error(codes::kProtocolInvalidHttpRequest, std::string(detail));
}

}  // namespace rivet::server::errors
