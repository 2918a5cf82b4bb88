#pragma once
// One accepted WebSocket: the actor connection protocol on `/connect` (ws_session.cpp) or a raw
// WebSocket served by the actor's onWebSocket (raw_ws_session.cpp). Private to the server.
//
// Concurrency: everything here runs on the connection's strand (the stream's executor), except
// the first step of deliver_shared_event(). The actor reaches the session through sinks that
// post onto that strand. One write chain owns all writes (pump → async_write → on_written → pump,
// as in Beast's chat example: a completion handler per frame rather than a coroutine woken by a
// timer, which halves the work per frame of a broadcast fan-out); it drains a bounded queue.
// Broadcast events (shared, encoded once) skip Beast: when the session is idle (nothing queued
// or being written, Beast open) it arms its socket's inline gate, and the actor's thread (or the
// helper a large broadcast is split with) sends the frame itself, without a post: one
// non-blocking sendmsg (WsSocket::send_inline), or, for a chunk of a broadcast, all the chunk's
// sends in one system call (deliver_shared_batch, ws_fanout.cpp). Anything else (the gate is shut, the kernel takes the
// frame only in part, the frame is too long) goes through the strand as before: a post, then
// the queue or a ready frame (WsSocket::send_frames). The gate shuts before any other write and
// does not open while a post from another thread is pending, so per-connection order holds and
// Beast's own control frames never interleave. Policy when the queue is full
// (kMaxQueuedMessages or kMaxQueuedBytes): the connection is closed with 1011
// `message.outgoing_queue_full`; nothing is dropped silently, and other connections are
// unaffected (each has its own queue and strand); an inline send never queues (a socket that
// cannot take a whole frame at once shuts the gate and falls back to the queue).

#include "server/server_context.hpp"
#include "server/subprotocols.hpp"
#include "server/task_group.hpp"
#include "server/ws_socket.hpp"

#include <rivet/core/engine.hpp>
#include <rivet/core/raw_socket.hpp>
#include <rivet/core/shared_event.hpp>
#include <rivet/protocol/encoding.hpp>
#include <rivet/protocol/messages.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>

namespace rivet::server {

/// Bounds of one connection's outgoing queue.
inline constexpr std::size_t kMaxQueuedMessages = 1024;
inline constexpr std::size_t kMaxQueuedBytes = 16 * 1024 * 1024;

inline constexpr std::uint16_t kCloseNormal = 1000;
inline constexpr std::uint16_t kCloseGoingAway = 1001;
inline constexpr std::uint16_t kCloseUnsupported = 1003;
inline constexpr std::uint16_t kCloseAbnormal = 1006;
inline constexpr std::uint16_t kCloseInvalidPayload = 1007;
inline constexpr std::uint16_t kCloseError = 1011;

/// The route of an upgrade request, resolved before the handshake (run_ws_session).
struct WsTarget {
  std::string ray_id;
  WsProtocols protocols;
  std::string actor_path;
  std::optional<ActorIdentity> identity;  // empty: `failure` is the close reason
  std::string failure;
};

class WsSession final : public std::enable_shared_from_this<WsSession>, public Closeable {
 public:
  using Request = boost::beast::http::request<boost::beast::http::string_body>;

  /// `home`: the execution context to serve the socket on (the actor's), null to stay.
  WsSession(ServerContext& ctx, TaskGroup& tasks, boost::beast::tcp_stream stream,
            boost::asio::io_context* home = nullptr);
  [[nodiscard]] auto executor() { return ws_.get_executor(); }

  void shutdown() override;

  // -- called by the sinks from actor strands (post onto this session's strand) ---------------
  void deliver_event(std::string name, Value args);
  static void deliver_shared_event(std::shared_ptr<WsSession> self,
                                   std::shared_ptr<const SharedEvent> event);
  /// deliver_shared_event() for many sessions (all WsSinks), their sends made in one system
  /// call per batch where possible (ws_fanout.cpp).
  static void deliver_shared_batch(std::span<ConnectionSink* const> sinks,
                                   const std::shared_ptr<const SharedEvent>& event);
  void deliver_close(std::string reason, bool error);
  void deliver_frame(std::string data, bool binary);
  void deliver_frame_close(std::uint16_t code, std::string reason);

  boost::asio::awaitable<void> run(Request request, WsTarget target);

 private:
  struct Outgoing {
    Bytes data;
    /// Set instead of `data` for an event shared between connections (encoded once).
    std::shared_ptr<const SharedEvent> shared;
    bool text = false;
    [[nodiscard]] const Bytes& bytes(protocol::Encoding enc) const {
      return shared ? shared->encoded(enc) : data;
    }
  };

