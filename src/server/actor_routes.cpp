#include "server/actor_routes.hpp"

#include "server/error_mapping.hpp"
#include "server/input_limits.hpp"
#include "server/raw_http_route.hpp"
#include "server/server_errors.hpp"
#include "server/url_util.hpp"

#include <rivet/protocol/messages.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace rivet::server {
namespace {

constexpr unsigned kOk = 200;
constexpr unsigned kBadRequest = 400;
constexpr const char* kRuntimeVersion = "2.3.19";
constexpr const char* kRootText =
    "This is an RivetKit actor.\n\nLearn more at https://rivetkit.org";

protocol::ByteView as_bytes(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

std::string to_string(const Bytes& b) { return {b.begin(), b.end()}; }

const ActorOptions& options_for(ServerContext& ctx, const ActorIdentity& identity) {
  static const ActorOptions kDefaults{};
  const auto* opts = ctx.runtime.options_for(identity.name);
  return opts != nullptr ? *opts : kDefaults;
}

HttpResponse text_response(unsigned status, std::string content_type, std::string body) {
  HttpResponse r;
  r.status = status;
  r.set("content-type", std::move(content_type));
  r.body = std::move(body);
  return r;
}

// Route segment of `/action/<seg>` or `/queue/<seg>`: non-empty, no '/'.
std::optional<std::string_view> single_segment(std::string_view path, std::string_view prefix) {
  if (!path.starts_with(prefix)) {
    return std::nullopt;
  }
  auto seg = path.substr(prefix.size());
  if (seg.empty() || seg.find('/') != std::string_view::npos) {
    return std::nullopt;
  }
  return seg;
}

// Params from x-rivet-conn-params (raw JSON); absent -> null.
Result<Value> conn_params(const HttpRequest& request) {
  const auto* raw = request.header("x-rivet-conn-params");
  if (raw == nullptr) {
    return Value(nullptr);
  }
  if (auto fits = check_conn_params_size(raw->size()); !fits) {
    return fits.error();
  }
  return protocol::decode_json(as_bytes(*raw));
}

// Params and body decode failures are unstructured upstream: 400 with the masked internal error.
HttpResponse decode_failure(protocol::Encoding enc, const ActorIdentity& identity) {
  return framework_error_response(rivet::errors::internal(), enc, identity, kBadRequest);
}

// Params that are too long get their own error; undecodable ones the decode failure.
HttpResponse params_failure(const Error& error, protocol::Encoding enc,
                            const ActorIdentity& identity) {
  if (error.is(codes::kMessageIncomingTooLong)) {
    return framework_error_response(error, enc, identity);
  }
  return decode_failure(enc, identity);
}

// Sink for the transient connection of a stateless request: it never receives traffic that
// matters (no subscriptions), so everything is dropped.
class NullSink final : public ConnectionSink {
 public:
  void send_event(const std::string& /*name*/, const Value& /*args*/) override {}
  void close(std::string /*reason*/, bool /*error*/) override {}
};

Task<HttpResponse> handle_action(ServerContext& ctx, ActorIdentity identity, std::string name,
                                 HttpRequest request) {
  const auto enc = request_encoding(request);
  const auto& opts = options_for(ctx, identity);
  if (request.body.size() > opts.max_incoming_message_size) {
    co_return framework_error_response(rivet::errors::incoming_too_long(), enc, identity);
  }
  auto params = conn_params(request);
  if (!params) {
    co_return params_failure(params.error(), enc, identity);
  }
  auto args = protocol::decode_http_action_request(as_bytes(request.body), enc);
  if (!args) {
    co_return decode_failure(enc, identity);
  }
  ctx.stats.actions.fetch_add(1, std::memory_order_relaxed);
  auto output = co_await ctx.runtime.call_action(identity.actor_id, std::move(*params),
                                                std::move(name), std::move(*args));
  if (!output) {
    co_return framework_error_response(output.error(), enc, identity);
  }
  auto body = protocol::encode_http_action_response(*output, enc);
  if (body.size() > opts.max_outgoing_message_size) {
    co_return framework_error_response(rivet::errors::outgoing_too_long(), enc, identity);
  }
  co_return text_response(kOk, std::string(protocol::content_type(enc)), to_string(body));
}

// Queue sends run the connect sequence, enqueue durably and optionally wait for completion
// (Runtime::send_queue); undeclared names complete at once without enqueuing, as upstream.
Task<HttpResponse> handle_queue(ServerContext& ctx, ActorIdentity identity, std::string name,
                                HttpRequest request) {
  const auto enc = request_encoding(request);
  const auto& opts = options_for(ctx, identity);
  if (request.body.size() > opts.max_incoming_message_size) {
    co_return framework_error_response(rivet::errors::incoming_too_long(), enc, identity);
  }
  auto params = conn_params(request);
  if (!params) {
    co_return params_failure(params.error(), enc, identity);
  }
  auto decoded = protocol::decode_http_queue_send_request(as_bytes(request.body), enc);
  if (!decoded) {
    co_return decode_failure(enc, identity);
  }
  std::optional<std::chrono::milliseconds> timeout;
  if (decoded->timeout_ms) {
    timeout = std::chrono::milliseconds(*decoded->timeout_ms);
  }
  auto sent = co_await ctx.runtime.send_queue(identity.actor_id, std::move(*params), std::move(name),
                                             std::move(decoded->body), decoded->wait.value_or(false),
                                             timeout);
  if (!sent) {
    co_return framework_error_response(sent.error(), enc, identity);
  }
  protocol::QueueSendResponse response{.status = sent->status, .response = sent->response};
  co_return text_response(kOk, std::string(protocol::content_type(enc)),
                          to_string(protocol::encode_http_queue_send_response(response, enc)));
}

std::string metrics_text(ServerContext& ctx, const ActorIdentity& identity) {
  const auto labels = fmt::format("actor_id=\"{}\",name=\"{}\"", identity.actor_id, identity.name);
  std::string out;
  out += "# HELP rivet_actor_up Whether the actor is awake.\n";
  out += "# TYPE rivet_actor_up gauge\n";
  out += fmt::format("rivet_actor_up{{{}}} 1\n", labels);
  out += "# HELP rivet_actor_generation Current generation of the actor.\n";
  out += "# TYPE rivet_actor_generation gauge\n";
  out += fmt::format("rivet_actor_generation{{{}}} {}\n", labels, identity.generation);
  out += "# HELP rivet_server_actions_total Stateless HTTP actions served by this process.\n";
  out += "# TYPE rivet_server_actions_total counter\n";
  out += fmt::format("rivet_server_actions_total {}\n", ctx.stats.actions.load());
  out += "# HELP rivet_server_websockets_active Open actor WebSocket connections.\n";
  out += "# TYPE rivet_server_websockets_active gauge\n";
  out += fmt::format("rivet_server_websockets_active {}\n", ctx.stats.ws_connections_active.load());
  return out;
}

}  // namespace

protocol::Encoding request_encoding(const HttpRequest& request) {
  const auto* raw = request.header("x-rivet-encoding");
  if (raw == nullptr) {
    return protocol::Encoding::Json;
  }
  return protocol::parse_encoding(*raw).value_or(protocol::Encoding::Json);
}

protocol::ActorSpecifier actor_specifier(const ActorIdentity& identity) {
  return protocol::ActorSpecifier{identity.actor_id, identity.generation, identity.key};
}

void add_actor_headers(HttpResponse& response, const ActorIdentity& identity) {
  response.set("x-rivet-actor", identity.actor_id);
  response.set("x-rivet-actor-generation", std::to_string(identity.generation));
  // A key is any text the client chose; a control character (CR, LF, NUL...) is not allowed
  // in a header value (RFC 9110 §5.5), and clients reject the whole response for it.
  constexpr unsigned char kSpace = 0x20;
  constexpr unsigned char kDel = 0x7f;
  const bool clean = std::none_of(identity.key.begin(), identity.key.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return (u < kSpace && c != '\t') || u == kDel;
  });
  if (clean) {
    response.set("x-rivet-actor-key", identity.key);
  }
}

