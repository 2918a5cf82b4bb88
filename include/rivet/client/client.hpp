#pragma once
/// The C++ client: actor handles (get / getOrCreate / getForId / create), stateless actions and
/// queue sends over HTTP, and WebSocket connections with actions and events. It speaks the same
/// protocol as the official clients, in any of the three encodings, to this server or to any
/// server that speaks it.
///
/// Asynchronous with Asio C++20 coroutines: every operation is an awaitable that resumes on the
/// caller's executor. Errors are values: a call answers Result<T>, whose Error carries the
/// server's group, code, message and metadata (`actor.action_not_found`, a user error of the
/// actor, ...) or, for a transport failure, group "client" (code `connection_failed`,
/// `timed_out`, `connection_closed`, `invalid_response`).
///
/// Thread-safety: Client and ActorHandle are cheap to copy and may be used from any thread.
/// A Connection's methods may be called from any thread; its event handlers run on the
/// connection's own strand, one at a time, in the order the server sent the events.
/// Lifetime: a Client (and its handles and connections) must not outlive the execution context
/// its executor belongs to. A Connection stays open until close() or until the server closes it.

#include <rivet/common/action.hpp>
#include <rivet/common/error.hpp>
#include <rivet/common/value.hpp>
#include <rivet/protocol/encoding.hpp>
#include <rivet/protocol/keys.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rivet::client {

template <class T>
using Awaitable = boost::asio::awaitable<T>;

struct ClientOptions {
  /// Where the server listens: "http://host:port" (a path prefix is kept).
  std::string endpoint = "http://127.0.0.1:6420";
  std::string namespace_name = "default";
  /// The pool ("runner") getOrCreate asks for.
  std::string pool = "default";
  protocol::Encoding encoding = protocol::Encoding::Json;
  /// Sent as the gateway token when set.
  std::optional<std::string> token;
  /// Bound on each HTTP request and on a connection's handshake (Init included).
  std::chrono::milliseconds timeout{std::chrono::seconds(60)};
};

/// Options of a handle: connection params go with every action, queue send and connection
/// (the actor's onBeforeConnect / createConnState see them).
struct HandleOptions {
  std::optional<Value> params;
};

struct CreateOptions {
  std::optional<Value> input;  // given to the actor's createState / onCreate
  std::optional<Value> params;
};

struct SendOptions {
  /// Wait until the actor has completed the message (and take its response).
  bool wait = false;
  std::optional<std::chrono::milliseconds> timeout;  // only with wait
};

/// How a connection behaves when it drops.
struct ConnectOptions {
  /// Reconnect after the connection dropped (network error, server restart, the actor
  /// restarting or going to sleep): a new connection (new connection id) with the same params,
  /// every subscription renewed. Actions in flight when it dropped fail; actions called while
  /// reconnecting wait for the new connection. A refusal that will not change (onBeforeConnect
  /// rejecting, an unknown actor by id, ...) ends it for good.
  bool reconnect = true;
  /// Backoff between attempts: min, doubling up to max.
  std::chrono::milliseconds min_backoff{250};
  std::chrono::milliseconds max_backoff{std::chrono::seconds(30)};
  /// Attempts in a row before giving up (0: no limit).
  int max_attempts = 0;
};

enum class ConnectionStatus { connected, reconnecting, closed };

struct SendResult {
  bool completed = true;  // false: the wait timed out
  std::optional<Value> response;
};

/// A raw HTTP response from the actor's onRequest handler.
struct FetchResponse {
  unsigned status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower case, in order
  std::string body;
  /// First header with this name (lower case), or nullptr.
  [[nodiscard]] const std::string* header(std::string_view name) const noexcept;
};

/// One message of a raw WebSocket.
struct RawMessage {
  std::string data;
  bool binary = false;
};

class Connection;
class RawWebSocket;
class ClientState;

/// One actor as a target: by key (resolved by the server on each request), or by id.
class ActorHandle {
 public:
  /// Runs an action statelessly over HTTP. `args` is the array of arguments.
  [[nodiscard]] Awaitable<Result<Value>> action(std::string name, Value args = Value::array()) const;
  /// A typed call (rivet/common/action.hpp): exactly the declared arguments; the answer is
  /// converted to the declared result (client.invalid_response when it does not fit).
  template <class R, class... A>
  [[nodiscard]] Awaitable<Result<R>> call(const Action<R(A...)>& declared,
                                          const std::type_identity_t<A>&... args) const {
    return typed_call<R>(std::string(declared.name()), Action<R(A...)>::arguments(args...));
  }
  /// Sends a message to one of the actor's queues.
  [[nodiscard]] Awaitable<Result<SendResult>> send(std::string queue, Value body,
                                                   SendOptions options = {}) const;
  /// A raw HTTP request to the actor's onRequest handler: `path` (with an optional query) lands
  /// below /request/ (`"/foo?x=1"` -> `/request/foo?x=1`). Any status the handler answers is a
  /// response, not an error; errors are for requests that never reached it.
  [[nodiscard]] Awaitable<Result<FetchResponse>> fetch(
      std::string method, std::string path, std::string body = {},
      std::vector<std::pair<std::string, std::string>> headers = {}) const;
  /// Opens a raw WebSocket to the actor's onWebSocket handler at /websocket/<path>, offering
  /// `protocols` besides the ones the gateway needs.
  [[nodiscard]] Awaitable<Result<std::shared_ptr<RawWebSocket>>> web_socket(
      std::string path = {}, std::vector<std::string> protocols = {}) const;
  /// The actor's id (asks the server for key targets; getOrCreate creates the actor).
  [[nodiscard]] Awaitable<Result<std::string>> resolve() const;
  /// Opens a WebSocket connection (done once the server's Init has arrived).
  [[nodiscard]] Awaitable<Result<std::shared_ptr<Connection>>> connect(
      ConnectOptions options = {}) const;
  /// The gateway URL of this target (what actor paths are appended to).
  [[nodiscard]] std::string gateway_url() const;

