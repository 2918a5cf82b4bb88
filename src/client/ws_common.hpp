#pragma once
// Pieces both client WebSockets use (connection.cpp, raw_web_socket.cpp).

#include "client/client_state.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/websocket/error.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

namespace rivet::client {

inline constexpr auto kUseTuple = boost::asio::as_tuple(boost::asio::use_awaitable);

using Strand = boost::asio::strand<boost::asio::any_io_executor>;

// Something a coroutine waits for on the strand: set() wakes it.
class Wakeup {
 public:
  explicit Wakeup(const Strand& strand) : timer_(strand, boost::asio::steady_timer::time_point::max()) {}
  Awaitable<void> wait() {
    while (!set_) {
      co_await timer_.async_wait(kUseTuple);
    }
  }
  void set() {
    set_ = true;
    timer_.cancel();
  }

 private:
  boost::asio::steady_timer timer_;
  bool set_ = false;
};

/// Whether a failed read ended with the peer's close frame. A peer may reset the TCP connection
/// right after that frame (the Rivet Engine's gateway does), failing the read with a reset even
/// though the frame, and its reason, arrived.
[[nodiscard]] inline bool closed_by_peer(boost::system::error_code ec,
                                         const boost::beast::websocket::close_reason& reason) {
  return ec == boost::beast::websocket::error::closed ||
         reason.code != boost::beast::websocket::close_code::none;
}

/// The error a close from the server means: its reason when it is "group.code", else
/// client.connection_closed.
[[nodiscard]] Error close_error(const boost::beast::websocket::close_reason& reason);

/// The subprotocol header value offered in a client handshake.
[[nodiscard]] std::string join_protocols(const std::vector<std::string>& protocols);

}  // namespace rivet::client
