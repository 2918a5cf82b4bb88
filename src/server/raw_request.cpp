#include "server/raw_request.hpp"

#include "server/url_util.hpp"

#include <boost/url/parse.hpp>

#include <array>

namespace rivet::server {
namespace {

constexpr std::string_view kRequestPrefix = "/request";
constexpr std::string_view kLocalOrigin = "http://127.0.0.1";
constexpr unsigned kInternalError = 500;
constexpr unsigned kMinStatus = 200;
constexpr unsigned kMaxStatus = 599;

constexpr std::array<std::string_view, 5> kFramingHeaders = {"content-length", "transfer-encoding",
                                                             "connection", "keep-alive", "upgrade"};

void split_into(RawRequest& out, std::string_view target) {
  const auto split = split_target(target);
  out.path = split.path.empty() ? "/" : std::string(split.path);
  out.query = split.query ? std::string(*split.query) : std::string();
}

}  // namespace

bool is_request_route(std::string_view actor_path) noexcept {
  if (!actor_path.starts_with(kRequestPrefix)) {
    return false;
  }
  const auto rest = actor_path.substr(kRequestPrefix.size());
  return rest.empty() || rest.front() == '/' || rest.front() == '?';
}

RawRequest raw_http_request(std::string_view actor_path, HttpRequest request) {
  RawRequest out;
  out.method = std::move(request.method);
  auto stripped = std::string(actor_path.substr(kRequestPrefix.size()));
  if (stripped.empty() || stripped.front() != '/') {
    stripped.insert(stripped.begin(), '/');
  }
  split_into(out, stripped);
  out.url = std::string(kLocalOrigin) + stripped;
  bool original = false;
  out.headers.reserve(request.headers.size());
  for (auto& h : request.headers) {
    if (h.name == kOriginalUrlHeader) {
      out.url = std::move(h.value);
      original = true;
      continue;
    }
    out.headers.push_back(RawHeader{std::move(h.name), std::move(h.value)});
  }
  if (original) {
    // The handler's path and query are the ones of the URL the client was given.
    if (auto parsed = boost::urls::parse_uri(out.url)) {
      out.path = parsed->encoded_path().empty() ? "/" : std::string(parsed->encoded_path());
      out.query = parsed->has_query() ? std::string(parsed->encoded_query()) : std::string();
    }
  }
  out.body = std::move(request.body);
  return out;
}

RawRequest raw_websocket_request(std::string_view actor_path, std::vector<Header> headers) {
  RawRequest out;
  out.method = "GET";
  split_into(out, actor_path);
  out.url = std::string(kLocalOrigin) + std::string(actor_path);
  out.headers.reserve(headers.size());
  for (auto& h : headers) {
    out.headers.push_back(RawHeader{std::move(h.name), std::move(h.value)});
  }
  return out;
}

HttpResponse http_from_raw(RawResponse response) {
  HttpResponse out;
  out.status = (response.status >= kMinStatus && response.status <= kMaxStatus) ? response.status
                                                                                : kInternalError;
  out.headers.reserve(response.headers.size());
  for (auto& h : response.headers) {
    auto name = to_lower(h.name);
    bool framing = false;
    for (auto f : kFramingHeaders) {
      framing = framing || name == f;
    }
    if (!framing) {
      out.headers.push_back(Header{std::move(name), std::move(h.value)});
    }
  }
  out.body = std::move(response.body);
  return out;
}

}  // namespace rivet::server
