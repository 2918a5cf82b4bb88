// See ws_writer.hpp for the concurrency model and the outgoing-queue policy.

#include "server/ws_writer.hpp"

#include "server/batch_sender.hpp"
#include "server/ws_close_codes.hpp"

#include <rivet/common/error.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/buffers_suffix.hpp>

#include <array>
#include <mutex>

#include <sys/uio.h>

namespace rivet::server {

namespace asio = boost::asio;
namespace beast = boost::beast;

namespace {

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

}  // namespace

WsWriter::WsWriter(TaskGroup& tasks, SessionSocket socket)
    : tasks_(tasks), ws_(std::move(socket)), close_deadline_(ws_.get_executor()) {}

// -- before start_writing() ------------------------------------------------------------------

void WsWriter::carry_events(protocol::Encoding encoding, std::size_t max_size) {
  events_ = EventFormat{encoding, max_size};
}

void WsWriter::queue_frame_first(Bytes data, bool text) {
  queued_bytes_ += data.size();
  Outgoing first;
  first.data = std::move(data);
  first.text = text;
  queue_.push_front(std::move(first));
}

void WsWriter::start_writing() {
  writable_ = true;
  pump();
}

asio::awaitable<void> WsWriter::close_at_once(std::uint16_t code, std::string reason) {
  co_await ws_.async_close(make_close(code, std::move(reason)), kUseTuple);
}

asio::awaitable<void> WsWriter::send_then_close(Bytes frame, bool text, std::uint16_t code,
                                                std::string reason) {
  ws_.text(text);
  co_await ws_.async_write(asio::buffer(frame), kUseTuple);
  co_await close_at_once(code, std::move(reason));
}

// -- any thread ---------------------------------------------------------------------------------

template <class F>
void WsWriter::post_counted(F f) {
  ws_.next_layer().note_outside_post();
  asio::post(ws_.get_executor(), [self = shared_from_this(), f = std::move(f)]() mutable {
    self->ws_.next_layer().outside_post_ran();
    f(*self);
  });
}

void WsWriter::shutdown() {
  post_counted([](WsWriter& w) { w.request_close(kCloseGoingAway, "ws.going_away"); });
}

void WsWriter::post_frame(Bytes data, bool text) {
  post_counted([data = std::move(data), text](WsWriter& w) mutable {
    w.queue_frame(std::move(data), text);
  });
}

void WsWriter::post_close(std::uint16_t code, std::string reason) {
  post_counted([code, reason = std::move(reason)](WsWriter& w) mutable {
    w.request_close(code, std::move(reason));
  });
}

void WsWriter::publish_event(std::shared_ptr<WsWriter> self,
                             std::shared_ptr<const SharedEvent> event) {
  auto& socket = self->ws_.next_layer();
  const auto& format = *self->events_;
  const auto& bytes = event->encoded(format.encoding);
  if (bytes.size() > format.max_size) {
    socket.note_outside_post();  // the strand closes the connection (too long)
    after_inline(std::move(self), std::move(event), WsSocket::Inline::refused, {}, 0);
    return;
  }
  // The common case of a fan-out: the writer is idle, so the frame goes out from here
  // without a post (WsSocket::send_inline).
  const auto header = frame_header(bytes.size(), format.encoding == protocol::Encoding::Json);
  std::size_t sent = 0;
  const auto result =
      socket.send_inline(asio::buffer(header.bytes.data(), header.size), asio::buffer(bytes), sent);
  after_inline(std::move(self), std::move(event), result, header, sent);
}

void WsWriter::after_inline(std::shared_ptr<WsWriter> self,
                            std::shared_ptr<const SharedEvent> event, WsSocket::Inline result,
                            FrameHeader header, std::size_t sent) {
  if (result == WsSocket::Inline::sent) {
    return;  // the common case: no strand (executor copy) needed
  }
  auto ex = self->ws_.get_executor();
  switch (result) {
    case WsSocket::Inline::sent:
      return;
    case WsSocket::Inline::partial:
      asio::post(ex, [self = std::move(self), event = std::move(event), header, sent]() mutable {
        self->ws_.next_layer().outside_post_ran();
        self->finish_inline_tail(std::move(event), header, sent);
      });
      return;
    case WsSocket::Inline::refused:  // counted as an outside post
      asio::post(ex, [self = std::move(self), event = std::move(event)]() mutable {
        self->ws_.next_layer().outside_post_ran();
        self->queue_event(std::move(event));
      });
      return;
  }
}

// -- on the strand ------------------------------------------------------------------------------

void WsWriter::finish_inline_tail(std::shared_ptr<const SharedEvent> event, FrameHeader header,
                                  std::size_t sent) {
  tail_ = InlineTail{std::move(event), header};
  const std::array<asio::const_buffer, 2> frame{
      asio::const_buffer(tail_.header.bytes.data(), tail_.header.size),
      asio::buffer(tail_.event->encoded(events_->encoding))};
  beast::buffers_suffix<std::array<asio::const_buffer, 2>> rest(frame);
  rest.consume(sent);
  ws_.next_layer().finish_inline_tail(rest, [self = shared_from_this()](beast::error_code ec) {
    self->tail_.event.reset();
    if (ec) {
      self->dead_ = true;
      self->queue_.clear();
      self->queued_bytes_ = 0;
      return;
    }
    self->pump();
  });
}

void WsWriter::queue_frame(Bytes data, bool text) {
  Outgoing message;
  message.data = std::move(data);
  message.text = text;
  push(std::move(message));
}

void WsWriter::queue_event(std::shared_ptr<const SharedEvent> event) {
  if (close_ || dead_) {
    return;
  }
  if (event->encoded(events_->encoding).size() > events_->max_size) {
    request_close(kCloseError, rivet::errors::outgoing_too_long().qualified());
    return;
  }
  const bool text = events_->encoding == protocol::Encoding::Json;
  if (writable_ && !writing_ && queue_.empty() && can_send_frame()) {
    // The common case of a fan-out: nothing queued, so the event goes out at once.
    current_.shared = std::move(event);
    current_.text = text;
    if (send_current_as_frame()) {
      arm_if_idle();
    }
    return;
  }
  Outgoing message;
  message.shared = std::move(event);
  message.text = text;
  push(std::move(message));
}

const Bytes& WsWriter::bytes_of(const Outgoing& message) const {
  return message.shared ? message.shared->encoded(events_->encoding) : message.data;
}

void WsWriter::push(Outgoing message) {
  if (close_ || dead_) {
    return;
  }
  const auto size = bytes_of(message).size();
  if (queue_.size() >= kMaxQueuedMessages || queued_bytes_ + size > kMaxQueuedBytes) {
    request_close(kCloseError, "message.outgoing_queue_full");
    return;
  }
  queued_bytes_ += size;
  queue_.push_back(std::move(message));
  pump();
}

void WsWriter::request_close(std::uint16_t code, std::string reason) {
  ws_.next_layer().disarm_inline();  // nothing more goes out inline once a close is asked for
  const bool first = !close_;
  if (first) {
    close_ = make_close(code, std::move(reason));
  }
  if (first && !dead_) {
    close_deadline_.expires_after(kCloseDeadline);
    tasks_.spawn(ws_.get_executor(), enforce_close_deadline(shared_from_this()));
  }
  pump();
}

asio::awaitable<void> WsWriter::enforce_close_deadline(std::shared_ptr<WsWriter> self) {
  auto [ec] = co_await self->close_deadline_.async_wait(kUseTuple);
  if (!ec && !self->dead_) {
    // The writer is stuck behind a peer that stopped reading: drop the TCP connection; the
    // pending read and write fail and the session ends (onDisconnect runs).
    self->dead_ = true;
    beast::error_code ignored;
    self->ws_.next_layer().close_for_good(ignored);
  }
}

void WsWriter::pump() {
  if (!writable_ || writing_ || dead_) {
    return;
  }
  // Shared events while Beast is idle and open: framed here, sent without a handler.
  while (!queue_.empty() && queue_.front().shared && can_send_frame()) {
    current_ = std::move(queue_.front());
    queue_.pop_front();
    queued_bytes_ -= bytes_of(current_).size();
    if (!send_current_as_frame()) {
      return;
    }
  }
  if (!queue_.empty()) {
    writing_ = true;
    current_ = std::move(queue_.front());
    queue_.pop_front();
    const auto& bytes = bytes_of(current_);
    queued_bytes_ -= bytes.size();
    ws_.text(current_.text);
    ws_.async_write(
        asio::buffer(bytes),
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_written(ec); });
    return;
  }
  if (close_ && !closing_) {
    closing_ = true;
    writing_ = true;
    ws_.async_close(*close_, [self = shared_from_this()](beast::error_code) {
      self->writing_ = false;
      self->dead_ = true;
    });
    return;
  }
  arm_if_idle();
}

