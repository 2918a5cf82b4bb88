// The engine socket. Everything below runs on one strand: the reader, the writer, the reconnect
// loop and the bookkeeping (ledger.hpp), so none of it needs a lock. Public methods post there.

#include "server/envoy/engine_link.hpp"

#include "server/envoy/ledger.hpp"

#include <rivet/common/error_codes.hpp>
#include <rivet/common/event.hpp>
#include <rivet/protocol/envoy.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <deque>
#include <map>
#include <optional>

namespace rivet::server::envoy {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;
using Ws = websocket::stream<beast::tcp_stream>;
constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

constexpr auto kMinBackoff = std::chrono::milliseconds(250);
constexpr auto kMaxBackoff = std::chrono::seconds(5);
constexpr auto kHandshakeTimeout = std::chrono::seconds(10);
// Frames waiting for the writer; beyond it the link is wedged and the socket is dropped (the
// engine replays commands, and events and KV requests are kept outside this queue).
constexpr std::size_t kMaxOutgoing = 65536;
// The engine's envoy_lost_threshold until the first Init says otherwise (engine 2.3.19's default).
constexpr std::int64_t kDefaultLostThresholdMs = 15000;
// Exit status when the link stayed down too long (see give_up_if_cut_off).
constexpr int kExitLinkLost = 3;

Error link_error(std::string message) {
  return make_error(codes::kStorageFailure, std::move(message));
}

class Link final : public EngineLink, public std::enable_shared_from_this<Link> {
 public:
  Link(asio::any_io_executor executor, EngineConfig config, wire::ToRivetMetadata metadata,
       Handler& handler, Logger logger)
      : strand_(asio::make_strand(executor)),
        config_(std::move(config)),
        metadata_(std::move(metadata)),
        handler_(handler),
        logger_(std::move(logger)),
        wake_writer_(strand_),
        backoff_timer_(strand_) {
    wake_writer_.expires_at(std::chrono::steady_clock::time_point::max());
  }

  void start() override {
    auto address = parse_engine_endpoint(config_.endpoint);
    if (!address) {
      first_result_ = address.error();
      connected_once_.set();
      return;
    }
    address_ = std::move(*address);
    asio::co_spawn(strand_, run(shared_from_this()),
                   [self = shared_from_this()](auto) { self->finished_.set(); });
  }

  Task<Result<void>> wait_connected() override {
    co_await connected_once_.wait();
    co_return first_result_;
  }

  void send_event(std::string actor_id, std::uint32_t generation, wire::Event event) override {
    asio::post(strand_, [self = shared_from_this(), actor_id = std::move(actor_id), generation,
                         event = std::move(event)]() mutable {
      auto wrapped = self->events_.append(actor_id, generation, std::move(event));
      if (self->logger_.enabled(LogLevel::Debug)) {
        const auto gen = std::to_string(generation);
        const auto index = std::to_string(wrapped.checkpoint.index);
        const auto kind = std::to_string(wrapped.inner.index());
        self->logger_.debug(
            "engine: event",
            {{"actor_id", actor_id}, {"generation", gen}, {"index", index}, {"kind", kind}});
      }
      if (self->ready_) {
        self->enqueue(wire::ToRivetEvents{{std::move(wrapped)}});
      }
    });
  }

  void send_tunnel(wire::ToRivetTunnelMessage message) override {
    asio::post(strand_, [self = shared_from_this(), message = std::move(message)]() mutable {
      if (self->ready_) {
        self->enqueue(std::move(message));
      }
    });
  }

  void send_stopping() override {
    asio::post(strand_, [self = shared_from_this()] {
      if (self->ready_) {
        self->enqueue(wire::ToRivetStopping{});
      }
    });
  }

  void kv(std::string actor_id, wire::KvRequestData request, KvCallback done) override {
    asio::post(strand_, [self = shared_from_this(), actor_id = std::move(actor_id),
                         request = std::move(request), done = std::move(done)]() mutable {
      if (self->stopping_) {
        done(link_error("the engine link is stopped"));
        return;
      }
      const auto id = self->next_kv_id_++;
      auto& pending = self->kv_pending_[id];
      pending = PendingKv{std::move(actor_id), std::move(request), std::move(done)};
      if (self->ready_) {
        self->enqueue(wire::ToRivetKvRequest{pending.actor_id, id, pending.request});
      }
    });
  }

