#pragma once
// The transport under a WebSocket session (Beast's NextLayer): a TCP socket bound to the
// connection's strand (a concrete executor type: no type-erased executor copies per operation),
// plus two cheaper ways to write bytes that already form complete WebSocket frames (a broadcast
// event: a header built in place and the payload shared by every connection):
//
// - send_frames(), on the strand: one non-blocking send, no completion handler.
// - send_inline(), from any thread (the actor's broadcast loop): the same send made by the
//   caller itself, without a post to the strand, allowed only while the session has declared
//   itself idle (arm_inline()) and nothing else has been written or posted since.
//
// Ordering and safety: Beast writes control frames of its own (pong, keep-alive ping, close
// reply) at times the session does not choose. Every Beast write passes through
// async_write_some here, so this layer knows when one is in flight (busy()) and the session only
// calls send_frames() when none is and Beast's stream is open. If the kernel takes only part of a
// frame, the rest is written asynchronously and Beast writes that arrive meanwhile wait until it
// is out (they are parked and resumed in order), so frames never interleave.
//
// Inline sends are guarded by a small mutex (InlineGate, held for one non-blocking sendmsg at
// most). The gate is open ("armed") only between the session's arm_inline() on the strand and
// the next write of any kind: a Beast write, send_frames(), an inline send that the kernel did
// not take whole, or a close. Posts from other threads to the strand that carry outgoing traffic
// are counted, and the gate does not open while one is pending, so a frame sent inline never
// overtakes one posted before it. The descriptor is closed only with the gate shut for good
// (beast_close_socket, teardown, close_for_good()), so an inline send can never reach a
// descriptor number the kernel has since given to another connection.
//
// Everything but send_inline(), note_outside_post() and outside_post_ran() runs on the strand,
// like the Beast stream above it.

#include <boost/asio/async_result.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_suffix.hpp>
#include <boost/beast/websocket/teardown.hpp>

#include <array>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <utility>

#include <sys/socket.h>
#include <sys/uio.h>

namespace rivet::server {

using SessionStrand = boost::asio::strand<boost::asio::io_context::executor_type>;

/// What guards sends from other threads (see above). Heap-allocated so that it stays put when
/// the socket is moved into the Beast stream.
struct InlineGate {
  std::mutex mutex;
  bool armed = false;        // send_inline() may write now
  bool retired = false;      // the descriptor is closed or closing: never armed again
  int beast_writes = 0;      // Beast writes in flight
  bool framed_tail = false;  // the rest of a ready frame is on its way
  int outside_posts = 0;     // posts from other threads not yet run on the strand
  int fd = -1;               // the descriptor while armed
};

/// The session's TCP socket. Beast closes it through beast_close_socket (timeouts, a cancelled
/// close), which here shuts the inline gate first.
class SessionSocket : public boost::asio::basic_stream_socket<boost::asio::ip::tcp, SessionStrand> {
 public:
  using basic_stream_socket::basic_stream_socket;
  using Plain = boost::asio::basic_stream_socket<boost::asio::ip::tcp, SessionStrand>;

  /// For Beast's teardown overloads, which match the plain socket type only.
  [[nodiscard]] Plain& plain() noexcept { return *this; }

  [[nodiscard]] InlineGate& gate() const noexcept { return *gate_; }

  /// Closes the descriptor after shutting the gate for good.
  void close_for_good(boost::system::error_code& ec) {
    retire();
    close(ec);
  }
  void retire() {
    std::lock_guard lock(gate_->mutex);
    gate_->retired = true;
    gate_->armed = false;
  }

  friend void beast_close_socket(SessionSocket& socket) {
    boost::system::error_code ignored;
    socket.close_for_good(ignored);
  }

 private:
  std::unique_ptr<InlineGate> gate_ = std::make_unique<InlineGate>();
};

class WsSocket {
 public:
  using executor_type = SessionStrand;
  using next_layer_type = SessionSocket;

  explicit WsSocket(SessionSocket socket) : socket_(std::move(socket)) {}

  [[nodiscard]] executor_type get_executor() noexcept { return socket_.get_executor(); }
  [[nodiscard]] next_layer_type& next_layer() noexcept { return socket_; }
  [[nodiscard]] const next_layer_type& next_layer() const noexcept { return socket_; }

  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return socket_.async_read_some(buffers, std::forward<Token>(token));
  }

