// What the server reads from request headers besides routing: bearer tokens, the secret
// comparison, CORS mirrors and the input limits (server/bearer_auth.hpp, cors.hpp,
// input_limits.hpp). Input: a request (fuzz_text.hpp format). Invariants: a bearer token is a
// non-empty suffix of an `authorization: bearer ...` header, without its leading spaces;
// same_secret is plain equality of a non-empty secret; CORS answers mirror the request's origin
// and headers (never `*` when an origin was sent) with unique lower-case names; the limits hold
// exactly at their bounds.
#include "server/bearer_auth.hpp"
#include "server/cors.hpp"
#include "server/input_limits.hpp"

#include <rivet/protocol/keys.hpp>

#include "fuzz_check.hpp"
#include "fuzz_text.hpp"

#include <algorithm>
#include <optional>
#include <set>
#include <string>

namespace {

using namespace rivet;
using namespace rivet::server;
using rivet::fuzz::fail;

std::optional<std::string> value_of(const std::vector<Header>& headers, std::string_view name) {
  for (const auto& h : headers) {
    if (h.name == name) {
      return h.value;
    }
  }
  return std::nullopt;
}

void check_bearer(const HttpRequest& request, const std::string& input) {
  const auto token = bearer_token(request);
  if (!token) {
    return;
  }
  const auto* header = request.header("authorization");
  if (header == nullptr || token->empty() || token->front() == ' ' || !header->ends_with(*token) ||
      to_lower(header->substr(0, 7)) != "bearer ") {
    fail("bearer token that is not the header's", input);
  }
}

void check_secret(const HttpRequest& request, const std::string& input) {
  const auto* a = request.header("x-rivet-token");
  const auto* b = request.header("x-expected");
  const std::string given = a != nullptr ? *a : "";
  const std::string expected = b != nullptr ? *b : "";
  if (same_secret(given, expected) != (given == expected && !expected.empty())) {
    fail("same_secret is not equality of a non-empty secret", input);
  }
}

void check_names(const std::vector<Header>& headers, const std::string& input) {
  std::set<std::string> seen;
  for (const auto& h : headers) {
    if (h.name != to_lower(h.name) || !seen.insert(h.name).second) {
      fail("CORS header names not lower case or not unique", input);
    }
  }
}

void check_cors(const HttpRequest& request, const std::string& input) {
  const auto* origin = request.header("origin");
  const auto* asked = request.header("access-control-request-headers");
  const std::string want_origin = origin != nullptr ? *origin : "*";
  const auto preflight = gateway_preflight_headers(request);
  const auto plain = gateway_cors_headers(request);
  check_names(preflight, input);
  check_names(plain, input);
  if (value_of(preflight, "access-control-allow-origin") != want_origin ||
      value_of(plain, "access-control-allow-origin") != want_origin ||
      value_of(preflight, "access-control-allow-headers") != (asked != nullptr ? *asked : "*")) {
    fail("gateway CORS does not mirror the request", input);
  }
  for (bool is_preflight_answer : {false, true}) {
    const auto management = management_cors_headers(request, is_preflight_answer);
    check_names(management, input);
    const auto allowed = value_of(management, "access-control-allow-origin");
    if (allowed != (origin != nullptr ? std::optional<std::string>(*origin) : std::nullopt)) {
      fail("management CORS does not mirror the origin", input);
    }
  }
  if (is_preflight(request) != (request.method == "OPTIONS")) {
    fail("preflight is not OPTIONS", input);
  }
}

void check_limits(const HttpRequest& request, const std::string& input) {
  for (const auto& h : request.headers) {
    const auto n = h.value.size();
    if (check_conn_params_size(n).has_value() != (n <= kMaxConnParamsBytes)) {
      fail("connection params limit off its bound", input);
    }
    const auto key = protocol::deserialize_key(h.value);
    const bool fits = std::all_of(key.begin(), key.end(), [](const std::string& c) {
      return c.size() <= kMaxKeyComponentBytes;
    });
    auto checked = check_key_components(key);
    if (checked.has_value() != fits || (!checked && !checked.error().is(codes::kActorKeyTooLarge))) {
      fail("key component limit off its bound", input);
    }
  }
  const std::size_t scaled = input.size() * 1024;  // reaches the input limit's bound
  if (check_input_size(scaled).has_value() != (scaled <= kMaxInputBytes)) {
    fail("input limit off its bound", input);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input(rivet::fuzz::as_text(data, size));
  const auto request = rivet::fuzz::parse_request(input);
  check_bearer(request, input);
  check_secret(request, input);
  check_cors(request, input);
  check_limits(request, input);
  return 0;
}
