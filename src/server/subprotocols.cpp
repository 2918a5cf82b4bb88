#include "server/subprotocols.hpp"

#include "server/input_limits.hpp"
#include "server/server_errors.hpp"
#include "server/url_util.hpp"

#include <rivet/protocol/encoding.hpp>

namespace rivet::server {
namespace {

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

bool take_prefixed(std::string_view entry, std::string_view prefix, std::string_view& rest) {
  if (!entry.starts_with(prefix)) {
    return false;
  }
  rest = entry.substr(prefix.size());
  return true;
}

}  // namespace

WsProtocols parse_ws_protocols(std::string_view header) {
  WsProtocols out;
  std::size_t start = 0;
  while (start <= header.size()) {
    auto end = header.find(',', start);
    if (end == std::string_view::npos) {
      end = header.size();
    }
    auto entry = trim(header.substr(start, end - start));
    start = end + 1;
    std::string_view rest;
    if (take_prefixed(entry, "rivet_encoding.", rest)) {
      out.encoding = std::string(rest);
    } else if (take_prefixed(entry, "rivet_conn_params.", rest)) {
      out.conn_params = std::string(rest);
    } else if (take_prefixed(entry, "rivet_target.", rest)) {
      out.target = std::string(rest);
    } else if (take_prefixed(entry, "rivet_actor.", rest)) {
      // A malformed escape keeps the raw text; resolution then reports actor.not_found.
      out.actor = percent_decode(rest).value_or(std::string(rest));
    } else if (take_prefixed(entry, "rivet_token.", rest)) {
      out.token = std::string(rest);
    } else if (entry == "rivet_skip_ready_wait") {
      out.skip_ready_wait = true;
    }
  }
  return out;
}

Result<Value> conn_params_of(const WsProtocols& protocols) {
  if (!protocols.conn_params) {
    return Value(nullptr);
  }
  return decode_ws_conn_params(*protocols.conn_params);
}

Result<Value> decode_ws_conn_params(std::string_view raw) {
  auto text = percent_decode(raw);
  if (!text) {
    return rivet::errors::invalid_request("invalid percent-encoding in connection params");
  }
  if (auto fits = check_conn_params_size(text->size()); !fits) {
    return fits.error();
  }
  auto value = protocol::decode_json(
      protocol::ByteView(reinterpret_cast<const std::uint8_t*>(text->data()), text->size()));
  if (!value) {
    return rivet::errors::invalid_request("connection params are not valid JSON");
  }
  return std::move(*value);
}

Result<std::optional<GatewayRoute>> parse_ws_header_route(std::string_view target,
                                                          const WsProtocols& protocols) {
  if (!protocols.target || *protocols.target != "actor") {
    return std::optional<GatewayRoute>{};
  }
  if (!protocols.actor || protocols.actor->empty()) {
    return errors::missing_header("rivet_actor");
  }
  GatewayRoute route;
  route.target = DirectTarget{*protocols.actor};
  route.token = protocols.token;
  route.skip_ready_wait = protocols.skip_ready_wait;
  route.actor_path = header_routed_actor_path(target);
  return std::optional<GatewayRoute>(std::move(route));
}

}  // namespace rivet::server
