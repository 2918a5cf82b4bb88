// A WebSocket connection to an actor (`/connect`): handshake and Init, then one reader and one
// writer coroutine on the connection's strand. Actions wait for their response by id; events go
// to the handler of their name. When the socket drops, a reconnect loop opens a new one (same
// target and params), renews every subscription and lets waiting actions through. Every
// coroutine is tracked: close() returns once all of them ended.

#include "client/client_state.hpp"
#include "client/target.hpp"
#include "client/ws_common.hpp"

#include <rivet/protocol/messages.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <algorithm>
#include <deque>
#include <map>
#include <mutex>

namespace rivet::client {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

namespace {

using Ws = websocket::stream<beast::tcp_stream>;

struct Pending {
  explicit Pending(const Strand& strand) : done(strand) {}
  std::optional<Result<Value>> result;
  Wakeup done;
};

// Errors after which a new attempt can succeed: the transport, and the server's lifecycle and
// "actor not there yet" answers (as the official client classifies them).
// `by_key`: the target is resolved by key, so an actor missing now may be there (again) soon.
bool worth_retrying(const Error& e, bool by_key) {
  if (e.is(codes::kClientConnectionFailed) || e.is(codes::kClientConnectionClosed) ||
      e.is(codes::kClientTimedOut) || e.is(codes::kWsGoingAway)) {
    return true;
  }
  // `actor.destroyed_*` is a family of upstream codes; the prefix is the contract, not each code.
  if (e.is(codes::kActorNotFound) ||
      (e.group == codes::kActorGroup && e.code.starts_with("destroyed_"))) {
    return by_key;
  }
  return e.is(codes::kActorRestarting) || e.is(codes::kActorStopped) ||
         e.is(codes::kActorStarting) || e.is(codes::kActorStopping) ||
         e.is(codes::kActorDroppedReply) || e.is(codes::kGuardServiceUnavailable) ||
         e.is(codes::kGuardActorWakeRetriesExceeded) ||
         e.is(codes::kGuardActorStoppedWhileWaiting) || e.is(codes::kGuardActorReadyTimeout) ||
         e.is(codes::kGuardGatewayResponseStartTimeout);
}

class ConnectionImpl final : public Connection,
                             public std::enable_shared_from_this<ConnectionImpl> {
 public:
  ConnectionImpl(std::shared_ptr<const ClientState> client, Strand strand, ConnectOptions options,
                 bool by_key, std::string target, std::vector<std::string> protocols)
      : client_(std::move(client)),
        strand_(std::move(strand)),
        options_(options),
        by_key_(by_key),
        target_(std::move(target)),
        protocols_(std::move(protocols)),
        backoff_(strand_),
        tasks_done_(strand_) {}

  std::string actor_id() const override {
    std::lock_guard lock(ids_mu_);
    return actor_id_;
  }
  std::string connection_id() const override {
    std::lock_guard lock(ids_mu_);
    return connection_id_;
  }

  // Strand: the first connection. A failure here is the caller's answer (no reconnect).
  Awaitable<Result<void>> open_first() {
    auto opened = co_await establish();
    if (!opened) {
      co_return opened.error();
    }
    co_return Result<void>{};
  }

  Awaitable<Result<Value>> action(std::string name, Value args) override {
    if (!args.is_array()) {
      co_return make_error(codes::kClientInvalidArgument, "Action arguments must be an array");
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
        handler(self->end_error_);  // already over: tell at once
        return;
      }
      self->on_closed_ = std::move(handler);
    });
  }

  void on_status(std::function<void(ConnectionStatus)> handler) override {
    asio::dispatch(strand_, [self = shared_from_this(), handler = std::move(handler)]() mutable {
      self->on_status_ = std::move(handler);
    });
  }

  Awaitable<void> close() override {
    co_await asio::co_spawn(strand_, close_on_strand(shared_from_this()), asio::use_awaitable);
  }

 private:
  // -- establishing a socket ------------------------------------------------------------------

  // Strand: a new socket, handshake and Init; on success it becomes the current one and its
  // reader starts.
  Awaitable<Result<void>> establish() {
    auto stream = co_await client_->open_stream();
    if (!stream) {
      co_return stream.error();
    }
    auto ws = std::make_shared<Ws>(std::move(**stream));
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = client_->options().timeout;
    timeouts.idle_timeout = websocket::stream_base::none();
    timeouts.keep_alive_pings = false;
    ws->set_option(timeouts);
    ws->set_option(websocket::stream_base::decorator(
        [offered = join_protocols(protocols_)](websocket::request_type& req) {
          req.set(beast::http::field::sec_websocket_protocol, offered);
        }));
    ws->text(client_->encoding() == protocol::Encoding::Json);
    beast::get_lowest_layer(*ws).expires_after(client_->options().timeout);
    const auto host = client_->host() + ":" + client_->port();
    auto [hec] = co_await ws->async_handshake(host, target_, kUseTuple);
    if (hec) {
      co_return transport_error(
          hec == beast::error::timeout ? codes::kClientTimedOut : codes::kClientConnectionFailed,
          "WebSocket handshake failed: " + hec.message());
    }
    beast::flat_buffer buffer;
    auto [rec, n] = co_await ws->async_read(buffer, kUseTuple);
    beast::get_lowest_layer(*ws).expires_never();
    if (rec) {
      if (closed_by_peer(rec, ws->reason())) {
        co_return close_error(ws->reason());
      }
      co_return transport_error(codes::kClientConnectionFailed,
                                "No Init from the server: " + rec.message());
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
      co_return transport_error(codes::kClientInvalidResponse, "The first message was not Init");
    }
    {
      std::lock_guard lock(ids_mu_);
      actor_id_ = std::move(init->actor_id);
      connection_id_ = std::move(init->connection_id);
    }
    ws_ = std::move(ws);
    ++generation_;
    connected_ = true;
    shut_ = false;
    start(read_loop(shared_from_this(), ws_, generation_));
    co_return Result<void>{};
  }

