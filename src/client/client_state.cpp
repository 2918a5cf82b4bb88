#include "client/client_state.hpp"

#include <rivet/protocol/messages.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include <cctype>

namespace rivet::client {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

namespace {

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
// Idle keep-alive connections kept per client.
constexpr std::size_t kMaxIdle = 16;
// Largest reply body read (the server's own limit on outgoing messages is far lower).
constexpr std::uint64_t kMaxReplyBody = 64ULL * 1024 * 1024;

bool stale_connection(const boost::system::error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == asio::error::connection_aborted;
}

}  // namespace

Error transport_error(const codes::Code& code, std::string message) {
  return make_error(code, std::move(message));
}

std::string encode_component(std::string_view text) {
  return boost::urls::encode(text, boost::urls::unreserved_chars);
}

ClientState::ClientState(asio::any_io_executor executor, ClientOptions options)
    : executor_(std::move(executor)), options_(std::move(options)) {
  auto url = boost::urls::parse_uri(options_.endpoint);
  if (!url || url->scheme() != "http" || url->host().empty()) {
    endpoint_error_ =
        transport_error(codes::kClientInvalidEndpoint,
                        "The endpoint must be an http:// URL: '" + options_.endpoint + "'");
    return;
  }
  host_ = url->host();
  port_ = url->has_port() ? std::string(url->port()) : std::string("80");
  base_path_ = url->path();
  while (!base_path_.empty() && base_path_.back() == '/') {
    base_path_.pop_back();
  }
}

Awaitable<Result<std::unique_ptr<beast::tcp_stream>>> ClientState::open_stream() const {
  if (endpoint_error_) {
    co_return *endpoint_error_;
  }
  tcp::resolver resolver(executor_);
  auto [rec, endpoints] = co_await resolver.async_resolve(host_, port_, kUseTuple);
  if (rec) {
    co_return transport_error(codes::kClientConnectionFailed,
                              "Cannot resolve " + host_ + ": " + rec.message());
  }
  auto stream = std::make_unique<beast::tcp_stream>(executor_);
  stream->expires_after(options_.timeout);
  auto [cec, ep] = co_await stream->async_connect(endpoints, kUseTuple);
  if (cec) {
    co_return transport_error(
        cec == beast::error::timeout ? codes::kClientTimedOut : codes::kClientConnectionFailed,
        "Cannot connect to " + options_.endpoint + ": " + cec.message());
  }
  stream->socket().set_option(tcp::no_delay(true));
  co_return std::move(stream);
}

std::unique_ptr<beast::tcp_stream> ClientState::take_idle() const {
  std::lock_guard lock(mu_);
  if (idle_.empty()) {
    return nullptr;
  }
  auto stream = std::move(idle_.back());
  idle_.pop_back();
  return stream;
}

void ClientState::give_back(std::unique_ptr<beast::tcp_stream> stream) const {
  std::lock_guard lock(mu_);
  if (idle_.size() < kMaxIdle) {
    idle_.push_back(std::move(stream));
  }
}

Awaitable<Result<HttpReply>> ClientState::http(
    http::verb method, std::string target, std::string body,
    std::vector<std::pair<std::string, std::string>> headers) const {
  if (endpoint_error_) {
    co_return *endpoint_error_;
  }
  http::request<http::string_body> req{method, base_path_ + target, 11};
  req.set(http::field::host, host_ + ":" + port_);
  req.keep_alive(true);
  for (auto& [name, value] : headers) {
    req.set(name, value);
  }
  req.body() = std::move(body);
  req.prepare_payload();

  for (int attempt = 0; attempt < 2; ++attempt) {
    auto stream = take_idle();
    const bool reused = stream != nullptr;
    if (!stream) {
      auto opened = co_await open_stream();
      if (!opened) {
        co_return opened.error();
      }
      stream = std::move(*opened);
    }
    stream->expires_after(options_.timeout);
    auto [wec, written] = co_await http::async_write(*stream, req, kUseTuple);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(kMaxReplyBody);
    boost::system::error_code ec = wec;
    if (!ec) {
      auto [rec, n] = co_await http::async_read(*stream, buffer, parser, kUseTuple);
      ec = rec;
    }
    if (ec) {
      // The server may have closed an idle connection just before this request reached it.
      if (reused && attempt == 0 && stale_connection(ec) && !parser.got_some()) {
        continue;
      }
      co_return transport_error(
          ec == beast::error::timeout ? codes::kClientTimedOut : codes::kClientConnectionFailed,
          "HTTP request to " + options_.endpoint + " failed: " + ec.message());
    }
    auto res = parser.release();
    HttpReply reply;
    reply.status = res.result_int();
    reply.content_type = std::string(res[http::field::content_type]);
    reply.body = std::move(res.body());
    for (const auto& field : res) {
      std::string name(field.name_string());
      for (auto& ch : name) {
        ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      }
      reply.headers.emplace_back(std::move(name), std::string(field.value()));
    }
    if (res.keep_alive()) {
      stream->expires_never();
      give_back(std::move(stream));
    }
    co_return reply;
  }
  co_return transport_error(
      codes::kClientConnectionFailed,
      "HTTP request to " + options_.endpoint + " failed: the connection was closed");
}

Error reply_error(const HttpReply& reply, protocol::Encoding encoding) {
  const bool json = reply.content_type.find("application/json") != std::string::npos;
  const auto* data = reinterpret_cast<const std::uint8_t*>(reply.body.data());
  auto decoded = protocol::decode_http_error(protocol::ByteView(data, reply.body.size()),
                                             json ? protocol::Encoding::Json : encoding);
  if (!decoded) {
    return transport_error(codes::kClientInvalidResponse,
                           "HTTP " + std::to_string(reply.status) + " without an error body");
  }
  return make_error(std::move(decoded->group), std::move(decoded->code),
                    std::move(decoded->message),
                    decoded->metadata ? std::move(*decoded->metadata) : Value(nullptr));
}

}  // namespace rivet::client
