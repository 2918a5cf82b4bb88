#pragma once
// Bearer tokens on HTTP requests: reading them and comparing them with a secret. Used by the
// inspector routes and the management API's restricted routes.

#include "server/http_types.hpp"

#include <optional>
#include <string_view>

namespace rivet::server {

/// The token of an `Authorization: Bearer <token>` header (scheme case-insensitive), if any.
[[nodiscard]] std::optional<std::string_view> bearer_token(const HttpRequest& request) noexcept;

/// Constant-time comparison of two secrets (the time depends on the lengths only). An empty
/// `expected` matches nothing.
[[nodiscard]] bool same_secret(std::string_view given, std::string_view expected) noexcept;

}  // namespace rivet::server
