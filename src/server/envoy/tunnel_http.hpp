#pragma once
// Client HTTP requests that reach the envoy through the engine's tunnel (engine protocol spec
// §6.4, §7.5), mapped to and from the server's transport-neutral request and response, so they
// are served by the same routes as the embedded server's. Pure functions, no I/O.

#include "server/http_types.hpp"

#include <rivet/protocol/envoy/messages.hpp>

#include <map>
#include <optional>
#include <utility>

namespace rivet::server::envoy {

namespace wire = rivet::protocol::envoy;

/// The request as the actor routes see it: the gateway-relative path (with its query) as the
/// target, header names in lower case, the body (empty when absent).
[[nodiscard]] HttpRequest to_http_request(const wire::ToEnvoyRequestStart& start);

/// One unstreamed response message; an empty body is sent as absent, as the engine does.
[[nodiscard]] wire::ToRivetResponseStart to_response_start(const HttpResponse& response);

/// The reply to request `request` carrying `kind` at `index` (0 for the first message of a
/// request, then +1 for each further one).
[[nodiscard]] wire::ToRivetTunnelMessage reply_to(const wire::MessageId& request,
                                                  wire::MessageIndex index,
                                                  wire::ToRivetTunnelMessageKind kind);

/// What a request for an actor this envoy does not host, or is stopping, gets: 503 with
/// x-rivet-error guard.actor_stopped_while_waiting, which the engine's gateway retries after
/// resolving the actor again (RivetKit answers envoy.actor_not_found, which it does not retry).
[[nodiscard]] HttpResponse actor_not_hosted_response();

/// Requests whose body the gateway streams: the engine's gateway v3 (feature
/// guard_gateway_v3, on in RivetKit's dev mode) sends `stream=true` with no body and the body
/// in ToEnvoyRequestChunks ending in `finish`. It sends only as much body as we granted credit
/// for (ToRivetRequestBodyWindowUpdate, cumulative bytes consumed), so each chunk is answered
/// with a grant. Our routes take a whole body, so a request is held here until its last chunk
/// and then served like an unstreamed one. Not thread-safe: the caller locks.
class StreamedRequests {
 public:
  using Key = std::pair<wire::GatewayId, wire::RequestId>;

  /// What one chunk leaves to do.
  struct Step {
    /// The request with its whole body, at the last chunk.
    std::optional<wire::ToEnvoyRequestStart> whole;
    /// The credit to grant before the last chunk: the body bytes received so far.
    std::optional<std::uint64_t> grant;
    /// The index for our next reply to the request (grants take one each, then the response).
    wire::MessageIndex reply_index = 0;
    /// The body passed the limit: the request is dropped and answered 413 at `reply_index`.
    bool too_large = false;
  };

  /// `max_body`: the largest body held, as for a request to the embedded server.
  explicit StreamedRequests(std::size_t max_body);

  /// Holds `start` (and any body it already carries) until the chunk marked `finish`.
  void begin(const Key& key, wire::ToEnvoyRequestStart start);
  /// Adds a chunk; nothing to do for a request not held (aborted, or never begun).
  [[nodiscard]] Step append(const Key& key, wire::ToEnvoyRequestChunk chunk);
  /// Drops a request the gateway aborted before its body was complete.
  void abort(const Key& key);
  [[nodiscard]] std::size_t size() const { return pending_.size(); }

 private:
  struct Pending {
    wire::ToEnvoyRequestStart start;
    wire::MessageIndex next_index = 0;
  };
  std::size_t max_body_;
  std::map<Key, Pending> pending_;
};

}  // namespace rivet::server::envoy
