#pragma once
/// The error catalogue: every group/code that the runtime, the server or the client library
/// produces or recognises, with its HTTP status and what a client should do after receiving it.
///
/// Codes live here, and only here, so that the HTTP mapping, the public/masked decision, the
/// client's retry rules and docs/errors.md cannot drift apart: error_codes_test.cpp fails when
/// docs/errors.md and this list disagree, and scripts/lint-invariants.sh refuses inline
/// group/code string pairs in make_error()/is() calls under src/.
///
/// Not in the catalogue: codes chosen by actor code (UserError's `user` group, or any Error an
/// action throws). They stay dynamic strings; docs/errors.md says how they are answered.

#include <cstdint>
#include <span>
#include <string_view>

namespace rivet::codes {

/// What a client should do after receiving an error. A small set on purpose: each class maps to
/// one client behaviour.
enum class Retry : std::uint8_t {
  Never,         // repeating the request gets the same answer (missing, forbidden, unsupported)
  AfterFix,      // the request, its input or the actor code is wrong: change it before retrying
  AfterBackoff,  // transient: the same request may succeed later, so retry with backoff
  IfIdempotent,  // outcome unknown (it may have taken effect): retry only if repeating is safe
};

/// HTTP surfaces that answer a code with the code's own status. A surface not listed answers with
/// its default (see server/error_mapping.cpp): 400 on the gateway and the management API, 500 on
/// the actor routes. Bit flags rather than an enum, so that one code can name several surfaces.
using Surfaces = std::uint8_t;
inline constexpr Surfaces kNoSurface = 0;
inline constexpr Surfaces kGateway = 1U << 0U;
inline constexpr Surfaces kFramework = 1U << 1U;
inline constexpr Surfaces kManagement = 1U << 2U;
inline constexpr Surfaces kAllSurfaces = kGateway | kFramework | kManagement;

/// 0 in Code::http_status: the code is never the answer to an HTTP request (client-side errors,
/// close reasons, log records, startup failures).
inline constexpr unsigned kNoHttpStatus = 0;

struct Code {
  std::string_view group;
  std::string_view code;
  unsigned http_status;
  Retry retry;
  Surfaces surfaces;
  /// True when clients may see the message and metadata; otherwise they are masked.
  bool is_public;
};

// The table. One line per code:
//   X(constant, group, code, http_status, retry, surfaces, is_public)
// Keep it grouped by wire group; docs/errors.md has one row per line here.
// NOLINTBEGIN(cppcoreguidelines-macro-usage)
#define RIVET_ERROR_CODES(X)                                                                       \
  /* core / storage: internal failures, always masked and answered as 500 */                       \
  X(kCoreInternalError, "core", "internal_error", 500, IfIdempotent, kAllSurfaces, false)          \
  X(kStorageFailure, "storage", "failure", 500, IfIdempotent, kAllSurfaces, false)                 \
  X(kStorageDiskFull, "storage", "disk_full", 500, AfterBackoff, kAllSurfaces, false)              \
  X(kStorageCorrupt, "storage", "corrupt", 500, Never, kAllSurfaces, false)                        \
  /* actor: lookup, actions and lifecycle */                                                       \
  X(kActorNotFound, "actor", "not_found", 404, Never, kGateway | kFramework, true)                 \
  X(kActorActionNotFound, "actor", "action_not_found", 404, AfterFix, kFramework, true)            \
  X(kActorActionTimedOut, "actor", "action_timed_out", 408, IfIdempotent, kFramework, true)        \
  X(kActorInvalidRequest, "actor", "invalid_request", 400, AfterFix, kFramework, true)             \
  X(kActorMethodNotAllowed, "actor", "method_not_allowed", 405, AfterFix, kFramework, true)        \
  X(kActorInvalidArgument, "actor", "invalid_argument", 500, AfterFix, kFramework, true)           \
  X(kActorAborted, "actor", "aborted", 500, AfterBackoff, kFramework, true)                        \
  X(kActorStopping, "actor", "stopping", 500, AfterBackoff, kFramework, false)                     \
  X(kActorStopped, "actor", "stopped", 500, AfterBackoff, kFramework, false)                       \
  X(kActorCallbackTimedOut, "actor", "callback_timed_out", 500, IfIdempotent, kFramework, false)   \
  X(kActorNoDatabase, "actor", "no_database", 500, Never, kFramework, false)                       \
  X(kActorWebSocketNotSupported, "actor", "websocket_not_supported", 500, Never, kFramework,       \
    false)                                                                                         \
  X(kActorDuplicateKey, "actor", "duplicate_key", 400, Never, kGateway | kManagement, true)        \
  X(kActorEmptyKey, "actor", "empty_key", 400, AfterFix, kGateway | kManagement, false)            \
  X(kActorKeyTooLarge, "actor", "key_too_large", 400, AfterFix, kGateway | kManagement, false)     \
  X(kActorKvKeyNotFound, "actor", "kv_key_not_found", 404, Never, kManagement, false)              \
  X(kActorTooManyActionsInFlight, "actor", "too_many_actions_in_flight", kNoHttpStatus,            \
    AfterBackoff, kNoSurface, true)                                                                \
  /* actor: lifecycle codes of the upstream engine, recognised by the client only */               \
  X(kActorStarting, "actor", "starting", kNoHttpStatus, AfterBackoff, kNoSurface, false)           \
  X(kActorRestarting, "actor", "restarting", kNoHttpStatus, AfterBackoff, kNoSurface, false)       \
  X(kActorDroppedReply, "actor", "dropped_reply", kNoHttpStatus, AfterBackoff, kNoSurface, false)  \
  X(kActorDestroyedDuringCreation, "actor", "destroyed_during_creation", kNoHttpStatus,            \
    AfterBackoff, kNoSurface, false)                                                               \
  /* auth */                                                                                       \
  X(kAuthForbidden, "auth", "forbidden", 403, Never, kFramework, true)                             \
  /* inspector: answered by the inspector route itself, not through the surfaces */                \
  X(kInspectorUnauthorized, "inspector", "unauthorized", 401, AfterFix, kNoSurface, false)         \
  X(kInspectorForbidden, "inspector", "forbidden", 403, AfterFix, kNoSurface, false)               \
  /* message: size limits of one client message */                                                 \
  X(kMessageIncomingTooLong, "message", "incoming_too_long", 400, AfterFix, kFramework, true)      \
  X(kMessageOutgoingTooLong, "message", "outgoing_too_long", 400, Never, kFramework, true)         \
  /* protocol: requests we cannot decode */                                                        \
  X(kProtocolInvalidHttpRequest, "protocol", "invalid_http_request", 400, AfterFix, kFramework,    \
    false)                                                                                         \
  /* queue: only `full` is produced here, the rest are reserved upstream codes */                  \
  X(kQueueFull, "queue", "full", 400, AfterBackoff, kFramework, true)                              \
  X(kQueueMessageTooLarge, "queue", "message_too_large", 400, AfterFix, kFramework, true)          \
  X(kQueueMessageInvalid, "queue", "message_invalid", 400, AfterFix, kFramework, true)             \
  X(kQueueInvalidPayload, "queue", "invalid_payload", 400, AfterFix, kFramework, true)             \
  X(kQueueInvalidCompletionPayload, "queue", "invalid_completion_payload", 400, AfterFix,          \
    kFramework, true)                                                                              \
  X(kQueueAlreadyCompleted, "queue", "already_completed", 400, Never, kFramework, true)            \
  X(kQueuePreviousMessageNotCompleted, "queue", "previous_message_not_completed", 400, AfterFix,   \
    kFramework, true)                                                                              \
  X(kQueueCompleteNotConfigured, "queue", "complete_not_configured", 400, Never, kFramework, true) \
  X(kQueueTimedOut, "queue", "timed_out", 400, AfterBackoff, kFramework, true)                     \
  /* actor_runtime_socket: reserved upstream codes, public if they ever pass through */            \
  X(kRuntimeSocketUnsupported, "actor_runtime_socket", "unsupported", 500, Never, kFramework,      \
    true)                                                                                          \
  X(kRuntimeSocketNotEnabled, "actor_runtime_socket", "not_enabled", 500, Never, kFramework, true) \
  X(kRuntimeSocketClosed, "actor_runtime_socket", "closed", 500, AfterBackoff, kFramework, true)   \
  X(kRuntimeSocketDatabaseUnavailable, "actor_runtime_socket", "database_unavailable", 500,        \
    AfterBackoff, kFramework, true)                                                                \
  /* kv: limits of c.kv() (the whole group is public) */                                           \
  X(kKvKeyTooLarge, "kv", "key_too_large", 500, AfterFix, kFramework, true)                        \
  X(kKvValueTooLarge, "kv", "value_too_large", 500, AfterFix, kFramework, true)                    \
  X(kKvBatchTooLarge, "kv", "batch_too_large", 500, AfterFix, kFramework, true)                    \
  X(kKvPayloadTooLarge, "kv", "payload_too_large", 500, AfterFix, kFramework, true)                \
  /* schedule: cron and schedule input (public group); the last three only reach the logs */       \
  X(kScheduleInvalidCronExpression, "schedule", "invalid_cron_expression", 500, AfterFix,          \
    kFramework, true)                                                                              \
  X(kScheduleInvalidTimezone, "schedule", "invalid_timezone", 500, AfterFix, kFramework, true)     \
  X(kScheduleInvalidName, "schedule", "invalid_name", 500, AfterFix, kFramework, true)             \
  X(kScheduleUnknownAction, "schedule", "unknown_action", 500, AfterFix, kFramework, true)         \
  X(kScheduleInvalidArgs, "schedule", "invalid_args", 500, AfterFix, kFramework, true)             \
  X(kScheduleInvalidMaxHistory, "schedule", "invalid_max_history", 500, AfterFix, kFramework,      \
    true)                                                                                          \
  X(kScheduleTooManyJobs, "schedule", "too_many_jobs", 500, AfterFix, kFramework, true)            \
  X(kScheduleHistoryLimit, "schedule", "history_limit", 500, AfterFix, kFramework, true)           \
  X(kScheduleIntervalTooShort, "schedule", "interval_too_short", 500, AfterFix, kFramework, true)  \
  X(kScheduleIntervalTooLong, "schedule", "interval_too_long", 500, AfterFix, kFramework, true)    \
  X(kScheduleCorrupt, "schedule", "corrupt", kNoHttpStatus, Never, kNoSurface, true)               \
  X(kScheduleGaveUp, "schedule", "gave_up", kNoHttpStatus, Never, kNoSurface, true)                \
  X(kScheduleNoNextRun, "schedule", "no_next_run", kNoHttpStatus, Never, kNoSurface, true)         \
  /* workflow: failures of a workflow run (masked on the actor routes) */                          \
  X(kWorkflowCancelled, "workflow", "cancelled", 500, Never, kFramework, false)                    \
  X(kWorkflowHistoryDiverged, "workflow", "history_diverged", 500, AfterFix, kFramework, false)    \
  X(kWorkflowRollbackFailed, "workflow", "rollback_failed", 500, Never, kFramework, false)         \
  X(kWorkflowRollbackCheckpointMissing, "workflow", "rollback_checkpoint_missing", 500, AfterFix,  \
    kFramework, false)                                                                             \
  X(kWorkflowInvalidRace, "workflow", "invalid_race", 500, AfterFix, kFramework, false)            \
  X(kWorkflowInvalidVersion, "workflow", "invalid_version", 500, AfterFix, kFramework, false)      \
  X(kWorkflowInvalidEntryType, "workflow", "invalid_entry_type", 500, AfterFix, kFramework, false) \
  /* sql: the actor's SQLite database (c.db()) */                                                  \
  X(kSqlError, "sql", "error", 500, IfIdempotent, kFramework, false)                               \
  X(kSqlInvalidParameter, "sql", "invalid_parameter", 500, AfterFix, kFramework, false)            \
  X(kSqlOpenFailed, "sql", "open_failed", 500, AfterBackoff, kFramework, false)                    \
  /* validation: management API input (public group) */                                            \
  X(kValidationInvalidInput, "validation", "invalid_input", 400, AfterFix, kGateway | kManagement, \
    true)                                                                                          \
  X(kValidationTooManyActorIds, "validation", "too_many_actor_ids", 400, AfterFix, kManagement,    \
    true)                                                                                          \
  /* datacenter */                                                                                 \
  X(kDatacenterNotFound, "datacenter", "not_found", 400, AfterFix, kGateway | kManagement, false)  \
  /* api: management API; unauthorized/forbidden are reserved (no auth here yet) */                \
  X(kApiNotFound, "api", "not_found", 404, Never, kGateway | kManagement, false)                   \
  X(kApiUnauthorized, "api", "unauthorized", 401, AfterFix, kGateway | kManagement, false)         \
  X(kApiForbidden, "api", "forbidden", 403, Never, kGateway | kManagement, false)                  \
  /* guard: the gateway (public group). After the first fifteen, reserved upstream codes */        \
  X(kGuardQueryInvalidParams, "guard", "query_invalid_params", 400, AfterFix, kGateway, true)      \
  X(kGuardQueryDuplicateParam, "guard", "query_duplicate_param", 400, AfterFix, kGateway, true)    \
  X(kGuardQueryPathTokenSyntax, "guard", "query_path_token_syntax", 400, AfterFix, kGateway, true) \
  X(kGuardQueryEmptyActorName, "guard", "query_empty_actor_name", 400, AfterFix, kGateway, true)   \
  X(kGuardQueryGetDisallowedParams, "guard", "query_get_disallowed_params", 400, AfterFix,         \
    kGateway, true)                                                                                \
  X(kGuardQueryMissingPool, "guard", "query_missing_pool", 400, AfterFix, kGateway, true)          \
  X(kGuardQueryInvalidBase64Input, "guard", "query_invalid_base64_input", 400, AfterFix, kGateway, \
    true)                                                                                          \
  X(kGuardQueryInvalidCborInput, "guard", "query_invalid_cbor_input", 400, AfterFix, kGateway,     \
    true)                                                                                          \
  X(kGuardQueryInvalidPercentEncoding, "guard", "query_invalid_percent_encoding", 400, AfterFix,   \
    kGateway, true)                                                                                \
  X(kGuardMissingHeader, "guard", "missing_header", 400, AfterFix, kGateway, true)                 \
  X(kGuardNoRoute, "guard", "no_route", 404, Never, kGateway, true)                                \
  X(kGuardInvalidRequestBody, "guard", "invalid_request_body", 413, AfterFix, kGateway, true)      \
  X(kGuardServiceUnavailable, "guard", "service_unavailable", 503, AfterBackoff, kGateway, true)   \
  X(kGuardTooManyConnections, "guard", "too_many_connections", 503, AfterBackoff, kGateway, true)  \
  X(kGuardRequestHeadersTooLarge, "guard", "request_headers_too_large", 431, AfterFix, kGateway,   \
    true)                                                                                          \
  X(kGuardRateLimit, "guard", "rate_limit", 429, AfterBackoff, kGateway, true)                     \
  X(kGuardUpstreamError, "guard", "upstream_error", 502, AfterBackoff, kGateway, true)             \
  X(kGuardRoutingError, "guard", "routing_error", 502, AfterBackoff, kGateway, true)               \
  X(kGuardRetryAttemptsExceeded, "guard", "retry_attempts_exceeded", 502, AfterBackoff, kGateway,  \
    true)                                                                                          \
  X(kGuardInvalidResponseBody, "guard", "invalid_response_body", 502, AfterBackoff, kGateway,      \
    true)                                                                                          \
  X(kGuardRequestTimeout, "guard", "request_timeout", 504, IfIdempotent, kGateway, true)           \
  X(kGuardTunnelMessageTimeout, "guard", "tunnel_message_timeout", 504, IfIdempotent, kGateway,    \
    true)                                                                                          \
  X(kGuardGatewayResponseStartTimeout, "guard", "gateway_response_start_timeout", 504,             \
    AfterBackoff, kGateway, true)                                                                  \
  X(kGuardActorStoppedWhileWaiting, "guard", "actor_stopped_while_waiting", 503, AfterBackoff,     \
    kGateway, true)                                                                                \
  X(kGuardTunnelRequestAborted, "guard", "tunnel_request_aborted", 503, IfIdempotent, kGateway,    \
    true)                                                                                          \
  X(kGuardTunnelResponseClosed, "guard", "tunnel_response_closed", 503, IfIdempotent, kGateway,    \
    true)                                                                                          \
  X(kGuardActorReadyTimeout, "guard", "actor_ready_timeout", 503, AfterBackoff, kGateway, true)    \
  X(kGuardActorWakeRetriesExceeded, "guard", "actor_wake_retries_exceeded", 400, AfterBackoff,     \
    kGateway, true)                                                                                \
  /* ws: WebSocket close reasons */                                                                \
  X(kWsGoingAway, "ws", "going_away", kNoHttpStatus, AfterBackoff, kNoSurface, false)              \
  /* server: startup failures of the binary, never sent to clients */                              \
  X(kServerInvalidHost, "server", "invalid_host", kNoHttpStatus, AfterFix, kNoSurface, false)      \
  X(kServerListenFailed, "server", "listen_failed", kNoHttpStatus, AfterFix, kNoSurface, false)    \
  X(kServerDataDirFailed, "server", "data_dir_failed", kNoHttpStatus, AfterFix, kNoSurface, false) \
  /* client: produced by the C++ client library itself */                                          \
  X(kClientConnectionFailed, "client", "connection_failed", kNoHttpStatus, AfterBackoff,           \
    kNoSurface, false)                                                                             \
  X(kClientConnectionClosed, "client", "connection_closed", kNoHttpStatus, AfterBackoff,           \
    kNoSurface, false)                                                                             \
  X(kClientTimedOut, "client", "timed_out", kNoHttpStatus, AfterBackoff, kNoSurface, false)        \
  X(kClientInvalidResponse, "client", "invalid_response", kNoHttpStatus, Never, kNoSurface, false) \
  X(kClientInvalidEndpoint, "client", "invalid_endpoint", kNoHttpStatus, AfterFix, kNoSurface,     \
    false)                                                                                         \
  X(kClientInvalidArgument, "client", "invalid_argument", kNoHttpStatus, AfterFix, kNoSurface,     \
    false)                                                                                         \
  X(kClientHandlerFailed, "client", "handler_failed", kNoHttpStatus, Never, kNoSurface, false)
// NOLINTEND(cppcoreguidelines-macro-usage)

// NOLINTBEGIN(cppcoreguidelines-macro-usage)
#define RIVET_ERROR_CODE_CONSTANT(name, group, code, status, retry, surfaces, is_public) \
  inline constexpr Code name{group, code, status, Retry::retry, surfaces, is_public};
RIVET_ERROR_CODES(RIVET_ERROR_CODE_CONSTANT)
#undef RIVET_ERROR_CODE_CONSTANT
// NOLINTEND(cppcoreguidelines-macro-usage)

/// Groups whose every code is public, including codes that are not in the catalogue (`user`
/// codes are chosen by actor code). The catalogue's entries in these groups are public too.
inline constexpr std::string_view kPublicGroups[] = {"user", "schedule", "kv", "validation",
                                                     "guard"};

/// Group names for the few rules that apply to a whole group (codes outside the catalogue too).
inline constexpr std::string_view kUserGroup = "user";  // UserError
inline constexpr std::string_view kActorGroup = kActorNotFound.group;
inline constexpr std::string_view kCoreGroup = kCoreInternalError.group;
inline constexpr std::string_view kStorageGroup = kStorageFailure.group;
inline constexpr std::string_view kQueueGroup = kQueueFull.group;
inline constexpr std::string_view kProtocolGroup = kProtocolInvalidHttpRequest.group;
inline constexpr std::string_view kWorkflowGroup = kWorkflowCancelled.group;

/// Every catalogue entry, in table order.
[[nodiscard]] std::span<const Code> all() noexcept;

/// The entry for group/code, or nullptr for codes outside the catalogue (user-defined ones).
[[nodiscard]] const Code* find(std::string_view group, std::string_view code) noexcept;

/// True when every code of `group` is public (see kPublicGroups).
[[nodiscard]] bool is_public_group(std::string_view group) noexcept;

}  // namespace rivet::codes