void WsWriter::arm_if_idle() {
  if (events_ && writable_ && !writing_ && !dead_ && !close_ && queue_.empty() && ws_.is_open()) {
    ws_.next_layer().arm_inline();
  }
}

bool WsWriter::can_send_frame() const {
  return ws_.is_open() && !ws_.next_layer().busy();
}

bool WsWriter::send_current_as_frame() {
  const auto& bytes = bytes_of(current_);
  frame_header_ = frame_header(bytes.size(), current_.text);
  const std::array<asio::const_buffer, 2> frame{
      asio::const_buffer(frame_header_.bytes.data(), frame_header_.size), asio::buffer(bytes)};
  if (!ws_.next_layer().send_frames(
          frame, [self = shared_from_this()](beast::error_code ec) { self->on_written(ec); })) {
    writing_ = true;  // the rest goes out asynchronously; on_written continues the chain
    return false;
  }
  current_ = Outgoing{};
  return true;
}

void WsWriter::on_written(beast::error_code ec) {
  writing_ = false;
  current_ = Outgoing{};
  if (ec) {
    dead_ = true;
    queue_.clear();
    queued_bytes_ = 0;
    return;
  }
  pump();
}

// -- batched broadcast sends ------------------------------------------------------------------
// A broadcast's frames to many WebSocket writers, sent in batches: the gates of the idle writers
// of a batch are reserved, every frame goes out in one system call (batch_sender.hpp), and each
// writer then settles its outcome exactly as after a single inline send (publish_event).
//
// Holding several gates at once cannot deadlock: no other code holds more than one gate, and
// the two threads that may share a broadcast take disjoint writers. A gate is held for one
// batch at most (a few dozen non-blocking sends).

