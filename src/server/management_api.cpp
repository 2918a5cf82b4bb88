#include "server/management_api.hpp"

#include "server/bearer_auth.hpp"

#include "server/error_mapping.hpp"
#include "server/gateway.hpp"
#include "server/input_limits.hpp"
#include "server/node_metrics.hpp"
#include "server/server_errors.hpp"
#include "server/url_util.hpp"

#include <rivet/protocol/encoding.hpp>
#include <rivet/protocol/keys.hpp>

#include <algorithm>
#include <chrono>
#include <charconv>

namespace rivet::server {
namespace {

constexpr unsigned kOk = 200;
constexpr std::size_t kMaxActorIds = 32;
constexpr std::size_t kDefaultLimit = 100;
// Largest page of GET /actors?name=: a larger `limit` is clamped (the page then carries a
// cursor), so that one request cannot make the server read and encode every actor at once.
constexpr std::size_t kMaxLimit = 1000;
constexpr std::size_t kMaxKeyBytes = 1024;
constexpr int kDatacenterLabel = 1;

using QueryPairs = std::vector<std::pair<std::string, std::string>>;

HttpResponse json_response(const Value& body) {
  HttpResponse r;
  r.status = kOk;
  r.set("content-type", "application/json");
  r.body = protocol::encode_json(body);
  return r;
}

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (start <= path.size()) {
    auto end = path.find('/', start);
    if (end == std::string_view::npos) {
      end = path.size();
    }
    if (end > start) {
      out.push_back(path.substr(start, end - start));
    }
    start = end + 1;
  }
  return out;
}

std::optional<std::string> query_value(const QueryPairs& q, std::string_view key) {
  for (const auto& [k, v] : q) {
    if (k == key) {
      return v;
    }
  }
  return std::nullopt;
}

std::optional<std::int64_t> parse_int(std::string_view s) {
  std::int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || ptr != s.data() + s.size()) {
    return std::nullopt;
  }
  return v;
}

std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

Value pagination(const std::vector<storage::ActorRecord>& page, std::size_t limit) {
  if (page.size() >= limit && !page.empty()) {
    return Value{{"cursor", std::to_string(page.back().create_ts)}};
  }
  return Value{{"cursor", nullptr}};
}

Task<HttpResponse> list_actors(ServerContext& ctx, QueryPairs query) {
  const auto ns = ctx.runtime.options().namespace_name;
  auto name = query_value(query, "name");
  auto key = query_value(query, "key");
  bool include_destroyed = query_value(query, "include_destroyed").value_or("false") == "true";
  std::size_t limit = kDefaultLimit;
  if (auto raw = query_value(query, "limit")) {
    auto v = parse_int(*raw);
    if (!v || *v <= 0) {
      co_return management_error_response(rivet::errors::invalid_input("invalid limit"));
    }
    limit = std::min(static_cast<std::size_t>(*v), kMaxLimit);
  }
  std::optional<std::int64_t> cursor;
  if (auto raw = query_value(query, "cursor"); raw && !raw->empty()) {
    cursor = parse_int(*raw);
    if (!cursor) {
      co_return management_error_response(rivet::errors::invalid_input("invalid cursor"));
    }
  }

  std::vector<std::string> ids;
  for (const auto& [k, v] : query) {
    if (k == "actor_id") {
      ids.push_back(v);
    } else if (k == "actor_ids") {
      std::size_t start = 0;
      while (start <= v.size()) {
        auto end = v.find(',', start);
        if (end == std::string::npos) {
          end = v.size();
        }
        if (end > start) {
          ids.push_back(v.substr(start, end - start));
        }
        start = end + 1;
      }
    }
  }

  std::vector<storage::ActorRecord> actors;
  if (!ids.empty()) {
    if (ids.size() > kMaxActorIds) {
      co_return management_error_response(errors::too_many_actor_ids());
    }
    // Upstream rejects name+ids; the Rust client sends both, so the name filters instead.
    for (const auto& id : ids) {
      auto found = co_await ctx.runtime.find_by_id(id);
      if (!found) {
        co_return management_error_response(found.error());
      }
      if (!found->has_value()) {
        continue;
      }
      const auto& record = **found;
      if (record.destroy_ts && !include_destroyed) {
        continue;
      }
      if (name && record.name != *name) {
        continue;
      }
      actors.push_back(record);
    }
  } else if (key) {
    if (!name) {
      co_return management_error_response(
          rivet::errors::invalid_input("key requires a name parameter"));
    }
    auto found = co_await ctx.runtime.find_by_key(*name, protocol::deserialize_key(*key));
    if (!found) {
      co_return management_error_response(found.error());
    }
    if (found->has_value()) {
      actors.push_back(**found);
    }
  } else {
    auto page = co_await ctx.runtime.list(name, limit, cursor);
    if (!page) {
      co_return management_error_response(page.error());
    }
    actors = std::move(*page);
  }

  Value list = Value::array();
  for (const auto& a : actors) {
    list.push_back(actor_json(a, ns, ctx.runtime.is_awake(a.actor_id)));
  }
  co_return json_response(Value{{"actors", std::move(list)}, {"pagination", pagination(actors, limit)}});
}

