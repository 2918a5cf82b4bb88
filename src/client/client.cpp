// Client and ActorHandle: targets, gateway paths, and the HTTP operations (actions, queue sends,
// resolution, create). Connections are in connection.cpp.

#include "client/client_state.hpp"
#include "client/target.hpp"

#include <rivet/protocol/messages.hpp>

#include <boost/beast/http/verb.hpp>

namespace rivet::client {

namespace http = boost::beast::http;

namespace {

protocol::ByteView view(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

std::string to_string(const Bytes& b) { return {b.begin(), b.end()}; }

// Headers of a framework request (action, queue send) in the client's encoding.
std::vector<std::pair<std::string, std::string>> framework_headers(const ClientState& client,
                                                                   const ActorHandle::Target& t) {
  std::vector<std::pair<std::string, std::string>> h{
      {"x-rivet-encoding", std::string(protocol::encoding_name(client.encoding()))},
      {"content-type", std::string(protocol::content_type(client.encoding()))}};
  if (t.params) {
    h.emplace_back("x-rivet-conn-params", t.params->dump());
  }
  if (client.options().token && t.kind == ActorHandle::Target::Kind::ById) {
    h.emplace_back("x-rivet-token", *client.options().token);
  }
  return h;
}

// A string answer (Error is constructible from a string too, so say which one this is).
Result<std::string> id_result(std::string id) {
  return Result<std::string>(boost::system::in_place_value, std::move(id));
}

std::vector<std::pair<std::string, std::string>> json_headers() {
  return {{"content-type", "application/json"}};
}

// The actor record of a management API reply: {"actor": {...}}.
Result<std::string> actor_id_of(const HttpReply& reply) {
  auto parsed = Value::parse(reply.body, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object() || !parsed.contains("actor") ||
      !parsed["actor"].is_object() || !parsed["actor"].contains("actor_id") ||
      !parsed["actor"]["actor_id"].is_string()) {
    return transport_error(codes::kClientInvalidResponse,
                           "The actor API answered without an actor");
  }
  return id_result(parsed["actor"]["actor_id"].get<std::string>());
}

// Body of PUT/POST /actors.
std::string actor_request_body(const ClientState& client, const ActorHandle::Target& t) {
  Value body{{"name", t.name},
             {"key", protocol::serialize_key(t.key)},
             {"runner_name_selector", client.options().pool},
             {"crash_policy", "sleep"}};
  if (t.input) {
    const auto cbor = protocol::encode_compat_cbor(*t.input);
    body["input"] = base64_encode(cbor.data(), cbor.size());
  }
  return body.dump();
}

std::string management_query(const ClientState& client) {
  return "namespace=" + encode_component(client.options().namespace_name);
}

}  // namespace

std::string target_path(const ClientState& client, const ActorHandle::Target& t,
                        std::string_view actor_path) {
  const auto& opts = client.options();
  if (t.kind == ActorHandle::Target::Kind::ById) {
    std::string out = "/gateway/" + encode_component(t.actor_id);
    if (opts.token) {
      out += "@" + encode_component(*opts.token);
    }
    out += actor_path;
    return out;
  }
  std::string out = "/gateway/" + encode_component(t.name);
  out += actor_path;
  out += actor_path.find('?') == std::string_view::npos ? '?' : '&';
  out += "rvt-namespace=" + encode_component(opts.namespace_name);
  if (t.kind == ActorHandle::Target::Kind::Get) {
    out += "&rvt-method=get";
  } else {
    out += "&rvt-method=getOrCreate&rvt-runner=" + encode_component(opts.pool);
  }
  if (!t.key.empty()) {
    std::string joined;
    for (std::size_t i = 0; i < t.key.size(); ++i) {
      joined += (i == 0 ? "" : ",") + t.key[i];
    }
    out += "&rvt-key=" + encode_component(joined);
  }
  if (t.kind == ActorHandle::Target::Kind::GetOrCreate) {
    if (t.input) {
      const auto cbor = protocol::encode_compat_cbor(*t.input);
      out += "&rvt-input=" + base64url_encode(cbor.data(), cbor.size());
    }
    out += "&rvt-crash-policy=sleep";
  }
  if (opts.token) {
    out += "&rvt-token=" + encode_component(*opts.token);
  }
  return out;
}

// -- Client -------------------------------------------------------------------------------------

Client::Client(boost::asio::any_io_executor executor, ClientOptions options)
    : state_(std::make_shared<const ClientState>(std::move(executor), std::move(options))) {}

ActorHandle Client::get(std::string name, protocol::ActorKey key, HandleOptions options) const {
  auto t = std::make_shared<ActorHandle::Target>();
  t->kind = ActorHandle::Target::Kind::Get;
  t->name = std::move(name);
  t->key = std::move(key);
  t->params = std::move(options.params);
  return ActorHandle(state_, std::move(t));
}

ActorHandle Client::get_or_create(std::string name, protocol::ActorKey key,
                                  CreateOptions options) const {
  auto t = std::make_shared<ActorHandle::Target>();
  t->kind = ActorHandle::Target::Kind::GetOrCreate;
  t->name = std::move(name);
  t->key = std::move(key);
  t->input = std::move(options.input);
  t->params = std::move(options.params);
  return ActorHandle(state_, std::move(t));
}

ActorHandle Client::get_for_id(std::string name, std::string actor_id,
                               HandleOptions options) const {
  auto t = std::make_shared<ActorHandle::Target>();
  t->kind = ActorHandle::Target::Kind::ById;
  t->name = std::move(name);
  t->actor_id = std::move(actor_id);
  t->params = std::move(options.params);
  return ActorHandle(state_, std::move(t));
}

Awaitable<Result<ActorHandle>> Client::create(std::string name, protocol::ActorKey key,
                                              CreateOptions options) const {
  ActorHandle::Target spec;
  spec.name = std::move(name);
  spec.key = std::move(key);
  spec.input = std::move(options.input);
  auto reply =
      co_await state_->http(http::verb::post, "/actors?" + management_query(*state_),
                            actor_request_body(*state_, spec),
                            json_headers());
  if (!reply) {
    co_return reply.error();
  }
  if (reply->status != 200) {
    co_return reply_error(*reply, protocol::Encoding::Json);
  }
  auto id = actor_id_of(*reply);
  if (!id) {
    co_return id.error();
  }
  co_return get_for_id(std::move(spec.name), std::move(*id), HandleOptions{std::move(options.params)});
}

// -- ActorHandle --------------------------------------------------------------------------------

std::string ActorHandle::gateway_url() const {
  auto path = target_path(*client_, *target_, "");
  return client_->options().endpoint.substr(
             0, client_->options().endpoint.size() -
                    (client_->options().endpoint.ends_with('/') ? 1 : 0)) +
         path;
}

Awaitable<Result<Value>> ActorHandle::action(std::string name, Value args) const {
  const auto enc = client_->encoding();
  if (!args.is_array()) {
    co_return make_error(codes::kClientInvalidArgument, "Action arguments must be an array");
  }
  auto body = protocol::encode_http_action_request(escape_list(std::move(args)), enc);
  auto reply = co_await client_->http(
      http::verb::post, target_path(*client_, *target_, "/action/" + encode_component(name)),
      to_string(body), framework_headers(*client_, *target_));
  if (!reply) {
    co_return reply.error();
  }
  if (reply->status != 200) {
    co_return reply_error(*reply, enc);
  }
  auto output = protocol::decode_http_action_response(view(reply->body), enc);
  if (!output) {
    co_return transport_error(codes::kClientInvalidResponse, output.error().message);
  }
  co_return std::move(*output);
}

Awaitable<Result<SendResult>> ActorHandle::send(std::string queue, Value body,
                                                SendOptions options) const {
  const auto enc = client_->encoding();
  protocol::QueueSendRequest req;
  req.body = std::move(body);
  req.name = queue;
  req.wait = options.wait;
  if (options.wait && options.timeout) {
    req.timeout_ms = static_cast<std::uint64_t>(options.timeout->count());
  }
  auto reply = co_await client_->http(
      http::verb::post, target_path(*client_, *target_, "/queue/" + encode_component(queue)),
      to_string(protocol::encode_http_queue_send_request(req, enc)),
      framework_headers(*client_, *target_));
  if (!reply) {
    co_return reply.error();
  }
  if (reply->status != 200) {
    co_return reply_error(*reply, enc);
  }
  auto decoded = protocol::decode_http_queue_send_response(view(reply->body), enc);
  if (!decoded) {
    co_return transport_error(codes::kClientInvalidResponse, decoded.error().message);
  }
  co_return SendResult{decoded->status == "completed", std::move(decoded->response)};
}

const std::string* FetchResponse::header(std::string_view name) const noexcept {
  for (const auto& [n, v] : headers) {
    if (n == name) {
      return &v;
    }
  }
  return nullptr;
}

Awaitable<Result<FetchResponse>> ActorHandle::fetch(
    std::string method, std::string path, std::string body,
    std::vector<std::pair<std::string, std::string>> headers) const {
  const auto verb = http::string_to_verb(method);
  if (verb == http::verb::unknown) {
    co_return make_error(codes::kClientInvalidArgument, "Unknown HTTP method '" + method + "'");
  }
  if (path.starts_with('/')) {
    path.erase(0, 1);
  }
  if (target_->params) {
    headers.emplace_back("x-rivet-conn-params", target_->params->dump());
  }
  auto reply = co_await client_->http(verb, target_path(*client_, *target_, "/request/" + path),
                                      std::move(body), std::move(headers));
  if (!reply) {
    co_return reply.error();
  }
  co_return FetchResponse{reply->status, std::move(reply->headers), std::move(reply->body)};
}

Awaitable<Result<std::string>> ActorHandle::resolve() const {
  const auto& t = *target_;
  if (t.kind == Target::Kind::ById) {
    co_return id_result(t.actor_id);
  }
  {
    std::lock_guard lock(t.mu);
    if (t.resolved) {
      co_return id_result(*t.resolved);
    }
  }
  Result<HttpReply> reply = transport_error(codes::kClientConnectionFailed, "not sent");
  if (t.kind == Target::Kind::Get) {
    reply = co_await client_->http(http::verb::get,
                                   "/actors?name=" + encode_component(t.name) +
                                       "&key=" + encode_component(protocol::serialize_key(t.key)) +
                                       "&" + management_query(*client_),
                                   {}, {});
  } else {
    reply = co_await client_->http(http::verb::put, "/actors?" + management_query(*client_),
                                   actor_request_body(*client_, t),
                                   json_headers());
  }
  if (!reply) {
    co_return reply.error();
  }
  if (reply->status != 200) {
    co_return reply_error(*reply, protocol::Encoding::Json);
  }
  std::string id;
  if (t.kind == Target::Kind::Get) {
    auto parsed = Value::parse(reply->body, nullptr, false);
    if (parsed.is_discarded() || !parsed.is_object() || !parsed.contains("actors") ||
        !parsed["actors"].is_array()) {
      co_return transport_error(codes::kClientInvalidResponse,
                                "The actor API answered without actors");
    }
    if (parsed["actors"].empty()) {
      co_return make_error(codes::kActorNotFound,
                           "Actor not found: " + t.name + ":" + Value(t.key).dump());
    }
    const auto& first = parsed["actors"][0];
    if (!first.contains("actor_id") || !first["actor_id"].is_string()) {
      co_return transport_error(codes::kClientInvalidResponse,
                                "The actor API answered without an id");
    }
    id = first["actor_id"].get<std::string>();
  } else {
    auto got = actor_id_of(*reply);
    if (!got) {
      co_return got.error();
    }
    id = std::move(*got);
  }
  {
    std::lock_guard lock(t.mu);
    t.resolved = id;
  }
  co_return id_result(std::move(id));
}

}  // namespace rivet::client
