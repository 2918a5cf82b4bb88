#include "server/gateway_route.hpp"

#include "server/server_errors.hpp"
#include "server/url_util.hpp"

#include <rivet/protocol/encoding.hpp>

#include <array>
#include <map>
#include <vector>

namespace rivet::server {
namespace {

constexpr std::string_view kRvtPrefix = "rvt-";

// Every rvt-* parameter the query gateway understands (without the prefix).
constexpr std::array<std::string_view, 10> kKnownParams = {
    "namespace", "method", "runner", "pool",  "key", "input", "region", "crash-policy",
    "token",     "skip-ready-wait"};

std::vector<std::string_view> path_segments(std::string_view path) {
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

std::string_view query_part_key(std::string_view part) {
  return part.substr(0, part.find('='));
}

// The path after the first `consumed` non-empty segments, always starting with '/'.
std::string remaining_path(std::string_view base_path, std::size_t consumed,
                           std::string_view query_suffix) {
  std::size_t prefix_len = 0;
  auto segments = path_segments(base_path);
  for (std::size_t i = 0; i < consumed && i < segments.size(); ++i) {
    prefix_len += 1 + segments[i].size();
  }
  std::string rest =
      prefix_len < base_path.size() ? std::string(base_path.substr(prefix_len)) : "/";
  if (rest.empty() || rest.front() != '/') {
    rest.insert(rest.begin(), '/');
  }
  rest.append(query_suffix);
  return rest;
}

std::string strip_rvt_params(std::string_view raw_query) {
  std::string out;
  std::size_t start = 0;
  while (start <= raw_query.size()) {
    auto end = raw_query.find('&', start);
    if (end == std::string_view::npos) {
      end = raw_query.size();
    }
    auto part = raw_query.substr(start, end - start);
    if (!part.empty() && !query_part_key(part).starts_with(kRvtPrefix)) {
      out.append(out.empty() ? "?" : "&");
      out.append(part);
    }
    start = end + 1;
  }
  return out;
}

bool is_base64url_char(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

Result<Value> decode_query_input(std::string_view text) {
  bool charset_ok = true;
  for (char c : text) {
    charset_ok = charset_ok && is_base64url_char(c);
  }
  if (!charset_ok || text.size() % 4 == 1) {
    return errors::query_invalid_base64_input();
  }
  auto bytes = base64_decode(text);
  if (!bytes) {
    return errors::query_invalid_base64_input();
  }
  auto value = protocol::decode_compat_cbor(protocol::ByteView(bytes->data(), bytes->size()));
  if (!value) {
    return errors::query_invalid_cbor_input(value.error().message);
  }
  return std::move(*value);
}

Result<GatewayRoute> parse_query_path(std::string_view base_path,
                                      const std::vector<std::string_view>& segments,
                                      std::string_view raw_query) {
  // Decode the rvt-* values first (form rules), as upstream does.
  std::vector<std::pair<std::string, std::string>> rvt;
  std::size_t start = 0;
  while (start <= raw_query.size()) {
    auto end = raw_query.find('&', start);
    if (end == std::string_view::npos) {
      end = raw_query.size();
    }
    auto part = raw_query.substr(start, end - start);
    start = end + 1;
    auto key = query_part_key(part);
    if (!key.starts_with(kRvtPrefix)) {
      continue;
    }
    auto raw_value = key.size() < part.size() ? part.substr(key.size() + 1) : std::string_view{};
    auto value = form_decode(raw_value);
    if (!value) {
      return errors::query_invalid_percent_encoding(key);
    }
    rvt.emplace_back(std::string(key), std::move(*value));
  }

  if (segments.size() < 2) {
    return errors::query_empty_actor_name();
  }
  auto name_segment = segments[1];
  if (name_segment.find('@') != std::string_view::npos) {
    return errors::query_path_token_syntax();
  }
  auto name = percent_decode(name_segment);
  if (!name) {
    return errors::query_invalid_percent_encoding("name");
  }
  if (name->empty()) {
    return errors::query_empty_actor_name();
  }

  std::map<std::string, std::string, std::less<>> params;
  for (auto& [raw_key, value] : rvt) {
    auto stripped = std::string_view(raw_key).substr(kRvtPrefix.size());
    if (params.contains(stripped)) {
      return errors::query_duplicate_param(raw_key);
    }
    bool known = false;
    for (auto k : kKnownParams) {
      known = known || k == stripped;
    }
    if (!known) {
      return errors::query_invalid_params("unknown field `" + raw_key + "`");
    }
    params.emplace(std::string(stripped), std::move(value));
  }
  auto take = [&](std::string_view k) -> std::optional<std::string> {
    auto it = params.find(k);
    if (it == params.end()) {
      return std::nullopt;
    }
    return it->second;
  };

  auto namespace_name = take("namespace");
  if (!namespace_name) {
    return errors::query_invalid_params("missing field `rvt-namespace`");
  }
  auto method = take("method");
  if (!method) {
    return errors::query_invalid_params("missing field `rvt-method`");
  }

  GatewayRoute route;
  route.token = take("token");
  if (auto skip = take("skip-ready-wait")) {
    auto flag = parse_flag(*skip);
    if (!flag) {
      return errors::query_invalid_params("invalid rvt-skip-ready-wait: " + *skip);
    }
    route.skip_ready_wait = *flag;
  }

  QueryTarget target;
  target.namespace_name = std::move(*namespace_name);
  target.name = std::move(*name);
  target.key = protocol::split_query_key(take("key").value_or(""));
  auto input = take("input");
  auto region = take("region");
  auto crash_policy = take("crash-policy");
  auto runner = take("runner");
  auto pool = take("pool");

  if (*method == "get") {
    if (input || region || crash_policy || runner) {
      return errors::query_get_disallowed_params();
    }
    target.method = QueryMethod::Get;
  } else if (*method == "getOrCreate") {
    target.method = QueryMethod::GetOrCreate;
    target.pool = pool ? pool : runner;
    if (!target.pool) {
      return errors::query_missing_pool();
    }
    if (input) {
      auto decoded = decode_query_input(*input);
      if (!decoded) {
        return decoded.error();
      }
      target.input = std::move(*decoded);
    }
    if (crash_policy) {
      if (*crash_policy != "restart" && *crash_policy != "sleep" && *crash_policy != "destroy") {
        return errors::query_invalid_params("unknown crash policy: " + *crash_policy +
                                            ", expected restart, sleep, or destroy");
      }
      target.crash_policy = std::move(crash_policy);
    }
    target.region = std::move(region);
  } else {
    return errors::query_invalid_params("unknown method: " + *method +
                                        ", expected get or getOrCreate");
  }

  route.target = std::move(target);
  route.actor_path = remaining_path(base_path, 2, strip_rvt_params(raw_query));
  return route;
}

std::optional<GatewayRoute> parse_direct_path(std::string_view base_path,
                                              const std::vector<std::string_view>& segments,
                                              std::optional<std::string_view> raw_query) {
  if (segments.size() < 2) {
    return std::nullopt;
  }
  auto segment = segments[1];
  GatewayRoute route;
  DirectTarget target;
  if (auto at = segment.find('@'); at != std::string_view::npos) {
    auto raw_id = segment.substr(0, at);
    auto raw_token = segment.substr(at + 1);
    if (raw_id.empty() || raw_token.empty()) {
      return std::nullopt;
    }
    auto id = percent_decode(raw_id);
    auto token = percent_decode(raw_token);
    if (!id || !token) {
      return std::nullopt;
    }
    target.actor_id = std::move(*id);
    route.token = std::move(*token);
  } else {
    auto id = percent_decode(segment);
    if (!id) {
      return std::nullopt;
    }
    target.actor_id = std::move(*id);
  }
  std::string query_suffix;
  if (raw_query) {
    query_suffix = "?" + std::string(*raw_query);
  }
  route.target = std::move(target);
  route.actor_path = remaining_path(base_path, 2, query_suffix);
  return route;
}

}  // namespace

std::string header_routed_actor_path(std::string_view target) {
  if (target.starts_with('/')) {
    return std::string(target);
  }
  return "/" + std::string(target);
}

std::optional<bool> parse_flag(std::string_view text) noexcept {
  if (text == "1" || text == "true") {
    return true;
  }
  if (text == "0" || text == "false") {
    return false;
  }
  return std::nullopt;
}

Result<std::optional<GatewayRoute>> parse_gateway_path(std::string_view target) {
  auto split = split_target(target);
  if (split.path.find("//") != std::string_view::npos) {
    return std::optional<GatewayRoute>{};
  }
  auto segments = path_segments(split.path);
  if (segments.empty() || segments.front() != "gateway") {
    return std::optional<GatewayRoute>{};
  }
  std::string_view raw_query = split.query.value_or(std::string_view{});
  bool has_rvt = false;
  std::size_t start = 0;
  while (!raw_query.empty() && start <= raw_query.size()) {
    auto end = raw_query.find('&', start);
    if (end == std::string_view::npos) {
      end = raw_query.size();
    }
    has_rvt = has_rvt || query_part_key(raw_query.substr(start, end - start)).starts_with(kRvtPrefix);
    start = end + 1;
  }
  if (has_rvt) {
    auto route = parse_query_path(split.path, segments, raw_query);
    if (!route) {
      return route.error();
    }
    return std::optional<GatewayRoute>(std::move(*route));
  }
  return parse_direct_path(split.path, segments, split.query);
}

Result<std::optional<GatewayRoute>> parse_header_route(const HttpRequest& request) {
  const auto* target = request.header("x-rivet-target");
  if (target == nullptr || *target != "actor") {
    return std::optional<GatewayRoute>{};
  }
  const auto* actor = request.header("x-rivet-actor");
  if (actor == nullptr || actor->empty()) {
    return errors::missing_header("x-rivet-actor");
  }
  GatewayRoute route;
  route.target = DirectTarget{*actor};
  if (const auto* token = request.header("x-rivet-token")) {
    route.token = *token;
  }
  if (const auto* skip = request.header("x-rivet-skip-ready-wait")) {
    route.skip_ready_wait = parse_flag(*skip).value_or(false);
  }
  route.actor_path = header_routed_actor_path(request.target);
  return std::optional<GatewayRoute>(std::move(route));
}

}  // namespace rivet::server
