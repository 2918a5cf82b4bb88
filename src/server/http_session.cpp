#include "server/error_mapping.hpp"
#include "server/router.hpp"
#include "server/server_errors.hpp"
#include "server/sessions.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <tuple>
#include <vector>

namespace rivet::server {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
constexpr auto kWriteTimeout = std::chrono::seconds(30);
// Conn params travel in a header; leave room beyond Beast's 8 KiB default.
constexpr std::uint32_t kHeaderLimit = 64 * 1024;
// The first read of a request (then Beast's parser reads the rest).
constexpr std::size_t kFirstRead = 4096;
// After an error answer the server reads (and discards) what the client still sends, for this
// long or this much at most, before it closes: closing with unread data would reset the
// connection and could destroy the answer before the client reads it.
constexpr auto kLingerTimeout = std::chrono::seconds(2);
constexpr std::size_t kLingerBytes = 4 * 1024 * 1024;
constexpr std::size_t kLingerChunk = 16 * 1024;
// A connection beyond the limit has this long to send its request headers before its 503.
constexpr auto kRefusalTimeout = std::chrono::seconds(2);

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

/// Beast's parse errors of a request that is not valid HTTP/1.1 (answered 400), as opposed to
/// the end of the stream, a timeout or a limit.
bool is_malformed(const beast::error_code& ec) {
  const auto first = http::make_error_code(http::error::bad_line_ending);
  if (ec.category() != first.category()) {
    return false;
  }
  return ec.value() >= static_cast<int>(http::error::bad_line_ending) &&
         ec.value() <= static_cast<int>(http::error::multiple_content_length);
}

/// Stops sending, then reads and discards what the peer still sends (kLingerTimeout,
/// kLingerBytes), then closes.
asio::awaitable<void> linger_and_close(beast::tcp_stream& stream) {
  beast::error_code ignored;
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  stream.expires_after(kLingerTimeout);
  std::vector<char> sink(kLingerChunk);
  std::size_t drained = 0;
  while (drained < kLingerBytes) {
    auto [ec, n] = co_await stream.async_read_some(asio::buffer(sink), kUseTuple);
    if (ec) {
      break;
    }
    drained += n;
  }
  stream.close();
}

/// Answers `error` as the gateway does (JSON body, its status), then closes the connection.
asio::awaitable<void> answer_and_close(beast::tcp_stream& stream, Error error) {
  auto response = gateway_error_response(error);
  response.set("x-rivet-ray-id", make_ray_id());
  if (response.status == static_cast<unsigned>(http::status::service_unavailable)) {
    response.set("retry-after", "1");
  }
  auto res = to_beast(response, 11, false);
  stream.expires_after(kWriteTimeout);
  auto [ec, n] = co_await http::async_write(stream, res, kUseTuple);
  if (!ec) {
    co_await linger_and_close(stream);
  }
}

/// How reading one request ended.
enum class ReadOutcome {
  Request,          // a whole request is in the parser
  Closed,           // the peer closed, a timeout passed or the server stops: close silently
  HeadersTooLarge,  // 431
  BodyTooLarge,     // 413
  Malformed,        // 400
};

ReadOutcome outcome_of(const beast::error_code& ec) {
  if (ec == http::error::header_limit) {
    return ReadOutcome::HeadersTooLarge;
  }
  if (ec == http::error::body_limit) {
    return ReadOutcome::BodyTooLarge;
  }
  return is_malformed(ec) ? ReadOutcome::Malformed : ReadOutcome::Closed;
}

class HttpSession final : public std::enable_shared_from_this<HttpSession>, public Closeable {
 public:
  HttpSession(ServerContext& ctx, TaskGroup& tasks, SessionRegistry& sessions,
              asio::ip::tcp::socket socket, CountedSlot slot)
      : ctx_(ctx),
        tasks_(tasks),
        sessions_(sessions),
        stream_(std::move(socket)),
        slot_(std::move(slot)) {}

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
      const auto read = co_await read_request(buffer, parser);
      if (read == ReadOutcome::Closed) {
        break;
      }
      if (read != ReadOutcome::Request) {
        co_await refuse(read);
        sessions_.remove(registry_id_);
        co_return;
      }
      auto req = parser.release();
      if (beast::websocket::is_upgrade(req)) {
        upgraded_ = true;
        sessions_.remove(registry_id_);
        stream_.expires_never();
        co_await run_ws_session(ctx_, tasks_, sessions_, std::move(stream_), std::move(req),
                                std::move(slot_));
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
      beast::error_code wec;
      http::response_serializer<http::string_body> serializer{res};
      if (head) {
        // The headers a GET would get, Content-Length included, and no body.
        stream_.expires_after(kWriteTimeout);
        std::tie(wec, std::ignore) =
            co_await http::async_write_header(stream_, serializer, kUseTuple);
      } else if (!write_now(serializer, wec) && !wec) {
        stream_.expires_after(kWriteTimeout);
        std::tie(wec, std::ignore) = co_await http::async_write(stream_, serializer, kUseTuple);
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
  // One request, with a deadline for each part (ServerOptions): the wait for its first byte
  // (idle keep-alive), its request line and headers, its body. A client that trickles bytes
  // (slow loris) is cut off at the deadline of the part it is in.
  asio::awaitable<ReadOutcome> read_request(beast::flat_buffer& buffer,
                                            http::request_parser<http::string_body>& parser) {
    const auto& limits = ctx_.limits;
    if (buffer.size() == 0) {
      stream_.expires_after(limits.idle_timeout);
      auto [ec, n] = co_await stream_.async_read_some(buffer.prepare(kFirstRead), kUseTuple);
      if (ec) {
        co_return ReadOutcome::Closed;
      }
      buffer.commit(n);
    }
    if (auto parsed = parse_buffered(buffer, parser)) {
      co_return *parsed;
    }
    stream_.expires_after(limits.header_timeout);
    auto [hec, hn] = co_await http::async_read_header(stream_, buffer, parser, kUseTuple);
    if (hec) {
      read_error_ = hec;
      co_return outcome_of(hec);
    }
    if (!parser.is_done()) {
      stream_.expires_after(limits.body_timeout);
      auto [bec, bn] = co_await http::async_read(stream_, buffer, parser, kUseTuple);
      if (bec) {
        read_error_ = bec;
        co_return outcome_of(bec);
      }
    }
    co_return ReadOutcome::Request;
  }

  // Most requests arrive whole in their first read: parsing them from the buffer here spares
  // the deadline timers and posted completions of Beast's composed reads. Empty: the request
  // is not complete yet, and the deadline-bound reads go on from where this stopped.
  std::optional<ReadOutcome> parse_buffered(beast::flat_buffer& buffer,
                                            http::request_parser<http::string_body>& parser) {
    while (!parser.is_done() && buffer.size() > 0) {
      beast::error_code ec;
      const auto used = parser.put(buffer.data(), ec);
      buffer.consume(used);
      if (ec == http::error::need_more) {
        return std::nullopt;
      }
      if (ec) {
        read_error_ = ec;
        return outcome_of(ec);
      }
      if (used == 0) {
        return std::nullopt;
      }
    }
    if (parser.is_done()) {
      return ReadOutcome::Request;
    }
    return std::nullopt;
  }

  // Writes what the kernel takes at once, as the WebSocket writer does. False when some of the
  // response is left (the socket's buffer is full) or the write failed (`ec`); the serializer
  // keeps its progress for the asynchronous write of the rest.
  bool write_now(http::response_serializer<http::string_body>& serializer,
                 beast::error_code& ec) {
    auto& socket = stream_.socket();
    if (!socket.non_blocking()) {
      socket.non_blocking(true, ec);  // asynchronous operations are unaffected
      if (ec) {
        ec = {};
        return false;
      }
    }
    http::write(socket, serializer, ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
      ec = {};
      return false;
    }
    return !ec;
  }

  // A request the server will not parse further: answered with its error, then closed.
  asio::awaitable<void> refuse(ReadOutcome why) {
    Error error = errors::invalid_request_body();
    if (why == ReadOutcome::HeadersTooLarge) {
      error = errors::request_headers_too_large(kHeaderLimit);
    } else if (why == ReadOutcome::Malformed) {
      error = errors::invalid_http_request("malformed HTTP request: " + read_error_.message());
    }
    co_await answer_and_close(stream_, std::move(error));
  }

  ServerContext& ctx_;
  TaskGroup& tasks_;
  SessionRegistry& sessions_;
  beast::tcp_stream stream_;
  CountedSlot slot_;              // this connection, in ServerStats::connections_open
  beast::error_code read_error_;  // why the last request could not be read
  std::uint64_t registry_id_ = 0;
  bool busy_ = false;
  bool stopping_ = false;
  bool upgraded_ = false;
};

}  // namespace

asio::awaitable<void> run_http_session(ServerContext& ctx, TaskGroup& tasks,
                                       SessionRegistry& sessions, asio::ip::tcp::socket socket,
                                       CountedSlot slot) {
  auto session =
      std::make_shared<HttpSession>(ctx, tasks, sessions, std::move(socket), std::move(slot));
  co_await session->run();
}

asio::awaitable<void> run_refused_session(ServerContext& ctx, asio::ip::tcp::socket socket,
                                          std::size_t limit,
                                          [[maybe_unused]] CountedSlot refusing) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  http::request_parser<http::empty_body> parser;
  parser.header_limit(kHeaderLimit);
  stream.expires_after(
      std::min<std::chrono::milliseconds>(ctx.limits.header_timeout, kRefusalTimeout));
  auto [ec, n] = co_await http::async_read_header(stream, buffer, parser, kUseTuple);
  if (ec) {
    co_return;  // no request in time: just close
  }
  auto error = errors::too_many_connections(limit);
  co_await answer_and_close(stream, std::move(error));
}

}  // namespace rivet::server
