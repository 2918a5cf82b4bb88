#pragma once
// The raw WebSocket handlers of one actor (onWebSocket): each socket's handler runs in the
// background, its outgoing frames leave only once the state as of their send is durable, and a
// stopping actor waits for the handlers (cancelling the ones that ignore their closed socket
// after the hook timeout).
//
// Strand-affine: every member runs on the actor's strand. Members take the actor they belong to
// (the handlers keep no pointer back to it: they live inside it).

#include <rivet/common/error.hpp>
#include <rivet/common/gate.hpp>
#include <rivet/common/task.hpp>
#include <rivet/common/value.hpp>
#include <rivet/core/raw_http.hpp>
#include <rivet/core/raw_socket.hpp>

#include "core/actor/signal.hpp"

#include <memory>

namespace rivet::detail {

class ActorInstance;
struct RawSocketState;

class SocketHandlers {
 public:
  /// The connect sequence, then on_websocket in the background.
  Task<Result<std::shared_ptr<RawSocketState>>> open(ActorInstance& rt, Value params,
                                                    RawRequest request,
                                                    std::shared_ptr<RawSocketSink> sink);
  /// Commits the actor's state, then sends the socket's queued frames in order.
  Task<void> flush(ActorInstance& rt, std::shared_ptr<RawSocketState> socket);
  /// A background flush (one at a time per socket).
  void schedule_flush(ActorInstance& rt, const std::shared_ptr<RawSocketState>& socket);
  /// Commits the handler's call frame (state and events), then flushes the socket.
  Task<void> commit(ActorInstance& rt, std::shared_ptr<RawSocketState> socket);
  /// Stop: waits until handlers and flushes finished; after the hook timeout, handlers still
  /// running are cancelled.
  Task<void> wait_idle(ActorInstance& rt);

 private:
  static Task<void> run(std::shared_ptr<ActorInstance> self, std::shared_ptr<RawSocketState> socket);
  static Task<void> flush_in_background(std::shared_ptr<ActorInstance> self,
                                        std::shared_ptr<RawSocketState> socket);

  Gate busy_;      // handlers and background flushes
  Signal abort_;   // cancels handlers still running after the grace
};

}  // namespace rivet::detail
