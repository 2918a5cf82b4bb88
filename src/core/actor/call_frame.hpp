#pragma once
// The per-call scratch every action, hook and handler runs with, and the connection record a
// call may belong to.

#include <rivet/common/notifier.hpp>
#include <rivet/common/value.hpp>
#include <rivet/core/actor_context.hpp>
#include <rivet/core/runtime.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <typeinfo>
#include <vector>

namespace rivet::detail {

/// Replies of one held-open connection that have not reached its transport yet. A stop that
/// closes the connection awaits zero first (with a grace), so a reply is never overtaken by the
/// close. Counted on the transport's thread, awaited on the actor's.
struct PendingReplies {
  std::atomic<int> count{0};
  Notifier drained;
};

/// One reply in flight for as long as it lives.
class ReplyInFlight {
 public:
  explicit ReplyInFlight(PendingReplies& replies) : replies_(replies) { ++replies_.count; }
  ReplyInFlight(const ReplyInFlight&) = delete;
  ReplyInFlight& operator=(const ReplyInFlight&) = delete;
  ~ReplyInFlight() {
    if (--replies_.count == 0) {
      replies_.drained.notify_all();
    }
  }

 private:
  PendingReplies& replies_;
};

struct ConnRecord : std::enable_shared_from_this<ConnRecord> {
  std::string id;
  Value params;
  Value state;  // connection state (compat value), null when the actor has none
  std::shared_ptr<ConnectionSink> sink;  // null for transient (HTTP) connections
  std::set<std::string, std::less<>> subscriptions;
  bool transient = false;
  bool disconnected = false;
  /// Wall-clock ms when the connect sequence began (the inspector shows it).
  std::int64_t connected_at_ms = 0;
  /// Held-open connections only (a transient one has no transport to order replies on).
  std::unique_ptr<PendingReplies> replies;
  // -- realtime --
  /// Connection state of a C++ type (ActorDefinition::create_typed_conn_state).
  std::shared_ptr<void> typed_state;
  const std::type_info* typed_state_type = nullptr;
};

struct PendingEvent {
  std::shared_ptr<ConnRecord> target;  // null = broadcast to subscribers
  std::string name;
  Value args;
};

/// Per-call scratch: the calling connection and the events to release once durable.
struct CallFrame {
  std::shared_ptr<ConnRecord> conn;
  std::vector<PendingEvent> events;
  std::optional<Conn> conn_view;
  // -- durable work --
  /// The run loop's frame: received messages stay in flight until completed.
  bool run_loop = false;
  /// Messages received outside the run loop, completed when this call's state commits.
  std::vector<std::uint64_t> auto_completed;
  /// The run loop's message received last and not completed yet.
  std::optional<std::uint64_t> in_flight;
};

}  // namespace rivet::detail
