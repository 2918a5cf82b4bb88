#pragma once
// A WebSocket client for the actor connection protocol (spec §6): the upgrade with subprotocols
// `rivet, rivet_encoding.bare`, then RFC 6455 framing done here rather than by Beast, so that the
// frames queued while handling one read leave in a single send() (a load generator that pays one
// syscall per message would measure itself on this 2-core machine). Client frames are masked;
// pings are answered; fragmented server messages are reassembled.
//
// Single-threaded: use from the io_context's one thread.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace rivet::load {

class WsConn : public std::enable_shared_from_this<WsConn> {
 public:
  /// err empty on success; then actor_id/connection_id come from Init.
  using OpenCb = std::function<void(const std::string& err, const std::string& actor_id)>;
  using MessageCb = std::function<void(std::span<const std::uint8_t>)>;
  using ClosedCb = std::function<void(const std::string& why)>;

  explicit WsConn(boost::asio::io_context& io);

  /// TCP connect (optionally from `bind_ip`), upgrade on `path`, wait for Init.
  void open(const boost::asio::ip::tcp::endpoint& ep, const std::string& path, OpenCb cb,
            const std::string& bind_ip = "");
  /// Queues one binary message; frames queued during a read's dispatch leave together.
  void send(std::span<const std::uint8_t> payload);
  /// Sends a close frame (1000) and closes the socket once the peer answers (or at once on error).
  void close();
  /// Closes the socket now.
  void abort();

  MessageCb on_message;
  ClosedCb on_closed;

  [[nodiscard]] bool is_open() const { return state_ == State::Open; }
  [[nodiscard]] const std::string& actor_id() const { return actor_id_; }

  // Free for the workload: per-connection bookkeeping.
  std::uint64_t next_id = 0;
  std::uint32_t inflight = 0;
  std::uint64_t done = 0;
  std::size_t tag = 0;

 private:
  enum class State { Idle, Connecting, Handshake, WaitInit, Open, Closing, Closed };

  void read_more();
  void on_read(std::size_t n);
  bool parse_handshake();
  void parse_frames();
  void handle_message(std::span<const std::uint8_t> msg);
  void append_frame(std::uint8_t opcode, std::span<const std::uint8_t> payload);
  void flush();
  void fail(const std::string& why);

  boost::asio::ip::tcp::socket sock_;
  State state_ = State::Idle;
  std::string path_;
  std::string host_;
  OpenCb open_cb_;
  std::string actor_id_;

  std::vector<std::uint8_t> rbuf_;
  std::size_t rbeg_ = 0;
  std::size_t rend_ = 0;
  std::vector<std::uint8_t> fragments_;
  bool in_fragment_ = false;

  std::vector<std::uint8_t> out_;
  std::vector<std::uint8_t> writing_;
  bool write_in_flight_ = false;
  bool dispatching_ = false;
  bool close_after_flush_ = false;
  std::uint32_t mask_state_;
};

}  // namespace rivet::load
