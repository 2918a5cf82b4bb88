// WsSocket: ready frames sent beside Beast on one TCP connection never interleave with Beast's
// own frames, even when the kernel takes a frame only in part (a peer that stopped reading).

#include "server/ws_socket.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/buffers_suffix.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <deque>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using asio::ip::tcp;
using rivet::server::SessionSocket;
using rivet::server::WsSocket;

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kPayload = 64 * 1024;

// An unmasked binary frame header with FIN (payload > 0xFFFF: 8-byte length).
std::array<std::uint8_t, 10> big_header(std::size_t size) {
  std::array<std::uint8_t, 10> h{};
  h[0] = 0x82;
  h[1] = 127;
  for (int i = 0; i < 8; ++i) {
    h[2 + i] = static_cast<std::uint8_t>(static_cast<std::uint64_t>(size) >> (56 - 8 * i));
  }
  return h;
}

struct ServerSide {
  std::unique_ptr<websocket::stream<WsSocket>> ws;
  std::size_t frames_sent = 0;  // including the one the kernel took in part
  bool tail_done = false;
  beast::error_code tail_ec;
  bool ping_done = false;
  bool write_done = false;
  std::array<std::uint8_t, 10> header{};
  std::vector<std::string> payloads;
};

asio::awaitable<void> serve(ServerSide& s, tcp::acceptor& acceptor, asio::io_context& io) {
  auto strand = asio::make_strand(io);
  auto [aec, accepted] = co_await acceptor.async_accept(kUseTuple);
  EXPECT_FALSE(aec);
  SessionSocket socket(strand);
  socket.assign(tcp::v4(), accepted.release());
  socket.set_option(asio::socket_base::send_buffer_size(4096));
  s.ws = std::make_unique<websocket::stream<WsSocket>>(WsSocket(std::move(socket)));
  auto [hec] = co_await s.ws->async_accept(kUseTuple);
  EXPECT_FALSE(hec);
  // Ready frames until the kernel takes one only in part (the client does not read yet).
  s.header = big_header(kPayload);
  s.payloads.reserve(10'000);  // stable addresses for the pending tail
  while (s.frames_sent < 10'000) {
    s.payloads.emplace_back(kPayload, static_cast<char>('a' + s.frames_sent % 26));
    ++s.frames_sent;
    const std::array<asio::const_buffer, 2> frame{asio::buffer(s.header),
                                                  asio::buffer(s.payloads.back())};
    const bool whole = s.ws->next_layer().send_frames(frame, [&s](beast::error_code ec) {
      s.tail_done = true;
      s.tail_ec = ec;
    });
    if (!whole) {
      break;
    }
  }
  EXPECT_TRUE(s.ws->next_layer().busy());
  // Beast's own frames now: they must wait for the tail.
  s.ws->async_ping({}, [&s](beast::error_code ec) {
    EXPECT_FALSE(ec);
    EXPECT_TRUE(s.tail_done);  // the ping left after the tail
    s.ping_done = true;
  });
  static const std::string kAfter = "after";
  s.ws->text(true);
  s.ws->async_write(asio::buffer(kAfter), [&s](beast::error_code ec, std::size_t) {
    EXPECT_FALSE(ec);
    EXPECT_TRUE(s.tail_done);
    s.write_done = true;
  });
}

struct ClientSide {
  std::vector<std::string> messages;
  std::optional<std::size_t> ping_after;  // messages read when the ping arrived
};

asio::awaitable<void> read_all(ClientSide& c, tcp::endpoint server) {
  auto ex = co_await asio::this_coro::executor;
  websocket::stream<tcp::socket> client(ex);
  client.next_layer().open(tcp::v4());
  client.next_layer().set_option(asio::socket_base::receive_buffer_size(4096));
  co_await client.next_layer().async_connect(server, asio::use_awaitable);
  co_await client.async_handshake("127.0.0.1", "/", asio::use_awaitable);
  client.read_message_max(1 << 20);
  client.control_callback([&c](websocket::frame_type kind, beast::string_view) {
    if (kind == websocket::frame_type::ping) {
      c.ping_after = c.messages.size();
    }
  });
  // Let the server fill the connection before reading.
  asio::steady_timer wait(ex, std::chrono::milliseconds(300));
  co_await wait.async_wait(asio::use_awaitable);
  for (;;) {
    beast::flat_buffer buffer;
    auto [ec, n] = co_await client.async_read(buffer, kUseTuple);
    EXPECT_FALSE(ec) << ec.message();
    if (ec) {
      break;
    }
    c.messages.push_back(beast::buffers_to_string(buffer.data()));
    if (client.got_text()) {
      break;
    }
  }
}

TEST(WsSocketTest, ReadyFramesAndBeastFramesDoNotInterleave) {
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  ServerSide server;
  ClientSide client;
  asio::co_spawn(io, serve(server, acceptor, io), asio::detached);
  asio::co_spawn(io, read_all(client, acceptor.local_endpoint()), asio::detached);
  io.run_for(std::chrono::seconds(20));

  ASSERT_GE(server.frames_sent, 1U);
  EXPECT_TRUE(server.tail_done);
  EXPECT_FALSE(server.tail_ec);
  EXPECT_TRUE(server.ping_done);
  EXPECT_TRUE(server.write_done);
  ASSERT_EQ(client.messages.size(), server.frames_sent + 1);
  for (std::size_t i = 0; i < server.frames_sent; ++i) {
    EXPECT_EQ(client.messages[i], server.payloads[i]) << "frame " << i;
  }
  EXPECT_EQ(client.messages.back(), "after");
  EXPECT_EQ(client.ping_after, server.frames_sent);  // the ping came after every ready frame
}

}  // namespace

