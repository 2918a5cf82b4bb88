#pragma once
/// Errors produced by the server itself (gateway `guard.*`, management `api.*`/`validation.*`).
/// Messages follow the upstream engine wording so clients and tooling see the same text.

#include <rivet/common/error.hpp>

#include <cstddef>
#include <string_view>

namespace rivet::server::errors {

[[nodiscard]] Error query_invalid_params(std::string_view detail);
[[nodiscard]] Error query_duplicate_param(std::string_view name);
[[nodiscard]] Error query_path_token_syntax();
[[nodiscard]] Error query_empty_actor_name();
[[nodiscard]] Error query_get_disallowed_params();
[[nodiscard]] Error query_missing_pool();
[[nodiscard]] Error query_invalid_base64_input();
[[nodiscard]] Error query_invalid_cbor_input(std::string_view detail);
[[nodiscard]] Error query_invalid_percent_encoding(std::string_view name);
[[nodiscard]] Error missing_header(std::string_view header);
[[nodiscard]] Error no_route(std::string_view host, std::string_view path);
[[nodiscard]] Error invalid_request_body();  // guard.invalid_request_body (413)
[[nodiscard]] Error service_unavailable();   // guard.service_unavailable (503, retryable)
/// guard.too_many_connections (503, retryable): the server holds `limit` connections already.
[[nodiscard]] Error too_many_connections(std::size_t limit);
/// guard.request_headers_too_large (431): the request line and headers exceed `limit` bytes.
[[nodiscard]] Error request_headers_too_large(std::size_t limit);
/// actor.too_many_actions_in_flight (an Error for one action on a WebSocket).
[[nodiscard]] Error too_many_actions_in_flight(std::size_t limit);

[[nodiscard]] Error api_not_found();
[[nodiscard]] Error too_many_actor_ids();
[[nodiscard]] Error empty_key();
[[nodiscard]] Error key_too_large();
[[nodiscard]] Error datacenter_not_found(std::string_view name);
[[nodiscard]] Error kv_key_not_found();
[[nodiscard]] Error method_not_allowed(std::string_view method, std::string_view path);
[[nodiscard]] Error route_not_found(std::string_view path);  // actor.not_found, framework 404
[[nodiscard]] Error invalid_http_request(std::string_view detail);

}  // namespace rivet::server::errors
