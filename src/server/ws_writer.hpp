#pragma once
// The one writer of an accepted WebSocket, whichever protocol is served on it (the actor
// connection protocol, actor_connect_session.hpp, or a raw WebSocket, raw_websocket_session.hpp).
// It owns the Beast stream: the protocol reads from stream() and writes only through here.
//
// Concurrency: everything runs on the connection's strand (the stream's executor), except the
// methods marked "any thread". Those post onto the strand; each such post is counted by the
// socket's inline gate (WsSocket) so that nothing sent inline overtakes it. One write chain owns
// all writes (pump → async_write → on_written → pump, as in Beast's chat example: a completion
// handler per frame rather than a coroutine woken by a timer, which halves the work per frame of
// a broadcast fan-out); it drains a bounded queue.
//
// Broadcast events (SharedEvent, encoded once) skip Beast: when the writer is idle (nothing
// queued or being written, Beast open) it arms its socket's inline gate, and the actor's thread
// (or the helper a large broadcast is split with) sends the frame itself, without a post: one
// non-blocking sendmsg (publish_event), or, for a chunk of a broadcast, all the chunk's sends in
// one system call (publish_event_batch). Anything else (the gate is shut, the
// kernel takes the frame only in part, the frame is too long) goes through the strand: a post,
// then the queue or a ready frame (WsSocket::send_frames). The gate shuts before any other write
// and does not open while a post from another thread is pending, so per-connection order holds
// and Beast's own control frames never interleave. Only a writer that carries events
// (carry_events) arms the gate.
//
// Policy when the queue is full (kMaxQueuedMessages or kMaxQueuedBytes): the connection is
// closed with 1011 `message.outgoing_queue_full`; nothing is dropped silently, and other
// connections are unaffected (each has its own queue and strand); an inline send never queues (a
// socket that cannot take a whole frame at once shuts the gate and falls back to the queue).
// A requested close goes out after the queue; a peer that does not let it through (a stalled
// reader behind a full TCP window) is cut off kCloseDeadline after the first request.

#include "server/session_registry.hpp"
#include "server/ws_frames.hpp"
#include "server/ws_socket.hpp"

#include <rivet/common/value.hpp>
#include <rivet/core/shared_event.hpp>
#include <rivet/protocol/encoding.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <chrono>
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
/// How long a requested close may take before the TCP connection is cut (slow consumers).
inline constexpr auto kCloseDeadline = std::chrono::seconds(5);

class WsWriter final : public std::enable_shared_from_this<WsWriter>, public Closeable {
 public:
  using Stream = boost::beast::websocket::stream<WsSocket>;

  /// `tasks` owns the close deadline's coroutine.
  WsWriter(TaskGroup& tasks, SessionSocket socket);

  /// For the handshake and the protocol's reads; writes go through this class.
  [[nodiscard]] Stream& stream() noexcept { return ws_; }
  [[nodiscard]] auto executor() { return ws_.get_executor(); }

  // -- before start_writing(), on the strand -------------------------------------------------
  /// This writer carries the connection protocol's events in `encoding`, each at most
  /// `max_size` bytes encoded (a longer one closes with 1011 message.outgoing_too_long), and
  /// lets them go out inline. Call before anything can publish to it.
  void carry_events(protocol::Encoding encoding, std::size_t max_size);
  /// Queues a frame ahead of everything queued so far (the Init that precedes the events an
  /// actor sent while the connection was opening).
  void queue_frame_first(Bytes data, bool text);
  /// Frames start going out, in queue order.
  void start_writing();
  /// The protocol refused the connection: the close handshake, with nothing written before.
  boost::asio::awaitable<void> close_at_once(std::uint16_t code, std::string reason);
  /// The same after one frame (an error message).
  boost::asio::awaitable<void> send_then_close(Bytes frame, bool text, std::uint16_t code,
                                               std::string reason);

