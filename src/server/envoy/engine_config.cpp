// The envoy's address, its socket target, and the pool registration over the engine's REST API
// (spec §3). The registration runs once at start-up on a private io_context: the server's
// threads are not running yet, and a blocking call with a deadline is the simplest contract.

#include "server/envoy/engine_config.hpp"

#include <rivet/common/error_codes.hpp>
#include <rivet/common/value.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>

#include <chrono>
#include <random>

namespace rivet::server::envoy {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
constexpr auto kRequestTimeout = std::chrono::seconds(10);

Error pool_error(std::string message) {
  return make_error(codes::kServerListenFailed, std::move(message));
}

struct RestReply {
  unsigned status = 0;
  std::string body;
};

asio::awaitable<Result<RestReply>> rest_call(EngineAddress address, http::verb verb,
                                             std::string target, std::string body,
                                             std::string token) {
  auto executor = co_await asio::this_coro::executor;
  asio::ip::tcp::resolver resolver(executor);
  auto [rec, endpoints] = co_await resolver.async_resolve(address.host, address.port, kUseTuple);
  if (rec) {
    co_return pool_error("cannot resolve " + address.host + ": " + rec.message());
  }
  beast::tcp_stream stream(executor);
  stream.expires_after(kRequestTimeout);
  auto [cec, ep] = co_await stream.async_connect(endpoints, kUseTuple);
  if (cec) {
    co_return pool_error("cannot connect to the engine at " + address.host + ":" + address.port +
                         ": " + cec.message());
  }
  http::request<http::string_body> req{verb, target, 11};
  req.set(http::field::host, address.host + ":" + address.port);
  req.set(http::field::content_type, "application/json");
  if (!token.empty()) {
    req.set(http::field::authorization, "Bearer " + token);
  }
  req.body() = std::move(body);
  req.prepare_payload();
  auto [wec, wn] = co_await http::async_write(stream, req, kUseTuple);
  if (wec) {
    co_return pool_error("engine request failed: " + wec.message());
  }
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  auto [ec, n] = co_await http::async_read(stream, buffer, res, kUseTuple);
  if (ec) {
    co_return pool_error("engine request failed: " + ec.message());
  }
  co_return RestReply{res.result_int(), std::move(res.body())};
}

Result<RestReply> blocking_call(const EngineAddress& address, http::verb verb, std::string target,
                                std::string body, const std::string& token) {
  asio::io_context io;
  auto reply = asio::co_spawn(io, rest_call(address, verb, std::move(target), std::move(body), token),
                              asio::use_future);
  io.run();
  return reply.get();
}

std::string ns_query(const EngineConfig& config) { return "?namespace=" + config.namespace_name; }

}  // namespace

Result<EngineAddress> parse_engine_endpoint(const std::string& endpoint) {
  auto url = boost::urls::parse_absolute_uri(endpoint);
  if (!url) {
    return pool_error("invalid engine endpoint: " + endpoint);
  }
  if (url->scheme() != "http") {
    return pool_error("engine endpoint " + endpoint + ": only http:// is supported for now");
  }
  EngineAddress out;
  out.host = std::string(url->host());
  out.port = url->has_port() ? std::string(url->port()) : std::string("80");
  return out;
}

std::string envoy_connect_target(const EngineConfig& config) {
  return "/envoys/connect?protocol_version=8&namespace=" + config.namespace_name +
         "&envoy_key=" + config.envoy_key + "&version=" + std::to_string(config.version) +
         "&pool_name=" + config.pool;
}

std::string make_envoy_key() {
  std::random_device rd;
  std::mt19937_64 gen((static_cast<std::uint64_t>(rd()) << 32U) ^ rd());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(32, '0');
  for (auto& c : out) {
    c = kHex[gen() % 16];
  }
  return out;
}

Result<void> ensure_pool(const EngineConfig& config, const Logger& logger) {
  auto address = parse_engine_endpoint(config.endpoint);
  if (!address) {
    return address.error();
  }
  auto listed = blocking_call(*address, http::verb::get, "/runner-configs" + ns_query(config), "",
                              config.token);
  if (!listed) {
    return listed.error();
  }
  if (listed->status != 200) {
    return pool_error("the engine refused to list runner configs (" +
                      std::to_string(listed->status) + "): " + listed->body);
  }
  auto configs = Value::parse(listed->body, nullptr, false);
  if (configs.is_object() && configs.contains("runner_configs") &&
      configs["runner_configs"].contains(config.pool)) {
    return {};
  }
  auto dcs = blocking_call(*address, http::verb::get, "/datacenters" + ns_query(config), "",
                           config.token);
  if (!dcs) {
    return dcs.error();
  }
  Value datacenters = Value::object();
  auto parsed = Value::parse(dcs->body, nullptr, false);
  if (parsed.is_object() && parsed["datacenters"].is_array()) {
    for (const auto& dc : parsed["datacenters"]) {
      if (dc.contains("name") && dc["name"].is_string()) {
        datacenters[dc["name"].get<std::string>()] = Value{{"normal", Value::object()}};
      }
    }
  }
  if (datacenters.empty()) {
    datacenters["default"] = Value{{"normal", Value::object()}};
  }
  Value body{{"datacenters", datacenters}};
  auto put = blocking_call(*address, http::verb::put,
                           "/runner-configs/" + config.pool + ns_query(config), body.dump(),
                           config.token);
  if (!put) {
    return put.error();
  }
  if (put->status != 200) {
    return pool_error("the engine refused to create pool " + config.pool + " (" +
                      std::to_string(put->status) + "): " + put->body);
  }
  logger.info("created the pool on the engine", {{"pool", config.pool}});
  return {};
}

}  // namespace rivet::server::envoy