  struct Target;  // defined inside the library

 private:
  template <class R>
  Awaitable<Result<R>> typed_call(std::string name, Value args) const {
    Result<Value> answer = co_await action(std::move(name), std::move(args));
    co_return typed_result<R>(std::move(answer));
  }
  friend class Client;
  ActorHandle(std::shared_ptr<const ClientState> client, std::shared_ptr<const Target> target)
      : client_(std::move(client)), target_(std::move(target)) {}
  std::shared_ptr<const ClientState> client_;
  std::shared_ptr<const Target> target_;
};

class Client {
 public:
  /// `executor`: where the client's sockets live (its io_context must run).
  explicit Client(boost::asio::any_io_executor executor, ClientOptions options = {});

  /// An existing actor by key; requests fail with actor.not_found if there is none.
  [[nodiscard]] ActorHandle get(std::string name, protocol::ActorKey key = {},
                                HandleOptions options = {}) const;
  /// The actor with this key, created on first use.
  [[nodiscard]] ActorHandle get_or_create(std::string name, protocol::ActorKey key = {},
                                          CreateOptions options = {}) const;
  /// An actor by id.
  [[nodiscard]] ActorHandle get_for_id(std::string name, std::string actor_id,
                                       HandleOptions options = {}) const;
  /// Creates an actor now (actor.duplicate_key if the key is taken); the handle targets its id.
  [[nodiscard]] Awaitable<Result<ActorHandle>> create(std::string name,
                                                      protocol::ActorKey key = {},
                                                      CreateOptions options = {}) const;

 private:
  std::shared_ptr<const ClientState> state_;
};

/// A WebSocket connection to one actor (the server's Init has arrived).
class Connection {
 public:
  virtual ~Connection() = default;
  /// The ids of the current connection (a reconnect gets a new connection id).
  [[nodiscard]] virtual std::string actor_id() const = 0;
  [[nodiscard]] virtual std::string connection_id() const = 0;
  /// Runs an action as this connection (connection state, c.conn on the actor).
  [[nodiscard]] virtual Awaitable<Result<Value>> action(std::string name,
                                                        Value args = Value::array()) = 0;
  /// A typed call as this connection (rivet/common/action.hpp).
  template <class R, class... A>
  [[nodiscard]] Awaitable<Result<R>> call(const Action<R(A...)>& declared,
                                          const std::type_identity_t<A>&... args) {
    return typed_call<R>(std::string(declared.name()), Action<R(A...)>::arguments(args...));
  }
  /// Subscribes to an event; `handler(args)` runs for each one (args is the array the actor
  /// sent). Replaces an earlier handler of the same event. Completes once the request is
  /// written; the server applies it before any later message of this connection, so an action
  /// called afterwards already sees the subscription. An actor that refuses it (canSubscribe)
  /// closes the connection: on_closed gets auth.forbidden or the hook's error. A handler must
  /// not throw; if it does, the connection is closed with client.handler_failed.
  [[nodiscard]] virtual Awaitable<Result<void>> on(std::string event,
                                                   std::function<void(const Value&)> handler) = 0;
  /// Unsubscribes.
  [[nodiscard]] virtual Awaitable<Result<void>> off(std::string event) = 0;
  /// Called once when the connection ends for good without close() (a refusal, a connection-
  /// level error, or a drop with reconnect off or out of attempts); pending actions fail with
  /// the same error.
  virtual void on_closed(std::function<void(const Error&)> handler) = 0;
  /// Called on the connection's strand at each change: reconnecting (it dropped), connected
  /// (again), closed (for good, or by close()).
  virtual void on_status(std::function<void(ConnectionStatus)> handler) = 0;
  /// Closes the connection (the actor's onDisconnect runs) and waits until its reader stopped.
  [[nodiscard]] virtual Awaitable<void> close() = 0;

 private:
  template <class R>
  Awaitable<Result<R>> typed_call(std::string name, Value args) {
    Result<Value> answer = co_await action(std::move(name), std::move(args));
    co_return typed_result<R>(std::move(answer));
  }
};

/// A raw WebSocket to an actor's onWebSocket handler: frames in and out as they are.
class RawWebSocket {
 public:
  virtual ~RawWebSocket() = default;
  /// Sends one message; completes once it is written (frames go out in call order).
  [[nodiscard]] virtual Awaitable<Result<void>> send(std::string data, bool binary = false) = 0;
  /// The next message, or nullopt once the socket is closed (close_code() / close_reason() then
  /// say how; 1006 when the connection dropped without a close frame). One receiver at a time.
  [[nodiscard]] virtual Awaitable<std::optional<RawMessage>> receive() = 0;
  /// Closes with `code` and waits for the server's close frame (at most the client's timeout).
  [[nodiscard]] virtual Awaitable<void> close(std::uint16_t code = 1000, std::string reason = {}) = 0;
  /// Valid after receive() answered nullopt or close() returned.
  [[nodiscard]] virtual std::uint16_t close_code() const = 0;
  [[nodiscard]] virtual std::string close_reason() const = 0;
};

}  // namespace rivet::client