// -- inline sends from another thread -----------------------------------------------------------
//
// A second thread sends numbered frames with send_inline() while the strand writes Beast
// messages and pings and re-arms the gate whenever it is idle, as WsWriter does; frames the gate
// refuses (or takes only in part) are finished on the strand. The receiver, which starts late so
// that the kernel takes frames in part, must see every numbered frame whole and in order, and
// every Beast message whole.

namespace inline_send {

constexpr int kFrames = 3000;
constexpr int kBeastMessages = 200;
constexpr std::size_t kFrameSize = 3000;

std::string numbered(int n) {
  std::string s = std::to_string(n) + ":";
  s.resize(kFrameSize, static_cast<char>('a' + n % 26));
  return s;
}

// The header of an unmasked binary frame with FIN, 126 <= size <= 0xFFFF.
std::array<std::uint8_t, 4> header(std::size_t size) {
  return {0x82, 126, static_cast<std::uint8_t>(size >> 8), static_cast<std::uint8_t>(size)};
}

struct Strand {
  websocket::stream<WsSocket>* ws = nullptr;
  std::deque<std::string> pending;  // frames the gate refused, in the sender's order
  std::string tail;                 // a frame sent inline in part
  std::size_t tail_sent = 0;
  std::array<std::uint8_t, 4> head = header(kFrameSize);
  bool framing = false;     // a frame of ours is going out asynchronously
  bool beast_busy = false;  // one of our Beast writes is going out
  int beast_sent = 0;
  std::string beast_text;

  // A handler posted by the sender: first uncount it, then take the frame over.
  void take(std::string payload, std::size_t sent) {
    ws->next_layer().outside_post_ran();
    if (sent == 0) {
      pending.push_back(std::move(payload));
      pump();
      return;
    }
    // The rest of a partial inline send goes at once: Beast writes started meanwhile are parked
    // behind it, and nothing was pending (the gate was armed).
    EXPECT_TRUE(pending.empty());
    EXPECT_FALSE(framing);
    tail = std::move(payload);
    tail_sent = sent;
    framing = true;
    std::array<asio::const_buffer, 2> frame{asio::buffer(head), asio::buffer(tail)};
    beast::buffers_suffix<std::array<asio::const_buffer, 2>> rest(frame);
    rest.consume(sent);
    ws->next_layer().finish_inline_tail(rest, [this](beast::error_code ec) {
      EXPECT_FALSE(ec);
      framing = false;
      pump();
    });
  }

