#pragma once
/// The seam behind c.client(): how one actor reaches another. Left null in RuntimeOptions, the
/// runtime resolves and calls the target in process (the embedded server, where every actor
/// lives in this process). A host whose actors may live elsewhere (an engine envoy: the engine
/// places actors on any envoy) supplies an ActorCalls that goes through its own routing.
///
/// Errors are values here; ActorRef turns them into the ErrorException actor code sees, so an
/// implementation answers errors as a client would see them (masked unless public).
/// Thread-safety: called from actor strands on any thread; the awaitables resume there.

#include <rivet/common/error.hpp>
#include <rivet/common/task.hpp>
#include <rivet/common/value.hpp>
#include <rivet/protocol/keys.hpp>

#include <chrono>
#include <optional>
#include <string>

namespace rivet {

/// How an actor-to-actor queue send waits (as a client's send: POST /queue/{name}).
struct QueueSendOptions {
  /// Wait for the receiver to complete the message.
  bool wait = false;
  /// With `wait`: give up after this long (status "timedOut"; the message is still processed).
  /// Unset: the runtime's default.
  std::optional<std::chrono::milliseconds> timeout;
};

/// What a send returned: "completed" (with the receiver's response, if it gave one) or
/// "timedOut".
struct QueueSendOutcome {
  std::string status;
  std::optional<Value> response;
};

/// Which actor a call is for, as an ActorRef names it.
struct ActorTarget {
  enum class Mode { Get, GetOrCreate, ById };
  Mode mode = Mode::ById;
  std::string name;
  protocol::ActorKey key;
  Value input;  // GetOrCreate: null for none
  std::string actor_id;  // ById
};

class ActorCalls {
 public:
  virtual ~ActorCalls() = default;
  /// The target's id; GetOrCreate creates it. actor.not_found for a Get without an actor.
  virtual Task<Result<std::string>> resolve(ActorTarget target) = 0;
  /// A stateless action call (no connection params).
  virtual Task<Result<Value>> call(ActorTarget target, std::string action, Value args) = 0;
  virtual Task<Result<QueueSendOutcome>> send(ActorTarget target, std::string queue, Value body,
                                              QueueSendOptions options) = 0;
  /// Creates a new actor and answers its id; actor.duplicate_key when the key is taken.
  virtual Task<Result<std::string>> create(std::string name, protocol::ActorKey key,
                                           Value input) = 0;
};

}  // namespace rivet
