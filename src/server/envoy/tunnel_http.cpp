#include "server/envoy/tunnel_http.hpp"

namespace rivet::server::envoy {

HttpRequest to_http_request(const wire::ToEnvoyRequestStart& start) {
  HttpRequest out;
  out.method = start.method;
  out.target = start.path.empty() ? std::string("/") : start.path;
  out.headers.reserve(start.headers.size());
  for (const auto& [name, value] : start.headers) {
    out.headers.push_back(Header{to_lower(name), value});
  }
  if (start.body) {
    out.body.assign(start.body->begin(), start.body->end());
  }
  return out;
}

wire::ToRivetResponseStart to_response_start(const HttpResponse& response) {
  wire::ToRivetResponseStart out;
  out.status = static_cast<std::uint16_t>(response.status);
  for (const auto& h : response.headers) {
    // The engine frames the body for the client; a length or framing header of ours would
    // contradict its own.
    if (h.name == "content-length" || h.name == "transfer-encoding" || h.name == "connection") {
      continue;
    }
    bool duplicate = false;
    for (auto& [name, value] : out.headers) {
      if (name == h.name) {  // a BARE map has unique keys: join repeats as HTTP allows
        value += ", " + h.value;
        duplicate = true;
        break;
      }
    }
    if (!duplicate) {
      out.headers.emplace_back(h.name, h.value);
    }
  }
  if (!response.body.empty()) {
    out.body = Bytes(response.body.begin(), response.body.end());
  }
  return out;
}

wire::ToRivetTunnelMessage reply_to(const wire::MessageId& request, wire::MessageIndex index,
                                    wire::ToRivetTunnelMessageKind kind) {
  return wire::ToRivetTunnelMessage{
      wire::MessageId{request.gateway_id, request.request_id, index}, std::move(kind)};
}

HttpResponse actor_not_hosted_response() {
  HttpResponse out;
  out.status = 503;
  // A code of the guard's retryable set: the engine resolves the actor again and retries (it
  // wakes an actor that was going to sleep here), where envoy.actor_not_found would reach the
  // client as a failure.
  out.set("x-rivet-error", "guard.actor_stopped_while_waiting");
  out.set("content-type", "text/plain");
  out.body = "actor is not hosted by this envoy";
  return out;
}

StreamedRequests::StreamedRequests(std::size_t max_body) : max_body_(max_body) {}

void StreamedRequests::begin(const Key& key, wire::ToEnvoyRequestStart start) {
  start.stream = false;  // served whole, as an unstreamed request
  pending_.insert_or_assign(key, Pending{std::move(start), 0});
}

StreamedRequests::Step StreamedRequests::append(const Key& key, wire::ToEnvoyRequestChunk chunk) {
  Step step;
  auto it = pending_.find(key);
  if (it == pending_.end()) {
    return step;
  }
  auto& body = it->second.start.body;
  // Refused as it arrives, not once complete: a streamed body must not grow without bound.
  if ((body ? body->size() : 0) + chunk.body.size() > max_body_) {
    step.too_large = true;
    step.reply_index = it->second.next_index;
    pending_.erase(it);
    return step;
  }
  if (!chunk.body.empty()) {
    if (!body) {
      body = std::move(chunk.body);
    } else {
      body->insert(body->end(), chunk.body.begin(), chunk.body.end());
    }
  }
  if (!chunk.finish) {
    step.grant = body ? body->size() : 0;
    step.reply_index = it->second.next_index++;
    return step;
  }
  step.reply_index = it->second.next_index;
  step.whole = std::move(it->second.start);
  pending_.erase(it);
  return step;
}

void StreamedRequests::abort(const Key& key) { pending_.erase(key); }

}  // namespace rivet::server::envoy
