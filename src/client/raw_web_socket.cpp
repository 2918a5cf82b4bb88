// A raw WebSocket to an actor (`/websocket/<path>`): frames as they are. Sends are queued on the
// socket's strand and written in call order by one writer; each send completes once its frame
// is out. receive() reads directly (one receiver at a time).

#include "client/target.hpp"
#include "client/ws_common.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <deque>

namespace rivet::client {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

namespace {

struct OutFrame {
  OutFrame(const Strand& strand, std::string d, bool b)
      : data(std::move(d)), binary(b), done(strand) {}
  std::string data;
  bool binary;
  std::optional<Error> error;
  Wakeup done;
};

class RawWebSocketImpl final : public RawWebSocket,
                               public std::enable_shared_from_this<RawWebSocketImpl> {
 public:
  RawWebSocketImpl(std::shared_ptr<const ClientState> client, Strand strand,
                   beast::tcp_stream stream)
      : client_(std::move(client)), strand_(std::move(strand)), ws_(std::move(stream)) {}

  // Strand.
  Awaitable<Result<void>> open(std::string target, std::vector<std::string> protocols) {
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = client_->options().timeout;
    timeouts.idle_timeout = websocket::stream_base::none();
    timeouts.keep_alive_pings = false;
    ws_.set_option(timeouts);
    ws_.set_option(websocket::stream_base::decorator(
        [offered = join_protocols(protocols)](websocket::request_type& req) {
          req.set(beast::http::field::sec_websocket_protocol, offered);
        }));
    beast::get_lowest_layer(ws_).expires_after(client_->options().timeout);
    auto [ec] = co_await ws_.async_handshake(client_->host() + ":" + client_->port(), target,
                                              kUseTuple);
    beast::get_lowest_layer(ws_).expires_never();
    if (ec) {
      co_return transport_error(
          ec == beast::error::timeout ? codes::kClientTimedOut : codes::kClientConnectionFailed,
          "WebSocket handshake failed: " + ec.message());
    }
    co_return Result<void>{};
  }

  Awaitable<Result<void>> send(std::string data, bool binary) override {
    co_return co_await asio::co_spawn(
        strand_, send_on_strand(shared_from_this(), std::move(data), binary), asio::use_awaitable);
  }

  Awaitable<std::optional<RawMessage>> receive() override {
    co_return co_await asio::co_spawn(strand_, receive_on_strand(shared_from_this()),
                                      asio::use_awaitable);
  }

  Awaitable<void> close(std::uint16_t code, std::string reason) override {
    co_await asio::co_spawn(strand_, close_on_strand(shared_from_this(), code, std::move(reason)),
                            asio::use_awaitable);
  }

  std::uint16_t close_code() const override { return close_code_; }
  std::string close_reason() const override { return close_reason_; }

 private:
  static Awaitable<Result<void>> send_on_strand(std::shared_ptr<RawWebSocketImpl> self,
                                                std::string data, bool binary) {
    if (self->closed_) {
      co_return transport_error(codes::kClientConnectionClosed, "The WebSocket is closed");
    }
    auto frame = std::make_shared<OutFrame>(self->strand_, std::move(data), binary);
    self->outbox_.push_back(frame);
    if (!self->writing_) {
      self->writing_ = true;
      while (!self->outbox_.empty()) {
        auto next = std::move(self->outbox_.front());
        self->outbox_.pop_front();
        self->ws_.binary(next->binary);
        auto [ec, n] = co_await self->ws_.async_write(asio::buffer(next->data), kUseTuple);
        if (ec) {
          next->error =
              transport_error(codes::kClientConnectionClosed, "Write failed: " + ec.message());
        }
        next->done.set();
      }
      self->writing_ = false;
    }
    co_await frame->done.wait();
    if (frame->error) {
      co_return *frame->error;
    }
    co_return Result<void>{};
  }

  static Awaitable<std::optional<RawMessage>> receive_on_strand(
      std::shared_ptr<RawWebSocketImpl> self) {
    if (self->closed_) {
      co_return std::nullopt;
    }
    beast::flat_buffer buffer;
    auto [ec, n] = co_await self->ws_.async_read(buffer, kUseTuple);
    if (ec) {
      self->closed_ = true;
      if (closed_by_peer(ec, self->ws_.reason())) {
        self->close_code_ = static_cast<std::uint16_t>(self->ws_.reason().code);
        self->close_reason_ = std::string(self->ws_.reason().reason.c_str());
      } else {
        self->close_code_ = 1006;
      }
      co_return std::nullopt;
    }
    co_return RawMessage{beast::buffers_to_string(buffer.data()), !self->ws_.got_text()};
  }

  static Awaitable<void> close_on_strand(std::shared_ptr<RawWebSocketImpl> self,
                                         std::uint16_t code, std::string reason) {
    if (self->closed_ || self->closing_) {
      co_return;
    }
    self->closing_ = true;
    beast::get_lowest_layer(self->ws_).expires_after(self->client_->options().timeout);
    websocket::close_reason cr;
    cr.code = code;
    cr.reason = reason.substr(0, 123);  // the most a close frame carries
    auto [ec] = co_await self->ws_.async_close(cr, kUseTuple);
    self->closed_ = true;
    if (ec && self->ws_.reason().code == websocket::close_code::none) {
      beast::get_lowest_layer(self->ws_).close();
      self->close_code_ = 1006;
      co_return;
    }
    self->close_code_ = static_cast<std::uint16_t>(self->ws_.reason().code);
    self->close_reason_ = std::string(self->ws_.reason().reason.c_str());
  }

  std::shared_ptr<const ClientState> client_;
  Strand strand_;
  websocket::stream<beast::tcp_stream> ws_;
  std::deque<std::shared_ptr<OutFrame>> outbox_;
  bool writing_ = false;
  bool closing_ = false;
  bool closed_ = false;
  std::uint16_t close_code_ = 0;
  std::string close_reason_;
};

Awaitable<Result<std::shared_ptr<RawWebSocket>>> open_raw_on_strand(
    std::shared_ptr<RawWebSocketImpl> socket, std::string target,
    std::vector<std::string> protocols) {
  auto opened = co_await socket->open(std::move(target), std::move(protocols));
  if (!opened) {
    co_return opened.error();
  }
  co_return std::shared_ptr<RawWebSocket>(std::move(socket));
}

}  // namespace

Awaitable<Result<std::shared_ptr<RawWebSocket>>> ActorHandle::web_socket(
    std::string path, std::vector<std::string> protocols) const {
  auto stream = co_await client_->open_stream();
  if (!stream) {
    co_return stream.error();
  }
  std::vector<std::string> offered{
      "rivet", "rivet_encoding." + std::string(protocol::encoding_name(client_->encoding()))};
  if (target_->params) {
    offered.push_back("rivet_conn_params." + encode_component(target_->params->dump()));
  }
  for (auto& p : protocols) {
    offered.push_back(std::move(p));
  }
  if (path.starts_with('/')) {
    path.erase(0, 1);
  }
  auto strand = asio::make_strand(client_->executor());
  auto socket = std::make_shared<RawWebSocketImpl>(client_, strand, std::move(**stream));
  co_return co_await asio::co_spawn(
      strand,
      open_raw_on_strand(std::move(socket),
                         client_->base_path() + target_path(*client_, *target_, "/websocket/" + path),
                         std::move(offered)),
      asio::use_awaitable);
}

}  // namespace rivet::client
