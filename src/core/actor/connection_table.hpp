#pragma once
// An actor's connections: the table of open ones, and the connect sequence around them
// (onBeforeConnect, createConnState, onConnect, subscriptions with canSubscribe, onDisconnect
// exactly once).
//
// Strand-affine: every member runs on the actor's strand. The coroutines take the actor they
// belong to (the table keeps no pointer back to it: it lives inside it).

#include <rivet/common/error.hpp>
#include <rivet/common/task.hpp>

#include "core/actor/call_frame.hpp"

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace rivet::detail {

class ActorInstance;

class ConnectionTable {
 public:
  /// The connect sequence; the new connection is in the table before onConnect runs.
  Task<Result<std::shared_ptr<ConnRecord>>> open(ActorInstance& rt, Value params,
                                                std::shared_ptr<ConnectionSink> sink,
                                                bool transient);
  /// Removes the connection and runs onDisconnect once (no-op when already closed).
  Task<void> close(ActorInstance& rt, std::shared_ptr<ConnRecord> conn);
  /// Subscribing runs canSubscribe first (auth.forbidden when it says no).
  Task<Result<void>> subscribe(ActorInstance& rt, std::shared_ptr<ConnRecord> conn,
                               std::string event, bool on);
  /// Forgets the connection without running hooks (the stop sequence runs them itself).
  void remove(ActorInstance& rt, const ConnRecord& conn);

  [[nodiscard]] std::vector<std::shared_ptr<ConnRecord>> all() const;
  /// Whether a held-open (not transient) connection keeps the actor awake.
  [[nodiscard]] bool any_held_open() const noexcept;
  /// The sinks of the live connections subscribed to `event`.
  [[nodiscard]] std::vector<ConnectionSink*> subscribers(std::string_view event) const;

 private:
  void add(ActorInstance& rt, std::shared_ptr<ConnRecord> conn);

  std::map<std::string, std::shared_ptr<ConnRecord>, std::less<>> conns_;
};

}  // namespace rivet::detail
