// The gateway's request-target parser (server/gateway_route.hpp). Input: a request-target.
// Invariants: errors are guard errors; an accepted route's actor path starts with '/'; a query
// route's key survives both key serializations; and the route rebuilt as a canonical target
// (every component percent-encoded, rvt-* parameters in a fixed order) parses to the same route.
#include "server/gateway_route.hpp"
#include "server/url_util.hpp"

#include <rivet/protocol/encoding.hpp>
#include <rivet/protocol/keys.hpp>

#include "fuzz_check.hpp"
#include "fuzz_text.hpp"

#include <string>
#include <vector>

namespace {

using namespace rivet;
using namespace rivet::server;
using rivet::fuzz::fail;
using rivet::fuzz::join;
using rivet::fuzz::pct_encode;

// Compared as encoded bytes: a NaN in the input is not equal to itself as a Value.
std::string input_bytes(const std::optional<Value>& input) {
  if (!input) {
    return "-";
  }
  auto bytes = protocol::encode_compat_cbor(*input);
  return {bytes.begin(), bytes.end()};
}

std::string canonical_target(const GatewayRoute& route) {
  const auto split = split_target(route.actor_path);
  std::string target = "/gateway/";
  std::vector<std::string> query;
  if (const auto* direct = std::get_if<DirectTarget>(&route.target)) {
    target += pct_encode(direct->actor_id);
    if (route.token) {
      target += "@" + pct_encode(*route.token);
    }
  } else {
    const auto& q = std::get<QueryTarget>(route.target);
    target += pct_encode(q.name);
    query.push_back("rvt-namespace=" + pct_encode(q.namespace_name));
    query.push_back(q.method == QueryMethod::Get ? "rvt-method=get" : "rvt-method=getOrCreate");
    if (!q.key.empty()) {
      query.push_back("rvt-key=" + pct_encode(join(q.key, ",")));
    }
    if (q.pool) {
      query.push_back("rvt-pool=" + pct_encode(*q.pool));
    }
    if (q.input) {
      auto cbor = protocol::encode_compat_cbor(*q.input);
      query.push_back("rvt-input=" + base64url_encode(cbor.data(), cbor.size()));
    }
    if (q.region) {
      query.push_back("rvt-region=" + pct_encode(*q.region));
    }
    if (q.crash_policy) {
      query.push_back("rvt-crash-policy=" + pct_encode(*q.crash_policy));
    }
    if (route.token) {
      query.push_back("rvt-token=" + pct_encode(*route.token));
    }
    if (route.skip_ready_wait) {
      query.push_back("rvt-skip-ready-wait=true");
    }
  }
  target += split.path;
  if (split.query) {
    if (!split.query->empty()) {
      query.emplace_back(*split.query);
    }
    target += "?" + join(query, "&");
  } else if (!query.empty()) {
    target += "?" + join(query, "&");
  }
  return target;
}

bool same_route(const GatewayRoute& a, const GatewayRoute& b) {
  if (a.token != b.token || a.skip_ready_wait != b.skip_ready_wait ||
      a.actor_path != b.actor_path || a.target.index() != b.target.index()) {
    return false;
  }
  if (const auto* da = std::get_if<DirectTarget>(&a.target)) {
    return *da == std::get<DirectTarget>(b.target);
  }
  const auto& qa = std::get<QueryTarget>(a.target);
  const auto& qb = std::get<QueryTarget>(b.target);
  return qa.method == qb.method && qa.namespace_name == qb.namespace_name && qa.name == qb.name &&
         qa.key == qb.key && qa.pool == qb.pool && qa.region == qb.region &&
         qa.crash_policy == qb.crash_policy && input_bytes(qa.input) == input_bytes(qb.input);
}

void check_query_target(const QueryTarget& q, const std::string& target) {
  if (q.name.empty()) {
    fail("query route with an empty name", target);
  }
  if (protocol::deserialize_key(protocol::serialize_key(q.key)) != q.key) {
    fail("query key does not survive serialize_key", target);
  }
  if (protocol::split_query_key(join(q.key, ",")) != q.key) {
    fail("query key does not survive split_query_key", target);
  }
  if (q.method == QueryMethod::GetOrCreate && !q.pool) {
    fail("getOrCreate route without a pool", target);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string target(rivet::fuzz::as_text(data, size));
  auto parsed = parse_gateway_path(target);
  if (!parsed) {
    if (parsed.error().group != "guard") {
      fail("gateway error outside the guard group", parsed.error().qualified());
    }
    return 0;
  }
  if (!parsed->has_value()) {
    return 0;
  }
  const auto& route = **parsed;
  if (route.actor_path.empty() || route.actor_path.front() != '/') {
    fail("actor path does not start with '/'", route.actor_path);
  }
  if (const auto* direct = std::get_if<DirectTarget>(&route.target)) {
    if (direct->actor_id.empty() || !is_valid_utf8(direct->actor_id)) {
      fail("direct route with an empty or non-UTF-8 actor id", target);
    }
  } else {
    check_query_target(std::get<QueryTarget>(route.target), target);
  }

  const auto canonical = canonical_target(route);
  auto again = parse_gateway_path(canonical);
  if (!again || !again->has_value()) {
    fail("canonical target is rejected", target + " -> " + canonical);
  }
  if (!same_route(route, **again)) {
    fail("canonical target parses to another route", target + " -> " + canonical);
  }
  return 0;
}
