#pragma once
// One tunneled WebSocket's messages toward the engine (spec §7.6): the open or its refusal at
// index 0, then the socket's frames and close at the next indices, and the socket's end, which
// runs its `ended` callback once. Shared by the actor connection (tunnel_ws) and the raw socket
// (tunnel_raw_ws).
//
// Strand-affine: used from its socket's strand only.

#include "server/envoy/engine_link.hpp"
#include "server/envoy/tunnel_http.hpp"

#include <functional>
#include <memory>
#include <utility>

namespace rivet::server::envoy {

class TunnelReplies {
 public:
  TunnelReplies(std::shared_ptr<EngineLink> link, wire::MessageId id, std::function<void()> ended)
      : link_(std::move(link)), id_(id), ended_(std::move(ended)) {}

  /// Message 0: the open, or a close in its place.
  void first(wire::ToRivetTunnelMessageKind kind) {
    link_->send_tunnel(reply_to(id_, 0, std::move(kind)));
  }
  /// The next message, even once the socket is over.
  void next(wire::ToRivetTunnelMessageKind kind) {
    link_->send_tunnel(reply_to(id_, next_index_++, std::move(kind)));
  }
  /// The next message while the socket is not over; nothing after.
  void send(wire::ToRivetTunnelMessageKind kind) {
    if (!over_) {
      next(std::move(kind));
    }
  }
  /// The socket is over: runs `ended` the first time.
  void end() {
    over_ = true;
    if (ended_) {
      auto ended = std::move(ended_);
      ended_ = nullptr;
      ended();
    }
  }
  [[nodiscard]] bool over() const noexcept { return over_; }

 private:
  std::shared_ptr<EngineLink> link_;
  wire::MessageId id_;
  std::function<void()> ended_;
  wire::MessageIndex next_index_ = 1;  // 0 is the open
  bool over_ = false;
};

}  // namespace rivet::server::envoy