  Task<void> stop() override {
    co_await asio::co_spawn(strand_, stop_on_strand(shared_from_this()), asio::use_awaitable);
    co_await finished_.wait();
  }

 private:
  struct PendingKv {
    std::string actor_id;
    wire::KvRequestData request;
    KvCallback done;
  };

  static Task<void> stop_on_strand(std::shared_ptr<Link> self) {
    self->stopping_ = true;
    self->backoff_timer_.cancel();
    if (self->ws_) {
      websocket::close_reason reason(websocket::close_code::normal, "envoy.shutdown");
      beast::get_lowest_layer(*self->ws_).expires_after(std::chrono::seconds(2));
      auto ws = self->ws_;
      (void)co_await ws->async_close(reason, kUseTuple);
      beast::get_lowest_layer(*ws).close();
    }
    self->wake_writer_.cancel();
    auto pending = std::move(self->kv_pending_);
    self->kv_pending_.clear();
    for (auto& [id, p] : pending) {
      p.done(link_error("the engine link stopped before the engine answered"));
    }
    if (!self->connected_once_.is_set()) {
      self->first_result_ = link_error("stopped before the engine answered");
      self->connected_once_.set();
    }
  }

  // -- connection loop ----------------------------------------------------------------------

  static Task<void> run(std::shared_ptr<Link> self) {
    auto backoff = std::chrono::milliseconds(kMinBackoff);
    while (!self->stopping_) {
      auto connected = co_await self->connect();
      if (connected) {
        self->logger_.info("engine connected", {{"endpoint", self->config_.endpoint}});
        auto ended = co_await (self->read_loop() || self->write_loop());
        (void)ended;
        backoff = kMinBackoff;
      }
      self->drop_socket();
      if (self->stopping_) {
        break;
      }
      if (!connected) {
        self->logger_.warn("engine connection failed", {{"error", connected.error().message}});
        if (!self->connected_once_.is_set() && self->refused_) {
          // The engine answered and said no (no such pool, bad token): retrying will not help.
          self->first_result_ = connected.error();
          self->connected_once_.set();
        }
      } else {
        self->logger_.warn("engine connection lost; reconnecting", {});
        if (!self->lost_at_) {
          self->lost_at_ = std::chrono::steady_clock::now();
        }
      }
      self->give_up_if_cut_off();
      self->backoff_timer_.expires_after(backoff);
      (void)co_await self->backoff_timer_.async_wait(kUseTuple);
      backoff = std::min<std::chrono::milliseconds>(backoff * 2, kMaxBackoff);
    }
  }

  Task<Result<void>> connect() {
    refused_ = false;
    tcp::resolver resolver(strand_);
    auto [rec, endpoints] =
        co_await resolver.async_resolve(address_.host, address_.port, kUseTuple);
    if (rec) {
      co_return link_error("cannot resolve " + address_.host + ": " + rec.message());
    }
    auto ws = std::make_shared<Ws>(strand_);
    beast::get_lowest_layer(*ws).expires_after(kHandshakeTimeout);
    auto [cec, ep] = co_await beast::get_lowest_layer(*ws).async_connect(endpoints, kUseTuple);
    if (cec) {
      co_return link_error("cannot connect to " + config_.endpoint + ": " + cec.message());
    }
    // Small frames (acks, replies) must not wait for a delayed ACK (spec §4).
    boost::system::error_code ignored;
    beast::get_lowest_layer(*ws).socket().set_option(tcp::no_delay(true), ignored);
    std::string protocols = "rivet";
    if (!config_.token.empty()) {
      protocols += ", rivet_token." + config_.token;
    }
    ws->set_option(websocket::stream_base::decorator([protocols](websocket::request_type& req) {
      req.set(beast::http::field::sec_websocket_protocol, protocols);
    }));
    ws->binary(true);
    const auto host = address_.host + ":" + address_.port;
    const auto target = envoy_connect_target(config_);
    auto [hec] = co_await ws->async_handshake(host, target, kUseTuple);
    if (hec) {
      co_return link_error("envoy handshake with " + config_.endpoint +
                           " failed: " + hec.message());
    }
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = kHandshakeTimeout;
    timeouts.idle_timeout = websocket::stream_base::none();  // the engine pings every 3 s
    timeouts.keep_alive_pings = false;
    beast::get_lowest_layer(*ws).expires_never();
    ws->set_option(timeouts);
    ws->read_message_max(std::size_t{32} << 20U);
    auto hello = protocol::envoy::encode_to_rivet(wire::ToRivet{metadata_});
    auto [wec, wn] = co_await ws->async_write(asio::buffer(hello), kUseTuple);
    if (wec) {
      co_return link_error("sending metadata failed: " + wec.message());
    }
    // Init decides: a refusal (no pool, bad token, bad version) is a close frame instead.
    beast::flat_buffer buffer;
    auto [iec, in] = co_await ws->async_read(buffer, kUseTuple);
    if (iec) {
      const auto& reason = ws->reason();
      if (reason.code != websocket::close_code::none) {
        refused_ = true;
        co_return link_error("the engine closed the envoy socket: " +
                             std::string(reason.reason.c_str()));
      }
      co_return link_error("no Init from the engine: " + iec.message());
    }
    auto first = protocol::envoy::decode_to_envoy(
        protocol::ByteView(static_cast<const std::uint8_t*>(buffer.data().data()), buffer.size()));
    if (!first || !std::holds_alternative<wire::ToEnvoyInit>(*first)) {
      co_return link_error("the engine's first message was not Init");
    }
    ws_ = std::move(ws);
    on_init(std::get<wire::ToEnvoyInit>(*first));
    co_return Result<void>{};
  }