  // Strand: after a drop, until a new socket is up, close() is called, or it is hopeless.
  static Awaitable<void> reconnect_loop(std::shared_ptr<ConnectionImpl> self, Error last) {
    auto delay = self->options_.min_backoff;
    for (int attempt = 1;; ++attempt) {
      if (self->options_.max_attempts > 0 && attempt > self->options_.max_attempts) {
        self->finish(std::move(last));
        co_return;
      }
      self->backoff_.expires_after(delay);
      co_await self->backoff_.async_wait(kUseTuple);
      if (self->closing_) {
        co_return;
      }
      auto opened = co_await self->establish();
      if (self->closing_) {
        if (opened) {
          co_await self->shut(websocket::close_code::normal);  // close() came meanwhile
        }
        co_return;
      }
      if (opened) {
        // Subscriptions first: the server applies messages in order, so queued actions
        // already see them.
        for (const auto& [event, handler] : self->handlers_) {
          self->enqueue(protocol::encode_to_server(protocol::SubscriptionRequest{event, true},
                                                   self->client_->encoding()));
        }
        self->set_status(ConnectionStatus::connected);
        auto waiting = std::move(self->reconnected_);
        self->reconnected_.reset();
        if (waiting) {
          waiting->set();
        }
        co_return;
      }
      if (!worth_retrying(opened.error(), self->by_key_)) {
        self->finish(opened.error());
        co_return;
      }
      last = opened.error();
      delay = std::min(delay * 2, self->options_.max_backoff);
    }
  }

  // -- reading and writing ----------------------------------------------------------------------