  /// Beast's writes: tracked, and held back while a framed write is partly out.
  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return boost::asio::async_compose<Token, void(boost::system::error_code, std::size_t)>(
        BeastWrite<ConstBuffers>{this, buffers}, token, socket_);
  }

  /// True while a Beast write or the tail of a framed write is on its way.
  [[nodiscard]] bool busy() const {
    auto& g = socket_.gate();
    std::lock_guard lock(g.mutex);
    return g.beast_writes > 0 || g.framed_tail;
  }

  // -- sends from other threads --------------------------------------------------------------

  enum class Inline {
    sent,     // the kernel took the whole frame
    refused,  // nothing was written: the caller posts the frame to the strand instead
    partial,  // `sent` bytes were written: the caller posts finish_inline_tail() for the rest
  };

  /// Any thread: writes one complete frame now if the gate is armed. For `refused` and
  /// `partial` the caller must post exactly one handler to the strand that first calls
  /// outside_post_ran() (it is counted here already).
  Inline send_inline(boost::asio::const_buffer header, boost::asio::const_buffer payload,
                     std::size_t& sent) {
    int fd = -1;
    auto lock = reserve_inline(fd);
    if (!lock.owns_lock()) {
      return Inline::refused;
    }
    std::array<iovec, 2> iov{iovec{const_cast<void*>(header.data()), header.size()},
                             iovec{const_cast<void*>(payload.data()), payload.size()}};
    msghdr msg{};
    msg.msg_iov = iov.data();
    msg.msg_iovlen = iov.size();
    const auto n = ::sendmsg(fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
    return settle_inline(lock, n, header.size() + payload.size(), sent);
  }

  /// send_inline() in two steps, for a caller that makes the send itself (several sockets in
  /// one system call). If the gate is armed, returns its lock held and sets `fd`: the caller
  /// writes one complete frame to `fd` (non-blocking) and calls settle_inline() with the lock
  /// still held. Otherwise returns an unlocked lock: `refused` (counted as an outside post).
  [[nodiscard]] std::unique_lock<std::mutex> reserve_inline(int& fd) {
    auto& g = gate();
    std::unique_lock lock(g.mutex);
    if (!g.armed) {
      ++g.outside_posts;
      lock.unlock();
      return lock;
    }
    fd = g.fd;
    return lock;
  }
  /// The outcome of the send made under reserve_inline(): `n` bytes written (or negative:
  /// nothing, the socket was full or failed) of `total`. Same obligations as send_inline().
  Inline settle_inline([[maybe_unused]] const std::unique_lock<std::mutex>& held, ssize_t n,
                       std::size_t total, std::size_t& sent) {
    auto& g = gate();
    if (n >= 0 && static_cast<std::size_t>(n) == total) {
      return Inline::sent;
    }
    g.armed = false;
    ++g.outside_posts;
    if (n <= 0) {
      // Would block, or failed: the strand sends it again and sees the error itself.
      return Inline::refused;
    }
    sent = static_cast<std::size_t>(n);
    g.framed_tail = true;  // Beast's writes wait for the rest (finish_inline_tail)
    return Inline::partial;
  }

  /// Any thread, before posting outgoing traffic to the strand (the gate waits for it).
  void note_outside_post() {
    auto& g = gate();
    std::lock_guard lock(g.mutex);
    ++g.outside_posts;
  }
  /// Strand: first thing in a handler counted by note_outside_post() or send_inline().
  void outside_post_ran() {
    auto& g = gate();
    std::lock_guard lock(g.mutex);
    --g.outside_posts;
  }

  /// Strand: the session is idle (nothing queued or being written, Beast open): inline sends
  /// may go until the next write. No-op while anything is on its way or posted.
  void arm_inline() {
    auto& g = gate();
    std::lock_guard lock(g.mutex);
    if (!g.retired && g.beast_writes == 0 && !g.framed_tail && g.outside_posts == 0) {
      g.armed = true;
      g.fd = socket_.native_handle();
    }
  }
  /// Strand: no inline send starts after this returns (one in progress has finished).
  void disarm_inline() {
    auto& g = gate();
    std::lock_guard lock(g.mutex);
    g.armed = false;
  }

  /// Strand: writes the rest of a frame send_inline() wrote in part; `done(ec)` runs on the
  /// strand once it is out. The caller keeps `rest` alive until then.
  template <class ConstBuffers, class Done>
  void finish_inline_tail(const ConstBuffers& rest, Done done) {
    boost::asio::async_write(
        socket_, rest,
        [this, done = std::move(done)](boost::system::error_code ec, std::size_t) mutable {
          finish_tail();
          done(ec);
        });
  }

  /// Strand: closes the descriptor (shutting the gate for good first).
  void close_for_good(boost::system::error_code& ec) { socket_.close_for_good(ec); }

  /// Writes bytes that form complete frames. Returns true when the kernel took all of them at
  /// once (`done` is not called); otherwise the rest goes out asynchronously and `done(ec)` runs
  /// on the strand once it is out (or failed). The caller keeps `buffers` alive until then.
  /// Call only when !busy().
  template <class ConstBuffers, class Done>
  bool send_frames(const ConstBuffers& buffers, Done done) {
    disarm_inline();
    boost::system::error_code ec;
    std::size_t sent = 0;
    if (!socket_.non_blocking()) {
      socket_.non_blocking(true, ec);  // asynchronous operations are unaffected
    }
    if (!ec) {
      sent = socket_.send(buffers, 0, ec);
    }
    if (ec == boost::asio::error::would_block || ec == boost::asio::error::try_again) {
      ec = {};
    }
    const auto total = boost::asio::buffer_size(buffers);
    if (!ec && sent == total) {
      return true;
    }
    set_framed_tail();
    if (ec) {
      // Reported like a failed asynchronous write.
      boost::asio::post(socket_.get_executor(), [this, ec, done = std::move(done)]() mutable {
        finish_tail();
        done(ec);
      });
      return false;
    }
    boost::beast::buffers_suffix<ConstBuffers> rest(buffers);
    rest.consume(sent);
    boost::asio::async_write(
        socket_, rest,
        [this, done = std::move(done)](boost::system::error_code wec, std::size_t) mutable {
          finish_tail();
          done(wec);
        });
    return false;
  }

 private:
  // A Beast write waiting for a framed write's tail.
  struct Parked {
    virtual ~Parked() = default;
    virtual void resume() = 0;
  };
  template <class Self>
  struct ParkedOp final : Parked {
    explicit ParkedOp(Self s) : self(std::move(s)) {}
    void resume() override { self(); }
    Self self;
  };

  template <class ConstBuffers>
  struct BeastWrite {
    WsSocket* owner;
    ConstBuffers buffers;
    enum { kStart, kWrite, kDone } state = kStart;

    template <class Self>
    void operator()(Self& self, boost::system::error_code ec = {}, std::size_t n = 0) {
      switch (state) {
        case kStart:
        case kWrite:  // kWrite: resumed after a framed tail
          if (!owner->begin_beast_write()) {
            state = kWrite;
            owner->parked_.push_back(std::make_unique<ParkedOp<Self>>(std::move(self)));
            return;
          }
          state = kDone;
          owner->socket_.async_write_some(buffers, std::move(self));
          return;
        case kDone: {
          auto& g = owner->gate();
          {
            std::lock_guard lock(g.mutex);
            --g.beast_writes;
          }
          self.complete(ec, n);
          return;
        }
      }
    }
  };

  InlineGate& gate() { return socket_.gate(); }

  // Shuts the gate and counts the write, unless a framed tail is on its way (then false: park).
  bool begin_beast_write() {
    auto& g = gate();
    std::lock_guard lock(g.mutex);
    g.armed = false;
    if (g.framed_tail) {
      return false;
    }
    ++g.beast_writes;
    return true;
  }

  void set_framed_tail() {
    auto& g = gate();
    std::lock_guard lock(g.mutex);
    g.armed = false;
    g.framed_tail = true;
  }

  void finish_tail() {
    {
      auto& g = gate();
      std::lock_guard lock(g.mutex);
      g.framed_tail = false;
    }
    // Resume parked Beast writes in arrival order; a resumed write may park nothing (no tail).
    auto parked = std::move(parked_);
    parked_.clear();
    for (auto& p : parked) {
      p->resume();
    }
  }

  SessionSocket socket_;
  std::deque<std::unique_ptr<Parked>> parked_;
};

// Closing the WebSocket tears the TCP connection down as for a plain socket.
inline void teardown(boost::beast::role_type role, WsSocket& socket,
                     boost::system::error_code& ec) {
  socket.next_layer().retire();
  boost::beast::websocket::teardown(role, socket.next_layer().plain(), ec);
}

template <class TeardownHandler>
void async_teardown(boost::beast::role_type role, WsSocket& socket, TeardownHandler&& handler) {
  socket.next_layer().retire();
  boost::beast::websocket::async_teardown(role, socket.next_layer().plain(),
                                          std::forward<TeardownHandler>(handler));
}

}  // namespace rivet::server
