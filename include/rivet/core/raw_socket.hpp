#pragma once
/// Raw WebSockets for actors (`onWebSocket`, reached through `/websocket/...`).
///
/// The actor side is rivet::WebSocket, handed to the `on_websocket` handler: a coroutine that
/// usually loops on `co_await ws.receive()` and answers with send_text / send_binary. The socket
/// stays open while the handler runs; it closes with 1000 when the handler returns, with 1011
/// `group.code` when it throws, or with the code the handler passes to close().
///
/// Durability: frames leave in the order they were sent, and only once the actor's state as of
/// the send is durable (each send schedules a commit of the actor's state; commits are batched).
/// receive() and flush() first wait for that, so a handler that changes state and replies sees
/// its reply leave after the change is on disk.
///
/// The transport side (server) sees RawSocketSink and RawSocketHandle; no HTTP types here.

#include <rivet/core/raw_http.hpp>
#include <rivet/core/task.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace rivet {

namespace detail {
struct RawSocketState;
}  // namespace detail

/// One received frame: text (valid UTF-8, checked by the transport) or binary.
struct WebSocketMessage {
  std::string data;
  bool binary = false;
};

/// How a raw WebSocket ended: the peer's close code and reason, 1006 when the connection dropped
/// without a close frame, or the code the actor closed it with.
struct WebSocketClose {
  std::uint16_t code = 1005;
  std::string reason;
};

/// The actor's end of a raw WebSocket. Strand-affine: use it on the actor (in the handler, or in
/// actions and hooks of the same actor when a copy is kept in vars). Copies share the socket.
class WebSocket {
 public:
  explicit WebSocket(std::shared_ptr<detail::RawSocketState> state) noexcept
      : s_(std::move(state)) {}

  /// The connection id (the same as `c.conn()->id()` inside the handler).
  [[nodiscard]] const std::string& id() const noexcept;
  /// The upgrade request: method GET, the whole actor path (`/websocket/...`), query, headers.
  [[nodiscard]] const RawRequest& request() const noexcept;

  /// Queues a text frame (`text` must be valid UTF-8). Dropped once the socket is closing.
  void send_text(std::string text);
  /// Queues a binary frame. Dropped once the socket is closing.
  void send_binary(std::string bytes);
  /// Closes after the frames queued so far (code 1000 or 3000-4999; reason at most 123 bytes).
  /// receive() then returns nullopt.
  void close(std::uint16_t code = 1000, std::string reason = "");

  /// Waits until everything sent so far has left (after the state commit), then for the next
  /// frame. nullopt once the socket is closed or closing (frames that arrived before a peer's
  /// close are still returned first). One receiver at a time.
  [[nodiscard]] Task<std::optional<WebSocketMessage>> receive();
  /// Commits the actor's state and sends what is queued, without waiting for a frame.
  [[nodiscard]] Task<void> flush();

  /// False once either side closed or started closing.
  [[nodiscard]] bool is_open() const noexcept;
  /// How the socket ended; nullopt while open.
  [[nodiscard]] std::optional<WebSocketClose> close_info() const;

 private:
  std::shared_ptr<detail::RawSocketState> s_;
};

/// Where a raw WebSocket's outgoing frames go (the server session). Called on the actor strand;
/// implementations must be thread-safe and must not block (queue and return).
class RawSocketSink {
 public:
  virtual ~RawSocketSink() = default;
  virtual void send(std::string data, bool binary) = 0;
  /// Close after the frames already sent (close frame with `code` and `reason`).
  virtual void close(std::uint16_t code, std::string reason) = 0;
};

/// The transport's handle on an open raw WebSocket. Thread-safe. Destroying it without
/// closed() counts as a dropped connection (1006).
class RawSocketHandle {
 public:
  virtual ~RawSocketHandle() = default;
  [[nodiscard]] virtual const std::string& id() const noexcept = 0;
  /// Hands a received frame to the actor. Suspends while the socket's inbox is full (1024
  /// frames or 16 MiB), so a slow handler slows the reader (and, through TCP, the client)
  /// instead of growing memory. Returns at once, dropping the frame, once the socket is closing.
  [[nodiscard]] virtual Task<void> push(WebSocketMessage message) = 0;
  /// The socket ended (peer close frame, or 1006). Idempotent.
  [[nodiscard]] virtual Task<void> closed(WebSocketClose how) = 0;
};

}  // namespace rivet
