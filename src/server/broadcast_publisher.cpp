#include "server/broadcast_publisher.hpp"

#include "server/actor_connect_sink.hpp"
#include "server/ws_writer.hpp"

#include <boost/asio/post.hpp>

#include <algorithm>
#include <array>
#include <atomic>

namespace rivet::server {

namespace {

// One broadcast handed out in chunks to the actor's thread and to one helper posted to another
// context. Whoever is free takes the next chunk; the actor's thread then waits only for chunks
// the helper has already taken, so nothing depends on the helper ever running.
struct Fanout {
  Fanout(std::span<ConnectionSink* const> s, std::shared_ptr<const SharedEvent> e,
         const BroadcastPublisher::ChunkSender& send)
      : sinks(s), event(std::move(e)), send_chunk(send) {}

  // Read only while a chunk is taken, that is while publish() waits: the sinks, and the
  // publisher that owns send_chunk, are alive then.
  std::span<ConnectionSink* const> sinks;
  std::shared_ptr<const SharedEvent> event;
  const BroadcastPublisher::ChunkSender& send_chunk;
  std::atomic<std::size_t> next{0};
  std::atomic<int> working{0};  // sides between "about to take a chunk" and "chunk done"

  void run() {
    for (;;) {
      working.fetch_add(1);  // before taking, so the waiter cannot miss a taken chunk
      const auto first = next.fetch_add(kFanoutChunk);
      if (first >= sinks.size()) {
        finish();
        return;
      }
      const auto last = std::min(sinks.size(), first + kFanoutChunk);
      send_chunk(sinks.subspan(first, last - first), event);
      finish();
    }
  }
  void finish() {
    if (working.fetch_sub(1) == 1) {
      working.notify_all();
    }
  }
  void wait_done() {
    for (int seen = working.load(); seen != 0; seen = working.load()) {
      working.wait(seen);
    }
  }
};

}  // namespace

BroadcastPublisher::BroadcastPublisher(std::vector<Executor> contexts, ChunkSender send_chunk)
    : contexts_(std::move(contexts)), send_chunk_(std::move(send_chunk)) {}

void BroadcastPublisher::publish(std::span<ConnectionSink* const> sinks,
                                 const std::shared_ptr<const SharedEvent>& event) {
  if (sinks.size() < kSharedFanout) {
    for (std::size_t first = 0; first < sinks.size(); first += kFanoutChunk) {
      send_chunk_(sinks.subspan(first, std::min(kFanoutChunk, sinks.size() - first)), event);
    }
    return;
  }
  auto fanout = std::make_shared<Fanout>(sinks, event, send_chunk_);
  boost::asio::post(helper_context(), [fanout] { fanout->run(); });
  fanout->run();
  fanout->wait_done();
}

const BroadcastPublisher::Executor& BroadcastPublisher::helper_context() const {
  for (std::size_t i = 0; i < contexts_.size(); ++i) {
    if (contexts_[i].running_in_this_thread()) {
      return contexts_[(i + 1) % contexts_.size()];
    }
  }
  return contexts_.front();
}

void BroadcastPublisher::send_to_sinks(std::span<ConnectionSink* const> sinks,
                                       const std::shared_ptr<const SharedEvent>& event) {
  // The current run of the server's WebSocket connections, sent to together.
  std::array<std::shared_ptr<WsWriter>, kFanoutChunk> run;
  std::size_t n = 0;
  auto flush = [&] {
    if (n == 0) {
      return;
    }
    WsWriter::publish_event_batch(std::span(run).first(n), event);
    n = 0;
  };
  for (auto* sink : sinks) {
    if (auto* ws = dynamic_cast<ActorConnectSink*>(sink)) {
      if (auto writer = ws->writer()) {
        run[n++] = std::move(writer);
        if (n == run.size()) {
          flush();
        }
      }
      continue;
    }
    flush();
    sink->send_shared_event(event);
  }
  flush();
}

}  // namespace rivet::server
