#include "ws_client.hpp"

#include "bare_fast.hpp"

#include <rivet/protocol/messages.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include <cstring>
#include <random>
#include <string_view>

namespace rivet::load {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

std::string base64(const std::uint8_t* data, std::size_t n) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t i = 0; i < n; i += 3) {
    std::uint32_t v = static_cast<std::uint32_t>(data[i]) << 16;
    if (i + 1 < n) v |= static_cast<std::uint32_t>(data[i + 1]) << 8;
    if (i + 2 < n) v |= data[i + 2];
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < n ? kAlphabet[(v >> 6) & 63] : '=';
    out += i + 2 < n ? kAlphabet[v & 63] : '=';
  }
  return out;
}

std::uint32_t seed() {
  static std::uint32_t counter = std::random_device{}();
  counter = counter * 1664525u + 1013904223u;
  return counter | 1u;
}

std::string hex_prefix(std::span<const std::uint8_t> b) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  for (std::size_t i = 0; i < b.size() && i < 48; ++i) {
    s += kHex[b[i] >> 4];
    s += kHex[b[i] & 15];
  }
  return s;
}

}  // namespace

WsConn::WsConn(asio::io_context& io) : sock_(io), rbuf_(16 * 1024), mask_state_(seed()) {}

void WsConn::open(const tcp::endpoint& ep, const std::string& path, OpenCb cb,
                  const std::string& bind_ip) {
  open_cb_ = std::move(cb);
  path_ = path;
  host_ = ep.address().to_string() + ":" + std::to_string(ep.port());
  state_ = State::Connecting;
  boost::system::error_code ec;
  if (!bind_ip.empty()) {
    sock_.open(ep.protocol(), ec);
    if (!ec) {
      sock_.bind(tcp::endpoint(asio::ip::make_address(bind_ip), 0), ec);
    }
    if (ec) {
      asio::post(sock_.get_executor(),
                 [self = shared_from_this(), ec] { self->fail("bind: " + ec.message()); });
      return;
    }
  }
  sock_.async_connect(ep, [self = shared_from_this()](boost::system::error_code ec) {
    if (self->state_ == State::Closed) {
      return;
    }
    if (ec) {
      self->fail("connect: " + ec.message());
      return;
    }
    self->sock_.set_option(tcp::no_delay(true), ec);
    std::uint8_t key[16];
    for (int i = 0; i < 16; i += 4) {
      const std::uint32_t r = seed();
      std::memcpy(key + i, &r, 4);
    }
    std::string req = "GET " + self->path_ + " HTTP/1.1\r\nHost: " + self->host_ +
                      "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " +
                      base64(key, 16) +
                      "\r\nSec-WebSocket-Version: 13\r\n"
                      "Sec-WebSocket-Protocol: rivet, rivet_encoding.bare\r\n\r\n";
    self->out_.assign(req.begin(), req.end());
    self->state_ = State::Handshake;
    self->flush();
    self->read_more();
  });
}

void WsConn::read_more() {
  if (rend_ == rbuf_.size()) {
    if (rbeg_ > 0) {
      std::memmove(rbuf_.data(), rbuf_.data() + rbeg_, rend_ - rbeg_);
      rend_ -= rbeg_;
      rbeg_ = 0;
    } else {
      rbuf_.resize(rbuf_.size() * 2);
    }
  }
  sock_.async_read_some(asio::buffer(rbuf_.data() + rend_, rbuf_.size() - rend_),
                        [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
                          if (self->state_ == State::Closed) {
                            return;
                          }
                          if (ec) {
                            self->fail(self->state_ == State::Closing ? ""
                                                                      : "read: " + ec.message());
                            return;
                          }
                          self->on_read(n);
                        });
}

