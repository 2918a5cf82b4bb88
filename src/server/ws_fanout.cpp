// A broadcast's frames to many WebSocket writers, sent in batches: the gates of the idle writers
// of a batch are reserved, every frame goes out in one system call (batch_sender.hpp), and each
// writer then settles its outcome exactly as after a single inline send (publish_event).
//
// Holding several gates at once cannot deadlock: no other code holds more than one gate, and
// the two threads that may share a broadcast take disjoint writers. A gate is held for one
// batch at most (a few dozen non-blocking sends).

#include "server/batch_sender.hpp"
#include "server/ws_writer.hpp"

#include <array>
#include <mutex>

#include <sys/uio.h>

namespace rivet::server {

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
