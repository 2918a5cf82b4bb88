#pragma once
/// The one place that maps an Error to an HTTP status, for each surface of the server, plus the
/// shapes errors take on the wire outside the client-protocol codecs (gateway/management JSON
/// bodies, WebSocket close reasons). Tables: spec client-protocol §3.3 (management), §4.5
/// (gateway), §8.2 (actor framework routes).

#include <rivet/common/error.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace rivet::server {

enum class ErrorSurface {
  Gateway,     // guard: routing, resolution, wake-up
  Framework,   // actor routes after the gateway (/action, /queue, ...)
  Management,  // /actors, /metadata, ...
};

/// HTTP status for `e` on `surface`.
[[nodiscard]] unsigned error_status(const Error& e, ErrorSurface surface) noexcept;

/// True for errors that are not part of any public contract (core.*, storage.*): the gateway and
/// management API answer them as 500 core.internal_error.
[[nodiscard]] bool is_internal_error(const Error& e) noexcept;

/// What the gateway / management API shows: internal errors collapse to core.internal_error,
/// everything else is sent raw (these errors come from the server, not from user code).
[[nodiscard]] Error api_visible_error(Error e);

/// `{"group","code","message","metadata"?}` (metadata omitted when null).
[[nodiscard]] std::string error_json_body(const Error& e);

/// Longest WebSocket close reason (RFC 6455: 125-byte payload minus the 2-byte code).
inline constexpr std::size_t kMaxCloseReason = 123;

/// "group.code" or "group.code#rayId", cut to kMaxCloseReason bytes.
[[nodiscard]] std::string close_reason(const Error& e,
                                       std::optional<std::string_view> ray_id = std::nullopt);

/// Cuts `text` to at most `max` bytes without splitting a UTF-8 sequence.
[[nodiscard]] std::string truncate_utf8(std::string text, std::size_t max);

}  // namespace rivet::server
