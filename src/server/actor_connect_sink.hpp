#pragma once
// The runtime's view of a connection on `/connect` (ConnectionSink). Holds the writer weakly: the
// runtime may keep the sink past the socket's life. BroadcastPublisher recognises these sinks
// and batches their sends (WsWriter::publish_event_batch).

#include "server/ws_close_codes.hpp"
#include "server/ws_writer.hpp"

#include <rivet/core/connection_sink.hpp>

#include <memory>
#include <string>

namespace rivet::server {

class ActorConnectSink final : public ConnectionSink {
 public:
  explicit ActorConnectSink(std::weak_ptr<WsWriter> writer) : writer_(std::move(writer)) {}

  void send_event(const std::string& name, const Value& args) override {
    send_shared_event(std::make_shared<const SharedEvent>(name, args));
  }
  void send_shared_event(const std::shared_ptr<const SharedEvent>& event) override {
    if (auto w = writer_.lock()) {
      WsWriter::publish_event(std::move(w), event);
    }
  }
  void close(std::string reason, bool error) override {
    if (auto w = writer_.lock()) {
      w->post_close(error ? kCloseError : kCloseNormal, std::move(reason));
    }
  }
  /// Null once the connection is gone.
  [[nodiscard]] std::shared_ptr<WsWriter> writer() const { return writer_.lock(); }

 private:
  std::weak_ptr<WsWriter> writer_;
};

}  // namespace rivet::server