struct CreateBody {
  CreateRequest request;
  std::optional<std::string> datacenter;
};

// Parses the PUT/POST /actors body. `key_required`: PUT needs a key, POST does not.
Result<CreateBody> parse_create_body(const std::string& text, bool key_required) {
  auto parsed = protocol::decode_json(
      protocol::ByteView(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
  if (!parsed || !parsed->is_object()) {
    return rivet::errors::invalid_input("request body must be a JSON object");
  }
  const auto& body = *parsed;
  CreateBody out;
  auto name = body.find("name");
  if (name == body.end() || !name->is_string()) {
    return rivet::errors::invalid_input("missing field `name`");
  }
  out.request.name = name->get<std::string>();

  auto key = body.find("key");
  if (key == body.end() || key->is_null()) {
    if (key_required) {
      return rivet::errors::invalid_input("missing field `key`");
    }
  } else if (!key->is_string()) {
    return rivet::errors::invalid_input("`key` must be a string");
  } else {
    auto text_key = key->get<std::string>();
    if (text_key.empty()) {
      return errors::empty_key();
    }
    if (text_key.size() > kMaxKeyBytes) {
      return errors::key_too_large();
    }
    out.request.key = protocol::deserialize_key(text_key);
    if (auto fits = check_key_components(*out.request.key); !fits) {
      return fits.error();
    }
  }

  if (auto input = body.find("input"); input != body.end() && !input->is_null()) {
    if (!input->is_string()) {
      return rivet::errors::invalid_input("`input` must be a base64 string");
    }
    auto bytes = base64_decode(input->get<std::string>());
    if (!bytes) {
      return rivet::errors::invalid_input("`input` is not valid base64");
    }
    if (auto fits = check_input_size(bytes->size()); !fits) {
      return fits.error();
    }
    auto value = protocol::decode_compat_cbor(protocol::ByteView(bytes->data(), bytes->size()));
    if (!value) {
      return rivet::errors::invalid_input("`input` is not valid CBOR");
    }
    out.request.input = std::move(*value);
  }
  if (auto policy = body.find("crash_policy"); policy != body.end() && !policy->is_null()) {
    auto p = policy->is_string() ? policy->get<std::string>() : std::string();
    if (p != "restart" && p != "sleep" && p != "destroy") {
      return rivet::errors::invalid_input("`crash_policy` must be restart, sleep or destroy");
    }
    out.request.crash_policy = p;
  }
  if (auto dc = body.find("datacenter"); dc != body.end() && dc->is_string()) {
    out.datacenter = dc->get<std::string>();
  }
  return out;
}

Task<HttpResponse> create_actor(ServerContext& ctx, HttpRequest request, bool get_or_create) {
  const auto ns = ctx.runtime.options().namespace_name;
  auto body = parse_create_body(request.body, get_or_create);
  if (!body) {
    co_return management_error_response(body.error());
  }
  if (body->datacenter && *body->datacenter != kDatacenterName) {
    co_return management_error_response(errors::datacenter_not_found(*body->datacenter));
  }
  if (get_or_create) {
    auto result = co_await ctx.runtime.get_or_create(std::move(body->request));
    if (!result) {
      co_return management_error_response(result.error());
    }
    co_return json_response(
        Value{{"actor", actor_json(result->actor, ns, ctx.runtime.is_awake(result->actor.actor_id))},
              {"created", result->created}});
  }
  auto record = co_await ctx.runtime.create(std::move(body->request));
  if (!record) {
    co_return management_error_response(record.error());
  }
  co_return json_response(
      Value{{"actor", actor_json(*record, ns, ctx.runtime.is_awake(record->actor_id))}});
}

Task<HttpResponse> destroy_actor(ServerContext& ctx, std::string actor_id) {
  auto result = co_await ctx.runtime.destroy(std::move(actor_id));
  if (!result) {
    co_return management_error_response(result.error());
  }
  co_return json_response(Value::object());
}

HttpResponse actor_names(ServerContext& ctx) {
  Value names = Value::object();
  for (const auto& name : ctx.runtime.registry().names()) {
    Value metadata = Value::object();
    if (const auto* opts = ctx.runtime.options_for(name)) {
      if (!opts->display_name.empty()) {
        metadata["name"] = opts->display_name;
      }
      if (!opts->icon.empty()) {
        metadata["icon"] = opts->icon;
      }
    }
    names[name] = Value{{"metadata", std::move(metadata)}};
  }
  return json_response(Value{{"names", std::move(names)}, {"pagination", {{"cursor", nullptr}}}});
}

// Restricted routes need the server's RIVET_TOKEN when one is set: as a Bearer token (the
// TypeScript client) or in x-rivet-token (the Rust client).
std::optional<Error> admin_check(const ServerContext& ctx, const HttpRequest& request) {
  if (ctx.admin_token.empty()) {
    return std::nullopt;
  }
  std::optional<std::string_view> given = bearer_token(request);
  if (!given) {
    if (const auto* header = request.header("x-rivet-token")) {
      given = *header;
    }
  }
  if (!given) {
    return make_error(codes::kApiUnauthorized, "This route needs the server's token");
  }
  if (!same_secret(*given, ctx.admin_token)) {
    return make_error(codes::kApiForbidden, "The token is not valid for this route");
  }
  return std::nullopt;
}

// Reads the actor's KV row straight from the store: the runtime has no KV read API, and the
// dashboard only needs committed values.
Task<HttpResponse> kv_get(ServerContext& ctx, std::string actor_id, std::string key_b64) {
  auto found = co_await ctx.runtime.find_by_id(actor_id);
  if (!found) {
    co_return management_error_response(found.error());
  }
  if (!found->has_value() || (*found)->destroy_ts) {
    co_return management_error_response(rivet::errors::actor_not_found());
  }
  auto key = base64_decode(key_b64);
  if (!key) {
    co_return management_error_response(rivet::errors::invalid_input("key is not valid base64"));
  }
  auto value = ctx.store.kv_get(actor_id, *key);
  if (!value) {
    co_return management_error_response(value.error());
  }
  if (!value->has_value()) {
    co_return management_error_response(errors::kv_key_not_found());
  }
  const auto& bytes = **value;
  co_return json_response(
      Value{{"value", base64_encode(bytes.data(), bytes.size())}, {"update_ts", now_ms()}});
}

}  // namespace

Value actor_json(const storage::ActorRecord& record, std::string_view namespace_name,
                 bool awake) {
  auto opt_ts = [](const std::optional<std::int64_t>& v) -> Value {
    return v ? Value(*v) : Value(nullptr);
  };
  const bool live = !record.destroy_ts.has_value();
  return Value{
      {"actor_id", record.actor_id},
      {"name", record.name},
      {"key", record.key},
      {"namespace_id", std::string(namespace_name)},
      {"datacenter", std::string(kDatacenterName)},
      {"runner_name_selector", "default"},
      {"crash_policy", record.crash_policy},
      {"create_ts", record.create_ts},
      {"start_ts", live ? Value(record.create_ts) : Value(nullptr)},
      {"pending_allocation_ts", nullptr},
      {"connectable_ts", live ? Value(record.create_ts) : Value(nullptr)},
      {"sleep_ts", live && !awake ? Value(record.create_ts) : Value(nullptr)},
      {"reschedule_ts", nullptr},
      {"destroy_ts", opt_ts(record.destroy_ts)},
  };
}

HttpResponse management_error_response(const Error& error) {
  HttpResponse r;
  r.status = error_status(error, ErrorSurface::Management);
  r.set("content-type", "application/json");
  r.body = error_json_body(api_visible_error(error));
  return r;
}

Task<HttpResponse> handle_management(ServerContext& ctx, HttpRequest request) {
  auto split = split_target(request.target);
  auto segments = split_path(split.path);
  auto query = parse_query(split.query.value_or(""));
  if (!query) {
    co_return management_error_response(rivet::errors::invalid_input("malformed query string"));
  }
  const auto& method = request.method;
  const auto& version = ctx.runtime.options().version;

  if (segments.size() == 1 && method == "GET") {
    if (segments[0] == "health") {
      co_return json_response(Value{{"status", "ok"}, {"runtime", "engine"}, {"version", version}});
    }
    if (segments[0] == "metadata") {
      co_return json_response(Value{{"runtime", "engine"}, {"version", version}});
    }
    if (segments[0] == "metrics" && ctx.runtime.options().metrics) {
      co_return metrics_response(*ctx.runtime.options().metrics, ctx.stats);
    }
    if (segments[0] == "datacenters") {
      co_return json_response(
          Value{{"datacenters",
                 Value::array({Value{{"label", kDatacenterLabel},
                                     {"name", std::string(kDatacenterName)},
                                     {"url", ctx.endpoint}}})},
                {"pagination", {{"cursor", nullptr}}}});
    }
  }
  if (segments.empty() || segments[0] != "actors") {
    co_return management_error_response(errors::api_not_found());
  }
  if (segments.size() == 1) {
    if (method == "GET") {
      co_return co_await list_actors(ctx, std::move(*query));
    }
    if (method == "PUT") {
      co_return co_await create_actor(ctx, std::move(request), true);
    }
    if (method == "POST") {
      co_return co_await create_actor(ctx, std::move(request), false);
    }
    co_return management_error_response(errors::api_not_found());
  }
  if (segments.size() == 2 && segments[1] == "names" && method == "GET") {
    co_return actor_names(ctx);
  }
  auto actor_id = percent_decode(segments[1]);
  if (!actor_id) {
    co_return management_error_response(rivet::errors::invalid_input("malformed actor id"));
  }
  if (segments.size() == 2 && method == "DELETE") {
    co_return co_await destroy_actor(ctx, std::move(*actor_id));
  }
  if (segments.size() == 5 && segments[2] == "kv" && segments[3] == "keys" && method == "GET") {
    if (auto denied = admin_check(ctx, request)) {
      co_return management_error_response(*denied);
    }
    auto key = percent_decode(segments[4]);
    if (!key) {
      co_return management_error_response(rivet::errors::invalid_input("malformed key"));
    }
    co_return co_await kv_get(ctx, std::move(*actor_id), std::move(*key));
  }
  co_return management_error_response(errors::api_not_found());
}

}  // namespace rivet::server
