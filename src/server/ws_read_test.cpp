// read_message_limited: a message over the limit is refused after limit + 1 bytes, however large
// the frame the peer announced or sent, so one connection costs at most its limit in memory.

#include "server/ws_read.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/_experimental/test/stream.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using rivet::server::read_message_limited;
using rivet::server::WsRead;
using rivet::server::WsReadStatus;

using TestWs = websocket::stream<beast::test::stream>;

constexpr std::size_t kLimit = 1000;

/// A server and a client WebSocket over an in-memory stream, handshake done.
struct Pair {
  asio::io_context io;
  TestWs server{io};
  TestWs client{io};

  Pair() {
    server.next_layer().connect(client.next_layer());
    server.read_message_max(0);  // as the server's sessions do: the reader bounds messages
    server.async_accept([](beast::error_code ec) { EXPECT_FALSE(ec) << ec.message(); });
    client.async_handshake("localhost", "/",
                           [](beast::error_code ec) { EXPECT_FALSE(ec) << ec.message(); });
    io.run();
    io.restart();
  }

  /// Reads one message with `limit`; the buffer is left in `out`.
  WsRead read(beast::flat_buffer& out, std::size_t limit = kLimit) {
    std::optional<WsRead> result;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          result = co_await read_message_limited(server, out, limit);
        },
        asio::detached);
    io.run();
    io.restart();
    EXPECT_TRUE(result.has_value()) << "the read did not finish";
    return result.value_or(WsRead{});
  }

  void send(const std::string& text, bool binary = true) {
    client.binary(binary);
    client.write(asio::buffer(text));
  }
};

TEST(WsReadLimited, MessageOfExactlyTheLimitIsRead) {
  Pair p;
  const std::string message(kLimit, 'a');
  p.send(message);
  beast::flat_buffer buffer;
  const auto r = p.read(buffer);
  EXPECT_EQ(r.status, WsReadStatus::Message);
  EXPECT_EQ(beast::buffers_to_string(buffer.data()), message);
}

TEST(WsReadLimited, OneByteOverTheLimitIsTooLong) {
  Pair p;
  p.send(std::string(kLimit + 1, 'b'));
  beast::flat_buffer buffer;
  EXPECT_EQ(p.read(buffer).status, WsReadStatus::TooLong);
  EXPECT_EQ(buffer.size(), kLimit + 1);
}

TEST(WsReadLimited, AHugeFrameIsCutAfterLimitPlusOneBytes) {
  Pair p;
  p.send(std::string(4 * 1024 * 1024, 'c'));
  beast::flat_buffer buffer;
  EXPECT_EQ(p.read(buffer).status, WsReadStatus::TooLong);
  // The buffer never held more than the limit and one byte, and did not reserve for more.
  EXPECT_EQ(buffer.size(), kLimit + 1);
  EXPECT_LT(buffer.capacity(), 2 * rivet::server::kWsReadChunk);
}

TEST(WsReadLimited, FragmentsCountTogether) {
  Pair p;
  p.client.binary(true);
  const std::string piece(400, 'd');
  p.client.write_some(false, asio::buffer(piece));
  p.client.write_some(false, asio::buffer(piece));
  p.client.write_some(true, asio::buffer(piece.substr(0, 200)));
  beast::flat_buffer buffer;
  const auto r = p.read(buffer);
  EXPECT_EQ(r.status, WsReadStatus::Message);
  EXPECT_EQ(buffer.size(), kLimit);

  p.client.write_some(false, asio::buffer(piece));
  p.client.write_some(false, asio::buffer(piece));
  p.client.write_some(true, asio::buffer(piece));
  beast::flat_buffer second;
  EXPECT_EQ(p.read(second).status, WsReadStatus::TooLong);
}

TEST(WsReadLimited, MessagesInARowAndAnEmptyOne) {
  Pair p;
  p.send("one", false);
  p.send("");
  p.send("three");
  std::vector<std::string> got;
  for (int i = 0; i < 3; ++i) {
    beast::flat_buffer buffer;
    ASSERT_EQ(p.read(buffer).status, WsReadStatus::Message);
    got.push_back(beast::buffers_to_string(buffer.data()));
  }
  EXPECT_EQ(got, (std::vector<std::string>{"one", "", "three"}));
}

TEST(WsReadLimited, APeerCloseIsAFailureWithItsCode) {
  Pair p;
  p.client.async_close(websocket::close_code::normal, [](beast::error_code) {});
  beast::flat_buffer buffer;
  const auto r = p.read(buffer);
  EXPECT_EQ(r.status, WsReadStatus::Failed);
  EXPECT_EQ(r.ec, websocket::error::closed);
}

}  // namespace
