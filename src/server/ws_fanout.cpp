// A broadcast's frames to many WebSocket sessions, sent in batches: the gates of the idle
// sessions of a batch are reserved, every frame goes out in one system call (batch_sender.hpp),
// and each session then settles its outcome exactly as after a single inline send.
//
// Holding several gates at once cannot deadlock: no other code holds more than one gate, and
// the two threads that may share a broadcast take disjoint sessions. A gate is held for one
// batch at most (a few dozen non-blocking sends).

#include "server/batch_sender.hpp"
#include "server/ws_session.hpp"

#include <array>
#include <mutex>

#include <sys/uio.h>

namespace rivet::server {

namespace asio = boost::asio;

namespace {

// Sessions per system call. The publisher hands over chunks of at most this size anyway.
constexpr std::size_t kBatch = 32;

}  // namespace

void WsSession::deliver_shared_batch(std::span<ConnectionSink* const> sinks,
                                     const std::shared_ptr<const SharedEvent>& event) {
  struct Reserved {
    std::shared_ptr<WsSession> session;
    std::unique_lock<std::mutex> gate;
    std::array<std::uint8_t, 10> header{};
    std::size_t header_size = 0;
    std::size_t total = 0;
    std::array<iovec, 2> iov{};
    msghdr message{};
  };
  std::array<Reserved, kBatch> reserved;
  std::array<BatchSend, kBatch> sends;

  while (!sinks.empty()) {
    std::size_t n = 0;
    std::size_t taken = 0;
    for (; taken < sinks.size() && n < kBatch; ++taken) {
      auto self = static_cast<WsSink*>(sinks[taken])->session();
      if (!self) {
        continue;
      }
      const auto& bytes = event->encoded(self->encoding_);
      if (bytes.size() > self->options_.max_outgoing_message_size) {
        deliver_shared_event(std::move(self), event);  // the strand closes the connection
        continue;
      }
      auto& r = reserved[n];
      int fd = -1;
      r.gate = self->ws_.next_layer().reserve_inline(fd);
      if (!r.gate.owns_lock()) {
        after_inline(std::move(self), event, WsSocket::Inline::refused, {}, 0, 0);
        continue;
      }
      r.header_size =
          write_frame_header(r.header, bytes.size(), self->encoding_ == protocol::Encoding::Json);
      r.total = r.header_size + bytes.size();
      r.iov = {iovec{r.header.data(), r.header_size},
               iovec{const_cast<std::uint8_t*>(bytes.data()), bytes.size()}};
      r.message = msghdr{};
      r.message.msg_iov = r.iov.data();
      r.message.msg_iovlen = r.iov.size();
      r.session = std::move(self);
      sends[n] = BatchSend{.fd = fd, .message = &r.message, .result = 0};
      ++n;
    }
    sinks = sinks.subspan(taken);
    send_all(std::span(sends).first(n));
    for (std::size_t i = 0; i < n; ++i) {
      auto& r = reserved[i];
      std::size_t sent = 0;
      const auto result =
          r.session->ws_.next_layer().settle_inline(r.gate, sends[i].result, r.total, sent);
      r.gate.unlock();
      after_inline(std::move(r.session), event, result, r.header, r.header_size, sent);
    }
  }
}

}  // namespace rivet::server
