// A WebSocket connection to an actor (`/connect`): handshake and Init, then one reader and one
// writer coroutine on the connection's strand. Actions wait for their response by id; events go
// to the handler of their name. Both coroutines are tracked: close() returns once they ended.

#include "client/client_state.hpp"
#include "client/target.hpp"
#include "client/ws_common.hpp"

#include <rivet/protocol/messages.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <deque>
#include <map>

namespace rivet::client {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

namespace {

struct Pending {
  explicit Pending(const Strand& strand) : done(strand) {}
  std::optional<Result<Value>> result;
  Wakeup done;
};

class ConnectionImpl final : public Connection,
                             public std::enable_shared_from_this<ConnectionImpl> {
 public:
  ConnectionImpl(std::shared_ptr<const ClientState> client, Strand strand,
                 beast::tcp_stream stream)
      : client_(std::move(client)),
        strand_(std::move(strand)),
        ws_(std::move(stream)),
        tasks_done_(strand_) {}

  const std::string& actor_id() const noexcept override { return actor_id_; }
  const std::string& connection_id() const noexcept override { return connection_id_; }

  // Strand: handshake, Init, then the reader and writer start.
  Awaitable<Result<void>> open(std::string target, std::vector<std::string> protocols) {
    const auto enc = client_->encoding();
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = client_->options().timeout;
    timeouts.idle_timeout = websocket::stream_base::none();
    timeouts.keep_alive_pings = false;
    ws_.set_option(timeouts);
    ws_.set_option(websocket::stream_base::decorator(
        [offered = join_protocols(protocols)](websocket::request_type& req) {
          req.set(beast::http::field::sec_websocket_protocol, offered);
        }));
    ws_.text(enc == protocol::Encoding::Json);
    beast::get_lowest_layer(ws_).expires_after(client_->options().timeout);
    const auto host = client_->host() + ":" + client_->port();
    auto [hec] = co_await ws_.async_handshake(host, target, kUseTuple);
    if (hec) {
      co_return transport_error(hec == beast::error::timeout ? "timed_out" : "connection_failed",
                                "WebSocket handshake failed: " + hec.message());
    }
    beast::flat_buffer buffer;
    auto [rec, n] = co_await ws_.async_read(buffer, kUseTuple);
    beast::get_lowest_layer(ws_).expires_never();
    if (rec) {
      if (rec == websocket::error::closed) {
        co_return close_error(ws_.reason());
      }
      co_return transport_error("connection_failed", "No Init from the server: " + rec.message());
    }
    auto message = decode(buffer);
    if (!message) {
      co_return message.error();
    }
    if (auto* error = std::get_if<protocol::ErrorMessage>(&*message)) {
      co_return to_error(std::move(*error));
    }
    auto* init = std::get_if<protocol::Init>(&*message);
    if (init == nullptr) {
      co_return transport_error("invalid_response", "The first message was not Init");
    }
    actor_id_ = std::move(init->actor_id);
    connection_id_ = std::move(init->connection_id);
    open_ = true;
    start(read_loop(shared_from_this()));
    co_return Result<void>{};
  }

  Awaitable<Result<Value>> action(std::string name, Value args) override {
    if (!args.is_array()) {
      co_return make_error("client", "invalid_argument", "Action arguments must be an array");
    }
    co_return co_await asio::co_spawn(
        strand_, action_on_strand(shared_from_this(), std::move(name), std::move(args)),
        asio::use_awaitable);
  }

  Awaitable<Result<void>> on(std::string event,
                             std::function<void(const Value&)> handler) override {
    co_return co_await asio::co_spawn(
        strand_, subscribe_on_strand(shared_from_this(), std::move(event), std::move(handler)),
        asio::use_awaitable);
  }

  Awaitable<Result<void>> off(std::string event) override {
    co_return co_await asio::co_spawn(
        strand_, subscribe_on_strand(shared_from_this(), std::move(event), nullptr),
        asio::use_awaitable);
  }

  void on_closed(std::function<void(const Error&)> handler) override {
    asio::dispatch(strand_, [self = shared_from_this(), handler = std::move(handler)]() mutable {
      if (self->ended_ && !self->closing_) {
        handler(self->end_error_);  // already ended: tell at once
        return;
      }
      self->on_closed_ = std::move(handler);
    });
  }

  Awaitable<void> close() override {
    co_await asio::co_spawn(strand_, close_on_strand(shared_from_this()), asio::use_awaitable);
  }

 private:
  Result<protocol::ToClient> decode(const beast::flat_buffer& buffer) const {
    const auto data = buffer.data();
    auto decoded = protocol::decode_to_client(
        protocol::ByteView(static_cast<const std::uint8_t*>(data.data()), data.size()),
        client_->encoding());
    if (!decoded) {
      return transport_error("invalid_response", decoded.error().message);
    }
    return decoded;
  }

  static Error to_error(protocol::ErrorMessage e) {
    return make_error(std::move(e.group), std::move(e.code), std::move(e.message),
                      e.metadata ? std::move(*e.metadata) : Value(nullptr));
  }

  // Runs a tracked coroutine on the strand; close() waits for every one.
  void start(Awaitable<void> task) {
    ++running_;
    asio::co_spawn(strand_, std::move(task), [self = shared_from_this()](std::exception_ptr) {
      if (--self->running_ == 0) {
        self->tasks_done_.set();
      }
    });
  }

  void enqueue(Bytes frame) {
    outbox_.push_back(std::move(frame));
    if (!writing_) {
      writing_ = true;
      start(write_loop(shared_from_this()));
    }
  }

  static Awaitable<void> write_loop(std::shared_ptr<ConnectionImpl> self) {
    while (!self->outbox_.empty() && !self->ended_) {
      auto frame = std::move(self->outbox_.front());
      self->outbox_.pop_front();
      auto [ec, n] = co_await self->ws_.async_write(asio::buffer(frame), kUseTuple);
      if (ec) {
        self->end(transport_error("connection_closed", "Write failed: " + ec.message()));
        break;
      }
    }
    self->writing_ = false;
  }

  static Awaitable<void> read_loop(std::shared_ptr<ConnectionImpl> self) {
    beast::flat_buffer buffer;
    for (;;) {
      buffer.clear();
      auto [ec, n] = co_await self->ws_.async_read(buffer, kUseTuple);
      if (ec) {
        if (ec == websocket::error::closed) {
          self->end(close_error(self->ws_.reason()));
        } else {
          self->end(transport_error("connection_closed", "Read failed: " + ec.message()));
        }
        co_return;
      }
      auto message = self->decode(buffer);
      if (!message) {
        self->end(message.error());
        co_await self->shut(websocket::close_code::protocol_error);
        co_return;
      }
      if (auto* response = std::get_if<protocol::ActionResponse>(&*message)) {
        self->complete(response->id, std::move(response->output));
      } else if (auto* error = std::get_if<protocol::ErrorMessage>(&*message)) {
        if (error->action_id) {
          const auto id = *error->action_id;
          self->complete(id, to_error(std::move(*error)));
        } else {
          // A connection-level error; the server closes right after it.
          self->end(to_error(std::move(*error)));
        }
      } else if (auto* event = std::get_if<protocol::Event>(&*message)) {
        auto it = self->handlers_.find(event->name);
        if (it != self->handlers_.end() && it->second) {
          bool threw = false;
          try {
            it->second(unescape_list(std::move(event->args)));
          } catch (...) {
            threw = true;
          }
          if (threw) {
            self->end(make_error("client", "handler_failed",
                                 "The handler of event '" + event->name + "' threw"));
            co_await self->shut(websocket::close_code::normal);
            co_return;
          }
        }
      }
    }
  }

  static Awaitable<Result<Value>> action_on_strand(std::shared_ptr<ConnectionImpl> self,
                                                   std::string name, Value args) {
    if (self->ended_) {
      co_return self->end_error_;
    }
    const auto id = self->next_action_id_++;
    auto pending = std::make_shared<Pending>(self->strand_);
    self->pending_.emplace(id, pending);
    self->enqueue(protocol::encode_to_server(
        protocol::ActionRequest{id, std::move(name), escape_list(std::move(args))},
        self->client_->encoding()));
    co_await pending->done.wait();
    co_return std::move(*pending->result);
  }

  static Awaitable<Result<void>> subscribe_on_strand(std::shared_ptr<ConnectionImpl> self,
                                                     std::string event,
                                                     std::function<void(const Value&)> handler) {
    if (self->ended_) {
      co_return self->end_error_;
    }
    const bool subscribe = handler != nullptr;
    if (subscribe) {
      self->handlers_[event] = std::move(handler);
    } else {
      self->handlers_.erase(event);
    }
    self->enqueue(protocol::encode_to_server(
        protocol::SubscriptionRequest{std::move(event), subscribe}, self->client_->encoding()));
    co_return Result<void>{};
  }

  static Awaitable<void> close_on_strand(std::shared_ptr<ConnectionImpl> self) {
    if (!self->closing_) {
      self->closing_ = true;
      self->end(transport_error("connection_closed", "The connection was closed"));
      co_await self->shut(websocket::close_code::normal);
    }
    if (self->running_ > 0) {
      co_await self->tasks_done_.wait();
    }
  }

  // Sends a close frame once (the reader then ends with `closed`); cuts the socket if that fails.
  Awaitable<void> shut(websocket::close_code code) {
    if (shut_ || !open_) {
      co_return;
    }
    shut_ = true;
    beast::get_lowest_layer(ws_).expires_after(std::chrono::seconds(5));
    auto [ec] = co_await ws_.async_close(code, kUseTuple);
    if (ec) {
      beast::get_lowest_layer(ws_).close();
    }
  }

  void complete(std::uint64_t id, Result<Value> result) {
    auto it = pending_.find(id);
    if (it == pending_.end()) {
      return;
    }
    it->second->result = std::move(result);
    it->second->done.set();
    pending_.erase(it);
  }

  // The connection is over: pending actions fail with `error`, on_closed hears it once.
  void end(Error error) {
    if (ended_) {
      return;
    }
    ended_ = true;
    end_error_ = error;
    auto pending = std::move(pending_);
    pending_.clear();
    for (auto& [id, p] : pending) {
      p->result = error;
      p->done.set();
    }
    outbox_.clear();
    if (!closing_ && on_closed_) {
      auto handler = std::move(on_closed_);
      handler(error);
    }
  }

  std::shared_ptr<const ClientState> client_;
  Strand strand_;
  websocket::stream<beast::tcp_stream> ws_;
  std::string actor_id_;
  std::string connection_id_;
  std::uint64_t next_action_id_ = 0;
  std::map<std::uint64_t, std::shared_ptr<Pending>> pending_;
  std::map<std::string, std::function<void(const Value&)>, std::less<>> handlers_;
  std::deque<Bytes> outbox_;
  bool writing_ = false;
  bool open_ = false;
  bool shut_ = false;
  bool closing_ = false;  // close() was called
  bool ended_ = false;
  Error end_error_;
  std::function<void(const Error&)> on_closed_;
  int running_ = 0;
  Wakeup tasks_done_;
};

Awaitable<Result<std::shared_ptr<Connection>>> open_on_strand(
    std::shared_ptr<ConnectionImpl> conn, std::string target, std::vector<std::string> protocols) {
  auto opened = co_await conn->open(std::move(target), std::move(protocols));
  if (!opened) {
    co_return opened.error();
  }
  co_return std::shared_ptr<Connection>(std::move(conn));
}

}  // namespace

Awaitable<Result<std::shared_ptr<Connection>>> ActorHandle::connect() const {
  auto stream = co_await client_->open_stream();
  if (!stream) {
    co_return stream.error();
  }
  std::vector<std::string> protocols{
      "rivet", "rivet_encoding." + std::string(protocol::encoding_name(client_->encoding()))};
  if (target_->params) {
    protocols.push_back("rivet_conn_params." + encode_component(target_->params->dump()));
  }
  auto strand = asio::make_strand(client_->executor());
  auto conn = std::make_shared<ConnectionImpl>(client_, strand, std::move(**stream));
  co_return co_await asio::co_spawn(
      strand,
      open_on_strand(std::move(conn), client_->base_path() + target_path(*client_, *target_, "/connect"),
                     std::move(protocols)),
      asio::use_awaitable);
}

}  // namespace rivet::client
