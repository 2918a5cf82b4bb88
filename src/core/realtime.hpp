#pragma once
// Raw WebSocket state on the actor strand (raw_socket.cpp) and helpers shared by the realtime
// sources. Strand-affine: every member of RawSocketState is touched only on the actor's strand.

#include <rivet/core/raw_http.hpp>
#include <rivet/core/raw_socket.hpp>

#include "core/actor/actor_instance.hpp"
#include "core/actor/signal.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>

namespace rivet::detail {

/// Bounds of a raw socket's inbox (frames received, not yet taken by receive()). When full the
/// transport's push() waits, so the reader stops and TCP pushes back on the client.
inline constexpr std::size_t kRawInboxFrames = 1024;
inline constexpr std::size_t kRawInboxBytes = 16 * 1024 * 1024;

inline constexpr std::uint16_t kRawCloseNormal = 1000;
inline constexpr std::uint16_t kRawCloseError = 1011;

/// actor.websocket_not_supported: the actor has no onWebSocket.
[[nodiscard]] Error websocket_not_supported();

struct RawSocketState;
/// The connection's sink for a raw socket: events do not apply to raw sockets, and a close from
/// the actor (disconnect, sleep, destroy) closes the socket after its queued frames.
[[nodiscard]] std::shared_ptr<ConnectionSink> make_raw_conn_sink(
    std::weak_ptr<RawSocketState> socket);

/// The actor side of one raw WebSocket.
struct RawSocketState {
  struct Outgoing {
    std::string data;
    bool binary = false;
    bool close = false;
    std::uint16_t code = 0;
  };

  RawSocketState(ActorInstance& runtime, RawRequest req, std::shared_ptr<RawSocketSink> out)
      : rt(&runtime),
        request(std::move(req)),
        sink(std::move(out)),
        inbox_signal(runtime.strand()),
        space_signal(runtime.strand()),
        flushed_signal(runtime.strand()) {}

  /// The actor (or its user code) closes: later frames are dropped, the close frame follows the
  /// frames queued so far. No-op once ended.
  void close_local(std::uint16_t code, std::string reason);
  /// The peer closed or the connection dropped: frames already received stay readable,
  /// queued outgoing frames are dropped. No-op once ended.
  void close_peer(WebSocketClose how);

  ActorInstance* rt;
  std::shared_ptr<ConnRecord> conn;
  RawRequest request;
  std::shared_ptr<RawSocketSink> sink;

  std::deque<WebSocketMessage> inbox;
  std::size_t inbox_bytes = 0;
  std::deque<Outgoing> outbox;
  std::optional<WebSocketClose> ended;
  bool closing_local = false;
  bool flushing = false;
  bool flush_scheduled = false;
  /// The handler's call frame while it runs (its events are released at each commit point).
  CallFrame* frame = nullptr;

  Signal inbox_signal;
  Signal space_signal;
  Signal flushed_signal;
};

/// Percent-decoding for query strings ('+' is a space when `form`); malformed escapes are kept.
[[nodiscard]] std::string decode_query_component(std::string_view text, bool form);

}  // namespace rivet::detail