  // -- on the strand ----------------------------------------------------------------------------
  /// Queues one frame; closes with 1011 message.outgoing_queue_full beyond the queue's bounds.
  void queue_frame(Bytes data, bool text);
  /// Queues an event (carry_events), or writes it at once when nothing is queued.
  void queue_event(std::shared_ptr<const SharedEvent> event);
  /// Sends the close frame once the queue is out (the first request's code and reason win).
  void request_close(std::uint16_t code, std::string reason);
  /// The reader saw the connection fail or close: nothing more is written.
  void mark_dead() noexcept { dead_ = true; }
  /// The socket is unusable (read or write failed, or the close deadline cut it).
  [[nodiscard]] bool dead() const noexcept { return dead_; }
  /// The session is over: the close deadline no longer holds the writer.
  void cancel_close_deadline() { close_deadline_.cancel(); }

  // -- any thread -------------------------------------------------------------------------------
  /// Closeable: closes with 1001 ws.going_away.
  void shutdown() override;
  void post_frame(Bytes data, bool text);
  void post_close(std::uint16_t code, std::string reason);
  /// Sends `event` inline when the writer is idle, else posts it to queue_event().
  static void publish_event(std::shared_ptr<WsWriter> self,
                            std::shared_ptr<const SharedEvent> event);
  /// publish_event() for many writers (taken from `writers`), their inline sends made in one
  /// system call per batch where possible.
  static void publish_event_batch(std::span<std::shared_ptr<WsWriter>> writers,
                                  const std::shared_ptr<const SharedEvent>& event);

 private:
  struct Outgoing {
    Bytes data;
    /// Set instead of `data` for an event shared between connections (encoded once).
    std::shared_ptr<const SharedEvent> shared;
    bool text = false;
  };
  struct EventFormat {
    protocol::Encoding encoding = protocol::Encoding::Json;
    std::size_t max_size = 0;
  };
  // A frame sent inline in part, while its rest goes out (finish_inline_tail).
  struct InlineTail {
    std::shared_ptr<const SharedEvent> event;
    FrameHeader header;
  };

  /// Runs `f(*this)` on the strand, counted as an outside post (see WsSocket).
  template <class F>
  void post_counted(F f);
  /// What follows an inline send attempt: nothing (sent), the tail (partial) or the queue
  /// (refused), each through a post to the strand.
  static void after_inline(std::shared_ptr<WsWriter> self, std::shared_ptr<const SharedEvent> event,
                           WsSocket::Inline result, FrameHeader header, std::size_t sent);
  /// Writes the rest of a frame publish_event() sent inline only in part.
  void finish_inline_tail(std::shared_ptr<const SharedEvent> event, FrameHeader header,
                          std::size_t sent);
  [[nodiscard]] const Bytes& bytes_of(const Outgoing& message) const;
  void push(Outgoing message);
  /// Starts the next write (or, once the queue is empty, the requested close) unless one runs.
  void pump();
  void on_written(boost::beast::error_code ec);
  /// Idle and open: lets a broadcast send frames inline (WsSocket::arm_inline).
  void arm_if_idle();
  /// Beast is open and writes nothing: a ready frame may go straight to the socket.
  [[nodiscard]] bool can_send_frame() const;
  /// Sends current_ (a shared event) as a ready frame; false while its tail is still going out.
  bool send_current_as_frame();
  static boost::asio::awaitable<void> enforce_close_deadline(std::shared_ptr<WsWriter> self);

  TaskGroup& tasks_;
  Stream ws_;
  // Set by carry_events() before any publisher can reach the writer, constant afterwards, so
  // other threads read it without a lock.
  std::optional<EventFormat> events_;
  std::deque<Outgoing> queue_;
  std::size_t queued_bytes_ = 0;
  Outgoing current_;          // the frame being written
  FrameHeader frame_header_;  // current_'s header when it goes out as a ready frame
  InlineTail tail_;
  bool writable_ = false;  // start_writing() was called
  bool writing_ = false;   // a write or the close is in flight
  bool closing_ = false;   // the close frame was started
  bool dead_ = false;      // socket unusable; drop everything
  // Sent after the queue; the first request_close also arms close_deadline_.
  std::optional<boost::beast::websocket::close_reason> close_;
  boost::asio::steady_timer close_deadline_;
};

}  // namespace rivet::server