  void pump() {
    while (!framing && !pending.empty() && !ws->next_layer().busy()) {
      std::array<asio::const_buffer, 2> frame{asio::buffer(head), asio::buffer(pending.front())};
      framing = true;
      const bool whole = ws->next_layer().send_frames(frame, [this](beast::error_code ec) {
        EXPECT_FALSE(ec);
        framing = false;
        pending.pop_front();
        pump();
      });
      if (!whole) {
        return;
      }
      framing = false;
      pending.pop_front();
    }
    if (!framing && !beast_busy && beast_sent < kBeastMessages && beast_sent * 15 < inline_seen) {
      beast_busy = true;
      beast_text = "beast-" + std::to_string(beast_sent++);
      if (beast_sent % 10 == 0) {
        ws->async_ping({}, [](beast::error_code ec) { EXPECT_FALSE(ec); });
      }
      ws->text(true);
      ws->async_write(asio::buffer(beast_text), [this](beast::error_code ec, std::size_t) {
        EXPECT_FALSE(ec);
        beast_busy = false;
        pump();
      });
      return;
    }
    if (!framing && !beast_busy && pending.empty()) {
      ws->next_layer().arm_inline();
    }
  }
  std::atomic<int> inline_seen{0};  // frames the sender has handled so far
};

TEST(WsSocketTest, InlineSendsFromAnotherThreadKeepOrderAndFrames) {
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  auto strand = asio::make_strand(io);
  std::unique_ptr<websocket::stream<WsSocket>> ws;
  Strand side;
  std::atomic<bool> open{false};
  std::vector<std::string> received;
  int beast_received = 0;

  asio::co_spawn(
      strand,
      [&]() -> asio::awaitable<void> {
        auto [aec, accepted] = co_await acceptor.async_accept(kUseTuple);
        EXPECT_FALSE(aec);
        SessionSocket socket(strand);
        socket.assign(tcp::v4(), accepted.release());
        socket.set_option(asio::socket_base::send_buffer_size(4096));
        ws = std::make_unique<websocket::stream<WsSocket>>(WsSocket(std::move(socket)));
        auto [hec] = co_await ws->async_accept(kUseTuple);
        EXPECT_FALSE(hec);
        side.ws = ws.get();
        side.pump();
        open = true;
      },
      asio::detached);

  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        auto ex = co_await asio::this_coro::executor;
        websocket::stream<tcp::socket> client(ex);
        client.next_layer().open(tcp::v4());
        client.next_layer().set_option(asio::socket_base::receive_buffer_size(4096));
        co_await client.next_layer().async_connect(acceptor.local_endpoint(), asio::use_awaitable);
        co_await client.async_handshake("127.0.0.1", "/", asio::use_awaitable);
        while (static_cast<int>(received.size()) < kFrames || beast_received < kBeastMessages) {
          beast::flat_buffer buffer;
          auto [ec, n] = co_await client.async_read(buffer, kUseTuple);
          EXPECT_FALSE(ec) << ec.message();
          if (ec) {
            break;
          }
          auto text = beast::buffers_to_string(buffer.data());
          if (received.size() % 50 == 49) {
            // A slow reader now and then: full socket buffers, partial and refused sends.
            asio::steady_timer pause(ex, std::chrono::milliseconds(2));
            co_await pause.async_wait(asio::use_awaitable);
          }
          if (client.got_text()) {
            EXPECT_EQ(text, "beast-" + std::to_string(beast_received));
            ++beast_received;
          } else {
            received.push_back(std::move(text));
          }
        }
      },
      asio::detached);

  std::thread io_thread([&] { io.run_for(std::chrono::seconds(30)); });
  while (!open) {
    std::this_thread::yield();
  }
  int inline_sent = 0;
  int partial = 0;
  for (int n = 0; n < kFrames; ++n) {
    auto payload = numbered(n);
    const auto head = header(payload.size());
    std::size_t sent = 0;
    const auto result =
        ws->next_layer().send_inline(asio::buffer(head), asio::buffer(payload), sent);
    side.inline_seen = n + 1;
    // Give the strand and the reader time, so that sends are whole, partial and refused.
    std::this_thread::sleep_for(std::chrono::microseconds(100));
    if (result == WsSocket::Inline::sent) {
      ++inline_sent;
      if (n % 64 == 0) {
        // Now and then let the strand in (a Beast write, a re-arm).
        asio::post(strand, [&side] { side.pump(); });
      }
      continue;
    }
    partial += result == WsSocket::Inline::partial ? 1 : 0;
    asio::post(strand, [&side, payload = std::move(payload), sent]() mutable {
      side.take(std::move(payload), sent);
    });
  }
  // Whatever the strand still owes (Beast messages paced on the sender).
  asio::post(strand, [&side] { side.pump(); });
  io_thread.join();

  EXPECT_GT(inline_sent, 0);
  EXPECT_LT(inline_sent, kFrames);  // some went through the strand
  std::printf("inline sends: %d whole, %d partial, %d refused\n", inline_sent, partial,
              kFrames - inline_sent - partial);
  EXPECT_EQ(beast_received, kBeastMessages);
  ASSERT_EQ(static_cast<int>(received.size()), kFrames);
  for (int n = 0; n < kFrames; ++n) {
    ASSERT_EQ(received[n], numbered(n)) << "frame " << n;
  }
}

}  // namespace inline_send
