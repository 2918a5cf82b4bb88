#pragma once
// The server's EventPublisher: how a broadcast reaches its connections. The work of a broadcast
// is mostly kernel time (a send per connection), so it is cut into chunks, and a large one is
// shared with a helper on the next io_context's thread; the server's own WebSocket connections
// in a chunk make all their sends in one system call (WsWriter::publish_event_batch, batch_sender.hpp).

#include <rivet/core/event_publisher.hpp>

#include <boost/asio/io_context.hpp>

#include <cstddef>
#include <functional>
#include <memory>
#include <span>
#include <vector>

namespace rivet::server {

/// A broadcast to this many connections or more is shared with a helper on another thread.
inline constexpr std::size_t kSharedFanout = 128;
/// Connections taken at a time by each side, and sent to together.
inline constexpr std::size_t kFanoutChunk = 32;

/// Thread-safe. Lifetime: the io_contexts outlive it.
class BroadcastPublisher final : public EventPublisher {
 public:
  using Executor = boost::asio::io_context::executor_type;
  /// Sends an event to one chunk of sinks.
  using ChunkSender = std::function<void(std::span<ConnectionSink* const>,
                                         const std::shared_ptr<const SharedEvent>&)>;

  /// `contexts` (not empty): the server's io_contexts, one thread each. A large broadcast
  /// published on one of them is split with the next one (the same when there is only one).
  /// `send_chunk` replaces send_to_sinks (tests).
  explicit BroadcastPublisher(std::vector<Executor> contexts,
                              ChunkSender send_chunk = &BroadcastPublisher::send_to_sinks);

  /// Chunks of at most kFanoutChunk sinks, in order; from kSharedFanout sinks on, the actor's
  /// thread and the helper each take the next chunk until none is left. Returns once every
  /// chunk is sent; the helper is never waited for unless it took a chunk, so a busy or
  /// single-threaded server finishes the broadcast alone.
  void publish(std::span<ConnectionSink* const> sinks,
               const std::shared_ptr<const SharedEvent>& event) override;

  /// One chunk: each run of the server's WebSocket connections in one batch, any other sink
  /// through send_shared_event.
  static void send_to_sinks(std::span<ConnectionSink* const> sinks,
                            const std::shared_ptr<const SharedEvent>& event);

 private:
  // The context after the calling thread's own (the first if the caller runs none of them).
  [[nodiscard]] const Executor& helper_context() const;

  std::vector<Executor> contexts_;
  ChunkSender send_chunk_;
};

}  // namespace rivet::server
