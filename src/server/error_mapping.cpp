#include "server/error_mapping.hpp"

#include <rivet/protocol/encoding.hpp>

namespace rivet::server {
namespace {

constexpr unsigned kBadRequest = 400;
constexpr unsigned kUnauthorized = 401;
constexpr unsigned kForbidden = 403;
constexpr unsigned kNotFound = 404;
constexpr unsigned kMethodNotAllowed = 405;
constexpr unsigned kRequestTimeout = 408;
constexpr unsigned kPayloadTooLarge = 413;
constexpr unsigned kTooManyRequests = 429;
constexpr unsigned kInternal = 500;
constexpr unsigned kBadGateway = 502;
constexpr unsigned kUnavailable = 503;
constexpr unsigned kGatewayTimeout = 504;

unsigned management_status(const Error& e) noexcept {
  if (is_internal_error(e)) {
    return kInternal;
  }
  if (e.is("api", "not_found") || e.is("actor", "kv_key_not_found")) {
    return kNotFound;
  }
  if (e.is("api", "unauthorized")) {
    return kUnauthorized;
  }
  if (e.is("api", "forbidden")) {
    return kForbidden;
  }
  return kBadRequest;
}

unsigned gateway_status(const Error& e) noexcept {
  if (e.group == "api") {
    return management_status(e);
  }
  if (is_internal_error(e)) {
    return kInternal;
  }
  if (e.is("actor", "not_found") || e.is("guard", "no_route")) {
    return kNotFound;
  }
  if (e.group != "guard") {
    return kBadRequest;
  }
  const auto& c = e.code;
  if (c == "rate_limit") {
    return kTooManyRequests;
  }
  if (c == "upstream_error" || c == "routing_error" || c == "retry_attempts_exceeded" ||
      c == "invalid_response_body") {
    return kBadGateway;
  }
  if (c == "request_timeout" || c == "tunnel_message_timeout" ||
      c == "gateway_response_start_timeout") {
    return kGatewayTimeout;
  }
  if (c == "service_unavailable" || c == "actor_stopped_while_waiting" ||
      c == "tunnel_request_aborted" || c == "tunnel_response_closed" ||
      c == "actor_ready_timeout") {
    return kUnavailable;
  }
  if (c == "invalid_request_body") {
    return kPayloadTooLarge;
  }
  return kBadRequest;
}

unsigned framework_status(const Error& e) noexcept {
  if (e.is("auth", "forbidden")) {
    return kForbidden;
  }
  if (e.is("actor", "action_not_found") || e.is("actor", "not_found")) {
    return kNotFound;
  }
  if (e.is("actor", "action_timed_out")) {
    return kRequestTimeout;
  }
  if (e.is("actor", "invalid_request")) {
    return kBadRequest;
  }
  if (e.is("actor", "method_not_allowed")) {
    return kMethodNotAllowed;
  }
  if (e.is("message", "incoming_too_long") || e.is("message", "outgoing_too_long")) {
    return kBadRequest;
  }
  if (e.group == "queue") {
    return kBadRequest;
  }
  // Request decoding problems (bad percent-escape in a route segment) are the client's fault.
  if (e.group == "protocol") {
    return kBadRequest;
  }
  return kInternal;
}

}  // namespace

bool is_internal_error(const Error& e) noexcept {
  return e.group == "core" || e.group == "storage";
}

unsigned error_status(const Error& e, ErrorSurface surface) noexcept {
  switch (surface) {
    case ErrorSurface::Gateway:
      return gateway_status(e);
    case ErrorSurface::Framework:
      return framework_status(e);
    case ErrorSurface::Management:
      return management_status(e);
  }
  return kInternal;
}

Error api_visible_error(Error e) {
  if (is_internal_error(e)) {
    return rivet::errors::internal();
  }
  return e;
}

std::string error_json_body(const Error& e) {
  Value body = Value::object();
  body["group"] = e.group;
  body["code"] = e.code;
  body["message"] = e.message;
  if (!e.metadata.is_null()) {
    body["metadata"] = e.metadata;
  }
  return protocol::encode_json(body);
}

std::string truncate_utf8(std::string text, std::size_t max) {
  if (text.size() <= max) {
    return text;
  }
  std::size_t cut = max;
  // Step back over continuation bytes so a multi-byte sequence is never split.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) {
    --cut;
  }
  text.resize(cut);
  return text;
}

std::string close_reason(const Error& e, std::optional<std::string_view> ray_id) {
  std::string reason = e.qualified();
  if (ray_id) {
    reason.push_back('#');
    reason.append(*ray_id);
  }
  return truncate_utf8(std::move(reason), kMaxCloseReason);
}

}  // namespace rivet::server
