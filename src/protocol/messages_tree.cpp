// JSON and CBOR message codecs. Both encodings carry the same object shape
// ({"body":{"tag":..,"val":{..}}} for WebSocket frames, flat objects for HTTP bodies), so one
// reader over the parsed compat tree and one writer over an Emitter serve both.
#include "protocol/cbor.hpp"
#include "protocol/compat_check.hpp"
#include "protocol/json_text.hpp"
#include "protocol/messages_internal.hpp"

#include <cmath>
#include <memory>

namespace rivet::protocol::detail {
namespace {

// -- emitters ----------------------------------------------------------------------------------

class JsonEmitter final : public Emitter {
 public:
  [[nodiscard]] bool keeps_undefined() const override { return false; }
  void begin_object(std::size_t /*entries*/) override {
    out_ += '{';
    first_.push_back(true);
  }
  void end_object() override {
    out_ += '}';
    first_.pop_back();
  }
  void key(std::string_view k) override {
    if (!first_.back()) {
      out_ += ',';
    }
    first_.back() = false;
    json_text::append_string(out_, k);
    out_ += ':';
  }
  void string(std::string_view s) override { json_text::append_string(out_, s); }
  void bigint(std::uint64_t v) override { json_text::append_bigint(out_, v); }
  void number(std::uint64_t v) override { out_ += std::to_string(v); }
  void generation(std::uint64_t v) override { number(v); }
  void boolean(bool v) override { out_ += v ? "true" : "false"; }
  void null() override { out_ += "null"; }
  void undefined() override { out_ += "null"; }  // only reached inside arrays; never emitted
  void payload(const Value& v) override { json_text::append_value(out_, v); }
  [[nodiscard]] Bytes finish() override { return Bytes(out_.begin(), out_.end()); }

 private:
  std::string out_;
  std::vector<bool> first_;
};

class CborEmitter final : public Emitter {
 public:
  explicit CborEmitter(cbor::Mode mode) : mode_(mode) {}
  [[nodiscard]] bool keeps_undefined() const override { return true; }
  void begin_object(std::size_t entries) override { cbor::write_object_header(out_, entries); }
  void end_object() override {}
  void key(std::string_view k) override { cbor::write_text(out_, k); }
  void string(std::string_view s) override { cbor::write_text(out_, s); }
  void bigint(std::uint64_t v) override { cbor::write_head_u64(out_, cbor::kMajorUnsigned, v); }
  void number(std::uint64_t v) override { cbor::append(out_, Value(v), mode_); }
  void generation(std::uint64_t v) override { bigint(v); }
  void boolean(bool v) override { cbor::write_bool(out_, v); }
  void null() override { cbor::write_null(out_); }
  void undefined() override { out_.push_back(cbor::kUndefined); }
  void payload(const Value& v) override { cbor::append(out_, v, mode_); }
  [[nodiscard]] Bytes finish() override { return std::move(out_); }

 private:
  cbor::Mode mode_;
  Bytes out_;
};

// Server-bound bodies (written by a client) use RawPeer, client-bound ones Raw (cbor.hpp).
std::unique_ptr<Emitter> make_emitter(Encoding enc, cbor::Mode mode = cbor::Mode::Raw) {
  if (enc == Encoding::Cbor) {
    return std::make_unique<CborEmitter>(mode);
  }
  return std::make_unique<JsonEmitter>();
}

// {"body":{"tag":<tag>,"val":<written by val()>}}
template <class WriteVal>
void write_envelope(Emitter& em, std::string_view tag, WriteVal val) {
  em.begin_object(1);
  em.key("body");
  em.begin_object(2);
  em.key("tag");
  em.string(tag);
  em.key("val");
  val();
  em.end_object();
  em.end_object();
}

void write_actor(Emitter& em, const ActorSpecifier& a) {
  em.begin_object(a.key ? 3 : 2);
  em.key("actorId");
  em.string(a.actor_id);
  em.key("generation");
  em.generation(a.generation);
  if (a.key) {
    em.key("key");
    em.string(*a.key);
  }
  em.end_object();
}

// -- reading -----------------------------------------------------------------------------------

/// Sticky-error field reader over a compat object tree. "Absent" means missing, null, or
/// undefined (cbor-x writes undefined object fields).
class TreeReader {
 public:
  [[nodiscard]] const Value* member(const Value& obj, std::string_view key) {
    if (!obj.is_object()) {
      return nullptr;
    }
    auto it = obj.find(key);
    return it == obj.end() ? nullptr : &*it;
  }

