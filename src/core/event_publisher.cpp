#include <rivet/core/event_publisher.hpp>

namespace rivet {

void SequentialEventPublisher::publish(std::span<ConnectionSink* const> sinks,
                                       const std::shared_ptr<const SharedEvent>& event) {
  for (auto* sink : sinks) {
    sink->send_shared_event(event);
  }
}

}  // namespace rivet
