#pragma once
/// Where a connection's outgoing traffic goes: implemented by the transport (server session,
/// in-process caller) and held by the runtime for as long as the connection is open.

#include <rivet/common/value.hpp>
#include <rivet/core/shared_event.hpp>

#include <memory>
#include <string>

namespace rivet {

/// Called from actor strands (and from whatever threads an EventPublisher uses); implementations
/// must be thread-safe and must not block (queue and return).
class ConnectionSink {
 public:
  virtual ~ConnectionSink() = default;
  /// An event for this connection (already filtered by subscription). `args` is an array.
  virtual void send_event(const std::string& name, const Value& args) = 0;
  /// The actor closes the connection (disconnect, sleep, destroy). `reason` is "group.code" or a
  /// user reason; `error` tells an abnormal end (sleep, destroy, a failure) from a normal one.
  /// How the transport says so is its own business (the WebSocket server: 1011 or 1000).
  virtual void close(std::string reason, bool error) = 0;
  /// The same, shared by every connection the event goes to (a broadcast builds it once), so a
  /// transport can encode it once per encoding. The default forwards to send_event.
  virtual void send_shared_event(const std::shared_ptr<const SharedEvent>& event) {
    send_event(event->name(), event->args());
  }
};

}  // namespace rivet