  [[nodiscard]] const Value* present(const Value& obj, std::string_view key) {
    const Value* v = member(obj, key);
    if (v == nullptr || v->is_null() || is_undefined(*v)) {
      return nullptr;
    }
    return v;
  }

  const Value& object(const Value& obj, std::string_view key) {
    const Value* v = member(obj, key);
    if (v == nullptr || !v->is_object()) {
      fail_field(key, "an object");
      return empty_;
    }
    return *v;
  }

  std::string string(const Value& obj, std::string_view key) {
    const Value* v = member(obj, key);
    if (v == nullptr || !v->is_string()) {
      fail_field(key, "a string");
      return {};
    }
    return v->get<std::string>();
  }

  std::optional<std::string> opt_string(const Value& obj, std::string_view key) {
    if (present(obj, key) == nullptr) {
      return std::nullopt;
    }
    return string(obj, key);
  }

  bool boolean(const Value& obj, std::string_view key) {
    const Value* v = member(obj, key);
    if (v == nullptr || !v->is_boolean()) {
      fail_field(key, "a boolean");
      return false;
    }
    return v->get<bool>();
  }

  std::optional<bool> opt_boolean(const Value& obj, std::string_view key) {
    if (present(obj, key) == nullptr) {
      return std::nullopt;
    }
    return boolean(obj, key);
  }

  /// A u64 written as a JSON/CBOR integer of any width or as ["$BigInt","n"].
  std::uint64_t uint(const Value& obj, std::string_view key) {
    const Value* v = member(obj, key);
    if (v != nullptr) {
      if (v->is_number_unsigned()) {
        return v->get<std::uint64_t>();
      }
      if (v->is_number_integer() && v->get<std::int64_t>() >= 0) {
        return static_cast<std::uint64_t>(v->get<std::int64_t>());
      }
      if (v->is_array() && v->size() == 2 && (*v)[0] == "$BigInt" && (*v)[1].is_string()) {
        if (auto u = BigInt{(*v)[1].get<std::string>()}.to_uint64()) {
          return *u;
        }
      }
    }
    fail_field(key, "an unsigned integer");
    return 0;
  }

  std::optional<std::uint64_t> opt_uint(const Value& obj, std::string_view key) {
    if (present(obj, key) == nullptr) {
      return std::nullopt;
    }
    return uint(obj, key);
  }

  /// Millisecond durations: JS numbers, so also accept non-negative floats (truncated).
  std::optional<std::uint64_t> opt_millis(const Value& obj, std::string_view key) {
    const Value* v = present(obj, key);
    if (v == nullptr) {
      return std::nullopt;
    }
    if (v->is_number_float()) {
      double d = v->get<double>();
      constexpr double kMaxMillis = 9007199254740991.0;
      if (!std::isfinite(d) || d < 0 || d > kMaxMillis) {
        fail_field(key, "a duration in milliseconds");
        return std::nullopt;
      }
      return static_cast<std::uint64_t>(d);
    }
    return uint(obj, key);
  }

  /// A user payload: missing -> nullptr; otherwise it must hold only valid compat tags.
  const Value* payload(const Value& obj, std::string_view key) {
    const Value* v = member(obj, key);
    if (v != nullptr && !is_valid_compat(*v)) {
      fail("field `" + std::string(key) + "` holds an unknown or malformed compat tag");
      return nullptr;
    }
    return v;
  }

