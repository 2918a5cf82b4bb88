// vbare-framed BARE codecs of the client protocol (schemas v1..v4, see docs/protocol.md).
#include "protocol/bare.hpp"
#include "protocol/compat_check.hpp"
#include "protocol/messages_internal.hpp"

namespace rivet::protocol::detail {
namespace {

constexpr std::uint16_t kOldestVersion = 1;
constexpr std::uint16_t kFirstQueueVersion = 3;
constexpr std::uint16_t kFirstActorSpecifierVersion = 4;

enum class ToServerTag : std::uint8_t { ActionRequest = 0, SubscriptionRequest = 1 };
enum class ToClientTag : std::uint8_t { Init = 0, Error = 1, ActionResponse = 2, Event = 3 };

// -- writing -----------------------------------------------------------------------------------

struct Out {
  Bytes bytes;
  bare::Writer w{bytes};
  Out() { w.u16(kProtocolVersion); }
};

void write_cbor(bare::Writer& w, const Value& v) { w.data(encode_compat_cbor(v)); }

void write_actor(bare::Writer& w, const std::optional<ActorSpecifier>& actor) {
  w.optional(actor.has_value());
  if (!actor) {
    return;
  }
  w.str(actor->actor_id);
  w.uint(actor->generation);
  w.optional(actor->key.has_value());
  if (actor->key) {
    w.str(*actor->key);
  }
}

void write_optional_cbor(bare::Writer& w, const std::optional<Value>& v) {
  w.optional(v.has_value());
  if (v) {
    write_cbor(w, *v);
  }
}

// -- reading -----------------------------------------------------------------------------------

/// Reads the version prefix; fails the reader outside [min_version, kProtocolVersion].
std::uint16_t read_version(bare::Reader& r, std::uint16_t min_version) {
  std::uint16_t v = r.u16();
  if (r.ok() && (v < min_version || v > kProtocolVersion)) {
    r.fail("unsupported protocol version " + std::to_string(v));
  }
  return v;
}

Value read_cbor(bare::Reader& r, std::string_view field) {
  ByteView data = r.data();
  if (!r.ok()) {
    return {};
  }
  auto v = decode_compat_cbor(data);
  if (!v) {
    r.fail(std::string(field) + ": " + v.error().message);
    return {};
  }
  if (!is_valid_compat(*v)) {
    r.fail(std::string(field) + ": unknown or malformed compat tag");
    return {};
  }
  return std::move(*v);
}

std::optional<Value> read_optional_cbor(bare::Reader& r, std::string_view field) {
  if (!r.optional()) {
    return std::nullopt;
  }
  return read_cbor(r, field);
}

std::optional<ActorSpecifier> read_actor(bare::Reader& r) {
  if (!r.optional()) {
    return std::nullopt;
  }
  ActorSpecifier a;
  a.actor_id = r.str();
  a.generation = r.uint();
  if (r.optional()) {
    a.key = r.str();
  }
  return a;
}

template <class T>
Result<T> finish(const bare::Reader& r, T value) {
  if (auto err = r.finish()) {
    return *err;
  }
  return value;
}

}  // namespace

// -- ToServer ----------------------------------------------------------------------------------

Bytes bare_encode_to_server(const ToServer& msg) {
  Out o;
  if (const auto* a = std::get_if<ActionRequest>(&msg)) {
    o.w.u8(static_cast<std::uint8_t>(ToServerTag::ActionRequest));
    o.w.uint(a->id);
    o.w.str(a->name);
    write_cbor(o.w, a->args);
  } else {
    const auto& s = std::get<SubscriptionRequest>(msg);
    o.w.u8(static_cast<std::uint8_t>(ToServerTag::SubscriptionRequest));
    o.w.str(s.event_name);
    o.w.boolean(s.subscribe);
  }
  return std::move(o.bytes);
}

Result<ToServer> bare_decode_to_server(ByteView bytes) {
  bare::Reader r(bytes);
  read_version(r, kOldestVersion);
  auto tag = r.u8();
  ToServer msg;
  if (tag == static_cast<std::uint8_t>(ToServerTag::ActionRequest)) {
    ActionRequest a;
    a.id = r.uint();
    a.name = r.str();
    Value args = read_cbor(r, "args");
    a.args = normalize_args(&args);
    msg = std::move(a);
  } else if (tag == static_cast<std::uint8_t>(ToServerTag::SubscriptionRequest)) {
    SubscriptionRequest s;
    s.event_name = r.str();
    s.subscribe = r.boolean();
    msg = std::move(s);
  } else {
    r.fail("unknown ToServer tag " + std::to_string(tag));
  }
  return finish(r, std::move(msg));
}

// -- ToClient ----------------------------------------------------------------------------------

Bytes bare_encode_to_client(const ToClient& msg) {
  Out o;
  auto& w = o.w;
  if (const auto* init = std::get_if<Init>(&msg)) {
    w.u8(static_cast<std::uint8_t>(ToClientTag::Init));
    w.str(init->actor_id);
    w.str(init->connection_id);
  } else if (const auto* e = std::get_if<ErrorMessage>(&msg)) {
    w.u8(static_cast<std::uint8_t>(ToClientTag::Error));
    w.str(e->group);
    w.str(e->code);
    w.str(e->message);
    write_optional_cbor(w, e->metadata);
    w.optional(e->action_id.has_value());
    if (e->action_id) {
      w.uint(*e->action_id);
    }
    write_actor(w, e->actor);
  } else if (const auto* resp = std::get_if<ActionResponse>(&msg)) {
    w.u8(static_cast<std::uint8_t>(ToClientTag::ActionResponse));
    w.uint(resp->id);
    write_cbor(w, resp->output);
  } else {
    const auto& ev = std::get<Event>(msg);
    w.u8(static_cast<std::uint8_t>(ToClientTag::Event));
    w.str(ev.name);
    write_cbor(w, ev.args);
  }
  return std::move(o.bytes);
}

Result<ToClient> bare_decode_to_client(ByteView bytes) {
  bare::Reader r(bytes);
  auto version = read_version(r, kOldestVersion);
  auto tag = r.u8();
  ToClient msg;
  switch (static_cast<ToClientTag>(tag)) {
    case ToClientTag::Init: {
      Init init;
      init.actor_id = r.str();
      init.connection_id = r.str();
      if (version == 1) {
        (void)r.str();  // v1 connectionToken, dropped by the v1 -> v2 upgrade
      }
      msg = std::move(init);
      break;
    }
    case ToClientTag::Error: {
      ErrorMessage e;
      e.group = r.str();
      e.code = r.str();
      e.message = r.str();
      e.metadata = read_optional_cbor(r, "metadata");
      if (r.optional()) {
        e.action_id = r.uint();
      }
      if (version >= kFirstActorSpecifierVersion) {
        e.actor = read_actor(r);
      }
      msg = std::move(e);
      break;
    }
    case ToClientTag::ActionResponse: {
      ActionResponse resp;
      resp.id = r.uint();
      resp.output = read_cbor(r, "output");
      msg = std::move(resp);
      break;
    }
    case ToClientTag::Event: {
      Event ev;
      ev.name = r.str();
      Value args = read_cbor(r, "args");
      ev.args = normalize_args(&args);
      msg = std::move(ev);
      break;
    }
    default:
      r.fail("unknown ToClient tag " + std::to_string(tag));
  }
  return finish(r, std::move(msg));
}

// -- HTTP action -------------------------------------------------------------------------------

Bytes bare_encode_http_action_request(const Value& args) {
  Out o;
  write_cbor(o.w, args);
  return std::move(o.bytes);
}

Result<Value> bare_decode_http_action_request(ByteView bytes) {
  bare::Reader r(bytes);
  read_version(r, kOldestVersion);
  Value args = read_cbor(r, "args");
  return finish(r, normalize_args(&args));
}

Bytes bare_encode_http_action_response(const Value& output) {
  Out o;
  write_cbor(o.w, output);
  return std::move(o.bytes);
}

Result<Value> bare_decode_http_action_response(ByteView bytes) {
  bare::Reader r(bytes);
  read_version(r, kOldestVersion);
  Value output = read_cbor(r, "output");
  return finish(r, std::move(output));
}

// -- HTTP queue --------------------------------------------------------------------------------

Bytes bare_encode_queue_request(const QueueSendRequest& req) {
  Out o;
  auto& w = o.w;
  write_cbor(w, req.body);
  w.optional(req.name.has_value());
  if (req.name) {
    w.str(*req.name);
  }
  w.optional(req.wait.has_value());
  if (req.wait) {
    w.boolean(*req.wait);
  }
  w.optional(req.timeout_ms.has_value());
  if (req.timeout_ms) {
    w.u64(*req.timeout_ms);
  }
  return std::move(o.bytes);
}

Result<QueueSendRequest> bare_decode_queue_request(ByteView bytes) {
  bare::Reader r(bytes);
  read_version(r, kFirstQueueVersion);
  QueueSendRequest req;
  req.body = read_cbor(r, "body");
  if (r.optional()) {
    req.name = r.str();
  }
  if (r.optional()) {
    req.wait = r.boolean();
  }
  if (r.optional()) {
    req.timeout_ms = r.u64();
  }
  return finish(r, std::move(req));
}

Bytes bare_encode_queue_response(const QueueSendResponse& resp) {
  Out o;
  o.w.str(resp.status);
  write_optional_cbor(o.w, resp.response);
  return std::move(o.bytes);
}

Result<QueueSendResponse> bare_decode_queue_response(ByteView bytes) {
  bare::Reader r(bytes);
  read_version(r, kFirstQueueVersion);
  QueueSendResponse resp;
  resp.status = r.str();
  resp.response = read_optional_cbor(r, "response");
  if (r.ok() && resp.status != "completed" && resp.status != "timedOut") {
    r.fail("unknown queue status");
  }
  return finish(r, std::move(resp));
}

// -- HTTP error --------------------------------------------------------------------------------

Bytes bare_encode_http_error(const HttpError& err) {
  Out o;
  auto& w = o.w;
  w.str(err.group);
  w.str(err.code);
  w.str(err.message);
  write_optional_cbor(w, err.metadata);
  write_actor(w, err.actor);
  return std::move(o.bytes);
}

Result<HttpError> bare_decode_http_error(ByteView bytes) {
  bare::Reader r(bytes);
  auto version = read_version(r, kOldestVersion);
  HttpError err;
  err.group = r.str();
  err.code = r.str();
  err.message = r.str();
  err.metadata = read_optional_cbor(r, "metadata");
  if (version >= kFirstActorSpecifierVersion) {
    err.actor = read_actor(r);
  }
  return finish(r, std::move(err));
}

}  // namespace rivet::protocol::detail