  // After each Init: what the engine has not acknowledged or answered goes out again (§4).
  void on_init(const wire::ToEnvoyInit& init) {
    give_up_if_cut_off();  // before anything from the old connection goes out again
    lost_at_.reset();
    init_ = init.metadata;
    ready_ = true;
    auto events = events_.unacked();
    if (!events.empty()) {
      enqueue(wire::ToRivetEvents{std::move(events)});
    }
    for (const auto& [id, p] : kv_pending_) {
      enqueue(wire::ToRivetKvRequest{p.actor_id, id, p.request});
    }
    if (!connected_once_.is_set()) {
      first_result_ = Result<void>{};
      connected_once_.set();
    }
  }

  // Once the engine has not heard from us for its lost threshold, it starts our actors on other
  // envoys, while ours still hold them in memory with writes queued. Those writes, sent after a
  // reconnect, would overwrite what the new copies acknowledged meanwhile (the engine accepts any
  // envoy's KV requests for an actor of the namespace). The engine counts from our last ping it
  // recorded, which can be seconds older than the drop: past half the threshold we stop at once,
  // without a word to the engine, and a supervisor starts us again with nothing stale.
  void give_up_if_cut_off() {
    if (!lost_at_) {
      return;
    }
    const auto threshold =
        init_.envoy_lost_threshold > 0 ? init_.envoy_lost_threshold : kDefaultLostThresholdMs;
    const auto down = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now() - *lost_at_)
                          .count();
    if (down <= threshold / 2) {
      return;
    }
    logger_.error(
        "engine link down longer than half the engine's lost threshold; the engine may "
        "have moved our actors, so this process exits without writing anything more",
        {{"down_ms", std::to_string(down)}, {"lost_threshold_ms", std::to_string(threshold)}});
    std::_Exit(kExitLinkLost);
  }

  void drop_socket() {
    ready_ = false;
    outgoing_.clear();
    if (ws_) {
      boost::system::error_code ignored;
      beast::get_lowest_layer(*ws_).socket().close(ignored);
      ws_.reset();
    }
  }

  // The engine writes a streamed request's start and its first body chunk as two small frames,
  // and its socket delays the second until the first is acknowledged (Nagle). Our kernel would
  // hold that ACK for its delayed-ACK timer (40 ms) while nothing goes back, and every request
  // through gateway v3 would wait that long. Linux leaves quick-ACK mode on its own, so it is
  // asked again after each read; setting it also sends an ACK that is pending.
  static void ack_now(Ws& ws) {
#ifdef TCP_QUICKACK
    const int on = 1;
    ::setsockopt(beast::get_lowest_layer(ws).socket().native_handle(), IPPROTO_TCP, TCP_QUICKACK,
                 &on, sizeof on);
#endif
  }

  Task<void> read_loop() {
    auto ws = ws_;
    beast::flat_buffer buffer;
    for (;;) {
      buffer.clear();
      auto [ec, n] = co_await ws->async_read(buffer, kUseTuple);
      if (ec) {
        if (!stopping_ && ws->reason().code != websocket::close_code::none) {
          logger_.warn("engine closed the envoy socket",
                       {{"reason", std::string(ws->reason().reason.c_str())}});
        }
        co_return;
      }
      ack_now(*ws);
      auto message = protocol::envoy::decode_to_envoy(protocol::ByteView(
          static_cast<const std::uint8_t*>(buffer.data().data()), buffer.size()));
      if (!message) {
        logger_.error("undecodable message from the engine", {{"error", message.error().message}});
        co_return;
      }
      dispatch(std::move(*message));
    }
  }

