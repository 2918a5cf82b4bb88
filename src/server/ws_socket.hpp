#pragma once
// The transport under a WebSocket session (Beast's NextLayer): a TCP socket bound to the
// connection's strand (a concrete executor type: no type-erased executor copies per operation),
// plus a second, cheaper way to write: send_frames() puts bytes that already form complete
// WebSocket frames (a broadcast event: a header built in place and the payload shared by every
// connection) on the socket with one non-blocking send, without a completion handler.
//
// Ordering and safety: Beast writes control frames of its own (pong, keep-alive ping, close
// reply) at times the session does not choose. Every Beast write passes through
// async_write_some here, so this layer knows when one is in flight (beast_writing()) and the
// session only calls send_frames() when none is and Beast's stream is open. If the kernel takes
// only part of a frame, the rest is written asynchronously and Beast writes that arrive meanwhile
// wait until it is out (they are parked and resumed in order), so frames never interleave.
//
// Not thread-safe: everything runs on the strand, like the Beast stream above it.

#include <boost/asio/async_result.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_suffix.hpp>
#include <boost/beast/websocket/teardown.hpp>

#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <utility>

namespace rivet::server {

using SessionStrand = boost::asio::strand<boost::asio::io_context::executor_type>;
using SessionSocket = boost::asio::basic_stream_socket<boost::asio::ip::tcp, SessionStrand>;

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
  [[nodiscard]] bool busy() const noexcept { return beast_writes_ > 0 || framed_tail_; }

  /// Writes bytes that form complete frames. Returns true when the kernel took all of them at
  /// once (`done` is not called); otherwise the rest goes out asynchronously and `done(ec)` runs
  /// on the strand once it is out (or failed). The caller keeps `buffers` alive until then.
  /// Call only when !busy().
  template <class ConstBuffers, class Done>
  bool send_frames(const ConstBuffers& buffers, Done done) {
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
    framed_tail_ = true;
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
          state = kWrite;
          if (owner->framed_tail_) {
            owner->parked_.push_back(std::make_unique<ParkedOp<Self>>(std::move(self)));
            return;
          }
          [[fallthrough]];
        case kWrite:
          state = kDone;
          ++owner->beast_writes_;
          owner->socket_.async_write_some(buffers, std::move(self));
          return;
        case kDone:
          --owner->beast_writes_;
          self.complete(ec, n);
          return;
      }
    }
  };

  void finish_tail() {
    framed_tail_ = false;
    // Resume parked Beast writes in arrival order; a resumed write may park nothing (no tail).
    auto parked = std::move(parked_);
    parked_.clear();
    for (auto& p : parked) {
      p->resume();
    }
  }

  SessionSocket socket_;
  int beast_writes_ = 0;
  bool framed_tail_ = false;
  std::deque<std::unique_ptr<Parked>> parked_;
};

// Closing the WebSocket tears the TCP connection down as for a plain socket.
inline void teardown(boost::beast::role_type role, WsSocket& socket,
                     boost::system::error_code& ec) {
  boost::beast::websocket::teardown(role, socket.next_layer(), ec);
}

template <class TeardownHandler>
void async_teardown(boost::beast::role_type role, WsSocket& socket, TeardownHandler&& handler) {
  boost::beast::websocket::async_teardown(role, socket.next_layer(),
                                          std::forward<TeardownHandler>(handler));
}

}  // namespace rivet::server
