#pragma once
// The client work whose sequences live beside their actor-side code (queues, raw HTTP, raw
// WebSockets); Runtime's members of the same names forward here.

#include <rivet/core/runtime.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace rivet::detail {

class RuntimeCore;

Task<Result<Runtime::QueueSendResult>> send_queue(
    std::shared_ptr<RuntimeCore> core, std::string actor_id, Value params, std::string name,
    Value body, bool wait, std::optional<std::chrono::milliseconds> timeout);

Task<Result<RawResponse>> handle_request(std::shared_ptr<RuntimeCore> core, std::string actor_id,
                                         Value params, RawRequest request);

Task<Result<std::shared_ptr<RawSocketHandle>>> open_websocket(std::shared_ptr<RuntimeCore> core,
                                                              std::string actor_id, Value params,
                                                              RawRequest request,
                                                              std::shared_ptr<RawSocketSink> sink);

}  // namespace rivet::detail
