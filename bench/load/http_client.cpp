#include "http_client.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

namespace rivet::load {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct HttpConn::Impl {
  explicit Impl(asio::io_context& io) : stream(io) {}
  beast::tcp_stream stream;
  beast::flat_buffer buf;
  http::request<http::string_body> req;
  http::response<http::string_body> res;
  bool open = false;
};

HttpConn::HttpConn(asio::io_context& io) : impl_(std::make_unique<Impl>(io)) {}
HttpConn::~HttpConn() = default;

void HttpConn::connect(const tcp::endpoint& ep, std::function<void(std::string)> cb) {
  host_ = ep.address().to_string() + ":" + std::to_string(ep.port());
  impl_->stream.expires_after(std::chrono::seconds(10));
  impl_->stream.async_connect(
      ep, [self = shared_from_this(), cb = std::move(cb)](boost::system::error_code ec) {
        if (ec) {
          cb("connect: " + ec.message());
          return;
        }
        self->impl_->stream.socket().set_option(tcp::no_delay(true), ec);
        self->impl_->open = true;
        cb("");
      });
}

bool HttpConn::is_open() const { return impl_->open; }

void HttpConn::close() {
  if (!impl_->open) {
    return;
  }
  impl_->open = false;
  boost::system::error_code ec;
  impl_->stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  impl_->stream.close();
}

void HttpConn::request(Method method, const std::string& target, std::string body,
                       const Headers& headers, Cb cb, std::chrono::milliseconds timeout) {
  auto& req = impl_->req;
  req = {};
  switch (method) {
    case Method::Get: req.method(http::verb::get); break;
    case Method::Put: req.method(http::verb::put); break;
    case Method::Post: req.method(http::verb::post); break;
    case Method::Delete: req.method(http::verb::delete_); break;
  }
  req.target(target);
  req.version(11);
  req.set(http::field::host, host_);
  for (const auto& [k, v] : headers) {
    req.set(k, v);
  }
  req.keep_alive(true);
  req.body() = std::move(body);
  req.prepare_payload();
  impl_->stream.expires_after(timeout);
  http::async_write(
      impl_->stream, req,
      [self = shared_from_this(), cb = std::move(cb)](boost::system::error_code ec,
                                                      std::size_t) mutable {
        if (ec) {
          HttpResponse r;
          r.error = "write: " + ec.message();
          self->close();
          cb(r);
          return;
        }
        self->impl_->res = {};
        http::async_read(self->impl_->stream, self->impl_->buf, self->impl_->res,
                         [self, cb = std::move(cb)](boost::system::error_code ec, std::size_t) {
                           HttpResponse r;
                           if (ec) {
                             r.error = "read: " + ec.message();
                             self->close();
                             cb(r);
                             return;
                           }
                           auto& res = self->impl_->res;
                           r.status = res.result_int();
                           r.body = std::move(res.body());
                           if (auto it = res.find("x-rivet-actor"); it != res.end()) {
                             r.actor_id = std::string(it->value());
                           }
                           if (auto it = res.find(http::field::content_type); it != res.end()) {
                             r.content_type = std::string(it->value());
                           }
                           if (!res.keep_alive()) {
                             self->close();
                           }
                           cb(r);
                         });
      });
}

const HttpConn::Headers& bare_headers() {
  static const HttpConn::Headers h{{"content-type", "application/octet-stream"},
                                   {"x-rivet-encoding", "bare"}};
  return h;
}

const HttpConn::Headers& json_headers() {
  static const HttpConn::Headers h{{"content-type", "application/json"}};
  return h;
}

}  // namespace rivet::load