void WsConn::on_read(std::size_t n) {
  rend_ += n;
  if (state_ == State::Handshake && !parse_handshake()) {
    if (state_ != State::Closed) {
      read_more();
    }
    return;
  }
  dispatching_ = true;
  parse_frames();
  dispatching_ = false;
  if (state_ == State::Closed) {
    return;
  }
  flush();
  if (rbeg_ == rend_) {
    rbeg_ = rend_ = 0;
  } else if (rbeg_ > rbuf_.size() / 2) {
    std::memmove(rbuf_.data(), rbuf_.data() + rbeg_, rend_ - rbeg_);
    rend_ -= rbeg_;
    rbeg_ = 0;
  }
  read_more();
}

bool WsConn::parse_handshake() {
  const std::string_view text(reinterpret_cast<const char*>(rbuf_.data() + rbeg_), rend_ - rbeg_);
  const auto end = text.find("\r\n\r\n");
  if (end == std::string_view::npos) {
    if (text.size() > 16 * 1024) {
      fail("handshake: response head too large");
    }
    return false;
  }
  const auto status_line = text.substr(0, text.find("\r\n"));
  if (status_line.find(" 101") == std::string_view::npos) {
    fail("handshake: " + std::string(status_line));
    return false;
  }
  rbeg_ += end + 4;
  state_ = State::WaitInit;
  return true;
}

void WsConn::parse_frames() {
  while (state_ != State::Closed) {
    const std::uint8_t* p = rbuf_.data() + rbeg_;
    const std::size_t avail = rend_ - rbeg_;
    if (avail < 2) {
      return;
    }
    const bool fin = (p[0] & 0x80) != 0;
    const std::uint8_t opcode = p[0] & 0x0f;
    const bool masked = (p[1] & 0x80) != 0;
    std::uint64_t len = p[1] & 0x7f;
    std::size_t head = 2;
    if (len == 126) {
      if (avail < 4) return;
      len = (static_cast<std::uint64_t>(p[2]) << 8) | p[3];
      head = 4;
    } else if (len == 127) {
      if (avail < 10) return;
      len = 0;
      for (int i = 0; i < 8; ++i) len = (len << 8) | p[2 + i];
      head = 10;
    }
    std::uint8_t mask[4] = {0, 0, 0, 0};
    if (masked) {
      if (avail < head + 4) return;
      std::memcpy(mask, p + head, 4);
      head += 4;
    }
    if (len > (64ull << 20)) {
      fail("frame too large");
      return;
    }
    if (avail < head + len) {
      if (head + len > rbuf_.size()) {
        // Make room for the whole frame: move it to the front and grow the buffer.
        std::memmove(rbuf_.data(), rbuf_.data() + rbeg_, avail);
        rend_ = avail;
        rbeg_ = 0;
        rbuf_.resize(std::max<std::size_t>(rbuf_.size() * 2, head + len));
      }
      return;
    }
    std::uint8_t* payload = rbuf_.data() + rbeg_ + head;
    if (masked) {
      for (std::uint64_t i = 0; i < len; ++i) payload[i] ^= mask[i & 3];
    }
    rbeg_ += head + len;
    const std::span<const std::uint8_t> body(payload, static_cast<std::size_t>(len));
    switch (opcode) {
      case 0x0:  // continuation
        fragments_.insert(fragments_.end(), body.begin(), body.end());
        if (fin) {
          in_fragment_ = false;
          std::vector<std::uint8_t> whole;
          whole.swap(fragments_);
          handle_message(whole);
        }
        break;
      case 0x1:
      case 0x2:
        if (fin) {
          handle_message(body);
        } else {
          in_fragment_ = true;
          fragments_.assign(body.begin(), body.end());
        }
        break;
      case 0x8: {
        std::string why;
        if (state_ != State::Closing) {
          const unsigned code = len >= 2 ? (body[0] << 8) | body[1] : 1005;
          why = "closed by server: " + std::to_string(code) + " " +
                std::string(reinterpret_cast<const char*>(body.data()) + (len >= 2 ? 2 : 0),
                            len >= 2 ? len - 2 : 0);
        }
        fail(why);
        return;
      }
      case 0x9:
        append_frame(0xA, body);
        break;
      default:
        break;
    }
  }
}