  Task<void> write_loop() {
    auto ws = ws_;
    for (;;) {
      while (!outgoing_.empty()) {
        auto frame = std::move(outgoing_.front());
        outgoing_.pop_front();
        auto [ec, n] = co_await ws->async_write(asio::buffer(frame), kUseTuple);
        if (ec) {
          co_return;
        }
      }
      if (stopping_) {
        co_return;
      }
      (void)co_await wake_writer_.async_wait(kUseTuple);
    }
  }

  void enqueue(const wire::ToRivet& message) {
    if (outgoing_.size() >= kMaxOutgoing) {
      logger_.error("engine link backlog full; reconnecting", {});
      drop_socket();
      return;
    }
    outgoing_.push_back(protocol::envoy::encode_to_rivet(message));
    wake_writer_.cancel_one();
  }

  void dispatch(wire::ToEnvoy message) {
    std::visit(
        [this](auto& m) {
          using M = std::decay_t<decltype(m)>;
          if constexpr (std::is_same_v<M, wire::ToEnvoyPing>) {
            enqueue(wire::ToRivetPong{m.ts});
          } else if constexpr (std::is_same_v<M, wire::ToEnvoyCommands>) {
            on_commands(std::move(m));
          } else if constexpr (std::is_same_v<M, wire::ToEnvoyAckEvents>) {
            events_.ack(m.last_event_checkpoints);
          } else if constexpr (std::is_same_v<M, wire::ToEnvoyKvResponse>) {
            on_kv_response(std::move(m));
          } else if constexpr (std::is_same_v<M, wire::ToEnvoyTunnelMessage>) {
            handler_.on_tunnel(std::move(m));
          } else if constexpr (std::is_same_v<M, wire::ToEnvoyInit>) {
            on_init(m);
          }
          // SQLite responses: we send no SQLite requests.
        },
        message);
  }

  void on_commands(wire::ToEnvoyCommands commands) {
    for (auto& command : commands.commands) {
      if (ledger_.accept(command.checkpoint)) {
        handler_.on_command(std::move(command));
      }
    }
    // Acked at receipt, as RivetKit does: the command's outcome travels as events.
    auto acks = ledger_.take_acks();
    if (!acks.empty()) {
      enqueue(wire::ToRivetAckCommands{std::move(acks)});
    }
  }

  void on_kv_response(wire::ToEnvoyKvResponse response) {
    auto it = kv_pending_.find(response.request_id);
    if (it == kv_pending_.end()) {
      return;  // answered before a reconnect, then again after it
    }
    auto done = std::move(it->second.done);
    kv_pending_.erase(it);
    if (auto* error = std::get_if<wire::KvErrorResponse>(&response.data)) {
      done(link_error("engine KV error: " + error->message));
      return;
    }
    done(std::move(response.data));
  }

  asio::strand<asio::any_io_executor> strand_;
  EngineConfig config_;
  EngineAddress address_;
  wire::ToRivetMetadata metadata_;
  Handler& handler_;
  Logger logger_;
  std::shared_ptr<Ws> ws_;
  std::deque<Bytes> outgoing_;
  asio::steady_timer wake_writer_;
  asio::steady_timer backoff_timer_;
  bool ready_ = false;
  bool refused_ = false;
  bool stopping_ = false;
  wire::ProtocolMetadata init_;
  // When the socket of an established connection dropped; reset by the next Init.
  std::optional<std::chrono::steady_clock::time_point> lost_at_;
  CommandLedger ledger_;
  EventLog events_;
  std::uint32_t next_kv_id_ = 0;
  std::map<std::uint32_t, PendingKv> kv_pending_;
  Event connected_once_;
  Result<void> first_result_;
  Event finished_;
};

}  // namespace

std::shared_ptr<EngineLink> EngineLink::create(boost::asio::any_io_executor executor,
                                               EngineConfig config, wire::ToRivetMetadata metadata,
                                               Handler& handler, Logger logger) {
  return std::make_shared<Link>(std::move(executor), std::move(config), std::move(metadata),
                                handler, std::move(logger));
}

}  // namespace rivet::server::envoy
