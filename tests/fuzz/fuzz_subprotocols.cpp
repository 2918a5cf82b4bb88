// Sec-WebSocket-Protocol parsing and the upgrade's route (server/subprotocols.hpp,
// server/route_decision.hpp). Input: the header value, then after a '\n' the request-target.
// Invariants: the parsed offer rebuilt as a canonical header parses to the same offer;
// connection params either decode or fail with one of their two errors, and never beyond the
// size limit; a route taken from the subprotocols names exactly the offered actor, token and
// path; route errors are guard errors.
#include "server/input_limits.hpp"
#include "server/route_decision.hpp"
#include "server/subprotocols.hpp"
#include "server/url_util.hpp"

#include "fuzz_check.hpp"
#include "fuzz_text.hpp"

#include <string>
#include <vector>

namespace {

using namespace rivet;
using namespace rivet::server;
using rivet::fuzz::fail;

std::string canonical_header(const WsProtocols& p) {
  std::vector<std::string> entries{std::string(kWsProtocolStandard)};
  if (p.encoding) {
    entries.push_back("rivet_encoding." + *p.encoding);
  }
  if (p.conn_params) {
    entries.push_back("rivet_conn_params." + *p.conn_params);
  }
  if (p.target) {
    entries.push_back("rivet_target." + *p.target);
  }
  if (p.actor) {
    // An actor id that failed to decode was kept raw (then not UTF-8, or with a bad escape that
    // fails again), so only a decodable one is re-encoded.
    entries.push_back("rivet_actor." +
                      (is_valid_utf8(*p.actor) ? rivet::fuzz::pct_encode(*p.actor) : *p.actor));
  }
  if (p.token) {
    entries.push_back("rivet_token." + *p.token);
  }
  if (p.skip_ready_wait) {
    entries.emplace_back("rivet_skip_ready_wait");
  }
  return rivet::fuzz::join(entries, ", ");
}

void check_conn_params(const WsProtocols& p, const std::string& header) {
  auto params = conn_params_of(p);
  if (!p.conn_params) {
    if (!params || !params->is_null()) {
      fail("no connection params offered, yet not null", header);
    }
    return;
  }
  if (!params) {
    const auto& e = params.error();
    if (!e.is(codes::kActorInvalidRequest) && !e.is(codes::kMessageIncomingTooLong)) {
      fail("unexpected connection params error", e.qualified());
    }
    return;
  }
  auto text = percent_decode(*p.conn_params);
  if (!text || text->size() > kMaxConnParamsBytes) {
    fail("connection params accepted beyond their limit or with a bad escape", header);
  }
}

void check_route(std::string_view target, const WsProtocols& p, const std::string& input) {
  auto route = decide_ws_route(target, p);
  if (!route) {
    if (route.error().group != "guard") {
      fail("upgrade route error outside the guard group", route.error().qualified());
    }
    return;
  }
  if (!route->has_value()) {
    return;
  }
  const auto& r = **route;
  auto by_path = parse_gateway_path(target);
  if (by_path && by_path->has_value()) {
    return;  // the gateway target's own invariants are fuzz_gateway_route's
  }
  const auto* direct = std::get_if<DirectTarget>(&r.target);
  if (p.target != "actor" || !p.actor || direct == nullptr || direct->actor_id != *p.actor ||
      r.token != p.token || r.skip_ready_wait != p.skip_ready_wait ||
      r.actor_path != (target.starts_with('/') ? std::string(target) : "/" + std::string(target))) {
    fail("subprotocol route differs from the offer", input);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto text = rivet::fuzz::as_text(data, size);
  const std::string input(text);
  const auto header = std::string(rivet::fuzz::take_line(text));
  const auto target = text;

  const auto offer = parse_ws_protocols(header);
  const auto canonical = canonical_header(offer);
  if (parse_ws_protocols(canonical) != offer) {
    fail("canonical header parses to another offer", header + " -> " + canonical);
  }
  check_conn_params(offer, header);
  check_route(target, offer, input);
  return 0;
}
