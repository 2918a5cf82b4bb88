#include "server/raw_http_route.hpp"

#include "server/actor_routes.hpp"
#include "server/input_limits.hpp"

#include <rivet/protocol/encoding.hpp>

namespace rivet::server {
namespace {

constexpr unsigned kBadRequest = 400;

}  // namespace

Task<HttpResponse> handle_raw_http(ServerContext& ctx, ActorIdentity identity,
                                   std::string actor_path, HttpRequest request) {
  const auto enc = request_encoding(request);
  Value params = nullptr;
  if (const auto* raw = request.header("x-rivet-conn-params")) {
    if (auto fits = check_conn_params_size(raw->size()); !fits) {
      co_return framework_error_response(fits.error(), enc, identity);
    }
    auto decoded = protocol::decode_json(
        protocol::ByteView(reinterpret_cast<const std::uint8_t*>(raw->data()), raw->size()));
    if (!decoded) {
      co_return framework_error_response(rivet::errors::internal(), enc, identity, kBadRequest);
    }
    params = std::move(*decoded);
  }
  auto response = co_await ctx.runtime.handle_request(
      identity.actor_id, std::move(params), raw_http_request(actor_path, std::move(request)));
  if (!response) {
    co_return framework_error_response(response.error(), enc, identity);
  }
  co_return http_from_raw(std::move(*response));
}

}  // namespace rivet::server