namespace {

// Writers per system call. The publisher hands over chunks of at most this size anyway.
constexpr std::size_t kBatch = 32;

}  // namespace

void WsWriter::publish_event_batch(std::span<std::shared_ptr<WsWriter>> writers,
                                   const std::shared_ptr<const SharedEvent>& event) {
  struct Reserved {
    std::shared_ptr<WsWriter> writer;
    std::unique_lock<std::mutex> gate;
    FrameHeader header;
    std::size_t total = 0;
    std::array<iovec, 2> iov{};
    msghdr message{};
  };
  std::array<Reserved, kBatch> reserved;
  std::array<BatchSend, kBatch> sends;

  while (!writers.empty()) {
    std::size_t n = 0;
    std::size_t taken = 0;
    for (; taken < writers.size() && n < kBatch; ++taken) {
      auto self = std::move(writers[taken]);
      if (!self) {
        continue;
      }
      const auto& format = *self->events_;
      const auto& bytes = event->encoded(format.encoding);
      if (bytes.size() > format.max_size) {
        publish_event(std::move(self), event);  // the strand closes the connection
        continue;
      }
      auto& r = reserved[n];
      int fd = -1;
      r.gate = self->ws_.next_layer().reserve_inline(fd);
      if (!r.gate.owns_lock()) {
        after_inline(std::move(self), event, WsSocket::Inline::refused, {}, 0);
        continue;
      }
      r.header = frame_header(bytes.size(), format.encoding == protocol::Encoding::Json);
      r.total = r.header.size + bytes.size();
      r.iov = {iovec{r.header.bytes.data(), r.header.size},
               iovec{const_cast<std::uint8_t*>(bytes.data()), bytes.size()}};
      r.message = msghdr{};
      r.message.msg_iov = r.iov.data();
      r.message.msg_iovlen = r.iov.size();
      r.writer = std::move(self);
      sends[n] = BatchSend{.fd = fd, .message = &r.message, .result = 0};
      ++n;
    }
    writers = writers.subspan(taken);
    send_all(std::span(sends).first(n));
    for (std::size_t i = 0; i < n; ++i) {
      auto& r = reserved[i];
      std::size_t sent = 0;
      const auto result =
          r.writer->ws_.next_layer().settle_inline(r.gate, sends[i].result, r.total, sent);
      r.gate.unlock();
      after_inline(std::move(r.writer), event, result, r.header, sent);
    }
  }
}

}  // namespace rivet::server