  Result<protocol::ToClient> decode(const beast::flat_buffer& buffer) const {
    const auto data = buffer.data();
    auto decoded = protocol::decode_to_client(
        protocol::ByteView(static_cast<const std::uint8_t*>(data.data()), data.size()),
        client_->encoding());
    if (!decoded) {
      return transport_error(codes::kClientInvalidResponse, decoded.error().message);
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
      if (--self->running_ == 0 && self->closing_) {
        self->tasks_done_.set();
      }
    });
  }

  void enqueue(Bytes frame) {
    outbox_.push_back(std::move(frame));
    if (!writing_) {
      writing_ = true;
      start(write_loop(shared_from_this(), ws_, generation_));
    }
  }

  // Writes queued frames on one socket; stops when that socket is no longer the current one.
  static Awaitable<void> write_loop(std::shared_ptr<ConnectionImpl> self, std::shared_ptr<Ws> ws,
                                    std::uint64_t generation) {
    while (!self->outbox_.empty() && self->connected_ && self->generation_ == generation) {
      auto frame = std::move(self->outbox_.front());
      self->outbox_.pop_front();
      auto [ec, n] = co_await ws->async_write(asio::buffer(frame), kUseTuple);
      if (ec) {
        break;  // the reader sees the socket fail too and handles the drop
      }
    }
    self->writing_ = false;
    if (!self->outbox_.empty() && self->connected_ && self->generation_ != generation) {
      // Frames queued for the new socket while the old writer finished.
      self->writing_ = true;
      self->start(write_loop(self, self->ws_, self->generation_));
    }
  }

  static Awaitable<void> read_loop(std::shared_ptr<ConnectionImpl> self, std::shared_ptr<Ws> ws,
                                   std::uint64_t generation) {
    beast::flat_buffer buffer;
    for (;;) {
      buffer.clear();
      auto [ec, n] = co_await ws->async_read(buffer, kUseTuple);
      if (self->generation_ != generation) {
        co_return;
      }
      if (ec) {
        self->dropped(
            closed_by_peer(ec, ws->reason())
                ? close_error(ws->reason())
                : transport_error(codes::kClientConnectionClosed, "Read failed: " + ec.message()));
        co_return;
      }
      auto message = self->decode(buffer);
      if (!message) {
        self->finish(message.error());
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
          self->finish(to_error(std::move(*error)));
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
            self->finish(make_error(codes::kClientHandlerFailed,
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
    if (!self->connected_ && !self->ended_) {
      co_await self->wait_reconnected();
    }
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
    // While reconnecting the new socket renews the subscriptions itself.
    if (self->connected_) {
      self->enqueue(protocol::encode_to_server(
          protocol::SubscriptionRequest{std::move(event), subscribe}, self->client_->encoding()));
    }
    co_return Result<void>{};
  }

  static Awaitable<void> close_on_strand(std::shared_ptr<ConnectionImpl> self) {
    if (!self->closing_) {
      self->closing_ = true;
      self->backoff_.cancel();
      self->finish(transport_error(codes::kClientConnectionClosed, "The connection was closed"));
      co_await self->shut(websocket::close_code::normal);
    }
    if (self->running_ > 0) {
      co_await self->tasks_done_.wait();
    }
  }

  // Sends a close frame once on the current socket (its reader then ends); cuts the socket if
  // that fails.
  Awaitable<void> shut(websocket::close_code code) {
    if (shut_ || !ws_) {
      co_return;
    }
    shut_ = true;
    auto ws = ws_;
    beast::get_lowest_layer(*ws).expires_after(std::chrono::seconds(5));
    auto [ec] = co_await ws->async_close(code, kUseTuple);
    if (ec) {
      beast::get_lowest_layer(*ws).close();
    }
  }

  Awaitable<void> wait_reconnected() {
    if (!reconnected_) {
      reconnected_ = std::make_shared<Wakeup>(strand_);
    }
    auto waiting = reconnected_;
    co_await waiting->wait();
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

  void fail_pending(const Error& error) {
    auto pending = std::move(pending_);
    pending_.clear();
    for (auto& [id, p] : pending) {
      p->result = error;
      p->done.set();
    }
    outbox_.clear();
  }

  void set_status(ConnectionStatus status) {
    if (on_status_) {
      on_status_(status);
    }
  }

  // The current socket failed: in-flight actions fail; reconnect if allowed and worth it.
  void dropped(Error error) {
    if (ended_ || !connected_) {
      return;
    }
    connected_ = false;
    fail_pending(error);
    if (closing_ || !options_.reconnect || !worth_retrying(error, by_key_)) {
      finish(std::move(error));
      return;
    }
    set_status(ConnectionStatus::reconnecting);
    start(reconnect_loop(shared_from_this(), std::move(error)));
  }

  // Over for good: everything waiting fails with `error`, on_closed hears it once.
  void finish(Error error) {
    if (ended_) {
      return;
    }
    ended_ = true;
    connected_ = false;
    end_error_ = error;
    fail_pending(error);
    if (reconnected_) {
      auto waiting = std::move(reconnected_);
      reconnected_.reset();
      waiting->set();
    }
    set_status(ConnectionStatus::closed);
    if (!closing_ && on_closed_) {
      auto handler = std::move(on_closed_);
      handler(error);
    }
    if (running_ == 0 && closing_) {
      tasks_done_.set();
    }
  }

  std::shared_ptr<const ClientState> client_;
  Strand strand_;
  ConnectOptions options_;
  bool by_key_;
  std::string target_;
  std::vector<std::string> protocols_;
  std::shared_ptr<Ws> ws_;            // the current socket
  std::uint64_t generation_ = 0;      // which socket is current
  mutable std::mutex ids_mu_;         // the ids are read from any thread
  std::string actor_id_;
  std::string connection_id_;
  std::uint64_t next_action_id_ = 0;  // never reset across reconnects, as upstream
  std::map<std::uint64_t, std::shared_ptr<Pending>> pending_;
  std::map<std::string, std::function<void(const Value&)>, std::less<>> handlers_;
  std::deque<Bytes> outbox_;
  bool writing_ = false;
  bool connected_ = false;
  bool shut_ = false;
  bool closing_ = false;  // close() was called
  bool ended_ = false;
  Error end_error_;
  std::function<void(const Error&)> on_closed_;
  std::function<void(ConnectionStatus)> on_status_;
  std::shared_ptr<Wakeup> reconnected_;  // actions called while reconnecting wait here
  asio::steady_timer backoff_;
  int running_ = 0;
  Wakeup tasks_done_;
};

Awaitable<Result<std::shared_ptr<Connection>>> open_on_strand(std::shared_ptr<ConnectionImpl> conn) {
  auto opened = co_await conn->open_first();
  if (!opened) {
    co_return opened.error();
  }
  co_return std::shared_ptr<Connection>(std::move(conn));
}

}  // namespace

Awaitable<Result<std::shared_ptr<Connection>>> ActorHandle::connect(ConnectOptions options) const {
  if (client_->endpoint_error()) {
    co_return *client_->endpoint_error();
  }
  std::vector<std::string> protocols{
      "rivet", "rivet_encoding." + std::string(protocol::encoding_name(client_->encoding()))};
  if (target_->params) {
    protocols.push_back("rivet_conn_params." + encode_component(target_->params->dump()));
  }
  auto strand = asio::make_strand(client_->executor());
  auto conn = std::make_shared<ConnectionImpl>(
      client_, strand, options, target_->kind != Target::Kind::ById,
      client_->base_path() + target_path(*client_, *target_, "/connect"), std::move(protocols));
  co_return co_await asio::co_spawn(strand, open_on_strand(std::move(conn)), asio::use_awaitable);
}

}  // namespace rivet::client