HttpResponse framework_error_response(const Error& error, protocol::Encoding encoding,
                                      const ActorIdentity& identity,
                                      std::optional<unsigned> status) {
  auto visible = mask_for_client(error);
  protocol::HttpError body{
      .group = visible.group,
      .code = visible.code,
      .message = visible.message,
      .metadata = visible.metadata.is_null() ? std::nullopt : std::optional<Value>(visible.metadata),
      .actor = actor_specifier(identity),
  };
  HttpResponse r;
  r.status = status.value_or(error_status(visible, ErrorSurface::Framework));
  r.set("content-type", std::string(protocol::content_type(encoding)));
  r.body = to_string(protocol::encode_http_error(body, encoding));
  return r;
}

Task<HttpResponse> handle_actor_request(ServerContext& ctx, ActorIdentity identity,
                                        std::string actor_path, HttpRequest request) {
  HttpResponse response;
  const auto enc = request_encoding(request);
  const auto path = std::string(split_target(actor_path).path);
  const auto& method = request.method;

  auto method_guard = [&](std::string_view allowed) -> std::optional<HttpResponse> {
    if (method == allowed) {
      return std::nullopt;
    }
    return framework_error_response(errors::method_not_allowed(method, path), enc, identity);
  };

  if (is_request_route(actor_path)) {
    // Raw HTTP for the actor's onRequest (404 with an empty body when it has none).
    response = co_await handle_raw_http(ctx, identity, actor_path, std::move(request));
  } else if (auto action = single_segment(path, "/action/")) {
    if (auto bad = method_guard("POST")) {
      response = std::move(*bad);
    } else if (auto name = percent_decode(*action); !name) {
      response = framework_error_response(
          errors::invalid_http_request("invalid percent-encoding in action name"), enc, identity);
    } else {
      response = co_await handle_action(ctx, identity, std::move(*name), std::move(request));
    }
  } else if (auto queue = single_segment(path, "/queue/")) {
    if (auto bad = method_guard("POST")) {
      response = std::move(*bad);
    } else if (auto name = percent_decode(*queue); !name) {
      response = framework_error_response(
          errors::invalid_http_request("invalid percent-encoding in queue name"), enc, identity);
    } else {
      response = co_await handle_queue(ctx, identity, std::move(*name), std::move(request));
    }
  } else if (path == "/metadata") {
    if (auto bad = method_guard("GET")) {
      response = std::move(*bad);
    } else {
      Value body{{"runtime", "rivetkit"}, {"version", kRuntimeVersion}, {"type", "local"}};
      response = text_response(kOk, "application/json", protocol::encode_json(body));
    }
  } else if (path == "/health") {
    response = method_guard("GET").value_or(text_response(kOk, "text/plain; charset=utf-8", "ok"));
  } else if (path == "/metrics") {
    response = method_guard("GET").value_or(
        text_response(kOk, "text/plain; version=0.0.4", metrics_text(ctx, identity)));
  } else if (path == "/") {
    response = method_guard("GET").value_or(
        text_response(kOk, "text/plain; charset=utf-8", kRootText));
  } else {
    response = framework_error_response(errors::route_not_found(path), enc, identity);
  }
  add_actor_headers(response, identity);
  co_return response;
}

}  // namespace rivet::server
