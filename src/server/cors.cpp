#include "server/cors.hpp"

namespace rivet::server {
namespace {

constexpr const char* kAllowedMethods = "GET, POST, PUT, DELETE, OPTIONS, PATCH";
constexpr const char* kMaxAgeSeconds = "86400";

std::string origin_or_star(const HttpRequest& request) {
  const auto* origin = request.header("origin");
  return origin != nullptr ? *origin : std::string("*");
}

}  // namespace

bool is_preflight(const HttpRequest& request) noexcept {
  return request.method == "OPTIONS";
}

std::vector<Header> gateway_preflight_headers(const HttpRequest& request) {
  const auto* req_headers = request.header("access-control-request-headers");
  return {
      {"access-control-allow-origin", origin_or_star(request)},
      {"access-control-allow-credentials", "true"},
      {"access-control-allow-methods", kAllowedMethods},
      {"access-control-allow-headers", req_headers != nullptr ? *req_headers : std::string("*")},
      {"access-control-max-age", kMaxAgeSeconds},
      {"access-control-expose-headers", "*"},
      {"vary", "origin, access-control-request-method, access-control-request-headers"},
  };
}

std::vector<Header> gateway_cors_headers(const HttpRequest& request) {
  return {
      {"access-control-allow-origin", origin_or_star(request)},
      {"access-control-allow-credentials", "true"},
      {"access-control-expose-headers", "*"},
      {"vary", "origin"},
  };
}

std::vector<Header> management_cors_headers(const HttpRequest& request, bool preflight) {
  std::vector<Header> out;
  if (const auto* origin = request.header("origin")) {
    out.push_back({"access-control-allow-origin", *origin});
    out.push_back({"access-control-allow-credentials", "true"});
    out.push_back({"vary", "origin, access-control-request-method, access-control-request-headers"});
  }
  if (preflight) {
    const auto* method = request.header("access-control-request-method");
    const auto* headers = request.header("access-control-request-headers");
    out.push_back({"access-control-allow-methods", method != nullptr ? *method : kAllowedMethods});
    if (headers != nullptr) {
      out.push_back({"access-control-allow-headers", *headers});
    }
    out.push_back({"access-control-max-age", kMaxAgeSeconds});
  }
  return out;
}

}  // namespace rivet::server
