#pragma once
/// How one event reaches many connections (a broadcast). The core collects the sinks subscribed
/// to an event and hands them to the publisher in one call; the transport that owns those
/// connections decides how the sends are made (batched system calls, a second thread), which
/// the core knows nothing about. An event for one connection skips the publisher
/// (ConnectionSink::send_shared_event).

#include <rivet/core/connection_sink.hpp>
#include <rivet/core/shared_event.hpp>

#include <memory>
#include <span>

namespace rivet {

/// Thread-safe: actors on different strands publish concurrently.
class EventPublisher {
 public:
  virtual ~EventPublisher() = default;
  /// Gives `event` to every sink in `sinks`, each exactly as send_shared_event would. Returns
  /// only once each sink has it queued or sent, so an actor's next event to the same sink comes
  /// after it (per-sink order). Called on the actor's strand, which waits: the sinks stay alive
  /// until it returns, and it must not wait for that actor.
  virtual void publish(std::span<ConnectionSink* const> sinks,
                       const std::shared_ptr<const SharedEvent>& event) = 0;
};

/// The runtime's default: send_shared_event on each sink in turn, on the calling thread.
class SequentialEventPublisher final : public EventPublisher {
 public:
  void publish(std::span<ConnectionSink* const> sinks,
               const std::shared_ptr<const SharedEvent>& event) override;
};

}  // namespace rivet