void WsConn::handle_message(std::span<const std::uint8_t> msg) {
  if (state_ == State::Open || state_ == State::Closing) {
    if (on_message) {
      on_message(msg);
    }
    return;
  }
  if (state_ != State::WaitInit) {
    return;
  }
  auto decoded = protocol::decode_to_client(msg, protocol::Encoding::Bare);
  if (!decoded) {
    fail("undecodable first message: " + hex_prefix(msg));
    return;
  }
  if (const auto* init = std::get_if<protocol::Init>(&*decoded)) {
    actor_id_ = init->actor_id;
    state_ = State::Open;
    auto cb = std::move(open_cb_);
    open_cb_ = nullptr;
    if (cb) {
      cb("", actor_id_);
    }
    return;
  }
  if (const auto* err = std::get_if<protocol::ErrorMessage>(&*decoded)) {
    fail("error before Init: " + err->group + "." + err->code + ": " + err->message);
    return;
  }
  fail("unexpected first message");
}

void WsConn::send(std::span<const std::uint8_t> payload) {
  if (state_ != State::Open) {
    return;
  }
  append_frame(0x2, payload);
  if (!dispatching_) {
    flush();
  }
}

void WsConn::append_frame(std::uint8_t opcode, std::span<const std::uint8_t> payload) {
  const std::size_t n = payload.size();
  out_.push_back(static_cast<std::uint8_t>(0x80 | opcode));
  if (n < 126) {
    out_.push_back(static_cast<std::uint8_t>(0x80 | n));
  } else if (n <= 0xffff) {
    out_.push_back(0x80 | 126);
    out_.push_back(static_cast<std::uint8_t>(n >> 8));
    out_.push_back(static_cast<std::uint8_t>(n));
  } else {
    out_.push_back(0x80 | 127);
    for (int i = 7; i >= 0; --i) out_.push_back(static_cast<std::uint8_t>(n >> (8 * i)));
  }
  // xorshift32: cheap, varying masking keys (the server only unmasks).
  mask_state_ ^= mask_state_ << 13;
  mask_state_ ^= mask_state_ >> 17;
  mask_state_ ^= mask_state_ << 5;
  std::uint8_t mask[4];
  std::memcpy(mask, &mask_state_, 4);
  out_.insert(out_.end(), mask, mask + 4);
  const std::size_t at = out_.size();
  out_.resize(at + n);
  for (std::size_t i = 0; i < n; ++i) out_[at + i] = payload[i] ^ mask[i & 3];
}

void WsConn::flush() {
  if (write_in_flight_ || out_.empty() || state_ == State::Closed) {
    return;
  }
  writing_.swap(out_);
  out_.clear();
  write_in_flight_ = true;
  asio::async_write(sock_, asio::buffer(writing_),
                    [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                      self->write_in_flight_ = false;
                      self->writing_.clear();
                      if (self->state_ == State::Closed) {
                        return;
                      }
                      if (ec) {
                        self->fail("write: " + ec.message());
                        return;
                      }
                      self->flush();
                    });
}

void WsConn::close() {
  if (state_ == State::Open || state_ == State::WaitInit) {
    const std::uint8_t code[2] = {0x03, 0xe8};  // 1000
    append_frame(0x8, code);
    state_ = State::Closing;
    flush();
  } else if (state_ != State::Closing) {
    abort();
  }
}

void WsConn::abort() { fail(""); }

void WsConn::fail(const std::string& why) {
  if (state_ == State::Closed) {
    return;
  }
  const bool was_open = state_ == State::Open || state_ == State::Closing;
  state_ = State::Closed;
  boost::system::error_code ec;
  sock_.shutdown(tcp::socket::shutdown_both, ec);
  sock_.close(ec);
  if (!was_open) {
    auto cb = std::move(open_cb_);
    open_cb_ = nullptr;
    if (cb) {
      cb(why.empty() ? "closed" : why, "");
      return;
    }
  }
  if (on_closed) {
    auto cb = std::move(on_closed);
    on_closed = nullptr;
    cb(why);
  }
  on_message = nullptr;
}

}  // namespace rivet::load
