// What onRequest / onWebSocket see of a request (server/raw_request.hpp). Input: a request
// (fuzz_text.hpp format) whose target is the actor path after the gateway; a numeric method is
// also read as the status of a handler's response. Invariants: without the original-URL header
// the handler's path and query are the actor path's (minus `/request`), under the local origin;
// that header never reaches the handler and every other header does, in order; a response keeps
// no framing header and only statuses 200-599.
#include "server/raw_request.hpp"
#include "server/url_util.hpp"

#include "fuzz_check.hpp"
#include "fuzz_text.hpp"

#include <charconv>
#include <string>

namespace {

using namespace rivet;
using namespace rivet::server;
using rivet::fuzz::fail;

constexpr std::string_view kLocalOrigin = "http://127.0.0.1";

void check_http(const HttpRequest& request, const std::string& input) {
  const std::string_view actor_path = request.target;
  if (!is_request_route(actor_path)) {
    return;
  }
  std::vector<Header> kept;
  bool original = false;
  for (const auto& h : request.headers) {
    if (h.name == kOriginalUrlHeader) {
      original = true;
    } else {
      kept.push_back(h);
    }
  }
  const auto raw = raw_http_request(actor_path, request);
  if (raw.method != request.method || raw.body != request.body || raw.headers.size() != kept.size()) {
    fail("raw request loses method, body or headers", input);
  }
  for (std::size_t i = 0; i < kept.size(); ++i) {
    if (raw.headers[i].name != kept[i].name || raw.headers[i].value != kept[i].value) {
      fail("raw request headers differ from the request's", input);
    }
  }
  if (original) {
    return;  // path and query then come from the client's URL, whatever it is
  }
  auto stripped = std::string(actor_path.substr(std::string_view("/request").size()));
  if (stripped.empty() || stripped.front() != '/') {
    stripped.insert(stripped.begin(), '/');
  }
  const auto split = split_target(stripped);
  if (raw.url != std::string(kLocalOrigin) + stripped || raw.path != split.path ||
      raw.query != split.query.value_or("") || raw.path.empty() || raw.path.front() != '/') {
    fail("raw request path, query or url differ from the actor path", input);
  }
}

void check_websocket(const HttpRequest& request, const std::string& input) {
  const auto raw = raw_websocket_request(request.target, request.headers);
  const auto split = split_target(request.target);
  if (raw.method != "GET" || raw.url != std::string(kLocalOrigin) + request.target ||
      raw.query != split.query.value_or("") || raw.headers.size() != request.headers.size() ||
      (!split.path.empty() && raw.path != split.path) || raw.path.empty()) {
    fail("raw WebSocket request differs from the upgrade", input);
  }
}

void check_response(const HttpRequest& request, const std::string& input) {
  RawResponse response;
  unsigned status = 0;
  const auto& m = request.method;
  std::from_chars(m.data(), m.data() + m.size(), status);
  response.status = status;
  for (const auto& h : request.headers) {
    // Handlers may name headers in any case: each comes once as parsed (lower) and once upper.
    std::string upper = h.name;
    for (auto& c : upper) {
      c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
    }
    response.headers.push_back(RawHeader{h.name, h.value});
    response.headers.push_back(RawHeader{std::move(upper), h.value});
  }
  response.body = request.body;
  const auto out = http_from_raw(response);
  if (out.status < 200 || out.status > 599 || (status >= 200 && status <= 599 && out.status != status)) {
    fail("response status outside 200-599 or changed", input);
  }
  for (const auto& h : out.headers) {
    if (h.name != to_lower(h.name) || h.name == "content-length" || h.name == "transfer-encoding" ||
        h.name == "connection" || h.name == "keep-alive" || h.name == "upgrade") {
      fail("response keeps a framing header or an upper-case name", input);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input(rivet::fuzz::as_text(data, size));
  auto request = rivet::fuzz::parse_request(input);
  request.body = "body";
  check_http(request, input);
  check_websocket(request, input);
  check_response(request, input);
  return 0;
}