  std::optional<ActorSpecifier> opt_actor(const Value& obj) {
    const Value* v = present(obj, "actor");
    if (v == nullptr) {
      return std::nullopt;
    }
    const Value& a = object(obj, "actor");
    ActorSpecifier spec;
    spec.actor_id = string(a, "actorId");
    spec.generation = uint(a, "generation");
    spec.key = opt_string(a, "key");
    return spec;
  }

  void fail(std::string what) {
    if (error_.empty()) {
      error_ = std::move(what);
    }
  }

  template <class T>
  Result<T> finish(T value) const {
    if (!error_.empty()) {
      return errors::invalid_request("invalid message: " + error_);
    }
    return value;
  }

 private:
  void fail_field(std::string_view key, std::string_view expected) {
    fail("field `" + std::string(key) + "` must be " + std::string(expected));
  }

  std::string error_;
  Value empty_ = Value::object();
};

struct Envelope {
  std::string tag;
  const Value* val = nullptr;
};

Envelope read_envelope(TreeReader& r, const Value& root) {
  if (!root.is_object()) {
    r.fail("message must be an object");
    return {};
  }
  const Value& body = r.object(root, "body");
  Envelope env;
  env.tag = r.string(body, "tag");
  env.val = &r.object(body, "val");
  return env;
}

Value payload_or_undefined(TreeReader& r, const Value& obj, std::string_view key) {
  const Value* v = r.payload(obj, key);
  return v == nullptr ? undefined_value() : *v;
}

bool require_object(TreeReader& r, const Value& root) {
  if (!root.is_object()) {
    r.fail("body must be an object");
    return false;
  }
  return true;
}

}  // namespace

Result<Value> tree_parse(ByteView bytes, Encoding enc, bool from_server) {
  if (enc != Encoding::Cbor) {
    return decode_json(bytes);
  }
  return cbor::decode(bytes, from_server ? cbor::Mode::RawPeer : cbor::Mode::Raw);
}

// -- ToServer ----------------------------------------------------------------------------------

Bytes tree_encode(Encoding enc, const ToServer& msg) {
  auto em = make_emitter(enc, cbor::Mode::RawPeer);
  if (const auto* a = std::get_if<ActionRequest>(&msg)) {
    write_envelope(*em, "ActionRequest", [&] {
      em->begin_object(3);
      em->key("id");
      em->bigint(a->id);
      em->key("name");
      em->string(a->name);
      em->key("args");
      em->payload(a->args);
      em->end_object();
    });
  } else {
    const auto& s = std::get<SubscriptionRequest>(msg);
    write_envelope(*em, "SubscriptionRequest", [&] {
      em->begin_object(2);
      em->key("eventName");
      em->string(s.event_name);
      em->key("subscribe");
      em->boolean(s.subscribe);
      em->end_object();
    });
  }
  return em->finish();
}

Result<ToServer> tree_decode_to_server(const Value& root) {
  TreeReader r;
  Envelope env = read_envelope(r, root);
  ToServer msg;
  if (env.tag == "ActionRequest") {
    ActionRequest a;
    a.id = r.uint(*env.val, "id");
    a.name = r.string(*env.val, "name");
    a.args = normalize_args(r.payload(*env.val, "args"));
    msg = std::move(a);
  } else if (env.tag == "SubscriptionRequest") {
    SubscriptionRequest s;
    s.event_name = r.string(*env.val, "eventName");
    s.subscribe = r.boolean(*env.val, "subscribe");
    msg = std::move(s);
  } else if (env.val != nullptr) {
    r.fail("unknown message tag `" + env.tag + "`");
  }
  return r.finish(std::move(msg));
}

// -- ToClient ----------------------------------------------------------------------------------

Bytes tree_encode(Encoding enc, const ToClient& msg) {
  auto em = make_emitter(enc);
  if (const auto* init = std::get_if<Init>(&msg)) {
    write_envelope(*em, "Init", [&] {
      em->begin_object(2);
      em->key("actorId");
      em->string(init->actor_id);
      em->key("connectionId");
      em->string(init->connection_id);
      em->end_object();
    });
  } else if (const auto* e = std::get_if<ErrorMessage>(&msg)) {
    write_envelope(*em, "Error", [&] {
      em->begin_object(4 + (e->metadata ? 1 : 0) + (e->actor ? 1 : 0));
      em->key("group");
      em->string(e->group);
      em->key("code");
      em->string(e->code);
      em->key("message");
      em->string(e->message);
      if (e->metadata) {
        em->key("metadata");
        em->payload(*e->metadata);
      }
      // Required by the client even for connection-level errors.
      em->key("actionId");
      if (e->action_id) {
        em->bigint(*e->action_id);
      } else {
        em->null();
      }
      if (e->actor) {
        em->key("actor");
        write_actor(*em, *e->actor);
      }
      em->end_object();
    });
  } else if (const auto* resp = std::get_if<ActionResponse>(&msg)) {
    write_envelope(*em, "ActionResponse", [&] {
      em->begin_object(2);
      em->key("id");
      em->bigint(resp->id);
      em->key("output");
      em->payload(resp->output);
      em->end_object();
    });
  } else {
    const auto& ev = std::get<Event>(msg);
    write_envelope(*em, "Event", [&] {
      em->begin_object(2);
      em->key("name");
      em->string(ev.name);
      em->key("args");
      em->payload(ev.args);
      em->end_object();
    });
  }
  return em->finish();
}

Result<ToClient> tree_decode_to_client(const Value& root) {
  TreeReader r;
  Envelope env = read_envelope(r, root);
  ToClient msg;
  if (env.val == nullptr) {
    return r.finish(std::move(msg));
  }
  const Value& val = *env.val;
  if (env.tag == "Init") {
    Init init;
    init.actor_id = r.string(val, "actorId");
    init.connection_id = r.string(val, "connectionId");
    msg = std::move(init);
  } else if (env.tag == "Error") {
    ErrorMessage e;
    e.group = r.string(val, "group");
    e.code = r.string(val, "code");
    e.message = r.string(val, "message");
    const Value* metadata = r.payload(val, "metadata");
    if (metadata != nullptr && !is_undefined(*metadata)) {
      e.metadata = *metadata;
    }
    e.action_id = r.opt_uint(val, "actionId");
    e.actor = r.opt_actor(val);
    msg = std::move(e);
  } else if (env.tag == "ActionResponse") {
    ActionResponse resp;
    resp.id = r.uint(val, "id");
    resp.output = payload_or_undefined(r, val, "output");
    msg = std::move(resp);
  } else if (env.tag == "Event") {
    Event ev;
    ev.name = r.string(val, "name");
    ev.args = normalize_args(r.payload(val, "args"));
    msg = std::move(ev);
  } else {
    r.fail("unknown message tag `" + env.tag + "`");
  }
  return r.finish(std::move(msg));
}

// -- HTTP action -------------------------------------------------------------------------------

Bytes tree_encode_http_action_request(Encoding enc, const Value& args) {
  auto em = make_emitter(enc, cbor::Mode::RawPeer);
  em->begin_object(1);
  em->key("args");
  em->payload(args);
  em->end_object();
  return em->finish();
}

Result<Value> tree_decode_http_action_request(const Value& root) {
  TreeReader r;
  if (!require_object(r, root)) {
    return r.finish(Value());
  }
  return r.finish(normalize_args(r.payload(root, "args")));
}

Bytes tree_encode_http_action_response(Encoding enc, const Value& output) {
  auto em = make_emitter(enc);
  em->begin_object(1);
  em->key("output");
  em->payload(output);
  em->end_object();
  return em->finish();
}

Result<Value> tree_decode_http_action_response(const Value& root) {
  TreeReader r;
  if (!require_object(r, root)) {
    return r.finish(Value());
  }
  return r.finish(payload_or_undefined(r, root, "output"));
}

// -- HTTP queue --------------------------------------------------------------------------------

Bytes tree_encode(Encoding enc, const QueueSendRequest& req) {
  auto em = make_emitter(enc, cbor::Mode::RawPeer);
  // The client builds {body,name,wait,timeout} with undefined for unset options: cbor-x keeps
  // those keys (as 0xf7), JSON.stringify drops them.
  bool all = em->keeps_undefined();
  em->begin_object(all ? 4
                       : 1 + (req.name ? 1 : 0) + (req.wait ? 1 : 0) + (req.timeout_ms ? 1 : 0));
  em->key("body");
  em->payload(req.body);
  if (req.name || all) {
    em->key("name");
    req.name ? em->string(*req.name) : em->undefined();
  }
  if (req.wait || all) {
    em->key("wait");
    req.wait ? em->boolean(*req.wait) : em->undefined();
  }
  if (req.timeout_ms || all) {
    em->key("timeout");
    req.timeout_ms ? em->number(*req.timeout_ms) : em->undefined();
  }
  em->end_object();
  return em->finish();
}

Result<QueueSendRequest> tree_decode_queue_request(const Value& root) {
  TreeReader r;
  QueueSendRequest req;
  if (!require_object(r, root)) {
    return r.finish(std::move(req));
  }
  req.body = payload_or_undefined(r, root, "body");
  req.name = r.opt_string(root, "name");
  req.wait = r.opt_boolean(root, "wait");
  req.timeout_ms = r.opt_millis(root, "timeout");
  return r.finish(std::move(req));
}

Bytes tree_encode(Encoding enc, const QueueSendResponse& resp) {
  auto em = make_emitter(enc);
  em->begin_object(resp.response ? 2 : 1);
  em->key("status");
  em->string(resp.status);
  if (resp.response) {
    em->key("response");
    em->payload(*resp.response);
  }
  em->end_object();
  return em->finish();
}

Result<QueueSendResponse> tree_decode_queue_response(const Value& root) {
  TreeReader r;
  QueueSendResponse resp;
  if (!require_object(r, root)) {
    return r.finish(std::move(resp));
  }
  resp.status = r.string(root, "status");
  if (resp.status != "completed" && resp.status != "timedOut") {
    r.fail("field `status` must be \"completed\" or \"timedOut\"");
  }
  const Value* response = r.payload(root, "response");
  if (response != nullptr && !is_undefined(*response)) {
    resp.response = *response;
  }
  return r.finish(std::move(resp));
}

// -- HTTP error --------------------------------------------------------------------------------

Bytes tree_encode(Encoding enc, const HttpError& err) {
  auto em = make_emitter(enc);
  em->begin_object(3 + (err.metadata ? 1 : 0) + (err.actor ? 1 : 0));
  em->key("group");
  em->string(err.group);
  em->key("code");
  em->string(err.code);
  em->key("message");
  em->string(err.message);
  if (err.metadata) {
    em->key("metadata");
    em->payload(*err.metadata);
  }
  if (err.actor) {
    em->key("actor");
    write_actor(*em, *err.actor);
  }
  em->end_object();
  return em->finish();
}

Result<HttpError> tree_decode_http_error(const Value& root) {
  TreeReader r;
  HttpError err;
  if (!require_object(r, root)) {
    return r.finish(std::move(err));
  }
  err.group = r.string(root, "group");
  err.code = r.string(root, "code");
  err.message = r.string(root, "message");
  const Value* metadata = r.payload(root, "metadata");
  if (metadata != nullptr && !is_undefined(*metadata)) {
    err.metadata = *metadata;
  }
  err.actor = r.opt_actor(root);
  return r.finish(std::move(err));
}

}  // namespace rivet::protocol::detail
