#include "server/error_mapping.hpp"
#include "server/router.hpp"
#include "server/server_errors.hpp"
#include "server/sessions.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include <chrono>
#include <memory>
#include <tuple>

namespace rivet::server {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
constexpr auto kIdleTimeout = std::chrono::seconds(60);
constexpr auto kWriteTimeout = std::chrono::seconds(30);
// Conn params travel in a header; leave room beyond Beast's 8 KiB default.
constexpr std::uint32_t kHeaderLimit = 64 * 1024;

using BeastRequest = http::request<http::string_body>;
using BeastResponse = http::response<http::string_body>;

HttpRequest to_plain(BeastRequest& req) {
  HttpRequest out;
  out.method = std::string(req.method_string());
  out.target = std::string(req.target());
  out.headers.reserve(16);
  for (const auto& field : req) {
    out.headers.push_back(Header{to_lower(field.name_string()), std::string(field.value())});
  }
  out.body = std::move(req.body());
  return out;
}

BeastResponse to_beast(HttpResponse& response, unsigned version, bool keep_alive) {
  BeastResponse res{static_cast<http::status>(response.status), version};
  // insert, not set: raw responses may repeat a header (set-cookie); HttpResponse::set already
  // keeps single-valued headers unique.
  for (auto& h : response.headers) {
    res.insert(h.name, std::move(h.value));
  }
  res.body() = std::move(response.body);
  res.keep_alive(keep_alive);
  res.prepare_payload();
  return res;
}

class HttpSession final : public std::enable_shared_from_this<HttpSession>, public Closeable {
 public:
  HttpSession(ServerContext& ctx, TaskGroup& tasks, SessionRegistry& sessions,
              asio::ip::tcp::socket socket)
      : ctx_(ctx), tasks_(tasks), sessions_(sessions), stream_(std::move(socket)) {}

  // Closes at once when idle; a request being served finishes first, then the connection ends.
  void shutdown() override {
    asio::post(stream_.get_executor(), [self = shared_from_this()] {
      self->stopping_ = true;
      if (!self->busy_ && !self->upgraded_) {
        self->stream_.cancel();
      }
    });
  }

  asio::awaitable<void> run() {
    auto self = shared_from_this();
    registry_id_ = sessions_.add(weak_from_this());
    beast::flat_buffer buffer;
    while (!stopping_) {
      http::request_parser<http::string_body> parser;
      parser.header_limit(kHeaderLimit);
      parser.body_limit(kMaxHttpBody);
      stream_.expires_after(kIdleTimeout);
      auto [ec, n] = co_await http::async_read(stream_, buffer, parser, kUseTuple);
      if (ec == http::error::body_limit) {
        co_await reply_too_large();
        break;
      }
      if (ec) {
        break;
      }
      auto req = parser.release();
      if (beast::websocket::is_upgrade(req)) {
        upgraded_ = true;
        sessions_.remove(registry_id_);
        stream_.expires_never();
        co_await run_ws_session(ctx_, tasks_, sessions_, std::move(stream_), std::move(req));
        co_return;
      }
      busy_ = true;
      // Handlers may legitimately run for the action timeout; the idle timer resumes after.
      stream_.expires_never();
      const bool keep_alive = req.keep_alive();
      const unsigned version = req.version();
      const bool head = req.method() == http::verb::head;
      auto response = co_await handle_http(ctx_, to_plain(req));
      busy_ = false;
      auto res = to_beast(response, version, keep_alive && !stopping_);
      stream_.expires_after(kWriteTimeout);
      beast::error_code wec;
      if (head) {
        // The headers a GET would get, Content-Length included, and no body.
        http::response_serializer<http::string_body> serializer{res};
        std::tie(wec, std::ignore) =
            co_await http::async_write_header(stream_, serializer, kUseTuple);
      } else {
        std::tie(wec, std::ignore) = co_await http::async_write(stream_, res, kUseTuple);
      }
      if (wec || !res.keep_alive()) {
        break;
      }
    }
    beast::error_code ignored;
    stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
    sessions_.remove(registry_id_);
  }

 private:
  asio::awaitable<void> reply_too_large() {
    auto response = gateway_error_response(errors::invalid_request_body());
    response.set("x-rivet-ray-id", make_ray_id());
    auto res = to_beast(response, 11, false);
    stream_.expires_after(kWriteTimeout);
    co_await http::async_write(stream_, res, kUseTuple);
  }

  ServerContext& ctx_;
  TaskGroup& tasks_;
  SessionRegistry& sessions_;
  beast::tcp_stream stream_;
  std::uint64_t registry_id_ = 0;
  bool busy_ = false;
  bool stopping_ = false;
  bool upgraded_ = false;
};

}  // namespace

asio::awaitable<void> run_http_session(ServerContext& ctx, TaskGroup& tasks,
                                       SessionRegistry& sessions, asio::ip::tcp::socket socket) {
  auto session = std::make_shared<HttpSession>(ctx, tasks, sessions, std::move(socket));
  co_await session->run();
}

}  // namespace rivet::server