  // -- connection protocol (ws_session.cpp) ---------------------------------------------------
  boost::asio::awaitable<void> serve_connect(ActorIdentity identity, WsProtocols protocols);
  boost::asio::awaitable<void> read_loop();
  static boost::asio::awaitable<void> run_action(std::shared_ptr<WsSession> self,
                                                 std::shared_ptr<ConnectionHandle> conn,
                                                 protocol::ActionRequest request);
  void enqueue_event(std::string name, Value args);
  void enqueue_shared_event(std::shared_ptr<const SharedEvent> event);
  /// What follows an inline send attempt: nothing (sent), the tail (partial) or the queue
  /// (refused), each through a post to the strand.
  static void after_inline(std::shared_ptr<WsSession> self,
                           std::shared_ptr<const SharedEvent> event, WsSocket::Inline result,
                           std::array<std::uint8_t, 10> header, std::size_t header_size,
                           std::size_t sent);
  /// Writes the rest of a frame deliver_shared_event() sent inline only in part.
  void finish_inline_tail(std::shared_ptr<const SharedEvent> event,
                          std::array<std::uint8_t, 10> header, std::size_t header_size,
                          std::size_t sent);
  /// Idle and open: lets the actor's broadcast send frames inline (WsSocket::arm_inline).
  void arm_if_idle();

  // -- raw WebSocket (raw_ws_session.cpp) -----------------------------------------------------
  boost::asio::awaitable<void> serve_raw(ActorIdentity identity, WsProtocols protocols,
                                         RawRequest request);
  boost::asio::awaitable<void> raw_read_loop();

  // -- shared ----------------------------------------------------------------------------------
  /// Starts the next write (or, once the queue is empty, the requested close) unless one runs.
  void pump();
  void on_written(boost::beast::error_code ec);
  /// Beast is open and writes nothing: a ready frame may go straight to the socket.
  [[nodiscard]] bool can_send_frame() const;
  /// Sends current_ (a shared event) as a ready frame; false while its tail is still going out.
  bool send_current_as_frame();
  boost::asio::awaitable<void> close_now(std::uint16_t code, std::string reason);
  void request_close(std::uint16_t code, std::string reason);
  void notify();
  /// Queues one frame; closes with 1011 message.outgoing_queue_full beyond the bounds.
  void enqueue(Bytes data, bool text);
  void enqueue(Outgoing message);

  ServerContext& ctx_;
  TaskGroup& tasks_;
  boost::beast::websocket::stream<WsSocket> ws_;
  bool writable_ = false;  // set once the protocol may write (after Init is queued first)
  bool writing_ = false;   // a write or the close is in flight
  bool closing_ = false;   // the close frame was started
  Outgoing current_;       // the frame being written
  // The header of current_ when it goes out as a ready frame (WsSocket::send_frames).
  std::array<std::uint8_t, 10> frame_header_{};
  std::size_t frame_header_size_ = 0;
  // A frame sent inline in part, while its rest goes out (finish_inline_tail).
  std::shared_ptr<const SharedEvent> tail_event_;
  std::array<std::uint8_t, 10> tail_header_{};
  protocol::Encoding encoding_ = protocol::Encoding::Json;
  ActorOptions options_;
  std::shared_ptr<ConnectionHandle> conn_;
  std::shared_ptr<RawSocketHandle> raw_;
  std::deque<Outgoing> queue_;
  std::size_t queued_bytes_ = 0;
  std::optional<boost::beast::websocket::close_reason> close_;  // sent after the queue
  bool dead_ = false;                                           // socket unusable; drop everything
  // Armed by the first request_close: a peer that does not let the close frame through (a
  // stalled reader behind a full TCP window) is cut off after kCloseDeadline.
  boost::asio::steady_timer close_deadline_;
  bool deadline_armed_ = false;
  static boost::asio::awaitable<void> enforce_close_deadline(std::shared_ptr<WsSession> self);
};

/// The connection protocol's sink. Holds the session weakly: the engine may keep the sink past
/// the socket's life. BroadcastPublisher batches the shared events of such sinks (ws_fanout.cpp).
class WsSink final : public ConnectionSink {
 public:
  explicit WsSink(std::weak_ptr<WsSession> session) : session_(std::move(session)) {}
  void send_event(const std::string& name, const Value& args) override {
    if (auto s = session_.lock()) {
      s->deliver_event(name, args);
    }
  }
  void send_shared_event(const std::shared_ptr<const SharedEvent>& event) override {
    if (auto s = session_.lock()) {
      WsSession::deliver_shared_event(std::move(s), event);
    }
  }
  void close(std::string reason, bool error) override {
    if (auto s = session_.lock()) {
      s->deliver_close(std::move(reason), error);
    }
  }
  [[nodiscard]] std::shared_ptr<WsSession> session() const { return session_.lock(); }

 private:
  std::weak_ptr<WsSession> session_;
};

/// RFC 6455 §5.2 header of an unmasked server frame with FIN set; returns its size.
std::size_t write_frame_header(std::array<std::uint8_t, 10>& out, std::size_t size, bool text);

/// A close reason of at most 123 bytes.
[[nodiscard]] boost::beast::websocket::close_reason make_close(std::uint16_t code,
                                                               std::string reason);

}  // namespace rivet::server
